"""Which rclpy executor spins a savvy_ros node (and the bag player's acknowledgements).

'events' is rclpy's EventsExecutor (rclpy.experimental, C++): the middleware's events queue
callbacks as they come, and no wait set is rebuilt in Python for every message. On a replay as
fast as possible, where every message is also acknowledged, the Python SingleThreadedExecutor's
wait-set bookkeeping was a fifth of the map node's CPU time and most of the player's: the demo
graph took 0.34 CPU-s per bag second with it and 0.30 with this one (bench/README.md). Timers on
the ROS clock follow /clock under use_sim_time (the executor listens for the clock's jumps).
'single_threaded' is rclpy's default executor, kept for an rclpy without EventsExecutor (older
distributions fall back to it with a warning) and for comparison.
"""
from __future__ import annotations

import warnings

from rclpy.context import Context
from rclpy.executors import Executor, SingleThreadedExecutor
from rclpy.node import Node
from rcl_interfaces.msg import ParameterDescriptor

EXECUTOR_KINDS = ('events', 'single_threaded')
DEFAULT_EXECUTOR = 'events'
EXECUTOR_PARAMETER = 'executor'


class EventsExecutorUnavailable(UserWarning):
    """This rclpy has no rclpy.experimental.EventsExecutor; the SingleThreadedExecutor spins instead."""


def events_executor_available() -> bool:
    try:
        from rclpy.experimental import EventsExecutor  # noqa: F401
    except ImportError:
        return False
    return True


def create_executor(context: Context, kind: str = DEFAULT_EXECUTOR) -> Executor:
    """An executor of `kind` (EXECUTOR_KINDS) on `context`; ValueError names an unknown kind."""
    if kind not in EXECUTOR_KINDS:
        raise ValueError(f'executor must be one of {", ".join(EXECUTOR_KINDS)}, got {kind!r}')
    if kind == 'events':
        try:
            from rclpy.experimental import EventsExecutor
        except ImportError:
            warnings.warn('this rclpy has no EventsExecutor (rclpy.experimental): spinning with the '
                          'SingleThreadedExecutor', EventsExecutorUnavailable, stacklevel=2)
        else:
            return EventsExecutor(context=context)
    return SingleThreadedExecutor(context=context)


def node_executor_kind(node: Node) -> str:
    """The node's `executor` parameter (declared here when the node did not: one for every node
    executable, set for all of them by `/**` in config/savvy.yaml)."""
    if not node.has_parameter(EXECUTOR_PARAMETER):
        node.declare_parameter(EXECUTOR_PARAMETER, DEFAULT_EXECUTOR, ParameterDescriptor(
            description=f'rclpy executor spinning this node: {" | ".join(EXECUTOR_KINDS)} '
                        '(events = rclpy.experimental.EventsExecutor, less CPU per message)', read_only=True))
    kind = node.get_parameter(EXECUTOR_PARAMETER).value
    if kind not in EXECUTOR_KINDS:
        raise ValueError(f'parameter {EXECUTOR_PARAMETER} must be one of {", ".join(EXECUTOR_KINDS)}, got {kind!r}')
    return kind
