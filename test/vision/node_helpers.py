"""In-process node construction with parameter overrides, and a subscriber that keeps messages."""
from __future__ import annotations

import os
import subprocess
import sys

from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy

KEEP_ALL = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST)


def make_node(node_class, context, **parameters) -> Node:
    return node_class(context=context, parameter_overrides=[Parameter(k, value=v) for k, v in parameters.items()])


def collect(node: Node, msg_type, topic: str, qos: QoSProfile = KEEP_ALL) -> list:
    received: list = []
    node.create_subscription(msg_type, topic, received.append, qos)
    return received


def start_node_process(module: str, *ros_args: str) -> subprocess.Popen:
    """`python -m module --ros-args ...` in its own process (inherits the session's DDS domain)."""
    env = dict(os.environ, PYTHONUNBUFFERED='1', RCUTILS_LOGGING_BUFFERED_STREAM='0')
    return subprocess.Popen([sys.executable, '-m', module, '--ros-args', *ros_args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
