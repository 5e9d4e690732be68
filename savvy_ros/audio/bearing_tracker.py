"""Source ids for bearings: associates each window's bearings with tracks across windows.

Each track follows one sound direction with an alpha-beta filter on azimuth (angle and angular
rate, so two sources that cross keep their ids when their bearings merge for a few windows) and
a smoothed elevation. A window's bearings are matched to the tracks' predicted directions by
minimum total angle (Hungarian), each match within `gate`; an unmatched bearing starts a track
with a new id; a track not heard for longer than `max_silence` is dropped and its id never
comes back. Ids start at 1 (0 means "no source" in AudioBearing).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import count
from typing import Iterator, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from savvy_ros.audio.peaks import angular_distance, wrap_angle


@dataclass
class BearingTrack:
    source_id: int
    azimuth: float        # [rad] (-pi, pi], filtered
    elevation: float      # [rad], filtered
    rate: float           # [rad/s] azimuth rate, CCW positive
    last_seen: float      # [s] stamp of the last matched bearing
    hits: int = 1         # bearings matched so far

    def predicted_azimuth(self, stamp: float) -> float:
        return wrap_angle(self.azimuth + self.rate * (stamp - self.last_seen))


@dataclass
class BearingTracker:
    gate: float = math.radians(20.0)   # [rad] largest angle between a track's prediction and its bearing
    max_silence: float = 2.0           # [s] a track not heard this long is dropped
    alpha: float = 0.5                 # azimuth gain: 1 = follow each bearing, lower = smoother
    beta: float = 0.1                  # rate gain (per window); 0 = static sources only
    max_rate: float = math.radians(90.0)  # [rad/s] cap, so a mismatched bearing cannot fling a track
    tracks: list[BearingTrack] = field(default_factory=list)
    _last_stamp: float = field(default=-math.inf, repr=False)
    _ids: Iterator[int] = field(default_factory=lambda: count(1), repr=False)

    def __post_init__(self) -> None:
        if self.gate <= 0.0 or self.max_silence <= 0.0:
            raise ValueError(f'tracker gate and max_silence must be > 0, got {self.gate} rad, {self.max_silence} s')

    def reset(self) -> None:
        """Forget every track (ids keep counting up, so none is reused)."""
        self.tracks.clear()
        self._last_stamp = -math.inf

    def update(self, stamp: float, directions: Sequence[tuple[float, float]]) -> list[int]:
        """One window's bearings as (azimuth, elevation) [rad] at `stamp` [s] -> their source ids.
        Call it for windows without bearings too: that is how silence ages tracks out."""
        if stamp < self._last_stamp:  # time went back (a replay restarted): old tracks mean nothing
            self.reset()
        self._last_stamp = stamp
        self.tracks = [t for t in self.tracks if stamp - t.last_seen <= self.max_silence]
        ids = [0] * len(directions)
        matched: set[int] = set()
        if self.tracks and directions:
            cost = np.array([[angular_distance(t.predicted_azimuth(stamp), t.elevation, az, el)
                              for az, el in directions] for t in self.tracks])
            rows, cols = linear_sum_assignment(np.where(cost <= self.gate, cost, 10.0 * math.pi))
            for r, c in zip(rows, cols):
                if cost[r, c] <= self.gate:
                    self._correct(self.tracks[r], stamp, *directions[c])
                    ids[c] = self.tracks[r].source_id
                    matched.add(c)
        for index, (azimuth, elevation) in enumerate(directions):
            if index not in matched:
                track = BearingTrack(next(self._ids), wrap_angle(azimuth), elevation, 0.0, stamp)
                self.tracks.append(track)
                ids[index] = track.source_id
        return ids

    def _correct(self, track: BearingTrack, stamp: float, azimuth: float, elevation: float) -> None:
        dt = stamp - track.last_seen
        predicted = track.predicted_azimuth(stamp)
        residual = wrap_angle(azimuth - predicted)
        track.azimuth = wrap_angle(predicted + self.alpha * residual)
        if dt > 0.0:
            track.rate = float(np.clip(track.rate + self.beta * residual / dt, -self.max_rate, self.max_rate))
        track.elevation += self.alpha * (elevation - track.elevation)
        track.last_seen = stamp
        track.hits += 1
