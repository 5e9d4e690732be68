"""`savvy-ros answer-gt` on the real benchmark sample: answers follow from the geometry."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from savvy_ros.qa.gt_context import GtItemError, answer_item, load_items

SAMPLE = Path(__file__).resolve().parents[3] / 'shared' / 'fixtures' / 'savvy_release' / 'gtavmap_sample.json'
pytestmark = pytest.mark.skipif(not SAMPLE.is_file(), reason=f'benchmark fixture not found: {SAMPLE}')


def test_every_sample_item_matches_the_ground_truth_prediction():
    items = load_items(SAMPLE)
    assert len(items) == 55
    for item in items:
        answer = answer_item(item)
        context = item['gt_context_json']
        if '_distance_' in item['task']:
            assert answer.value == pytest.approx(context['gt_2d_distance'], abs=1e-6), item['id']
        else:
            assert answer.answer == context['prediction'], item['id']
            assert answer.value == pytest.approx(context['angle'], abs=1e-6), item['id']


def test_cli_prints_one_json_line_per_item():
    result = subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', 'answer-gt', str(SAMPLE)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 55 and all(set(line) == {'id', 'answer', 'value'} for line in lines)


def test_broken_items_and_files_are_named(tmp_path):
    item = json.loads(SAMPLE.read_text())[0]
    del item['gt_context_json']['sounding_object']['loc']
    with pytest.raises(GtItemError, match=r'spatial_temporal_audio_direction_ego_hard_1: gt_context_json.sounding_object.loc'):
        answer_item(item)
    bad = tmp_path / 'bad.json'
    bad.write_text('{not json')
    with pytest.raises(GtItemError, match='cannot read benchmark items'):
        load_items(bad)
    items_file = tmp_path / 'one_bad.json'
    items_file.write_text(json.dumps([item]))
    result = subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', 'answer-gt', str(items_file)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and 'sounding_object.loc' in result.stderr
