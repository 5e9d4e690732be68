"""The world-frame bearings heard recently, to summarise where an event was heard from.

The hearing node summarises an event's bearing in the array frame; while the wearer turns during
the event that summary is the direction at one moment, turned into the world at another (the
event's middle): tens of degrees off for a head turning 60 deg/s. The map has every bearing as a
world-frame ray, so it takes the mode of those heard while the event sounded instead. The newest
rays are also what the map's markers draw.
"""
from __future__ import annotations

import itertools
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from savvy_ros.circular import azimuth_mode
from savvy_ros.mapping.triangulation import Rays

MARGIN = 0.15              # [s] DoA windows are stamped at their centre: take those overlapping the event
CLUSTER_WIDTH = math.radians(30.0)
MIN_RAYS = 2               # fewer bearings than this: keep the hearing's summary


@dataclass(frozen=True)
class WorldBearing:
    origin: np.ndarray      # (3,) [m] weighted mean position of the listening array
    direction: np.ndarray   # (3,) unit, horizontal
    spread: float           # [rad] circular standard deviation of the supporting bearings
    count: int


class HeardRays:
    """Bounded by age (`keep_seconds` behind the newest ray) and count."""

    def __init__(self, keep_seconds: float = 60.0, max_rays: int = 20000) -> None:
        self.keep_seconds = keep_seconds
        # (time, origin x y z, direction x y z, weight) per ray, oldest first
        self._rows: deque[tuple[float, ...]] = deque(maxlen=max_rays)
        self.newest = -math.inf

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, rays: Rays) -> None:
        for t, origin, direction, weight in zip(rays.times.tolist(), rays.origins.tolist(),
                                                rays.directions.tolist(), rays.weights.tolist()):
            if t < self.newest - self.keep_seconds:  # the clock jumped back (a replay looped): start over
                self._rows.clear()
                self.newest = -math.inf
            self._rows.append((t, *origin, *direction, weight))
            self.newest = max(self.newest, t)
        while self._rows and self._rows[0][0] < self.newest - self.keep_seconds:
            self._rows.popleft()

    def event_bearing(self, start: float, end: float) -> WorldBearing | None:
        """The mode of the rays heard in [start, end] (+- MARGIN), or None with fewer than MIN_RAYS."""
        rows = np.array([r for r in self._rows if start - MARGIN <= r[0] <= end + MARGIN]).reshape(-1, 8)
        if rows.shape[0] < MIN_RAYS:
            return None
        mode = azimuth_mode(np.arctan2(rows[:, 5], rows[:, 4]), rows[:, 7], CLUSTER_WIDTH)
        members = rows[mode.members]
        origin = np.average(members[:, 1:4], axis=0, weights=members[:, 7])
        direction = np.array([math.cos(mode.azimuth), math.sin(mode.azimuth), 0.0])
        return WorldBearing(origin, direction, mode.spread, int(members.shape[0]))

    def latest(self, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """The newest `count` rays as (origin, unit direction), oldest first (for markers)."""
        # From the new end only: the map publishes several times a second, the store holds up to 20000 rays.
        rows = list(itertools.islice(reversed(self._rows), max(count, 0)))[::-1]
        return [(np.array(r[1:4]), np.array(r[4:7])) for r in rows]
