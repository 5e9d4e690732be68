"""The literal sound vocabulary: which objects make a heard sound, and which sound a phrase means."""
from __future__ import annotations

import pytest

from savvy_ros.mapping.labels import PHRASE_MATCH_SCORE, label_compatibility, sound_phrase_score


@pytest.mark.parametrize('phrase, tags', [
    ('phone ringing', ['Alarm', 'Telephone dialing, DTMF', 'Telephone']),
    ('tap running', ['Steam', 'Hiss', 'Water']),
    ('running water', ['Spray', 'Liquid', 'Pink noise']),
    ('clanging', ['Hammer', 'Hiss', 'Steam']),
    ('television', ['Music', 'Water', 'Musical instrument']),
    ('printer beeping', ['Beep, bleep', 'Smoke detector, smoke alarm', 'Buzzer']),
    ('cat crying', ['Cat', 'Domestic animals, pets', 'Caterwaul']),
    ('knocking door', ['Knock', 'Wood']),
])
def test_a_phrase_matches_the_tags_of_the_sound_it_names(phrase, tags):
    assert sound_phrase_score(phrase, tags) == PHRASE_MATCH_SCORE


@pytest.mark.parametrize('phrase, tags', [
    ('kettle beeping', ['Alarm', 'Telephone dialing, DTMF', 'Telephone']),  # names a maker the tags lack
    ('knocking door', ['Music', 'Musical instrument', 'Plucked string instrument']),
    ('clapping', ['Hammer', 'Tools']),
    ('dog barking', ['Rustle', 'Wind', 'Pink noise']),
    ('footsteps', []),
])
def test_a_phrase_does_not_match_unrelated_tags(phrase, tags):
    assert sound_phrase_score(phrase, tags) == 0.0


def test_label_compatibility_knows_who_makes_a_sound():
    assert label_compatibility(['Telephone', 'Ringtone'], ['phone box']) == 1.0
    assert label_compatibility(['Speech'], ['sound source']) == 0.5
    assert label_compatibility(['Bark'], ['cat']) == 0.15
