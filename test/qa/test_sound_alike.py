"""Speech topics matched to misheard transcripts: words that sound alike count as evidence."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from qa_maps import example_view

from savvy_ros.mapping.map_view import MapEventView
from savvy_ros.qa.grounding import ground_event
from savvy_ros.qa.phrase_matcher import content_words, sound_alike_share, word_overlap
from savvy_ros.qa.question import EventAnchor


@pytest.mark.parametrize(('topic', 'heard', 'share'), [
    ('requesting the report before lunch', 'trade and it will be on launch.', 0.25),   # lunch ~ launch
    ('mentioning making tea', 'I have been getting T for my channel', 1 / 3),          # tea ~ T
    ('the cushion', 'it is under the caution next to me', 1.0),                        # cushion ~ caution
    ('proposing a thursday meeting', 'The candle is on.', 0.0),
    ('', 'anything', 0.0),
])
def test_share_of_topic_words_heard_as_sound_alikes(topic, heard, share):
    assert sound_alike_share(topic, heard) == pytest.approx(share)


def test_words_are_compared_by_their_stems():
    assert content_words('Thanks, that was heavy.') == {'thank', 'heavi'}
    assert content_words('thanking for help') == {'thank', 'help'}
    # The bench's b09: the topic and the line share "start" only as stems.
    assert word_overlap('starting the party', 'when we were part of the start of the show', query_coverage=True) == 0.5
    assert sound_alike_share('describing the cat hiding', 'She always hides under the sofa') == pytest.approx(1 / 3)


def test_a_misheard_transcript_wins_over_an_unrelated_one(phrase_matcher):
    # Seen in the demo episode: Whisper heard a line about making tea as "The candle is on, I have
    # been getting T for my channel."; by meaning alone a short unrelated line was closer to the topic.
    view = example_view()
    misheard = MapEventView(21, 'speech', 11.0, 13.9, 'The candle is on, I have been getting T for my channel.',
                            ['Speech'], [0.9], 4, 0.8, None)
    unrelated = MapEventView(22, 'speech', 24.0, 24.5, "That's not enough.", ['Speech'], [0.9], 4, 0.8, None)
    view = dataclasses.replace(view, events=[misheard, unrelated])
    grounded = ground_event(EventAnchor('speech', 'mentioning making tea'), view, phrase_matcher, best_guess=True)
    assert grounded.event is misheard
    # The bonus is bounded: a score stays a similarity in [0, 1].
    exact = dataclasses.replace(misheard, text='Inviting someone to lunch.')
    view = dataclasses.replace(view, events=[exact, unrelated])
    top = ground_event(EventAnchor('speech', 'inviting someone to lunch'), view, phrase_matcher)
    assert top.event is exact and 0.0 < top.score <= 1.0
    assert np.isfinite(top.score)


def test_a_word_only_the_next_best_transcript_kept_grounds_the_topic(phrase_matcher):
    # Seen on the synthetic bench (b02): Whisper's best reading of "Great, send it to me before lunch."
    # was "trade and it will be on launch."; its second, "... written on lunch.", kept the word.
    view = example_view()
    lunch = MapEventView(31, 'speech', 5.5, 7.8, 'trade and it will be on launch.', ['Speech'], [0.9], 4, 0.8, None,
                         alternatives=['trade and it can be written on lunch.', 'trade and it will be on learnge.'])
    thursday = MapEventView(32, 'speech', 20.0, 22.8, 'Tell them we can beat on Thursday afternoon.', ['Speech'],
                            [0.9], 4, 0.8, None, alternatives=['Tell them we can meet on Thursday afternoon.'])
    anchor = EventAnchor('speech', 'requesting the report before lunch')
    grounded = ground_event(anchor, dataclasses.replace(view, events=[lunch, thursday]), phrase_matcher,
                            best_guess=True)
    assert grounded.event is lunch and grounded.description == 'speech "trade and it will be on launch."'
    # Without the n-best list the best readings alone point elsewhere.
    best_only = [dataclasses.replace(e, alternatives=[]) for e in (lunch, thursday)]
    assert ground_event(anchor, dataclasses.replace(view, events=best_only), phrase_matcher,
                        best_guess=True).event.id == thursday.id



def test_transcripts_sharing_as_many_topic_words_are_told_apart_by_meaning(phrase_matcher):
    # Seen on the synthetic bench (b08): "thanking for help" shares one of its two words with both the
    # thanks ("Thanks. That's what can be.") and the request before it ("and you help me move this
    # box."), so word overlap alone ties them and the earlier, wrong, one won.
    view = example_view()
    request = MapEventView(41, 'speech', 12.4, 14.1, 'and you help me move this box.', ['Speech'], [0.9], 4, 0.8,
                           None, alternatives=['can you help me move this box?'])
    thanks = MapEventView(42, 'speech', 21.1, 23.0, "Thanks. That's what can be.", ['Speech'], [0.9], 4, 0.8, None,
                          alternatives=['Thanks. That was heavy.'])
    overlap = [word_overlap('thanking for help', text, query_coverage=True) for text in (request.text, thanks.text)]
    assert overlap[0] == overlap[1] == 0.5
    view = dataclasses.replace(view, events=[request, thanks])
    assert ground_event(EventAnchor('speech', 'thanking for help'), view, phrase_matcher).event is thanks
    # The floor itself is kept: a candidate with every word of a short query scores at least 0.9.
    assert phrase_matcher.similarity('cup', ['coffee cup'])[0] >= 0.9
