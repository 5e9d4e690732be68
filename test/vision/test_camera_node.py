"""Camera node on a video file source (written here), and its clear exit without a camera."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from node_helpers import collect, make_node
from ros_helpers import spin_until
from scenes import background, paste
from video_source import FRAMES, write_video

pytestmark = pytest.mark.dds


def test_publishes_stamped_frames_and_calibration_from_a_video_file(ros_context, tmp_path):
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from sensor_msgs.msg import CameraInfo, Image

    from savvy_ros.nodes.camera_node import CameraNode
    from savvy_ros.ros.time_conversion import stamp_to_seconds
    from savvy_ros.ros.vision_messages import rgb_from_msg
    from savvy_ros.vision.pipeline import default_config_path

    video = write_video(tmp_path / 'room.avi')
    camera = make_node(CameraNode, ros_context, source=str(video), fps=30.0, frame_id='head_camera_optical')
    listener = Node('camera_listener', context=ros_context)
    images, infos = collect(listener, Image, '/camera/image_raw'), collect(listener, CameraInfo, '/camera/camera_info')
    executor = SingleThreadedExecutor(context=ros_context)
    for node in (camera, listener):
        executor.add_node(node)
    try:
        assert spin_until(executor, lambda: len(images) >= FRAMES and len(infos) >= FRAMES, timeout=20)
        spin_until(executor, lambda: False, timeout=0.3)   # end of file: nothing more comes
    finally:
        executor.shutdown()
    assert camera.published == FRAMES == len(images)
    stamps = [stamp_to_seconds(m.header.stamp) for m in images]
    assert stamps == sorted(stamps) and len(set(stamps)) == FRAMES
    assert [stamp_to_seconds(m.header.stamp) for m in infos] == stamps   # same capture stamp
    assert {m.header.frame_id for m in images + infos} == {'head_camera_optical'}
    assert {(m.width, m.height, m.encoding) for m in images} == {(640, 480, 'bgr8')}
    first = background()
    paste(first, 'person', (40, 150), 220)
    paste(first, 'cat', (360, 250), 150)
    received = rgb_from_msg(images[0]).astype(int)
    error, swapped = np.mean(np.abs(received - first)), np.mean(np.abs(received[:, :, ::-1] - first))
    assert error < 8.0 and swapped > 3 * error   # MJPG is lossy, but colours are in RGB order
    assert infos[0].k[0] == pytest.approx(381.36) and default_config_path('camera_info_example.yaml').is_file()
    camera.destroy_node()
    listener.destroy_node()


def test_no_source_leaves_the_node_idle_in_a_node_set(ros_context):
    from savvy_ros.nodes.camera_node import CameraNode

    node = make_node(CameraNode, ros_context)
    assert not node.is_open and 'no camera source configured' in node.open_error
    node.destroy_node()


@pytest.mark.parametrize('parameter, message', [
    ('source:=/nonexistent/room.avi', 'video source not found: /nonexistent/room.avi'),
    ('device:=9', 'no camera: cannot open camera device 9'),
    ("source:=''", 'no camera source configured'),
])
def test_executable_without_a_camera_exits_with_a_clear_message(parameter, message):
    result = subprocess.run([sys.executable, '-m', 'savvy_ros.nodes.camera_node', '--ros-args', '-p', parameter],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert message in result.stderr and 'Traceback' not in result.stderr
