"""Fixtures of the mapping tests: a small hand-made MapView with known geometry."""
from __future__ import annotations

import math

import numpy as np
import pytest

from savvy_ros.mapping.map_view import MapEventView, MapObjectView, MapView


@pytest.fixture
def view() -> MapView:
    door = MapObjectView(id=1, label='door', aliases=['Front Door'], is_static=True, is_sound_source=True,
                         position=np.array([3.0, 1.0, 1.0]), covariance=np.eye(3) * 0.01,
                         trajectory_times=np.zeros(0), trajectory_positions=np.zeros((0, 3)),
                         first_seen=10.0, last_seen=20.0, modalities=frozenset({'vision', 'audio'}),
                         observation_count=40)
    times = np.array([10.0, 11.0, 12.0])
    person = MapObjectView(id=2, label='person', aliases=['speaker'], is_static=False, is_sound_source=True,
                           position=np.array([2.0, 0.0, 1.5]), covariance=np.eye(3) * 0.04,
                           trajectory_times=times, trajectory_positions=np.array(
                               [[0.0, 0.0, 1.5], [1.0, 0.0, 1.5], [2.0, 0.0, 1.5]]),
                           first_seen=10.0, last_seen=12.0, modalities=frozenset({'vision', 'hearing'}),
                           observation_count=30)
    knock = MapEventView(id=7, kind='sound', start=11.0, end=11.5, text='', labels=['Knock', 'Door'],
                         scores=[0.75, 0.5], object_id=1, link_score=0.875, source_position=np.array([3.0, 1.0, 1.0]))
    talk = MapEventView(id=8, kind='speech', start=14.0, end=16.0, text='offering a drink', labels=['Speech'],
                        alternatives=['offering a trink', 'often a drink'],
                        scores=[0.875], object_id=0, link_score=0.0, source_position=None,
                        bearing_origin=np.array([1.0, 2.0, 1.5]), bearing_direction=np.array([0.6, 0.8, 0.0]),
                        bearing_spread=0.125)
    body_times = np.arange(10.0, 20.01, 0.5)
    yaws = np.array([math.pi - 0.1 if t < 15.0 else -math.pi + 0.1 for t in body_times])  # crosses +-pi
    return MapView(frame_id='map', stamp=20.0, objects=[door, person], events=[knock, talk], body_frame='head',
                   body_times=body_times,
                   body_positions=np.stack([body_times - 10.0, np.zeros_like(body_times),
                                            np.full_like(body_times, 1.6)], axis=1),
                   body_yaws=yaws, revision=5)
