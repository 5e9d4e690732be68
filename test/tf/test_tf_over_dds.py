"""TF across processes: a peer broadcasts, this process looks transforms up through DDS."""
from __future__ import annotations

import numpy as np
import pytest
from ros_helpers import spin_until, start_peer, stop_peer, wait_for_line
from scipy.spatial.transform import Rotation

from savvy_ros.demo.walking_rig import HEAD_T_CAMERA_OPTICAL, HEAD_T_MIC_ARRAY, WalkingRig
from savvy_ros.tf import ExtrapolationError, UnknownFrameError

pytestmark = pytest.mark.dds
T0, COUNT, RATE = 100.0, 250, 50.0


@pytest.fixture
def listener(ros_context):
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    from savvy_ros.ros.tf_listener import OwnTfListener, create_transform_lookup

    node = Node('tf_lookup_test', context=ros_context)
    lookup = create_transform_lookup(node, cache_time=30.0)
    assert isinstance(lookup, OwnTfListener)  # the PyPI wheels have no tf2_ros
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    yield lookup, executor
    executor.shutdown()
    node.destroy_node()


def test_lookups_match_ground_truth_across_processes(listener):
    lookup, executor = listener
    # Static transforms are published before this process subscribes: transient local must
    # still deliver them.
    peer = start_peer('tf_broadcaster_peer.py')
    try:
        wait_for_line(peer, 'STATIC PUBLISHED')
        assert spin_until(executor, lambda: lookup.buffer.stats['stored'] >= COUNT + 2, timeout=30), \
            f'received only {lookup.buffer.stats["stored"]} transforms'
    finally:
        stop_peer(peer)
    rig = WalkingRig()
    rng = np.random.default_rng(3)
    times = np.sort(rng.uniform(T0, T0 + (COUNT - 1) / RATE, 200))
    for t in times:
        got = lookup.lookup_transform('map', 'camera_optical', float(t))
        truth = rig.head_pose(float(t) - T0) @ HEAD_T_CAMERA_OPTICAL
        np.testing.assert_allclose(got.translation, truth.translation, atol=2e-4)  # 50 Hz interpolation
        angle = (Rotation.from_quat(got.rotation).inv() * Rotation.from_quat(truth.rotation)).magnitude()
        assert angle < 1e-3
    # Exactly at a broadcast stamp the lookup is exact; sensor-to-sensor through the static edges.
    exact = lookup.lookup_transform('map', 'head', T0 + 10 / RATE)
    np.testing.assert_allclose(exact.as_matrix(), rig.head_pose(10 / RATE).as_matrix(), atol=1e-12)
    mic_to_camera = lookup.lookup_transform('mic_array', 'camera_optical', T0 + 1.0)
    np.testing.assert_allclose(mic_to_camera.as_matrix(),
                               (HEAD_T_MIC_ARRAY.inverse() @ HEAD_T_CAMERA_OPTICAL).as_matrix(), atol=1e-9)
    with pytest.raises(ExtrapolationError):
        lookup.lookup_transform('map', 'head', T0 + 60.0)
    with pytest.raises(UnknownFrameError):
        lookup.lookup_transform('map', 'no_such_frame', T0 + 1.0)
