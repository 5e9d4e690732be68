"""One object of the live map: bounded raw evidence, a gating predictor, and its estimate."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from savvy_ros.mapping.config import MapConfig
from savvy_ros.mapping.kalman import bin_measurements, smooth_track
from savvy_ros.mapping.labels import SOUND_SOURCE_LABEL
from savvy_ros.mapping.map_view import MapObjectView
from savvy_ros.mapping.static_estimate import moves, robust_centre
from savvy_ros.mapping.triangulation import Rays, triangulate

POINT_MODALITIES = ('vision', 'snapshot')
MAX_ALIASES = 8
RE_ESTIMATE_POINTS = 5       # a static object is re-estimated after this many new points ...
RE_ESTIMATE_FRACTION = 0.1   # ... or this fraction of its evidence, whichever is more
ALPHA_BETA = (0.3, 0.01)  # gating filter gains: position, velocity (per 1 s of data)


class TrackedObject:
    """Evidence of one object; `estimate()` turns it into a `MapObjectView` (cached until it changes)."""

    def __init__(self, object_id: int, label: str, t: float) -> None:
        self.id = object_id
        self.label = label
        self.aliases: list[str] = []
        self.modalities: set[str] = set()
        self.is_sound_source = False
        self.static_hint: bool | None = None
        self.moving = False
        self.count = 0
        self.first_seen = self.last_seen = t
        # Raw weighted points (t, x, y, z, variance, weight), bounded by merging / baking.
        self.points: list[tuple[float, float, float, float, float, float]] = []
        self.sums = [0.0, 0.0, 0.0, 0.0]  # weight, weighted x, y, z: the gating centre of a static object
        self.last = (0.0, 0.0, 0.0)
        self.velocity = (0.0, 0.0, 0.0)
        self.surprises = 0  # consecutive observations far from the gating prediction
        self.point_time = t  # [s] of the newest point: the gating predictor's clock (bearings do not move it)
        self.rays: list[Rays] = []
        self.ray_count = 0
        self.frozen_times: list[float] = []
        self.frozen_positions: list[tuple[float, float, float]] = []
        self.cached: MapObjectView | None = None
        self.new_points = 0  # points since `cached` was estimated
        self.acoustic_centre = (0.0, 0.0, 0.0)  # last triangulated position (audio-only sources)

    # -- evidence ----------------------------------------------------------------------------

    def predicted(self, t: float) -> tuple[float, float, float]:
        dt = min(max(t - self.point_time, -2.0), 2.0)
        vx, vy, vz = self.velocity
        return self.last[0] + vx * dt, self.last[1] + vy * dt, self.last[2] + vz * dt

    def gate_centre(self, t: float) -> tuple[float, float, float]:
        """Where the object should be at `t`: predicted when moving, else the mean of its evidence."""
        if not self.points:
            return self.acoustic_centre
        w, sx, sy, sz = self.sums
        if self.moving or w <= 0.0:
            return self.predicted(t)
        return sx / w, sy / w, sz / w

    def drift2(self, t: float, speed: float) -> float:
        """Squared distance a moving object may have covered since it was last seen."""
        if not self.moving:
            return 0.0
        dt = min(abs(t - self.point_time), 5.0)
        return (speed * dt) ** 2 if dt > 0.2 else 0.0

    def gate_distance2(self, t: float, x: float, y: float, z: float) -> float:
        """Squared distance to the nearest of the evidence mean, the prediction and (after a gap) the
        last position: a walker whose mean lags behind still gates before the motion test has run."""
        if not self.points:
            cx, cy, cz = self.acoustic_centre
            return (x - cx) ** 2 + (y - cy) ** 2 + (z - cz) ** 2
        dt = t - self.point_time  # inlined predicted(): this runs for every candidate of every observation
        dt = 2.0 if dt > 2.0 else -2.0 if dt < -2.0 else dt
        (lx, ly, lz), (vx, vy, vz) = self.last, self.velocity
        d2 = (x - lx - vx * dt) ** 2 + (y - ly - vy * dt) ** 2 + (z - lz - vz * dt) ** 2
        if dt > 0.2:  # after a gap the last position can beat the prediction (people turn)
            d2 = min(d2, (x - lx) ** 2 + (y - ly) ** 2 + (z - lz) ** 2)
        w, sx, sy, sz = self.sums
        if w > 0.0 and not self.moving:
            mean2 = (x - sx / w) ** 2 + (y - sy / w) ** 2 + (z - sz / w) ** 2
            if mean2 < d2:
                return mean2
        return d2

    def add_point(self, t: float, x: float, y: float, z: float, variance: float, weight: float,
                  modality: str, config: MapConfig) -> None:
        dt = t - self.point_time
        if self.count and 0.0 < dt < 2.0:
            # Alpha-beta filter: a smoothed position and velocity for gating (the estimate is the KF's).
            px, py, pz = self.predicted(t)
            rx, ry, rz = x - px, y - py, z - pz
            if rx * rx + ry * ry + rz * rz > 9.0 * (variance + 0.01) and self.surprises < 2:
                self.surprises += 1  # an outlier must not steer the gate; three in a row re-aim it
                rx = ry = rz = 0.0
            else:
                self.surprises = 0
            vmax = config.max_speed
            vx, vy, vz = self.velocity
            k = ALPHA_BETA[1] / dt * min(1.0, dt / 0.05)  # about 0.2 per step at 20 Hz
            self.velocity = (min(max(vx + k * rx, -vmax), vmax), min(max(vy + k * ry, -vmax), vmax),
                             min(max(vz + k * rz, -vmax), vmax))
            a = ALPHA_BETA[0]
            self.last = (px + a * rx, py + a * ry, pz + a * rz)
        elif t >= self.point_time or not self.points:
            self.last = (x, y, z)
        self.point_time = max(self.point_time, t) if self.points else t
        self.points.append((t, x, y, z, variance, weight))
        s = self.sums
        s[0] += weight
        s[1] += weight * x
        s[2] += weight * y
        s[3] += weight * z
        self.count += 1
        self.first_seen = min(self.first_seen, t)
        self.last_seen = max(self.last_seen, t)
        if modality not in self.modalities:
            self.modalities.add(modality)
            self.cached = None
        self.new_points += 1
        if len(self.points) > config.max_points_per_object:
            self.compact(config)

    def add_rays(self, rays: Rays, config: MapConfig) -> None:
        self.rays.append(rays)
        self.ray_count += len(rays)
        if self.ray_count > config.max_rays_per_source:
            merged = Rays.concat(self.rays)
            keep = np.zeros(len(merged), dtype=bool)
            # Keep every other old ray and all recent ones: the geometry stays spread over time.
            half = len(merged) // 2
            keep[:half:2] = True
            keep[half:] = True
            self.rays = [merged.subset(keep)]
            self.ray_count = int(keep.sum())
        self.count += len(rays)
        self.first_seen = min(self.first_seen, float(rays.times.min()))
        self.last_seen = max(self.last_seen, float(rays.times.max()))
        if self.acoustic or 'audio' not in self.modalities or not self.is_sound_source:
            self.cached = None  # a seen object's position does not depend on its bearings
        self.modalities.add('audio')
        self.is_sound_source = True

    def add_alias(self, alias: str) -> None:
        alias = alias.strip()
        if alias and alias.casefold() != self.label.casefold() and \
                alias.casefold() not in {a.casefold() for a in self.aliases} and len(self.aliases) < MAX_ALIASES:
            self.aliases.append(alias)
            self.cached = None

    def all_rays(self) -> Rays:
        return Rays.concat(self.rays) if self.rays else Rays.empty()

    def ray_times_overlap(self, t0: float, t1: float) -> bool:
        return self.rays_between(t0, t1) > 0

    def rays_between(self, t0: float, t1: float) -> int:
        """How many of its bearings were heard in [t0, t1]."""
        return sum(int(np.count_nonzero((r.times >= t0) & (r.times <= t1))) for r in self.rays)

    @property
    def acoustic(self) -> bool:
        """Located by its bearings only (no vision or key-frame points)."""
        return not self.points

    def absorb(self, other: TrackedObject, config: MapConfig, positions: bool = True) -> None:
        """Take over the evidence of a duplicate of this object; with `positions=False` all but its
        points (a duplicate whose positions are known to be wrong: only its identity carries over)."""
        if positions:
            self.points = sorted(self.points + other.points)
            self.sums = [a + b for a, b in zip(self.sums, other.sums)]
            if other.points and (other.point_time > self.point_time or not self.points):
                self.last, self.velocity, self.point_time = other.last, other.velocity, other.point_time
            self.moving |= other.moving
            merged = sorted(zip(self.frozen_times + other.frozen_times,
                                self.frozen_positions + other.frozen_positions))
            self.frozen_times = [t for t, _ in merged]
            self.frozen_positions = [p for _, p in merged]
        self.count += other.count
        self.first_seen = min(self.first_seen, other.first_seen)
        self.last_seen = max(self.last_seen, other.last_seen)
        self.modalities |= other.modalities
        self.is_sound_source |= other.is_sound_source
        if other.rays:
            self.add_rays(other.all_rays(), config)
            self.count -= other.ray_count  # add_rays counted them; other.count already did
        for alias in other.aliases:
            self.add_alias(alias)
        self.cached = None
        while len(self.points) > config.max_points_per_object:
            self.compact(config)

    # -- bounding ----------------------------------------------------------------------------

    def point_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        a = np.array(sorted(self.points), dtype=np.float64).reshape(-1, 6)
        return a[:, 0], a[:, 1:4], a[:, 4], a[:, 5]

    def compact(self, config: MapConfig) -> None:
        """Moving: bake the older half into the trajectory; static: merge time-adjacent pairs."""
        t, p, var, w = self.point_arrays()
        half = len(t) // 2
        if self.moving:
            self.bake(t[:half], p[:half], var[:half], w[:half], config)
            rows = np.column_stack([t[half:], p[half:], var[half:], w[half:]])
        else:
            n = 2 * half
            wp = w[:n].reshape(-1, 2)
            ws = wp.sum(axis=1)
            merged = [(wp * col[:n].reshape(-1, 2)).sum(axis=1) / ws for col in (t, p[:, 0], p[:, 1], p[:, 2])]
            # Two merged observations: their mean is twice as certain, and carries both weights.
            mvar = (wp * var[:n].reshape(-1, 2)).sum(axis=1) / ws
            rows = np.column_stack([*merged, mvar, ws])
            if n < len(t):
                rows = np.vstack([rows, [t[-1], *p[-1], var[-1], w[-1]]])
        self.points = [tuple(r) for r in rows.tolist()]

    def bake(self, t: np.ndarray, p: np.ndarray, var: np.ndarray, w: np.ndarray, config: MapConfig) -> None:
        if t.shape[0] == 0:
            return
        track = self._smooth(t, p, var, w, config)
        self.frozen_times.extend(track[0].tolist())
        self.frozen_positions.extend(map(tuple, track[1].tolist()))
        if len(self.frozen_times) > config.max_trajectory_points:
            half = len(self.frozen_times) // 2
            self.frozen_times[:half] = self.frozen_times[:half:2]
            self.frozen_positions[:half] = self.frozen_positions[:half:2]

    def age_out(self, newest: float, config: MapConfig) -> None:
        """Moving objects: raw points older than `observation_max_age` become trajectory samples."""
        if not self.moving or not self.points or self.points[0][0] >= newest - config.observation_max_age:
            return
        t, p, var, w = self.point_arrays()
        old = t < newest - config.observation_max_age
        self.bake(t[old], p[old], var[old], w[old], config)
        self.points = [tuple(r) for r in np.column_stack([t[~old], p[~old], var[~old], w[~old]]).tolist()]
        self.cached = None

    # -- estimation --------------------------------------------------------------------------

    @staticmethod
    def _smooth(t, p, var, w, config: MapConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        bt, bp, bv = bin_measurements(t, p, var, w, config.trajectory_period)
        track = smooth_track(bt, bp, np.maximum(bv, config.position_floor_std ** 2), config.accel_std,
                             config.kalman_gate_chi2)
        return track.times, track.positions, track.variances

    def estimate(self, config: MapConfig) -> MapObjectView:
        cached = self.cached
        if cached is not None and (self.new_points == 0 or (
                not self.moving and self.new_points < max(RE_ESTIMATE_POINTS, RE_ESTIMATE_FRACTION * self.count))):
            # A static object's centre barely moves with a few more points: refresh the counts only.
            if cached.observation_count != self.count or cached.last_seen != self.last_seen:
                self.cached = replace(cached, observation_count=self.count, first_seen=self.first_seen,
                                      last_seen=self.last_seen)
            return self.cached
        self.new_points = 0
        empty_t, empty_p = np.zeros(0), np.zeros((0, 3))
        traj_t, traj_p = empty_t, empty_p
        if self.acoustic:
            fit = triangulate(self.all_rays(), config.audio_gate, start=self.acoustic_centre)
            position, covariance = fit.position, fit.covariance
            self.acoustic_centre = tuple(float(v) for v in position)
        else:
            t, p, var, w = self.point_arrays()
            # Inverse-variance weights, rescaled to the evidence count so DBSCAN's core weight keeps its meaning.
            weights = w / np.maximum(var, config.position_floor_std ** 2)
            weights *= w.sum() / weights.sum()
            fit = robust_centre(p, weights, config.dbscan_eps, config.dbscan_min_weight, config.position_floor_std)
            position, covariance = fit.position, fit.covariance
            if not self.moving and self.static_hint is not True:
                self.moving = moves(t, p, position, config.motion_bin, config.moving_threshold) or \
                    (self.static_hint is False and 'vision' not in self.modalities)
            if self.moving:
                st, sp, sv = self._smooth(t, p, var, w, config)
                # Baked samples end where the raw points begin (a merged track may overlap: the
                # live, smoothed part wins), so the trajectory stays strictly time-ordered.
                frozen_t = np.array(self.frozen_times)
                older = frozen_t < st[0]
                traj_t = np.concatenate([frozen_t[older], st])
                traj_p = np.vstack([np.array(self.frozen_positions).reshape(-1, 3)[older], sp])
                position, covariance = sp[-1], np.eye(3) * sv[-1]
        self.cached = MapObjectView(
            id=self.id, label=self.label, aliases=list(self.aliases), is_static=not self.moving,
            is_sound_source=self.is_sound_source, position=position, covariance=covariance,
            trajectory_times=traj_t, trajectory_positions=traj_p, first_seen=self.first_seen,
            last_seen=self.last_seen, modalities=frozenset(self.modalities), observation_count=self.count)
        return self.cached

    def is_tentative(self, config: MapConfig) -> bool:
        return self.count < config.min_observations and self.modalities <= {'vision'}

    @property
    def generic(self) -> bool:
        return self.label == SOUND_SOURCE_LABEL
