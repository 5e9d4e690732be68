"""Pinhole camera model and CameraInfo YAML in the camera_calibration_parsers format.

The YAML is what `camera_calibration` writes and `camera_info_manager` reads:
image_width, image_height, camera_name, camera_matrix {rows, cols, data}, distortion_model,
distortion_coefficients, rectification_matrix, projection_matrix.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import yaml

DISTORTION_MODELS = ('plumb_bob', 'rational_polynomial', 'equidistant')


class CameraInfoError(ValueError):
    """A calibration (file or message) that cannot describe a pinhole camera."""


@dataclass(frozen=True)
class CameraModel:
    width: int                      # [px]
    height: int                     # [px]
    k: np.ndarray                   # (3, 3) intrinsics of the raw image [px]
    d: np.ndarray = field(default_factory=lambda: np.zeros(5))  # distortion coefficients
    distortion_model: str = 'plumb_bob'
    r: np.ndarray = field(default_factory=lambda: np.eye(3))
    p: np.ndarray | None = None     # (3, 4) projection of the rectified image [px]
    name: str = 'camera'

    def __post_init__(self) -> None:
        k = np.asarray(self.k, dtype=float)
        if k.shape != (3, 3) or not np.all(np.isfinite(k)):
            raise CameraInfoError(f'camera matrix must be a finite 3x3 matrix, got shape {k.shape}')
        if k[0, 0] <= 0 or k[1, 1] <= 0:
            raise CameraInfoError(f'focal lengths must be > 0 (fx={k[0, 0]}, fy={k[1, 1]}); uncalibrated camera?')
        if self.width <= 0 or self.height <= 0:
            raise CameraInfoError(f'image size must be positive, got {self.width}x{self.height}')
        if self.distortion_model not in DISTORTION_MODELS:
            raise CameraInfoError(f'unsupported distortion model {self.distortion_model!r}; '
                                  f'known: {", ".join(DISTORTION_MODELS)}')
        d = np.asarray(self.d, dtype=float).ravel()
        if not np.all(np.isfinite(d)):
            raise CameraInfoError('distortion coefficients must be finite')
        object.__setattr__(self, 'k', k)
        object.__setattr__(self, 'd', d)
        if self.p is None:
            object.__setattr__(self, 'p', np.hstack([k, np.zeros((3, 1))]))

    @property
    def fx(self) -> float:
        return float(self.k[0, 0])

    @property
    def fy(self) -> float:
        return float(self.k[1, 1])

    def normalized_rays(self, pixels: np.ndarray) -> np.ndarray:
        """(N, 2) raw-image pixels -> (N, 3) rays (x, y, 1) in the optical frame, distortion removed."""
        pts = np.asarray(pixels, dtype=np.float64).reshape(-1, 1, 2)
        if not np.any(self.d):
            xy = (pts.reshape(-1, 2) - self.k[:2, 2]) / np.array([self.fx, self.fy])
        elif self.distortion_model == 'equidistant':
            xy = cv2.fisheye.undistortPoints(pts, self.k, self.d[:4]).reshape(-1, 2)
        else:
            xy = cv2.undistortPoints(pts, self.k, self.d).reshape(-1, 2)
        return np.hstack([xy, np.ones((len(xy), 1))])

    def project(self, points: np.ndarray) -> np.ndarray:
        """(N, 3) optical-frame points [m] -> (N, 2) raw-image pixels."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        if self.distortion_model == 'equidistant':
            return cv2.fisheye.projectPoints(pts.reshape(-1, 1, 3), np.zeros(3), np.zeros(3), self.k,
                                             self.d[:4])[0].reshape(-1, 2)
        return cv2.projectPoints(pts, np.zeros(3), np.zeros(3), self.k, self.d)[0].reshape(-1, 2)


def _matrix(data: dict, key: str, rows: int, cols: int, path: Path) -> np.ndarray:
    entry = data.get(key)
    if not isinstance(entry, dict) or 'data' not in entry:
        raise CameraInfoError(f'{path}: {key} must be a mapping with rows, cols and data')
    values = np.asarray(entry['data'], dtype=float)
    if values.size != rows * cols or int(entry.get('rows', rows)) * int(entry.get('cols', cols)) != values.size:
        raise CameraInfoError(f'{path}: {key} needs {rows}x{cols} values, has {values.size} '
                              f'(rows={entry.get("rows")}, cols={entry.get("cols")})')
    return values.reshape(rows, cols)


def load_camera_info_yaml(path: str | Path) -> CameraModel:
    """Read a camera_calibration_parsers YAML file; errors name the file and the field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(f'camera calibration file not found: {path}') from None
    except yaml.YAMLError as exc:
        raise CameraInfoError(f'{path}: not valid YAML: {exc}') from exc
    if not isinstance(data, dict):
        raise CameraInfoError(f'{path}: expected a mapping of calibration fields')
    for key in ('image_width', 'image_height', 'camera_matrix'):
        if key not in data:
            raise CameraInfoError(f'{path}: missing field {key}')
    d_entry = data.get('distortion_coefficients') or {'rows': 1, 'cols': 5, 'data': [0.0] * 5}
    n_d = len(d_entry.get('data', []))
    d = _matrix({'d': d_entry}, 'd', 1, n_d, path).ravel() if n_d else np.zeros(5)
    try:
        return CameraModel(
            width=int(data['image_width']), height=int(data['image_height']),
            k=_matrix(data, 'camera_matrix', 3, 3, path), d=d,
            distortion_model=str(data.get('distortion_model', 'plumb_bob')),
            r=_matrix(data, 'rectification_matrix', 3, 3, path) if 'rectification_matrix' in data else np.eye(3),
            p=_matrix(data, 'projection_matrix', 3, 4, path) if 'projection_matrix' in data else None,
            name=str(data.get('camera_name', 'camera')))
    except CameraInfoError as exc:
        raise CameraInfoError(f'{path}: {exc}') from None


def camera_info_yaml_text(camera: CameraModel) -> str:
    """The calibration in the camera_calibration_parsers YAML layout (round-trips through load)."""
    def block(matrix: np.ndarray) -> dict:
        m = np.atleast_2d(matrix)
        return {'rows': m.shape[0], 'cols': m.shape[1], 'data': [float(v) for v in m.ravel()]}
    return yaml.safe_dump({
        'image_width': camera.width, 'image_height': camera.height, 'camera_name': camera.name,
        'camera_matrix': block(camera.k), 'distortion_model': camera.distortion_model,
        'distortion_coefficients': block(camera.d.reshape(1, -1)), 'rectification_matrix': block(camera.r),
        'projection_matrix': block(camera.p)}, sort_keys=False)
