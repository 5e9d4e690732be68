"""The whole QA path (parse -> ground -> answer) on the real SAVVY-Bench sample questions.

Each item's map holds its ground-truth geometry and its event among the other 54 items' events
as distractors (each linked to a far-away object, so a wrong grounding gives a wrong answer).
With the topic as the transcript, every answer must equal the ground truth; with the real
sentences that were spoken, the quoted topic must still be found in most of them.
"""
from __future__ import annotations

import pytest
from qa_maps import map_for_item

from savvy_ros.qa.spatial_qa import AskRequest, SpatialQA


@pytest.fixture(scope='module')
def qa(phrase_matcher):
    return SpatialQA(phrase_matcher)


def _options(item):
    return item['options'] if isinstance(item['options'], list) else []


def test_every_bench_item_is_answered_like_its_ground_truth(qa, bench_items):
    wrong = []
    for item in bench_items:
        result = qa.ask(AskRequest(item['question'], _options(item)), map_for_item(item, bench_items, 'topic'))
        context = item['gt_context_json']
        if not result.success:
            wrong.append((item['id'], result.error))
            continue
        answer = result.answer
        if '_distance_' in item['task']:
            ok = abs(answer.value - context['gt_2d_distance']) < 1e-6 and answer.value_unit == 'm'
        else:
            ok = answer.answer == context['prediction'] and abs(answer.value - context['angle']) < 1e-6
        if not ok:
            wrong.append((item['id'], answer.answer, answer.value, answer.explanation))
        assert answer.evidence_ids and answer.explanation.endswith('.')
        assert answer.window == (item['anno_value']['zero_base_start_time'], item['anno_value']['zero_base_stop_time'])
    assert not wrong, wrong


def test_quoted_topics_are_found_in_the_real_spoken_sentences(qa, bench_items):
    """Descriptive topics vs what was actually said ("offering a drink" / "Would you like some
    water?"): sentence embeddings find most; the rest need a snapshot descriptor or a window."""
    found = []
    for item in bench_items:
        result = qa.ask(AskRequest(item['question'], _options(item)), map_for_item(item, bench_items, 'sentence'))
        start = item['anno_value']['zero_base_start_time']
        found.append(result.success and result.answer.window[0] == start)
    rate = sum(found) / len(found)
    print(f'topic -> spoken sentence grounding among {len(found)} events: {rate:.0%}')
    assert rate >= 0.7


def test_bench_item_without_its_event_says_it_was_not_heard(qa, bench_items):
    item = next(i for i in bench_items if i['anno_modality'] == 'speech')
    view = map_for_item(item)
    view.events = [e for e in view.events if e.kind != 'speech']
    result = qa.ask(AskRequest(item['question'], _options(item)), view)
    assert not result.success and result.error_code == 'event_not_heard'
    assert 'no speech events' in result.error


def test_explicit_window_overrides_grounding(qa, bench_items):
    item = next(i for i in bench_items if i['task'].endswith('direction_ego'))
    view = map_for_item(item)
    view.events = []          # nothing heard: only the caller's window can anchor it
    request = AskRequest('Imagine you are the camera wearer; where is the wooden entry front door? '
                         'relative to where you are facing', list(item['options']), window=(1.0, 2.0))
    result = qa.ask(request, view)
    assert result.success, result.error
    assert result.answer.answer == item['gt_context_json']['prediction']
    assert result.answer.window == (1.0, 2.0)
