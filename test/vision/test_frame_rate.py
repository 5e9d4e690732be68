"""The detector's frame choice: by capture stamp, every other frame of 10 fps at 5 Hz, whatever the load."""
from __future__ import annotations

import pytest

from savvy_ros.vision.frame_rate import FrameRateLimiter


def taken(limiter: FrameRateLimiter, stamps: list[float]) -> list[float]:
    return [s for s in stamps if limiter.take(s)]


def test_every_frame_without_a_limit():
    limiter = FrameRateLimiter()
    assert taken(limiter, [0.0, 0.1, 0.1, 0.2]) == [0.0, 0.1, 0.1, 0.2] and limiter.skipped == 0


def test_a_10_fps_stream_at_5_hz_keeps_every_other_frame_despite_stamp_jitter():
    stamps = [round(0.1 * k + (0.004 if k % 3 == 1 else -0.003 if k % 3 == 2 else 0.0), 3) for k in range(20)]
    limiter = FrameRateLimiter(5.0)
    kept = taken(limiter, stamps)
    assert kept == stamps[::2] and limiter.skipped == 10
    # The same stamps give the same frames: nothing depends on when they arrive.
    assert taken(FrameRateLimiter(5.0), stamps) == kept


def test_a_15_fps_stream_at_4_hz_keeps_4_frames_a_second_on_average():
    stamps = [k / 15.0 for k in range(60)]
    kept = taken(FrameRateLimiter(4.0), stamps)
    gaps = [round((b - a) * 15) for a, b in zip(kept, kept[1:])]
    assert len(kept) == 16 and set(gaps) == {3, 4} and sum(gaps) == 56   # 3.75 frames per 0.25 s


def test_after_a_gap_in_the_stream_the_next_frame_is_taken_and_the_rate_resumes_from_it():
    kept = taken(FrameRateLimiter(5.0), [0.0, 0.1, 0.2, 3.05, 3.15, 3.25, 3.35])
    assert kept == [0.0, 0.2, 3.05, 3.25]


def test_a_clock_that_goes_back_starts_over():
    limiter = FrameRateLimiter(2.0)
    assert taken(limiter, [10.0, 10.1, 10.6, 0.0, 0.1, 0.5]) == [10.0, 10.6, 0.0, 0.5]


def test_bad_rates_are_refused():
    for rate in (-1.0, float('nan'), float('inf')):
        with pytest.raises(ValueError, match='max frame rate'):
            FrameRateLimiter(rate)
