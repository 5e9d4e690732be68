"""Persistence of the live map in SQLite (WAL): saved incrementally, restored on start.

Each `save()` is one transaction holding what changed since the previous one (objects, events)
plus the small whole-map parts (pending rays, body path, counters). With WAL and
synchronous=NORMAL a committed save survives a killed process, so a crash loses at most the
data of one save interval (power loss may lose the last commit too).
"""
from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import numpy as np

from savvy_ros.mapping.map_model import EventRecord, GlobalMapModel
from savvy_ros.mapping.map_object import TrackedObject
from savvy_ros.mapping.observations import HeardEvent
from savvy_ros.mapping.triangulation import Rays

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (id INTEGER PRIMARY KEY, meta TEXT NOT NULL, points BLOB NOT NULL,
                                    rays BLOB NOT NULL, trajectory BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS arrays (name TEXT PRIMARY KEY, data BLOB NOT NULL);
"""
_OBJECT_FIELDS = ('id', 'label', 'aliases', 'is_sound_source', 'static_hint', 'moving', 'count', 'first_seen',
                  'last_seen', 'sums', 'last', 'velocity', 'acoustic_centre', 'point_time', 'surprises')


class MapStoreError(RuntimeError):
    """The store file cannot be used (corrupt, or written by an incompatible version)."""


def pack(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array, dtype=np.float64), allow_pickle=False)
    return buffer.getvalue()


def unpack(blob: bytes) -> np.ndarray:
    return np.load(io.BytesIO(blob), allow_pickle=False)


def rays_to_array(rays: Rays) -> np.ndarray:
    return np.column_stack([rays.times, rays.origins, rays.directions, rays.weights, rays.ranges, rays.range_stds])


def rays_from_array(a: np.ndarray) -> Rays:
    a = a.reshape(-1, 10)
    return Rays(a[:, 0].copy(), a[:, 1:4].copy(), a[:, 4:7].copy(), a[:, 7].copy(), a[:, 8].copy(), a[:, 9].copy())


def _vector(v) -> list[float] | None:
    return None if v is None else [float(x) for x in v]


def event_to_json(record: EventRecord) -> str:
    e = record.event
    return json.dumps({'id': e.id, 'kind': e.kind, 'start': e.start, 'end': e.end, 'text': e.text,
                       'alternatives': list(e.alternatives), 'impulsiveness': e.impulsiveness,
                       'labels': e.labels, 'scores': [float(s) for s in e.scores], 'origin': _vector(e.origin),
                       'direction': _vector(e.direction), 'spread': e.spread, 'object_id': record.object_id,
                       'link_score': record.link_score, 'source_position': _vector(record.source_position),
                       'final': record.final})


def event_from_json(text: str) -> EventRecord:
    d = json.loads(text)
    as_array = (lambda v: None if v is None else np.array(v, dtype=np.float64))
    event = HeardEvent(d['id'], d['kind'], d['start'], d['end'], d['text'], d['labels'], d['scores'],
                       as_array(d['origin']), as_array(d['direction']), d['spread'],
                       list(d.get('alternatives', [])),   # stores written before n-best transcripts have none
                       float(d.get('impulsiveness', 0.0)))   # ... and before impulsiveness
    return EventRecord(event, d['object_id'], d['link_score'], as_array(d['source_position']), d['final'])


class MapStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(self.path), check_same_thread=False)
            self._db.execute('PRAGMA journal_mode=WAL')
            self._db.execute('PRAGMA synchronous=NORMAL')
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise MapStoreError(f'map store {self.path} is not a usable SQLite database: {exc}') from exc
        if row is not None and int(row[0]) != SCHEMA_VERSION:
            raise MapStoreError(f'map store {self.path} has schema {row[0]}, this version reads {SCHEMA_VERSION}')

    def close(self) -> None:
        self._db.close()

    def save(self, model: GlobalMapModel) -> int:
        """Write what changed since the last save in one transaction; returns the objects written."""
        rows = []
        for object_id in sorted(model.unsaved):
            obj = model.objects.get(object_id)
            if obj is None:
                continue
            meta = {f: getattr(obj, f) for f in _OBJECT_FIELDS}
            meta['modalities'] = sorted(obj.modalities)
            trajectory = np.column_stack([np.array(obj.frozen_times),
                                          np.array(obj.frozen_positions).reshape(-1, 3)])
            rows.append((object_id, json.dumps(meta), pack(np.array(obj.points).reshape(-1, 6)),
                         pack(rays_to_array(obj.all_rays())), pack(trajectory)))
        events = [(i, event_to_json(model.events[i])) for i in sorted(model.unsaved_events) if i in model.events]
        times, positions, yaws = model.body.arrays()
        meta = {'schema': SCHEMA_VERSION, 'next_id': model.next_id, 'revision': model.revision,
                'newest': model.newest, 'frame_id': model.frame_id, 'body_frame': model.body_frame}
        with self._db:
            self._db.executemany('INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?)', rows)
            self._db.executemany('DELETE FROM objects WHERE id = ?', [(i,) for i in sorted(model.deleted)])
            self._db.executemany('INSERT OR REPLACE INTO events VALUES (?, ?)', events)
            self._db.execute('DELETE FROM events WHERE id < ?', (min(model.events, default=0),))
            self._db.executemany('INSERT OR REPLACE INTO arrays VALUES (?, ?)', [
                ('pending_rays', pack(rays_to_array(model.pending))),
                ('body_path', pack(np.column_stack([times, positions, yaws])))])
            self._db.executemany('INSERT OR REPLACE INTO meta VALUES (?, ?)',
                                 [(k, json.dumps(v)) for k, v in meta.items()])
        model.unsaved.clear()
        model.deleted.clear()
        model.unsaved_events.clear()
        return len(rows)

    def load(self, model: GlobalMapModel) -> bool:
        """Restore a saved map into the (empty) `model`; False when the store is empty."""
        try:
            meta = {k: json.loads(v) for k, v in self._db.execute('SELECT key, value FROM meta')}
            if 'next_id' not in meta:
                return False
            for object_id, text, points, rays, trajectory in self._db.execute('SELECT * FROM objects ORDER BY id'):
                model._insert(self._object(json.loads(text), unpack(points), unpack(rays), unpack(trajectory)))
            for (text,) in self._db.execute('SELECT record FROM events ORDER BY id'):
                record = event_from_json(text)
                model.events[record.event.id] = record
            arrays = {name: unpack(data) for name, data in self._db.execute('SELECT name, data FROM arrays')}
        except (sqlite3.DatabaseError, ValueError, KeyError) as exc:
            raise MapStoreError(f'map store {self.path} is corrupt: {exc}') from exc
        model.events = dict(sorted(model.events.items(), key=lambda kv: (kv[1].event.start, kv[0])))
        model.pending = rays_from_array(arrays.get('pending_rays', np.zeros((0, 10))))
        body = arrays.get('body_path', np.zeros((0, 5))).reshape(-1, 5)
        model.body.restore(body[:, 0], body[:, 1:4], body[:, 4])
        model.next_id, model.revision, model.newest = meta['next_id'], meta['revision'], meta['newest']
        model.unsaved.clear()
        return True

    @staticmethod
    def _object(meta: dict, points: np.ndarray, rays: np.ndarray, trajectory: np.ndarray) -> TrackedObject:
        obj = TrackedObject(meta['id'], meta['label'], meta['first_seen'])
        for field in _OBJECT_FIELDS[2:]:
            value = meta[field]
            setattr(obj, field, tuple(value) if field in ('last', 'velocity', 'acoustic_centre') else value)
        obj.modalities = set(meta['modalities'])
        obj.points = [tuple(r) for r in points.reshape(-1, 6).tolist()]
        ray_set = rays_from_array(rays)
        obj.rays = [ray_set] if len(ray_set) else []
        obj.ray_count = len(ray_set)
        trajectory = trajectory.reshape(-1, 4)
        obj.frozen_times = trajectory[:, 0].tolist()
        obj.frozen_positions = [tuple(r) for r in trajectory[:, 1:].tolist()]
        return obj
