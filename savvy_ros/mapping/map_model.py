"""The live global map: ingest world-frame observations, keep bounded evidence, produce MapViews.

Cheap work happens on ingest (association, gating); estimation (DBSCAN, Kalman + RTS,
triangulation, event linking) runs in `update()` for the objects that changed, so `view()` can
be called at any time and costs little when nothing changed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from savvy_ros.mapping.body_path import BodyPath
from savvy_ros.mapping.config import MapConfig
from savvy_ros.mapping.event_linking import link_event
from savvy_ros.mapping.heard_rays import HeardRays
from savvy_ros.mapping.labels import SOUND_SOURCE_LABEL, description_names
from savvy_ros.mapping.map_object import TrackedObject
from savvy_ros.mapping.map_view import MapEventView, MapObjectView, MapView
from savvy_ros.mapping.observations import (BearingBatch, HeardEvent, InvalidObservationError, SnapshotCandidate,
                                            VisualBatch, check_visual, unit_rows)
from savvy_ros.mapping.track_merging import (explained_fraction, find_duplicates, fractions_along_sight,
                                             points_on_track, sight_lines)
from savvy_ros.mapping.triangulation import Rays, azimuth_gaps, find_source, triangulate

RELINK_WINDOW = 30.0  # [s] events this recent are re-linked as sources form; older links are final
SNAPSHOT_VARIANCE = 0.5 ** 2  # [m^2] AV-LLM distances are coarse
MAX_SOURCES_PER_UPDATE = 3
SOURCE_MERGE_FRACTION = 0.5  # of a sound source's bearings pointing at a seen object: it is that object
SOURCE_SPLIT_DISTANCE = 2.0  # [m] audio-only sources this close are tested for being one
SOURCE_UNION_INLIERS = 0.7   # inlier fraction of their joint fit that makes them one
TRACK_MEMBER_FRACTION = 0.6  # of a static object's points on a walker's track: it is that walker
SIGHT_LINE_GATE = math.radians(5.0)  # azimuth gap of a point to another object's line of sight ...
SIGHT_LINE_FRACTION = 0.8   # ... for this fraction of a static object's points: it is that object
SIGHT_LINE_SUPPORT = 2.0    # ... when that object has this many times its observations
ACTIVE_WINDOW = 1.0  # [s] objects seen this recently are preferred by association
MAINTENANCE_PERIOD = 1.0  # [s of data] between full updates: maintain(), or update(full=False)


class DropCounter:
    """Dropped inputs by kind; `add` says whether this kind is new (log it once)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def add(self, kind: str, n: int = 1) -> bool:
        first = kind not in self.counts
        self.counts[kind] = self.counts.get(kind, 0) + n
        return first


@dataclass
class EventRecord:
    event: HeardEvent
    object_id: int = 0
    link_score: float = 0.0
    source_position: np.ndarray | None = None
    final: bool = False


class GlobalMapModel:
    def __init__(self, config: MapConfig | None = None, frame_id: str = 'map', body_frame: str = 'head') -> None:
        self.config = config or MapConfig()
        self.frame_id = frame_id
        self.body_frame = body_frame
        self.objects: dict[int, TrackedObject] = {}
        self._by_label: dict[str, list[TrackedObject]] = {}
        self._tracks: dict[tuple[str, int], int] = {}
        self.events: dict[int, EventRecord] = {}
        self.pending = Rays.empty()
        self._pending_new = False
        self.body = BodyPath(self.config.body_path_period, self.config.max_body_path_points)
        self.heard = HeardRays()  # every bearing of the last minute: events' world bearings, markers
        self.next_id = 1
        self.revision = 0
        self.newest = 0.0
        self.drops = DropCounter()
        self._rng = np.random.default_rng(self.config.seed)
        self._changed = False
        self._last_maintenance = -math.inf
        self.unsaved: set[int] = set()      # object ids changed since the store last saved
        self.deleted: set[int] = set()
        self.unsaved_events: set[int] = set()

    # -- objects -----------------------------------------------------------------------------

    def _new_object(self, label: str, t: float) -> TrackedObject:
        obj = TrackedObject(self.next_id, label, t)
        self.next_id += 1
        self._insert(obj)
        return obj

    def _insert(self, obj: TrackedObject) -> None:
        self.objects[obj.id] = obj
        self._by_label.setdefault(obj.label.casefold(), []).append(obj)
        self.unsaved.add(obj.id)

    def _delete(self, obj: TrackedObject) -> None:
        del self.objects[obj.id]
        self._by_label[obj.label.casefold()].remove(obj)
        self.unsaved.discard(obj.id)
        self.deleted.add(obj.id)

    def _touch(self, t: float) -> None:
        if t > self.newest:
            self.newest = t
        self._changed = True

    # -- ingest ------------------------------------------------------------------------------

    def ingest_visual(self, batch: VisualBatch) -> int:
        """Associate each observation to an object of its label (gated in the world frame)."""
        try:
            checked = check_visual(batch)
        except InvalidObservationError as exc:
            self.drops.add(exc.kind, len(batch.labels))
            return 0
        if len(checked.labels) < len(batch.labels):
            self.drops.add('non-finite', len(batch.labels) - len(checked.labels))
        cfg = self.config
        t, source = float(checked.stamp), checked.source
        gate2 = cfg.association_gate ** 2
        track_gate2 = gate2 * cfg.track_gate_factor ** 2
        walk = cfg.walking_speed
        for label, (x, y, z), var, track_id in zip(checked.labels, checked.positions.tolist(),
                                                   checked.variances.tolist(), checked.track_ids.tolist()):
            extra = 9.0 * var
            obj = None
            if track_id:
                known = self.objects.get(self._tracks.get((source, track_id), 0))
                if known is not None and known.label == label and \
                        known.gate_distance2(t, x, y, z) < track_gate2 + extra + known.drift2(t, walk):
                    obj = known
            if obj is None:
                # Two passes: objects seen within the last second first, so a lost track (whose gate
                # grows with the time it may have walked) never steals from the one following it.
                best_active = best_lost = math.inf
                active = lost = None
                for candidate in self._by_label.get(label.casefold(), ()):
                    d2 = candidate.gate_distance2(t, x, y, z)
                    if t - candidate.point_time < ACTIVE_WINDOW:
                        # Twice the gate for a followed walker: an outlier next to it is its (the
                        # Kalman filter rejects it), not a lost track's or a new object's.
                        limit = 4.0 * (gate2 + extra) if candidate.moving else gate2 + extra
                        if d2 < best_active and d2 < limit:
                            best_active, active = d2, candidate
                    elif d2 < best_lost and d2 < gate2 + extra + candidate.drift2(t, walk):
                        best_lost, lost = d2, candidate
                obj = active or lost
            if obj is None:
                obj = self._new_object(label, t)
            obj.add_point(t, x, y, z, var, 1.0, 'vision', cfg)
            self.unsaved.add(obj.id)
            if track_id:
                self._tracks[(source, track_id)] = obj.id
        if len(self._tracks) > 4 * cfg.max_objects:
            self._tracks.clear()  # short-term ids: losing them only costs one gated association
        self._touch(t)
        return len(checked.labels)

    def ingest_bearings(self, batch: BearingBatch) -> int:
        """Attribute each ray to the object it points at (angular gate), else keep it to triangulate."""
        directions, ok = unit_rows(np.asarray(batch.directions, dtype=np.float64).reshape(-1, 3))
        origin = np.asarray(batch.origin, dtype=np.float64)
        if not (math.isfinite(batch.stamp) and np.isfinite(origin).all()):
            self.drops.add('non-finite', directions.shape[0])
            return 0
        if not ok.all():
            self.drops.add('bad direction', int((~ok).sum()))
        n = int(ok.sum())
        if n == 0:
            return 0
        rays = Rays(np.full(n, float(batch.stamp)), np.repeat(origin[None], n, axis=0), directions[ok],
                    np.clip(np.nan_to_num(np.asarray(batch.confidences, dtype=np.float64)[ok], nan=0.5), 0.05, 1.0),
                    np.asarray(batch.ranges, dtype=np.float64)[ok], np.asarray(batch.range_stds, dtype=np.float64)[ok])
        self.heard.add(rays)
        candidates = [o for o in self.objects.values() if not o.is_tentative(self.config)]
        assigned = np.zeros(n, dtype=bool)
        if candidates:
            centres = np.array([o.gate_centre(batch.stamp) for o in candidates])
            angles = azimuth_gaps(rays.directions, centres - origin)
            best = np.argmin(angles, axis=1)
            assigned = angles[np.arange(n), best] < self.config.audio_gate
            for k in np.unique(best[assigned]):
                obj = candidates[int(k)]
                obj.add_rays(rays.subset(assigned & (best == k)), self.config)
                self.unsaved.add(obj.id)
        if not assigned.all():
            self.pending = Rays.concat([self.pending, rays.subset(~assigned)])
            if len(self.pending) > self.config.max_pending_rays:
                self.pending = self.pending.subset(np.arange(len(self.pending)) >= len(self.pending) -
                                                   self.config.max_pending_rays)
            self._pending_new = True
        self._touch(float(batch.stamp))
        return n

    def ingest_event(self, event: HeardEvent) -> bool:
        if not (math.isfinite(event.start) and math.isfinite(event.end)) or event.end < event.start:
            self.drops.add('bad event times')
            return False
        if event.kind not in ('speech', 'sound'):
            self.drops.add('bad event kind')
            return False
        bearing = self.heard.event_bearing(event.start, event.end)
        if bearing is not None:  # the world-frame mode beats the array-frame one while the head turns
            event = replace(event, origin=bearing.origin, direction=bearing.direction, spread=bearing.spread)
        self.events.pop(event.id, None)
        self.events[event.id] = EventRecord(event)
        self.unsaved_events.add(event.id)
        while len(self.events) > self.config.max_events:
            self.events.pop(next(iter(self.events)))
        self._touch(event.end)
        return True

    def ingest_snapshot(self, candidate: SnapshotCandidate) -> int:
        """Weighted key-frame position: joins a named object near it, else starts a new one."""
        p = np.asarray(candidate.position, dtype=np.float64)
        if not (np.isfinite(p).all() and math.isfinite(candidate.stamp)):
            self.drops.add('non-finite')
            return 0
        best, obj = self.config.snapshot_gate ** 2, None
        for o in self.objects.values():
            if o.is_tentative(self.config) or not description_names(candidate.description, [o.label, *o.aliases]):
                continue
            c = np.array(o.gate_centre(candidate.stamp))
            d2 = float((c - p) @ (c - p))
            if d2 < best:
                best, obj = d2, o
        if obj is None:
            obj = self._new_object(candidate.description, candidate.stamp)
            obj.static_hint = candidate.is_static
        else:
            obj.add_alias(candidate.description)
        obj.add_point(candidate.stamp, p[0], p[1], p[2], SNAPSHOT_VARIANCE, self.config.snapshot_weight,
                      'snapshot', self.config)
        obj.is_sound_source |= candidate.sounding
        self.unsaved.add(obj.id)
        self._touch(candidate.stamp)
        return obj.id

    def add_body_pose(self, t: float, position: np.ndarray, yaw: float) -> bool:
        if not (math.isfinite(t) and math.isfinite(yaw) and np.isfinite(position).all()):
            self.drops.add('non-finite body pose')
            return False
        if self.body.add(t, position, yaw):
            self._touch(t)
            return True
        return False

    # -- estimation --------------------------------------------------------------------------

    def maintain(self, t: float) -> bool:
        """The data-time trigger of `update()`: call it with each input's stamp, in stamp order,
        just before ingesting that input. The full pass runs when `t` is MAINTENANCE_PERIOD past
        the data of the last one, so estimation happens at the same points of the data whatever
        the arrival timing or replay rate (a wall-clock trigger would make the map depend on speed).
        True when it ran."""
        if not t - self._last_maintenance >= MAINTENANCE_PERIOD:
            return False
        self.update()
        return True

    def update(self, full: bool = True) -> None:
        """Prune, merge, triangulate and link; with `full=False` only when the data advanced
        MAINTENANCE_PERIOD since the last full pass (a node publishing often stays cheap)."""
        if not full and self.newest - self._last_maintenance < MAINTENANCE_PERIOD:
            return
        self._last_maintenance = self.newest
        cfg = self.config
        for obj in list(self.objects.values()):
            if obj.is_tentative(cfg) and obj.last_seen < self.newest - cfg.tentative_timeout:
                self._delete(obj)
            else:
                obj.age_out(self.newest, cfg)
        if len(self.objects) > cfg.max_objects:
            self._changed = True
            ranked = sorted(self.objects.values(), key=lambda o: (o.count, o.last_seen))
            for obj in ranked[:len(self.objects) - cfg.max_objects]:
                self._delete(obj)
        self._merge_duplicates()
        self._merge_along_sight_lines()
        self._triangulate_pending()
        self._merge_split_sources()
        self._merge_acoustic_sources()
        self._link_events()

    def _triangulate_pending(self) -> None:
        cfg = self.config
        if len(self.pending):
            fresh = self.pending.times >= self.newest - cfg.ray_max_age
            if not fresh.all():
                self.pending = self.pending.subset(fresh)
        if not self._pending_new:
            return
        self._pending_new = False
        for _ in range(MAX_SOURCES_PER_UPDATE):
            found = find_source(self.pending, self._rng, cfg.audio_gate, cfg.min_source_rays, cfg.min_ray_baseline,
                                cfg.ransac_iterations, cfg.source_birth_window)
            if found is None:
                return
            self._changed = True
            obj = self._new_object(SOUND_SOURCE_LABEL, float(self.pending.times[found.inliers].min()))
            obj.add_rays(self.pending.subset(found.inliers), cfg)
            obj.acoustic_centre = tuple(float(v) for v in found.position)  # where its refits start
            obj.estimate(cfg)
            self.pending = self.pending.subset(~found.inliers)

    def _merge(self, keep: TrackedObject, drop: TrackedObject, positions: bool = True) -> None:
        self._changed = True
        keep.absorb(drop, self.config, positions)
        self.unsaved.add(keep.id)
        for key, object_id in self._tracks.items():
            if object_id == drop.id:
                self._tracks[key] = keep.id
        for record in self.events.values():
            if record.object_id == drop.id:
                record.object_id, record.final = keep.id, False
        self._delete(drop)

    def _merge_duplicates(self) -> None:
        cfg = self.config
        views = self._object_views()
        lookup = MapView(self.frame_id, self.newest, views, [], max_extrapolation=cfg.max_extrapolation)
        seen = {v.id: self.objects[v.id].point_arrays()[0] for v in views if v.is_static}
        for keep, drop in find_duplicates(lookup, cfg, seen):
            self._merge(self.objects[keep], self.objects[drop])
        # A 'static' object whose points all lie on a same-label walker's track is made of that
        # walker's detections (taken while its track was lost or its prediction off).
        tracks = [v for v in views if not v.is_static and v.id in self.objects]
        for static in [v for v in views if v.is_static and v.id in self.objects and 'vision' in v.modalities]:
            obj = self.objects[static.id]
            times, points, variances, _ = obj.point_arrays()
            for track in tracks:
                if track.label.casefold() == static.label.casefold() and track.id in self.objects and \
                        points_on_track(track, times, points, variances, cfg.association_gate,
                                        cfg.max_extrapolation) >= TRACK_MEMBER_FRACTION:
                    self._merge(self.objects[track.id], obj)
                    break

    def _merge_along_sight_lines(self) -> None:
        """A static object whose points all lie on the line of sight (from where the wearer stood) of
        a better-supported static object of its label is that object at a wrong range (a size prior
        applied to a box that covered part of it); `track_merging.fractions_along_sight`."""
        body_times, body_positions, _ = self.body.arrays()
        if body_times.shape[0] < 2:
            return
        by_label: dict[str, list[TrackedObject]] = {}
        for obj in self.objects.values():
            if not obj.moving and 'vision' in obj.modalities and not obj.is_tentative(self.config):
                by_label.setdefault(obj.label.casefold(), []).append(obj)
        for group in by_label.values():
            if len(group) < 2:
                continue
            group.sort(key=lambda o: (-o.count, o.id))
            # Sight lines once per group; each kept object then tests all the others in one call.
            lines = sight_lines([other.point_arrays()[:2] for other in group], body_times, body_positions)
            gone: set[int] = set()
            for i, keep in enumerate(group):
                if keep.id in gone or keep.count < SIGHT_LINE_SUPPORT * group[-1].count:
                    continue
                fractions = fractions_along_sight(keep.estimate(self.config).position, lines, len(group),
                                                  SIGHT_LINE_GATE)
                for j in range(i + 1, len(group)):
                    other = group[j]
                    if other.id not in gone and keep.count >= SIGHT_LINE_SUPPORT * other.count and \
                            fractions[j] >= SIGHT_LINE_FRACTION:
                        self._merge(keep, other, positions=False)  # its ranges are the wrong part
                        gone.add(other.id)

    def _merge_split_sources(self) -> None:
        """Two audio-only sources whose bearings triangulate together are one source that an early,
        short-baseline fit split (the union keeps most rays as inliers)."""
        cfg = self.config
        sources = sorted((o for o in self.objects.values() if o.acoustic), key=lambda o: (-o.count, o.id))
        gone: set[int] = set()
        for i, keep in enumerate(sources):
            for other in sources[i + 1:]:
                if keep.id in gone or other.id in gone:
                    continue
                a, b = keep.estimate(cfg).position, other.estimate(cfg).position
                if np.linalg.norm(a - b) > SOURCE_SPLIT_DISTANCE:
                    continue
                union = Rays.concat([keep.all_rays(), other.all_rays()])
                if triangulate(union, cfg.audio_gate).inliers.mean() >= SOURCE_UNION_INLIERS:
                    self._merge(keep, other)
                    keep.estimate(cfg)
                    gone.add(other.id)

    def _merge_acoustic_sources(self) -> None:
        """An audio-only source whose bearings point at a seen object is that object making a
        sound (the paper's audio-visual fusion); moving objects are checked along their track."""
        cfg = self.config
        sources = [o for o in self.objects.values() if o.acoustic]
        if not sources:
            return
        seen = [v for v in self._object_views() if 'vision' in v.modalities]
        for source in sources:
            rays = source.all_rays()
            where = source.estimate(cfg).position
            best, target = SOURCE_MERGE_FRACTION, None
            for candidate in seen:
                if candidate.is_static and np.linalg.norm(candidate.position - where) > SOURCE_SPLIT_DISTANCE:
                    continue  # cheap pre-filter; moving objects are checked along their whole track
                fraction = explained_fraction(candidate, rays, cfg.audio_gate, cfg.max_extrapolation)
                if fraction >= best:
                    best, target = fraction, candidate
            if target is not None:
                self._merge(self.objects[target.id], source)

    def _object_views(self) -> list[MapObjectView]:
        return [o.estimate(self.config) for o in sorted(self.objects.values(), key=lambda o: o.id)
                if not o.is_tentative(self.config)]

    def _link_events(self) -> None:
        pending = [r for r in self.events.values() if not r.final]
        if not pending:
            return
        lookup = MapView(self.frame_id, self.newest, self._object_views(), [],
                         max_extrapolation=self.config.max_extrapolation)
        for record in pending:
            link = link_event(record.event, lookup, self.objects, self.config)
            if link[0] != record.object_id:
                self._changed = True  # a new link is a new map revision
            record.object_id, record.link_score, record.source_position = link
            record.final = record.event.end < self.newest - RELINK_WINDOW
            self.unsaved_events.add(record.event.id)
            obj = self.objects.get(record.object_id)
            if obj is not None and ('hearing' not in obj.modalities or obj.generic):
                obj.modalities.add('hearing')
                obj.is_sound_source = True
                if obj.acoustic:  # an unnamed source is known by what it was heard saying / making
                    for label in record.event.labels[:2]:
                        obj.add_alias(label.casefold())
                obj.cached = None
                self.unsaved.add(obj.id)

    def view(self, full: bool = True) -> MapView:
        self.update(full)
        if self._changed:
            self.revision += 1
            self._changed = False
        times, positions, yaws = self.body.arrays()
        events = [MapEventView(id=r.event.id, kind=r.event.kind, start=r.event.start, end=r.event.end,
                               text=r.event.text, labels=list(r.event.labels), scores=list(r.event.scores),
                               object_id=r.object_id, link_score=r.link_score, source_position=r.source_position,
                               bearing_origin=r.event.origin, bearing_direction=r.event.direction,
                               bearing_spread=r.event.spread, alternatives=list(r.event.alternatives),
                               impulsiveness=r.event.impulsiveness)
                  for r in sorted(self.events.values(), key=lambda r: (r.event.start, r.event.id))]
        return MapView(self.frame_id, self.newest, self._object_views(), events, self.body_frame, times, positions,
                       yaws, self.config.max_extrapolation, self.revision)
