"""Sound sources from bearing rays taken at several wearer poses: least squares + outlier rejection.

A ray is (origin o, unit direction d) in the world frame. The source p minimises the weighted sum
of squared perpendicular distances |(I - d d^T)(p - o)|^2; rays whose angular residual exceeds
the gate, or that point away from p, are rejected and the fit repeated. Candidate sources are
found among unattributed rays by seeded RANSAC over ray pairs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# [m] a source is at least this far from every ray that explains it: rays taken while the wearer
# stands still all pass through the wearer's head, which a least-squares fit would otherwise
# "find" as a source of everything heard there.
MIN_SOURCE_RANGE = 0.5
# A source is born only where its rays fix a range: on the floor plane, their spread of azimuths
# about their mean (how they would scatter from a source at infinity) must be at least this many
# times their scatter about the fitted point (and MIN_BEARING_STD). A wearer walking towards or
# away from a sound, or standing still, hears it from one direction all along: the rays then fit
# a point anywhere along it as well as one at infinity, and a pair of noisy ones, or bearings of
# two sounds heard a few seconds apart, can put a "source" near the path. Such a sound stays a
# heard direction until bearings from elsewhere fix its range.
MIN_PARALLAX_RATIO = 2.0
MIN_BEARING_STD = 0.05   # [rad] bearing scatter assumed at least (array bearings in rooms)


@dataclass(frozen=True)
class Rays:
    times: np.ndarray        # (N,) [s]
    origins: np.ndarray      # (N, 3) [m]
    directions: np.ndarray   # (N, 3) unit
    weights: np.ndarray      # (N,) confidence
    ranges: np.ndarray       # (N,) [m], NaN unknown
    range_stds: np.ndarray   # (N,) [m], NaN unknown

    def __len__(self) -> int:
        return self.times.shape[0]

    def subset(self, mask: np.ndarray) -> Rays:
        return Rays(self.times[mask], self.origins[mask], self.directions[mask], self.weights[mask],
                    self.ranges[mask], self.range_stds[mask])

    @staticmethod
    def concat(parts: list[Rays]) -> Rays:
        return Rays(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                      ('times', 'origins', 'directions', 'weights', 'ranges', 'range_stds')))

    @staticmethod
    def empty() -> Rays:
        return Rays(np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), np.zeros(0), np.zeros(0))


@dataclass(frozen=True)
class Triangulation:
    position: np.ndarray     # (3,) [m]
    covariance: np.ndarray   # (3, 3) [m^2]
    inliers: np.ndarray      # (N,) bool


def angular_residuals(rays: Rays, p: np.ndarray) -> np.ndarray:
    """Angle [rad] between each ray and the direction from its origin to `p` (pi when behind)."""
    to_p = p - rays.origins
    dist = np.maximum(np.linalg.norm(to_p, axis=1), 1e-9)
    cos = np.clip(np.einsum('ij,ij->i', to_p, rays.directions) / dist, -1.0, 1.0)
    return np.arccos(cos)


def source_residuals(rays: Rays, p: np.ndarray) -> np.ndarray:
    """`angular_residuals`, with pi for rays whose origin is within MIN_SOURCE_RANGE of `p`
    (a ray cannot be evidence for a source at the listener's own head)."""
    residuals = angular_residuals(rays, p)
    residuals[np.linalg.norm(p - rays.origins, axis=1) < MIN_SOURCE_RANGE] = np.pi
    return residuals


def azimuth_gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| [rad] between vectors' azimuths seen from above (broadcasting over leading axes)."""
    return np.abs(np.angle(np.exp(1j * (np.arctan2(a[..., 1], a[..., 0]) - np.arctan2(b[..., 1], b[..., 0])))))


def azimuth_gaps(directions: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Azimuth gaps between every ray and every offset (origin -> object): (N, 3) x (M, 3) -> (N, M).

    Gating compares azimuths only: a planar array reports no elevation, so an object half a metre
    below the array would otherwise fall outside a 12 deg gate whenever the wearer is near it.
    """
    return azimuth_gap(directions[:, None, :], offsets[None, :, :])


def baseline(origins: np.ndarray) -> float:
    """Largest distance of a ray origin from the origins' centroid [m]."""
    return float(np.max(np.linalg.norm(origins - origins.mean(axis=0), axis=1))) if origins.shape[0] else 0.0


def least_squares_point(rays: Rays, weights: np.ndarray, prior: tuple[np.ndarray, float] | None) -> np.ndarray:
    d = rays.directions
    projectors = np.eye(3)[None, :, :] - d[:, :, None] * d[:, None, :]
    a = np.einsum('i,ijk->jk', weights, projectors)
    b = np.einsum('i,ijk,ik->j', weights, projectors, rays.origins)
    ranged = np.isfinite(rays.ranges) & np.isfinite(rays.range_stds) & (rays.range_stds > 0.0)
    if ranged.any():  # a range (CDR) pins the point along its ray
        wr = 1.0 / rays.range_stds[ranged] ** 2
        targets = rays.origins[ranged] + rays.ranges[ranged, None] * d[ranged]
        a += np.eye(3) * wr.sum()
        b += wr @ targets
    if prior is not None:
        centre, std = prior
        a += np.eye(3) / std ** 2
        b += centre / std ** 2
    # lstsq: rays that are all parallel (a wearer standing still, no range) give a singular system.
    return np.linalg.lstsq(a, b, rcond=None)[0]


def triangulate(rays: Rays, gate: float, prior: tuple[np.ndarray, float] | None = None,
                iterations: int = 8, angle_std: float | None = None, start: np.ndarray | None = None) -> Triangulation:
    """Fit, reject rays beyond a shrinking threshold (finally `gate` [rad]), behind the point or
    with their origin at it (`source_residuals`), refit.

    The threshold starts at 3x the median residual, so a first fit pulled by outliers still keeps
    the consistent majority; weights ~ 1/range^2. `start` (a RANSAC hypothesis, the previous fit)
    replaces the first fit over every ray.
    """
    inliers = np.ones(len(rays), dtype=bool)
    p = least_squares_point(rays, rays.weights, prior) if start is None else np.asarray(start, dtype=np.float64)
    for i in range(iterations):
        residuals = source_residuals(rays, p)
        threshold = gate if i >= iterations // 2 else max(gate, 3.0 * float(np.median(residuals)))
        new = residuals < threshold
        if new.sum() < 2:
            break
        inliers = new
        sub = rays.subset(inliers)
        dist = np.maximum(np.linalg.norm(p - sub.origins, axis=1), MIN_SOURCE_RANGE)
        # Perpendicular error grows with distance for a fixed angular error.
        p = least_squares_point(sub, sub.weights / dist ** 2, prior)
    sub = rays.subset(inliers)
    dist = np.maximum(np.linalg.norm(p - sub.origins, axis=1), MIN_SOURCE_RANGE)
    residuals = angular_residuals(sub, p)
    sigma = max(float(np.sqrt(np.mean(residuals ** 2))), angle_std or 0.01)
    w = sub.weights / sub.weights.mean() / (dist * sigma) ** 2
    d = sub.directions
    info = np.einsum('i,ijk->jk', w, np.eye(3)[None] - d[:, :, None] * d[:, None, :])
    if prior is not None:
        info += np.eye(3) / prior[1] ** 2
    covariance = np.linalg.pinv(info + np.eye(3) * 1e-6)
    return Triangulation(p, covariance, inliers)


def _rms_azimuth(directions: np.ndarray, towards: np.ndarray) -> float:
    gaps = azimuth_gap(directions, towards)
    return float(np.sqrt(np.mean(gaps ** 2))) if gaps.size else 0.0


def parallax_ratio(position: np.ndarray, rays: Rays) -> float:
    """RMS azimuth scatter of the rays about their mean direction over their scatter about `position`
    (at least MIN_BEARING_STD): how much better a source there explains them than one at infinity."""
    if len(rays) == 0:
        return 0.0
    mean = rays.directions[:, :2].mean(axis=0)
    if np.linalg.norm(mean) < 1e-9:   # rays all round: no single direction at infinity explains them
        return float('inf')
    at_infinity = _rms_azimuth(rays.directions, np.append(mean, 0.0)[None, :])
    at_position = _rms_azimuth(rays.directions, position[None, :] - rays.origins)
    return at_infinity / max(at_position, MIN_BEARING_STD)


def pair_point(o1: np.ndarray, d1: np.ndarray, o2: np.ndarray, d2: np.ndarray) -> np.ndarray | None:
    """Midpoint of the closest approach of two rays; None when parallel or behind either origin."""
    w = o1 - o2
    b = d1 @ d2
    denom = 1.0 - b * b
    if denom < 1e-4:
        return None
    s = (b * (d2 @ w) - (d1 @ w)) / denom
    t = ((d2 @ w) - b * (d1 @ w)) / denom
    if s < MIN_SOURCE_RANGE or t < MIN_SOURCE_RANGE:
        return None
    return 0.5 * (o1 + s * d1 + o2 + t * d2)


def find_source(rays: Rays, rng: np.random.Generator, gate: float, min_rays: int, min_baseline: float,
                iterations: int, window: float = 15.0) -> Triangulation | None:
    """The best-supported source among `rays` (seeded RANSAC on ray pairs), or None (also when its
    range along the bearing is not observable: MIN_PARALLAX_RATIO).

    A source is born from bearings heard together: hypotheses come from pairs within `window` s
    and are scored by the rays within `window` s of the first, so reflections scattered over a
    long run cannot add up to a phantom source. The fit then uses every ray it explains.
    """
    n = len(rays)
    if n < min_rays or baseline(rays.origins) < min_baseline / 2.0:
        return None
    order = np.argsort(rays.times, kind='stable')
    times = rays.times[order]
    best_count, best_point = 0, None
    for i in rng.integers(0, n, size=iterations):
        lo, hi = np.searchsorted(times, [times[i] - window, times[i] + window], side='left')
        a, b = order[i], order[int(rng.integers(lo, max(lo + 1, hi)))]
        if a == b or np.linalg.norm(rays.origins[a] - rays.origins[b]) < min_baseline / 2.0:
            continue
        p = pair_point(rays.origins[a], rays.directions[a], rays.origins[b], rays.directions[b])
        if p is None:
            continue
        near = order[lo:hi]
        count = int(np.count_nonzero(source_residuals(rays.subset(near), p) < gate))
        if count > best_count:
            best_count, best_point = count, p
    if best_point is None or best_count < min_rays:
        return None
    inliers = source_residuals(rays, best_point) < gate
    candidates = rays.subset(inliers)
    result = triangulate(candidates, gate, start=best_point)
    full = np.zeros(n, dtype=bool)
    # The refit's own inliers, re-checked at its final point (the last refit may have moved it).
    full[np.flatnonzero(inliers)[result.inliers & (source_residuals(candidates, result.position) < gate)]] = True
    if full.sum() < min_rays or baseline(rays.origins[full]) < min_baseline / 2.0:
        return None
    found = Triangulation(result.position, result.covariance, full)
    if parallax_ratio(found.position, rays.subset(full)) < MIN_PARALLAX_RATIO:
        return None   # no parallax: where along the bearing is unknown
    return found
