"""Map node (SAVVY stage 2): egocentric observations + TF in, the dynamic global map out.

Every input is moved into the world frame with TF at its own capture stamp. A message whose TF
has not arrived yet waits up to `tf_wait` seconds (wall time), then is counted and dropped.
The map is saved to SQLite every `save_period` s and on shutdown, and restored on start: a
crash loses at most one save period of data.
"""
from __future__ import annotations

import sqlite3
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from visualization_msgs.msg import MarkerArray

from savvy_ros.mapping.config import MapConfig
from savvy_ros.mapping.map_model import GlobalMapModel
from savvy_ros.mapping.observations import InvalidObservationError
from savvy_ros.mapping.store import MapStore, MapStoreError
from savvy_ros.msg import AudioBearingArray, AudioEventArray, GlobalMap, ObjectObservationArray, SnapshotDescriptor
from savvy_ros.replay.acknowledgement import create_acked_subscription
from savvy_ros.ros.map_messages import (bearings_to_batch, event_to_heard, keyframe_to_candidate,
                                        map_view_to_global_map, map_view_to_markers, observations_to_batch)
from savvy_ros.ros.node_main import run_node
from savvy_ros.ros.parameters import ParameterSpec, declare_parameters
from savvy_ros.ros.tf_listener import create_transform_lookup
from savvy_ros.ros.time_conversion import stamp_to_seconds
from savvy_ros.tf import ExtrapolationError, Transform, TransformError

PARAMETERS = [
    ParameterSpec('world_frame', 'map', 'World frame of the map (REP 105)'),
    ParameterSpec('body_frame', 'head', 'Body frame of the wearer or robot; its path is recorded in the map'),
    ParameterSpec('tf_backend', 'auto', "TF implementation: 'auto' (tf2_ros when importable), 'tf2_ros', 'savvy_ros'"),
    ParameterSpec('tf_cache_time', 30.0, 'How much TF history to keep [s]'),
    ParameterSpec('tf_wait', 0.5, 'How long an input waits for late TF before it is counted and dropped [s, wall]'),
    ParameterSpec('max_waiting', 1000, 'Inputs waiting for TF at most; the oldest is dropped beyond [messages]'),
    ParameterSpec('publish_period', 1.0, 'The map is republished at least this often [s]'),
    ParameterSpec('min_publish_interval', 0.2, 'On change the map is published at most this often [s]'),
    ParameterSpec('store_path', '', 'SQLite file the map is saved to and restored from; empty = no persistence'),
    ParameterSpec('save_period', 5.0, 'Save interval [s]: a crash loses at most this much data'),
    ParameterSpec('default_observation_std', 0.3, 'Position spread of an observation without covariance [m]'),
    ParameterSpec('association_gate', 0.6, 'Visual observation -> object gate, plus 3 sigma of the observation [m]'),
    ParameterSpec('moving_threshold', 0.5, 'Displacement that marks an object as moving [m]'),
    ParameterSpec('dbscan_eps', 0.35, 'DBSCAN neighbourhood radius for static objects [m]'),
    ParameterSpec('accel_std', 1.0, 'Constant-velocity Kalman process noise [m/s^2]'),
    ParameterSpec('trajectory_period', 0.2, 'Trajectory sample spacing of moving objects [s]'),
    ParameterSpec('audio_gate', 0.21, 'Bearing -> object angular gate [rad]'),
    ParameterSpec('observation_max_age', 120.0,
                  'Raw points of moving objects older than this are baked into the trajectory [s]'),
    ParameterSpec('max_points_per_object', 256, 'Raw weighted points kept per object [points]'),
    ParameterSpec('max_trajectory_points', 4000, 'Trajectory samples kept per object; older ones thinned [samples]'),
    ParameterSpec('max_body_path_points', 20000, 'Body path samples kept; older ones thinned [samples]'),
    ParameterSpec('ray_max_age', 60.0, 'Bearings not attributed to an object are forgotten after this [s]'),
    ParameterSpec('max_objects', 2000, 'Objects kept at most [objects]'),
    ParameterSpec('max_events', 5000, 'Newest hearing events kept [events]'),
    ParameterSpec('body_path_period', 0.2, 'Body path sample spacing [s]'),
    ParameterSpec('snapshot_weight', 0.3, 'Weight of an AV-LLM key frame relative to one visual observation [1]'),
    ParameterSpec('seed', 0, 'Seed of the triangulation RANSAC [1]'),
]

PUBLISH_CPU_SHARE = 0.2  # most of the node's time spent converting and publishing the map
INPUT_QOS = QoSProfile(depth=200, reliability=ReliabilityPolicy.BEST_EFFORT, history=HistoryPolicy.KEEP_LAST)
EVENT_QOS = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST)
LATCHED_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.TRANSIENT_LOCAL, history=HistoryPolicy.KEEP_LAST)


@dataclass
class WaitingInput:
    kind: str
    apply: Callable[[], None]  # looks TF up (may raise TransformError), then ingests
    deadline: float            # [s] time.monotonic()


class MapNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__(kwargs.pop('node_name', 'savvy_map'), **kwargs)
        self.store: MapStore | None = None  # set first: rclpy may destroy a half-built node
        self.params = declare_parameters(self, PARAMETERS)
        p = self.params
        for name in ('publish_period', 'min_publish_interval', 'save_period', 'body_path_period', 'tf_cache_time'):
            if not p[name] > 0.0:
                raise ValueError(f'parameter {name} must be > 0 s, got {p[name]}')
        if not p['tf_wait'] >= 0.0:
            raise ValueError(f"parameter tf_wait must be >= 0 s, got {p['tf_wait']}")
        self.world, self.body = p['world_frame'], p['body_frame']
        self.model = GlobalMapModel(MapConfig.from_mapping(p), self.world, self.body)
        self.store = self._open_store(p['store_path'])
        self.tf = create_transform_lookup(self, p['tf_cache_time'], p['tf_backend'])
        self.waiting: deque[WaitingInput] = deque()
        self.map_pub = self.create_publisher(GlobalMap, '/savvy/map', LATCHED_QOS)
        self.marker_pub = self.create_publisher(MarkerArray, '/savvy/markers', LATCHED_QOS)
        for msg_type, topic, callback, qos in ((ObjectObservationArray, '/savvy/objects', self._on_objects, INPUT_QOS),
                                               (AudioBearingArray, '/savvy/bearings', self._on_bearings, INPUT_QOS),
                                               (AudioEventArray, '/savvy/events', self._on_events, EVENT_QOS),
                                               (SnapshotDescriptor, '/savvy/snapshots', self._on_snapshot, EVENT_QOS)):
            create_acked_subscription(self, msg_type, topic, callback, qos)  # paces flow-controlled replay
        self._logged_drops: set[str] = set()
        self._published_revision = -1
        self._publish_cost = 0.0  # [s] wall time the last publication took
        self._last_publish = 0.0
        self.create_timer(0.05, self._retry_waiting)
        self.create_timer(p['min_publish_interval'], self._maybe_publish)
        self.create_timer(p['body_path_period'], self._record_latest_body_pose)
        if self.store is not None:
            self.create_timer(p['save_period'], self._save)
        self.get_logger().info(f'map in {self.world!r}, body {self.body!r}; TF backend: {self.tf.backend}')

    def _open_store(self, path: str) -> MapStore | None:
        if not path:
            return None
        store = None
        try:
            store = MapStore(Path(path).expanduser())
            restored = store.load(self.model)
        except MapStoreError as exc:  # refuse to start rather than overwrite someone's map
            if store is not None:
                store.close()
            raise ValueError(f'store_path: {exc} (move it away or choose another store_path)') from exc
        if restored:
            self.get_logger().info(f'restored {len(self.model.objects)} objects and {len(self.model.events)} '
                                   f'events from {path}')
        return store

    # -- bad input: counted, logged once per kind, dropped ---------------------------------

    def _drop(self, kind: str, detail: str = '', n: int = 1) -> None:
        self.model.drops.add(kind, n)
        self._log_new_drops({kind: detail})

    def _log_new_drops(self, details: dict[str, str] | None = None) -> None:
        """Once per kind (the model counts its own drops too); then a throttled running total."""
        for kind in self.model.drops.counts.keys() - self._logged_drops:
            detail = (details or {}).get(kind, '')
            self.get_logger().warning(f'dropping input ({kind}){": " + detail if detail else ""}; '
                                      'further drops of this kind are only counted')
            self._logged_drops.add(kind)
        if self.model.drops.counts:
            self.get_logger().info(f'dropped inputs so far: {self.model.drops.counts}', throttle_duration_sec=30.0)

    # -- inputs ----------------------------------------------------------------------------

    def _enqueue(self, kind: str, apply: Callable[[], None]) -> None:
        self.waiting.append(WaitingInput(kind, apply, time.monotonic() + self.params['tf_wait']))
        if len(self.waiting) > self.params['max_waiting']:
            self._drop('waiting queue full', self.waiting.popleft().kind)
        self._retry_waiting()

    def _retry_waiting(self) -> None:
        now = time.monotonic()
        still = deque()
        for item in self.waiting:
            try:
                item.apply()
            except ExtrapolationError as exc:
                if not exc.into_future:
                    self._drop('TF too old', str(exc))
                elif now > item.deadline:
                    self._drop('TF late', str(exc))
                else:
                    still.append(item)
            except TransformError as exc:
                if now > item.deadline:
                    self._drop('TF missing', str(exc))
                else:
                    still.append(item)
            except (InvalidObservationError, ValueError, AttributeError, TypeError) as exc:
                self._drop(f'malformed {item.kind}', str(exc))
        self.waiting = still
        self._log_new_drops()

    def _record_body_pose(self, t: float | None) -> None:
        try:
            pose = self.tf.lookup_transform(self.world, self.body, t)
        except TransformError:
            return
        stamp = t if t is not None else self._latest_tf_time()
        if stamp is not None:
            self.model.add_body_pose(stamp, pose.translation, pose.yaw())

    def _latest_tf_time(self) -> float | None:
        buffer = getattr(self.tf, 'buffer', None)
        latest = getattr(buffer, 'latest_common_time', None)
        if latest is None:
            return None
        try:
            return latest(self.world, self.body) or None
        except TransformError:
            return None

    def _record_latest_body_pose(self) -> None:
        self._record_body_pose(None)

    def _enqueue_at_stamp(self, kind: str, msg, ingest: Callable[[Transform], None]) -> None:
        """Ingest `msg` with the world <- sensor transform at its capture stamp, when TF has it."""
        stamp = stamp_to_seconds(msg.header.stamp)
        if stamp <= 0.0:  # TF would read 0 as "latest": an unstamped input has no place in time
            self._drop(f'unstamped {kind}', f'header.stamp is zero (frame {msg.header.frame_id!r})')
            return

        def apply() -> None:
            ingest(self.tf.lookup_transform(self.world, msg.header.frame_id, stamp))
            self._record_body_pose(stamp)
        self._enqueue(kind, apply)

    def _on_objects(self, msg: ObjectObservationArray) -> None:
        std = self.params['default_observation_std']
        self._enqueue_at_stamp('objects', msg, lambda tf: self.model.ingest_visual(observations_to_batch(msg, tf, std)))

    def _on_bearings(self, msg: AudioBearingArray) -> None:
        if msg.active and msg.bearings:
            self._enqueue_at_stamp('bearings', msg, lambda tf: self.model.ingest_bearings(bearings_to_batch(msg, tf)))

    def _on_events(self, msg: AudioEventArray) -> None:
        def apply() -> None:
            heard = []
            for event in msg.events:
                transform = None
                if event.has_bearing:
                    frame = event.bearing_frame_id or msg.header.frame_id
                    mid = 0.5 * (stamp_to_seconds(event.start) + stamp_to_seconds(event.end))
                    transform = self.tf.lookup_transform(self.world, frame, mid) if mid > 0.0 else None
                heard.append(event_to_heard(event, transform))
            for event in heard:  # all lookups done: a retry never ingests twice; the model counts bad ones
                self.model.ingest_event(event)
        self._enqueue('events', apply)

    def _on_snapshot(self, msg: SnapshotDescriptor) -> None:
        frames = [(obj, keyframe) for obj in msg.objects for keyframe in obj.keyframes]
        if any(stamp_to_seconds(keyframe.stamp) <= 0.0 for _, keyframe in frames):
            self._drop('unstamped key frame', f'snapshot for {msg.question!r}')
            frames = [(obj, keyframe) for obj, keyframe in frames if stamp_to_seconds(keyframe.stamp) > 0.0]

        def apply() -> None:
            candidates = [keyframe_to_candidate(obj, keyframe, self.tf.lookup_transform(
                self.world, msg.header.frame_id, stamp_to_seconds(keyframe.stamp))) for obj, keyframe in frames]
            for candidate in candidates:  # all lookups done: a retry never ingests twice
                if candidate is None:
                    self._drop('incomplete key frame', 'distance or azimuth is NaN')
                else:
                    self.model.ingest_snapshot(candidate)
        self._enqueue('snapshot', apply)

    # -- outputs ---------------------------------------------------------------------------

    def _maybe_publish(self) -> None:
        try:
            self._publish_if_due()
        except Exception as exc:  # noqa: BLE001 - an estimation bug must not kill the node and its map
            self.get_logger().error(f'map update failed, map kept as it was: {exc!r}', throttle_duration_sec=10.0)

    def _publish_if_due(self) -> None:
        now = time.monotonic()
        since = now - self._last_publish
        # On change, but spending at most PUBLISH_CPU_SHARE of the time on building messages: an
        # hour-long map (body path, trajectories) takes a few tenths of a second to convert.
        if since < self._publish_cost / PUBLISH_CPU_SHARE:
            return
        # A full update (merging, triangulation, event links) at least every publish_period of
        # wall time, or every second of data; cheap views in between.
        view = self.model.view(full=since >= self.params['publish_period'])
        if view.revision == self._published_revision and since < self.params['publish_period']:
            return
        began = time.monotonic()
        self.map_pub.publish(map_view_to_global_map(view))
        self.marker_pub.publish(map_view_to_markers(view, list(self.model.recent_rays)))
        self._publish_cost = time.monotonic() - began
        self._published_revision, self._last_publish = view.revision, now

    def _save(self) -> None:
        try:
            self.model.update()
        except Exception as exc:  # noqa: BLE001 - save what there is even if estimation failed
            self.get_logger().error(f'map update before saving failed: {exc!r}', throttle_duration_sec=10.0)
        try:
            self.store.save(self.model)
        except sqlite3.Error as exc:
            self.get_logger().error(f"saving the map to {self.params['store_path']} failed: {exc}",
                                    throttle_duration_sec=10.0)

    def destroy_node(self) -> None:
        if self.store is not None:
            self._save()
            self.store.close()
            self.store = None
        super().destroy_node()


NODE_CLASS = MapNode


def main(args: list[str] | None = None) -> int:
    return run_node(MapNode, args)


if __name__ == '__main__':
    raise SystemExit(main())
