"""Aria VRS recordings through projectaria-tools (imported by this module only; see aea_bag.open_vrs)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from projectaria_tools.core import calibration as aria_calibration
from projectaria_tools.core import data_provider

from savvy_ros.bags import BagWriter


class AriaVrsError(RuntimeError):
    """The VRS file cannot be opened or lacks a stream the conversion needs."""


class AriaVrsStreams:
    """The RGB camera (undistorted to a pinhole model) and the microphone array of one recording."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise AriaVrsError(f'VRS recording not found: {path}')
        self.path = path
        self.provider = data_provider.create_vrs_data_provider(str(path))
        if self.provider is None:
            raise AriaVrsError(f'projectaria-tools cannot open {path} as a VRS recording')

    def _stream(self, label: str) -> Any:
        stream = self.provider.get_stream_id_from_label(label)
        if stream is None:
            raise AriaVrsError(f'{self.path} has no {label!r} stream')
        return stream

    def write(self, writer: BagWriter, builder: Any) -> dict[str, int]:
        from savvy_ros.convert.aea_bag import (AUDIO_TOPIC, CAMERA_INFO_TOPIC, IMAGE_TOPIC, MIC_LABEL, RGB_LABEL,
                                               sensor_frame)
        counts = {IMAGE_TOPIC: 0, CAMERA_INFO_TOPIC: 0, AUDIO_TOPIC: 0}
        writer.add_topic(IMAGE_TOPIC, 'sensor_msgs/msg/Image')
        writer.add_topic(CAMERA_INFO_TOPIC, 'sensor_msgs/msg/CameraInfo')
        writer.add_topic(AUDIO_TOPIC, 'savvy_ros/msg/AudioChunk')
        options = builder.options
        rgb = self._stream(RGB_LABEL)
        source = self.provider.get_device_calibration().get_camera_calib(RGB_LABEL)
        pinhole = aria_calibration.get_linear_camera_calibration(
            options.image_size, options.image_size, options.image_focal, RGB_LABEL,
            source.get_transform_device_camera())
        frame_id = sensor_frame(RGB_LABEL)
        for index in range(self.provider.get_num_data(rgb)):
            image, record = self.provider.get_image_data_by_index(rgb, index)
            stamp = int(record.capture_timestamp_ns)
            undistorted = aria_calibration.distort_by_calibration(image.to_numpy_array(), pinhole, source)
            writer.write(IMAGE_TOPIC, stamp, builder.image(stamp, undistorted, frame_id))
            writer.write(CAMERA_INFO_TOPIC, stamp, builder.camera_info(stamp, frame_id))
            counts[IMAGE_TOPIC] += 1
            counts[CAMERA_INFO_TOPIC] += 1
        mic = self._stream(MIC_LABEL)
        config = self.provider.get_audio_configuration(mic)
        channels, rate = int(config.num_channels), int(config.sample_rate)
        for index in range(self.provider.get_num_data(mic)):
            audio, record = self.provider.get_audio_data_by_index(mic, index)
            samples = np.asarray(audio.data, dtype=np.int64).reshape(-1, channels)
            stamp = int(record.capture_timestamps_ns[0])  # the first sample's capture time
            writer.write(AUDIO_TOPIC, stamp, builder.audio_chunk(stamp, samples, rate, index))
            counts[AUDIO_TOPIC] += 1
        return counts
