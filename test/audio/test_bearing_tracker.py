"""Bearing tracker: stable source ids across windows, crossings, gaps, the +-180 seam, ageing."""
from __future__ import annotations

import math

import pytest

from savvy_ros.audio.bearing_tracker import BearingTracker

HOP = 0.25  # [s] the DoA node's default window step


def rad(degrees: float) -> float:
    return math.radians(degrees)


def wrap_deg(degrees: float) -> float:
    return (degrees + 180.0) % 360.0 - 180.0


def feed(tracker: BearingTracker, frames: list[list[float]], start: float = 0.0) -> list[list[int]]:
    """Bearings in degrees (elevation 0) per window -> their ids per window."""
    return [tracker.update(start + k * HOP, [(rad(a), 0.0) for a in frame]) for k, frame in enumerate(frames)]


def test_static_sources_keep_their_ids_whatever_the_bearing_order_and_jitter():
    tracker = BearingTracker()
    jitter = [0.0, 3.0, -2.5, 1.0, -4.0, 2.0]
    frames = [[40.0 + j, -100.0 - j] if k % 2 else [-100.0 - j, 40.0 + j] for k, j in enumerate(jitter)]
    ids = feed(tracker, frames)
    by_bearing = [dict(zip((round(a) > 0 for a in frame), window)) for frame, window in zip(frames, ids)]
    assert ids[0] == [1, 2] and frames[0][0] < 0  # ids in order of appearance: -100 deg is source 1
    assert {d[False] for d in by_bearing} == {1} and {d[True] for d in by_bearing} == {2}
    assert len(tracker.tracks) == 2


def test_an_unmatched_bearing_starts_a_new_id_and_ids_are_never_zero_or_shared():
    tracker = BearingTracker(gate=rad(20.0))
    ids = feed(tracker, [[0.0], [0.0, 90.0], [0.0, 90.0, 50.0], [0.0, 0.0 + 15.0]])
    assert ids[:3] == [[1], [1, 2], [1, 2, 3]]
    assert ids[3][0] != ids[3][1] and 0 not in ids[3]  # two bearings never take the same track


def test_crossing_sources_keep_their_ids_through_the_merge():
    """Two talkers walk past each other at 20 deg/s; while they are closer than the DoA's 25 deg
    separation only one bearing (between them) is found, then both reappear on the far sides."""
    tracker = BearingTracker()
    frames, truths = [], []
    for k in range(33):  # 8 s
        a, b = -80.0 + 20.0 * k * HOP, 80.0 - 20.0 * k * HOP
        truths.append((a, b))
        frames.append([(a + b) / 2.0] if abs(a - b) < 25.0 else [a, b])
    ids = feed(tracker, frames)
    first, last = 0, len(frames) - 1
    assert len(frames[16]) == 1  # the merge happened
    id_a, id_b = ids[first]
    # At the end the source that came from -80 is near +80 and must still carry its first id.
    end = dict(zip(frames[last], ids[last]))
    assert end[truths[last][0]] == id_a and end[truths[last][1]] == id_b
    assert {i for window in ids for i in window} == {id_a, id_b}


def test_a_source_crossing_the_180_seam_keeps_its_id():
    tracker = BearingTracker()
    frames = [[wrap_deg(170.0 + 4.0 * k)] for k in range(10)]  # 170 ... -154 through +-180
    assert any(f[0] < 0 for f in frames) and any(f[0] > 0 for f in frames)
    ids = feed(tracker, frames)
    assert {w[0] for w in ids} == {1}
    assert tracker.tracks[0].rate == pytest.approx(rad(16.0), rel=0.5)  # CCW, not a 340 deg jump


def test_a_short_gap_keeps_the_id_a_long_silence_retires_it():
    tracker = BearingTracker(max_silence=2.0)
    seen = feed(tracker, [[30.0]] * 4)                                  # 0 .. 0.75 s
    after_gap = feed(tracker, [[]] * 4 + [[32.0]], start=1.0)           # silent 1.0 .. 1.75 s, back at 2.0 s
    assert seen[-1] == [1] and after_gap[-1] == [1]
    assert feed(tracker, [[]] * 8, start=2.25)[-1] == [] and tracker.tracks  # 1.75 s silent: still there
    assert feed(tracker, [[]], start=4.5) == [[]] and tracker.tracks == []  # 2.5 s silent: retired
    assert feed(tracker, [[30.0]], start=4.75) == [[2]]  # the same direction comes back as a new source


def test_time_going_back_starts_over_without_reusing_ids():
    tracker = BearingTracker()
    feed(tracker, [[10.0], [10.0]], start=100.0)
    assert feed(tracker, [[10.0]], start=5.0) == [[2]] and len(tracker.tracks) == 1


def test_elevation_counts_in_the_gate():
    tracker = BearingTracker(gate=rad(20.0))
    assert tracker.update(0.0, [(rad(45.0), rad(0.0))]) == [1]
    assert tracker.update(HOP, [(rad(45.0), rad(60.0))]) == [2]  # same azimuth, far above
    assert tracker.update(2 * HOP, [(rad(47.0), rad(5.0)), (rad(44.0), rad(58.0))]) == [1, 2]


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        BearingTracker(gate=0.0)
    with pytest.raises(ValueError):
        BearingTracker(max_silence=-1.0)
