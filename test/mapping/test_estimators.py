"""The estimators on their own: robust centre, Kalman + RTS, triangulation with outliers."""
from __future__ import annotations

import numpy as np
import pytest

from savvy_ros.mapping.kalman import bin_measurements, smooth_track
from savvy_ros.mapping.static_estimate import moves, robust_centre
from savvy_ros.mapping.triangulation import Rays, angular_residuals, find_source, parallax_ratio, triangulate


def test_robust_centre_ignores_a_cluster_of_outliers():
    rng = np.random.default_rng(0)
    truth = np.array([1.0, 2.0, 0.5])
    inliers = truth + rng.normal(0.0, 0.05, (60, 3))
    outliers = np.array([4.0, -1.0, 0.5]) + rng.normal(0.0, 0.05, (15, 3))  # a mis-association
    points = np.vstack([inliers, outliers, rng.uniform(-5, 5, (5, 3))])
    fit = robust_centre(points, np.ones(len(points)), eps=0.35, min_weight=3, floor_std=0.01)
    assert np.linalg.norm(fit.position - truth) < 0.03
    assert fit.inliers[:60].all() and not fit.inliers[60:].any()
    assert 0.0 < fit.covariance[0, 0] < 0.01


def test_motion_test_tells_walkers_from_noisy_static_objects():
    rng = np.random.default_rng(1)
    t = np.arange(0.0, 10.0, 0.05)
    still = np.array([1.0, 1.0, 1.0]) + rng.normal(0.0, 0.15, (t.size, 3))
    walker = np.stack([0.8 * t, np.zeros_like(t), np.ones_like(t)], axis=1) + rng.normal(0.0, 0.15, (t.size, 3))
    assert not moves(t, still, np.median(still, axis=0), 1.0, 0.5)
    assert moves(t, walker, np.median(walker, axis=0), 1.0, 0.5)


def test_kalman_smoother_tracks_a_walker_and_rejects_outliers():
    rng = np.random.default_rng(2)
    t = np.arange(0.0, 8.0, 0.1)
    truth = np.stack([np.cos(t / 2) * 2, np.sin(t / 2) * 2, np.ones_like(t)], axis=1)
    z = truth + rng.normal(0.0, 0.2, truth.shape)
    z[::15] += np.array([3.0, -3.0, 0.0])  # gross outliers
    track = smooth_track(t, z, np.full(t.size, 0.04), accel_std=1.0, gate_chi2=16.27)
    rmse = np.sqrt(np.mean(np.sum((track.positions - truth) ** 2, axis=1)))
    assert rmse < 0.15
    assert track.rejected >= len(t[::15]) - 1
    speed = np.linalg.norm(track.velocities[10:-10, :2], axis=1)
    assert np.allclose(speed, 1.0, atol=0.3)


def test_binning_averages_within_each_period():
    t = np.array([0.0, 0.05, 0.1, 0.25, 0.3])
    p = np.array([[0.0, 0, 0], [1.0, 0, 0], [2.0, 0, 0], [10.0, 0, 0], [12.0, 0, 0]])
    bt, bp, bv = bin_measurements(t, p, np.full(5, 0.09), np.ones(5), 0.2)
    np.testing.assert_allclose(bt, [0.05, 0.275])
    np.testing.assert_allclose(bp[:, 0], [1.0, 11.0])
    np.testing.assert_allclose(bv, [0.03, 0.045])


def ray_bundle(source: np.ndarray, origins: np.ndarray, rng: np.random.Generator, noise: float) -> Rays:
    d = source - origins
    d /= np.linalg.norm(d, axis=1)[:, None]
    d += rng.normal(0.0, noise, d.shape)
    d /= np.linalg.norm(d, axis=1)[:, None]
    n = len(origins)
    return Rays(np.arange(n, dtype=float), origins, d, np.ones(n), np.full(n, np.nan), np.full(n, np.nan))


def test_triangulation_recovers_a_source_despite_outlier_rays():
    rng = np.random.default_rng(3)
    source = np.array([2.0, 3.0, 1.5])
    origins = np.stack([np.linspace(-2, 2, 40), np.zeros(40), np.full(40, 1.5)], axis=1)
    rays = ray_bundle(source, origins, rng, 0.02)
    bad = rng.normal(0.0, 1.0, (8, 3))
    rays.directions[:8] = bad / np.linalg.norm(bad, axis=1)[:, None]  # reflections / other sources
    fit = triangulate(rays, gate=np.radians(10))
    assert np.linalg.norm(fit.position - source) < 0.15
    assert fit.inliers[8:].all()
    assert np.all(angular_residuals(rays.subset(fit.inliers), fit.position) < np.radians(10))


def test_triangulation_uses_ranges_when_the_baseline_is_short():
    rng = np.random.default_rng(4)
    source = np.array([3.0, 0.0, 1.0])
    origins = np.zeros((20, 3)) + np.array([0.0, 0.0, 1.0])  # the wearer stands still
    rays = ray_bundle(source, origins, rng, 0.01)
    ranged = Rays(rays.times, rays.origins, rays.directions, rays.weights, np.full(20, 3.0), np.full(20, 0.5))
    assert np.linalg.norm(triangulate(ranged, gate=0.2).position - source) < 0.1


def test_ransac_separates_two_sources_and_needs_a_baseline():
    rng = np.random.default_rng(5)
    origins = np.stack([np.linspace(-2, 2, 30), np.linspace(0, 1, 30), np.full(30, 1.5)], axis=1)
    a, b = np.array([1.0, 4.0, 1.5]), np.array([-3.0, -3.0, 1.5])
    rays = Rays.concat([ray_bundle(a, origins, rng, 0.01), ray_bundle(b, origins, rng, 0.01)])
    found = find_source(rays, np.random.default_rng(0), np.radians(5), 8, 0.5, 200)
    assert found is not None and found.inliers.sum() == 30
    assert min(np.linalg.norm(found.position - a), np.linalg.norm(found.position - b)) < 0.1
    still = ray_bundle(a, np.zeros((30, 3)), rng, 0.01)
    assert find_source(still, np.random.default_rng(0), np.radians(5), 8, 0.5, 200) is None


@pytest.mark.parametrize('seed', [0, 1])
def test_ransac_is_deterministic_for_a_seed(seed):
    rng = np.random.default_rng(6)
    origins = np.stack([np.linspace(-2, 2, 30), np.zeros(30), np.zeros(30)], axis=1)
    rays = ray_bundle(np.array([0.0, 3.0, 0.0]), origins, rng, 0.05)
    first = find_source(rays, np.random.default_rng(seed), np.radians(8), 8, 0.5, 100)
    second = find_source(rays, np.random.default_rng(seed), np.radians(8), 8, 0.5, 100)
    np.testing.assert_array_equal(first.position, second.position)


def test_scattered_reflections_over_a_long_run_make_no_phantom_source():
    rng = np.random.default_rng(8)
    n = 400  # ten minutes of stray bearings from a walking wearer, none from a real source
    origins = np.column_stack([rng.uniform(0, 6, n), rng.uniform(0, 8, n), np.full(n, 1.6)])
    angles = rng.uniform(-np.pi, np.pi, n)
    directions = np.column_stack([np.cos(angles), np.sin(angles), np.zeros(n)])
    unknown = np.full(n, np.nan)
    rays = Rays(np.sort(rng.uniform(0, 600, n)), origins, directions, np.ones(n), unknown, unknown)
    assert find_source(rays, np.random.default_rng(0), np.radians(12), 15, 0.5, 400, window=15.0) is None


def test_a_wearer_standing_still_is_not_the_source_of_what_they_hear():
    # Bearings to three sources heard from one spot all pass through the wearer's head; a short
    # walk before gives the bundle a baseline. No source may be placed at the wearer.
    rng = np.random.default_rng(9)
    still = np.tile(np.array([[5.0, 3.0, 1.6]]), (60, 1))
    sources = [np.array([1.0, 3.0, 1.5]), np.array([5.0, 7.0, 1.2]), np.array([8.0, 0.5, 1.0])]
    walk = np.stack([np.full(20, 5.0), np.linspace(1.0, 3.0, 20), np.full(20, 1.6)], axis=1)
    rays = Rays.concat([ray_bundle(s, still[:20], rng, 0.03) for s in sources] +
                       [ray_bundle(sources[0], walk, rng, 0.03)])
    rays = Rays(np.arange(len(rays), dtype=float) * 0.1, rays.origins, rays.directions, rays.weights,
                rays.ranges, rays.range_stds)
    found = find_source(rays, np.random.default_rng(0), np.radians(8), 8, 0.5, 300)
    assert found is not None
    assert np.linalg.norm(found.position[:2] - still[0, :2]) > 0.5
    assert np.linalg.norm(found.position - sources[0]) < 0.5  # the one source the walk triangulates
    refit = triangulate(rays.subset(found.inliers), np.radians(8), start=found.position)
    assert np.linalg.norm(refit.position - sources[0]) < 0.5


def test_a_sound_heard_only_along_the_walking_line_is_not_placed():
    """The wearer walks straight away from a knock behind them: a 2.5 m baseline but no parallax,
    so its range is unknown and no source is born. The same walk past a source to the side places it."""
    rng = np.random.default_rng(0)
    walk = np.stack([np.linspace(2.5, 5.0, 40), np.full(40, 3.0), np.full(40, 1.6)], axis=1)
    behind = ray_bundle(np.array([0.5, 3.05, 1.2]), walk, rng, 0.03)
    # Without the check these rays "find" a source on the path itself, at (2.1, 3.0).
    assert find_source(behind, np.random.default_rng(0), np.radians(12), 15, 0.5, 400) is None
    beside = ray_bundle(np.array([3.5, 5.5, 1.2]), walk, rng, 0.03)
    found = find_source(beside, np.random.default_rng(0), np.radians(12), 15, 0.5, 400)
    assert found is not None and np.linalg.norm(found.position - [3.5, 5.5, 1.2]) < 0.5


def test_parallax_ratio_compares_a_source_at_its_point_with_one_at_infinity():
    rng = np.random.default_rng(1)
    source = np.array([3.5, 5.5, 1.2])
    still = ray_bundle(source, np.tile([[3.0, 3.0, 1.6]], (30, 1)), rng, 0.03)
    assert parallax_ratio(source, still) < 1.5              # one spot: infinity explains them as well
    walk = np.stack([np.linspace(2.5, 5.0, 30), np.full(30, 3.0), np.full(30, 1.6)], axis=1)
    assert parallax_ratio(source, ray_bundle(source, walk, rng, 0.03)) > 4.0
    assert parallax_ratio(source, Rays.empty()) == 0.0
