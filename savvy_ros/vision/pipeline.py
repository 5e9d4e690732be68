"""The vision stage in one call: detect, lift to 3D, track."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from savvy_ros.resources import config_file
from savvy_ros.vision.camera_model import CameraModel
from savvy_ros.vision.detection import ObjectEstimate
from savvy_ros.vision.detector import Detector, DetectorConfig, create_detector
from savvy_ros.vision.lifting import ObjectLifter
from savvy_ros.vision.size_priors import load_size_priors
from savvy_ros.vision.tracker import ObjectTracker


class FrameError(ValueError):
    """An image (or depth image) that does not fit the camera calibration."""


@dataclass
class VisionPipeline:
    detector: Detector
    lifter: ObjectLifter
    tracker: ObjectTracker | None = None

    def process(self, rgb: np.ndarray, camera: CameraModel, stamp: float,
                depth: np.ndarray | None = None) -> list[ObjectEstimate]:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.size == 0:
            raise FrameError(f'expected an (H, W, 3) colour image, got shape {rgb.shape}')
        if rgb.shape[:2] != (camera.height, camera.width):
            raise FrameError(f'image is {rgb.shape[1]}x{rgb.shape[0]} px but the camera calibration is for '
                             f'{camera.width}x{camera.height} px')
        if depth is not None and (depth.ndim != 2 or depth.size == 0):
            raise FrameError(f'expected an (H, W) depth image, got shape {depth.shape}')
        estimates = [self.lifter.lift(d, camera, depth) for d in self.detector.detect(rgb, camera)]
        estimates = [e for e in estimates if np.all(np.isfinite(e.position)) and e.position[2] > 0]
        return self.tracker.update(estimates, stamp) if self.tracker is not None else estimates


def default_config_path(name: str) -> Path:
    """config/vision/<name> of the checkout or the ament install."""
    return config_file(f'vision/{name}')


def build_pipeline(backend: str, config: DetectorConfig, size_priors: str | Path | None = None,
                   tracker: ObjectTracker | None = None) -> VisionPipeline:
    """A pipeline from names and paths; None/empty paths mean the shipped config/vision files."""
    if 'aruco' in (part.strip() for part in backend.split(',')) and config.aruco_table is None:
        config = replace(config, aruco_table=default_config_path('aruco_markers.yaml'))
    priors = load_size_priors(size_priors or default_config_path('size_priors.yaml'))
    return VisionPipeline(create_detector(backend, config), ObjectLifter(priors), tracker)
