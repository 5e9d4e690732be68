"""bench/bench_fixture_tracks.py: the released track + trajectory, converted, read back and answered."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT.parent / 'shared' / 'fixtures' / 'savvy_release'

pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason='needs ../shared/fixtures beside the checkout')


def _bench():
    spec = importlib.util.spec_from_file_location('bench_fixture_tracks', ROOT / 'bench' / 'bench_fixture_tracks.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_egocentric_direction_question_is_answered_from_the_released_track(tmp_path):
    bench = _bench()
    report = bench.evaluate(FIXTURES, tmp_path / 'a')
    rows = report['rows']
    assert len(rows) == 6 and {r['level'] for r in rows} == {'hard'}
    # Answered from the heard bearing (the map has no objects): a letter and an angle each.
    assert all(r['answer'] in 'ABCD' and r['answer'] and r['value_deg'] is not None for r in rows), rows
    assert [s['task'] for s in report['skipped']] == ['spatial_temporal_audio_distance_exo'] * 2
    # The same files give the same answers.
    again = bench.evaluate(FIXTURES, tmp_path / 'b')
    assert [(r['answer'], r['value_deg']) for r in again['rows']] == [(r['answer'], r['value_deg']) for r in rows]
    assert '| hard | 6 |' in bench.table(report)
