"""SAVVY-Bench questions (gtavmap.json schema) generated from a synthetic episode's ground truth.

Everything is computed from the ground-truth file's content (see ground_truth.py), so anyone can
recompute it. The geometry goes into `gt_context_json` exactly as the release writes it; the
answers come from savvy_ros.qa.gt_context (the one implementation of the benchmark's conventions).

Ego viewpoint of an event: the wearer's mean head position and mean horizontal facing over the
event window; a moving sounding object is at its mean position over the window.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from savvy_ros.qa.gt_context import answer_item
from savvy_ros.qa.occurrences import ordinal_word
from savvy_ros.qa.savvy_conventions import (BACK_THRESHOLD_DEG, FRONT_THRESHOLD_DEG, HARD_OPTIONS, SIMPLE_OPTIONS,
                                            Viewpoint, direction_word, mean_facing, signed_angle_deg)

TASK_IDS = {'ego': 31, 'exo': 32}
SPEECH_DESCRIPTION = "the other person I'm speaking with"   # as in every release item
TAIL = 'Consider the center point location of the object as the its location.'   # sic, release text
HARD_TEXT = ('front-left, front-right, back-left, or back-right? The directions refer to the quadrants of a '
             'Cartesian plane (if you are standing at the origin and facing along the positive y-axis). ' + TAIL)
SIMPLE_TEXT = ("left, right, or back? If the object is generally to your left and facing it requires turning less "
               "than 120 degrees left, choose 'left'. If the object is generally to your right and facing it requires "
               "turning less than 120 degrees right, choose 'right'. If the object is generally behind you and facing "
               "it requires turning 120 degrees or more, choose 'back'.")
DEFAULT_MARGIN_DEG = 5.0   # direction questions this close to a class boundary are not asked
MIN_FACING_DISTANCE = 1.0  # m: an exo viewpoint faces an object at least this far from where it stands


def clock(seconds: float, up: bool) -> str:
    """'m:ss' of a clip-relative time, rounded down (start) or up (end) as the release does."""
    whole = math.ceil(seconds - 1e-9) if up else math.floor(seconds + 1e-9)
    return f'{whole // 60}:{whole % 60:02d}'


def _window(times: np.ndarray, start: float, end: float) -> np.ndarray:
    inside = (times >= start) & (times <= end)
    if not inside.any():  # a window shorter than the sampling step: the nearest sample
        inside = np.abs(times - 0.5 * (start + end)) == np.min(np.abs(times - 0.5 * (start + end)))
    return inside


def object_location(gt: dict[str, Any], object_id: str, start: float, end: float) -> list[float]:
    """[x, y] of an object over a window (mean position for moving objects), rounded to mm."""
    obj = next(o for o in gt['objects'] if o['id'] == object_id)
    if obj['static']:
        xy = obj['position'][:2]
    else:
        times = np.asarray(obj['trajectory']['t'])
        xy = np.asarray(obj['trajectory']['position'])[_window(times, start, end), :2].mean(axis=0)
    return [round(float(xy[0]), 3), round(float(xy[1]), 3)]


def wearer_viewpoint(gt: dict[str, Any], start: float, end: float) -> tuple[list[float], list[float]]:
    """([x, y], facing [fx, fy]) of the wearer over a window, rounded to mm / 1e-3."""
    wearer = gt['wearer']
    inside = _window(np.asarray(wearer['t']), start, end)
    xy = np.asarray(wearer['position'])[inside, :2].mean(axis=0)
    facing = mean_facing(np.asarray(wearer['forward'])[inside])
    norm = math.hypot(*facing)
    return ([round(float(xy[0]), 3), round(float(xy[1]), 3)],
            [round(facing[0] / norm, 3), round(facing[1] / norm, 3)])


def _near_boundary(angle: float, level: str, margin: float) -> bool:
    bounds = (0.0, BACK_THRESHOLD_DEG, 180.0) if level == 'simple' else (0.0, FRONT_THRESHOLD_DEG, 180.0)
    return any(abs(abs(angle) - b) < margin for b in bounds)


class QuestionBuilder:
    def __init__(self, gt: dict[str, Any], rng: np.random.Generator, margin_deg: float = DEFAULT_MARGIN_DEG) -> None:
        self.gt = gt
        self.rng = rng
        self.margin = margin_deg
        self.counters: dict[str, int] = {}
        self.items: list[dict[str, Any]] = []
        self.links: dict[str, dict[str, Any]] = {}
        self.skipped: list[str] = []
        self.epoch = float(gt['epoch_s'])
        self.objects = {o['id']: o for o in gt['objects']}
        self.exo_sides: dict[str, int] = {}

    # -- anchors ----------------------------------------------------------------------------------
    def _anno_value(self, event: dict[str, Any]) -> dict[str, Any]:
        start, end = event['start_s'], event['end_s']
        common = {'duration': round(end - start, 3), 'start_time': self.epoch + start, 'stop_time': self.epoch + end,
                  'video_id': self.gt['video_id'], 'video_start_time': self.epoch,
                  'video_stop_time': self.epoch + self.gt['duration_s'],
                  'zero_base_start_time': round(start, 3), 'zero_base_stop_time': round(end, 3)}
        if event['kind'] == 'speech':
            guest = {f'guest_{k}': v for k, v in common.items()
                     if k in ('start_time', 'stop_time', 'video_start_time', 'video_stop_time',
                              'zero_base_start_time', 'zero_base_stop_time')}
            return {'descriptive_topic': event['topic'], **common, **guest, 'is_me_speak': False,
                    'modality': 'speech', 'sentence': event['text']}
        obj = self.objects[event['object']]
        return {**common, 'isBackground': 'False', 'modality': 'sound', 'object': obj['label'],
                'object_class': obj['description'].removeprefix('the '), 'sound': event['label']}

    def _again(self, event: dict[str, Any]) -> str:
        """' for the second time' when the object makes this sound more than once, else '': the sound alone
        would not say which time is meant (a cat's meows sound alike, whatever the scene calls them)."""
        if event['kind'] == 'speech':
            return ''
        same = [e for e in self.gt['events'] if e['kind'] != 'speech' and e['object'] == event['object']
                and e.get('sound') == event.get('sound')]
        if len(same) < 2:
            return ''
        order = sorted(same, key=lambda e: e['start_s']).index(event) + 1
        return f' for the {ordinal_word(order)} time'

    @staticmethod
    def _name(event: dict[str, Any]) -> str:
        return event['topic'] if event['kind'] == 'speech' else event['label']

    def _sounding(self, event: dict[str, Any]) -> dict[str, Any]:
        obj = self.objects[event['object']]
        description = SPEECH_DESCRIPTION if event['kind'] == 'speech' else obj['description'].removeprefix('the ')
        return {'description': description,
                'loc': object_location(self.gt, event['object'], event['start_s'], event['end_s'])}

    # -- items ------------------------------------------------------------------------------------
    def _add(self, event: dict[str, Any], task: str, level: str, question: str, context: dict[str, Any],
             options: Sequence[str] | None, link: dict[str, Any]) -> None:
        key = f'{task}_{level}'
        number = self.counters.get(key, 0) + 1
        item_id = f'{key}_{number}'
        item: dict[str, Any] = {
            'video_id': self.gt['video_id'], 'id': item_id,
            'start_frame': self.epoch + event['start_s'], 'end_frame': self.epoch + event['end_s'],
            'task': task, 'level': level, 'question': question, 'groundtruth': '',
            'QA_type': 'MCA' if options else 'NA', 'options': list(options) if options else 'None',
            'modality': 'audio-visual', 'anno_modality': 'speech' if event['kind'] == 'speech' else 'sound',
            'anno_value': self._anno_value(event), 'video_start_time': self.epoch,
            'video_end_time': self.epoch + self.gt['duration_s'], 'task_id': TASK_IDS[task.rsplit('_', 1)[1]],
            'gt_context_json': context}
        answer = answer_item(item)
        if options:
            if _near_boundary(answer.value, level, self.margin):
                self.skipped.append(f'{key} on event {event["index"]}: angle {answer.value:.1f} deg within '
                                    f'{self.margin} deg of a class boundary')
                return
            context['angle'] = answer.value
            context['prediction'] = answer.answer
            item['groundtruth'] = answer.answer
        else:
            context['prediction'] = answer.value
            item['groundtruth'] = f'{answer.value:.2f}'
        self.counters[key] = number
        self.items.append(item)
        self.links[item_id] = {'event': event['index'], **link}

    def _context(self, event: dict[str, Any], reference: dict[str, Any], forward: dict[str, Any]) -> dict[str, Any]:
        sounding = self._sounding(event)
        return {'event': self._name(event), 'sounding_object': sounding,
                'time range': {'start_time': clock(event['start_s'], False), 'end_time': clock(event['end_s'], True)},
                'reference_object': reference, 'reference_forward_vector': forward,
                'gt_2d_distance': math.hypot(sounding['loc'][0] - reference['loc'][0],
                                             sounding['loc'][1] - reference['loc'][1])}

    def add_ego(self, event: dict[str, Any]) -> None:
        position, facing = wearer_viewpoint(self.gt, event['start_s'], event['end_s'])
        reference = {'description': 'camera', 'loc': position}
        forward = {'description': 'camera forward direction', 'vec': facing}
        speech = event['kind'] == 'speech'
        anchor = f'the speech topic "{event["topic"].lower()}"' if speech else f'the {event["label"]} sound'
        target = 'other person' if speech else 'sound source'
        link = {'sounding_object': event['object'], 'reference': 'wearer', 'facing': 'wearer'}
        for level, options, text, space in (('hard', HARD_OPTIONS, HARD_TEXT, ''), ('simple', SIMPLE_OPTIONS, SIMPLE_TEXT, ' ')):
            question = (f'Imagine you are the camera wearer, when {anchor} comes up{self._again(event)}, relative to '
                        f'where you are facing, where is the {target}{space}: {text}')
            self._add(event, 'spatial_temporal_audio_direction_ego', level, question,
                      self._context(event, dict(reference), dict(forward)), options, link)
        anchor = f'the speech topic: "{event["topic"].lower()}"' if speech else f'the {event["label"]} sound'
        question = (f'Imagine you are the camera wearer, when {anchor} comes up{self._again(event)}, relative to where '
                    f'you are standing, what is the distance between you and the {target} in meters? {TAIL} '
                    'Answer in numeric format.')
        context = self._context(event, dict(reference), dict(forward))
        self._add(event, 'spatial_temporal_audio_distance_ego', 'hard', question, context, None, link)
        if 'prediction' in context:  # ego distance items carry the angle too in the release
            context['angle'] = signed_angle_deg(Viewpoint(tuple(position), tuple(facing)), context['sounding_object']['loc'])

    def _static_candidates(self, exclude: str) -> list[dict[str, Any]]:
        return [o for o in self.gt['objects'] if o['static'] and o['id'] != exclude and o['label'] != 'person']

    def _balanced_pair(self, pairs: list[tuple[dict[str, Any], dict[str, Any]]],
                       target: list[float]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The first (stand at, face) pair, in random order, putting the target on the side
        (left / right / back) asked least so far: room layouts alone would favour one side."""
        def side(pair: tuple[dict[str, Any], dict[str, Any]]) -> str:
            at, to = (np.asarray(o['position'][:2]) for o in pair)
            return direction_word(signed_angle_deg(Viewpoint(tuple(at), tuple(to - at)), target), 'simple')

        rarest = min(('left', 'right', 'back'), key=lambda word: (self.exo_sides.get(word, 0), word))
        chosen = next((pair for pair in pairs if side(pair) == rarest), pairs[0])
        word = side(chosen)
        self.exo_sides[word] = self.exo_sides.get(word, 0) + 1
        return chosen

    def add_exo(self, event: dict[str, Any]) -> None:
        speech = event['kind'] == 'speech'
        sounding = self._sounding(event)
        candidates = [o for o in self._static_candidates(event['object'])
                      if math.dist(o['position'][:2], sounding['loc']) > 0.5]
        if len(candidates) < 2:
            self.skipped.append(f'event {event["index"]}: fewer than two static reference objects for exo questions')
            return
        order = self.rng.permutation(len(candidates))
        pairs = [(candidates[i], candidates[j]) for i in order for j in order
                 if i != j and math.dist(candidates[i]['position'][:2], candidates[j]['position'][:2]) > MIN_FACING_DISTANCE]
        if not pairs:
            self.skipped.append(f'event {event["index"]}: no two static objects {MIN_FACING_DISTANCE} m apart to stand at '
                                'and face')
            return
        reference, facing = self._balanced_pair(pairs, sounding['loc'])
        ref_loc = [round(v, 3) for v in reference['position'][:2]]
        face_loc = [round(v, 3) for v in facing['position'][:2]]
        ref = {'description': reference['description'].removeprefix('the '), 'loc': ref_loc}
        vec = [round(face_loc[0] - ref_loc[0], 3), round(face_loc[1] - ref_loc[1], 3)]
        forward = {'description': f"pointing from the 'reference_object' to {facing['description'].removeprefix('the ')}",
                   'vec': vec}
        anchor = f'the speech topic: "{event["topic"].lower()}"' if speech else f'the {event["label"]} sound'
        target = 'speaker' if speech else 'sounding object'
        link = {'sounding_object': event['object'], 'reference': reference['id'], 'facing': facing['id']}
        for level, options, text in (('hard', HARD_OPTIONS, HARD_TEXT), ('simple', SIMPLE_OPTIONS, SIMPLE_TEXT)):
            question = (f'Imagine you are a robot standing by the {ref["description"]} and facing the '
                        f'{facing["description"].removeprefix("the ")}, when {anchor} comes up{self._again(event)}, '
                        f'relative to where you are facing, where is the {target}: {text}')
            self._add(event, 'spatial_temporal_audio_direction_exo', level, question,
                      self._context(event, dict(ref), dict(forward)), options, link)
        distance_ref = candidates[order[2 % len(order)]]
        ref = {'description': distance_ref['description'].removeprefix('the '),
               'loc': [round(v, 3) for v in distance_ref['position'][:2]]}
        if speech:
            question = (f'When the speech topic: "{event["topic"].lower()}" is mentioned, what is the distance between '
                        f'the {ref["description"]} and the speech sound source in meters? {TAIL} Answer in numeric format.')
        else:
            question = (f'When the {event["label"]} sound is happening{self._again(event)}, what is the distance '
                        f'between the {ref["description"]} and the sounding object in meters? {TAIL} '
                        'Answer in numeric format.')
        self._add(event, 'spatial_temporal_audio_distance_exo', 'hard', question, self._context(event, ref, {}), None,
                  {'sounding_object': event['object'], 'reference': distance_ref['id'], 'facing': None})


def build_questions(gt: dict[str, Any], rng: np.random.Generator,
                    margin_deg: float = DEFAULT_MARGIN_DEG) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    """(items in the gtavmap.json schema, item id -> {event, sounding_object, reference, facing},
    notes on questions not asked) for every event of `gt` marked `ask`."""
    builder = QuestionBuilder(gt, rng, margin_deg)
    for event in gt['events']:
        if event.get('ask', True):
            builder.add_ego(event)
            builder.add_exo(event)
    return builder.items, builder.links, builder.skipped
