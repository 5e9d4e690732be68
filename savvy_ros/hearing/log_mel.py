"""YAMNet's log-mel front end in numpy, streaming: 16 kHz, 25 ms periodic-Hann windows, 10 ms hop,
512-point FFT magnitude, 64 HTK-mel bands 125-7500 Hz (TensorFlow's linear_to_mel_weight_matrix),
log(mel + 0.001), grouped into 0.96 s patches (96 frames) every 0.48 s (48 frames).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
WINDOW, HOP, FFT_SIZE = 400, 160, 512
MEL_BANDS, MEL_LOW_HZ, MEL_HIGH_HZ = 64, 125.0, 7500.0
LOG_OFFSET = 0.001
PATCH_FRAMES, PATCH_HOP_FRAMES = 96, 48
PATCH_SAMPLES = (PATCH_FRAMES - 1) * HOP + WINDOW  # 0.975 s of audio under one patch


def hertz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def mel_weight_matrix(num_bins: int = FFT_SIZE // 2 + 1) -> np.ndarray:
    """(num_bins, 64) triangles in the mel domain; the DC bin gets no weight (as TensorFlow's)."""
    mel_bins = hertz_to_mel(np.linspace(0.0, SAMPLE_RATE / 2, num_bins)[1:])[:, None]
    edges = np.linspace(hertz_to_mel(MEL_LOW_HZ), hertz_to_mel(MEL_HIGH_HZ), MEL_BANDS + 2)
    lower, centre, upper = edges[:-2], edges[1:-1], edges[2:]
    weights = np.maximum(0.0, np.minimum((mel_bins - lower) / (centre - lower),
                                         (upper - mel_bins) / (upper - centre)))
    return np.vstack([np.zeros((1, MEL_BANDS)), weights])


_MEL = mel_weight_matrix()
_HANN = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WINDOW) / WINDOW)  # periodic, as tf.signal.stft


def log_mel_frames(samples: np.ndarray) -> np.ndarray:
    """(frames, 64) log-mel of every complete 25 ms window of `samples` (no padding)."""
    return spectral_frames(samples)[0]


# Level of each frame's whole spectrum and of its part above HIGH_BAND_HZ: what onsets are measured on
# (hearing/transients.py); the whole band keeps what the mel bands leave out below 125 Hz (a step's thud).
HIGH_BAND_HZ = 1000.0
_HIGH_BINS = np.fft.rfftfreq(FFT_SIZE, 1.0 / SAMPLE_RATE) >= HIGH_BAND_HZ


def spectral_frames(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frames, 64) log-mel and (frames, 2) power [dB] of the whole band and of the band above
    HIGH_BAND_HZ, of every complete 25 ms window of `samples` (no padding)."""
    samples = np.asarray(samples, dtype=np.float64)
    count = 0 if samples.size < WINDOW else 1 + (samples.size - WINDOW) // HOP
    if count == 0:
        return np.zeros((0, MEL_BANDS)), np.zeros((0, 2))
    index = np.arange(WINDOW)[None, :] + HOP * np.arange(count)[:, None]
    magnitude = np.abs(np.fft.rfft(samples[index] * _HANN, FFT_SIZE))
    power = magnitude ** 2
    band_db = 10.0 * np.log10(np.stack([power.mean(axis=1), power[:, _HIGH_BINS].mean(axis=1)], axis=1) + 1e-12)
    return np.log(magnitude @ _MEL + LOG_OFFSET), band_db


@dataclass(frozen=True)
class Patch:
    index: int            # patch number since the stream start; starts at index * 0.48 s
    start_sample: int     # first 16 kHz sample under the patch
    log_mel: np.ndarray   # (96, 64)
    band_db: np.ndarray | None = None   # (96, 2) whole-band and high-band power [dB] (spectral_frames)


class PatchStream:
    """Turns a 16 kHz sample stream into YAMNet patches as soon as each one is complete."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.float64)   # samples not yet framed, from _pending0
        self._pending0 = 0
        self._frames = np.zeros((0, MEL_BANDS))         # frames from _frame0 on
        self._band_db = np.zeros((0, 2))                # their band levels
        self._frame0 = 0
        self._next_patch = 0
        self._received = 0

    def push(self, samples: np.ndarray) -> list[Patch]:
        self._pending = np.concatenate([self._pending, np.asarray(samples, dtype=np.float64)])
        self._received += len(samples)
        frames, band_db = spectral_frames(self._pending)
        if len(frames):
            self._frames = np.vstack([self._frames, frames])
            self._band_db = np.vstack([self._band_db, band_db])
            used = len(frames) * HOP
            self._pending, self._pending0 = self._pending[used:], self._pending0 + used
        return self._take_patches()

    def flush(self) -> list[Patch]:
        """Zero-pad the tail so the last samples land in a patch (as YAMNet pads a waveform)."""
        if self._received == 0:
            return []
        covered = self._next_patch * PATCH_HOP_FRAMES * HOP + PATCH_SAMPLES - PATCH_HOP_FRAMES * HOP
        if self._received <= covered and self._next_patch > 0:
            self.reset()
            return []
        missing = PATCH_SAMPLES - (self._received - self._next_patch * PATCH_HOP_FRAMES * HOP)
        patches = self.push(np.zeros(max(0, missing)))
        self.reset()
        return patches

    def _take_patches(self) -> list[Patch]:
        patches = []
        while True:
            first = self._next_patch * PATCH_HOP_FRAMES - self._frame0
            if first + PATCH_FRAMES > len(self._frames):
                break
            start = self._next_patch * PATCH_HOP_FRAMES * HOP
            patches.append(Patch(self._next_patch, start, self._frames[first:first + PATCH_FRAMES].copy(),
                                 self._band_db[first:first + PATCH_FRAMES].copy()))
            self._next_patch += 1
        drop = self._next_patch * PATCH_HOP_FRAMES - self._frame0  # frames no later patch needs
        if drop > 0:
            self._frames, self._band_db, self._frame0 = self._frames[drop:], self._band_db[drop:], self._frame0 + drop
        return patches
