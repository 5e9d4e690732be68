"""Publishes the WalkingRig over DDS: /tf (world -> head, 50 Hz), /tf_static, camera, audio."""
from __future__ import annotations

import numpy as np
from geometry_msgs.msg import TransformStamped
from rclpy.node import Node
from sensor_msgs.msg import CameraInfo, Image
from tf2_msgs.msg import TFMessage

from savvy_ros.demo.walking_rig import HEAD_T_CAMERA_OPTICAL, HEAD_T_MIC_ARRAY, WalkingRig
from savvy_ros.msg import AudioChunk
from savvy_ros.ros.tf_listener import TF_QOS, TF_STATIC_QOS
from savvy_ros.ros.time_conversion import clock_seconds, seconds_to_stamp
from savvy_ros.tf import Transform


def transform_msg(parent: str, child: str, stamp: float, transform: Transform) -> TransformStamped:
    msg = TransformStamped()
    msg.header.stamp = seconds_to_stamp(stamp)
    msg.header.frame_id, msg.child_frame_id = parent, child
    t, q = transform.translation, transform.rotation
    msg.transform.translation.x, msg.transform.translation.y, msg.transform.translation.z = map(float, t)
    (msg.transform.rotation.x, msg.transform.rotation.y,
     msg.transform.rotation.z, msg.transform.rotation.w) = map(float, q)
    return msg


class RigPublisher(Node):
    """Stamps are the simulated capture times (node clock), never publish times."""

    def __init__(self, rig: WalkingRig | None = None, world_frame: str = 'map', **kwargs) -> None:
        super().__init__(kwargs.pop('node_name', 'savvy_demo_rig'), **kwargs)
        self.rig = rig or WalkingRig()
        self.world_frame = world_frame
        self.sample_rate, self.channels, self.chunk = 48000, 7, 4800
        self.tf_pub = self.create_publisher(TFMessage, '/tf', TF_QOS)
        self.tf_static_pub = self.create_publisher(TFMessage, '/tf_static', TF_STATIC_QOS)
        self.image_pub = self.create_publisher(Image, '/camera/image_raw', 10)
        self.info_pub = self.create_publisher(CameraInfo, '/camera/camera_info', 10)
        self.audio_pub = self.create_publisher(AudioChunk, '/mic_array/audio', 10)
        self.start = self._now()
        self.audio_sequence = 0
        self.tf_period, self.tf_sequence = 1.0 / 50.0, 0
        self.tf_static_pub.publish(TFMessage(transforms=[
            transform_msg('head', 'camera_optical', self.start, HEAD_T_CAMERA_OPTICAL),
            transform_msg('head', 'mic_array', self.start, HEAD_T_MIC_ARRAY)]))
        self.create_timer(self.tf_period, self._publish_tf)
        self.create_timer(1.0 / 15.0, self._publish_camera)
        self.create_timer(self.chunk / self.sample_rate, self._publish_audio)

    def _now(self) -> float:
        return clock_seconds(self)

    def _publish_tf(self) -> None:
        # Like a head tracker: poses are sampled on a fixed 50 Hz grid; a late timer publishes
        # every sample taken since, so a loaded machine delays poses but never widens the gaps
        # that TF interpolates across.
        elapsed = self._now() - self.start
        transforms = []
        while self.tf_sequence * self.tf_period <= elapsed:
            offset = self.tf_sequence * self.tf_period
            transforms.append(transform_msg(self.world_frame, 'head', self.start + offset,
                                            self.rig.head_pose(offset)))
            self.tf_sequence += 1
        if transforms:
            self.tf_pub.publish(TFMessage(transforms=transforms))

    def _publish_camera(self) -> None:
        now = self._now()
        frame = self.rig.camera_frame(now - self.start)
        image = Image(height=frame.shape[0], width=frame.shape[1], encoding='rgb8', is_bigendian=0,
                      step=frame.shape[1] * 3, data=frame.tobytes())
        image.header.stamp, image.header.frame_id = seconds_to_stamp(now), 'camera_optical'
        f = 500.0
        info = CameraInfo(height=frame.shape[0], width=frame.shape[1], distortion_model='plumb_bob',
                          d=[0.0] * 5, k=[f, 0.0, 320.0, 0.0, f, 240.0, 0.0, 0.0, 1.0],
                          r=[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
                          p=[f, 0.0, 320.0, 0.0, 0.0, f, 240.0, 0.0, 0.0, 0.0, 1.0, 0.0])
        info.header = image.header
        self.image_pub.publish(image)
        self.info_pub.publish(info)

    def _publish_audio(self) -> None:
        # Like a sound card: samples are contiguous, so chunk k starts exactly k chunk lengths
        # after the first sample; a late timer publishes every chunk completed since.
        duration = self.chunk / self.sample_rate
        while self._now() - self.start >= (self.audio_sequence + 1) * duration:
            first_sample = self.start + self.audio_sequence * duration
            block = self.rig.audio_block(first_sample - self.start, self.chunk, self.sample_rate, self.channels)
            msg = AudioChunk(sample_rate=self.sample_rate, channels=self.channels, sequence=self.audio_sequence)
            msg.header.stamp, msg.header.frame_id = seconds_to_stamp(first_sample), 'mic_array'
            msg.data = np.ascontiguousarray(block).reshape(-1)
            self.audio_pub.publish(msg)
            self.audio_sequence += 1
