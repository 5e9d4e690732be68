"""Constant-velocity Kalman filter with innovation gating, and the Rauch-Tung-Striebel smoother.

Measurement noise is isotropic and the process noise equal per axis, so the three axes share one
2x2 covariance: the filter runs on (position, velocity) per axis with scalar covariance algebra.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SmoothedTrack:
    times: np.ndarray        # (K,) [s]
    positions: np.ndarray    # (K, 3) [m]
    velocities: np.ndarray   # (K, 3) [m/s]
    variances: np.ndarray    # (K,) [m^2] per-axis position variance
    rejected: int            # measurements refused by the innovation gate


def _predict(x: np.ndarray, p: np.ndarray, dt: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    f = np.array([[1.0, dt], [0.0, 1.0]])
    dt2, dt3 = dt * dt, dt * dt * dt
    qm = q * np.array([[dt3 * dt / 4.0, dt3 / 2.0], [dt3 / 2.0, dt2]])
    return x @ f.T, f @ p @ f.T + qm


def smooth_track(times: np.ndarray, positions: np.ndarray, variances: np.ndarray, accel_std: float,
                 gate_chi2: float, reset_after: int = 5) -> SmoothedTrack:
    """Filter then smooth time-sorted measurements; `reset_after` rejections in a row re-initialise."""
    k = times.shape[0]
    xs_f = np.zeros((k, 3, 2))
    ps_f = np.zeros((k, 2, 2))
    xs_p = np.zeros((k, 3, 2))
    ps_p = np.zeros((k, 2, 2))
    q = accel_std ** 2
    # Start from the median of the first few: a leading outlier must not become the initial state.
    x = np.stack([np.median(positions[:5], axis=0), np.zeros(3)], axis=1)
    p = np.array([[variances[0], 0.0], [0.0, 4.0]])
    rejected = streak = 0
    for i in range(k):
        if i:
            x, p = _predict(x, p, float(times[i] - times[i - 1]), q)
        xs_p[i], ps_p[i] = x, p
        s = p[0, 0] + variances[i]
        innovation = positions[i] - x[:, 0]
        if innovation @ innovation / s > gate_chi2 and streak < reset_after:
            rejected += 1
            streak += 1
            xs_f[i], ps_f[i] = x, p
            continue
        if streak >= reset_after:  # the object jumped: start over from this measurement
            x = np.stack([positions[i], np.zeros(3)], axis=1)
            p = np.array([[variances[i], 0.0], [0.0, 4.0]])
            xs_f[i], ps_f[i] = x, p
            streak = 0
            continue
        gain = p[:, 0] / s
        x = x + np.outer(innovation, gain)
        p = p - np.outer(gain, p[0, :])
        streak = 0
        xs_f[i], ps_f[i] = x, p
    xs, ps = xs_f.copy(), ps_f.copy()
    for i in range(k - 2, -1, -1):
        dt = float(times[i + 1] - times[i])
        f = np.array([[1.0, dt], [0.0, 1.0]])
        c = ps_f[i] @ f.T @ np.linalg.inv(ps_p[i + 1])
        xs[i] = xs_f[i] + (xs[i + 1] - xs_p[i + 1]) @ c.T
        ps[i] = ps_f[i] + c @ (ps[i + 1] - ps_p[i + 1]) @ c.T
    return SmoothedTrack(times.copy(), xs[:, :, 0].copy(), xs[:, :, 1].copy(), ps[:, 0, 0].copy(), rejected)


def bin_measurements(times: np.ndarray, positions: np.ndarray, variances: np.ndarray, weights: np.ndarray,
                     period: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Average measurements in `period`-long bins: the trajectory's resolution, and fewer filter steps.

    Each bin's position is a weighted median per axis (a lone outlier in a bin cannot drag it) and
    its variance the mean variance over the bin's total weight.
    """
    bins = np.floor(times / period).astype(np.int64)
    starts = np.flatnonzero(np.r_[True, bins[1:] != bins[:-1]])
    ends = np.r_[starts[1:], bins.shape[0]]
    out_t = np.empty(starts.shape[0])
    out_p = np.empty((starts.shape[0], 3))
    out_v = np.empty(starts.shape[0])
    for j, (a, b) in enumerate(zip(starts, ends)):
        w = weights[a:b]
        out_t[j] = w @ times[a:b] / w.sum()
        out_p[j] = np.median(positions[a:b], axis=0) if b - a > 2 else w @ positions[a:b] / w.sum()
        out_v[j] = (w @ variances[a:b]) / w.sum() / w.sum()
    return out_t, out_p, out_v
