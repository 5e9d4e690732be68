"""Session-wide test setup: every test session gets its own DDS world.

A free ROS_DOMAIN_ID is claimed with an exclusive lock file (so parallel sessions on one machine
never share a domain) and discovery is restricted to localhost, before anything imports rclpy.
Child processes started by the tests inherit both.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from savvy_ros.ros.dds_profile import use_savvy_dds_profile
from savvy_ros.ros.domain_claim import isolate_process_graph

if 'rclpy' in sys.modules:
    raise RuntimeError('rclpy was imported before test/conftest.py could isolate the DDS domain')
isolate_process_graph()
os.environ.setdefault('RMW_IMPLEMENTATION', 'rmw_fastrtps_cpp')
use_savvy_dds_profile()   # the transports the CLI and the node executables use

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / 'test' / 'support'))


def pytest_report_header(config) -> str:
    return (f"ROS_DOMAIN_ID={os.environ['ROS_DOMAIN_ID']} "
            f"ROS_AUTOMATIC_DISCOVERY_RANGE={os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE']} "
            f"RMW_IMPLEMENTATION={os.environ['RMW_IMPLEMENTATION']} "
            f"FASTDDS_DEFAULT_PROFILES_FILE={os.environ.get('FASTDDS_DEFAULT_PROFILES_FILE', '(none)')}")


@pytest.fixture
def ros_context():
    """An initialised rclpy context of its own, shut down after the test."""
    import rclpy
    from rclpy.context import Context

    context = Context()
    rclpy.init(context=context)
    yield context
    rclpy.try_shutdown(context=context)
