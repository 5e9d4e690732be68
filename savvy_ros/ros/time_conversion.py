"""Conversions between ROS time messages and float seconds (the algorithms' time unit)."""
from __future__ import annotations

import math

from builtin_interfaces.msg import Duration, Time

NANOS_PER_SECOND = 1_000_000_000


def stamp_to_seconds(stamp: Time) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def seconds_to_stamp(seconds: float) -> Time:
    """Round to the nearest nanosecond; negative or non-finite times are rejected."""
    if not math.isfinite(seconds) or seconds < 0.0:
        raise ValueError(f'cannot express {seconds!r} s as a ROS time (must be finite and >= 0)')
    total = round(seconds * NANOS_PER_SECOND)
    return Time(sec=total // NANOS_PER_SECOND, nanosec=total % NANOS_PER_SECOND)


def duration_to_seconds(duration: Duration) -> float:
    return duration.sec + duration.nanosec * 1e-9


def seconds_to_duration(seconds: float) -> Duration:
    if not math.isfinite(seconds):
        raise ValueError(f'cannot express {seconds!r} s as a ROS duration')
    total = round(seconds * NANOS_PER_SECOND)
    return Duration(sec=total // NANOS_PER_SECOND, nanosec=total % NANOS_PER_SECOND)


def clock_seconds(node) -> float:
    """The node's clock (ROS time: /clock under use_sim_time) in float seconds."""
    return node.get_clock().now().nanoseconds * 1e-9
