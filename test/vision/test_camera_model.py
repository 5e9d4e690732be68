"""CameraInfo YAML (camera_calibration_parsers format) and the pinhole model."""
from __future__ import annotations

import numpy as np
import pytest

from savvy_ros.vision.camera_model import CameraInfoError, CameraModel, camera_info_yaml_text, load_camera_info_yaml
from savvy_ros.vision.pipeline import default_config_path


def test_shipped_example_loads():
    camera = load_camera_info_yaml(default_config_path('camera_info_example.yaml'))
    assert (camera.width, camera.height) == (640, 480)
    assert camera.fx == pytest.approx(381.36) and camera.distortion_model == 'plumb_bob'
    assert camera.p.shape == (3, 4) and camera.p[0, 0] == pytest.approx(381.36)


def test_yaml_round_trip_and_distorted_rays(tmp_path):
    camera = CameraModel(800, 600, np.array([[500.0, 0, 401], [0, 502, 299], [0, 0, 1]]),
                         d=np.array([-0.2, 0.05, 0.001, -0.001, 0.0]), name='head_cam')
    path = tmp_path / 'cam.yaml'
    path.write_text(camera_info_yaml_text(camera))
    loaded = load_camera_info_yaml(path)
    np.testing.assert_allclose(loaded.k, camera.k)
    np.testing.assert_allclose(loaded.d, camera.d)
    assert loaded.name == 'head_cam'
    points = np.array([[0.5, -0.3, 2.0], [-1.0, 0.4, 3.0], [0.0, 0.0, 1.0]])
    rays = loaded.normalized_rays(loaded.project(points))
    np.testing.assert_allclose(rays * points[:, 2:], points, atol=1e-6)


@pytest.mark.parametrize('mutate, message', [
    (lambda d: d.pop('camera_matrix'), 'missing field camera_matrix'),
    (lambda d: d['camera_matrix'].update(data=[1.0] * 8), 'camera_matrix needs 3x3 values'),
    (lambda d: d['camera_matrix'].update(data=[0.0] * 9), 'focal lengths must be > 0'),
    (lambda d: d.update(distortion_model='fisheye62'), 'unsupported distortion model'),
    (lambda d: d.update(image_width=0), 'image size must be positive'),
])
def test_bad_calibration_names_file_and_field(tmp_path, mutate, message):
    import yaml

    data = yaml.safe_load(default_config_path('camera_info_example.yaml').read_text())
    mutate(data)
    path = tmp_path / 'bad.yaml'
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CameraInfoError, match=message) as info:
        load_camera_info_yaml(path)
    assert str(path) in str(info.value)


def test_missing_and_unparsable_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='calibration file not found'):
        load_camera_info_yaml(tmp_path / 'none.yaml')
    bad = tmp_path / 'bad.yaml'
    bad.write_text('image_width: [640\n')
    with pytest.raises(CameraInfoError, match='not valid YAML'):
        load_camera_info_yaml(bad)
