"""Question understanding: every bench template exactly, plain-word paraphrases, clear refusals."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from savvy_ros.qa.errors import (EmptyQuestionError, MalformedOptionsError, QuestionError, QuestionTooLongError,
                                 UnparseableQuestionError)
from savvy_ros.qa.question import RefKind
from savvy_ros.qa.question_parser import MAX_QUESTION_CHARS, parse_question
from savvy_ros.qa.savvy_conventions import HARD_OPTIONS, SIMPLE_OPTIONS


def _options(item):
    return item['options'] if isinstance(item['options'], list) else []


def test_every_fixture_question_parses_to_its_task_level_anchor_and_objects(bench_items):
    for item in bench_items:
        parsed = parse_question(item['question'], _options(item))
        value, context = item['anno_value'], item['gt_context_json']
        assert parsed.savvy_task == item['task'], item['id']
        assert parsed.level == item['level'], item['id']
        assert parsed.template, item['id']
        assert parsed.anchor.kind == item['anno_modality'], item['id']
        assert parsed.anchor.phrase == (value.get('descriptive_topic') or value['sound']).lower(), item['id']
        assert parsed.target.kind is RefKind.EVENT_SOURCE, item['id']
        if item['task'].endswith('_exo'):
            assert parsed.reference.text == context['reference_object']['description'].lower(), item['id']
            if '_direction_' in item['task']:
                facing = context['reference_forward_vector']['description'].split(' to ', 1)[1]
                assert parsed.facing.text == facing.lower(), item['id']
        else:
            assert parsed.reference.kind is RefKind.WEARER and parsed.facing is None, item['id']


@pytest.mark.parametrize('text, task, perspective, target, reference, anchor', [
    ('Is the dog to my left?', 'direction', 'ego', 'dog', None, None),
    ('How far is the kettle from the sofa?', 'distance', 'exo', 'kettle', 'sofa', None),
    ('how far away is the cat', 'distance', 'ego', 'cat', None, None),
    ('Where was the speaker when the door knocked?', 'direction', 'ego', 'speaker', None, ('sound', 'door knocked')),
    ('When the door knocked, where was the speaker?', 'direction', 'ego', 'speaker', None, ('sound', 'door knocked')),
    ('Standing by the sink facing the window, where is the speaker when the speech topic "coffee" comes up?',
     'direction', 'exo', 'speaker', 'sink', ('speech', 'coffee')),
    ('What is the distance between me and the door in meters?', 'distance', 'ego', 'door', None, None),
    ('Where is the TV?', 'direction', 'ego', 'tv', None, None),
    ('Is the person behind me?', 'direction', 'ego', 'person', None, None),
    ('Where was the person who said "would you like a drink"?', 'direction', 'ego', 'person who said', None,
     ('speech', 'would you like a drink')),
    ('How far was the sound source when the siren sound was heard?', 'distance', 'ego', 'sound source', None,
     ('sound', 'siren')),
])
def test_paraphrases_and_free_questions(text, task, perspective, target, reference, anchor):
    parsed = parse_question(text)
    assert (parsed.task, parsed.perspective) == (task, perspective)
    assert parsed.target.text.startswith(target)
    if reference is None:
        assert parsed.reference.kind is RefKind.WEARER
    else:
        assert parsed.reference.text == reference
    assert (parsed.anchor.kind, parsed.anchor.phrase) == anchor if anchor else parsed.anchor is None


@pytest.mark.parametrize('text, phrase, occurrence', [
    ('Imagine you are the camera wearer, when the barking sound comes up for the second time, relative to where '
     'you are facing, where is the sound source?', 'barking', 2),
    ('When the barking sound is happening for the first time, what is the distance between the sofa and the '
     'sounding object in meters?', 'barking', 1),
    ('Where was the dog the last time it barked?', 'dog barked', -1),
    ('How far was the cat from me when it meowed for the 3rd time?', 'cat meowed', 3),
    ('Where was the speaker when the door knocked?', 'door knocked', 0),
    # Inside a quoted topic the words are the topic's.
    ('Where was the speaker when the speech topic "meeting for the first time" comes up?',
     'meeting for the first time', 0),
    ('Where was the speaker when the speech topic "the last time we met" comes up for the second time?',
     'the last time we met', 2),
])
def test_which_time_an_event_was_heard(text, phrase, occurrence):
    anchor = parse_question(text).anchor
    assert (anchor.phrase, anchor.occurrence) == (phrase, occurrence)


def test_which_time_needs_an_event():
    with pytest.raises(UnparseableQuestionError, match='needs an event to count'):
        parse_question('Where is the cat for the second time?')


def test_the_person_who_said_something_is_the_event_source():
    parsed = parse_question('Where was the person who said "would you like a drink"?')
    assert parsed.target.kind is RefKind.EVENT_SOURCE


def test_polar_questions_carry_the_direction_asked_about():
    assert parse_question('is the dog to my left?').polar_word == 'left'
    assert parse_question('Is the cat behind me?').polar_word == 'back'
    assert parse_question('is the tv in front of me').polar_word == 'front'


def test_options_decide_the_level():
    text = 'where is the speaker when the speech topic "x" comes up?'
    assert parse_question(text, list(SIMPLE_OPTIONS)).level == 'simple'
    assert parse_question(text, list(HARD_OPTIONS)).level == 'hard'
    assert parse_question(text).level == 'hard'


@pytest.mark.parametrize('text, options, error, words', [
    ('', (), EmptyQuestionError, 'empty'),
    ('  ?!  ', (), EmptyQuestionError, 'empty'),
    ('x' * (MAX_QUESTION_CHARS + 1), (), QuestionTooLongError, 'characters'),
    ('what colour is the sofa?', (), UnparseableQuestionError, 'direction'),
    ('where is the speaker?', (), UnparseableQuestionError, 'needs an event'),
    ('where is the cat?', ['A left', 'B: right'], MalformedOptionsError, 'A left'),
    ('where is the cat?', ['A: red', 'B: blue'], MalformedOptionsError, 'direction set'),
    ('how far is the cat?', list(SIMPLE_OPTIONS), MalformedOptionsError, 'no multiple-choice'),
    ('where are you?', (), UnparseableQuestionError, 'yourself'),
])
def test_refusals_name_the_problem(text, options, error, words):
    with pytest.raises(error, match=words):
        parse_question(text, list(options))


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300), st.lists(st.text(max_size=20), max_size=5))
def test_fuzz_parser_raises_only_question_errors(text, options):
    try:
        parse_question(text, options)
    except QuestionError as exc:
        assert str(exc)


_WORDS = st.sampled_from(['where', 'is', 'the', 'how', 'far', 'when', 'speech topic', '"', 'sound', 'comes up',
                          'standing by', 'facing', 'distance between', 'and', 'me', 'you', 'dog', ',', '?',
                          'to my left', 'behind me', 'between', 'from', 'in meters', ':'])


@settings(max_examples=400, deadline=None)
@given(st.lists(_WORDS, max_size=25).map(' '.join))
def test_fuzz_parser_on_question_like_word_salad(text):
    try:
        parsed = parse_question(text)
    except QuestionError as exc:
        assert str(exc)
    else:
        assert parsed.task in ('direction', 'distance') and parsed.target.text
