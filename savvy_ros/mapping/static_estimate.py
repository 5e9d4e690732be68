"""Robust position of a static object: DBSCAN (as in the SAVVY paper), then a robust centre."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import DBSCAN


@dataclass(frozen=True)
class StaticEstimate:
    position: np.ndarray     # (3,) [m]
    covariance: np.ndarray   # (3, 3) [m^2]
    inliers: np.ndarray      # (N,) bool, members of the chosen cluster


def geometric_median(points: np.ndarray, weights: np.ndarray, iterations: int = 50, tol: float = 1e-6) -> np.ndarray:
    """Weighted geometric median (Weiszfeld): robust to the outliers DBSCAN kept at the cluster edge."""
    centre = weights @ points / weights.sum()
    for _ in range(iterations):
        d = np.maximum(np.linalg.norm(points - centre, axis=1), 1e-9)
        w = weights / d
        new = w @ points / w.sum()
        if np.linalg.norm(new - centre) < tol:
            return new
        centre = new
    return centre


def robust_centre(points: np.ndarray, weights: np.ndarray, eps: float, min_weight: float,
                  floor_std: float) -> StaticEstimate:
    """Largest-weight DBSCAN cluster, its geometric median, and the covariance of that centre."""
    n = points.shape[0]
    if n == 0:
        raise ValueError('robust_centre needs at least one point')
    members = np.ones(n, dtype=bool)
    # Every point within eps/2 of the median: all are mutual neighbours, one cluster (no DBSCAN).
    compact = np.max(np.linalg.norm(points - np.median(points, axis=0), axis=1)) <= eps / 2.0
    if n >= 3 and not compact:
        labels = DBSCAN(eps=eps, min_samples=max(1, int(round(min_weight)))).fit(points, sample_weight=weights).labels_
        if (labels >= 0).any():
            totals = np.bincount(labels[labels >= 0], weights=weights[labels >= 0])
            members = labels == int(np.argmax(totals))
    p, w = points[members], weights[members]
    centre = geometric_median(p, w)
    # Spread of the members over the effective sample size: the uncertainty of the centre.
    diff = p - centre
    scatter = (w[:, None] * diff).T @ diff / w.sum()
    n_eff = w.sum() ** 2 / (w @ w)
    covariance = scatter / max(n_eff, 1.0) + np.eye(3) * floor_std ** 2
    return StaticEstimate(centre, covariance, members)


def moves(times: np.ndarray, points: np.ndarray, centre: np.ndarray, bin_length: float, threshold: float) -> bool:
    """True when the median positions of two or more time bins lie `threshold` m from the centre."""
    if times.shape[0] < 4 or times[-1] - times[0] < 2.0 * bin_length:
        return False
    bins = np.floor((times - times[0]) / bin_length).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])
    ends = np.r_[starts[1:], bins.shape[0]]
    far = 0
    for a, b in zip(starts, ends):
        if b - a >= 2 and np.linalg.norm(np.median(points[a:b, :2], axis=0) - centre[:2]) > threshold:
            far += 1
    return far >= 2
