"""Coherent-to-diffuse ratio (CDR) of a window and the SAVVY range model d = sqrt(K / CDR).

CDR per microphone pair and bin with the DOA-independent estimator of Schwarz & Kellermann
("Coherent-to-diffuse power ratio estimation for dereverberation", IEEE/ACM TASLP 2015, eq. 25),
using the spherically diffuse coherence sinc(2 pi f d / c); averaged over bins, then the median
over pairs. A near source is mostly direct sound (high CDR), a far one mostly reverberation.

On the Project Aria array (apertures <= 17 cm, 0.25 s windows, 21 ms frames) the CDR levels off
beyond 1.5-2 m (reflections within a frame look coherent) and the room's RT60 moves it as much as
the distance does: with one K, sources 1-5 m away are ranged no better than by a constant guess
(bench/bench_doa.py --only-range). So the node ships without a constant (no range);
`fit_cdr_constant` calibrates one from windows of known distance.
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
    range_stddev: float   # [m] max(RANGE_RELATIVE_STD x range, spread of the per-pair ranges); NaN without a constant


# 1-sigma range error relative to the estimate, for the map's 1/std^2 weights: with one K fitted
# over rooms 4-10 m, RT60 0.2-0.6 s, sources 1-5 m, SNR 10-20 dB (ShoeBox and the synthetic
# generator's responses), |d - d_hat| <= 0.5 d_hat held for 66-67 % of the windows. The spread over
# microphone pairs is far smaller (the pairs share the room's error), so it is only a floor.
RANGE_RELATIVE_STD = 0.5


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


def cdr_range(pair_cdrs: np.ndarray, constant: float, max_range: float,
              relative_std: float = RANGE_RELATIVE_STD) -> RangeEstimate:
    """`constant` K <= 0 means no calibration: the CDR is reported, the range is NaN."""
    cdr = float(np.median(pair_cdrs)) if pair_cdrs.size else math.nan
    if not constant > 0.0 or pair_cdrs.size == 0:
        return RangeEstimate(cdr, math.nan, math.nan)
    ranges = np.minimum(np.sqrt(constant / np.maximum(pair_cdrs, 1e-9)), max_range)
    estimate = min(math.sqrt(constant / max(cdr, 1e-9)), max_range)
    return RangeEstimate(cdr, estimate, max(float(np.std(ranges)), relative_std * estimate))


def fit_cdr_constant(cdrs: np.ndarray, distances: np.ndarray) -> float:
    """K of d = sqrt(K / CDR) from windows of known source distance [m]: the median of d^2 CDR taken
    in the log domain (the CDR's heavy tail would drag a mean). Windows with CDR <= 0 or a non-finite
    value are left out; NaN when none is left."""
    cdrs, distances = np.asarray(cdrs, dtype=float), np.asarray(distances, dtype=float)
    ok = np.isfinite(cdrs) & np.isfinite(distances) & (cdrs > 0.0) & (distances > 0.0)
    if not ok.any():
        return math.nan
    return float(np.exp(np.median(2.0 * np.log(distances[ok]) + np.log(cdrs[ok]))))
