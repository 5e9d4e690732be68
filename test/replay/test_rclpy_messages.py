"""rosbags <-> rclpy message conversion for every interface of the package and the standard ones used."""
from __future__ import annotations

import numpy as np
import pytest
from message_samples import fill, interface_names, message_class

from savvy_ros.replay.rclpy_messages import from_rclpy, to_rclpy

TYPES = [f'savvy_ros/msg/{name}' for name in interface_names('msg')] + [
    'tf2_msgs/msg/TFMessage', 'sensor_msgs/msg/Image', 'sensor_msgs/msg/CameraInfo', 'rosgraph_msgs/msg/Clock']


@pytest.mark.parametrize('msgtype', TYPES)
def test_round_trip_keeps_every_field(msgtype):
    package, _, name = msgtype.split('/')
    original = fill(message_class(f'{package}/{name}')(), np.random.default_rng(len(msgtype)))
    converted = from_rclpy(original, msgtype)
    assert converted.__msgtype__ == msgtype
    assert to_rclpy(converted) == original
