"""The map query API (the contract with the QA service): a read-only view of the global map.

Plain Python, no rclpy. Times are float seconds on the data's clock (header stamps), positions
are metres in the world frame `frame_id`, yaws radians counter-clockwise from world +x (REP 103).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from savvy_ros.mapping.errors import EmptyMapError, OutsideSpanError, UnknownObjectError

MODALITIES = ('vision', 'audio', 'hearing', 'snapshot')


@dataclass
class MapObjectView:
    id: int
    label: str
    aliases: list[str]
    is_static: bool
    is_sound_source: bool
    position: np.ndarray                # (3,) [m] static: robust centre; moving: at last_seen
    covariance: np.ndarray              # (3, 3) [m^2]
    trajectory_times: np.ndarray        # (K,) [s], empty when static
    trajectory_positions: np.ndarray    # (K, 3) [m]
    first_seen: float                   # [s]
    last_seen: float                    # [s]
    modalities: frozenset[str]          # subset of MODALITIES
    observation_count: int

    def names(self) -> list[str]:
        return [self.label, *self.aliases]


@dataclass
class MapEventView:
    id: int
    kind: str                           # 'speech' | 'sound'
    start: float                        # [s]
    end: float                          # [s]
    text: str
    labels: list[str]
    scores: list[float]
    object_id: int                      # 0 = not linked
    link_score: float                   # [0, 1]
    source_position: np.ndarray | None  # (3,) [m] world frame, None when unknown
    bearing_origin: np.ndarray | None = None     # (3,) [m] world-frame array centre while it was heard
    bearing_direction: np.ndarray | None = None  # (3,) world-frame unit vector towards it, None = no bearing
    bearing_spread: float = 0.0                  # [rad] circular spread of that bearing
    alternatives: list[str] = field(default_factory=list)   # speech: next-best transcripts, best first
    impulsiveness: float = 0.0                   # sound: [0, 1] abrupt onsets (knocks, claps, steps)


def wrap_angle(angle: np.ndarray | float) -> np.ndarray | float:
    """Wrap to (-pi, pi]."""
    wrapped = np.mod(np.asarray(angle) + math.pi, 2.0 * math.pi) - math.pi
    wrapped = np.where(wrapped == -math.pi, math.pi, wrapped)
    return float(wrapped) if np.ndim(wrapped) == 0 else wrapped


def interpolate_rows(times: np.ndarray, values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Linear interpolation of (K, D) `values` at times `t` (inside [times[0], times[-1]])."""
    if times.shape[0] == 1:
        return np.repeat(values[:1], np.size(t), axis=0)
    i1 = np.clip(np.searchsorted(times, t, side='left'), 1, times.shape[0] - 1)
    t0, t1 = times[i1 - 1], times[i1]
    r = ((t - t0) / np.where(t1 > t0, t1 - t0, 1.0))[:, None]
    return values[i1 - 1] + r * (values[i1] - values[i1 - 1])


@dataclass
class MapView:
    frame_id: str
    stamp: float
    objects: list[MapObjectView]
    events: list[MapEventView]
    body_frame: str = 'head'
    body_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    body_positions: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    body_yaws: np.ndarray = field(default_factory=lambda: np.zeros(0))
    max_extrapolation: float = 2.0      # [s] constant-velocity extrapolation allowed by position_at
    revision: int = 0

    def __post_init__(self) -> None:
        self.body_times = np.asarray(self.body_times, dtype=np.float64).reshape(-1)
        self.body_positions = np.asarray(self.body_positions, dtype=np.float64).reshape(-1, 3)
        self.body_yaws = np.asarray(self.body_yaws, dtype=np.float64).reshape(-1)
        if not self.body_times.shape[0] == self.body_positions.shape[0] == self.body_yaws.shape[0]:
            raise ValueError('body_times, body_positions and body_yaws must have the same length')
        if np.any(np.diff(self.body_times) < 0.0):
            raise ValueError('body_times must be sorted')
        self._by_id = {o.id: o for o in self.objects}
        # Unwrapped once, so interpolation never takes the long way round +-pi.
        self._unwrapped_yaws = np.unwrap(self.body_yaws)[:, None] if self.body_yaws.size else np.zeros((0, 1))

    # -- objects ---------------------------------------------------------------------------

    def object(self, object_id: int) -> MapObjectView:
        try:
            return self._by_id[object_id]
        except KeyError:
            raise UnknownObjectError(object_id, len(self._by_id)) from None

    def objects_matching(self, label: str) -> list[MapObjectView]:
        """Case-insensitive exact match on the label or an alias (fuzzy matching is QA's job)."""
        wanted = label.strip().casefold()
        return [o for o in self.objects if any(n.strip().casefold() == wanted for n in o.names())]

    def position_at(self, object_id: int, t: float) -> np.ndarray:
        obj = self.object(object_id)
        if obj.is_static:
            return np.array(obj.position, dtype=np.float64)
        times, positions = obj.trajectory_times, obj.trajectory_positions
        if times.shape[0] == 0:
            times, positions = np.array([obj.last_seen]), np.asarray(obj.position).reshape(1, 3)
        lo, hi = float(times[0]), float(times[-1])
        if lo <= t <= hi:
            return interpolate_rows(times, positions, np.array([t]))[0]
        if t < lo - self.max_extrapolation or t > hi + self.max_extrapolation:
            raise OutsideSpanError(f'object {object_id} ({obj.label})', t, (lo, hi), self.max_extrapolation)
        end = 0 if t < lo else -1
        if times.shape[0] < 2:
            return np.array(positions[end], dtype=np.float64)
        a, b = (0, 1) if end == 0 else (-2, -1)
        dt = times[b] - times[a]
        velocity = (positions[b] - positions[a]) / dt if dt > 0.0 else np.zeros(3)
        return positions[end] + velocity * (t - times[end])

    # -- the wearer ------------------------------------------------------------------------

    def _body_span(self) -> tuple[float, float]:
        if self.body_times.shape[0] == 0:
            raise EmptyMapError(f'body path of {self.body_frame!r}')
        return float(self.body_times[0]), float(self.body_times[-1])

    def body_pose_at(self, t: float) -> tuple[np.ndarray, float]:
        """(position (3,), yaw) of the body frame at `t` (linear / circular interpolation)."""
        lo, hi = self._body_span()
        if not lo <= t <= hi:
            raise OutsideSpanError(f'body path of {self.body_frame!r}', t, (lo, hi))
        ts = np.array([t])
        return (interpolate_rows(self.body_times, self.body_positions, ts)[0],
                wrap_angle(float(interpolate_rows(self.body_times, self._unwrapped_yaws, ts)[0, 0])))

    def mean_body_pose(self, t0: float, t1: float) -> tuple[np.ndarray, float]:
        """Time-weighted mean position and circular mean yaw over the covered part of [t0, t1]."""
        if t1 < t0:
            raise ValueError(f'window end {t1} s is before its start {t0} s')
        lo, hi = self._body_span()
        a, b = max(t0, lo), min(t1, hi)
        if a > b:
            raise OutsideSpanError(f'body path of {self.body_frame!r} (window {t0:.3f} .. {t1:.3f} s)',
                                   t0 if t0 > hi else t1, (lo, hi))
        if a == b:
            return self.body_pose_at(a)
        inside = self.body_times[(self.body_times > a) & (self.body_times < b)]
        ts = np.concatenate(([a], inside, [b]))
        positions = interpolate_rows(self.body_times, self.body_positions, ts)
        yaws = interpolate_rows(self.body_times, self._unwrapped_yaws, ts)[:, 0]
        # Trapezoid weights: irregular sampling must not bias the mean towards dense stretches.
        w = np.zeros(ts.shape[0])
        dt = np.diff(ts)
        w[:-1] += dt / 2.0
        w[1:] += dt / 2.0
        w /= w.sum()
        yaw = math.atan2(float(w @ np.sin(yaws)), float(w @ np.cos(yaws)))
        return w @ positions, yaw

    # -- events ----------------------------------------------------------------------------

    def sound_events_in_window(self, t0: float, t1: float) -> list[MapEventView]:
        """Events (speech and sound) overlapping [t0, t1], by start time."""
        return sorted((e for e in self.events if e.start <= t1 and e.end >= t0), key=lambda e: (e.start, e.id))

    def time_span(self) -> tuple[float, float]:
        starts = [o.first_seen for o in self.objects] + [e.start for e in self.events]
        ends = [o.last_seen for o in self.objects] + [e.end for e in self.events]
        if self.body_times.shape[0]:
            starts.append(float(self.body_times[0]))
            ends.append(float(self.body_times[-1]))
        if not starts:
            raise EmptyMapError('data (no objects, events or body path)')
        return min(starts), max(ends)
