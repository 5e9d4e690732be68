"""Grounding a speech topic in speech heard again while expecting it (the hearing node's TranscribeSpeech).

The transcripts below are what Whisper tiny.en wrote for synthetic bench and demo speech, first
unbiased and then prompted with the question's topic.
"""
from __future__ import annotations

import dataclasses

import pytest
from qa_maps import example_view

from savvy_ros.mapping.map_view import MapEventView
from savvy_ros.qa.errors import EventNotHeardError
from savvy_ros.qa.grounding import MAX_RETRANSCRIBED, MIN_RETRANSCRIBED_AGREEMENT, ground_event
from savvy_ros.qa.phrase_matcher import LexicalPhraseMatcher, phonetic_agreement, word_overlap
from savvy_ros.qa.question import EventAnchor


def speech(event_id: int, start: float, text: str) -> MapEventView:
    return MapEventView(event_id, 'speech', start, start + 2.5, text, ['Speech'], [0.9], 4, 0.8, None)


SALT = speech(41, 3.1, 'and we have the power of the pen.')
PASTA = speech(42, 12.1, 'and walk away from what you do, time to make the master.')
DINNER = speech(43, 22.5, 'This will be magic and be it.')


class HeardAgain:
    """Transcripts as the hearing node answers them, by window start; records what was asked."""

    def __init__(self, texts: dict[float, str | None]) -> None:
        self.texts, self.requests = texts, []

    def __call__(self, prompt, windows):
        self.requests.append((prompt, list(windows)))
        return [self.texts.get(start) for start, _ in windows]


def kitchen():
    return dataclasses.replace(example_view(), events=[SALT, PASTA, DINNER])


def test_speech_heard_again_for_the_topic_grounds_it_where_the_first_pass_did_not(phrase_matcher):
    anchor = EventAnchor('speech', 'asking for the salt')
    first_pass = ground_event(anchor, kitchen(), phrase_matcher, best_guess=True)
    assert first_pass.event is not SALT   # misheard: nothing of the salt in it
    again = HeardAgain({3.1: 'and the salt of the pan.', 12.1: 'that walk away from all you do, time to make them',
                        22.5: 'This will be magic and be it'})
    grounded = ground_event(anchor, kitchen(), phrase_matcher, best_guess=True, retranscribe=again)
    assert grounded.event is SALT and grounded.reheard == 'and the salt of the pan.'
    assert grounded.description == ('speech "and we have the power of the pen.", heard as "and the salt of the pan." '
                                    'when listened to for the topic')
    # One request, the topic as the prompt, every candidate's window in a fixed order.
    [(prompt, windows)] = again.requests
    assert prompt == 'asking for the salt' and sorted(windows) == [(3.1, 5.6), (12.1, 14.6), (22.5, 25.0)]


def test_the_first_pass_stands_where_hearing_again_adds_nothing(phrase_matcher):
    anchor = EventAnchor('speech', 'announcing pasta time')
    plain = ground_event(anchor, kitchen(), phrase_matcher, best_guess=True)
    # Audio no longer kept (None) or a reading no closer to the topic: the same event and score.
    again = HeardAgain({3.1: None, 12.1: 'and walk away from what you do, time to make the master.', 22.5: None})
    grounded = ground_event(anchor, kitchen(), phrase_matcher, best_guess=True, retranscribe=again)
    assert (grounded.event, grounded.score, grounded.reheard) == (plain.event, plain.score, '')
    assert grounded.event is PASTA
    # A service that answered nothing (no hearing node) changes nothing either.
    assert ground_event(anchor, kitchen(), phrase_matcher, best_guess=True,
                        retranscribe=lambda prompt, windows: [None] * len(windows)).event is PASTA


def test_a_reading_that_is_only_a_word_of_the_topic_does_not_outweigh_one_that_says_it(phrase_matcher):
    # Seen in the demo: expecting "noting the water is ready", Whisper wrote "ready" for a short
    # unclear "Wow, Ethan!" and "I think the water is ready now" for the line that said it.
    short = speech(51, 32.6, 'Wow, Ethan!')
    water = speech(52, 49.5, 'I think that Walter is ready now.')
    view = dataclasses.replace(example_view(), events=[short, water])
    again = HeardAgain({32.6: 'ready', 49.5: 'I think the water is ready now'})
    grounded = ground_event(EventAnchor('speech', 'noting the water is ready'), view, phrase_matcher,
                            best_guess=True, retranscribe=again)
    assert grounded.event is water
    assert word_overlap('noting the water is ready', 'ready') == 1.0   # a name within a name ...
    assert word_overlap('noting the water is ready', 'ready', query_coverage=True) == pytest.approx(1 / 3)


def test_a_reading_that_sounds_nothing_like_the_first_pass_is_the_prompt_speaking(phrase_matcher):
    # Seen in the demo: a knock's 0.6 s passed the VAD and was transcribed "Thank you."; expecting
    # "describing the cat hiding", Whisper wrote "the cat" for it, which out-scored the line itself.
    knock = speech(71, 15.0, 'Thank you.')
    hiding = speech(72, 41.1, 'She always hides under the sofa when someone hides.')
    view = dataclasses.replace(example_view(), events=[knock, hiding])
    anchor = EventAnchor('speech', 'describing the cat hiding')
    again = HeardAgain({15.0: 'the cat', 41.1: 'She always hides under the sofa when someone hides.'})
    grounded = ground_event(anchor, view, phrase_matcher, best_guess=True, retranscribe=again)
    assert grounded.event is hiding and grounded.reheard == ''
    assert phonetic_agreement('Thank you.', 'the cat') < MIN_RETRANSCRIBED_AGREEMENT
    # A misheard word put right keeps the sound of the rest: that reading still counts.
    assert phonetic_agreement('I think that Walter is ready now.', 'I think the water is ready now') > 0.9
    assert phonetic_agreement("It's incredible that we're paying for income to do.",
                              "It's incredible that we're able to do the remote") >= MIN_RETRANSCRIBED_AGREEMENT
    assert phonetic_agreement('', 'the cat') == 0.0


def test_a_line_saying_the_topic_inflected_otherwise_beats_one_heard_again_with_a_word_of_it(phrase_matcher):
    # The bench's b09: "Welcome everyone, the party starts now." was first heard as "when we were
    # part of the start of the show."; expecting "starting the party", Whisper heard another line,
    # "Somebody please answer that phone.", as "Some party pleatheads over there". The first line
    # says both words of the topic as stems ("start", "parti" ~ "part").
    start = speech(81, 3.0, 'when we were part of the start of the show.')
    phone = speech(82, 9.1, 'some ugly pleat hairs over there.')
    view = dataclasses.replace(example_view(), events=[start, phone])
    again = HeardAgain({3.0: 'when we were part of the start of the show.', 9.1: 'Some party pleatheads over there'})
    grounded = ground_event(EventAnchor('speech', 'starting the party'), view, phrase_matcher, best_guess=True,
                            retranscribe=again)
    assert grounded.event is start


def test_only_the_best_first_pass_matches_are_heard_again():
    events = [speech(60 + k, 10.0 * k, f'line number {k} about the weather') for k in range(MAX_RETRANSCRIBED + 3)]
    view = dataclasses.replace(example_view(), events=events)
    again = HeardAgain({})
    with pytest.raises(EventNotHeardError, match='no heard speech matches'):
        ground_event(EventAnchor('speech', 'asking for the salt'), view, LexicalPhraseMatcher(), retranscribe=again)
    [(_, windows)] = again.requests
    assert len(windows) == MAX_RETRANSCRIBED
    # All score 0 for the topic: the earliest first, the same windows on every run.
    assert windows == [(e.start, e.end) for e in events[:MAX_RETRANSCRIBED]]
