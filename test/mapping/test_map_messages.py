"""GlobalMap <-> MapView round trip, and the RViz markers of a view."""
from __future__ import annotations

import numpy as np
import pytest
from visualization_msgs.msg import Marker

from savvy_ros.ros.map_messages import global_map_to_view, map_view_to_global_map, map_view_to_markers


def test_round_trip_keeps_every_field(view):
    view.events[-1].impulsiveness = 0.75
    msg = map_view_to_global_map(view)
    assert msg.header.frame_id == 'map' and msg.revision == 5 and msg.body_frame == 'head'
    back = global_map_to_view(msg)
    assert back.frame_id == view.frame_id and back.stamp == view.stamp and back.revision == 5
    for a, b in zip(view.objects, back.objects):
        assert (a.id, a.label, a.aliases, a.is_static, a.is_sound_source, a.modalities, a.observation_count) == \
               (b.id, b.label, b.aliases, b.is_static, b.is_sound_source, b.modalities, b.observation_count)
        np.testing.assert_allclose(b.position, a.position)
        np.testing.assert_allclose(b.covariance, a.covariance)
        np.testing.assert_allclose(b.trajectory_times, a.trajectory_times, atol=1e-9)
        np.testing.assert_allclose(b.trajectory_positions.reshape(-1, 3), a.trajectory_positions.reshape(-1, 3))
        assert abs(b.first_seen - a.first_seen) < 1e-9 and abs(b.last_seen - a.last_seen) < 1e-9
    for a, b in zip(view.events, back.events):
        assert (a.id, a.kind, a.text, a.alternatives, a.labels, a.object_id) == \
               (b.id, b.kind, b.text, b.alternatives, b.labels, b.object_id)
        np.testing.assert_allclose(b.scores, a.scores)
        assert abs(b.link_score - a.link_score) < 1e-6 and b.impulsiveness == pytest.approx(a.impulsiveness)
        assert (a.source_position is None) == (b.source_position is None)
        assert (a.bearing_direction is None) == (b.bearing_direction is None)
        if a.bearing_direction is not None:   # the heard direction of an event, placed or not
            np.testing.assert_allclose(b.bearing_origin, a.bearing_origin)
            np.testing.assert_allclose(b.bearing_direction, a.bearing_direction)
            assert b.bearing_spread == pytest.approx(a.bearing_spread)
    np.testing.assert_allclose(back.body_times, view.body_times, atol=1e-9)
    np.testing.assert_allclose(back.body_positions, view.body_positions)
    np.testing.assert_allclose(np.cos(back.body_yaws - view.body_yaws), 1.0, atol=1e-12)
    # Queries answer the same after the trip.
    np.testing.assert_allclose(back.position_at(2, 12.5), view.position_at(2, 12.5))
    assert abs(back.mean_body_pose(12.0, 18.0)[1] - view.mean_body_pose(12.0, 18.0)[1]) < 1e-9


def test_markers_show_objects_trajectories_body_path_and_rays(view):
    rays = [(np.zeros(3), np.array([1.0, 0.0, 0.0]))]
    markers = map_view_to_markers(view, rays).markers
    assert markers[0].action == Marker.DELETEALL
    by_ns = {}
    for m in markers[1:]:
        by_ns.setdefault(m.ns, []).append(m)
        assert m.header.frame_id == 'map'
    assert len(by_ns['objects']) == 2 and len(by_ns['labels']) == 2
    assert len(by_ns['trajectories']) == 1 and len(by_ns['trajectories'][0].points) == 3
    assert len(by_ns['body_path'][0].points) == len(view.body_times)
    assert len(by_ns['sound_rays'][0].points) == 2
    assert 'door #1' in by_ns['labels'][0].text


def test_inputs_move_into_the_world_frame():
    import math

    from savvy_ros.msg import (AudioBearing, AudioBearingArray, AudioEvent, ObjectObservation,
                               ObjectObservationArray, SnapshotKeyframe, SnapshotObject)
    from savvy_ros.ros.map_messages import (bearings_to_batch, event_to_heard, keyframe_to_candidate,
                                            observations_to_batch, point)
    from savvy_ros.ros.time_conversion import seconds_to_stamp
    from savvy_ros.tf import Transform

    # world_T_sensor: 1 m along x, turned 90 deg left.
    turned = Transform(np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, math.sin(math.pi / 4), math.cos(math.pi / 4)]))
    objects = ObjectObservationArray(observations=[
        ObjectObservation(label='cup', track_id=3, score=0.5, position=point([2.0, 0.0, 0.0]),
                          position_covariance=[0.04, 0, 0, 0, 0.01, 0, 0, 0, 0.01]),
        ObjectObservation(label='cup', position=point([1.0, 0.0, 0.0]))])  # no covariance: the default
    objects.header.stamp, objects.header.frame_id = seconds_to_stamp(3.5), 'cam'
    batch = observations_to_batch(objects, turned, default_std=0.3)
    np.testing.assert_allclose(batch.positions, [[1.0, 2.0, 0.0], [1.0, 1.0, 0.0]], atol=1e-12)
    np.testing.assert_allclose(batch.variances, [0.02, 0.09])
    assert batch.stamp == 3.5 and batch.source == 'cam' and batch.track_ids.tolist() == [3, 0]

    bearings = AudioBearingArray(active=True, bearings=[AudioBearing(confidence=0.7, range=2.0, range_stddev=0.5)])
    bearings.bearings[0].direction.x = 1.0
    rays = bearings_to_batch(bearings, turned)
    np.testing.assert_allclose(rays.directions, [[0.0, 1.0, 0.0]], atol=1e-12)
    np.testing.assert_allclose(rays.origin, [1.0, 0.0, 0.0])

    event = AudioEvent(id=9, kind=AudioEvent.KIND_SOUND, start=seconds_to_stamp(1.0), end=seconds_to_stamp(2.0),
                       labels=['Knock'], scores=[0.5], has_bearing=True, azimuth=math.pi / 2, azimuth_spread=0.1)
    heard = event_to_heard(event, turned)
    np.testing.assert_allclose(heard.direction, [-1.0, 0.0, 0.0], atol=1e-12)
    assert (heard.kind, heard.start, heard.end, heard.spread) == ('sound', 1.0, 2.0, pytest.approx(0.1))
    assert event_to_heard(event, None).direction is None and heard.alternatives == []
    assert heard.impulsiveness == 0.0
    for sent, read in ((0.8, 0.8), (float('nan'), 0.0), (7.0, 1.0), (-1.0, 0.0)):   # a malformed sender's, clipped
        event.impulsiveness = sent
        assert event_to_heard(event, None).impulsiveness == pytest.approx(read)
    event.kind, event.text, event.alternatives = AudioEvent.KIND_SPEECH, 'before lunch', ['before launch']
    assert (event_to_heard(event, None).text, event_to_heard(event, None).alternatives) == ('before lunch', ['before launch'])

    obj = SnapshotObject(role=SnapshotObject.ROLE_SOUNDING, description='the dog', is_static=SnapshotObject.STATIC_NO)
    keyframe = SnapshotKeyframe(stamp=seconds_to_stamp(1.5), distance=2.0, azimuth=math.pi / 2)  # to the left
    candidate = keyframe_to_candidate(obj, keyframe, turned)
    np.testing.assert_allclose(candidate.position, [-1.0, 0.0, 0.0], atol=1e-12)
    assert candidate.is_static is False and candidate.sounding and candidate.stamp == 1.5
    assert keyframe_to_candidate(obj, SnapshotKeyframe(distance=float('nan'), azimuth=0.0), turned) is None
