"""Grounding a speech topic about something heard in speech that came up during or just after that sound.

Transcripts and tags are what the hearing node wrote on the synthetic bench (b02 office, b11 garage);
times are those of their events.
"""
from __future__ import annotations

import dataclasses

from qa_maps import example_view

from savvy_ros.mapping.labels import sound_phrase_score
from savvy_ros.mapping.map_view import MapEventView
from savvy_ros.qa.grounding import SOUND_CONTEXT_AFTER, ground_event
from savvy_ros.qa.question import EventAnchor


def speech(event_id: int, start: float, end: float, text: str, alternatives=()) -> MapEventView:
    return MapEventView(event_id, 'speech', start, end, text, ['Speech'], [0.9], 0, 0.0, None,
                        alternatives=list(alternatives))


def sound(event_id: int, start: float, end: float, labels: list[str]) -> MapEventView:
    return MapEventView(event_id, 'sound', start, end, '', labels, [0.5] * len(labels), 0, 0.0, None)


RING = sound(21, 10.08, 12.49, ['Alarm', 'Telephone', 'Telephone bell ringing'])
CHIME = sound(22, 12.0, 13.45, ['Chime', 'Bell', 'Wind chime'])
OFFICE_SPEECH = [
    speech(11, 1.03, 3.39, 'that worked a little bit more in half of the dish.',
           ['that worked a little bit more in the heart of the dish.']),
    speech(12, 5.51, 7.84, 'trade and it will be on launch.', ['trade and it can be written on lunch.']),
    speech(13, 14.59, 17.57, 'I will pick it up, it is probably not layered.',
           ['I will bake it up, it is probably not layered.']),
    speech(14, 20.03, 22.78, 'Tell them we can beat on Thursday afternoon.',
           ['Tell them we can meet on Thursday afternoon.']),
]


def office(*sounds: MapEventView):
    return dataclasses.replace(example_view(), events=[*OFFICE_SPEECH, *sounds])


def test_speech_just_after_the_phone_rang_is_the_one_about_answering_it(phrase_matcher):
    anchor = EventAnchor('speech', 'offering to answer the phone')
    # The words alone do not say it: without the ring, another line wins.
    assert ground_event(anchor, office(), phrase_matcher, best_guess=True).event.id != 13
    grounded = ground_event(anchor, office(RING, CHIME), phrase_matcher, best_guess=True)
    assert grounded.event.id == 13   # 2.1 s after the ring ended
    # Topics about nothing heard are grounded as before.
    for topic in ('proposing a thursday meeting', 'requesting the report before lunch'):
        plain = ground_event(EventAnchor('speech', topic), office(), phrase_matcher, best_guess=True)
        with_sounds = ground_event(EventAnchor('speech', topic), office(RING, CHIME), phrase_matcher, best_guess=True)
        assert (with_sounds.event.id, with_sounds.score) == (plain.event.id, plain.score)


def test_only_speech_during_or_soon_after_the_sound_gains(phrase_matcher):
    anchor = EventAnchor('speech', 'offering to answer the phone')
    late_ring = dataclasses.replace(RING, start=15.0, end=20.03 - SOUND_CONTEXT_AFTER - 0.5)
    # Rang after the third line began and ended 3.5 s before the last: none came up during it or just after.
    assert ground_event(anchor, office(late_ring), phrase_matcher, best_guess=True).event.id != 13
    during = dataclasses.replace(RING, start=19.5, end=21.0)   # the last line started while it rang
    assert ground_event(anchor, office(during), phrase_matcher, best_guess=True).event.id == 14


def test_an_emergency_vehicle_is_heard_by_its_siren(phrase_matcher):
    assert sound_phrase_score('noticing an ambulance', ['Siren', 'Alarm', 'Police car (siren)']) > 0.0
    assert sound_phrase_score('police', ['Ambulance (siren)']) > 0.0
    assert sound_phrase_score('noticing an ambulance', ['Dog', 'Bark']) == 0.0
    siren = sound(31, 0.0, 6.73, ['Siren', 'Alarm', 'Police car (siren)'])
    garage = dataclasses.replace(example_view(), events=[
        siren,
        speech(32, 7.07, 9.47, "and you'll just rotate the gate."),
        speech(33, 16.13, 18.91, 'and meet the men for the two months. Breathe.'),
    ])
    grounded = ground_event(EventAnchor('speech', 'noticing an ambulance'), garage, phrase_matcher, best_guess=True)
    assert grounded.event.id == 32
