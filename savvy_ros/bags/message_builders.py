"""Build rosbags message dataclasses for the common cases (stamps, headers, TF) from plain numbers."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from rosbags.typesys.store import Typestore

from savvy_ros.bags.typestore import savvy_typestore

NANOS_PER_SECOND = 1_000_000_000


def seconds_to_ns(seconds: float) -> int:
    """Nearest nanosecond; the one place converters turn float seconds into bag time."""
    if not np.isfinite(seconds) or seconds < 0:
        raise ValueError(f'cannot express {seconds!r} s as a ROS time (must be finite and >= 0)')
    return int(round(seconds * NANOS_PER_SECOND))


class MessageBuilder:
    """Makes messages of one type store (default: savvy_typestore())."""

    def __init__(self, typestore: Typestore | None = None) -> None:
        self.store = typestore or savvy_typestore()
        self.types = self.store.types

    def make(self, msgtype: str, **fields: Any) -> Any:
        return self.types[msgtype](**fields)

    def time(self, stamp_ns: int) -> Any:
        return self.types['builtin_interfaces/msg/Time'](sec=stamp_ns // NANOS_PER_SECOND,
                                                         nanosec=stamp_ns % NANOS_PER_SECOND)

    def duration(self, length_ns: int) -> Any:
        return self.types['builtin_interfaces/msg/Duration'](sec=length_ns // NANOS_PER_SECOND,
                                                             nanosec=length_ns % NANOS_PER_SECOND)

    def header(self, stamp_ns: int, frame_id: str) -> Any:
        return self.types['std_msgs/msg/Header'](stamp=self.time(stamp_ns), frame_id=frame_id)

    def vector3(self, xyz: Sequence[float]) -> Any:
        return self.types['geometry_msgs/msg/Vector3'](x=float(xyz[0]), y=float(xyz[1]), z=float(xyz[2]))

    def transform(self, stamp_ns: int, parent: str, child: str, translation: Sequence[float],
                  quaternion_xyzw: Sequence[float]) -> Any:
        """geometry_msgs/TransformStamped: pose of `child` in `parent` (REP 103 quaternion x, y, z, w)."""
        x, y, z, w = (float(v) for v in quaternion_xyzw)
        rotation = self.types['geometry_msgs/msg/Quaternion'](x=x, y=y, z=z, w=w)
        body = self.types['geometry_msgs/msg/Transform'](translation=self.vector3(translation), rotation=rotation)
        return self.types['geometry_msgs/msg/TransformStamped'](header=self.header(stamp_ns, parent),
                                                                child_frame_id=child, transform=body)

    def tf_message(self, transforms: list[Any]) -> Any:
        return self.types['tf2_msgs/msg/TFMessage'](transforms=transforms)

    def clock(self, stamp_ns: int) -> Any:
        return self.types['rosgraph_msgs/msg/Clock'](clock=self.time(stamp_ns))
