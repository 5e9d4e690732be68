"""Tunables of the map model, SI units; the map node fills them from its parameters."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class MapConfig:
    association_gate: float = 0.6          # [m] visual observation -> object gate (plus 3 sigma of the observation)
    track_gate_factor: float = 2.0         # a known short-term track id may match within this many gates
    min_observations: int = 3              # an object with fewer is tentative (not in the view)
    tentative_timeout: float = 10.0        # [s] tentative objects unseen this long are forgotten
    moving_threshold: float = 0.5          # [m] time-bin medians this far from the centre mark an object moving
    motion_bin: float = 1.0                # [s] bin length of that motion test
    dbscan_eps: float = 0.35               # [m] DBSCAN neighbourhood radius for static objects
    dbscan_min_weight: float = 3.0         # DBSCAN core point minimum (weighted count)
    position_floor_std: float = 0.02       # [m] floor on a position's standard deviation
    accel_std: float = 1.0                 # [m/s^2] constant-velocity Kalman process noise
    kalman_gate_chi2: float = 16.27        # chi-square(3 dof, 0.999) innovation gate
    trajectory_period: float = 0.2         # [s] trajectory sample spacing (observations binned to it)
    max_speed: float = 3.0                 # [m/s] clamp of the gating velocity
    walking_speed: float = 1.5             # [m/s] a moving object's gate grows by this per second unseen
    max_points_per_object: int = 256       # raw weighted points kept per object (older ones merged)
    observation_max_age: float = 120.0     # [s] moving objects: older raw points are baked into the trajectory
    max_trajectory_points: int = 4000      # per object; older samples decimated beyond this
    max_objects: int = 2000                # least-supported, longest-unseen objects dropped beyond this
    audio_gate: float = math.radians(12.0)  # [rad] bearing -> object angular gate
    ray_max_age: float = 60.0              # [s] unattributed bearings older than this are dropped
    max_pending_rays: int = 2000           # unattributed bearing rays kept for triangulation
    max_rays_per_source: int = 512         # rays kept per sound source
    min_source_rays: int = 15              # rays needed to create a sound source
    min_ray_baseline: float = 0.5          # [m] spread of ray origins needed to triangulate
    source_birth_window: float = 15.0      # [s] a new sound source needs its rays heard within this
    ransac_iterations: int = 200           # triangulation hypotheses per attempt
    default_source_range: float = 2.0      # [m] weak prior along the mean ray when the baseline is short
    default_range_std: float = 3.0         # [m] its spread
    snapshot_weight: float = 0.3           # weight of an AV-LLM key frame relative to one visual observation
    snapshot_gate: float = 2.0             # [m] key frame -> existing object gate
    link_threshold: float = 0.3            # minimum event -> object link score
    event_bearing_std: float = math.radians(15.0)  # [rad] floor on an event's bearing spread
    max_events: int = 5000                 # newest events kept
    body_path_period: float = 0.2          # [s] body path sample spacing
    max_body_path_points: int = 20000      # older body samples decimated beyond this
    max_extrapolation: float = 2.0         # [s] constant-velocity extrapolation of position_at
    seed: int = 0                          # RANSAC seed (deterministic maps)

    @classmethod
    def from_mapping(cls, values: dict) -> MapConfig:
        """Build from a dict that may hold other keys too (e.g. all node parameters)."""
        names = {f.name: f.type for f in fields(cls)}
        kwargs = {k: (int(v) if names[k] == 'int' else float(v)) for k, v in values.items() if k in names}
        return cls(**kwargs)
