"""Chunks -> windows: stamps on the sample timeline, and every kind of bad chunk dropped and counted."""
from __future__ import annotations

import math

import numpy as np
import pytest

from savvy_ros.audio.chunk_stream import ChunkRejected, ChunkStream

RATE, CHANNELS, CHUNK = 16000, 4, 1600  # 0.1 s chunks


def chunk(index: int, value: float = 0.1) -> np.ndarray:
    data = np.full((CHUNK, CHANNELS), value, np.float32)
    data[:, 0] = index  # marks where each sample came from
    return data.reshape(-1)


def test_windows_follow_the_sample_timeline_with_overlap():
    stream = ChunkStream(CHANNELS, window_s=0.25, hop_s=0.125)
    windows = []
    for i in range(10):  # 1 s of audio, stamps with 1 ms of jitter
        windows += stream.push(chunk(i), CHANNELS, RATE, 100.0 + 0.1 * i + 0.001 * (-1) ** i, sequence=i)
    assert len(windows) == 7  # (1.0 - 0.25) / 0.125 + 1
    assert [w.start for w in windows] == pytest.approx([100.001 + 0.125 * k for k in range(7)])
    assert windows[0].centre == pytest.approx(100.126)
    assert all(w.samples.shape == (4000, CHANNELS) for w in windows)
    assert windows[1].samples[0, 0] == 1.0  # sample 2000 belongs to chunk 1
    assert stream.rejected == {} and stream.gaps == 0


def test_hop_longer_than_window_skips_samples():
    stream = ChunkStream(CHANNELS, window_s=0.1, hop_s=0.25)
    windows = [w for i in range(10) for w in stream.push(chunk(i), CHANNELS, RATE, 5.0 + 0.1 * i)]
    assert [w.start for w in windows] == pytest.approx([5.0, 5.25, 5.5, 5.75])
    assert [w.samples[0, 0] for w in windows] == [0.0, 2.0, 5.0, 7.0]


@pytest.mark.parametrize('kind, args', [
    ('empty', (np.zeros(0, np.float32), CHANNELS, RATE, 1.1)),
    ('channel_count', (chunk(1)[:CHUNK * 3], 3, RATE, 1.1)),
    ('malformed', (chunk(1)[:-1], CHANNELS, RATE, 1.1)),
    ('non_finite', (np.where(np.arange(CHUNK * CHANNELS) == 7, np.nan, 0.1), CHANNELS, RATE, 1.1)),
    ('non_finite', (np.full(CHUNK * CHANNELS, np.inf), CHANNELS, RATE, 1.1)),
    ('duplicate_stamp', (chunk(1), CHANNELS, RATE, 1.0)),
    ('out_of_order', (chunk(1), CHANNELS, RATE, 0.5)),
    ('overlapping_stamp', (chunk(1), CHANNELS, RATE, 1.05)),
    ('sample_rate_change', (chunk(1), CHANNELS, 48000, 1.1)),
    ('bad_stamp', (chunk(1), CHANNELS, RATE, math.nan)),
])
def test_bad_chunks_are_dropped_counted_and_the_stream_goes_on(kind, args):
    stream = ChunkStream(CHANNELS, window_s=0.2, hop_s=0.2)
    assert stream.push(chunk(0), CHANNELS, RATE, 1.0) == []
    with pytest.raises(ChunkRejected) as caught:
        stream.push(*args)
    assert caught.value.kind == kind and stream.rejected[kind] == 1
    # The accepted first chunk is not lost: the next good chunk completes a window with it.
    windows = stream.push(chunk(1), CHANNELS, RATE, 1.1)
    assert len(windows) == 1 and windows[0].start == 1.0 and windows[0].samples[CHUNK, 0] == 1.0


def test_a_gap_restarts_the_window_and_lost_chunks_are_counted():
    stream = ChunkStream(CHANNELS, window_s=0.2, hop_s=0.2)
    stream.push(chunk(0), CHANNELS, RATE, 1.0, sequence=0)
    windows = stream.push(chunk(3), CHANNELS, RATE, 1.3, sequence=3)  # chunks 1, 2 lost
    assert windows == [] and stream.gaps == 1 and stream.lost_chunks == 2
    windows = stream.push(chunk(4), CHANNELS, RATE, 1.4, sequence=4)
    assert windows[0].start == 1.3  # no window spans the hole


def test_a_lasting_sample_rate_change_restarts_the_stream_at_the_new_rate():
    stream = ChunkStream(CHANNELS, window_s=0.05, hop_s=0.05, rate_change_after=3)
    stream.push(chunk(0), CHANNELS, RATE, 1.0)
    for i in range(2):
        with pytest.raises(ChunkRejected):
            stream.push(chunk(i), CHANNELS, 32000, 2.0 + i)
    windows = stream.push(chunk(2), CHANNELS, 32000, 4.0)
    assert stream.sample_rate == 32000 and stream.rejected['sample_rate_change'] == 3
    assert windows[0].sample_rate == 32000 and windows[0].start == 4.0
