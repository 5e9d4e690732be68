"""Questions in a user's own words find the event they mean, on the events the hearing node heard.

The events are those of the demo scene as the hearing node wrote them (config/scenes/demo.yaml,
`make demo`): a door knock tagged as music but abrupt, a kettle's beep tagged as a smoke detector
and a buzzer (abrupt too), and speech with its real transcripts, misheard words included.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from qa_maps import static_object

from savvy_ros.mapping.map_view import MapEventView, MapView
from savvy_ros.qa.errors import UnparseableQuestionError
from savvy_ros.qa.question import ObjectRef, RefKind
from savvy_ros.qa.question_parser import parse_question
from savvy_ros.qa.spatial_qa import AskRequest, SpatialQA

ALICE, BOB, DOOR, KETTLE, TV = 1, 2, 3, 4, 5
WEARER_XY = (2.0, 3.5)


def _speech(event_id, start, end, text, talker):
    return MapEventView(event_id, 'speech', start, end, text, ['Speech'], [0.9], talker, 0.8, None)


def _sound(event_id, start, end, labels, impulsiveness, source=0, heard_towards=None):
    """An event linked to object `source`, or (0) heard from the wearer's place towards `heard_towards`."""
    origin = direction = None
    if heard_towards is not None:
        origin = np.array([*WEARER_XY, 1.6])
        direction = np.array([*(np.subtract(heard_towards, WEARER_XY)), 0.0])
        direction /= np.linalg.norm(direction)
    return MapEventView(event_id, 'sound', start, end, '', labels, [0.5] * len(labels), source, 0.6 if source else 0.0,
                        None, bearing_origin=origin, bearing_direction=direction, impulsiveness=impulsiveness)


def living_room() -> MapView:
    objects = [static_object(ALICE, 'person', (4.7, 3.9)), static_object(BOB, 'person', (3.8, 1.0)),
               static_object(DOOR, 'door', (1.0, 0.1)), static_object(KETTLE, 'kettle', (5.4, 4.6)),
               static_object(TV, 'tv', (5.6, 2.4))]
    events = [
        _speech(1, 2.1, 5.6, 'I will come in. Would you like something to me?', ALICE),
        _speech(2, 6.5, 9.4, 'Yes please, unless I wonder what we love thee.', BOB),
        _speech(4, 11.0, 14.0, 'Look at the leaf on, I have taken T for myself.', ALICE),
        _sound(6, 14.4, 16.8, ['Music', 'Musical instrument', 'Plucked string instrument'], 1.0,
               heard_towards=(1.0, 0.1)),   # the knock, from the door
        _speech(7, 19.1, 22.5, 'Some of what is at the door, are you expecting a delivery?', BOB),
        _sound(9, 24.0, 25.0, ['Music', 'Musical instrument', 'Plucked string instrument'], 0.52, TV),
        _speech(16, 41.1, 44.1, 'She always hides under the sofa when someone hides.', ALICE),
        _sound(17, 45.6, 48.5, ['Smoke detector, smoke alarm', 'Beep, bleep', 'Buzzer'], 0.93,
               heard_towards=(5.4, 4.6)),   # the kettle's beep
        _speech(18, 49.5, 51.5, 'I think that Walter is ready now.', BOB),
    ]
    times = np.linspace(0.0, 60.0, 601)
    positions = np.tile([*WEARER_XY, 1.6], (times.size, 1))
    return MapView('map', 60.0, objects, events, 'head', times, positions, np.zeros(times.size))


@pytest.mark.parametrize('question, event_id', [
    ('where was the cat when someone knocked on the door?', 6),
    ('where was the cat when the knock on the door came?', 6),
    ('where is the door when you heard the knocking?', 6),
    ('where was the door when the knocking started?', 6),
    ('how far was the kettle when it beeped?', 17),
    ('where was the kettle when I heard it beep?', 17),
    ('how far away was the tv when the kettle beeped?', 17),
    ('where was the speaker when she offered a drink?', 1),
    ('where was the person who offered me a drink?', 1),
    ('where was the man when he asked about a delivery?', 7),
    ('where was the person talking about tea?', 4),
    ('where was the speaker when someone mentioned making tea?', 4),
    ('where was the person when they said the water is ready?', 18),
    ('how far was the sofa when she said the cat hides under it?', 16),
    ('where did the knocking come from?', 6),          # a sound asked about as a thing: its source
    ('how far away was the knock?', 6),
    ('where was the beep?', 17),
    ('how far was the beeping from me?', 17),
])
def test_a_question_in_plain_words_is_answered_at_the_event_it_names(phrase_matcher, question, event_id):
    result = SpatialQA(phrase_matcher).ask(AskRequest(question, best_guess=True), living_room())
    assert result.success, result.error
    assert f'event/{event_id}' in result.answer.evidence_ids, result.answer.explanation


def test_the_talker_a_pronoun_points_at_is_located_not_any_person(phrase_matcher):
    result = SpatialQA(phrase_matcher).ask(
        AskRequest('how far was the man from me when he asked about a delivery?'), living_room())
    assert result.success, result.error
    assert f'object/{BOB}' in result.answer.evidence_ids   # the talker, not the other person in the room
    assert result.answer.value == pytest.approx(np.hypot(3.8 - 2.0, 1.0 - 3.5), abs=1e-6)


@pytest.mark.parametrize('question, kind, phrase, target', [
    ('where was the woman when she offered a drink?', 'speech', 'offered a drink', RefKind.EVENT_SOURCE),
    ('where was the woman when the man offered a drink?', 'speech', 'offered a drink', RefKind.NAMED),
    ('where was the speaker when she told me that dinner is ready?', 'speech', 'dinner is ready',
     RefKind.EVENT_SOURCE),
    ('where was the person talking about the delivery?', 'speech', 'the delivery', RefKind.EVENT_SOURCE),
    ('how far was the man asking for the salt?', 'speech', 'asking for the salt', RefKind.EVENT_SOURCE),
    ('where was the dog when the phone rang?', 'sound', 'phone rang', RefKind.NAMED),
    ('how far was the kettle when it beeped?', 'sound', 'kettle beeped', RefKind.NAMED),
    ('where was the dog when the warning beep sounded?', 'sound', 'warning beep sounded', RefKind.NAMED),
    ('where was the dog when the sound of the doorbell came?', 'sound', 'doorbell', RefKind.NAMED),
    ('where was the dog when you heard the knocking?', 'sound', 'knocking', RefKind.NAMED),
    ('where did the knocking come from?', 'sound', 'knocking', RefKind.EVENT_SOURCE),
    ('which direction did the dog bark from?', 'sound', 'dog bark', RefKind.EVENT_SOURCE),
    ('where was the music coming from?', 'sound', 'music', RefKind.EVENT_SOURCE),
    ('how far away was the knock from the sofa?', 'sound', 'knock', RefKind.EVENT_SOURCE),
    ('which side was the tv on when the cat meowed?', 'sound', 'cat meowed', RefKind.NAMED),
    ('where was the speaker when the topic of the delivery came up?', 'speech', 'the delivery',
     RefKind.EVENT_SOURCE),
    ('where was the person during the conversation about tea?', 'speech', 'tea', RefKind.EVENT_SOURCE),
    ('where was the speaker when tea was mentioned?', 'speech', 'tea', RefKind.EVENT_SOURCE),
    ('where was the cat during the knocking?', 'sound', 'knocking', RefKind.NAMED),
    ('where was the kettle after the knock?', 'sound', 'knock', RefKind.NAMED),
    # Words of time inside what was said belong to it.
    ('where was the person talking about requesting the report before lunch?', 'speech',
     'requesting the report before lunch', RefKind.EVENT_SOURCE),
    ('where was the person talking about explaining walking while thinking?', 'speech',
     'explaining walking while thinking', RefKind.EVENT_SOURCE),
    ('how far was the man asking for the salt from the sofa?', 'speech', 'asking for the salt', RefKind.EVENT_SOURCE),
    # "at the ... sound" of a viewpoint is no sound anchor ("stood at the lamp ... the sound source").
    ('if I stood at the tall lamp box facing the white desk, where would the sound source be when the knocking door '
     'started?', 'sound', 'knocking door', RefKind.EVENT_SOURCE),
])
def test_free_wording_parses_to_the_event_and_the_talker(question, kind, phrase, target):
    parsed = parse_question(question)
    assert (parsed.anchor.kind, parsed.anchor.phrase) == (kind, phrase)
    assert parsed.target.kind is target


def test_things_are_still_things_and_a_heading_is_not_a_direction():
    for question in ('where is the dog?', 'how far is the alarm clock?', 'where is the loudspeaker?'):
        parsed = parse_question(question)
        assert parsed.anchor is None and parsed.target.kind is RefKind.NAMED, question
    parsed = parse_question('standing by the sofa facing the tv, where is the kettle relative to me?')
    assert (parsed.perspective, parsed.target.text) == ('exo', 'kettle')
    with pytest.raises(UnparseableQuestionError, match='heading'):
        parse_question('where was I facing when the kettle went off?')


@pytest.mark.parametrize('question, reference, facing, target', [
    ('if I stood at the sofa facing the tv, where would the kettle be?', 'sofa', 'tv', 'kettle'),
    ('if I were at the sofa facing the tv, where was the kettle when it beeped?', 'sofa', 'tv', 'kettle'),
    ('from the sofa, facing the tv, where is the door?', 'sofa', 'tv', 'door'),
    ('imagine you are at the door looking at the tv, where is the kettle?', 'door', 'tv', 'kettle'),
    ('standing next to the door and facing the tv, where was the speaker when she offered a drink?', 'door', 'tv',
     'speaker'),
])
def test_an_imagined_viewpoint_in_plain_words(question, reference, facing, target):
    parsed = parse_question(question)
    assert parsed.perspective == 'exo'
    assert (parsed.reference.text, parsed.facing.text, parsed.target.text) == (reference, facing, target)


@pytest.mark.parametrize('question, reference, target', [
    ('what is the distance from the sofa to the tv?', 'sofa', 'tv'),
    ('how far apart are the sofa and the tv?', 'sofa', 'tv'),
    ('how far was the cat from the sofa when the knock came?', 'sofa', 'cat'),
])
def test_distances_between_two_things_in_plain_words(question, reference, target):
    parsed = parse_question(question)
    assert (parsed.task, parsed.reference.text, parsed.target.text) == ('distance', reference, target)


@pytest.mark.parametrize('question, words', [
    ('imagine you are a robot, where is the tv?', 'imagined viewpoint'),          # not the wearer's instead
    ('if I were in the kitchen, where would the cat be?', 'imagined viewpoint'),
    ('where was the cat when I was facing the tv?', 'something you did'),          # not "now" instead
    ('where is the dog when you walked in?', 'something you did'),
    ('where is the kettle relative to the sofa?', 'needs a way to face'),             # not from the wearer
    ('is the kettle to the left of the sofa?', 'needs a way to face'),
    ('where was the cat at 30 seconds?', 'window'),                                  # not at "now"
])
def test_what_cannot_be_answered_as_asked_is_refused_not_answered_otherwise(question, words):
    with pytest.raises(UnparseableQuestionError, match=words):
        parse_question(question)


def test_a_talker_is_located_during_another_event(phrase_matcher):
    # Not the knock's source: whoever talked about tea, where they were when the knock came.
    parsed = parse_question('where was the person talking about tea when the knock on the door came?')
    assert parsed.target == ObjectRef(RefKind.TALKER, 'tea') and parsed.anchor.phrase == 'knock on the door'
    result = SpatialQA(phrase_matcher).ask(
        AskRequest('how far was the man who asked about a delivery from me when the kettle beeped?'), living_room())
    assert result.success, result.error
    assert set(result.answer.evidence_ids) == {'event/17', 'event/7', f'object/{BOB}'}   # the beep, his line, him
    assert result.answer.value == pytest.approx(np.hypot(3.8 - 2.0, 1.0 - 3.5), abs=1e-6)
    unplaced = SpatialQA(phrase_matcher).ask(
        AskRequest('where was the person talking about tea when the knock on the door came?'),
        dataclasses.replace(living_room(), events=[dataclasses.replace(e, object_id=0) if e.id == 4 else e
                                                   for e in living_room().events]))
    assert not unplaced.success and unplaced.error_code == 'source_not_located'


@pytest.mark.parametrize('question, task, target, reference', [
    ("where's the kettle?", 'direction', 'kettle', 'you'),                       # contractions
    ("how far's the sofa?", 'distance', 'sofa', 'you'),
    ('how far from me was the cat when it meowed?', 'distance', 'cat', 'you'),
    ('how far from the door is the sofa?', 'distance', 'sofa', 'door'),
    ('how many meters is the sofa from the door?', 'distance', 'sofa', 'door'),
    ('which way was the tv when the kettle beeped?', 'direction', 'tv', 'you'),
    ('can you tell me where the cat was when the knock came?', 'direction', 'cat', 'you'),
])
def test_everyday_forms_of_the_two_questions(question, task, target, reference):
    parsed = parse_question(question)
    assert (parsed.task, parsed.target.text, parsed.reference.text) == (task, target, reference)


def test_left_or_right_asks_which_not_whether():
    parsed = parse_question('is the cat on my left or right?')
    assert parsed.polar_word is None and parsed.level == 'simple'
    assert parse_question('is the cat on my left?').polar_word == 'left'
