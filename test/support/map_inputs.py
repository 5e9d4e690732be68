"""World-frame map inputs for the mapping tests: see (vision), hear (a bearing ray), walk (the wearer)."""
from __future__ import annotations

import numpy as np

from savvy_ros.mapping.map_model import GlobalMapModel
from savvy_ros.mapping.observations import BearingBatch, VisualBatch


def see(model: GlobalMapModel, t: float, labels: list[str], positions, std: float = 0.1, track_ids=None) -> int:
    positions = np.asarray(positions, dtype=float).reshape(-1, 3)
    n = len(labels)
    return model.ingest_visual(VisualBatch(t, 'camera_optical', labels, positions, np.full(n, std ** 2),
                                           np.full(n, 0.9), np.asarray(track_ids if track_ids else [0] * n)))


def hear(model: GlobalMapModel, t: float, origin, source) -> int:
    origin = np.asarray(origin, dtype=float)
    d = (np.asarray(source, dtype=float) - origin)[None]
    return model.ingest_bearings(BearingBatch(t, origin, d, np.array([0.9]), np.array([np.nan]), np.array([np.nan])))


def walk(t: float) -> np.ndarray:
    """The wearer walks along x at 0.5 m/s, 1.6 m up."""
    return np.array([-2.0 + 0.5 * t, 0.0, 1.6])
