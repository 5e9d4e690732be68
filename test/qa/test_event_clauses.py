"""Free-wording event clauses reduced to a speech topic or a sound phrase."""
from __future__ import annotations

import pytest

from savvy_ros.qa.event_clauses import SpeechClause, is_said_by, sound_phrase, speech_clause, talker_topic


@pytest.mark.parametrize('clause, speaker, topic', [
    ('she offered a drink', 'she', 'offered a drink'),                      # the kind of speech stays
    ('the man was asking about the delivery', 'the man', 'asking about the delivery'),
    ('they said the water is ready', 'they', 'the water is ready'),         # the content alone
    ('she told me that dinner is ready', 'she', 'dinner is ready'),
    ('he talked about the lamp he ordered', 'he', 'the lamp he ordered'),
    ('someone mentioned making tea', 'someone', 'making tea'),
    ('bob spoke to me about the weather', 'bob', 'the weather'),
    ('she started talking', 'she', 'she started talking'),                  # nothing said about what
    ('the topic of the delivery came up', '', 'the delivery'),              # speech named by its subject
    ('the conversation about the lamp', '', 'the lamp'),
    ('tea was mentioned', '', 'tea'),
])
def test_a_clause_of_saying_gives_the_speaker_and_the_topic(clause, speaker, topic):
    assert speech_clause(clause) == SpeechClause(speaker, topic)


@pytest.mark.parametrize('clause', ['the kettle beeped', 'the warning beep sounded', 'a shout came',
                                    'the dog barked at the door', 'the tv was on',
                                    'the conversation started', 'the talk show started'])   # no topic said
def test_sounds_and_nouns_of_saying_are_not_speech(clause):
    assert speech_clause(clause) is None


@pytest.mark.parametrize('words, topic', [
    ('person who offered me a drink', 'offered me a drink'),
    ('the woman who said hello', 'hello'),
    ('the person talking about tea', 'tea'),
    ('a man asking for the salt', 'asking for the salt'),
    ('the man with the camera', None),
    ('the person', None),
])
def test_a_talker_described_by_their_speech(words, topic):
    assert talker_topic(words) == topic


@pytest.mark.parametrize('clause, phrase', [
    ('you heard the knocking', 'knocking'),
    ('i first heard the dog', 'dog'),
    ('the knock on the door came', 'knock on the door'),
    ('the knocking started', 'knocking'),
    ('the sound of the kettle', 'kettle'),
    ('someone knocked on the door', 'knocked on the door'),
    ('the kettle went off', 'kettle went off'),
    ('came', 'came'),                                                        # never emptied
])
def test_a_sound_clause_loses_who_heard_it_and_when_it_started(clause, phrase):
    assert sound_phrase(clause) == phrase


def test_a_pronoun_or_the_same_person_word_is_the_talker():
    assert is_said_by('she', 'the woman') and is_said_by('', 'the speaker') and is_said_by('the man', 'man')
    assert not is_said_by('the man', 'the woman')      # someone else spoke
    assert not is_said_by('she', 'the kettle')         # not a person at all
