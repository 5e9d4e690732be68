"""savvy_ros's Fast DDS profile: used unless the user configured the middleware, and a valid profile
that Fast DDS loads and moves camera-sized messages with."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from savvy_ros.resources import config_file
from savvy_ros.ros.dds_profile import PROFILE_ENV, use_savvy_dds_profile


def test_the_shipped_profile_is_set_when_nothing_else_is():
    environ = {'RMW_IMPLEMENTATION': 'rmw_fastrtps_cpp'}
    path = use_savvy_dds_profile(environ)
    assert path == str(config_file('fastdds_profile.xml')) and Path(path).is_file()
    assert environ[PROFILE_ENV] == path
    assert use_savvy_dds_profile({}) is not None          # no RMW named: Fast DDS is the default


@pytest.mark.parametrize('setting', [
    {'FASTDDS_DEFAULT_PROFILES_FILE': '/etc/my_profile.xml'},
    {'FASTRTPS_DEFAULT_PROFILES_FILE': '/etc/my_profile.xml'},
    {'FASTDDS_BUILTIN_TRANSPORTS': 'LARGE_DATA'},
    {'RMW_FASTRTPS_USE_QOS_FROM_XML': '1'},
    {'RMW_IMPLEMENTATION': 'rmw_cyclonedds_cpp'},
    {'SAVVY_ROS_DDS_PROFILE': 'off'},
])
def test_the_users_middleware_settings_win(setting):
    environ = dict(setting)
    assert use_savvy_dds_profile(environ) is None
    assert environ == setting                              # nothing added or changed


SCRIPT = textwrap.dedent('''
    import threading, time
    import rclpy
    from rclpy.node import Node
    from rclpy.executors import SingleThreadedExecutor
    from sensor_msgs.msg import Image
    rclpy.init()
    talker, listener = Node('profile_talker'), Node('profile_listener')
    got = threading.Event()
    listener.create_subscription(Image, '/profile_image', lambda m: got.set() if len(m.data) == 1920 * 1080 * 3 else None, 10)
    publisher = talker.create_publisher(Image, '/profile_image', 10)
    executor = SingleThreadedExecutor()
    executor.add_node(talker); executor.add_node(listener)
    image = Image(height=1080, width=1920, encoding='rgb8', step=1920 * 3, data=bytes(1920 * 1080 * 3))
    deadline = time.monotonic() + 20.0
    while not got.is_set() and time.monotonic() < deadline:
        if publisher.get_subscription_count():
            publisher.publish(image)
        executor.spin_once(timeout_sec=0.1)
    print('RECEIVED' if got.is_set() else 'NOTHING')
''')


@pytest.mark.dds
def test_fast_dds_loads_the_profile_and_carries_a_full_hd_image_with_it():
    env = dict(os.environ, **{PROFILE_ENV: str(config_file('fastdds_profile.xml'))})
    result = subprocess.run([sys.executable, '-c', SCRIPT], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert 'RECEIVED' in result.stdout
    # Fast DDS reports an unparsable profile or a transport it cannot create on stderr, then goes on
    # with its defaults: the test would pass without the profile, so stderr must be clean.
    assert 'Error' not in result.stderr and 'XMLPARSER' not in result.stderr, result.stderr


def test_a_small_dev_shm_keeps_the_stock_transports(tmp_path, monkeypatch):
    """A container's 64 MiB /dev/shm holds four 16 MiB segments: there the profile is not used."""
    import shutil
    from collections import namedtuple

    usage = namedtuple('usage', 'total used free')
    monkeypatch.setattr(shutil, 'disk_usage', lambda path: usage(64 << 20, 8 << 20, 56 << 20))
    environ = {}
    assert use_savvy_dds_profile(environ, shm_dir=tmp_path) is None and environ == {}
    monkeypatch.setattr(shutil, 'disk_usage', lambda path: usage(24 << 30, 1 << 30, 23 << 30))
    assert use_savvy_dds_profile(environ, shm_dir=tmp_path) is not None
