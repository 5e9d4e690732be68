"""rosbags message instances for an episode bag (classes from the savvy_ros typestore)."""
from __future__ import annotations

from typing import Any

import numpy as np
from rosbags.typesys.store import Typestore

from savvy_ros.synth.renderer import Intrinsics


class MessageFactory:
    def __init__(self, typestore: Typestore) -> None:
        self.types = typestore.types

    def header(self, stamp_ns: int, frame_id: str) -> Any:
        time = self.types['builtin_interfaces/msg/Time'](sec=stamp_ns // 10**9, nanosec=stamp_ns % 10**9)
        return self.types['std_msgs/msg/Header'](stamp=time, frame_id=frame_id)

    def image(self, stamp_ns: int, frame_id: str, pixels: np.ndarray) -> Any:
        """rgb8 for (H, W, 3) uint8, 32FC1 for (H, W) float32 (depth in metres)."""
        if pixels.ndim == 3:
            encoding, step = 'rgb8', pixels.shape[1] * 3
            data = np.ascontiguousarray(pixels, np.uint8).reshape(-1)
        else:
            encoding, step = '32FC1', pixels.shape[1] * 4
            data = np.ascontiguousarray(pixels, '<f4').view(np.uint8).reshape(-1)
        return self.types['sensor_msgs/msg/Image'](
            header=self.header(stamp_ns, frame_id), height=pixels.shape[0], width=pixels.shape[1],
            encoding=encoding, is_bigendian=0, step=step, data=data)

    def camera_info(self, stamp_ns: int, frame_id: str, k: Intrinsics) -> Any:
        roi = self.types['sensor_msgs/msg/RegionOfInterest'](x_offset=0, y_offset=0, height=0, width=0,
                                                              do_rectify=False)
        projection = np.array([k.fx, 0.0, k.cx, 0.0, 0.0, k.fy, k.cy, 0.0, 0.0, 0.0, 1.0, 0.0])
        return self.types['sensor_msgs/msg/CameraInfo'](
            header=self.header(stamp_ns, frame_id), height=k.height, width=k.width, distortion_model='plumb_bob',
            d=np.zeros(5), k=k.matrix.reshape(-1), r=np.eye(3).reshape(-1), p=projection, binning_x=0,
            binning_y=0, roi=roi)

    def audio(self, stamp_ns: int, frame_id: str, sample_rate: int, samples: np.ndarray, sequence: int) -> Any:
        """`samples` (n, channels) -> interleaved float32 AudioChunk."""
        return self.types['savvy_ros/msg/AudioChunk'](
            header=self.header(stamp_ns, frame_id), sample_rate=sample_rate, channels=samples.shape[1],
            sequence=sequence, overruns=0, data=np.ascontiguousarray(samples, np.float32).reshape(-1))

    def transform(self, stamp_ns: int, parent: str, child: str, translation: Any, rotation_xyzw: Any) -> Any:
        t = self.types
        x, y, z = (float(v) for v in translation)
        qx, qy, qz, qw = (float(v) for v in rotation_xyzw)
        return t['geometry_msgs/msg/TransformStamped'](
            header=self.header(stamp_ns, parent), child_frame_id=child,
            transform=t['geometry_msgs/msg/Transform'](translation=t['geometry_msgs/msg/Vector3'](x=x, y=y, z=z),
                                                       rotation=t['geometry_msgs/msg/Quaternion'](x=qx, y=qy, z=qz, w=qw)))

    def tf(self, transforms: list[Any]) -> Any:
        return self.types['tf2_msgs/msg/TFMessage'](transforms=transforms)
