"""The simulated rig's head tracker samples poses on a fixed 50 Hz grid: a late timer (a loaded
machine) publishes every pose sampled since, so the gaps TF interpolates across never widen."""
from __future__ import annotations

import time

import numpy as np
import pytest
from ros_helpers import spin_until

pytestmark = pytest.mark.dds


def test_tf_poses_lie_on_the_50_hz_grid_even_after_a_stall(ros_context):
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from tf2_msgs.msg import TFMessage

    from savvy_ros.demo.rig_publisher import RigPublisher
    from savvy_ros.ros.tf_listener import TF_QOS
    from savvy_ros.ros.time_conversion import stamp_to_seconds

    rig = RigPublisher(context=ros_context)
    listener = Node('rig_tf_listener', context=ros_context)
    stamps: list[float] = []
    listener.create_subscription(
        TFMessage, '/tf', lambda msg: stamps.extend(stamp_to_seconds(t.header.stamp) for t in msg.transforms
                                                    if t.child_frame_id == 'head'), TF_QOS)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(rig)
    executor.add_node(listener)
    try:
        assert spin_until(executor, lambda: len(stamps) >= 5)
        time.sleep(0.3)                       # the executor stalls: ~15 ticks missed
        count = len(stamps)
        assert spin_until(executor, lambda: len(stamps) >= count + 20)
    finally:
        executor.shutdown()
        listener.destroy_node()
        rig.destroy_node()
    offsets = (np.array(stamps) - rig.start) / 0.02
    np.testing.assert_allclose(offsets, np.round(offsets), atol=1e-3)   # on the grid
    gaps = np.diff(np.round(offsets))
    # Every sample once and in order (the subscription may have matched after the first few).
    assert np.all(gaps == 1), gaps
