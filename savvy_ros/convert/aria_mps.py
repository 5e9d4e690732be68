"""Project Aria MPS outputs and device calibration, read in plain Python (no projectaria-tools).

Formats (Project Aria documentation, "MPS output - Trajectory" and the device calibration JSON
of a VRS recording / online_calibration.jsonl):
* slam/closed_loop_trajectory.csv: one row per pose (1 kHz), columns graph_uid,
  tracking_timestamp_us (device clock), utc_timestamp_ns, {tx,ty,tz,qx,qy,qz,qw}_world_device
  (pose of the device frame in the gravity-aligned world frame), device velocities,
  gravity_{x,y,z}_world, quality_score; extra columns may follow.
* calibration JSON: {"CameraCalibrations": [{"Label", "T_Device_Camera": {"Translation": [x, y, z],
  "UnitQuaternion": [w, [x, y, z]]}, "Projection": {"Name", "Params"}}, ...],
  "ImuCalibrations": [{"Label", "T_Device_Imu": {...}}, ...], "DeviceClassInfo": {...}, ...}.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation

POSE_COLUMNS = ('tx_world_device', 'ty_world_device', 'tz_world_device',
                'qx_world_device', 'qy_world_device', 'qz_world_device', 'qw_world_device')
GRAVITY_COLUMNS = ('gravity_x_world', 'gravity_y_world', 'gravity_z_world')
REQUIRED_COLUMNS = ('graph_uid', 'tracking_timestamp_us', *POSE_COLUMNS)


class AriaFormatError(ValueError):
    """An MPS or calibration file does not have the documented format; names the file and the place."""


@dataclass(frozen=True)
class DeviceTrajectory:
    """Closed-loop poses world <- device (REP 103 quaternions x, y, z, w)."""

    stamps_ns: np.ndarray        # (n,) device clock [ns]
    positions: np.ndarray        # (n, 3) [m] in the world frame
    quaternions: np.ndarray      # (n, 4) x, y, z, w, unit
    gravity_world: np.ndarray    # (n, 3) [m/s^2]; NaN where the file has none
    graph_uids: tuple[str, ...]  # distinct world frames in the file (one expected)


@dataclass(frozen=True)
class SensorPose:
    """T_Device_Sensor: the sensor's pose in the device frame."""

    translation: tuple[float, float, float]
    quaternion_xyzw: tuple[float, float, float, float]

    def matrix(self) -> np.ndarray:
        return rotation_matrix(np.asarray(self.quaternion_xyzw))


@dataclass(frozen=True)
class CameraCalibration:
    label: str
    pose: SensorPose
    model: str                   # e.g. "FisheyeRadTanThinPrism"
    params: tuple[float, ...]


@dataclass(frozen=True)
class DeviceCalibration:
    cameras: dict[str, CameraCalibration]
    imus: dict[str, SensorPose]
    device_class: str


def rotation_matrix(q_xyzw: np.ndarray) -> np.ndarray:
    return Rotation.from_quat(q_xyzw).as_matrix()


def read_closed_loop_trajectory(path: Path) -> DeviceTrajectory:
    path = Path(path)
    try:
        handle = path.open(newline='')
    except OSError as exc:
        raise AriaFormatError(f'{path}: cannot open ({exc.strerror})') from exc
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise AriaFormatError(f'{path}: not an MPS closed-loop trajectory, missing column(s) {missing}')
        has_gravity = all(c in reader.fieldnames for c in GRAVITY_COLUMNS)  # type: ignore[operator]
        stamps, poses, gravity, uids = [], [], [], []
        for line, row in enumerate(reader, start=2):
            try:
                stamps.append(int(row['tracking_timestamp_us']) * 1000)
                poses.append([float(row[c]) for c in POSE_COLUMNS])
                gravity.append([float(row[c]) for c in GRAVITY_COLUMNS] if has_gravity else [math.nan] * 3)
            except (TypeError, ValueError) as exc:
                raise AriaFormatError(f'{path}:{line}: bad number ({exc})') from exc
            uids.append(row['graph_uid'])
    if not stamps:
        raise AriaFormatError(f'{path}: no poses')
    pose = np.asarray(poses)
    norms = np.linalg.norm(pose[:, 3:], axis=1)
    bad = ~np.isfinite(pose).all(axis=1) | (np.abs(norms - 1.0) > 1e-3)
    if bad.any():
        raise AriaFormatError(f'{path}:{int(np.argmax(bad)) + 2}: non-finite pose or non-unit quaternion')
    times = np.asarray(stamps, dtype=np.int64)
    if np.any(np.diff(times) <= 0):
        raise AriaFormatError(f'{path}:{int(np.argmax(np.diff(times) <= 0)) + 3}: timestamps not increasing')
    return DeviceTrajectory(times, pose[:, :3], pose[:, 3:] / norms[:, None], np.asarray(gravity),
                            tuple(dict.fromkeys(uids)))


def _pose(path: Path, where: str, value: Any) -> SensorPose:
    try:
        translation = tuple(float(v) for v in value['Translation'])
        w, (x, y, z) = value['UnitQuaternion']
        quaternion = np.array([float(x), float(y), float(z), float(w)])
    except (KeyError, TypeError, ValueError) as exc:
        raise AriaFormatError(f'{path}: {where}: want {{"Translation": [x, y, z], '
                              f'"UnitQuaternion": [w, [x, y, z]]}}') from exc
    norm = np.linalg.norm(quaternion)
    if len(translation) != 3 or not np.isfinite(quaternion).all() or abs(norm - 1.0) > 1e-3:
        raise AriaFormatError(f'{path}: {where}: bad translation or non-unit quaternion')
    return SensorPose(translation, tuple(float(v) for v in quaternion / norm))  # type: ignore[arg-type]


def parse_device_calibration(data: Any, path: Path) -> DeviceCalibration:
    if not isinstance(data, dict) or not isinstance(data.get('CameraCalibrations'), list):
        raise AriaFormatError(f'{path}: not an Aria device calibration (no "CameraCalibrations" list)')
    cameras = {}
    for index, camera in enumerate(data['CameraCalibrations']):
        label = str(camera.get('Label', f'camera#{index}'))
        projection = camera.get('Projection') or {}
        pose = _pose(path, f'{label}.T_Device_Camera', camera.get('T_Device_Camera'))
        cameras[label] = CameraCalibration(label, pose, str(projection.get('Name', '')),
                                           tuple(float(v) for v in projection.get('Params', ())))
    imus = {str(imu.get('Label')): _pose(path, f'{imu.get("Label")}.T_Device_Imu', imu.get('T_Device_Imu'))
            for imu in data.get('ImuCalibrations', [])}
    device_class = str((data.get('DeviceClassInfo') or {}).get('DeviceClass', 'Aria'))
    return DeviceCalibration(cameras, imus, device_class)


def read_device_calibration(path: Path) -> DeviceCalibration:
    """A calibration JSON file, or the last line of an MPS online_calibration.jsonl."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise AriaFormatError(f'{path}: cannot read ({exc.strerror})') from exc
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        data = json.loads(lines[-1]) if path.suffix == '.jsonl' and lines else json.loads(text)
    except json.JSONDecodeError as exc:
        raise AriaFormatError(f'{path}: not valid JSON ({exc})') from exc
    return parse_device_calibration(data, path)


def body_rotation_in_device(calibration: DeviceCalibration, trajectory: DeviceTrajectory,
                            camera: str = 'camera-rgb') -> np.ndarray:
    """R_device_body of a REP 103 body frame (x forward, y left, z up) fixed to the glasses.

    Forward is the RGB camera's optical axis, levelled: the device frame's "up" is the mean of
    -gravity seen from the device over the recording (a head is upright on average), so x is
    horizontal when the head is, and the SAVVY "facing direction" is x. Columns: body axes in
    device coordinates.
    """
    if camera not in calibration.cameras:
        raise AriaFormatError(f'calibration has no {camera!r} (has {sorted(calibration.cameras)})')
    forward = calibration.cameras[camera].pose.matrix()[:, 2]
    gravity = trajectory.gravity_world
    valid = np.isfinite(gravity).all(axis=1)
    if not valid.any():
        raise AriaFormatError('the trajectory has no gravity vectors to level the body frame with')
    # -gravity in device coordinates (R_world_device^T g_world), per pose, averaged as unit vectors.
    ups = -Rotation.from_quat(trajectory.quaternions[valid]).inv().apply(gravity[valid])
    up = (ups / np.linalg.norm(ups, axis=1, keepdims=True)).mean(axis=0)
    up /= np.linalg.norm(up)
    x = forward - forward.dot(up) * up
    if np.linalg.norm(x) < 1e-6:
        raise AriaFormatError(f'{camera} looks straight up or down: no horizontal forward direction')
    x /= np.linalg.norm(x)
    return np.column_stack([x, np.cross(up, x), up])


def matrix_to_quaternion(matrix: np.ndarray) -> tuple[float, float, float, float]:
    x, y, z, w = Rotation.from_matrix(matrix).as_quat()
    return float(x), float(y), float(z), float(w)
