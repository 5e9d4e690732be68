"""The query API of MapView: objects, positions over time, the wearer's pose, events."""
from __future__ import annotations

import math

import numpy as np
import pytest

from savvy_ros.mapping import EmptyMapError, MapView, OutsideSpanError, UnknownObjectError


def test_object_lookup_and_label_matching(view):
    assert view.object(2).label == 'person'
    with pytest.raises(UnknownObjectError, match='id 99'):
        view.object(99)
    assert [o.id for o in view.objects_matching('front door')] == [1]
    assert [o.id for o in view.objects_matching('SPEAKER')] == [2]
    assert view.objects_matching('dog') == []


def test_position_at_static_moving_and_extrapolated(view):
    np.testing.assert_allclose(view.position_at(1, 1000.0), [3.0, 1.0, 1.0])
    np.testing.assert_allclose(view.position_at(2, 10.5), [0.5, 0.0, 1.5])
    np.testing.assert_allclose(view.position_at(2, 13.0), [3.0, 0.0, 1.5])  # 1 m/s, 1 s past the end
    np.testing.assert_allclose(view.position_at(2, 9.0), [-1.0, 0.0, 1.5])
    with pytest.raises(OutsideSpanError, match='object 2 .person.: time 14.500'):
        view.position_at(2, 14.5)


def test_body_pose_interpolates_yaw_across_pi(view):
    position, yaw = view.body_pose_at(14.75)  # between yaw pi-0.1 and -pi+0.1: the short way, through pi
    np.testing.assert_allclose(position, [4.75, 0.0, 1.6])
    assert abs(abs(yaw) - math.pi) < 1e-9
    position, yaw = view.mean_body_pose(12.0, 18.0)
    np.testing.assert_allclose(position, [5.0, 0.0, 1.6])
    assert abs(abs(yaw) - math.pi) < 0.1  # circular mean, not the arithmetic 0
    # A window reaching past the path uses the covered part only.
    position, _ = view.mean_body_pose(18.0, 30.0)
    np.testing.assert_allclose(position, [9.0, 0.0, 1.6])
    with pytest.raises(OutsideSpanError, match='body path'):
        view.body_pose_at(25.0)
    with pytest.raises(OutsideSpanError):
        view.mean_body_pose(30.0, 40.0)


def test_events_in_window_and_time_span(view):
    assert [e.id for e in view.sound_events_in_window(11.2, 14.0)] == [7, 8]
    assert [e.id for e in view.sound_events_in_window(12.0, 13.0)] == []
    assert view.time_span() == (10.0, 20.0)


def test_empty_map_errors():
    empty = MapView(frame_id='map', stamp=0.0, objects=[], events=[])
    with pytest.raises(EmptyMapError):
        empty.body_pose_at(1.0)
    with pytest.raises(EmptyMapError):
        empty.time_span()
