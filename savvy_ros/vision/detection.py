"""Domain objects of the vision stage: a 2D detection and its 3D estimate."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import IntEnum

import numpy as np


class DepthSource(IntEnum):
    """Same values as savvy_ros/msg/ObjectObservation DEPTH_* constants."""

    SIZE_PRIOR = 0
    DEPTH_IMAGE = 1
    FIDUCIAL = 2


@dataclass(frozen=True)
class Detection:
    """One object found in one image. `box` = (x_min, y_min, x_max, y_max) [px], origin top-left."""

    label: str
    score: float
    box: tuple[float, float, float, float]
    detector: str
    # Fiducials measure a full pose: marker centre [m] and orientation (x, y, z, w) in the optical frame.
    translation: np.ndarray | None = None
    rotation: np.ndarray | None = None
    # [m] 1-sigma of `translation` along the viewing ray and across it, when the backend knows it.
    position_sigma: tuple[float, float] | None = None

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def center(self) -> tuple[float, float]:
        return (0.5 * (self.box[0] + self.box[2]), 0.5 * (self.box[1] + self.box[3]))


@dataclass
class ObjectEstimate:
    """A detection lifted to 3D in the camera optical frame (z forward, x right, y down) [m]."""

    detection: Detection
    position: np.ndarray                      # (3,) [m]
    covariance: np.ndarray                    # (3, 3) [m^2]
    depth_source: DepthSource
    orientation: np.ndarray | None = None     # (x, y, z, w) when measured
    track_id: int = 0                         # 0 = untracked
    extras: dict[str, float] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.detection.label

    @property
    def range(self) -> float:
        return float(np.linalg.norm(self.position))

    def with_track(self, track_id: int) -> ObjectEstimate:
        return replace(self, track_id=track_id)


def box_iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two (x_min, y_min, x_max, y_max) boxes."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return float(inter / union) if union > 0 else 0.0
