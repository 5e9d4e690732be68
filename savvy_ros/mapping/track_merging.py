"""Find duplicate objects: one thing that association split in two (an outlier started a second
track, or the object was lost for a while and picked up again as new, or a few detections of it
got a wrong range), and audio-only sources whose bearings point at a seen object (the object was
making the sound)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from savvy_ros.mapping.config import MapConfig
from savvy_ros.mapping.map_view import MapObjectView, MapView, interpolate_rows
from savvy_ros.mapping.triangulation import Rays, azimuth_gap

MAX_GAP = 5.0          # [s] a track lost longer than this is not continued by a new one
MATCH_FRACTION = 0.6   # of the switches between the tracks that must be walkable


def _samples(obj: MapObjectView, seen: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A moving object's trajectory; a static one at its position, at the times it was seen (`seen`)
    or, without them, at its last sighting."""
    if obj.trajectory_times.shape[0]:
        return obj.trajectory_times, obj.trajectory_positions
    times = np.array([obj.last_seen]) if seen is None or not len(seen) else np.unique(np.asarray(seen, np.float64))
    return times, np.repeat(np.asarray(obj.position, np.float64).reshape(1, 3), times.shape[0], axis=0)


def _same_track(a: MapObjectView, b: MapObjectView, config: MapConfig,
                seen: Mapping[int, np.ndarray] | None = None) -> bool:
    """Walk both tracks' samples in time order: wherever the next sample comes from the other
    track, the step must be walkable (gate + walking speed x time between them). Interleaved
    tracks of one object and a track that continues a lost one pass; two objects side by side
    fail at every switch. A static object takes part with every time it was seen: one person
    standing still while another walks is seen between the walker's samples, far from them."""
    seen = seen or {}
    ta, pa = _samples(a, seen.get(a.id))
    tb, pb = _samples(b, seen.get(b.id))
    times = np.concatenate([ta, tb])
    order = np.argsort(times, kind='stable')
    source = np.concatenate([np.zeros(ta.shape[0], bool), np.ones(tb.shape[0], bool)])[order]
    positions = np.vstack([pa, pb])[order]
    times = times[order]
    switch = np.flatnonzero(source[1:] != source[:-1])
    if switch.shape[0] == 0:
        return False
    dt = times[switch + 1] - times[switch]
    step = np.linalg.norm(positions[switch + 1] - positions[switch], axis=1)
    walkable = (step < config.association_gate + config.walking_speed * np.minimum(dt, MAX_GAP)) & (dt <= MAX_GAP)
    return float(np.mean(walkable)) >= MATCH_FRACTION


def find_duplicates(view: MapView, config: MapConfig,
                    seen: Mapping[int, np.ndarray] | None = None) -> list[tuple[int, int]]:
    """(keep, drop) pairs of same-label objects; the better-supported one is kept. `seen`: object id ->
    the times its observations were taken (static objects; without them a static one counts as seen
    only at its last sighting)."""
    by_label: dict[str, list[MapObjectView]] = {}
    for obj in view.objects:
        if 'vision' in obj.modalities:
            by_label.setdefault(obj.label.casefold(), []).append(obj)
    pairs, dropped = [], set()
    for group in by_label.values():
        group.sort(key=lambda o: (-o.observation_count, o.id))
        for i, keep in enumerate(group):
            if keep.id in dropped:
                continue
            for other in group[i + 1:]:
                if other.id in dropped:
                    continue
                if keep.is_static and other.is_static:
                    same = np.linalg.norm(keep.position - other.position) < 0.5 * config.association_gate
                else:
                    same = _same_track(keep, other, config, seen)
                if same:
                    pairs.append((keep.id, other.id))
                    dropped.add(other.id)
    return pairs


def positions_at(obj: MapObjectView, times: np.ndarray, max_extrapolation: float) -> tuple[np.ndarray, np.ndarray]:
    """(positions (N, 3), valid (N,)): interpolated on the trajectory, held at its ends."""
    t, p = _samples(obj)
    if obj.is_static:
        return np.repeat(np.asarray(obj.position).reshape(1, 3), times.shape[0], axis=0), np.ones(times.shape[0], bool)
    valid = (times >= t[0] - max_extrapolation) & (times <= t[-1] + max_extrapolation)
    return interpolate_rows(t, p, np.clip(times, t[0], t[-1])), valid


def explained_fraction(obj: MapObjectView, rays: Rays, gate: float, max_extrapolation: float) -> float:
    """Fraction of `rays` pointing at `obj` (where it was at each ray's time) within `gate` [rad] of
    azimuth (see triangulation.azimuth_gaps)."""
    if len(rays) == 0:
        return 0.0
    where, valid = positions_at(obj, rays.times, max_extrapolation)
    to = where - rays.origins
    return float(np.mean(valid & (azimuth_gap(rays.directions, to) < gate)))


def points_on_track(track: MapObjectView, times: np.ndarray, positions: np.ndarray, variances: np.ndarray,
                    gate: float, max_extrapolation: float) -> float:
    """Fraction of observations (times, positions) that lie on `track` where it was at their time:
    a 'static' object made of a walker's mis-associated detections."""
    where, valid = positions_at(track, times, max_extrapolation)
    near = np.sum((where - positions) ** 2, axis=1) < gate ** 2 + 9.0 * variances
    return float(np.mean(valid & near)) if times.shape[0] else 0.0


@dataclass(frozen=True)
class SightLines:
    """Where the wearer's eye was for each observation of some objects, and where it saw them;
    `owner[k]` indexes the object of row k (rows of one object are contiguous)."""
    eyes: np.ndarray      # (N, 3)
    points: np.ndarray    # (N, 3)
    owner: np.ndarray     # (N,) int


def sight_lines(observations: list[tuple[np.ndarray, np.ndarray]], body_times: np.ndarray,
                body_positions: np.ndarray) -> SightLines:
    """The sight lines of each object's observations (times, points), eyes from the body path."""
    times = np.concatenate([t for t, _ in observations]) if observations else np.zeros(0)
    points = np.vstack([p for _, p in observations]) if observations else np.zeros((0, 3))
    owner = np.repeat(np.arange(len(observations)), [t.shape[0] for t, _ in observations])
    eyes = np.column_stack([np.interp(times, body_times, body_positions[:, k]) for k in range(3)])
    return SightLines(eyes, points, owner)


def fractions_along_sight(position: np.ndarray, lines: SightLines, count: int, gate: float) -> np.ndarray:
    """Per object (0..count-1): the fraction of its observations that lie, seen from where the
    wearer stood then, within `gate` [rad] of azimuth of the line of sight to `position`.

    A size prior misjudges range, not bearing: a detection box that covers part of an object (or a
    picture of one) puts it farther along the same line of sight. A static object whose every point
    lies on the sight line of a better-supported one of its label is that object at a wrong range.
    """
    near = azimuth_gap(lines.points - lines.eyes, np.asarray(position)[None, :] - lines.eyes) < gate
    total = np.bincount(lines.owner, minlength=count)
    return np.bincount(lines.owner, weights=near.astype(float), minlength=count) / np.maximum(total, 1)
