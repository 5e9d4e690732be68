"""Coherent-to-diffuse ratio (CDR) of a window and the SAVVY range model d = sqrt(K / CDR).

CDR per microphone pair and bin with the DOA-independent estimator of Schwarz & Kellermann
("Coherent-to-diffuse power ratio estimation for dereverberation", IEEE/ACM TASLP 2015, eq. 25),
using the spherically diffuse coherence sinc(2 pi f d / c); averaged over bins, then the median
over pairs. A near source is mostly direct sound (high CDR), a far one mostly reverberation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from savvy_ros.audio.grid import SPEED_OF_SOUND


@dataclass(frozen=True)
class RangeEstimate:
    cdr: float            # median over pairs of the band-mean CDR [unitless]
    range: float          # [m] sqrt(K / CDR), capped at max_range; NaN without a constant
    range_stddev: float   # [m] spread of the per-pair ranges; NaN without a constant


def pair_cdr(coherence: np.ndarray, diffuse: np.ndarray) -> np.ndarray:
    """Schwarz & Kellermann's DOA-independent CDR from measured (complex) and diffuse coherence."""
    gx = coherence * np.minimum(1.0, 0.999 / np.maximum(np.abs(coherence), 1e-12))  # keep |gx| < 1
    gn = np.clip(diffuse, -0.999, 0.999)
    re, mag2 = gx.real, np.abs(gx) ** 2
    root = np.sqrt(np.maximum(gn ** 2 * re ** 2 - gn ** 2 * mag2 + gn ** 2 - 2.0 * gn * re + mag2, 0.0))
    cdr = (gn * re - mag2 - root) / (mag2 - 1.0)
    return np.maximum(cdr, 0.0)


def estimate_cdr(matrices: np.ndarray, positions: np.ndarray, frequencies: np.ndarray,
                 speed_of_sound: float = SPEED_OF_SOUND) -> np.ndarray:
    """(F, M, M) cross-spectra -> band-mean CDR of every microphone pair, shape (P,)."""
    m = positions.shape[0]
    values = []
    for i in range(m):
        for j in range(i + 1, m):
            distance = float(np.linalg.norm(positions[i] - positions[j]))
            auto = np.sqrt(np.maximum(matrices[:, i, i].real * matrices[:, j, j].real, 1e-30))
            coherence = matrices[:, i, j] / auto
            diffuse = np.sinc(2.0 * frequencies * distance / speed_of_sound)  # np.sinc(x) = sin(pi x)/(pi x)
            values.append(float(pair_cdr(coherence, diffuse).mean()))
    return np.array(values)


def cdr_range(pair_cdrs: np.ndarray, constant: float, max_range: float) -> RangeEstimate:
    """`constant` K <= 0 means no calibration: the CDR is reported, the range is NaN."""
    cdr = float(np.median(pair_cdrs)) if pair_cdrs.size else math.nan
    if not constant > 0.0 or pair_cdrs.size == 0:
        return RangeEstimate(cdr, math.nan, math.nan)
    ranges = np.minimum(np.sqrt(constant / np.maximum(pair_cdrs, 1e-9)), max_range)
    return RangeEstimate(cdr, float(min(math.sqrt(constant / max(cdr, 1e-9)), max_range)), float(np.std(ranges)))
