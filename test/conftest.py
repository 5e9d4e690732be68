"""Session-wide test setup: every test session gets its own DDS world.

A free ROS_DOMAIN_ID is claimed with an exclusive lock file (so parallel sessions on one machine
never share a domain) and discovery is restricted to localhost, before anything imports rclpy.
Child processes started by the tests inherit both.
"""
from __future__ import annotations

import fcntl
import os
import sys
import tempfile
from pathlib import Path

import pytest

_LOCK_DIR = Path(tempfile.gettempdir()) / 'savvy_ros_test_domains'
_held_lock = None


def _claim_domain_id() -> int:
    global _held_lock
    _LOCK_DIR.mkdir(exist_ok=True)
    start = os.getpid() % 100
    for offset in range(100):
        domain = 1 + (start + offset) % 100  # 1..100: valid with the default port mapping
        handle = open(_LOCK_DIR / f'{domain}.lock', 'w')
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _held_lock = handle  # released when the session's process exits
        return domain
    raise RuntimeError(f'no free ROS domain id in 1..100 (locks in {_LOCK_DIR})')


if 'rclpy' in sys.modules:
    raise RuntimeError('rclpy was imported before test/conftest.py could isolate the DDS domain')
os.environ['ROS_DOMAIN_ID'] = str(_claim_domain_id())
os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
os.environ.pop('ROS_LOCALHOST_ONLY', None)  # deprecated twin of the line above
os.environ.setdefault('RMW_IMPLEMENTATION', 'rmw_fastrtps_cpp')

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / 'test' / 'support'))


def pytest_report_header(config) -> str:
    return (f"ROS_DOMAIN_ID={os.environ['ROS_DOMAIN_ID']} "
            f"ROS_AUTOMATIC_DISCOVERY_RANGE={os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE']} "
            f"RMW_IMPLEMENTATION={os.environ['RMW_IMPLEMENTATION']}")


@pytest.fixture
def ros_context():
    """An initialised rclpy context of its own, shut down after the test."""
    import rclpy
    from rclpy.context import Context

    context = Context()
    rclpy.init(context=context)
    yield context
    rclpy.try_shutdown(context=context)
