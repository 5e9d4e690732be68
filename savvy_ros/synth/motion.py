"""Where everything is at any time: paths of objects and the wearer's head pose (world frame `map`)."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy.spatial.transform import Rotation

from savvy_ros.synth.scene import EventSpec, ObjectSpec, PathSpec, Scene

MOTION_RATE = 100.0        # Hz: grid on which the head is simulated (TF and audio sample it)
REACTION_DELAY = 0.3       # s before the wearer starts turning to a new sound
BODY_TURN_RATE = math.radians(180.0)  # rad/s: how fast the walking direction follows the path


@dataclass(frozen=True)
class PathTimeline:
    """A path unrolled into (time, x, y) knots; positions are linear between knots."""

    times: np.ndarray       # (K,) s, non-decreasing
    points: np.ndarray      # (K, 2) m
    cycle: float            # s after which a looping path repeats (0: no loop)
    start: float            # s at which the loop part starts

    def positions(self, t: np.ndarray) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        if self.cycle > 0.0:
            t = np.where(t > self.start, self.start + np.mod(t - self.start, self.cycle), t)
        return np.stack([np.interp(t, self.times, self.points[:, 0]),
                         np.interp(t, self.times, self.points[:, 1])], axis=-1)


def path_timeline(path: PathSpec) -> PathTimeline:
    points = [(path.waypoints[0].x, path.waypoints[0].y)]
    times = [0.0]
    if path.start_delay > 0.0:
        points.append(points[-1])
        times.append(path.start_delay)
    loop_start = times[-1]
    sequence = list(path.waypoints) + ([path.waypoints[0]] if path.loop and len(path.waypoints) > 1 else [])
    for index, waypoint in enumerate(sequence):
        if index > 0:
            step = math.hypot(waypoint.x - points[-1][0], waypoint.y - points[-1][1])
            times.append(times[-1] + step / path.speed)
            points.append((waypoint.x, waypoint.y))
        is_loop_end = path.loop and index == len(sequence) - 1 and index > 0
        if waypoint.dwell > 0.0 and not is_loop_end:
            times.append(times[-1] + waypoint.dwell)
            points.append((waypoint.x, waypoint.y))
    cycle = times[-1] - loop_start if path.loop and times[-1] > loop_start else 0.0
    return PathTimeline(np.array(times), np.array(points, dtype=float), cycle, loop_start)


def object_centres(obj: ObjectSpec, t: np.ndarray) -> np.ndarray:
    """(N, 3) centre of `obj` (its sound-source point) at times t [s]."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    if obj.position is not None:
        xy = np.tile(np.array(obj.position, dtype=float), (len(t), 1))
    else:
        xy = path_timeline(obj.path).positions(t)
    return np.column_stack([xy, np.full(len(t), obj.centre_height)])


def _wrap(angle: np.ndarray | float) -> np.ndarray | float:
    return (np.asarray(angle) + math.pi) % (2.0 * math.pi) - math.pi


def _rate_limited(targets: np.ndarray, initial: float, max_step: float) -> np.ndarray:
    """Follow `targets` (rad, any wrap) with at most `max_step` rad per sample; unwrapped output."""
    out = np.empty(len(targets))
    current = initial
    for i, target in enumerate(targets):
        current += float(np.clip(_wrap(target - current), -max_step, max_step))
        out[i] = current
    return out


@dataclass(frozen=True)
class WearerTrajectory:
    """The head pose on a regular grid: position (N, 3) m, yaw (N,) rad (unwrapped), pitch rad."""

    times: np.ndarray
    positions: np.ndarray
    yaw: np.ndarray
    pitch: float

    def sample(self, t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """(positions (N, 3), yaw (N,)) at times t by linear interpolation."""
        t = np.atleast_1d(np.asarray(t, dtype=float))
        position = np.column_stack([np.interp(t, self.times, self.positions[:, k]) for k in range(3)])
        return position, np.interp(t, self.times, self.yaw)

    def rotations(self, t: np.ndarray | float) -> Rotation:
        """world_R_head at times t: yaw about z, then pitch about the head's y axis."""
        _, yaw = self.sample(t)
        return Rotation.from_euler('ZY', np.column_stack([yaw, np.full(len(yaw), self.pitch)]))

    def forward_xy(self, t: np.ndarray | float) -> np.ndarray:
        """(N, 2) horizontal unit facing vectors (the head x axis projected on the floor)."""
        _, yaw = self.sample(t)
        return np.column_stack([np.cos(yaw), np.sin(yaw)])


def _attention_targets(scene: Scene, times: np.ndarray, head_xy: np.ndarray) -> np.ndarray:
    """Bearing (rad) to the most recently started active event's source, NaN when none is active."""
    targets = np.full(len(times), np.nan)
    events: list[EventSpec] = sorted(scene.events, key=lambda e: e.start)
    for event in events:
        end = event.start + max(event.duration, 0.0)
        active = (times >= event.start + REACTION_DELAY) & (times < end)
        if not active.any():
            continue
        source = object_centres(scene.objects_by_id[event.object], times[active])
        delta = source[:, :2] - head_xy[active]
        targets[active] = np.arctan2(delta[:, 1], delta[:, 0])
    return targets


def wearer_trajectory(scene: Scene, event_ends: dict[int, float] | None = None,
                      rate: float = MOTION_RATE) -> WearerTrajectory:
    """Head pose over the whole scene. `event_ends` (index in scene.events -> end time [s]) gives
    speech durations, which are only known after synthesis."""
    if event_ends:
        events = tuple(replace(e, duration=event_ends.get(i, e.start + e.duration) - e.start)
                       for i, e in enumerate(scene.events))
        scene = replace(scene, events=events, objects_by_id={})
    count = int(math.ceil(scene.duration * rate)) + 1
    times = np.arange(count) / rate
    xy = path_timeline(scene.wearer.path).positions(times)
    velocity = np.gradient(xy, times, axis=0)
    moving = np.linalg.norm(velocity, axis=1) > 1e-3
    heading_raw = np.arctan2(velocity[:, 1], velocity[:, 0])
    # Standing still keeps the last walking direction (the first one before any walking).
    first = heading_raw[np.argmax(moving)] if moving.any() else 0.0
    index = np.where(moving, np.arange(count), -1)
    index = np.maximum.accumulate(index)
    heading_target = np.where(index >= 0, heading_raw[np.maximum(index, 0)], first)
    body = _rate_limited(heading_target, float(first), BODY_TURN_RATE / rate)

    head = scene.wearer.head
    look = math.radians(head.look_amplitude_deg) * np.sin(2.0 * math.pi * times / head.look_period)
    target = body + look
    if head.turn_to_sounds:
        attention = _attention_targets(scene, times, xy)
        has = ~np.isnan(attention)
        target[has] = body[has] + head.turn_fraction * _wrap(attention[has] - body[has])
    yaw = _rate_limited(target, float(target[0]), math.radians(head.max_turn_rate_deg) / rate)
    positions = np.column_stack([xy, np.full(count, scene.wearer.height)])
    return WearerTrajectory(times, positions, yaw, math.radians(head.pitch_deg))
