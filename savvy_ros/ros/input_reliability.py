"""The `input_reliability` parameter of nodes whose inputs may come from any publisher (the vision node's
camera, the map's objects and bearings): best effort matches every publisher on a live rig, reliable
loses nothing to a reader that falls behind (replays)."""
from __future__ import annotations

from rclpy.qos import ReliabilityPolicy

INPUT_RELIABILITY = {'best_effort': ReliabilityPolicy.BEST_EFFORT, 'reliable': ReliabilityPolicy.RELIABLE}


def input_reliability(value: str) -> ReliabilityPolicy:
    """The policy a parameter value names; ValueError naming the choices otherwise."""
    if value not in INPUT_RELIABILITY:
        raise ValueError(f"parameter input_reliability must be one of {', '.join(INPUT_RELIABILITY)}, got {value!r}")
    return INPUT_RELIABILITY[value]
