"""SSD prior (anchor) boxes made in numpy as the graph's PriorBox layers make them in cv2.dnn.

Why: they depend only on the input size and each feature map's size, so the OpenVINO path need not
read the 69 MB graph into cv2.dnn once more per input size (~0.5 s and ~100 MB at start-up) to run
those layers. float32 arithmetic in cv2's order gives the same bits (tests compare them).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# SSD-MobileNet-v2: the first two maps are the backbone's stride-16 and stride-32 outputs; each further
# map is a stride-2 'SAME' convolution of the one before (ceil halves).
FIRST_STRIDES = (16, 32)
CENTRE_OFFSET = 0.5   # cv2's PriorBox default: box centres in the middle of each cell


@dataclass(frozen=True)
class PriorBoxSpec:
    """One PriorBox layer: its boxes' pixel sizes (one box per (width, height) pair and cell)."""

    widths: np.ndarray                                  # [px]
    heights: np.ndarray                                 # [px]
    variance: tuple[float, float, float, float] = (0.1, 0.1, 0.2, 0.2)
    clip: bool = False


def feature_sides(input_size: int, count: int) -> list[int]:
    """Side [cells] of each of `count` feature maps for a square input of `input_size` px."""
    sides = [math.ceil(input_size / stride) for stride in FIRST_STRIDES][:count]
    while len(sides) < count:
        sides.append(math.ceil(sides[-1] / 2))
    return sides


def prior_boxes(specs: list[PriorBoxSpec], input_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(N, 4) boxes (xmin, ymin, xmax, ymax, normalised) ordered (map, row, column, box), and their (N, 4)
    variances; float32, computed like cv2.dnn's PriorBox layer."""
    f = np.float32
    size = f(input_size)
    boxes, variances = [], []
    for spec, side in zip(specs, feature_sides(input_size, len(specs))):
        step = size / f(side)
        centres = (np.arange(side, dtype=f) + f(CENTRE_OFFSET)) * step
        cy, cx = np.meshgrid(centres, centres, indexing='ij')
        cx, cy = cx[..., None], cy[..., None]
        half_w, half_h = spec.widths.astype(f) * f(0.5), spec.heights.astype(f) * f(0.5)
        layer = np.stack([(cx - half_w) / size, (cy - half_h) / size, (cx + half_w) / size, (cy + half_h) / size],
                         axis=-1).reshape(-1, 4)
        if spec.clip:
            layer = np.clip(layer, f(0.0), f(1.0))
        boxes.append(layer)
        variances.append(np.broadcast_to(np.asarray(spec.variance, f), layer.shape))
    return np.concatenate(boxes), np.concatenate(variances)
