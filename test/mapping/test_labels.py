"""The literal sound vocabulary: which objects make a heard sound, and which sound a phrase means."""
from __future__ import annotations

import pytest

from savvy_ros.mapping.labels import (PHRASE_MATCH_SCORE, SAID_BONUS, label_compatibility, names_impact_sound,
                                      sound_makers, sound_phrase_score, tones_disagree)


@pytest.mark.parametrize('phrase, tags', [
    ('phone ringing', ['Alarm', 'Telephone dialing, DTMF', 'Telephone']),
    ('tap running', ['Steam', 'Hiss', 'Water']),
    ('running water', ['Spray', 'Liquid', 'Pink noise']),
    ('clanging', ['Hammer', 'Hiss', 'Steam']),
    ('television', ['Music', 'Water', 'Musical instrument']),
    ('printer beeping', ['Beep, bleep', 'Smoke detector, smoke alarm', 'Buzzer']),
    ('cat crying', ['Cat', 'Domestic animals, pets', 'Caterwaul']),
    ('knocking door', ['Knock', 'Wood']),
    ('the phone rang', ['Telephone', 'Ringtone']),          # past tenses, irregular ones too
    ('the dog barked', ['Dog', 'Bark']),
    ('the kettle beeped', ['Beep, bleep', 'Buzzer']),
])
def test_a_phrase_matches_the_tags_of_the_sound_it_names(phrase, tags):
    assert sound_phrase_score(phrase, tags) >= PHRASE_MATCH_SCORE


def test_a_tag_saying_the_phrases_word_beats_one_that_only_shares_a_maker():
    # "Liquid" fits a kettle (it pours), "Reversing beeps" says what the phrase says.
    assert 'kettle' in sound_makers(['Vehicle', 'Reversing beeps', 'Train'])   # tag words are stemmed
    said = sound_phrase_score('kettle beeping', ['Vehicle', 'Reversing beeps', 'Train'])
    shared = sound_phrase_score('the kettle', ['Spray', 'Liquid', 'Pink noise'])
    assert shared == PHRASE_MATCH_SCORE and said == PHRASE_MATCH_SCORE + SAID_BONUS
    # ...but a beep is a tone, and a pouring kettle is not beeping.
    assert sound_phrase_score('kettle beeping', ['Spray', 'Liquid', 'Pink noise']) == 0.0
    assert sound_phrase_score('dog barking', ['Bow-wow', 'Dog']) == PHRASE_MATCH_SCORE + SAID_BONUS  # "dog"
    assert sound_phrase_score('dog barking', ['Bow-wow', 'Growling']) == PHRASE_MATCH_SCORE   # a synonym


@pytest.mark.parametrize('phrase, tags', [
    ('kettle beeping', ['Alarm', 'Telephone dialing, DTMF', 'Telephone']),  # names a maker the tags lack
    ('knocking door', ['Music', 'Musical instrument', 'Plucked string instrument']),
    ('clapping', ['Hammer', 'Tools']),
    ('dog barking', ['Rustle', 'Wind', 'Pink noise']),
    ('footsteps', []),
    # A door knocks and buzzes, but a tagger names a knock "Music" or "Thunder", never a tone.
    ('knocking', ['Smoke detector, smoke alarm', 'Beep, bleep', 'Buzzer']),
    ('knocking door', ['Buzzer', 'Doorbell']),
])
def test_a_phrase_does_not_match_unrelated_tags(phrase, tags):
    assert sound_phrase_score(phrase, tags) == 0.0


def test_label_compatibility_knows_who_makes_a_sound():
    assert label_compatibility(['Telephone', 'Ringtone'], ['phone box']) == 1.0
    assert label_compatibility(['Speech'], ['sound source']) == 0.5
    assert label_compatibility(['Bark'], ['cat']) == 0.15
    # A siren indoors: a programme, a phone, or the street through a door or window; never a chair.
    assert label_compatibility(['Siren', 'Police car (siren)'], ['door']) == 1.0
    assert label_compatibility(['Car alarm', 'Siren'], ['window']) == 1.0
    assert label_compatibility(['Siren'], ['chair']) == 0.15


def test_impacts_are_named_in_any_tense():
    for phrase in ('someone knocked on the door', 'knocking door', 'the knocks', 'people clapped', 'footsteps'):
        assert names_impact_sound(phrase), phrase
    assert not names_impact_sound('the kettle beeped')


@pytest.mark.parametrize('phrase, tags, disagree', [
    ('the phone rang', ['Smoke detector, smoke alarm', 'Beep, bleep', 'Buzzer'], True),   # another tone (demo)
    ('the doorbell', ['Beep, bleep'], True),
    ('the doorbell rang', ['Ding-dong'], False),                                          # a doorbell chimes
    ('the doorbell', ['Doorbell'], False),
    ('the siren', ['Music', 'Musical instrument', 'Singing'], True),                      # only sounds no tone
    ('phone ringing', ['Alarm', 'Telephone', 'Telephone bell ringing'], False),          # bench b02
    ('phone ringing', ['Telephone'], False),                                              # the telephone rings
    ('the siren', ['Siren', 'Alarm', 'Police car (siren)'], False),
    ('printer beeping', ['Beep, bleep', 'Smoke detector, smoke alarm', 'Buzzer'], False),
    ('kettle beeping', ['Vehicle', 'Reversing beeps', 'Train'], False),
    ('the alarm went off', ['Beep, bleep'], False),                                       # no kind named
    ('the phone rang', ['Alarm'], False),                                                 # AudioSet's parent
    ('the phone rang', ['Television'], True),                                             # a programme, no ring
    ('the phone rang', ['Cat'], False),                                                   # a thing, no sound
    ('dog barking', ['Music'], False),                                                    # no tone asked about
])
def test_a_tone_asked_about_must_be_the_tone_the_tags_name(phrase, tags, disagree):
    assert tones_disagree(phrase, tags) is disagree
    if disagree:
        assert sound_phrase_score(phrase, tags) == 0.0
