"""A far-field source at a microphone array, without a room: exact fractional delays by FFT."""
from __future__ import annotations

import math

import numpy as np

from savvy_ros.audio.grid import SPEED_OF_SOUND


def plane_wave(source: np.ndarray, positions: np.ndarray, azimuth: float, sample_rate: int) -> np.ndarray:
    """(samples, M): `source` arriving from `azimuth` [rad, REP 103], timed at the array centre."""
    direction = np.array([math.cos(azimuth), math.sin(azimuth), 0.0])
    lead = (np.asarray(positions) - np.mean(positions, axis=0)) @ direction / SPEED_OF_SOUND  # [s] earlier here
    n = 2 * len(source)
    spectrum = np.fft.rfft(source, n)
    freqs = np.fft.rfftfreq(n, 1.0 / sample_rate)
    return np.stack([np.fft.irfft(spectrum * np.exp(2j * np.pi * freqs * t), n)[:len(source)] for t in lead], axis=1)
