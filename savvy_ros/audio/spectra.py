"""Short-time spectra and cross-spectral matrices of one analysis window."""
from __future__ import annotations

import numpy as np


def fft_size(sample_rate: float, frame_seconds: float) -> int:
    """Smallest power of two holding `frame_seconds` of audio (at least 64)."""
    return max(64, 1 << int(np.ceil(np.log2(max(1.0, frame_seconds * sample_rate)))))


def stft(window: np.ndarray, nfft: int) -> np.ndarray:
    """(samples, M) real -> (T, nfft // 2 + 1, M) complex, Hann frames with 50 % overlap."""
    samples = window.shape[0]
    if samples < nfft:
        window = np.vstack([window, np.zeros((nfft - samples, window.shape[1]), window.dtype)])
    hop = nfft // 2
    frames = np.lib.stride_tricks.sliding_window_view(window, nfft, axis=0)[::hop]  # (T, M, nfft)
    return np.fft.rfft(frames * np.hanning(nfft), axis=-1).transpose(0, 2, 1)


def band_bins(sample_rate: float, nfft: int, band: tuple[float, float]) -> np.ndarray:
    """Indices of the rfft bins inside [low, high] Hz (raises when the band holds none)."""
    freqs = np.fft.rfftfreq(nfft, 1.0 / sample_rate)
    bins = np.flatnonzero((freqs >= band[0]) & (freqs <= min(band[1], sample_rate / 2.0)))
    if bins.size == 0:
        raise ValueError(f'frequency band {band} Hz holds no FFT bin at {sample_rate} Hz, nfft {nfft}')
    return bins


def cross_spectra(spectra: np.ndarray, phat: bool = False) -> np.ndarray:
    """(T, F, M) -> (F, M, M) mean over frames of x x^H; `phat` whitens every coefficient first."""
    if phat:
        magnitude = np.abs(spectra)
        spectra = spectra / np.maximum(magnitude, 1e-12)
    return np.einsum('tfi,tfj->fij', spectra, spectra.conj()) / spectra.shape[0]
