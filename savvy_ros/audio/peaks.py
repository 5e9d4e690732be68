"""Peak picking on a spatial spectrum over an azimuth (wrapping) x elevation grid."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from savvy_ros.audio.grid import DirectionGrid


@dataclass(frozen=True)
class SpectrumPeak:
    azimuth: float      # [rad] (-pi, pi], CCW from +x
    elevation: float    # [rad]
    power: float        # spectrum value at the peak (>= 0)
    confidence: float   # [0, 1] height above the spectrum's median, relative to the spectrum's range


@dataclass(frozen=True)
class PeakRules:
    """How many directions one window may give and how distinct they must be."""

    max_peaks: int = 1
    min_separation: float = math.radians(25.0)  # [rad] between the directions of one window
    min_relative_height: float = 0.25    # peak picking (MUSIC family): a further peak's height above
                                         # the median, as a fraction of the strongest one's
    min_residual_coherence: float = 0.04  # SRP-PHAT: a further source's peak above the median of the
                                          # SRP of the bins earlier sources leave [mean PHAT coherence]


def local_maxima(spectrum: np.ndarray) -> np.ndarray:
    """Boolean (E, A) mask of points >= all 8 neighbours (azimuth wraps, elevation does not)."""
    padded = np.pad(spectrum, ((1, 1), (0, 0)), constant_values=-np.inf)
    mask = np.ones_like(spectrum, dtype=bool)
    for de in (-1, 0, 1):
        rows = padded[1 + de:1 + de + spectrum.shape[0]]
        for da in (-1, 0, 1):
            if de == 0 and da == 0:
                continue
            mask &= spectrum >= np.roll(rows, da, axis=1)
    return mask


def angular_distance(az1: float, el1: float, az2: float, el2: float) -> float:
    """Great-circle angle between two directions [rad]."""
    cos = np.sin(el1) * np.sin(el2) + np.cos(el1) * np.cos(el2) * np.cos(az1 - az2)
    return float(np.arccos(np.clip(cos, -1.0, 1.0)))


def wrap_angle(angle: float) -> float:
    """Into (-pi, pi]."""
    wrapped = (angle + np.pi) % (2.0 * np.pi) - np.pi
    return float(np.pi if wrapped == -np.pi else wrapped)


def peak_confidence(spectrum: np.ndarray, index: int) -> float:
    """[0, 1]: how far the flat `index` of `spectrum` stands above its median, over its range."""
    span = float(spectrum.max() - spectrum.min())
    if span <= 0.0:
        return 0.0
    return float(np.clip((spectrum.flat[index] - np.median(spectrum)) / span, 0.0, 1.0))


def strongest_peak(spectrum: np.ndarray, allowed: np.ndarray) -> int | None:
    """Flat index of the highest local maximum of the (E, A) `spectrum` where `allowed`, or None."""
    candidates = np.flatnonzero(local_maxima(spectrum) & allowed)
    if candidates.size == 0:
        return None
    return int(candidates[np.argmax(spectrum.flat[candidates])])


def pick_peaks(spectrum: np.ndarray, grid: DirectionGrid, max_peaks: int, min_separation: float,
               min_relative_height: float = 0.5) -> list[SpectrumPeak]:
    """Up to `max_peaks` local maxima, strongest first, each at least `min_separation` rad from the
    ones kept, and (after the first) at least `min_relative_height` of the strongest peak's height
    above the median floor."""
    floor = float(np.median(spectrum))
    top = float(spectrum.max())
    span = top - float(spectrum.min())
    if max_peaks < 1 or not np.isfinite(top) or span <= 0.0:
        return []
    rows, cols = np.nonzero(local_maxima(spectrum))
    order = np.argsort(-spectrum[rows, cols], kind='stable')
    peaks: list[SpectrumPeak] = []
    for index in order:
        e, a = rows[index], cols[index]
        value = float(spectrum[e, a])
        if peaks and (value - floor) < min_relative_height * (top - floor):
            break
        az, el = float(grid.azimuths[a]), float(grid.elevations[e])
        if any(angular_distance(az, el, p.azimuth, p.elevation) < min_separation for p in peaks):
            continue
        confidence = float(np.clip((value - floor) / span, 0.0, 1.0))
        peaks.append(SpectrumPeak(wrap_angle(az), el, value, confidence))
        if len(peaks) == max_peaks:
            break
    return peaks
