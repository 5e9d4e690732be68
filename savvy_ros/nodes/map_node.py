"""Map node (SAVVY stage 2): egocentric observations + TF in, the dynamic global map out.

Inputs are ingested in stamp order, not in arrival order (the stage-1 nodes are separate
processes, so arrival order is chance): each is held until the node's clock (the bag's /clock in
replay) has passed its stamp by `reorder_delay`, then moved into the world frame with TF at its
stamp and ingested (savvy_ros/mapping/input_order.py). The model's estimation (pruning, merging,
triangulation, event linking) runs at every MAINTENANCE_PERIOD of data time from the ingestion
itself, and the map published is the one built there: the map, and the answers computed from it,
are the same whatever the arrival timing or replay rate. Hearing events come out seconds after the
sound (they wait for the end of a segment, bearings and ASR): they take their turn `event_delay`
after their end, a place that does not depend on when they came out; their links to objects are
(re)computed at the maintenance points (savvy_ros/mapping/event_linking.py).

When no input came for `idle_flush` s (the end of a replay, a pause of a live rig) the complete
map is published: built on a copy of the model with every held input ingested and a full update,
so that a pause changes nothing of what comes after it.

An input whose TF has not arrived when its turn comes waits up to `tf_wait` seconds (wall time),
out of order, then is counted and dropped. The map is saved to SQLite every `save_period` s and
on shutdown, and restored on start: a crash loses at most one save period of data.
"""
from __future__ import annotations

import copy
import math
import sqlite3
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from visualization_msgs.msg import MarkerArray

from savvy_ros.cpu_priority import check_niceness
from savvy_ros.cpu_threads import thread_count
from savvy_ros.mapping.config import MapConfig
from savvy_ros.mapping.input_order import GridTick, InputOrder
from savvy_ros.mapping.map_model import GlobalMapModel
from savvy_ros.mapping.map_view import MapView
from savvy_ros.mapping.observations import InvalidObservationError
from savvy_ros.mapping.store import MapStore, MapStoreError
from savvy_ros.msg import AudioBearingArray, AudioEventArray, GlobalMap, ObjectObservationArray, SnapshotDescriptor
from savvy_ros.replay.acknowledgement import create_acked_subscription
from savvy_ros.ros.input_reliability import input_reliability
from savvy_ros.ros.map_messages import (bearings_to_batch, event_to_heard, keyframe_to_candidate,
                                        map_view_to_global_map, map_view_to_markers, observations_to_batch)
from savvy_ros.ros.node_main import NICENESS_PARAMETER, run_node
from savvy_ros.ros.parameters import ParameterSpec, declare_parameters
from savvy_ros.ros.tf_listener import create_transform_lookup
from savvy_ros.ros.time_conversion import clock_seconds, stamp_to_seconds
from savvy_ros.tf import ExtrapolationError, Transform, TransformError

PARAMETERS = [
    ParameterSpec('world_frame', 'map', 'World frame of the map (REP 105)'),
    ParameterSpec('input_reliability', 'best_effort',
                  "QoS of the objects and bearings inputs: 'best_effort' (matches any publisher) or 'reliable' "
                  '(none lost when the node falls behind; needs reliable publishers, as the vision and DoA nodes '
                  'are; replays by savvy-ros eval use it)'),
    ParameterSpec('body_frame', 'head', 'Body frame of the wearer or robot; its path is recorded in the map'),
    ParameterSpec('tf_backend', 'auto', "TF implementation: 'auto' (tf2_ros when importable), 'tf2_ros', 'savvy_ros'"),
    ParameterSpec('tf_cache_time', 30.0, 'How much TF history to keep [s]'),
    ParameterSpec('tf_wait', 0.5, 'How long an input waits for late TF before it is counted and dropped [s, wall]'),
    ParameterSpec('reorder_delay', 0.5,
                  'Inputs are held until the clock (/clock in replay) is this far past their stamp, then ingested '
                  'in stamp order, so the map does not depend on arrival timing or replay rate; an input later '
                  'than this is ingested out of order and counted (`savvy-ros eval` replays hold 2 s) [s]'),
    ParameterSpec('event_delay', 2.0,
                  'Hearing events take their turn this much data time after their end (or at their stamp if '
                  'later): a place in the order that does not depend on when the hearing node let them out [s]'),
    ParameterSpec('idle_flush', 1.0,
                  'With no input for this long (end of a replay, a pause) the complete map is published: held '
                  'inputs ingested and all estimation run, on a copy of the model [s, wall]'),
    ParameterSpec('max_waiting', 1000,
                  'Inputs held for ordering, and inputs waiting for TF, at most (each); beyond, the oldest held '
                  'input is ingested early, the oldest waiting one dropped [messages]'),
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
    ParameterSpec('body_path_period', 0.2, 'Body path sample spacing: TF is sampled every this much data time [s]'),
    ParameterSpec('snapshot_weight', 0.3, 'Weight of an AV-LLM key frame relative to one visual observation [1]'),
    ParameterSpec('seed', 0, 'Seed of the triangulation RANSAC [1]'),
    ParameterSpec('num_threads', 1, 'BLAS / OpenMP threads of the process (DBSCAN, least squares on a few '
                  'hundred points) [count]; 0 = the libraries\' default (every core, idle threads spinning)'),
    NICENESS_PARAMETER,
]

PUBLISH_CPU_SHARE = 0.2  # most of the node's time spent converting and publishing the map
MARKER_RAYS = 60         # newest bearing rays drawn as markers
# Objects and bearings (input_reliability): in a replay reliable, as the player does not wait for these, so a
# sample dropped in transport would change the map.
INPUT_DEPTH = 200
EVENT_QOS = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST)
LATCHED_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                         durability=DurabilityPolicy.TRANSIENT_LOCAL, history=HistoryPolicy.KEEP_LAST)
BODY_POSE = 'body pose'  # grid ticks: the wearer's pose sampled from TF (not an input: never counted as dropped)
SKIPPED_IN_PREVIEW = (TransformError, InvalidObservationError, ValueError, AttributeError, TypeError)

Ingest = Callable[[GlobalMapModel], None]  # looks TF up (may raise TransformError), then ingests into the model


@dataclass
class WaitingInput:
    kind: str
    apply: Ingest
    deadline: float            # [s] time.monotonic()


class MapNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__(kwargs.pop('node_name', 'savvy_map'), **kwargs)
        self.store: MapStore | None = None  # set first: rclpy may destroy a half-built node
        self.params = declare_parameters(self, PARAMETERS)
        p = self.params
        self.process_threads = thread_count(p['num_threads'], 'num_threads')  # run_node applies it
        self.process_niceness = check_niceness(p['niceness'])  # run_node applies it
        for name in ('publish_period', 'min_publish_interval', 'save_period', 'body_path_period', 'tf_cache_time',
                     'idle_flush'):
            if not p[name] > 0.0:
                raise ValueError(f'parameter {name} must be > 0 s, got {p[name]}')
        for name in ('tf_wait', 'reorder_delay', 'event_delay'):
            if not (math.isfinite(p[name]) and p[name] >= 0.0):
                raise ValueError(f'parameter {name} must be >= 0 s, got {p[name]}')
        if p['max_waiting'] < 1:
            raise ValueError(f"parameter max_waiting must be >= 1, got {p['max_waiting']}")
        input_qos = QoSProfile(depth=INPUT_DEPTH, reliability=input_reliability(p['input_reliability']),
                               history=HistoryPolicy.KEEP_LAST)
        self.world, self.body = p['world_frame'], p['body_frame']
        self.model = GlobalMapModel(MapConfig.from_mapping(p), self.world, self.body)
        self.store = self._open_store(p['store_path'])
        self.tf = create_transform_lookup(self, p['tf_cache_time'], p['tf_backend'])
        self.order: InputOrder[Ingest] = InputOrder(p['reorder_delay'], p['max_waiting'], p['body_path_period'],
                                                    p['tf_cache_time'])
        self.waiting: deque[WaitingInput] = deque()
        self.map_pub = self.create_publisher(GlobalMap, '/savvy/map', LATCHED_QOS)
        self.marker_pub = self.create_publisher(MarkerArray, '/savvy/markers', LATCHED_QOS)
        for msg_type, topic, callback, qos in ((ObjectObservationArray, '/savvy/objects', self._on_objects, input_qos),
                                               (AudioBearingArray, '/savvy/bearings', self._on_bearings, input_qos),
                                               (AudioEventArray, '/savvy/events', self._on_events, EVENT_QOS),
                                               (SnapshotDescriptor, '/savvy/snapshots', self._on_snapshot, EVENT_QOS)):
            create_acked_subscription(self, msg_type, topic, callback, qos)  # paces flow-controlled replay
        self._logged_drops: set[str] = set()
        self._last_input = time.monotonic()   # [s, wall] of the last input's arrival
        self._complete_due = bool(self.model.objects or self.model.events)  # restored: publish it complete
        self._view = self._build_view(self.model)
        self._published_revision = -1
        self._publish_cost = 0.0  # [s] wall time the last publication took
        self._last_publish = 0.0
        # Wall-clock timers: under use_sim_time a ROS timer stops with /clock, and the end of a replay
        # (the clock stands still) is exactly when the held inputs must be flushed and the map published.
        wall = Clock(clock_type=ClockType.STEADY_TIME)
        self.create_timer(0.05, self._tick, clock=wall)
        self.create_timer(p['min_publish_interval'], self._maybe_publish, clock=wall)
        if self.store is not None:
            self.create_timer(p['save_period'], self._save, clock=wall)
        self.get_logger().info(f'map in {self.world!r}, body {self.body!r}; TF backend: {self.tf.backend}; '
                               f"inputs ingested in stamp order {p['reorder_delay']:g} s after their stamp")

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

    def _drop(self, kind: str, detail: str = '', model: GlobalMapModel | None = None) -> None:
        if model is None or model is self.model:  # a preview's drops are counted when the input's turn comes
            self.model.drops.add(kind)
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

    # -- inputs: held, then ingested in stamp order ----------------------------------------

    def _hold(self, stream: str, stamp: float, apply: Ingest) -> None:
        self._last_input = time.monotonic()
        self._complete_due = True
        released = self.order.released_stamp
        if not self.order.push(stream, stamp, apply):
            self.get_logger().warning(
                f'a {stream} input stamped {stamp:.3f} arrived after later inputs were ingested (up to '
                f'{released:.3f}; the clock at {clock_seconds(self):.3f}, reorder_delay = '
                f"{self.params['reorder_delay']:g} s): ingested out of order, so this run may not repeat "
                'exactly; later ones are only counted', once=True)
            self.get_logger().info(f'inputs ingested out of order so far: {self.order.late}',
                                   throttle_duration_sec=30.0)
        self._advance()

    def _advance(self, flush: bool = False) -> None:
        """Ingest what is due: inputs the clock is `reorder_delay` past, and the body path ticks between them."""
        self._retry_waiting()
        now = math.inf if flush else clock_seconds(self)
        overflowed = self.order.overflowed
        # The body path grid moves on with the newest body pose even when no stage-1 input comes
        # (a rig with TF and snapshots only).
        grid_until = self.tf.latest_time(self.world, self.body)
        for step in self.order.release(now, flush, grid_until):
            if isinstance(step, GridTick):
                self._ingest(step.stamp, BODY_POSE, self._body_pose_at(step.stamp))
            else:
                self._ingest(step.stamp, step.stream, step.item)
        if self.order.overflowed > overflowed:
            self.get_logger().warning(
                f"more than max_waiting = {self.params['max_waiting']} inputs held for ordering: the oldest are "
                f'ingested before their time (the clock, {now:.3f} s, is far behind their stamps?)',
                throttle_duration_sec=30.0)
        self._log_new_drops()

    def _ingest(self, stamp: float, kind: str, apply: Ingest) -> None:
        try:
            if self.model.maintain(stamp):  # every MAINTENANCE_PERIOD of data: estimation, then the map to publish
                self._view = self._build_view(self.model)
        except Exception as exc:  # noqa: BLE001 - an estimation bug must not kill the node and its map
            self.get_logger().error(f'map update failed, map kept as it was: {exc!r}', throttle_duration_sec=10.0)
        item = WaitingInput(kind, apply, time.monotonic() + self.params['tf_wait'])
        if not self._attempt(item, time.monotonic()):
            self.waiting.append(item)
            if len(self.waiting) > self.params['max_waiting']:
                dropped = self.waiting.popleft()
                if dropped.kind != BODY_POSE:
                    self._drop('waiting queue full', dropped.kind)

    def _attempt(self, item: WaitingInput, now: float) -> bool:
        """Apply `item` to the model; False when it must go on waiting for TF."""
        try:
            item.apply(self.model)
        except ExtrapolationError as exc:
            if exc.into_future and now <= item.deadline:
                return False
            if item.kind != BODY_POSE:
                self._drop('TF late' if exc.into_future else 'TF too old', str(exc))
        except TransformError as exc:
            if now <= item.deadline:
                return False
            if item.kind != BODY_POSE:
                self._drop('TF missing', str(exc))
        except (InvalidObservationError, ValueError, AttributeError, TypeError) as exc:
            self._drop(f'malformed {item.kind}', str(exc))
        return True

    def _retry_waiting(self) -> None:
        """Inputs whose TF was late when their turn came (live only: in replay TF is there by then)."""
        if self.waiting:
            now = time.monotonic()
            self.waiting = deque(item for item in self.waiting if not self._attempt(item, now))

    def _body_pose_at(self, t: float) -> Ingest:
        def apply(model: GlobalMapModel) -> None:
            try:
                pose = self.tf.lookup_transform(self.world, self.body, t)
            except ExtrapolationError as exc:
                if exc.into_future:
                    raise  # waits for TF like an input
                return
            except TransformError:
                return  # no body frame (yet): no sample at this tick
            model.add_body_pose(t, pose.translation, pose.yaw())
        return apply

    def _hold_at_stamp(self, stream: str, msg, ingest: Callable[[GlobalMapModel, Transform], None]) -> None:
        """Hold `msg`; its turn ingests it with the world <- sensor transform at its capture stamp."""
        stamp = stamp_to_seconds(msg.header.stamp)
        if stamp <= 0.0:  # TF would read 0 as "latest": an unstamped input has no place in time
            self._drop(f'unstamped {stream}', f'header.stamp is zero (frame {msg.header.frame_id!r})')
            return
        frame = msg.header.frame_id
        self._hold(stream, stamp, lambda model: ingest(model, self.tf.lookup_transform(self.world, frame, stamp)))

    def _on_objects(self, msg: ObjectObservationArray) -> None:
        std = self.params['default_observation_std']
        self._hold_at_stamp('objects', msg,
                            lambda model, tf: model.ingest_visual(observations_to_batch(msg, tf, std)))

    def _on_bearings(self, msg: AudioBearingArray) -> None:
        self._last_input = time.monotonic()  # inactive windows too: the audio is flowing
        if msg.active and msg.bearings:
            self._hold_at_stamp('bearings', msg, lambda model, tf: model.ingest_bearings(bearings_to_batch(msg, tf)))

    def _on_events(self, msg: AudioEventArray) -> None:
        # Events come out seconds after the sound (silence that ends a segment, bearings, ASR), stamped
        # with the hearing node's audio time then, which may differ by a chunk from run to run (it also
        # waits for the DoA's bearings). Their place in the order is `event_delay` after their end
        # instead, unless they were stamped later than that.
        end = max((stamp_to_seconds(e.end) for e in msg.events), default=0.0)
        stamp = max(stamp_to_seconds(msg.header.stamp), end + self.params['event_delay'] if end > 0.0 else 0.0)

        def apply(model: GlobalMapModel) -> None:
            heard = []
            for event in msg.events:
                transform = None
                if event.has_bearing:
                    frame = event.bearing_frame_id or msg.header.frame_id
                    mid = 0.5 * (stamp_to_seconds(event.start) + stamp_to_seconds(event.end))
                    transform = self.tf.lookup_transform(self.world, frame, mid) if mid > 0.0 else None
                heard.append(event_to_heard(event, transform))
            for event in heard:  # all lookups done: a retry never ingests twice; the model counts bad ones
                model.ingest_event(event)
        self._hold('events', stamp, apply)

    def _on_snapshot(self, msg: SnapshotDescriptor) -> None:
        frames = [(obj, keyframe) for obj in msg.objects for keyframe in obj.keyframes]
        if any(stamp_to_seconds(keyframe.stamp) <= 0.0 for _, keyframe in frames):
            self._drop('unstamped key frame', f'snapshot for {msg.question!r}')
            frames = [(obj, keyframe) for obj, keyframe in frames if stamp_to_seconds(keyframe.stamp) > 0.0]
        # An AV-LLM answers seconds after its clip (and when asked): taken in on arrival, at the newest
        # data time ingested, rather than counted as late.
        stamp = max(stamp_to_seconds(msg.header.stamp), self.order.released_stamp, 0.0)

        def apply(model: GlobalMapModel) -> None:
            candidates = [keyframe_to_candidate(obj, keyframe, self.tf.lookup_transform(
                self.world, msg.header.frame_id, stamp_to_seconds(keyframe.stamp))) for obj, keyframe in frames]
            for candidate in candidates:  # all lookups done: a retry never ingests twice
                if candidate is None:
                    self._drop('incomplete key frame', 'distance or azimuth is NaN', model)
                else:
                    model.ingest_snapshot(candidate)
        self._hold('snapshot', stamp, apply)

    def _tick(self) -> None:
        self._advance()
        if self._complete_due and time.monotonic() - self._last_input >= self.params['idle_flush']:
            self._complete_due = False
            try:
                self._view = self._complete_view()
            except Exception as exc:  # noqa: BLE001 - an estimation bug must not kill the node and its map
                self.get_logger().error(f'map update failed, map kept as it was: {exc!r}', throttle_duration_sec=10.0)

    # -- outputs ---------------------------------------------------------------------------

    def _build_view(self, model: GlobalMapModel) -> tuple[MapView, list[tuple[np.ndarray, np.ndarray]]]:
        """The map to publish, built where the model was just brought up to date (view() runs no
        estimation then, so building it changes nothing of the model's future)."""
        return model.view(full=False), model.heard.latest(MARKER_RAYS)

    def _complete_view(self) -> tuple[MapView, list[tuple[np.ndarray, np.ndarray]]]:
        """Everything held or waiting for TF ingested and a full update, on a copy of the model: the
        model itself is only ever changed in stamp order, at the same data times on every run."""
        model = copy.deepcopy(self.model)
        for item in self.waiting:
            try:
                item.apply(model)
            except SKIPPED_IN_PREVIEW:
                pass  # counted when the input's turn comes
        for step in self.order.preview():
            model.maintain(step.stamp)
            try:
                (self._body_pose_at(step.stamp) if isinstance(step, GridTick) else step.item)(model)
            except SKIPPED_IN_PREVIEW:
                pass
        model._changed = True  # a new revision, even when only the estimation is new
        view = model.view()
        self.model.revision = max(self.model.revision, view.revision)  # revisions only ever grow
        return view, model.heard.latest(MARKER_RAYS)

    def _maybe_publish(self) -> None:
        try:
            self._publish_if_due()
        except Exception as exc:  # noqa: BLE001 - a conversion bug must not kill the node and its map
            self.get_logger().error(f'map publication failed: {exc!r}', throttle_duration_sec=10.0)

    def _publish_if_due(self) -> None:
        now = time.monotonic()
        since = now - self._last_publish
        # On change, but spending at most PUBLISH_CPU_SHARE of the time on building messages: an
        # hour-long map (body path, trajectories) takes a few tenths of a second to convert.
        if since < self._publish_cost / PUBLISH_CPU_SHARE:
            return
        view, rays = self._view
        if view.revision == self._published_revision and since < self.params['publish_period']:
            return
        began = time.monotonic()
        self.map_pub.publish(map_view_to_global_map(view))
        self.marker_pub.publish(map_view_to_markers(view, rays))
        self._publish_cost = time.monotonic() - began
        self._published_revision, self._last_publish = view.revision, now

    def _save(self) -> None:
        """The model as it stands (no estimation here: it runs at data times only)."""
        try:
            self.store.save(self.model)
        except sqlite3.Error as exc:
            self.get_logger().error(f"saving the map to {self.params['store_path']} failed: {exc}",
                                    throttle_duration_sec=10.0)

    def destroy_node(self) -> None:
        if self.store is not None:
            try:
                self._advance(flush=True)  # nothing more comes: everything held, in order
                self.model.update()
            except Exception as exc:  # noqa: BLE001 - save what there is even if estimation failed
                self.get_logger().error(f'map update before saving failed: {exc!r}', throttle_duration_sec=10.0)
            self._save()
            self.store.close()
            self.store = None
        super().destroy_node()


NODE_CLASS = MapNode


def main(args: list[str] | None = None) -> int:
    return run_node(MapNode, args)


if __name__ == '__main__':
    raise SystemExit(main())
