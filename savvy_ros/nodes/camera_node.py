"""Camera driver for rigs without a ROS one: cv2.VideoCapture -> /camera/image_raw + /camera/camera_info.

The source is a device index (`device`), or a video file or GStreamer pipeline (`source`). Frames
are stamped at capture (the moment the frame is grabbed) with the optical frame id; CameraInfo
comes from a camera_calibration_parsers YAML and carries the same header.
"""
from __future__ import annotations

from pathlib import Path

import cv2
from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from savvy_ros.ros.node_main import run_node
from savvy_ros.ros.parameters import ParameterSpec, declare_parameters
from savvy_ros.ros.vision_messages import camera_info_msg
from savvy_ros.vision.camera_model import load_camera_info_yaml
from savvy_ros.vision.pipeline import default_config_path

PARAMETERS = [
    ParameterSpec('device', -1, 'Camera device index (/dev/video<N>); -1 = use `source`'),
    ParameterSpec('source', '', 'Video file path or GStreamer pipeline (with "!"); empty and device -1 = no camera '
                  '(a ROS camera driver or a bag provides the images)'),
    ParameterSpec('width', 640, 'Requested capture width [px] (devices; files keep their own)'),
    ParameterSpec('height', 480, 'Requested capture height [px]'),
    ParameterSpec('fps', 15.0, 'Capture and publish rate [Hz]'),
    ParameterSpec('camera_info_file', '', 'Calibration YAML (camera_calibration_parsers format); '
                  'empty = config/vision/camera_info_example.yaml (uncalibrated example)'),
    ParameterSpec('frame_id', 'camera_optical', 'Optical frame of the camera (z forward, x right, y down)'),
    ParameterSpec('loop', False, 'Restart a video file at its end'),
]
CAMERA_QOS = QoSProfile(depth=5, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST)


def open_capture(source: str | int) -> cv2.VideoCapture:
    """Device index, GStreamer pipeline or file; FileNotFoundError with the reason when it cannot open."""
    if isinstance(source, int):
        capture, what = cv2.VideoCapture(source), f'camera device {source}'
    elif '!' in source:
        capture, what = cv2.VideoCapture(source, cv2.CAP_GSTREAMER), f'GStreamer pipeline {source!r}'
    else:
        if not Path(source).is_file():
            raise FileNotFoundError(f'video source not found: {source}')
        capture, what = cv2.VideoCapture(source), f'video file {source}'
    if not capture.isOpened():
        capture.release()
        raise FileNotFoundError(f'no camera: cannot open {what} (no such device, or no permission)')
    return capture


class CameraNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__(kwargs.pop('node_name', 'savvy_camera'), **kwargs)
        self.params = p = declare_parameters(self, PARAMETERS)
        if p['fps'] <= 0:
            raise ValueError(f"fps must be > 0, got {p['fps']}")
        info_file = p['camera_info_file'] or default_config_path('camera_info_example.yaml')
        self.camera = load_camera_info_yaml(info_file)
        self.image_pub = self.create_publisher(Image, '/camera/image_raw', CAMERA_QOS)
        self.info_pub = self.create_publisher(CameraInfo, '/camera/camera_info', CAMERA_QOS)
        self.capture: cv2.VideoCapture | None = None
        self.open_error = ''
        self.published = 0
        self._failures = 0
        if p['device'] >= 0 and p['source']:
            raise ValueError(f"set either device ({p['device']}) or source ({p['source']!r}), not both")
        source = p['device'] if p['device'] >= 0 else p['source']
        self.source_name = str(source)
        if source == '':
            self.open_error = 'no camera source configured (parameter device: index, or source: file or pipeline)'
            self.get_logger().info(f'idle: {self.open_error}')
            return
        try:
            self.capture = open_capture(source)
        except FileNotFoundError as exc:
            self.open_error = str(exc)
            self.get_logger().error(self.open_error)
            return
        if isinstance(source, int):
            self.capture.set(cv2.CAP_PROP_FRAME_WIDTH, p['width'])
            self.capture.set(cv2.CAP_PROP_FRAME_HEIGHT, p['height'])
            self.capture.set(cv2.CAP_PROP_FPS, p['fps'])
        if not p['camera_info_file']:
            self.get_logger().warning(f'no camera_info_file: publishing the uncalibrated example {info_file}')
        self.timer = self.create_timer(1.0 / p['fps'], self._capture)
        self.get_logger().info(f"capturing {source} at {p['fps']} Hz as {p['frame_id']}")

    @property
    def is_open(self) -> bool:
        return self.capture is not None

    def _capture(self) -> None:
        grabbed = self.capture.grab()
        stamp = self.get_clock().now()  # capture time: right after the frame was grabbed
        ok, bgr = self.capture.retrieve() if grabbed else (False, None)
        if not ok or bgr is None or bgr.size == 0:
            if self.params['loop'] and self.capture.get(cv2.CAP_PROP_FRAME_COUNT) > 0:
                self.capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
                return
            self._failures += 1
            if self._failures == 1:
                self.get_logger().warning(f'no frame from {self.source_name} (end of file or camera gone)')
            return
        self._failures = 0
        if bgr.ndim != 3 or bgr.shape[:2] != (self.camera.height, self.camera.width):
            self.get_logger().error(f'frames are {bgr.shape[1]}x{bgr.shape[0]} px but the calibration is for '
                                    f'{self.camera.width}x{self.camera.height} px: not published',
                                    throttle_duration_sec=10.0)
            return
        header = Header(stamp=stamp.to_msg(), frame_id=self.params['frame_id'])
        h, w = bgr.shape[:2]
        self.image_pub.publish(Image(header=header, height=h, width=w, encoding='bgr8', is_bigendian=0,
                                     step=w * 3, data=bgr.tobytes()))
        self.info_pub.publish(camera_info_msg(self.camera, header))
        self.published += 1

    def destroy_node(self) -> None:
        if self.capture is not None:
            self.capture.release()
        super().destroy_node()


NODE_CLASS = CameraNode


def camera_node() -> CameraNode:
    """The standalone executable needs a camera: without one it stops with a clear message."""
    node = CameraNode()
    if not node.is_open:
        error = node.open_error
        node.destroy_node()
        raise FileNotFoundError(error)
    return node


def main(args: list[str] | None = None) -> int:
    return run_node(camera_node, args)


if __name__ == '__main__':
    raise SystemExit(main())
