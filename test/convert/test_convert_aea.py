"""convert-aea on MPS-format files written here: trajectory -> /tf, calibration -> /tf_static."""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from savvy_ros.bags import BagReader
from savvy_ros.cli.main import main as cli_main
from savvy_ros.convert.aria_mps import AriaFormatError, read_closed_loop_trajectory, read_device_calibration
from savvy_ros.tf.buffer import TransformBuffer

COLUMNS = ['graph_uid', 'tracking_timestamp_us', 'utc_timestamp_ns', 'tx_world_device', 'ty_world_device',
           'tz_world_device', 'qx_world_device', 'qy_world_device', 'qz_world_device', 'qw_world_device',
           'device_linear_velocity_x_device', 'device_linear_velocity_y_device', 'device_linear_velocity_z_device',
           'angular_velocity_x_device', 'angular_velocity_y_device', 'angular_velocity_z_device',
           'gravity_x_world', 'gravity_y_world', 'gravity_z_world', 'quality_score']
# The glasses' device frame is some rotation of the wearer's REP 103 head frame.
R_BODY_DEVICE = Rotation.from_euler('xz', [30.0, 100.0], degrees=True)
RGB_IN_DEVICE = np.array([0.05, 0.01, -0.02])
START_US = 7_000_000


def rgb_rotation_in_device() -> Rotation:
    """The RGB optical axis looks 15 deg below the head's forward axis, image x to the right."""
    z = np.array([math.cos(math.radians(15)), 0.0, -math.sin(math.radians(15))])
    x = np.array([0.0, -1.0, 0.0])
    return R_BODY_DEVICE.inv() * Rotation.from_matrix(np.column_stack([x, np.cross(z, x), z]))


def yaw_at(t: float) -> float:
    return 0.5 * t + 0.3


def position_at(t: float) -> np.ndarray:
    return np.array([1.0 + math.cos(t), 2.0 + math.sin(t), 1.6])


def se3_json(translation, rotation: Rotation) -> dict:
    x, y, z, w = rotation.as_quat()
    return {'Translation': list(map(float, translation)), 'UnitQuaternion': [float(w), [float(x), float(y), float(z)]]}


def write_mps(root: Path, seconds: float = 2.0) -> Path:
    slam = root / 'slam'
    slam.mkdir(parents=True)
    with (slam / 'closed_loop_trajectory.csv').open('w', newline='') as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS + ['future_column'])  # readers must accept extra columns
        for k in range(int(seconds * 1000) + 1):
            t = k / 1000.0
            q = (Rotation.from_euler('z', yaw_at(t)) * R_BODY_DEVICE).as_quat()
            writer.writerow(['uid-1', START_US + k * 1000, -1, *position_at(t), *q, 0, 0, 0, 0, 0, 0,
                             0.0, 0.0, -9.81, 0.9, 'x'])
    calibration = {'CameraCalibrations': [
        {'Label': 'camera-rgb', 'T_Device_Camera': se3_json(RGB_IN_DEVICE, rgb_rotation_in_device()),
         'Projection': {'Name': 'FisheyeRadTanThinPrism', 'Params': [610.0, 715.0, 716.0] + [0.0] * 12}},
        {'Label': 'camera-slam-left', 'T_Device_Camera': se3_json([0, 0, 0], Rotation.identity()),
         'Projection': {'Name': 'FisheyeRadTanThinPrism', 'Params': [240.0, 320.0, 240.0] + [0.0] * 12}}],
        'ImuCalibrations': [{'Label': 'imu-right', 'T_Device_Imu': se3_json([0.0, -0.1, 0.0], Rotation.identity())}],
        'DeviceClassInfo': {'BuildVersion': 'DVT-S', 'DeviceClass': 'Aria'}}
    lines = [json.dumps({**calibration, 'tracking_timestamp_us': START_US}),
             json.dumps({**calibration, 'tracking_timestamp_us': START_US + 1000})]
    (slam / 'online_calibration.jsonl').write_text('\n'.join(lines) + '\n')
    return root


def load_buffer(bag: Path) -> tuple[TransformBuffer, dict[str, list]]:
    buffer = TransformBuffer(cache_time=1e6)
    topics: dict[str, list] = {}
    with BagReader(bag) as reader:
        for item in reader.messages():
            topics.setdefault(item.topic, []).append(item)
            for t in item.message.transforms:
                r, p = t.transform.rotation, t.transform.translation
                stamp = t.header.stamp.sec + t.header.stamp.nanosec * 1e-9
                buffer.set_transform(t.header.frame_id, t.child_frame_id, stamp, (p.x, p.y, p.z), (r.x, r.y, r.z, r.w),
                                     static=item.topic == '/tf_static')
    return buffer, topics


def test_mps_trajectory_and_calibration_become_tf_with_a_levelled_head_frame(tmp_path, capsys):
    mps = write_mps(tmp_path / 'mps')
    assert cli_main(['convert-aea', '--mps', str(mps), '--out', str(tmp_path / 'bag')]) == 0
    assert 'no VRS recording given' in capsys.readouterr().out
    buffer, topics = load_buffer(tmp_path / 'bag')
    assert len(topics['/tf']) == 101 and len(topics['/tf_static']) == 1        # 2 s at 50 Hz
    assert topics['/tf'][0].stamp_ns == START_US * 1000
    children = {t.child_frame_id for t in topics['/tf_static'][0].message.transforms}
    assert children == {'head', 'mic_array', 'camera_rgb', 'camera_slam_left', 'imu_right'}
    for t in (0.0, 0.74, 1.5):
        head = buffer.lookup_transform('map', 'head', START_US * 1e-6 + t)
        rotation = head.as_rotation().as_matrix()
        yaw = yaw_at(t)
        assert rotation[:, 0] == pytest.approx([math.cos(yaw), math.sin(yaw), 0.0], abs=1e-6)  # forward, level
        assert rotation[:, 2] == pytest.approx([0.0, 0.0, 1.0], abs=1e-6)                     # up
        device = Rotation.from_euler('z', yaw) * R_BODY_DEVICE
        assert head.translation == pytest.approx(position_at(t) + device.apply(RGB_IN_DEVICE), abs=1e-6)
    mic = buffer.lookup_transform('head', 'mic_array', 0.0)
    assert mic.translation == pytest.approx([0, 0, 0]) and mic.yaw() == pytest.approx(0.0)


def test_vrs_without_projectaria_tools_is_refused_plainly_before_writing(tmp_path, capsys):
    try:
        import projectaria_tools  # noqa: F401
        pytest.skip('projectaria-tools is installed here')
    except ImportError:
        pass
    mps = write_mps(tmp_path / 'mps', seconds=0.1)
    (tmp_path / 'rec.vrs').write_bytes(b'')
    assert cli_main(['convert-aea', '--mps', str(mps), '--vrs', str(tmp_path / 'rec.vrs'),
                     '--out', str(tmp_path / 'bag')]) == 2
    assert 'needs projectaria-tools' in capsys.readouterr().err
    assert not (tmp_path / 'bag').exists()


def test_malformed_mps_files_raise_errors_naming_file_and_line(tmp_path):
    bad = tmp_path / 'traj.csv'
    bad.write_text('graph_uid,tracking_timestamp_us\nu,1\n')
    with pytest.raises(AriaFormatError, match=r'traj.csv: not an MPS closed-loop trajectory.*tx_world_device'):
        read_closed_loop_trajectory(bad)
    mps = write_mps(tmp_path / 'mps', seconds=0.01)
    rows = (mps / 'slam' / 'closed_loop_trajectory.csv').read_text().splitlines()
    rows[3] = rows[3].replace('uid-1,', 'uid-1,not-a-time,', 1).rsplit(',', 1)[0]
    bad.write_text('\n'.join(rows) + '\n')
    with pytest.raises(AriaFormatError, match=r'traj.csv:4: bad number'):
        read_closed_loop_trajectory(bad)
    (tmp_path / 'calib.json').write_text(json.dumps({'CameraCalibrations': [
        {'Label': 'camera-rgb', 'T_Device_Camera': {'Translation': [0, 0, 0], 'UnitQuaternion': [2.0, [0, 0, 0]]}}]}))
    with pytest.raises(AriaFormatError, match='camera-rgb.T_Device_Camera: bad translation or non-unit'):
        read_device_calibration(tmp_path / 'calib.json')
    with pytest.raises(AriaFormatError, match='no "CameraCalibrations"'):
        (tmp_path / 'other.json').write_text('{}')
        read_device_calibration(tmp_path / 'other.json')
