"""World-frame inputs of the map model (the node moves every egocentric input with TF first)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class InvalidObservationError(ValueError):
    """An input the map must drop; `kind` names the defect for the drop counters."""

    def __init__(self, kind: str, detail: str) -> None:
        self.kind = kind
        super().__init__(f'{kind}: {detail}')


@dataclass(frozen=True)
class VisualBatch:
    """Objects seen in one image, already in the world frame."""
    stamp: float                 # [s] capture time of the image
    source: str                  # camera frame (short-term track ids are unique per source)
    labels: list[str]
    positions: np.ndarray        # (N, 3) [m] world frame
    variances: np.ndarray        # (N,) [m^2] isotropic position variance
    scores: np.ndarray           # (N,) [0, 1]
    track_ids: np.ndarray        # (N,) 0 = untracked


@dataclass(frozen=True)
class BearingBatch:
    """Direction-of-arrival peaks of one analysis window as world-frame rays."""
    stamp: float                 # [s] centre of the analysis window
    origin: np.ndarray           # (3,) [m] array centre in the world frame
    directions: np.ndarray       # (N, 3) unit vectors, world frame
    confidences: np.ndarray      # (N,) [0, 1]
    ranges: np.ndarray           # (N,) [m], NaN when unknown
    range_stds: np.ndarray       # (N,) [m], NaN when unknown


@dataclass(frozen=True)
class HeardEvent:
    id: int
    kind: str                    # 'speech' | 'sound'
    start: float                 # [s]
    end: float                   # [s]
    text: str
    labels: list[str]
    scores: list[float]
    origin: np.ndarray | None = None     # (3,) world-frame array centre during the event
    direction: np.ndarray | None = None  # (3,) world-frame unit bearing, None when unknown
    spread: float = 0.0                  # [rad] circular spread of that bearing
    alternatives: list[str] = field(default_factory=list)   # speech: next-best transcripts, best first
    impulsiveness: float = 0.0           # sound: [0, 1] abrupt onsets (AudioEvent.impulsiveness)


@dataclass(frozen=True)
class SnapshotCandidate:
    """One AV-LLM key frame turned into a weighted world-frame candidate position."""
    stamp: float                 # [s]
    description: str
    position: np.ndarray         # (3,) [m] world frame
    is_static: bool | None       # None = unknown
    sounding: bool               # the object that produced the anchoring sound


def check_visual(batch: VisualBatch) -> VisualBatch:
    """Drop the invalid rows (raising only when nothing is left to keep)."""
    n = len(batch.labels)
    if batch.positions.shape != (n, 3) or batch.variances.shape != (n,):
        raise InvalidObservationError('shape', f'{n} labels but positions {batch.positions.shape}')
    if not np.isfinite(batch.stamp):
        raise InvalidObservationError('stamp', f'non-finite stamp {batch.stamp}')
    ok = np.isfinite(batch.positions).all(axis=1) & np.isfinite(batch.variances) & (batch.variances >= 0.0)
    ok &= np.array([bool(label.strip()) for label in batch.labels], dtype=bool) if n else ok
    if ok.all():
        return batch
    if not ok.any():
        raise InvalidObservationError('non-finite', f'all {n} observations at {batch.stamp:.3f} s are invalid')
    keep = np.flatnonzero(ok)
    return VisualBatch(batch.stamp, batch.source, [batch.labels[i] for i in keep], batch.positions[keep],
                       batch.variances[keep], batch.scores[keep], batch.track_ids[keep])


def unit_rows(directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unit rows, valid mask): zero or non-finite rows are invalid."""
    norms = np.linalg.norm(directions, axis=1)
    ok = np.isfinite(norms) & (norms > 1e-9)
    out = np.zeros_like(directions)
    out[ok] = directions[ok] / norms[ok, None]
    return out, ok
