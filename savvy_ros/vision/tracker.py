"""Short-term tracking: frame-to-frame association by class, IoU and 3D gating (Hungarian method).

Tracks keep their id while they are re-detected; a track unseen for `max_age` seconds is removed.
Ids are never reused within a run; a clock that jumps back (bag loop) starts a fresh run.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from savvy_ros.vision.detection import ObjectEstimate, box_iou

CHI2_3DOF_99 = 11.345   # 99 % gate of a 3-D Mahalanobis distance


@dataclass
class Track:
    track_id: int
    label: str
    box: tuple[float, float, float, float]
    position: np.ndarray
    covariance: np.ndarray
    first_seen: float
    last_seen: float
    hits: int = 1


@dataclass
class ObjectTracker:
    max_age: float = 1.0            # [s] a track unseen this long is dropped
    min_iou: float = 0.0            # pairs overlapping less are never associated
    gate: float = CHI2_3DOF_99      # squared Mahalanobis gate on 3D position
    motion_sigma: float = 1.5       # [m/s] how fast objects may move between frames
    tracks: list[Track] = field(default_factory=list)
    _next_id: int = 1
    _last_stamp: float | None = None

    def reset(self) -> None:
        self.tracks.clear()
        self._next_id, self._last_stamp = 1, None

    def _pair_cost(self, track: Track, estimate: ObjectEstimate, stamp: float) -> float | None:
        if track.label != estimate.label:
            return None
        iou = box_iou(track.box, estimate.detection.box)
        if iou < self.min_iou:
            return None
        dt = max(stamp - track.last_seen, 0.0)
        covariance = track.covariance + estimate.covariance + (self.motion_sigma * dt) ** 2 * np.eye(3)
        delta = estimate.position - track.position
        distance2 = float(delta @ np.linalg.solve(covariance, delta))
        if distance2 > self.gate:
            return None
        return (1.0 - iou) + distance2 / self.gate

    def update(self, estimates: list[ObjectEstimate], stamp: float) -> list[ObjectEstimate]:
        """Assign track ids to this frame's estimates (same order); ages and removes tracks."""
        if self._last_stamp is not None and stamp < self._last_stamp - self.max_age:
            self.reset()   # time jumped back (a replay or a video restarted): old tracks mean nothing
        # A frame only slightly late (released out of order by the stamp synchroniser) keeps them.
        self._last_stamp = stamp if self._last_stamp is None else max(self._last_stamp, stamp)
        self.tracks = [t for t in self.tracks if stamp - t.last_seen <= self.max_age]
        invalid = 1e6
        cost = np.full((len(self.tracks), len(estimates)), invalid)
        for i, track in enumerate(self.tracks):
            for j, estimate in enumerate(estimates):
                pair = self._pair_cost(track, estimate, stamp)
                if pair is not None:
                    cost[i, j] = pair
        assigned: dict[int, Track] = {}
        if cost.size:
            for i, j in zip(*linear_sum_assignment(cost)):
                if cost[i, j] < invalid:
                    assigned[int(j)] = self.tracks[int(i)]
        out = []
        for j, estimate in enumerate(estimates):
            track = assigned.get(j)
            if track is None:
                track = Track(self._next_id, estimate.label, estimate.detection.box, estimate.position,
                              estimate.covariance, stamp, stamp, 0)
                self._next_id += 1
                self.tracks.append(track)
            track.box, track.position, track.covariance = estimate.detection.box, estimate.position, estimate.covariance
            track.last_seen, track.hits = stamp, track.hits + 1
            out.append(replace(estimate, track_id=track.track_id))
        return out
