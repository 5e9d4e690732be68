"""Spherically isotropic (diffuse) multichannel noise for a microphone array.

Independent noise per channel is mixed per frequency (one FFT of the whole signal) so that the
inter-channel coherence follows the diffuse-field model sinc(2 f d / c) (Habets and Gannot, "Generating
sensor signals in isotropic noise fields", JASA 2007). The field is isotropic, so the array's
orientation does not matter, only the distances between microphones.
"""
from __future__ import annotations

import numpy as np
import scipy.fft

SPEED_OF_SOUND = 343.0  # m/s
GRID_BINS = 1025  # frequencies at which the coherence matrix is factorised


def diffuse_mixing(positions: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
    """(F, M, M) matrices C(f) with C C^T = the diffuse coherence matrix at each frequency."""
    positions = np.asarray(positions, float)
    distances = np.linalg.norm(positions[:, None, :] - positions[None, :, :], axis=-1)
    coherence = np.sinc(2.0 * frequencies[:, None, None] * distances[None] / SPEED_OF_SOUND)
    values, vectors = np.linalg.eigh(coherence)
    return vectors * np.sqrt(np.clip(values, 0.0, None))[:, None, :]


def diffuse_noise(positions: np.ndarray, samples: int, sample_rate: int, rng: np.random.Generator,
                  pink: bool = True) -> np.ndarray:
    """(samples, M) float64 diffuse noise with unit power per channel; pink (-3 dB/octave above
    100 Hz, the usual shape of room noise) or white.

    One FFT over the whole signal; each frequency bin is mixed with the coherence matrix of the
    nearest of GRID_BINS frequencies (the diffuse coherence varies over hundreds of Hz)."""
    channels = len(positions)
    length = scipy.fft.next_fast_len(samples, real=True)
    spectra = scipy.fft.rfft(rng.standard_normal((channels, length)), axis=1)
    frequencies = scipy.fft.rfftfreq(length, 1.0 / sample_rate)
    grid = np.linspace(0.0, sample_rate / 2.0, GRID_BINS)
    mixing = diffuse_mixing(positions, grid)                              # (G, M, M)
    nearest = np.rint(frequencies / grid[1]).astype(int)
    bounds = np.searchsorted(nearest, np.arange(GRID_BINS + 1))
    for g in range(GRID_BINS):
        a, b = bounds[g], bounds[g + 1]
        if b > a:
            spectra[:, a:b] = mixing[g] @ spectra[:, a:b]
    if pink:
        spectra *= (1.0 / np.sqrt(np.maximum(frequencies, 100.0) / 100.0))[None, :]
    out = scipy.fft.irfft(spectra, length, axis=1)[:, :samples].T
    return out / np.sqrt(np.mean(out ** 2))
