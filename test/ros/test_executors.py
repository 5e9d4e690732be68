"""The executor choice (savvy_ros/ros/executors.py): kinds, the `executor` parameter, and what the
EventsExecutor must do for our nodes: take messages, fire sim-time timers on /clock, raise a
callback's exception."""
from __future__ import annotations

import time

import pytest
from rclpy.executors import SingleThreadedExecutor
from rclpy.parameter import Parameter

from savvy_ros.ros.executors import (EXECUTOR_KINDS, EXECUTOR_PARAMETER, create_executor, events_executor_available,
                                     node_executor_kind)

pytestmark = pytest.mark.dds


def _spin_until(executor, condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.05)
    return condition()


def test_this_rclpy_has_the_events_executor_and_it_is_what_events_makes(ros_context):
    assert events_executor_available()   # the pinned rclpy wheels have it: the default must be real
    executor = create_executor(ros_context, 'events')
    try:
        assert not isinstance(executor, SingleThreadedExecutor)
        assert type(executor).__name__ == 'EventsExecutor'
    finally:
        executor.shutdown()
    single = create_executor(ros_context, 'single_threaded')
    assert isinstance(single, SingleThreadedExecutor)
    single.shutdown()


def test_an_unknown_kind_is_named(ros_context):
    with pytest.raises(ValueError, match="executor must be one of events, single_threaded, got 'fast'"):
        create_executor(ros_context, 'fast')


def test_the_parameter_is_declared_with_a_description_and_checked(ros_context):
    from rclpy.node import Node

    node = Node('executor_param_node', context=ros_context)
    try:
        assert node_executor_kind(node) == 'single_threaded'   # the default (events is opt-in)
        described = node.describe_parameters([EXECUTOR_PARAMETER])[0]
        assert described.read_only and all(kind in described.description for kind in EXECUTOR_KINDS)
        assert node_executor_kind(node) == 'single_threaded'   # declared once, read again
    finally:
        node.destroy_node()
    chosen = Node('executor_param_events', context=ros_context,
                  parameter_overrides=[Parameter(EXECUTOR_PARAMETER, value='events')])
    try:
        assert node_executor_kind(chosen) == 'events'
    finally:
        chosen.destroy_node()
    odd = Node('executor_param_odd', context=ros_context,
               parameter_overrides=[Parameter(EXECUTOR_PARAMETER, value='fast')])
    try:
        with pytest.raises(ValueError, match="parameter executor must be one of events, single_threaded, got 'fast'"):
            node_executor_kind(odd)
    finally:
        odd.destroy_node()


@pytest.mark.parametrize('kind', EXECUTOR_KINDS)
def test_messages_and_sim_time_timers_under_each_kind(ros_context, kind):
    """A subscription takes what is published; a timer on the ROS clock under use_sim_time fires as
    /clock advances and not otherwise (the map's and the diagnostics' timers during a replay)."""
    from rclpy.node import Node
    from rosgraph_msgs.msg import Clock
    from std_msgs.msg import String

    node = Node(f'executor_{kind}_node', context=ros_context,
                parameter_overrides=[Parameter('use_sim_time', value=True)])
    source = Node(f'executor_{kind}_source', context=ros_context)
    executor = create_executor(ros_context, kind)
    received, ticks = [], []
    try:
        node.create_subscription(String, '/executor_test/in', lambda m: received.append(m.data), 10)
        node.create_timer(1.0, lambda: ticks.append(node.get_clock().now().nanoseconds))
        publisher = source.create_publisher(String, '/executor_test/in', 10)
        clock = source.create_publisher(Clock, '/clock', 10)
        executor.add_node(node)
        executor.add_node(source)
        assert _spin_until(executor, lambda: publisher.get_subscription_count() > 0 and
                           clock.get_subscription_count() > 0)
        for text in ('a', 'b', 'c'):
            publisher.publish(String(data=text))
        assert _spin_until(executor, lambda: len(received) == 3)
        assert received == ['a', 'b', 'c']
        start = time.monotonic()
        while time.monotonic() - start < 1.5:   # wall time passes, sim time stands still: no tick
            executor.spin_once(timeout_sec=0.05)
        assert ticks == []
        for second in range(1, 4):
            message = Clock()
            message.clock.sec = 100 + second
            clock.publish(message)
            _spin_until(executor, lambda: node.get_clock().now().nanoseconds >= (100 + second) * 10**9, 2.0)
        assert _spin_until(executor, lambda: len(ticks) >= 2)
        assert all(t >= 101 * 10**9 for t in ticks)
    finally:
        executor.shutdown()
        node.destroy_node()
        source.destroy_node()


@pytest.mark.parametrize('kind', EXECUTOR_KINDS)
def test_a_callback_exception_leaves_spin_once(ros_context, kind):
    """ExecutorThread and the bringup stop on a callback's exception: every kind must raise it."""
    from rclpy.node import Node

    node = Node(f'executor_{kind}_raiser', context=ros_context)
    executor = create_executor(ros_context, kind)
    try:
        node.create_timer(0.01, lambda: (_ for _ in ()).throw(RuntimeError('boom in a timer')))
        executor.add_node(node)
        with pytest.raises(RuntimeError, match='boom in a timer'):
            _spin_until(executor, lambda: False, 2.0)
    finally:
        executor.shutdown()
        node.destroy_node()
