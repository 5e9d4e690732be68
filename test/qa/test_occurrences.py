"""Which time a thing was heard: the times are the near-best matches in time order, pieces joined."""
from __future__ import annotations

import pytest
from qa_maps import example_view

from savvy_ros.mapping.map_view import MapEventView
from savvy_ros.qa.occurrences import OCCURRENCE_GAP_S, nth_occurrence, occurrences, ordinal_word
from savvy_ros.qa.savvy_conventions import HARD_OPTIONS
from savvy_ros.qa.spatial_qa import AskRequest, SpatialQA


def bark(event_id: int, start: float, end: float, tags=('Dog', 'Bark')) -> MapEventView:
    return MapEventView(event_id, 'sound', start, end, '', list(tags), [0.8] * len(tags), 0, 0.0, None)


def test_near_best_matches_in_time_order_are_the_times_heard():
    scored = [(0.9, bark(3, 10.0, 12.0)), (1.0, bark(1, 2.0, 4.0)), (0.3, bark(2, 6.0, 7.0)), (0.85, bark(4, 20.0, 21.0))]
    found = occurrences(scored)
    assert [(o.start, o.end, o.event.id) for o in found] == [(2.0, 4.0, 1), (10.0, 12.0, 3), (20.0, 21.0, 4)]
    assert nth_occurrence(found, 2).event.id == 3 and nth_occurrence(found, -1).event.id == 4
    assert nth_occurrence(found, 4) is None and nth_occurrence(found, 0) is None and nth_occurrence([], -1) is None


def test_a_sound_heard_in_pieces_is_one_time():
    # Two events of one bark (a short pause splits it) and an overlapping one: one time, its best event.
    scored = [(0.9, bark(1, 2.0, 3.0)), (1.0, bark(2, 3.0 + OCCURRENCE_GAP_S * 0.9, 5.0)), (0.95, bark(3, 4.5, 6.0)),
              (0.9, bark(4, 6.0 + OCCURRENCE_GAP_S * 1.1, 9.0))]
    found = occurrences(scored)
    assert [(o.start, o.end, o.event.id, o.score) for o in found] == [(2.0, 6.0, 2, 1.0), (found[1].start, 9.0, 4, 0.9)]


def test_a_threshold_keeps_weak_matches_from_counting():
    scored = [(0.5, bark(1, 2.0, 3.0)), (0.42, bark(2, 8.0, 9.0))]
    assert len(occurrences(scored)) == 2 and len(occurrences(scored, threshold=0.45)) == 1
    assert occurrences([]) == []


@pytest.mark.parametrize('n, word', [(1, 'first'), (2, 'second'), (3, 'third'), (-1, 'last'), (7, '7th')])
def test_ordinal_words(n, word):
    assert ordinal_word(n) == word


@pytest.fixture(scope='module')
def qa(phrase_matcher) -> SpatialQA:
    return SpatialQA(phrase_matcher)


def barking_view():
    """example_view plus three half-second barks of its walking dog (at 13.5, 15.5 and 17.5 s)."""
    view = example_view()
    for event_id, start in enumerate((13.5, 15.5, 17.5), 21):
        view.events.append(MapEventView(event_id, 'sound', start, start + 0.5, '', ['Dog', 'Bark', 'Animal'],
                                        [0.8, 0.6, 0.4], 7, 0.9, None))
    return view


@pytest.mark.parametrize('when, event_id', [
    ('when the barking sound comes up for the first time', 21),
    ('when the barking sound comes up for the second time', 22),
    ('when the barking sound comes up for the last time', 23),
    ('the third time the dog barked', 23),
])
def test_the_question_says_which_time(qa, when, event_id):
    result = qa.ask(AskRequest(f'Imagine you are the camera wearer, {when}, relative to where you are facing, where '
                               'is the sound source?', list(HARD_OPTIONS)), barking_view())
    assert result.success, result.error
    assert f'event/{event_id}' in result.answer.evidence_ids
    assert 'of 3 times heard' in result.answer.explanation


def test_a_time_not_heard_is_refused_or_guessed_as_the_last(qa):
    question = ('Imagine you are the camera wearer, when the barking sound comes up for the fifth time, relative to '
                'where you are facing, where is the sound source?')
    refused = qa.ask(AskRequest(question, list(HARD_OPTIONS)), barking_view())
    assert not refused.success and refused.error_code == 'event_not_heard'
    assert 'heard 3 times, not a fifth time' in refused.error
    guessed = qa.ask(AskRequest(question, list(HARD_OPTIONS), best_guess=True), barking_view())
    assert guessed.success and 'event/23' in guessed.answer.evidence_ids
    assert 'the last of 3 times heard, asked for the fifth' in guessed.answer.explanation


def test_a_sound_heard_once_is_the_only_time(qa):
    result = qa.ask(AskRequest('Imagine you are the camera wearer, when the knocking sound comes up for the first '
                               'time, relative to where you are facing, where is the sound source?', list(HARD_OPTIONS)),
                    barking_view())
    assert result.success and 'event/11' in result.answer.evidence_ids
    assert '(the only time heard)' in result.answer.explanation
