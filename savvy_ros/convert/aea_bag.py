"""Aria Everyday Activities recordings -> rosbag2.

MPS part (plain Python, always available):
  /tf         world -> aria_device from slam/closed_loop_trajectory.csv, resampled to `tf_rate_hz`
  /tf_static  aria_device -> head (REP 103 body: RGB camera position, levelled forward axis),
              aria_device -> every camera and IMU of the device calibration, head -> mic_array
VRS part (needs projectaria-tools, imported only then):
  /camera/image_raw + /camera/camera_info  RGB frames undistorted to a pinhole camera
  /mic_array/audio                          the 7-channel 48 kHz microphone stream as AudioChunk
Bag time is the Aria device clock (tracking_timestamp_us / capture_timestamp_ns), which the
trajectory and the VRS streams share.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from savvy_ros.bags import BagWriter
from savvy_ros.bags.message_builders import MessageBuilder
from savvy_ros.convert.aria_mps import (DeviceCalibration, DeviceTrajectory, SensorPose, body_rotation_in_device,
                                        matrix_to_quaternion)

TF_TOPIC = '/tf'
TF_STATIC_TOPIC = '/tf_static'
IMAGE_TOPIC = '/camera/image_raw'
CAMERA_INFO_TOPIC = '/camera/camera_info'
AUDIO_TOPIC = '/mic_array/audio'
RGB_LABEL = 'camera-rgb'
MIC_LABEL = 'mic'
AUDIO_FULL_SCALE = float(2 ** 31)   # Aria microphones: 32-bit PCM


class ProjectAriaToolsMissing(RuntimeError):
    """The VRS path needs projectaria-tools, which this environment does not have."""


@dataclass(frozen=True)
class AeaConversionOptions:
    world_frame: str = 'map'
    device_frame: str = 'aria_device'
    body_frame: str = 'head'
    mic_frame: str = 'mic_array'
    tf_rate_hz: float = 50.0          # [Hz] /tf rate (the MPS trajectory is 1 kHz)
    image_size: int = 512             # [px] square pinhole output
    image_focal: float = 256.0        # [px] 90 deg field of view at 512 px
    storage: str = 'mcap'


@dataclass
class AeaReport:
    bag: Path
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def sensor_frame(label: str) -> str:
    """A TF frame id for a calibration label ('camera-rgb' -> 'camera_rgb')."""
    return label.replace('-', '_')


def resample_indices(stamps_ns: np.ndarray, rate_hz: float) -> np.ndarray:
    """Indices of the first pose and then of the first pose at or after each 1 / rate step."""
    if rate_hz <= 0:
        return np.arange(len(stamps_ns))
    grid = np.arange(stamps_ns[0], stamps_ns[-1] + 1, round(1e9 / rate_hz))
    return np.unique(np.searchsorted(stamps_ns, grid))


def static_transforms(calibration: DeviceCalibration, trajectory: DeviceTrajectory,
                      options: AeaConversionOptions) -> list[tuple[str, str, SensorPose]]:
    """(parent, child, pose of child in parent) of the rigid frames of the glasses."""
    body = SensorPose(calibration.cameras[RGB_LABEL].pose.translation if RGB_LABEL in calibration.cameras
                      else (0.0, 0.0, 0.0),
                      matrix_to_quaternion(body_rotation_in_device(calibration, trajectory)))
    frames = [(options.device_frame, options.body_frame, body),
              # aria.yaml: the mic_array frame has the head's axes, origin between the front mics,
              # which sit beside the RGB camera (the head origin) to within the positions' accuracy.
              (options.body_frame, options.mic_frame, SensorPose((0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0)))]
    frames += [(options.device_frame, sensor_frame(label), camera.pose)
               for label, camera in sorted(calibration.cameras.items())]
    frames += [(options.device_frame, sensor_frame(label), pose) for label, pose in sorted(calibration.imus.items())]
    return frames


class AeaBagBuilder:
    def __init__(self, options: AeaConversionOptions, builder: MessageBuilder | None = None) -> None:
        self.options = options
        self.build = builder or MessageBuilder()

    def tf_messages(self, trajectory: DeviceTrajectory) -> Iterator[tuple[int, Any]]:
        for index in resample_indices(trajectory.stamps_ns, self.options.tf_rate_hz):
            stamp = int(trajectory.stamps_ns[index])
            yield stamp, self.build.tf_message([self.build.transform(
                stamp, self.options.world_frame, self.options.device_frame,
                trajectory.positions[index], trajectory.quaternions[index])])

    def tf_static_message(self, stamp_ns: int, frames: list[tuple[str, str, SensorPose]]) -> Any:
        return self.build.tf_message([self.build.transform(stamp_ns, parent, child, pose.translation,
                                                           pose.quaternion_xyzw) for parent, child, pose in frames])

    def audio_chunk(self, stamp_ns: int, samples: np.ndarray, sample_rate: int, sequence: int) -> Any:
        """`samples`: (frames, channels) int32 PCM."""
        data = (np.asarray(samples, dtype=np.float64) / AUDIO_FULL_SCALE).astype(np.float32).reshape(-1)
        return self.build.make('savvy_ros/msg/AudioChunk', header=self.build.header(stamp_ns, self.options.mic_frame),
                               sample_rate=sample_rate, channels=samples.shape[1], sequence=sequence, overruns=0,
                               data=data)

    def image(self, stamp_ns: int, rgb: np.ndarray, frame_id: str) -> Any:
        height, width = rgb.shape[:2]
        return self.build.make('sensor_msgs/msg/Image', header=self.build.header(stamp_ns, frame_id), height=height,
                               width=width, encoding='rgb8', is_bigendian=0, step=width * 3,
                               data=np.ascontiguousarray(rgb, dtype=np.uint8).reshape(-1))

    def camera_info(self, stamp_ns: int, frame_id: str) -> Any:
        size, focal = self.options.image_size, self.options.image_focal
        centre = (size - 1) / 2.0
        k = np.array([focal, 0, centre, 0, focal, centre, 0, 0, 1], dtype=np.float64)
        p = np.array([focal, 0, centre, 0, 0, focal, centre, 0, 0, 0, 1, 0], dtype=np.float64)
        roi = self.build.make('sensor_msgs/msg/RegionOfInterest', x_offset=0, y_offset=0, height=0, width=0,
                              do_rectify=False)
        return self.build.make('sensor_msgs/msg/CameraInfo', header=self.build.header(stamp_ns, frame_id),
                               height=size, width=size, distortion_model='plumb_bob', d=np.zeros(5), k=k,
                               r=np.eye(3).reshape(-1), p=p, binning_x=0, binning_y=0, roi=roi)


def write_mps_topics(writer: BagWriter, builder: AeaBagBuilder, trajectory: DeviceTrajectory,
                     calibration: DeviceCalibration) -> dict[str, int]:
    writer.add_topic(TF_TOPIC, 'tf2_msgs/msg/TFMessage')
    writer.add_topic(TF_STATIC_TOPIC, 'tf2_msgs/msg/TFMessage', latched=True)
    start = int(trajectory.stamps_ns[0])
    writer.write(TF_STATIC_TOPIC, start, builder.tf_static_message(
        start, static_transforms(calibration, trajectory, builder.options)))
    count = 0
    for stamp, message in builder.tf_messages(trajectory):
        writer.write(TF_TOPIC, stamp, message)
        count += 1
    return {TF_STATIC_TOPIC: 1, TF_TOPIC: count}


def convert_aea(out: Path, trajectory: DeviceTrajectory, calibration: DeviceCalibration, vrs: Path | None = None,
                options: AeaConversionOptions = AeaConversionOptions()) -> AeaReport:
    """Write the bag at `out`; the VRS streams only when `vrs` is given (needs projectaria-tools)."""
    report = AeaReport(out)
    if len(trajectory.graph_uids) > 1:
        report.notes.append(f'the trajectory spans {len(trajectory.graph_uids)} SLAM world frames '
                            f'{list(trajectory.graph_uids)}: poses across them are not comparable')
    vrs_streams = open_vrs(vrs) if vrs is not None else None  # fail before writing anything
    builder = AeaBagBuilder(options)
    with BagWriter(out, options.storage) as writer:  # type: ignore[arg-type]
        # rosbag2 needs no global order on write; every reader merges the topics by time.
        report.counts.update(write_mps_topics(writer, builder, trajectory, calibration))
        if vrs_streams is not None:
            report.counts.update(vrs_streams.write(writer, builder))
        else:
            report.notes.append('no VRS recording given: no camera or microphone topics')
    return report


def open_vrs(path: Path) -> Any:
    """The VRS reader (savvy_ros.convert.aria_vrs), or a plain error when projectaria-tools is absent."""
    try:
        import projectaria_tools  # noqa: F401
    except ImportError:
        raise ProjectAriaToolsMissing(
            f'reading the VRS recording {path} needs projectaria-tools (pip install projectaria-tools), '
            'which is not installed; the MPS trajectory and calibration were converted without it') from None
    from savvy_ros.convert.aria_vrs import AriaVrsStreams
    return AriaVrsStreams(Path(path))
