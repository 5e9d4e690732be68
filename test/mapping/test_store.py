"""The SQLite map store: what is saved comes back, saves are incremental, bad files are named."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from map_inputs import hear, see, walk

from savvy_ros.mapping.map_model import GlobalMapModel
from savvy_ros.mapping.observations import HeardEvent
from savvy_ros.mapping.store import MapStore, MapStoreError


def busy_model() -> GlobalMapModel:
    model, rng = GlobalMapModel(), np.random.default_rng(0)
    for k in range(120):
        t = 0.1 * k
        person = np.array([0.3 * t, 2.0, 1.6])
        see(model, t, ['cup', 'person'], np.vstack([[1.0, -1.0, 0.8], person]) + rng.normal(0, 0.05, (2, 3)))
        hear(model, t, walk(t), [-1.0, -3.0, 1.6])
        model.add_body_pose(t, walk(t), 0.1 * t)
    model.ingest_event(HeardEvent(4, 'speech', 2.0, 3.0, 'hello there', ['Speech'], [0.9], alternatives=['hello dare']))
    model.ingest_event(HeardEvent(5, 'sound', 4.0, 5.0, '', ['Knock'], [0.7], impulsiveness=0.9))
    return model


def assert_same_views(a, b) -> None:
    assert [(o.id, o.label, o.is_static, o.modalities, o.observation_count) for o in a.objects] == \
           [(o.id, o.label, o.is_static, o.modalities, o.observation_count) for o in b.objects]
    for x, y in zip(a.objects, b.objects):
        np.testing.assert_allclose(y.position, x.position, atol=1e-9)
        np.testing.assert_allclose(y.trajectory_positions, x.trajectory_positions, atol=1e-9)
    assert [(e.id, e.object_id, e.text, e.alternatives, e.impulsiveness) for e in a.events] == \
           [(e.id, e.object_id, e.text, e.alternatives, e.impulsiveness) for e in b.events]
    np.testing.assert_array_equal(a.body_times, b.body_times)
    np.testing.assert_array_equal(a.body_yaws, b.body_yaws)


def test_saved_map_restores_and_keeps_mapping(tmp_path):
    model = busy_model()
    view = model.view()
    store = MapStore(tmp_path / 'map.db')
    assert store.save(model) == 3
    assert store.save(model) == 0  # nothing changed since
    store.close()
    restored = GlobalMapModel()
    assert MapStore(tmp_path / 'map.db').load(restored)
    assert_same_views(view, restored.view())
    # Mapping goes on where it stopped: the same objects, fresh ids for new ones.
    see(restored, 13.0, ['cup', 'lamp'], [[1.0, -1.0, 0.8], [4.0, 4.0, 1.0]])
    after = restored.view()
    assert after.objects_matching('cup')[0].observation_count == view.objects_matching('cup')[0].observation_count + 1
    assert restored.objects[max(restored.objects)].label == 'lamp' and max(restored.objects) == model.next_id
    with sqlite3.connect(tmp_path / 'map.db') as db:
        assert db.execute('PRAGMA journal_mode').fetchone()[0] == 'wal'


def test_deleted_objects_leave_the_store(tmp_path):
    model = GlobalMapModel()
    see(model, 0.0, ['ghost'], [1.0, 1.0, 1.0])
    store = MapStore(tmp_path / 'map.db')
    store.save(model)
    see(model, 20.0, ['cup'], [0.0, 0.0, 0.0])
    model.update()  # the ghost was tentative and is forgotten
    store.save(model)
    restored = GlobalMapModel()
    MapStore(tmp_path / 'map.db').load(restored)
    assert [o.label for o in restored.objects.values()] == ['cup']


def test_an_empty_store_loads_nothing_and_a_corrupt_one_is_named(tmp_path):
    assert not MapStore(tmp_path / 'new.db').load(GlobalMapModel())
    bad = tmp_path / 'bad.db'
    bad.write_bytes(b'this is not sqlite' * 100)
    with pytest.raises(MapStoreError, match='bad.db'):
        MapStore(bad)


def test_an_event_saved_before_n_best_transcripts_loads_without_alternatives():
    import json

    from savvy_ros.mapping.store import event_from_json
    old = {'id': 3, 'kind': 'speech', 'start': 1.0, 'end': 2.0, 'text': 'hello', 'labels': ['Speech'], 'scores': [0.9],
           'origin': None, 'direction': None, 'spread': 0.0, 'object_id': 0, 'link_score': 0.0,
           'source_position': None, 'final': True}
    record = event_from_json(json.dumps(old))
    assert (record.event.text, record.event.alternatives, record.final) == ('hello', [], True)
