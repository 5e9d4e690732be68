"""Duplicate detection: one walker split in two tracks is merged back, two people side by side are not."""
from __future__ import annotations

import numpy as np

from savvy_ros.mapping.config import MapConfig
from savvy_ros.mapping.map_view import MapObjectView, MapView
from savvy_ros.mapping.track_merging import explained_fraction, find_duplicates, points_on_track
from savvy_ros.mapping.triangulation import Rays


def track(object_id: int, times: np.ndarray, y: float, count: int = 50) -> MapObjectView:
    positions = np.column_stack([0.8 * times, np.full_like(times, y), np.full_like(times, 1.7)])
    return MapObjectView(object_id, 'person', [], False, False, positions[-1], np.eye(3) * 0.01, times, positions,
                         float(times[0]), float(times[-1]), frozenset({'vision'}), count)


def test_interleaved_and_continued_tracks_are_one_walker():
    t = np.arange(0.0, 10.0, 0.2)
    a, b = track(1, t[::2], 0.0, 60), track(2, t[1::2] + 0.05, 0.1)  # one walker's frames, split in turns
    c = track(3, np.arange(12.0, 15.0, 0.2), 0.0)                      # picked up again after a 2 s gap
    view = MapView('map', 15.0, [a, b, c], [])
    assert find_duplicates(view, MapConfig()) == [(1, 2), (1, 3)]


def test_two_people_walking_side_by_side_stay_apart():
    t = np.arange(0.0, 10.0, 0.2)
    view = MapView('map', 10.0, [track(1, t, 0.0), track(2, t + 0.1, 1.5)], [])
    assert find_duplicates(view, MapConfig()) == []


def test_a_person_standing_still_while_another_walks_is_not_the_walker_picked_up_again():
    # Seen on the synthetic bench (b10): a walker's track ends at 24 s, 4.8 m from a friend standing
    # still, who was seen on and off from 0 s to 28 s. Counted only at his last sighting (28 s) he looked
    # like the walker's track going on (5 m in 4 s is a walk), and the two became one moving person.
    t = np.arange(2.0, 24.0, 0.1)
    path = np.column_stack([9.0 - 0.35 * (t - 2.0), np.full_like(t, 8.0), np.full_like(t, 1.7)])   # ends at (1.3, 8)
    walker = MapObjectView(1, 'person', [], False, False, path[-1], np.eye(3) * 0.01, t, path, 2.0, float(t[-1]),
                           frozenset({'vision'}), 150)
    seen = np.concatenate([np.arange(0.0, 2.0, 0.1), np.arange(9.0, 11.0, 0.1), np.arange(27.0, 28.05, 0.1)])
    friend = MapObjectView(2, 'person', [], True, False, np.array([5.0, 4.5, 1.7]), np.eye(3) * 0.01, np.zeros(0),
                           np.zeros((0, 3)), 0.0, 28.0, frozenset({'vision'}), 40)
    view = MapView('map', 28.0, [walker, friend], [])
    assert find_duplicates(view, MapConfig(), {2: seen}) == []
    assert find_duplicates(view, MapConfig()) == [(1, 2)]   # what happened without the sighting times
    # Where the walker stood still and was taken for a static object meanwhile, the two are still one.
    stop = MapObjectView(3, 'person', [], True, False, path[-1] + [0.1, 0.0, 0.0], np.eye(3) * 0.01,
                         np.zeros(0), np.zeros((0, 3)), 24.2, 26.0, frozenset({'vision'}), 12)
    view = MapView('map', 26.0, [walker, stop], [])
    assert find_duplicates(view, MapConfig(), {3: np.arange(24.2, 26.0, 0.2)}) == [(1, 3)]


def test_bearings_and_points_explained_by_a_track():
    walker = track(1, np.arange(0.0, 10.0, 0.2), 2.0)
    times = np.arange(0.5, 9.5, 0.5)
    where = np.column_stack([0.8 * times, np.full_like(times, 2.0), np.full_like(times, 1.7)])
    origins = np.column_stack([np.zeros_like(times), np.zeros_like(times), np.full_like(times, 1.6)])
    d = where - origins
    d[:, 2] = 0.0  # planar array
    d /= np.linalg.norm(d, axis=1)[:, None]
    n = times.shape[0]
    rays = Rays(times, origins, d, np.ones(n), np.full(n, np.nan), np.full(n, np.nan))
    assert explained_fraction(walker, rays, np.radians(12), 2.0) == 1.0
    assert explained_fraction(walker, Rays(times + 30.0, origins, d, np.ones(n), rays.ranges, rays.range_stds),
                              np.radians(12), 2.0) == 0.0  # long after the walk: not this walker
    assert points_on_track(walker, times, where + 0.1, np.full(n, 0.01), 0.6, 2.0) == 1.0
    assert points_on_track(walker, times, where + np.array([0.0, 2.0, 0.0]), np.full(n, 0.01), 0.6, 2.0) == 0.0


def test_config_from_parameters_ignores_other_keys():
    config = MapConfig.from_mapping({'association_gate': 0.7, 'max_objects': 12, 'world_frame': 'map', 'seed': 3})
    assert (config.association_gate, config.max_objects, config.seed) == (0.7, 12, 3)
    assert isinstance(config.max_objects, int)
