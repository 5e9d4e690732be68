"""Time and message-type helpers used by every node."""
from __future__ import annotations

import math

import pytest
from builtin_interfaces.msg import Time

from savvy_ros.ros.message_types import UnknownMessageTypeError, message_class
from savvy_ros.ros.time_conversion import (duration_to_seconds, seconds_to_duration, seconds_to_stamp,
                                           stamp_to_seconds)


@pytest.mark.parametrize('seconds', [0.0, 1.5, 1e-9, 1795706907.935318864, 0.9999999999])
def test_stamp_round_trip_to_the_nanosecond(seconds):
    stamp = seconds_to_stamp(seconds)
    assert 0 <= stamp.nanosec < 1_000_000_000
    assert stamp_to_seconds(stamp) == pytest.approx(seconds, abs=1e-9 * max(1.0, seconds) * 1e-6 + 1e-9)


def test_stamp_rounds_carry_into_seconds():
    assert seconds_to_stamp(0.9999999999) == Time(sec=1, nanosec=0)


@pytest.mark.parametrize('bad', [-1.0, math.nan, math.inf])
def test_bad_times_are_rejected(bad):
    with pytest.raises(ValueError, match='ROS time'):
        seconds_to_stamp(bad)


def test_durations_may_be_negative():
    assert duration_to_seconds(seconds_to_duration(-0.25)) == pytest.approx(-0.25)


def test_message_class_resolves_types_and_names_errors():
    from savvy_ros.msg import AudioChunk
    assert message_class('savvy_ros/msg/AudioChunk') is AudioChunk
    assert message_class('savvy_ros/AudioChunk') is AudioChunk
    with pytest.raises(UnknownMessageTypeError, match='not importable'):
        message_class('no_such_pkg/msg/Foo')
    with pytest.raises(UnknownMessageTypeError, match='has no type'):
        message_class('savvy_ros/msg/Nope')
    with pytest.raises(UnknownMessageTypeError, match='not a ROS interface type name'):
        message_class('AudioChunk')
