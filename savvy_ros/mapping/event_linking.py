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

ACTIVE_SCORE = 1.0    # all bearings heard during the event were the object's
SILENT_SCORE = 0.25   # no bearing evidence either way
SEEN_SCORE = 0.4      # nothing was heard from anywhere (no DoA): an object in view at the time may be it
SHARE_WEIGHT = 0.8    # attributed bearings count a little less than the event's own bearing
TIME_SLACK = 5.0      # [s] a moving object must have been seen this close to the event
# An object observed only a few times is often a detector's flicker (a sofa taken for a bed, a
# window for a TV, for a few frames); a link to it counts for the object's support,
# 1 - exp(-observations / LINK_SUPPORT): 0.45 at 3 (the fewest a seen object is mapped with), 0.86 at
# 10, 1 from about 25. A sound is then given to a fitting object seen all along over a glimpse
# that lies a little nearer its bearing.
LINK_SUPPORT = 5.0


def spatial_score(event: HeardEvent, position: np.ndarray, heard_share: float, config: MapConfig,
                  seen_then: bool = False, unheard: bool = False) -> float:
    """How well the object's place fits where the event was heard from.

    Two kinds of evidence: the event's dominant bearing pointing at the object, and the share of
    the bearings heard during the event that were attributed to the object. The second survives a
    bearing summary pulled off by an overlapping sound, and tells two talkers apart without one.
    """
    share = ACTIVE_SCORE * heard_share
    if event.direction is not None and event.origin is not None:
        to = position - event.origin
        if math.hypot(to[0], to[1]) < 1e-6:
            return 1.0
        angle = float(azimuth_gap(event.direction, to))
        sigma = max(event.spread, config.event_bearing_std)
        return max(math.exp(-0.5 * (angle / sigma) ** 2), SHARE_WEIGHT * share)
    if unheard and seen_then:   # no bearing at all (a rig without a microphone array)
        return SEEN_SCORE
    return max(share, SILENT_SCORE)


def support(observations: int) -> float:
    """How surely an object observed this many times is there at all, for linking [0, 1]."""
    return 1.0 - math.exp(-max(observations, 0) / LINK_SUPPORT)


def link_event(event: HeardEvent, view: MapView, objects: dict[int, TrackedObject],
               config: MapConfig) -> tuple[int, float, np.ndarray | None]:
    """(object id or 0, score in [0, 1], source position at the event's middle or None)."""
    mid = 0.5 * (event.start + event.end)
    labels = [*event.labels, 'speech'] if event.kind == 'speech' else list(event.labels)
    heard = {c.id: objects[c.id].rays_between(event.start - 0.5, event.end + 0.5) for c in view.objects}
    total = sum(heard.values())
    best = (0, 0.0, None)
    for candidate in view.objects:
        seen_then = candidate.first_seen - TIME_SLACK <= mid <= candidate.last_seen + TIME_SLACK
        if not candidate.is_static and not seen_then:
            continue
        try:
            position = view.position_at(candidate.id, mid)
        except OutsideSpanError:
            position = candidate.position
        share = heard[candidate.id] / total if total else 0.0
        score = label_compatibility(labels, candidate.names()) * support(candidate.observation_count) * \
            spatial_score(event, position, share, config, seen_then, unheard=total == 0)
        if score > best[1]:
            best = (candidate.id, score, position)
    if best[1] < config.link_threshold:
        return 0, best[1], None
    return best[0], float(best[1]), np.array(best[2], dtype=np.float64)
