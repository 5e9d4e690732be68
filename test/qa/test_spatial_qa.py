"""Answers over a hand-built map whose geometry is known exactly; errors; a fuzzed service core."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qa_maps import static_object

from savvy_ros.mapping.map_view import MapEventView, MapObjectView, MapView
from savvy_ros.qa.grounding import SnapshotWindow
from savvy_ros.qa.savvy_conventions import HARD_OPTIONS, SIMPLE_OPTIONS
from savvy_ros.qa.spatial_qa import AskRequest, SpatialQA


def walking_dog() -> MapObjectView:
    times = np.linspace(0.0, 20.0, 21)
    positions = np.stack([np.full_like(times, 2.0), -1.0 + 0.1 * times, np.zeros_like(times)], axis=1)
    return MapObjectView(7, 'dog', ['puppy'], False, False, positions[-1], np.eye(3) * 0.01, times, positions,
                         0.0, 20.0, frozenset({'vision'}), 21)


def build_view() -> MapView:
    """Wearer at the origin facing +x (REP 103) the whole time; door behind-left, sofa ahead."""
    seen = (0.0, 20.0)
    objects = [static_object(1, 'door', (-2.0, 1.0), seen), static_object(2, 'sofa', (3.0, 0.0), seen, ['couch']),
               static_object(3, 'kettle', (3.0, 4.0), seen), static_object(4, 'person', (1.0, -1.0), seen),
               walking_dog()]
    events = [MapEventView(11, 'sound', 5.0, 6.0, '', ['Knock', 'Door', 'Wood'], [0.7, 0.5, 0.3], 1, 0.9, None),
              MapEventView(12, 'speech', 8.0, 9.5, 'Would you like something to drink?', ['Speech'], [0.9], 4, 0.8,
                           None),
              MapEventView(13, 'sound', 12.0, 13.0, '', ['Siren'], [0.8], 0, 0.0, np.array([0.0, 5.0, 0.0]))]
    times = np.linspace(0.0, 20.0, 201)
    return MapView('map', 20.0, objects, events, 'head', times, np.zeros((times.size, 3)), np.zeros(times.size))


@pytest.fixture()
def view() -> MapView:
    return build_view()


@pytest.fixture(scope='module')
def qa(phrase_matcher) -> SpatialQA:
    return SpatialQA(phrase_matcher)


def ask(qa, view, question, options=(), **kw):
    return qa.ask(AskRequest(question, list(options), **kw), view)


def test_ego_direction_of_an_event_source_with_bench_options(qa, view):
    result = ask(qa, view, 'where was the sound source when the knocking door sound comes up?', HARD_OPTIONS)
    assert result.success, result.error
    expected = -math.degrees(math.atan2(1.0, -2.0))          # SAVVY: positive = right; door is back-left
    assert result.answer.value == pytest.approx(expected)
    assert (result.answer.answer, result.answer.answer_text) == ('C', 'back-left')
    assert result.answer.window == (5.0, 6.0)
    assert result.answer.evidence_ids == ['event/11', 'object/1']
    assert 'door' in result.answer.explanation


def test_speech_topic_grounds_in_the_transcript(qa, view):
    result = ask(qa, view, 'Imagine you are the camera wearer, when the speech topic "offering a drink" comes up, '
                 'relative to where you are facing, where is the other person : left, right, or back?', SIMPLE_OPTIONS)
    assert result.success, result.error
    assert (result.answer.answer, result.answer.value) == ('B', pytest.approx(45.0))


def test_free_distance_between_named_objects_uses_aliases(qa, view):
    result = ask(qa, view, 'How far is the kettle from the couch?')
    assert result.success, result.error
    assert result.answer.value == pytest.approx(4.0) and result.answer.value_unit == 'm'
    assert result.answer.answer == '4.00' and set(result.answer.evidence_ids) == {'object/2', 'object/3'}


def test_polar_question_about_now_follows_a_moving_object(qa, view):
    # At t = 19-20 s the dog is at (2, 0.9..1.0): ahead-left of the wearer.
    result = ask(qa, view, 'is the puppy to my left?')
    assert result.success, result.error
    assert result.answer.answer == 'yes' and result.answer.answer_text.startswith('yes: front-left')
    assert result.answer.window == (19.0, 20.0)


def test_explicit_window_moves_the_moving_object(qa, view):
    result = ask(qa, view, 'where is the dog?', window=(0.0, 1.0))   # dog at (2, -1..-0.9): front-right
    assert result.success and result.answer.answer == 'front-right'


def test_exo_direction_standing_at_one_object_facing_another(qa, view):
    result = ask(qa, view, 'Imagine you are a robot standing by the sofa and facing the kettle, when the knocking door '
                 'sound comes up, relative to where you are facing, where is the sounding object?', HARD_OPTIONS)
    assert result.success, result.error
    # From (3, 0) facing +y, the door at (-2, 1) is 78.7 deg to the left: front-left.
    assert result.answer.answer == 'A'
    assert result.answer.value == pytest.approx(-math.degrees(math.atan2(5.0, 1.0)))


def test_event_source_placed_by_audio_only(qa, view):
    result = ask(qa, view, 'how far was the sound source when the siren sound was heard?')
    assert result.success, result.error
    assert result.answer.value == pytest.approx(5.0)


def test_snapshot_window_for_the_same_question_wins(qa, view):
    question = 'where is the dog when the speech topic "anything" comes up?'
    result = qa.ask(AskRequest(question), view, [SnapshotWindow(question, 'anything', 0.0, 1.0)])
    assert result.success and result.answer.answer == 'front-right'


@pytest.mark.parametrize('question, code, words', [
    ('where is the giraffe?', 'unknown_object', 'giraffe'),
    ('where was the speaker when the speech topic "quantum chromodynamics lecture" comes up?', 'event_not_heard',
     'closest'),
    ('where is the dog when the trumpet fanfare sound comes up?', 'event_not_heard', 'trumpet'),
    ('what colour is the sofa?', 'unparseable_question', 'direction'),
    ('', 'empty_question', 'empty'),
])
def test_specific_errors(qa, view, question, code, words):
    result = ask(qa, view, question)
    assert not result.success and result.error_code == code and words in result.error


def test_time_outside_the_recording(qa, view):
    result = ask(qa, view, 'where is the dog?', window=(100.0, 101.0))
    assert not result.success and result.error_code == 'time_outside_recording' and '0.00 .. 20.00' in result.error


def test_no_map_yet(qa):
    result = ask(qa, None, 'where is the dog?')
    assert not result.success and result.error_code == 'empty_map' and '/savvy/map' in result.error


def test_best_guess_answers_with_the_closest_event(qa, view):
    question = 'where was the sound source when the trumpet fanfare sound comes up?'
    assert not ask(qa, view, question).success
    guess = ask(qa, view, question, best_guess=True)
    assert guess.success and guess.answer.confidence < 0.5


def test_hints_override_and_complete_the_question(qa, view):
    result = ask(qa, view, 'that thing, how about it?', task='spatial_temporal_audio_distance_exo',
                 target='kettle', reference='sofa')
    assert result.success and result.answer.value == pytest.approx(4.0)
    bad = ask(qa, view, 'where is the dog?', task='spatial_temporal_audio_colour_ego')
    assert not bad.success and 'task hint' in bad.error


FUZZ_VIEW = build_view()   # read-only in the service: one instance serves every example
_QUESTION = st.one_of(
    st.text(max_size=200),
    st.builds(lambda a, b, c: f'{a} the {b} {c}', st.sampled_from(['where is', 'how far is', 'is', 'standing by']),
              st.sampled_from(['dog', 'door', 'sofa', 'speaker', 'you', 'kettle']),
              st.sampled_from(['?', 'to my left?', 'from the sofa?', 'when the knock sound comes up?',
                               'facing the door, where is the dog?'])))


@settings(max_examples=150, deadline=None)
@given(_QUESTION, st.lists(st.sampled_from(['A: left', 'B: right', 'C: back', 'D: up', 'junk']), max_size=4),
       st.one_of(st.none(), st.tuples(st.floats(allow_nan=True), st.floats(allow_nan=True))), st.booleans())
def test_fuzz_service_core_never_raises(qa, question, options, window, best_guess):
    result = ask(qa, FUZZ_VIEW, question, options, window=window, best_guess=best_guess)
    if result.success:
        assert result.answer.value_unit in ('deg', 'm') and math.isfinite(result.answer.value)
        assert 0.0 <= result.answer.confidence <= 1.0 and result.answer.explanation
    else:
        assert result.error and result.error_code and result.error_code != 'internal', result.error
