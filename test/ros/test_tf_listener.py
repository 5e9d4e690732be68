"""OwnTfListener over real DDS (one process): bad transforms are counted and dropped, good ones
kept; a /clock jump backwards (a bag replay looping) clears the dynamic history."""
from __future__ import annotations

import math

import numpy as np
import pytest
from ros_helpers import spin_until

pytestmark = pytest.mark.dds


def tf_message(parent, child, stamp, xyz, quat=(0.0, 0.0, 0.0, 1.0)):
    from geometry_msgs.msg import TransformStamped
    from tf2_msgs.msg import TFMessage

    from savvy_ros.ros.time_conversion import seconds_to_stamp

    msg = TransformStamped()
    msg.header.stamp = seconds_to_stamp(stamp)
    msg.header.frame_id, msg.child_frame_id = parent, child
    msg.transform.translation.x, msg.transform.translation.y, msg.transform.translation.z = xyz
    (msg.transform.rotation.x, msg.transform.rotation.y, msg.transform.rotation.z,
     msg.transform.rotation.w) = quat
    return TFMessage(transforms=[msg])


@pytest.fixture
def graph(ros_context):
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.parameter import Parameter
    from rosgraph_msgs.msg import Clock
    from tf2_msgs.msg import TFMessage

    from savvy_ros.ros.tf_listener import TF_QOS, OwnTfListener

    node = Node('tf_listener_test', context=ros_context,
                parameter_overrides=[Parameter('use_sim_time', Parameter.Type.BOOL, True)])
    listener = OwnTfListener(node)
    talker = Node('tf_listener_talker', context=ros_context)
    tf_pub = talker.create_publisher(TFMessage, '/tf', TF_QOS)
    clock_pub = talker.create_publisher(Clock, '/clock', 10)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    executor.add_node(talker)
    assert spin_until(executor, lambda: tf_pub.get_subscription_count() > 0 and clock_pub.get_subscription_count() > 0)
    yield listener, node, tf_pub, clock_pub, executor
    executor.shutdown()
    node.destroy_node()
    talker.destroy_node()


def publish_clock(clock_pub, node, executor, seconds):
    from rosgraph_msgs.msg import Clock

    from savvy_ros.ros.time_conversion import clock_seconds, seconds_to_stamp

    clock_pub.publish(Clock(clock=seconds_to_stamp(seconds)))
    assert spin_until(executor, lambda: abs(clock_seconds(node) - seconds) < 1e-6)


def test_bad_transforms_are_counted_and_good_ones_kept(graph):
    listener, node, tf_pub, clock_pub, executor = graph
    publish_clock(clock_pub, node, executor, 50.0)
    tf_pub.publish(tf_message('map', 'head', 50.0, (1.0, 2.0, 0.0)))
    tf_pub.publish(tf_message('map', 'head', 50.5, (math.nan, 2.0, 0.0)))          # NaN
    tf_pub.publish(tf_message('map', 'map', 50.5, (0.0, 0.0, 0.0)))                # self-parent
    tf_pub.publish(tf_message('map', '', 50.5, (0.0, 0.0, 0.0)))                   # no child id
    tf_pub.publish(tf_message('map', 'head', 51.0, (3.0, 2.0, 0.0), (0, 0, 0, 0)))  # zero quaternion
    tf_pub.publish(tf_message('map', 'head', 52.0, (3.0, 4.0, 0.0)))
    assert spin_until(executor, lambda: listener.rejected == 4 and listener.buffer.stats['stored'] == 2)
    mid = listener.lookup_transform('map', 'head', 51.0)
    np.testing.assert_allclose(mid.translation, [2.0, 3.0, 0.0], atol=1e-12)
    # The newest time the chain holds (the map's body-path grid follows it); unknown frames: None.
    assert listener.latest_time('map', 'head') == 52.0 and listener.latest_time('map', 'nowhere') is None


def test_clock_jumping_back_clears_dynamic_history(graph):
    listener, node, tf_pub, clock_pub, executor = graph
    publish_clock(clock_pub, node, executor, 200.0)
    tf_pub.publish(tf_message('map', 'head', 199.0, (1.0, 0.0, 0.0)))
    tf_pub.publish(tf_message('map', 'head', 200.0, (2.0, 0.0, 0.0)))
    assert spin_until(executor, lambda: listener.buffer.stats['stored'] == 2)
    publish_clock(clock_pub, node, executor, 10.0)   # the bag looped
    tf_pub.publish(tf_message('map', 'head', 10.0, (5.0, 0.0, 0.0)))
    assert spin_until(executor, lambda: listener.buffer.stats['stored'] == 3)
    assert listener.buffer.stats['resets'] == 1
    np.testing.assert_allclose(listener.lookup_transform('map', 'head').translation, [5.0, 0.0, 0.0])
    assert not listener.can_transform('map', 'head', 199.5)
