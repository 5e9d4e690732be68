"""Debug rendering: boxes, labels, track ids and ranges drawn on the image."""
from __future__ import annotations

import cv2
import numpy as np

from savvy_ros.vision.detection import ObjectEstimate


def _colour(track_id: int) -> tuple[int, int, int]:
    rng = np.random.default_rng(track_id)   # stable colour per track
    return tuple(int(c) for c in rng.integers(64, 256, 3))


def draw_estimates(rgb: np.ndarray, estimates: list[ObjectEstimate]) -> np.ndarray:
    out = rgb.copy()
    for estimate in estimates:
        x0, y0, x1, y1 = (int(round(v)) for v in estimate.detection.box)
        colour = _colour(estimate.track_id)
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, 2)
        text = f'#{estimate.track_id} {estimate.label} {estimate.detection.score:.2f} {estimate.range:.2f}m'
        cv2.putText(out, text, (x0, max(12, y0 - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.45, colour, 1, cv2.LINE_AA)
    return out
