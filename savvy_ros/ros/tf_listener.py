"""TF for the nodes: tf2_ros when this environment has it, else our TransformBuffer fed over DDS.

Both backends answer `lookup_transform(target, source, time)` with a `savvy_ros.tf.Transform`
(target_T_source) and raise the `savvy_ros.tf` errors, so node code does not care which runs.
The ROS 2 PyPI wheels have no tf2_ros, so there the project's own buffer subscribes to /tf and
/tf_static (tf2_msgs/TFMessage, same QoS as tf2_ros) itself.
"""
from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from savvy_ros.ros.time_conversion import clock_seconds, stamp_to_seconds
from savvy_ros.tf import (ConnectivityError, ExtrapolationError, InvalidTransformError, Transform,
                          TransformBuffer, TransformError)

# The QoS tf2_ros uses, so that our listener interoperates with any TF broadcaster.
TF_QOS = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.VOLATILE,
                    history=HistoryPolicy.KEEP_LAST)
TF_STATIC_QOS = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE,
                           durability=DurabilityPolicy.TRANSIENT_LOCAL, history=HistoryPolicy.KEEP_LAST)


class TransformLookup(Protocol):
    backend: str

    def lookup_transform(self, target_frame: str, source_frame: str, time: float | None = None) -> Transform: ...

    def can_transform(self, target_frame: str, source_frame: str, time: float | None = None) -> bool: ...

    def latest_time(self, target_frame: str, source_frame: str) -> float | None:
        """The newest time the chain can be looked up at; None when it cannot (or is static only)."""


def transform_stamped_to_args(msg) -> tuple[str, str, float, np.ndarray, np.ndarray]:
    """geometry_msgs/TransformStamped -> (parent, child, stamp_s, translation, quaternion_xyzw)."""
    t, q = msg.transform.translation, msg.transform.rotation
    return (msg.header.frame_id, msg.child_frame_id, stamp_to_seconds(msg.header.stamp),
            np.array([t.x, t.y, t.z]), np.array([q.x, q.y, q.z, q.w]))


class OwnTfListener:
    """Subscribes to /tf and /tf_static and feeds a `TransformBuffer`; bad transforms are counted."""

    backend = 'savvy_ros'

    def __init__(self, node: Node, buffer: TransformBuffer | None = None, *,
                 tf_topic: str = '/tf', tf_static_topic: str = '/tf_static') -> None:
        from tf2_msgs.msg import TFMessage  # built by `make setup` when the environment lacks it

        self.node = node
        self.buffer = buffer if buffer is not None else TransformBuffer()
        self.rejected = 0
        from savvy_ros.replay.acknowledgement import create_acked_subscription  # paces flow-controlled replay

        self._subscriptions = [
            create_acked_subscription(node, TFMessage, tf_topic, lambda m: self._on_message(m, False), TF_QOS),
            create_acked_subscription(node, TFMessage, tf_static_topic, lambda m: self._on_message(m, True),
                                      TF_STATIC_QOS),
        ]

    def _now(self) -> float:
        return clock_seconds(self.node)

    def _on_message(self, msg, static: bool) -> None:
        # A clock that jumped back (bag loop) invalidates the dynamic history.
        if self.buffer.notify_time(self._now()):
            self.node.get_logger().warning('time jumped backwards: TF history cleared')
        for transform in msg.transforms:
            try:
                parent, child, stamp, translation, rotation = transform_stamped_to_args(transform)
                self.buffer.set_transform(parent, child, stamp, translation, rotation, static=static)
            except (InvalidTransformError, ValueError) as exc:
                self.rejected += 1
                self.node.get_logger().warning(f'dropped a transform ({self.rejected} so far): {exc}',
                                               throttle_duration_sec=5.0)

    def lookup_transform(self, target_frame: str, source_frame: str, time: float | None = None) -> Transform:
        self.buffer.notify_time(self._now())
        return self.buffer.lookup_transform(target_frame, source_frame, time)

    def can_transform(self, target_frame: str, source_frame: str, time: float | None = None) -> bool:
        return self.buffer.can_transform(target_frame, source_frame, time)

    def latest_time(self, target_frame: str, source_frame: str) -> float | None:
        try:
            latest = self.buffer.latest_common_time(target_frame, source_frame)
        except TransformError:
            return None
        return latest if latest > 0.0 else None


class Tf2RosLookup:
    """tf2_ros.Buffer + TransformListener behind the same interface (full ROS installs)."""

    backend = 'tf2_ros'

    def __init__(self, node: Node, cache_time: float) -> None:
        import tf2_ros
        from rclpy.duration import Duration

        self._tf2_ros = tf2_ros
        self.node = node
        self.buffer = tf2_ros.Buffer(cache_time=Duration(seconds=cache_time))
        self._listener = tf2_ros.TransformListener(self.buffer, node)

    def lookup_transform(self, target_frame: str, source_frame: str, time: float | None = None) -> Transform:
        from rclpy.time import Time

        tf2 = self._tf2_ros
        when = Time() if time is None or time == 0.0 else Time(nanoseconds=int(round(time * 1e9)))
        try:
            msg = self.buffer.lookup_transform(target_frame, source_frame, when)
        except tf2.ExtrapolationException as exc:
            raise ExtrapolationError(parent=target_frame, child=source_frame,
                                     requested=time if time is not None else math.nan,
                                     earliest=math.nan, latest=math.nan,
                                     target_frame=target_frame, source_frame=source_frame) from exc
        except tf2.ConnectivityException as exc:
            raise ConnectivityError(target_frame, source_frame) from exc
        except tf2.TransformException as exc:  # LookupException and the rest
            raise TransformError(f'tf2_ros: {exc}') from exc
        _, _, _, translation, rotation = transform_stamped_to_args(msg)
        return Transform(translation, rotation)

    def latest_time(self, target_frame: str, source_frame: str) -> float | None:
        from rclpy.time import Time

        try:
            msg = self.buffer.lookup_transform(target_frame, source_frame, Time())
        except self._tf2_ros.TransformException:
            return None
        latest = stamp_to_seconds(msg.header.stamp)
        return latest if latest > 0.0 else None

    def can_transform(self, target_frame: str, source_frame: str, time: float | None = None) -> bool:
        try:
            self.lookup_transform(target_frame, source_frame, time)
            return True
        except TransformError:
            return False


def tf2_ros_available() -> bool:
    try:
        import tf2_ros  # noqa: F401
    except ImportError:
        return False
    return True


def create_transform_lookup(node: Node, cache_time: float = 10.0, backend: str = 'auto') -> TransformLookup:
    """`backend`: 'auto' (tf2_ros when importable), 'tf2_ros' or 'savvy_ros'."""
    if backend not in ('auto', 'tf2_ros', 'savvy_ros'):
        raise ValueError(f"tf backend must be 'auto', 'tf2_ros' or 'savvy_ros', not {backend!r}")
    if backend == 'tf2_ros' or (backend == 'auto' and tf2_ros_available()):
        return Tf2RosLookup(node, cache_time)
    return OwnTfListener(node, TransformBuffer(cache_time=cache_time))
