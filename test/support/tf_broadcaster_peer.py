"""DDS peer process: publishes the WalkingRig's transforms with fixed, known stamps.

/tf_static (transient local) first: head -> camera_optical and head -> mic_array; then, once a
subscriber matches, world -> head at 50 Hz for stamps 100.00 .. 104.98 s, in bursts of 25
(reliable), then keeps running until terminated.
"""
from __future__ import annotations

import sys
import time

import rclpy
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from tf2_msgs.msg import TFMessage

from savvy_ros.demo.rig_publisher import transform_msg
from savvy_ros.demo.walking_rig import HEAD_T_CAMERA_OPTICAL, HEAD_T_MIC_ARRAY, WalkingRig
from savvy_ros.ros.node_main import spin_until_shutdown
from savvy_ros.ros.tf_listener import TF_STATIC_QOS

T0, RATE, COUNT = 100.0, 50.0, 250


def main() -> None:
    rclpy.init()
    node = Node('tf_broadcaster_peer')
    tf_qos = QoSProfile(depth=COUNT + 50, reliability=ReliabilityPolicy.RELIABLE,
                        durability=DurabilityPolicy.VOLATILE, history=HistoryPolicy.KEEP_LAST)
    static_pub = node.create_publisher(TFMessage, '/tf_static', TF_STATIC_QOS)
    tf_pub = node.create_publisher(TFMessage, '/tf', tf_qos)
    static_pub.publish(TFMessage(transforms=[transform_msg('head', 'camera_optical', T0, HEAD_T_CAMERA_OPTICAL),
                                             transform_msg('head', 'mic_array', T0, HEAD_T_MIC_ARRAY)]))
    print('STATIC PUBLISHED', flush=True)
    rig = WalkingRig()
    deadline = time.monotonic() + 30
    while tf_pub.get_subscription_count() == 0 and time.monotonic() < deadline:
        rclpy.spin_once(node, timeout_sec=0.05)
    if tf_pub.get_subscription_count() == 0:
        print('NO SUBSCRIBER', flush=True)
        sys.exit(1)
    for k in range(COUNT):
        t = T0 + k / RATE
        tf_pub.publish(TFMessage(transforms=[transform_msg('map', 'head', t, rig.head_pose(t - T0))]))
        if k % 25 == 24:
            # The listener keeps the last 100 samples per reader (tf2_ros' QoS): give it time to
            # take them, as a real 50 Hz broadcaster would.
            time.sleep(0.1)
    print('DYNAMIC PUBLISHED', flush=True)
    spin_until_shutdown(node)


if __name__ == '__main__':
    main()
