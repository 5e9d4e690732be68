"""2D detections -> 3D positions in the camera optical frame, with covariances that grow with range.

Order of preference: a fiducial's own pose, then the depth image (robust median in the box
centre), then the pinhole model with the class's physical size prior.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from savvy_ros.vision.camera_model import CameraModel
from savvy_ros.vision.detection import DepthSource, Detection, ObjectEstimate
from savvy_ros.vision.size_priors import SizePriorTable


def ray_covariance(direction: np.ndarray, sigma_range: float, sigma_lateral: float) -> np.ndarray:
    """Covariance [m^2] elongated along the viewing ray `direction`."""
    u = direction / np.linalg.norm(direction)
    along = np.outer(u, u)
    return sigma_range ** 2 * along + sigma_lateral ** 2 * (np.eye(3) - along)


@dataclass
class ObjectLifter:
    priors: SizePriorTable
    box_sigma_px: float = 2.0           # [px] 1-sigma of a box edge
    depth_noise_coeff: float = 0.003    # [1/m] depth sensor 1-sigma = coeff * Z^2 (structured light/stereo)
    min_depth_fraction: float = 0.2     # fewer valid depth pixels in the box centre -> use the size prior
    border_margin_px: float = 2.0       # a box this close to the image edge is cut off there

    def lift(self, detection: Detection, camera: CameraModel, depth: np.ndarray | None = None) -> ObjectEstimate:
        if detection.translation is not None:
            return self._from_pose(detection)
        if depth is not None:
            estimate = self._from_depth(detection, camera, depth)
            if estimate is not None:
                return estimate
        return self._from_size_prior(detection, camera)

    def _from_pose(self, detection: Detection) -> ObjectEstimate:
        position = np.asarray(detection.translation, dtype=float)
        sigma_range, sigma_lateral = detection.position_sigma or (0.01, 0.01)
        return ObjectEstimate(detection, position, ray_covariance(position, sigma_range, sigma_lateral),
                              DepthSource.FIDUCIAL, orientation=detection.rotation)

    def _from_depth(self, detection: Detection, camera: CameraModel, depth: np.ndarray) -> ObjectEstimate | None:
        sy, sx = depth.shape[0] / camera.height, depth.shape[1] / camera.width  # registered, maybe rescaled
        x0, y0, x1, y1 = detection.box
        cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 4, (y1 - y0) / 4
        # The central half of the box: mostly object, little background at its edges.
        rows = slice(int(max(0, (cy - hh) * sy)), int(np.ceil(min(depth.shape[0], (cy + hh) * sy))))
        cols = slice(int(max(0, (cx - hw) * sx)), int(np.ceil(min(depth.shape[1], (cx + hw) * sx))))
        patch = depth[rows, cols]
        values = patch[np.isfinite(patch) & (patch > 0)]
        if patch.size == 0 or values.size < self.min_depth_fraction * patch.size:
            return None
        z = float(np.median(values))
        mad = float(np.median(np.abs(values - z))) * 1.4826
        ray = camera.normalized_rays(np.array([[cx, cy]]))[0]
        position = ray * z
        distance = float(np.linalg.norm(position))
        sigma_range = float(np.hypot(self.depth_noise_coeff * distance ** 2, mad / np.sqrt(values.size)) + 0.005)
        sigma_lateral = distance * self.box_sigma_px / camera.fx
        return ObjectEstimate(detection, position, ray_covariance(position, sigma_range, sigma_lateral),
                              DepthSource.DEPTH_IMAGE)

    def _from_size_prior(self, detection: Detection, camera: CameraModel) -> ObjectEstimate:
        prior = self.priors.prior(detection.label)
        x0, y0, x1, y1 = detection.box
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        top, bottom, left, right, centre = camera.normalized_rays(
            np.array([[cx, y0], [cx, y1], [x0, cy], [x1, cy], [cx, cy]]))
        m = self.border_margin_px
        cut_vertically = y0 <= m or y1 >= camera.height - m
        cut_horizontally = x0 <= m or x1 >= camera.width - m
        by_height = prior.height / max(bottom[1] - top[1], 1e-9)   # Z from the angular height
        by_width = prior.width / max(right[0] - left[0], 1e-9)
        if not cut_vertically:
            z, extent_px, inflate = by_height, y1 - y0, 1.0
        elif not cut_horizontally:
            z, extent_px, inflate = by_width, x1 - x0, 1.0
        else:  # cut both ways: the smaller estimate is the less biased one
            z, extent_px, inflate = min(by_height, by_width), max(x1 - x0, y1 - y0), 2.0
        position = centre * z
        distance = float(np.linalg.norm(position))
        rel = inflate * float(np.hypot(prior.rel_sigma, self.box_sigma_px / max(extent_px, 1.0)))
        sigma_lateral = distance * self.box_sigma_px / camera.fx
        return ObjectEstimate(detection, position, ray_covariance(position, distance * rel, sigma_lateral),
                              DepthSource.SIZE_PRIOR)
