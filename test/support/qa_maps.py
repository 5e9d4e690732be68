"""Map views built from SAVVY-Bench items' ground-truth geometry (shared by the QA tests)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from savvy_ros.mapping.map_view import MapEventView, MapObjectView, MapView


def static_object(object_id: int, label: str, xy, seen=(0.0, 100.0), aliases=()) -> MapObjectView:
    return MapObjectView(id=object_id, label=label, aliases=list(aliases), is_static=True, is_sound_source=False,
                         position=np.array([xy[0], xy[1], 0.0]), covariance=np.eye(3) * 0.01,
                         trajectory_times=np.zeros(0), trajectory_positions=np.zeros((0, 3)),
                         first_seen=seen[0], last_seen=seen[1], modalities=frozenset({'vision'}),
                         observation_count=10)


def event_for(item: dict[str, Any], event_id: int, object_id: int, start: float, end: float,
              transcript: str = 'sentence') -> MapEventView:
    """The item's event as heard; transcript 'sentence' is what was said, 'topic' its description."""
    value = item['anno_value']
    if item['anno_modality'] == 'speech':
        text = value['sentence'] if transcript == 'sentence' else value['descriptive_topic']
        return MapEventView(event_id, 'speech', start, end, text, ['Speech'], [0.9], object_id, 0.9, None)
    return MapEventView(event_id, 'sound', start, end, '', [value['sound']], [0.8], object_id, 0.9, None)


def map_for_item(item: dict[str, Any], distractors: list[dict[str, Any]] = (), transcript: str = 'sentence') -> MapView:
    """One map holding the item's geometry during its event, plus other items' events as distractors.

    Times are the item's zero-based seconds; the distractor events come later, each linked to an
    object far from everything, so that grounding the wrong event gives a wrong answer.
    """
    context = item['gt_context_json']
    start = float(item['anno_value']['zero_base_start_time'])
    end = float(item['anno_value']['zero_base_stop_time'])
    objects = [static_object(1, context['sounding_object']['description'], context['sounding_object']['loc'])]
    reference = context['reference_object']
    forward = np.asarray(context.get('reference_forward_vector', {}).get('vec', [1.0, 0.0]), float)
    if item['task'].endswith('_exo'):
        objects.append(static_object(2, reference['description'], reference['loc']))
        if '_direction_' in item['task']:
            facing_label = context['reference_forward_vector']['description'].split(' to ', 1)[1]
            objects.append(static_object(3, facing_label, np.asarray(reference['loc'], float) + forward))
        body_xy, yaw = np.array([50.0, 50.0]), 0.0   # the wearer is irrelevant to exo questions
    else:
        body_xy, yaw = np.asarray(reference['loc'], float), math.atan2(forward[1], forward[0])
    events = [event_for(item, 1, 1, start, end, transcript)]
    for k, other in enumerate(distractors, start=2):
        if (other['anno_value'].get('descriptive_topic') or other['anno_value'].get('sound')) == \
                (item['anno_value'].get('descriptive_topic') or item['anno_value'].get('sound')):
            continue
        objects.append(static_object(100 + k, 'distractor', (-40.0 - k, 30.0)))
        events.append(event_for(other, k, 100 + k, 200.0 + 10 * k, 203.0 + 10 * k, transcript))
    times = np.linspace(0.0, 400.0, 801)
    return MapView('map', 400.0, objects, events, 'head', times, np.tile([*body_xy, 1.6], (times.size, 1)),
                   np.full(times.size, yaw))


def walking_dog() -> MapObjectView:
    times = np.linspace(0.0, 20.0, 21)
    positions = np.stack([np.full_like(times, 2.0), -1.0 + 0.1 * times, np.zeros_like(times)], axis=1)
    return MapObjectView(7, 'dog', ['puppy'], False, False, positions[-1], np.eye(3) * 0.01, times, positions,
                         0.0, 20.0, frozenset({'vision'}), 21)


def example_view() -> MapView:
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
