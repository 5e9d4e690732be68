"""`savvy-ros bringup` as a separate process: its nodes appear on the DDS graph and report."""
from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from ros_helpers import spin_until

pytestmark = pytest.mark.dds


def test_bringup_process_publishes_diagnostics_and_stops_on_sigint(ros_context):
    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    process = subprocess.Popen([sys.executable, '-m', 'savvy_ros.cli.main', 'bringup'],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED='1'))
    node = Node('bringup_observer', context=ros_context)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    statuses = []
    node.create_subscription(DiagnosticArray, '/diagnostics', lambda m: statuses.extend(m.status), 10)
    try:
        # Bringup loads every node's models in one process (Whisper, YAMNet, SSD, MiniLM): on a
        # loaded 2-core machine that alone can take tens of seconds. Stop waiting if it died.
        assert spin_until(executor, lambda: process.poll() is not None or
                          any(s.name.startswith('savvy_monitor:') for s in statuses), 120)
        assert process.poll() is None, 'bringup exited before its monitor reported'
        assert ('savvy_monitor', '/') in node.get_node_names_and_namespaces()
    finally:
        executor.shutdown()
        node.destroy_node()
        process.send_signal(signal.SIGINT)
        try:
            # Nine nodes' DDS participants and thread pools to tear down on a loaded 2-core machine.
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGUSR1)   # its threads' stacks into the output, then kill it
            try:
                output, _ = process.communicate(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate()
            output = 'did not stop within 30 s of SIGINT; its threads then:\n' + output
    assert process.returncode == 0, output
    assert 'running savvy_monitor' in output
    # No status before the graph had topics means the monitor says so rather than staying silent.
    assert any('no messages yet' in s.message for s in statuses)
