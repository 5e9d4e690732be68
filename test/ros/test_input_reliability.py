"""The `input_reliability` parameter's two values and its error (savvy_ros/ros/input_reliability.py);
the vision and map nodes' own tests check that it reaches their subscriptions."""
from __future__ import annotations

import pytest
from rclpy.qos import ReliabilityPolicy

from savvy_ros.ros.input_reliability import input_reliability


def test_the_two_values_and_a_named_error():
    assert input_reliability('best_effort') == ReliabilityPolicy.BEST_EFFORT
    assert input_reliability('reliable') == ReliabilityPolicy.RELIABLE
    with pytest.raises(ValueError, match="input_reliability must be one of best_effort, reliable, got 'Reliable'"):
        input_reliability('Reliable')
