"""Link a heard event to the map object most consistent with its bearing and its label."""
from __future__ import annotations

import math

import numpy as np

from savvy_ros.mapping.config import MapConfig
from savvy_ros.mapping.errors import OutsideSpanError
from savvy_ros.mapping.labels import label_compatibility
from savvy_ros.mapping.map_object import TrackedObject
from savvy_ros.mapping.map_view import MapView
from savvy_ros.mapping.observations import HeardEvent
from savvy_ros.mapping.triangulation import azimuth_gap

ACTIVE_SCORE = 1.0    # the object's bearings were heard during the event
SILENT_SCORE = 0.25   # no bearing evidence either way
TIME_SLACK = 5.0      # [s] a moving object must have been seen this close to the event


def spatial_score(event: HeardEvent, position: np.ndarray, obj: TrackedObject, config: MapConfig) -> float:
    if event.direction is not None and event.origin is not None:
        to = position - event.origin
        if math.hypot(to[0], to[1]) < 1e-6:
            return 1.0
        angle = float(azimuth_gap(event.direction, to))
        sigma = max(event.spread, config.event_bearing_std)
        return math.exp(-0.5 * (angle / sigma) ** 2)
    return ACTIVE_SCORE if obj.ray_times_overlap(event.start - 0.5, event.end + 0.5) else SILENT_SCORE


def link_event(event: HeardEvent, view: MapView, objects: dict[int, TrackedObject],
               config: MapConfig) -> tuple[int, float, np.ndarray | None]:
    """(object id or 0, score in [0, 1], source position at the event's middle or None)."""
    mid = 0.5 * (event.start + event.end)
    labels = [*event.labels, 'speech'] if event.kind == 'speech' else list(event.labels)
    best = (0, 0.0, None)
    for candidate in view.objects:
        seen_then = candidate.first_seen - TIME_SLACK <= mid <= candidate.last_seen + TIME_SLACK
        if not candidate.is_static and not seen_then:
            continue
        try:
            position = view.position_at(candidate.id, mid)
        except OutsideSpanError:
            position = candidate.position
        score = label_compatibility(labels, candidate.names()) * \
            spatial_score(event, position, objects[candidate.id], config)
        if score > best[1]:
            best = (candidate.id, score, position)
    if best[1] < config.link_threshold:
        return 0, best[1], None
    return best[0], float(best[1]), np.array(best[2], dtype=np.float64)
