"""The one place that owns the SAVVY-Bench conventions.

Everything upstream is REP 103 (radians, counter-clockwise, positive = left). SAVVY answers use
a signed angle in degrees, 0 = the viewer's facing direction, positive = clockwise seen from
above (= right); directions are distances on the floor plane (2D).
  simple level: |angle| >= 120 deg -> back, else right if angle > 0 else left
  hard level:   |angle| < 90 deg -> front, else back; then right if angle > 0 else left
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

BACK_THRESHOLD_DEG = 120.0   # simple level
FRONT_THRESHOLD_DEG = 90.0   # hard level

SIMPLE_OPTIONS = ('A: left', 'B: right', 'C: back')
HARD_OPTIONS = ('A: front-left', 'B: front-right', 'C: back-left', 'D: back-right')

_OPTION = re.compile(r'^\s*([A-Za-z])\s*[:.)]\s*(.+?)\s*$')


class OptionsError(ValueError):
    """The multiple-choice options cannot be read."""


@dataclass(frozen=True)
class Viewpoint:
    """Where the viewer stands and faces on the floor plane (world frame, metres)."""

    position: tuple[float, float]
    forward: tuple[float, float]

    def __post_init__(self) -> None:
        values = (*self.position, *self.forward)
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f'viewpoint has non-finite values: {values}')
        if math.hypot(*self.forward) < 1e-12:
            raise ValueError('viewpoint forward vector has zero length')


def rep103_azimuth_to_savvy_deg(azimuth_rad: float) -> float:
    """REP 103 azimuth (rad, counter-clockwise, positive = left) -> SAVVY degrees (positive = right)."""
    return _wrap_deg(-math.degrees(azimuth_rad))


def savvy_deg_to_rep103_azimuth(angle_deg: float) -> float:
    return math.radians(_wrap_deg(-angle_deg))


def _wrap_deg(angle: float) -> float:
    """Into (-180, 180]: straight behind is +180, as in the benchmark's angles."""
    wrapped = (angle + 180.0) % 360.0 - 180.0
    return 180.0 if wrapped == -180.0 else wrapped


def signed_angle_deg(viewpoint: Viewpoint, target: Sequence[float]) -> float:
    """SAVVY angle of `target` (x, y) seen from `viewpoint`: 0 = ahead, positive = right."""
    fx, fy = viewpoint.forward
    vx, vy = target[0] - viewpoint.position[0], target[1] - viewpoint.position[1]
    counter_clockwise = math.atan2(fx * vy - fy * vx, fx * vx + fy * vy)
    return -math.degrees(counter_clockwise) + 0.0  # + 0.0 turns -0.0 into 0.0


def distance_2d(a: Sequence[float], b: Sequence[float]) -> float:
    return float(math.hypot(a[0] - b[0], a[1] - b[1]))


def direction_word(angle_deg: float, level: str) -> str:
    """The SAVVY direction word for a signed angle at `level` ('simple' or 'hard')."""
    side = 'right' if angle_deg > 0 else 'left'
    if level == 'simple':
        return 'back' if abs(angle_deg) >= BACK_THRESHOLD_DEG else side
    if level == 'hard':
        return ('front-' if abs(angle_deg) < FRONT_THRESHOLD_DEG else 'back-') + side
    raise ValueError(f"level must be 'simple' or 'hard', not {level!r}")


def parse_options(options: Sequence[str]) -> dict[str, str]:
    """['A: left', ...] -> {'left': 'A', ...}; raises OptionsError on malformed or repeated entries."""
    parsed: dict[str, str] = {}
    for option in options:
        match = _OPTION.match(option)
        if not match:
            raise OptionsError(f'option {option!r} is not of the form "A: text"')
        letter, text = match.group(1).upper(), match.group(2).strip().lower()
        if text in parsed or letter in parsed.values():
            raise OptionsError(f'option {option!r} repeats a letter or a text')
        parsed[text] = letter
    return parsed


def level_of_options(options: Sequence[str]) -> str:
    """'simple' or 'hard' from the option texts (the options decide the answer format)."""
    texts = set(parse_options(options))
    if texts == {'left', 'right', 'back'}:
        return 'simple'
    if texts == {'front-left', 'front-right', 'back-left', 'back-right'}:
        return 'hard'
    raise OptionsError(f'options {list(options)} are neither the simple (left/right/back) nor the hard '
                       '(front-left/front-right/back-left/back-right) direction set')


def direction_letter(angle_deg: float, options: Sequence[str]) -> tuple[str, str]:
    """(option letter, direction word) answering a direction question with these options."""
    word = direction_word(angle_deg, level_of_options(options))
    return parse_options(options)[word], word


def mean_facing(forward_vectors: np.ndarray) -> tuple[float, float]:
    """Average horizontal facing over a window: the mean of unit vectors (robust to wrap-around)."""
    vectors = np.asarray(forward_vectors, dtype=float).reshape(-1, 2)
    norms = np.linalg.norm(vectors, axis=1)
    vectors = vectors[norms > 1e-12] / norms[norms > 1e-12, None]
    if not len(vectors):
        raise ValueError('no valid forward vector in the window')
    mean = vectors.mean(axis=0)
    if np.linalg.norm(mean) < 1e-9:
        raise ValueError('facing directions in the window cancel out')
    return float(mean[0]), float(mean[1])
