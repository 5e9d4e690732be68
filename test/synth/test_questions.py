"""Generated questions: SAVVY-Bench schema (checked against the release's own items too) and
answers recomputed independently from the ground-truth file."""
from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

from savvy_ros.qa.question_parser import parse_question
from savvy_ros.synth.bench_schema import SchemaError, validate_item, validate_items
from savvy_ros.synth.questions import build_questions, clock

FIXTURES = Path(__file__).resolve().parents[3] / 'shared' / 'fixtures' / 'savvy_release'
RELEASE = FIXTURES / 'gtavmap_sample.json'


@pytest.mark.skipif(not RELEASE.is_file(), reason='SAVVY release fixtures are not present')
def test_the_schema_check_accepts_the_release_items() -> None:
    assert validate_items(json.loads(RELEASE.read_text())) == 55


def _load(episode) -> tuple[list[dict], dict]:
    return json.loads(episode.questions.read_text()), json.loads(episode.ground_truth.read_text())


def test_generated_items_follow_the_schema_and_cover_every_task_level_and_anchor(tiny_episode) -> None:
    items, _ = _load(tiny_episode)
    assert validate_items(items) == len(items) == tiny_episode.question_count
    combos = {(i['task'], i['level'], i['anno_modality']) for i in items}
    for task in ('direction_ego', 'direction_exo'):
        for level in ('simple', 'hard'):
            for anchor in ('speech', 'sound'):
                assert (f'spatial_temporal_audio_{task}', level, anchor) in combos or \
                    any(s.startswith(f'spatial_temporal_audio_{task}_{level}') for s in _load(tiny_episode)[1]['skipped_questions'])
    for task in ('distance_ego', 'distance_exo'):
        for anchor in ('speech', 'sound'):
            assert (f'spatial_temporal_audio_{task}', 'hard', anchor) in combos


def test_schema_check_names_what_is_wrong(tiny_episode) -> None:
    item = json.loads(tiny_episode.questions.read_text())[0]
    for change, message in [(lambda i: i.pop('task_id'), 'keys'),
                            (lambda i: i.update(level='medium'), "level 'medium'"),
                            (lambda i: i['gt_context_json'].pop('angle'), 'gt_context_json keys'),
                            (lambda i: i['gt_context_json']['time range'].update(start_time='1.5'), 'm:ss')]:
        broken = copy.deepcopy(item)
        change(broken)
        with pytest.raises(SchemaError, match=message):
            validate_item(broken)


def _window_mean(times, values, start, end):
    times, values = np.asarray(times), np.asarray(values, float)
    inside = (times >= start) & (times <= end)
    return values[inside].mean(axis=0)


def _location(gt, object_id, start, end):
    obj = next(o for o in gt['objects'] if o['id'] == object_id)
    if obj['static']:
        return np.asarray(obj['position'][:2], float)
    return _window_mean(obj['trajectory']['t'], obj['trajectory']['position'], start, end)[:2]


def _clockwise_deg(forward, offset) -> float:
    """Angle from `forward` to `offset`, positive clockwise seen from above (SAVVY: right)."""
    return math.degrees(math.atan2(forward[1], forward[0]) - math.atan2(offset[1], offset[0]) + 3 * math.pi) % 360 - 180


def test_answers_agree_with_an_independent_recomputation_from_the_ground_truth(tiny_episode) -> None:
    items, gt = _load(tiny_episode)
    assert items
    for item in items:
        link = gt['questions'][item['id']]
        event = gt['events'][link['event']]
        start, end = event['start_s'], event['end_s']
        assert item['start_frame'] == pytest.approx(gt['epoch_s'] + start)
        target = _location(gt, link['sounding_object'], start, end)
        if link['reference'] == 'wearer':
            position = _window_mean(gt['wearer']['t'], gt['wearer']['position'], start, end)[:2]
            yaws = np.asarray(gt['wearer']['yaw'])[(np.asarray(gt['wearer']['t']) >= start) &
                                                   (np.asarray(gt['wearer']['t']) <= end)]
            forward = np.array([np.cos(yaws).mean(), np.sin(yaws).mean()])
        else:
            position = _location(gt, link['reference'], start, end)
            forward = None if link['facing'] is None else _location(gt, link['facing'], start, end) - position
        offset = target - position
        if '_distance_' in item['task']:
            assert float(item['groundtruth']) == pytest.approx(math.hypot(*offset), abs=0.011)
            continue
        angle = _clockwise_deg(forward, offset)
        assert item['gt_context_json']['angle'] == pytest.approx(angle, abs=0.5)
        if item['level'] == 'simple':
            word = 'back' if abs(angle) >= 120 else ('right' if angle > 0 else 'left')
        else:
            word = ('front-' if abs(angle) < 90 else 'back-') + ('right' if angle > 0 else 'left')
        letter = next(o[0] for o in item['options'] if o[3:] == word)
        assert item['groundtruth'] == letter == item['gt_context_json']['prediction'], item['id']


def test_question_texts_anchor_on_the_event(tiny_episode) -> None:
    items, gt = _load(tiny_episode)
    for item in items:
        event = gt['events'][gt['questions'][item['id']]['event']]
        anchor = f'"{event["topic"].lower()}"' if event['kind'] == 'speech' else f'the {event["label"]} sound'
        assert anchor in item['question']
        context = item['gt_context_json']
        assert context['time range'] == {'start_time': clock(event['start_s'], False),
                                         'end_time': clock(event['end_s'], True)}


def test_clock_rounds_like_the_release() -> None:
    # release item direction_ego_hard_1: zero-based 1.28 .. 4.28 s -> '0:01' .. '0:05'
    assert (clock(1.28, False), clock(4.28, True)) == ('0:01', '0:05')
    assert (clock(59.5, False), clock(61.0, True), clock(125.2, True)) == ('0:59', '1:01', '2:06')


def test_no_question_when_no_two_static_references_exist(tiny_episode) -> None:
    _, gt = _load(tiny_episode)
    poor = copy.deepcopy(gt)
    poor['objects'] = [o for o in poor['objects'] if not o['static'] or o['label'] == 'person' or o['id'] == 'door']
    items, _, skipped = build_questions(poor, np.random.default_rng(0))
    assert not any('_exo' in i['task'] for i in items)
    assert any('fewer than two static reference objects' in s for s in skipped)


def test_a_sound_its_object_makes_again_is_asked_about_by_which_time(tiny_episode) -> None:
    """The object's other sounds of the same kind sound alike whatever the scene calls them: the question
    says which time it means, and the parser reads it back."""
    _, gt = _load(tiny_episode)
    twice = copy.deepcopy(gt)
    first = next(e for e in twice['events'] if e['kind'] != 'speech' and e.get('ask', True))
    again = {**first, 'index': len(twice['events']), 'label': 'second ' + first['label'],
             'start_s': first['start_s'] + 1.0, 'end_s': first['end_s'] + 1.0}
    twice['events'].append(again)
    items, links, _ = build_questions(twice, np.random.default_rng(0))
    by_event: dict[int, list[str]] = {}
    for item in items:
        by_event.setdefault(links[item['id']]['event'], []).append(item['question'])
    assert by_event[first['index']] and by_event[again['index']]
    assert all(' for the first time' in q for q in by_event[first['index']])
    assert all(' for the second time' in q for q in by_event[again['index']])
    assert {parse_question(q).anchor.occurrence for q in by_event[again['index']]} == {2}
    others = [q for event, questions in by_event.items() if event not in (first['index'], again['index'])
              for q in questions]
    assert others and {parse_question(q).anchor.occurrence for q in others} == {0}
