"""Incoming audio chunks -> checked, continuous analysis windows with capture-time stamps.

Bad chunks (wrong channel count, NaN/Inf, a sample-rate change, stamps that repeat or go back,
no samples) are dropped and counted by kind; nothing already accepted is lost. A forward jump
in the stamps (lost chunks) restarts the window so that no window spans a hole.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np


class ChunkRejected(ValueError):
    """A chunk that cannot be used; `kind` names the check that failed."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind  # e.g. 'non_finite', 'out_of_order': the counter and log key
        super().__init__(message)


@dataclass(frozen=True)
class AudioWindow:
    samples: np.ndarray   # (window samples, channels) float32
    start: float          # capture time of the first sample [s]
    sample_rate: int      # [Hz]

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.sample_rate

    @property
    def centre(self) -> float:
        return self.start + self.duration / 2.0


@dataclass
class ChunkStream:
    """Feed `push()` with every chunk; it returns the windows completed by it (maybe none).

    `window_s` / `hop_s` [s]; `stamp_tolerance` [s] is how far a chunk's stamp may stray from
    the end of the previous one before it counts as a gap (ahead) or as out of order (behind);
    `rate_change_after` chunks in a row at a new sample rate restart the stream at that rate.
    """

    channels: int
    window_s: float = 0.25
    hop_s: float = 0.25
    stamp_tolerance: float = 0.005
    rate_change_after: int = 3
    rejected: Counter = field(default_factory=Counter)
    gaps: int = 0
    lost_chunks: int = 0
    sample_rate: int = 0
    _buffer: np.ndarray | None = None
    _buffer_start: float = math.nan
    _last_stamp: float = -math.inf
    _last_sequence: int | None = None
    _pending_rate: tuple[int, int] = (0, 0)
    _skip: int = 0  # samples still to discard when the hop is longer than the window

    def __post_init__(self) -> None:
        if self.channels < 1:
            raise ValueError(f'channels must be >= 1, got {self.channels}')
        if not (self.hop_s > 0.0 and self.window_s > 0.0):
            raise ValueError(f'window and hop must be > 0 s, got {self.window_s}, {self.hop_s}')

    def window_samples(self) -> int:
        return max(1, int(round(self.window_s * self.sample_rate)))

    def hop_samples(self) -> int:
        return max(1, int(round(self.hop_s * self.sample_rate)))

    def push(self, data: np.ndarray, channels: int, sample_rate: int, stamp: float,
             sequence: int | None = None) -> list[AudioWindow]:
        """`data`: interleaved or (n, channels) samples; `stamp`: capture time of the first [s].
        Raises ChunkRejected (after counting it) for a chunk that is dropped."""
        try:
            block = self._check(np.asarray(data), channels, sample_rate, stamp)
        except ChunkRejected as exc:
            self.rejected[exc.kind] += 1
            raise
        self._count_lost(sequence)
        return self._append(block, stamp)

    def reset(self) -> None:
        self._buffer, self._buffer_start, self._skip = None, math.nan, 0

    def _stream_end(self) -> float:
        """Capture time just after the last accepted sample [s]."""
        return self._buffer_start + (self._buffer.shape[0] - self._skip) / self.sample_rate

    def _check(self, data: np.ndarray, channels: int, sample_rate: int, stamp: float) -> np.ndarray:
        if data.size == 0:
            raise ChunkRejected('empty', 'chunk holds no samples')
        if channels != self.channels:
            raise ChunkRejected('channel_count', f'chunk has {channels} channels, the array has {self.channels}')
        if data.size % channels:
            raise ChunkRejected('malformed', f'{data.size} samples is not a multiple of {channels} channels')
        if sample_rate <= 0:
            raise ChunkRejected('sample_rate', f'sample rate {sample_rate} Hz is not positive')
        if not math.isfinite(stamp):
            raise ChunkRejected('bad_stamp', f'stamp {stamp} is not finite')
        if not np.all(np.isfinite(data)):
            raise ChunkRejected('non_finite', f'{int(np.count_nonzero(~np.isfinite(data)))} NaN/Inf samples')
        if stamp == self._last_stamp:
            raise ChunkRejected('duplicate_stamp', f'stamp {stamp:.6f} s repeats the previous chunk')
        if stamp < self._last_stamp:
            raise ChunkRejected('out_of_order', f'stamp {stamp:.6f} s is before the previous chunk '
                                                f'({self._last_stamp:.6f} s)')
        if self.sample_rate and sample_rate != self.sample_rate:
            self._rate_change(sample_rate)
        elif not self.sample_rate:
            self.sample_rate = sample_rate
        self._pending_rate = (0, 0)
        if self._buffer is not None:
            expected_end = self._stream_end()
            if stamp < expected_end - self.stamp_tolerance:
                raise ChunkRejected('overlapping_stamp', f'chunk at {stamp:.6f} s overlaps audio up to '
                                                         f'{expected_end:.6f} s')
        self._last_stamp = stamp
        return data.reshape(-1, channels).astype(np.float32, copy=False)

    def _rate_change(self, sample_rate: int) -> None:
        rate, count = self._pending_rate
        count = count + 1 if rate == sample_rate else 1
        self._pending_rate = (sample_rate, count)
        if count < self.rate_change_after:
            raise ChunkRejected('sample_rate_change', f'chunk at {sample_rate} Hz in a {self.sample_rate} Hz stream')
        # The source really changed its rate: restart at the new one (the partial window is lost).
        self.rejected['sample_rate_change'] += 1
        self.sample_rate = sample_rate
        self.reset()

    def _count_lost(self, sequence: int | None) -> None:
        if sequence is not None and self._last_sequence is not None and sequence > self._last_sequence + 1:
            self.lost_chunks += sequence - self._last_sequence - 1
        if sequence is not None:
            self._last_sequence = sequence

    def _append(self, block: np.ndarray, stamp: float) -> list[AudioWindow]:
        if self._buffer is not None:
            if stamp > self._stream_end() + self.stamp_tolerance:
                self.gaps += 1
                self.reset()
        if self._skip:
            dropped = min(self._skip, block.shape[0])
            block, stamp, self._skip = block[dropped:], stamp + dropped / self.sample_rate, self._skip - dropped
            if block.shape[0] == 0:
                return []
        if self._buffer is None:
            self._buffer, self._buffer_start = block.copy(), stamp
        else:
            # Within tolerance the sample count, not the jittery stamp, keeps the timeline.
            self._buffer = np.vstack([self._buffer, block])
        windows = []
        size, hop = self.window_samples(), self.hop_samples()
        while self._buffer.shape[0] >= size:
            windows.append(AudioWindow(self._buffer[:size].copy(), self._buffer_start, self.sample_rate))
            self._skip = max(0, hop - self._buffer.shape[0])
            self._buffer = self._buffer[hop:]
            self._buffer_start += hop / self.sample_rate
        return windows
