"""The map's store of recent world-frame bearings and the event bearing taken from it."""
from __future__ import annotations

import math

import numpy as np
import pytest

from savvy_ros.mapping.heard_rays import HeardRays
from savvy_ros.mapping.triangulation import Rays


def rays_at(times, azimuths, origin=(1.0, 2.0, 1.6), weights=None) -> Rays:
    n = len(times)
    directions = np.column_stack([np.cos(azimuths), np.sin(azimuths), np.zeros(n)])
    return Rays(np.asarray(times, float), np.tile(np.asarray(origin, float), (n, 1)), directions,
                np.ones(n) if weights is None else np.asarray(weights, float), np.full(n, np.nan), np.full(n, np.nan))


def test_the_mode_of_the_rays_in_the_window_wins_over_a_minority_and_the_rest_of_the_stream():
    heard = HeardRays()
    heard.add(rays_at(np.arange(0.0, 2.0, 0.25), np.full(8, 2.5)))            # before the event
    heard.add(rays_at(np.arange(2.0, 4.0, 0.25), np.r_[np.full(6, 0.5), [-1.0, -1.1]]))
    bearing = heard.event_bearing(2.0, 3.9)
    assert bearing.count == 6
    np.testing.assert_allclose(bearing.direction, [math.cos(0.5), math.sin(0.5), 0.0], atol=1e-9)
    np.testing.assert_allclose(bearing.origin, [1.0, 2.0, 1.6])
    assert heard.event_bearing(10.0, 12.0) is None  # nothing heard then


def test_the_store_forgets_by_age_and_stays_bounded():
    heard = HeardRays(keep_seconds=5.0, max_rays=100)
    for k in range(50):
        heard.add(rays_at([float(k)], [0.0]))
    assert len(heard) == 6 and heard.event_bearing(0.0, 40.0) is None
    heard.add(rays_at(np.linspace(100.0, 101.0, 500), np.zeros(500)))
    assert len(heard) == 100


def test_a_clock_that_jumps_back_starts_the_store_over():
    heard = HeardRays(keep_seconds=5.0)
    heard.add(rays_at(np.arange(100.0, 110.0, 0.5), np.full(20, 1.0)))
    heard.add(rays_at(np.arange(0.0, 2.0, 0.5), np.full(4, -2.0)))   # the replay looped
    assert len(heard) == 4
    np.testing.assert_allclose(heard.event_bearing(0.0, 2.0).direction[:2], [math.cos(-2.0), math.sin(-2.0)])


def test_the_newest_rays_are_given_as_origins_and_directions_oldest_first():
    heard = HeardRays()
    heard.add(rays_at(np.arange(0.0, 3.0, 0.5), np.linspace(0.0, 1.0, 6)))
    latest = heard.latest(2)
    assert len(latest) == 2 and heard.latest(0) == [] and len(heard.latest(100)) == 6
    for (origin, direction), azimuth in zip(latest, (0.8, 1.0)):
        assert origin.shape == direction.shape == (3,)
        assert math.atan2(direction[1], direction[0]) == pytest.approx(azimuth)
