"""Streaming polyphase resampling to the models' 16 kHz, and the mono mix of a channel block.

`StreamingResampler` gives, chunk by chunk, the same samples as scipy.signal.resample_poly on the
whole signal (same Kaiser-windowed FIR, zero-phase alignment), so chunk boundaries leave no trace
and output sample n is at input time n / out_rate exactly.
"""
from __future__ import annotations

from math import gcd

import numpy as np
from scipy.signal import firwin

MODEL_RATE = 16000


def mono_mix(interleaved: np.ndarray, channels: int, reference_channel: int) -> np.ndarray:
    """One channel (`reference_channel` >= 0) or the channel average (-1) of interleaved samples."""
    frames = np.asarray(interleaved, dtype=np.float32).reshape(-1, channels)
    if reference_channel < 0:
        return frames.mean(axis=1, dtype=np.float64).astype(np.float32)
    return np.ascontiguousarray(frames[:, reference_channel])


class StreamingResampler:
    """Rational-rate FIR resampler fed in arbitrary chunks; `flush()` returns the tail."""

    def __init__(self, in_rate: int, out_rate: int = MODEL_RATE) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f'sample rates must be positive, got {in_rate} -> {out_rate}')
        g = gcd(int(in_rate), int(out_rate))
        self.in_rate, self.out_rate = int(in_rate), int(out_rate)
        self.up, self.down = self.out_rate // g, self.in_rate // g
        self.identity = self.up == 1 and self.down == 1
        # scipy.signal.resample_poly's default filter (one tap of gain 1 when the rates match)
        max_rate = max(self.up, self.down)
        half_len = 0 if self.identity else 10 * max_rate
        taps = np.ones(1) if self.identity else firwin(2 * half_len + 1, 1.0 / max_rate,
                                                       window=('kaiser', 5.0)) * self.up
        self.delay = half_len
        # Polyphase layout: phase r uses taps r, r + up, r + 2 up, ...
        self.depth = -(-len(taps) // self.up)
        padded = np.zeros(self.depth * self.up)
        padded[:len(taps)] = taps
        self.phases = padded.reshape(self.depth, self.up).T.copy()  # (up, depth)
        self.reset()

    def reset(self) -> None:
        self._history = np.zeros(0, dtype=np.float64)  # input samples from global index _h0
        self._h0 = 0
        self._received = 0
        self._next_out = 0

    def _outputs(self, last_out: int) -> np.ndarray:
        n = np.arange(self._next_out, last_out + 1)
        if n.size == 0:
            return np.zeros(0, dtype=np.float32)
        m = n * self.down + self.delay            # index in the upsampled, filtered signal
        phase, newest = m % self.up, m // self.up  # tap phase; newest input sample involved
        # Output n reads the `depth` inputs ending at newest[n], newest first: a reversed row of a sliding
        # window over the inputs they span (a view, not an n x depth gather: 2.5x faster per chunk).
        # Inputs before the stream start or past its end (flush) count as zeros.
        first = int(newest[0]) - self.depth + 1 - self._h0
        last = int(newest[-1]) - self._h0
        lo, hi = max(first, 0), min(last + 1, self._history.size)
        span = np.zeros(last - first + 1)
        if hi > lo:
            span[lo - first:hi - first] = self._history[lo:hi]
        rows = np.lib.stride_tricks.sliding_window_view(span, self.depth)[newest - newest[0]][:, ::-1]
        out = np.einsum('nk,nk->n', rows, self.phases[phase])
        self._next_out = int(last_out) + 1
        # Keep only the inputs the next outputs can still reach.
        keep_from = (self._next_out * self.down + self.delay) // self.up - self.depth + 1
        drop = min(max(0, keep_from - self._h0), self._history.size)
        self._history, self._h0 = self._history[drop:], self._h0 + drop
        return out.astype(np.float32)

    def process(self, samples: np.ndarray) -> np.ndarray:
        samples = np.asarray(samples, dtype=np.float32)
        if self.identity:
            self._next_out += samples.size
            return samples.copy()
        self._history = np.concatenate([self._history, samples.astype(np.float64)])
        self._received += samples.size
        # Output n is complete once every input it needs has arrived.
        last = (self._received * self.up - 1 - self.delay) // self.down
        return self._outputs(last)

    def flush(self) -> np.ndarray:
        """The remaining outputs of a finished stream (as if zeros followed), then reset."""
        if self.identity:
            self.reset()
            return np.zeros(0, dtype=np.float32)
        total = -(-self._received * self.up // self.down)  # resample_poly's output length
        out = self._outputs(total - 1)
        self.reset()
        return out
