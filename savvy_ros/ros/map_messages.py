"""Map messages: inputs to world-frame map observations, GlobalMap <-> MapView, RViz markers."""
from __future__ import annotations

import math

import numpy as np
from geometry_msgs.msg import Point, PoseStamped, Quaternion, Vector3
from std_msgs.msg import ColorRGBA
from visualization_msgs.msg import Marker, MarkerArray

from savvy_ros.mapping.map_view import MapEventView, MapObjectView, MapView
from savvy_ros.mapping.observations import BearingBatch, HeardEvent, SnapshotCandidate, VisualBatch
from savvy_ros.msg import AudioEvent, GlobalMap, MapEvent, MapObject, SnapshotObject, TrajectoryPoint
from savvy_ros.ros.time_conversion import seconds_to_stamp, stamp_to_seconds
from savvy_ros.tf import Transform

MODALITY_BITS = {'vision': MapObject.MODALITY_VISION, 'audio': MapObject.MODALITY_AUDIO,
                 'hearing': MapObject.MODALITY_HEARING, 'snapshot': MapObject.MODALITY_SNAPSHOT}
EVENT_KINDS = {AudioEvent.KIND_SPEECH: 'speech', AudioEvent.KIND_SOUND: 'sound'}


def point(p: np.ndarray) -> Point:
    return Point(x=float(p[0]), y=float(p[1]), z=float(p[2]))


def point_array(p: Point) -> np.ndarray:
    return np.array([p.x, p.y, p.z], dtype=np.float64)


def yaw_quaternion(yaw: float) -> Quaternion:
    return Quaternion(z=math.sin(yaw / 2.0), w=math.cos(yaw / 2.0))


def quaternion_yaw(q: Quaternion) -> float:
    """Heading of the body x axis projected on the horizontal plane (REP 103)."""
    return math.atan2(2.0 * (q.w * q.z + q.x * q.y), 1.0 - 2.0 * (q.y * q.y + q.z * q.z))


def _stamp(t: float):
    return seconds_to_stamp(max(0.0, t))


# -- inputs: egocentric messages + TF -> world-frame observations ------------------------------

def observations_to_batch(msg, world_T_camera: Transform, default_std: float) -> VisualBatch:
    """ObjectObservationArray (camera optical frame) -> VisualBatch in the world frame."""
    obs = msg.observations
    positions = np.array([[o.position.x, o.position.y, o.position.z] for o in obs], dtype=np.float64).reshape(-1, 3)
    # The trace is rotation invariant: the isotropic variance is the same in every frame.
    variances = np.array([(o.position_covariance[0] + o.position_covariance[4] + o.position_covariance[8]) / 3.0
                          for o in obs], dtype=np.float64)
    variances = np.where(variances > 0.0, variances, default_std ** 2)  # NaN stays NaN and is dropped
    return VisualBatch(stamp_to_seconds(msg.header.stamp), msg.header.frame_id, [o.label for o in obs],
                       world_T_camera.apply(positions) if len(obs) else positions, variances,
                       np.array([o.score for o in obs], dtype=np.float64),
                       np.array([o.track_id for o in obs], dtype=np.int64))


def bearings_to_batch(msg, world_T_array: Transform) -> BearingBatch:
    """AudioBearingArray (microphone-array frame) -> world-frame rays from the array centre."""
    b = msg.bearings
    directions = np.array([[x.direction.x, x.direction.y, x.direction.z] for x in b], dtype=np.float64).reshape(-1, 3)
    rotation = world_T_array.as_matrix()[:3, :3]
    return BearingBatch(stamp_to_seconds(msg.header.stamp), np.array(world_T_array.translation),
                        directions @ rotation.T, np.array([x.confidence for x in b], dtype=np.float64),
                        np.array([x.range for x in b], dtype=np.float64),
                        np.array([x.range_stddev for x in b], dtype=np.float64))


def _unit_interval(value: float) -> float:
    """A [0, 1] score from a message: NaN or out of range (a malformed sender) reads as 0 / clipped."""
    value = float(value)
    return min(max(value, 0.0), 1.0) if math.isfinite(value) else 0.0


def event_to_heard(event, world_T_array: Transform | None) -> HeardEvent:
    """AudioEvent -> HeardEvent; the bearing becomes a world-frame ray when its TF was found."""
    origin = direction = None
    if event.has_bearing and world_T_array is not None and math.isfinite(event.azimuth):
        local = np.array([math.cos(event.azimuth), math.sin(event.azimuth), 0.0])
        direction = world_T_array.as_matrix()[:3, :3] @ local
        origin = np.array(world_T_array.translation)
    spread = float(event.azimuth_spread) if math.isfinite(event.azimuth_spread) else 0.0
    return HeardEvent(event.id, EVENT_KINDS.get(event.kind, 'unknown'), stamp_to_seconds(event.start),
                      stamp_to_seconds(event.end), event.text, list(event.labels),
                      [float(s) for s in event.scores], origin, direction, spread, list(event.alternatives),
                      _unit_interval(event.impulsiveness))


def keyframe_to_candidate(obj, keyframe, world_T_body: Transform) -> SnapshotCandidate | None:
    """An egocentric (distance, azimuth) key frame -> a world-frame candidate; None when incomplete."""
    if not (math.isfinite(keyframe.distance) and math.isfinite(keyframe.azimuth)) or keyframe.distance < 0.0:
        return None
    # Horizontal: the descriptor's directions are around the wearer's facing, not the head's pitch.
    heading = world_T_body.yaw() + keyframe.azimuth
    position = np.array(world_T_body.translation) + keyframe.distance * np.array([math.cos(heading),
                                                                                 math.sin(heading), 0.0])
    static = {SnapshotObject.STATIC_YES: True, SnapshotObject.STATIC_NO: False}.get(obj.is_static)
    return SnapshotCandidate(stamp_to_seconds(keyframe.stamp), obj.description, position, static,
                             obj.role == SnapshotObject.ROLE_SOUNDING)


# -- MapView -> GlobalMap ----------------------------------------------------------------------

def object_to_msg(obj: MapObjectView) -> MapObject:
    msg = MapObject(id=obj.id, label=obj.label, aliases=list(obj.aliases), is_static=obj.is_static,
                    is_sound_source=obj.is_sound_source, position=point(obj.position),
                    position_covariance=[float(v) for v in np.asarray(obj.covariance).reshape(9)],
                    modalities=sum(MODALITY_BITS[m] for m in obj.modalities),
                    observation_count=obj.observation_count,
                    first_seen=_stamp(obj.first_seen), last_seen=_stamp(obj.last_seen))
    times, positions = obj.trajectory_times, obj.trajectory_positions
    if times.shape[0]:
        velocities = (np.gradient(positions, times, axis=0) if times.shape[0] > 1
                      else np.zeros_like(positions))
        covariance = msg.position_covariance
        msg.trajectory = [TrajectoryPoint(stamp=_stamp(float(t)), position=point(p),
                                          velocity=Vector3(x=float(v[0]), y=float(v[1]), z=float(v[2])),
                                          position_covariance=covariance)
                          for t, p, v in zip(times, positions, velocities)]
    return msg


def event_to_msg(event: MapEventView) -> MapEvent:
    kind = AudioEvent.KIND_SPEECH if event.kind == 'speech' else AudioEvent.KIND_SOUND
    heard = AudioEvent(id=event.id, kind=kind, start=_stamp(event.start), end=_stamp(event.end),
                       text=event.text, alternatives=list(event.alternatives), labels=list(event.labels),
                       scores=[float(s) for s in event.scores], confidence=float(max(event.scores, default=0.0)),
                       impulsiveness=float(event.impulsiveness))
    msg = MapEvent(event=heard, object_id=event.object_id, link_score=float(event.link_score),
                   has_source_position=event.source_position is not None)
    if event.source_position is not None:
        msg.source_position = point(event.source_position)
    if event.bearing_direction is not None and event.bearing_origin is not None:
        d = np.asarray(event.bearing_direction, dtype=np.float64)
        msg.has_bearing = True
        msg.bearing_origin = point(event.bearing_origin)
        msg.bearing_direction = Vector3(x=float(d[0]), y=float(d[1]), z=float(d[2]))
        msg.bearing_spread = float(event.bearing_spread)
    return msg


def map_view_to_global_map(view: MapView, revision: int | None = None) -> GlobalMap:
    msg = GlobalMap(revision=view.revision if revision is None else revision, body_frame=view.body_frame)
    msg.header.frame_id = view.frame_id
    msg.header.stamp = _stamp(view.stamp)
    msg.objects = [object_to_msg(o) for o in view.objects]
    msg.events = [event_to_msg(e) for e in view.events]
    path = []
    for t, p, yaw in zip(view.body_times, view.body_positions, view.body_yaws):
        pose = PoseStamped()
        pose.header.frame_id = view.frame_id
        pose.header.stamp = _stamp(float(t))
        pose.pose.position = point(p)
        pose.pose.orientation = yaw_quaternion(float(yaw))
        path.append(pose)
    msg.body_path = path
    return msg


# -- GlobalMap -> MapView ----------------------------------------------------------------------

def object_from_msg(msg: MapObject) -> MapObjectView:
    times = np.array([stamp_to_seconds(p.stamp) for p in msg.trajectory], dtype=np.float64)
    positions = np.array([point_array(p.position) for p in msg.trajectory], dtype=np.float64).reshape(-1, 3)
    return MapObjectView(
        id=msg.id, label=msg.label, aliases=list(msg.aliases), is_static=msg.is_static,
        is_sound_source=msg.is_sound_source, position=point_array(msg.position),
        covariance=np.array(msg.position_covariance, dtype=np.float64).reshape(3, 3),
        trajectory_times=times, trajectory_positions=positions,
        first_seen=stamp_to_seconds(msg.first_seen), last_seen=stamp_to_seconds(msg.last_seen),
        modalities=frozenset(m for m, bit in MODALITY_BITS.items() if msg.modalities & bit),
        observation_count=msg.observation_count)


def event_from_msg(msg: MapEvent) -> MapEventView:
    e = msg.event
    return MapEventView(id=e.id, kind=EVENT_KINDS.get(e.kind, 'sound'), start=stamp_to_seconds(e.start),
                        end=stamp_to_seconds(e.end), text=e.text, labels=list(e.labels),
                        scores=[float(s) for s in e.scores], object_id=msg.object_id,
                        link_score=float(msg.link_score),
                        source_position=point_array(msg.source_position) if msg.has_source_position else None,
                        bearing_origin=point_array(msg.bearing_origin) if msg.has_bearing else None,
                        bearing_direction=np.array([msg.bearing_direction.x, msg.bearing_direction.y,
                                                    msg.bearing_direction.z]) if msg.has_bearing else None,
                        bearing_spread=float(msg.bearing_spread) if msg.has_bearing else 0.0,
                        alternatives=list(e.alternatives), impulsiveness=_unit_interval(e.impulsiveness))


def global_map_to_view(msg: GlobalMap, max_extrapolation: float = 2.0) -> MapView:
    poses = msg.body_path
    return MapView(frame_id=msg.header.frame_id, stamp=stamp_to_seconds(msg.header.stamp),
                   objects=[object_from_msg(o) for o in msg.objects],
                   events=[event_from_msg(e) for e in msg.events], body_frame=msg.body_frame,
                   body_times=np.array([stamp_to_seconds(p.header.stamp) for p in poses]),
                   body_positions=np.array([point_array(p.pose.position) for p in poses]).reshape(-1, 3),
                   body_yaws=np.array([quaternion_yaw(p.pose.orientation) for p in poses]),
                   max_extrapolation=max_extrapolation, revision=msg.revision)


# -- RViz ------------------------------------------------------------------------------------

_COLOURS = {'vision': (0.2, 0.6, 1.0), 'audio': (1.0, 0.5, 0.1), 'snapshot': (0.7, 0.3, 0.9),
            'hearing': (1.0, 0.8, 0.1)}


def global_map_view_from_cdr(data: bytes, max_extrapolation: float = 2.0) -> MapView:
    """A serialized GlobalMap (as received, or as an evaluation saves it) as a MapView."""
    from rclpy.serialization import deserialize_message
    return global_map_to_view(deserialize_message(data, GlobalMap), max_extrapolation)


def _colour(obj: MapObjectView, alpha: float) -> ColorRGBA:
    kind = 'vision' if 'vision' in obj.modalities else 'audio' if 'audio' in obj.modalities else \
        'snapshot' if 'snapshot' in obj.modalities else 'hearing'
    r, g, b = _COLOURS[kind]
    return ColorRGBA(r=r, g=g, b=b, a=alpha)


def _marker(view: MapView, ns: str, marker_id: int, kind: int, stamp) -> Marker:
    m = Marker(ns=ns, id=marker_id, type=kind, action=Marker.ADD)
    m.header.frame_id = view.frame_id
    m.header.stamp = stamp
    m.pose.orientation.w = 1.0
    return m


def map_view_to_markers(view: MapView, rays: list[tuple[np.ndarray, np.ndarray]] = (),
                        ray_length: float = 3.0) -> MarkerArray:
    """Objects (2-sigma spheres), labels, trajectories, the body path and recent sound rays.

    The first marker deletes everything, so objects that left the map leave RViz too.
    """
    stamp = _stamp(view.stamp)
    markers = [Marker(action=Marker.DELETEALL)]
    for obj in view.objects:
        sphere = _marker(view, 'objects', obj.id, Marker.SPHERE, stamp)
        sphere.pose.position = point(obj.position)
        sigma = np.sqrt(np.clip(np.diag(np.asarray(obj.covariance).reshape(3, 3)), 0.0, None))
        sphere.scale = Vector3(**{k: float(max(0.1, 4.0 * s)) for k, s in zip('xyz', sigma)})
        sphere.color = _colour(obj, 0.5)
        label = _marker(view, 'labels', obj.id, Marker.TEXT_VIEW_FACING, stamp)
        label.pose.position = point(obj.position + np.array([0.0, 0.0, 0.3]))
        label.scale.z = 0.2
        label.color = ColorRGBA(r=1.0, g=1.0, b=1.0, a=1.0)
        label.text = f'{obj.label} #{obj.id}' + (' (sound)' if obj.is_sound_source else '')
        markers += [sphere, label]
        if obj.trajectory_times.shape[0] > 1:
            line = _marker(view, 'trajectories', obj.id, Marker.LINE_STRIP, stamp)
            line.scale.x = 0.04
            line.color = _colour(obj, 0.9)
            line.points = [point(p) for p in obj.trajectory_positions]
            markers.append(line)
    if view.body_times.shape[0] > 1:
        path = _marker(view, 'body_path', 0, Marker.LINE_STRIP, stamp)
        path.scale.x = 0.03
        path.color = ColorRGBA(r=0.3, g=1.0, b=0.3, a=0.8)
        path.points = [point(p) for p in view.body_positions]
        markers.append(path)
    if rays:
        lines = _marker(view, 'sound_rays', 0, Marker.LINE_LIST, stamp)
        lines.scale.x = 0.01
        lines.color = ColorRGBA(r=1.0, g=0.5, b=0.1, a=0.6)
        for origin, direction in rays:
            lines.points += [point(origin), point(origin + ray_length * np.asarray(direction))]
        markers.append(lines)
    return MarkerArray(markers=markers)
