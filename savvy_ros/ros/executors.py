"""Which rclpy executor spins a savvy_ros node: its read-only `executor` parameter.

'single_threaded' (the default) is rclpy's SingleThreadedExecutor. 'events' is rclpy's
EventsExecutor (rclpy.experimental, C++): the middleware's events queue callbacks as they come and
no wait set is rebuilt in Python for every message, which on a replay as fast as possible (every
message also acknowledged) is a fifth of the map node's CPU. The parameter's default stays
'single_threaded' (live rigs); replays choose it per node (config/replay.yaml, see
savvy_ros/replay/replay_params.py: events for the stream nodes; not for QA, because with every node and the
player on it one run of the bench's 33 graph runs twice lost the QA node's map subscription
(nothing of the latched /savvy/map ever reached it: "no map has been received" to every question)
and it could not be reproduced alone; it also installs its own SIGINT / SIGTERM handling and takes
no guard conditions (savvy_ros/ros/stop_signals.py is bypassed: a signal shuts the context down).
Timers on the ROS clock do follow /clock under use_sim_time with either (test/ros/test_executors.py).

The player (savvy_ros/replay/ros_playback.py) is not a node executable: its executor spins only its
two subscriptions of tiny acknowledgements, several hundred a second as fast as possible, and it
takes the EventsExecutor by default (PLAYER_EXECUTOR): demo replay, the player's acknowledgement
thread 3.5 s of CPU with the SingleThreadedExecutor (0.56 ms an acknowledgement), 0.75 s with it.
A lost consumer declaration there cannot pass silently (the player waits for every announced
consumer and names the missing ones).
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:   # rclpy is imported when an executor is made: the CLI reads the kinds without it
    from rclpy.context import Context
    from rclpy.executors import Executor
    from rclpy.node import Node

EXECUTOR_KINDS = ('events', 'single_threaded')
DEFAULT_EXECUTOR = 'single_threaded'
PLAYER_EXECUTOR = 'events'
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
    from rclpy.executors import SingleThreadedExecutor

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
    from rcl_interfaces.msg import ParameterDescriptor

    if not node.has_parameter(EXECUTOR_PARAMETER):
        node.declare_parameter(EXECUTOR_PARAMETER, DEFAULT_EXECUTOR, ParameterDescriptor(
            description=f'rclpy executor spinning this node: {" | ".join(EXECUTOR_KINDS)} (events = '
                        'rclpy.experimental.EventsExecutor: less CPU per message, experimental)', read_only=True))
    kind = node.get_parameter(EXECUTOR_PARAMETER).value
    if kind not in EXECUTOR_KINDS:
        raise ValueError(f'parameter {EXECUTOR_PARAMETER} must be one of {", ".join(EXECUTOR_KINDS)}, got {kind!r}')
    return kind
