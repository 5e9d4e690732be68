"""The bench's metrics on hand-computed cases (see SAVVY_BENCH.md, "Scoring")."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from savvy_ros.evaluation.metrics import (ABSOLUTE_THRESHOLDS_M, RELATIVE_CONFIDENCES, mca_correct, mra_absolute,
                                          mra_relative, parse_number, question_kind, score_item, score_question,
                                          summarize)

FIXTURES = Path(__file__).resolve().parents[3] / 'shared' / 'fixtures' / 'savvy_release'


def test_threshold_sets_are_the_benchmarks():
    assert ABSOLUTE_THRESHOLDS_M == (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
    assert RELATIVE_CONFIDENCES == (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


@pytest.mark.parametrize('answer, truth, correct', [
    ('D', 'D', True), ('D: back-right', 'D', True), ('  d', 'D', True), ('B', 'D', False),
    ('back-right', 'D', False),  # a word is not a letter: the first character decides
    ('', 'A', False)])
def test_mca_is_the_first_character(answer, truth, correct):
    assert mca_correct(answer, truth) is correct


@pytest.mark.parametrize('prediction, truth, expected', [
    (1.65, 1.65, 1.0),     # exact: every threshold
    (2.0, 1.65, 0.7),      # error 0.35 m: below 0.4 .. 1.0 (7 of 10)
    (1.5, 1.0, 0.5),       # error 0.5 m exactly: strict "<" keeps 0.6 .. 1.0 (5 of 10)
    (0.05, 0.0, 1.0),      # error 0.05 m: below every threshold
    (3.0, 2.0, 0.0),       # error 1.0 m: not below 1.0
    (None, 2.0, 0.0), (math.nan, 2.0, 0.0), (math.inf, 2.0, 0.0)])
def test_absolute_mra_hand_computed(prediction, truth, expected):
    assert mra_absolute(prediction, truth) == pytest.approx(expected)


@pytest.mark.parametrize('prediction, truth, expected', [
    (1.0, 1.0, 1.0),
    (1.1, 1.0, 0.8),       # relative error 0.1: below 1 - theta for theta 0.50 .. 0.85 (8 of 10)
    (0.7, 1.0, 0.4),       # relative error 0.3: below 0.5, 0.45, 0.4, 0.35 (4 of 10)
    (1.5, 1.0, 0.0),       # relative error 0.5: not below 0.5
    (4.0, 2.0, 0.0),
    (0.0, 0.0, 1.0), (0.1, 0.0, 0.0),  # zero ground truth: only an exact answer counts
    (None, 1.0, 0.0)])
def test_relative_mra_hand_computed(prediction, truth, expected):
    assert mra_relative(prediction, truth) == pytest.approx(expected)


@pytest.mark.parametrize('text, value', [('2.3', 2.3), ('2.3 m', 2.3), ('about 2 metres', 2.0), ('.5', 0.5),
                                         ('1e0', 1.0), ('unknown', None), (None, None), (1.25, 1.25)])
def test_numbers_are_read_from_answers(text, value):
    assert parse_number(text) == value


def test_summary_overall_is_the_mean_of_task_means_not_of_items():
    items = [score_item('q1', 'dir_ego', 'hard', 'speech', 'MCA', 'A', 'A: front-left'),   # 1
             score_item('q2', 'dir_ego', 'hard', 'sound', 'MCA', 'A', 'B'),               # 0
             score_item('q3', 'dir_ego', 'simple', 'speech', 'MCA', 'C', 'C'),            # 1
             score_item('q4', 'dist_ego', 'hard', 'speech', 'NA', '1.65', '2.0 m')]       # 0.7, rel 0.6
    summary = summarize(items)
    assert summary.by_task['dir_ego'].mean == pytest.approx(2 / 3)
    assert summary.by_task['dist_ego'].mean == pytest.approx(0.7)
    assert summary.overall == pytest.approx((2 / 3 + 0.7) / 2)
    assert summary.by_task_level[('dir_ego', 'hard')].mean == pytest.approx(0.5)
    assert summary.by_task_level[('dir_ego', 'hard')].count == 2
    assert summary.by_task_level_anchor[('dir_ego', 'hard', 'sound')].mean == 0.0
    # relative error 0.35 / 1.65 = 0.212: below 1 - theta for theta 0.50 .. 0.75 (6 of 10)
    assert summary.by_task['dist_ego'].relative_mra == pytest.approx(0.6)
    assert summary.by_task['dir_ego'].relative_mra is None
    assert summary.by_anchor['speech'].mean == pytest.approx((1 + 1 + 0.7) / 3)


def test_direction_and_distance_are_pooled_over_ego_and_exo_per_level():
    task = 'spatial_temporal_audio_{}_{}'.format
    items = [score_item('q1', task('direction', 'ego'), 'hard', 'speech', 'MCA', 'A', 'A'),      # 1
             score_item('q2', task('direction', 'exo'), 'hard', 'sound', 'MCA', 'A', 'B'),       # 0
             score_item('q3', task('direction', 'exo'), 'hard', 'sound', 'MCA', 'C', 'C'),       # 1
             score_item('q4', task('direction', 'ego'), 'simple', 'speech', 'MCA', 'B', 'C'),    # 0
             score_item('q5', task('distance', 'ego'), 'hard', 'speech', 'NA', '1.65', '2.0'),   # 0.7
             score_item('q6', task('distance', 'exo'), 'hard', 'speech', 'NA', '3.0', '3.0')]    # 1
    pooled = summarize(items).by_kind_level
    assert pooled[('direction', 'hard')].count == 3
    assert pooled[('direction', 'hard')].mean == pytest.approx(2 / 3)
    assert pooled[('direction', 'simple')].mean == 0.0
    assert pooled[('distance', 'hard')].mean == pytest.approx(0.85)
    assert question_kind('dir_ego') == 'dir_ego'    # not a bench task: its own group


def test_bad_items_raise_errors_naming_the_question():
    with pytest.raises(ValueError, match='q9.*QA_type'):
        score_item('q9', 't', 'hard', 'speech', 'XYZ', 'A', 'A')
    with pytest.raises(ValueError, match='q8.*not a number'):
        score_item('q8', 't', 'hard', 'speech', 'NA', 'far', '1.0')
    with pytest.raises(ValueError, match='no scored items'):
        summarize([])


@pytest.mark.skipif(not (FIXTURES / 'gtavmap_sample.json').is_file(), reason='SAVVY release fixtures absent')
def test_release_items_score_their_own_ground_truth_perfectly():
    questions = json.loads((FIXTURES / 'gtavmap_sample.json').read_text())
    scored = [score_question(q, q['groundtruth']) for q in questions]
    summary = summarize(scored)
    assert summary.overall == 1.0 and len(summary.by_task) == 4
    assert {i.anchor for i in scored} == {'speech', 'sound'}
    # The geometry-implied answer disagrees with the annotation on a few items (see the fixture README).
    geometry = [score_question(q, q['gt_context_json']['prediction']) for q in questions if q['QA_type'] == 'MCA']
    assert 0.8 < summarize(geometry).overall < 1.0


def test_chance_is_one_over_the_number_of_options():
    from savvy_ros.evaluation.metrics import chance_score
    assert chance_score({'QA_type': 'MCA', 'options': ['A: left', 'B: right', 'C: back']}) == pytest.approx(1 / 3)
    assert chance_score({'QA_type': 'MCA', 'options': ['A: front-left', 'B: front-right', 'C: back-left',
                                                       'D: back-right']}) == 0.25
    assert chance_score({'QA_type': 'NA', 'options': 'None'}) is None
    with pytest.raises(ValueError, match='q7: MCA without a list'):
        chance_score({'id': 'q7', 'QA_type': 'MCA', 'options': 'None'})


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 20.0), st.floats(0.01, 20.0))
def test_mra_properties(prediction, truth):
    absolute, relative = mra_absolute(prediction, truth), mra_relative(prediction, truth)
    assert 0.0 <= absolute <= 1.0 and 0.0 <= relative <= 1.0
    assert absolute == mra_absolute(truth, prediction)                 # symmetric in the error
    assert absolute * 10 == pytest.approx(round(absolute * 10))        # a count of thresholds
    if abs(prediction - truth) >= 1.0:
        assert absolute == 0.0
    if truth > 0 and abs(prediction - truth) >= 0.5 * truth:
        assert relative == 0.0
