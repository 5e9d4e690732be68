"""Structural check of SAVVY-Bench question items (the release's gtavmap.json format).

Derived from the release's files (shared/fixtures/savvy_release/gtavmap_sample.json): the same
keys, types and value sets. Used to check that generated questions can stand in for real ones.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from savvy_ros.qa.savvy_conventions import HARD_OPTIONS, SIMPLE_OPTIONS

ITEM_KEYS = frozenset({'QA_type', 'anno_modality', 'anno_value', 'end_frame', 'groundtruth', 'gt_context_json', 'id',
                       'level', 'modality', 'options', 'question', 'start_frame', 'task', 'task_id', 'video_end_time',
                       'video_id', 'video_start_time'})
TASKS = ('spatial_temporal_audio_direction_ego', 'spatial_temporal_audio_direction_exo',
         'spatial_temporal_audio_distance_ego', 'spatial_temporal_audio_distance_exo')
SPEECH_KEYS = frozenset({'descriptive_topic', 'duration', 'guest_start_time', 'guest_stop_time',
                         'guest_video_start_time', 'guest_video_stop_time', 'guest_zero_base_start_time',
                         'guest_zero_base_stop_time', 'is_me_speak', 'modality', 'sentence', 'start_time', 'stop_time',
                         'video_id', 'video_start_time', 'video_stop_time', 'zero_base_start_time',
                         'zero_base_stop_time'})
SOUND_KEYS = frozenset({'duration', 'isBackground', 'modality', 'object', 'object_class', 'sound', 'start_time',
                        'stop_time', 'video_id', 'video_start_time', 'video_stop_time', 'zero_base_start_time',
                        'zero_base_stop_time'})
CONTEXT_KEYS = frozenset({'event', 'sounding_object', 'time range', 'reference_object', 'reference_forward_vector',
                          'gt_2d_distance', 'prediction', 'angle'})
_CLOCK = re.compile(r'^\d+:\d\d$')


class SchemaError(ValueError):
    """An item does not follow the SAVVY-Bench schema; the message names the item and the field."""


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _loc(item_id: str, where: str, value: Any) -> None:
    if not (isinstance(value, dict) and isinstance(value.get('description'), str)
            and isinstance(value.get('loc'), list) and len(value['loc']) == 2 and all(map(_number, value['loc']))):
        raise SchemaError(f'{item_id}: gt_context_json.{where} must be {{description, loc: [x, y]}}, got {value!r}')


def _check_context(item_id: str, task: str, context: Any) -> None:
    if not isinstance(context, dict):
        raise SchemaError(f'{item_id}: gt_context_json must be an object')
    expected = CONTEXT_KEYS - ({'angle'} if task.endswith('distance_exo') else set())
    if set(context) != expected:
        raise SchemaError(f'{item_id}: gt_context_json keys {sorted(context)} != {sorted(expected)}')
    _loc(item_id, 'sounding_object', context['sounding_object'])
    _loc(item_id, 'reference_object', context['reference_object'])
    forward = context['reference_forward_vector']
    if task.endswith('distance_exo'):
        if forward != {}:
            raise SchemaError(f'{item_id}: exo distance items have an empty reference_forward_vector')
    elif not (isinstance(forward, dict) and isinstance(forward.get('vec'), list) and len(forward['vec']) == 2
              and all(map(_number, forward['vec']))):
        raise SchemaError(f'{item_id}: gt_context_json.reference_forward_vector must be {{description, vec: [x, y]}}')
    window = context['time range']
    if not (isinstance(window, dict) and set(window) == {'start_time', 'end_time'}
            and all(isinstance(v, str) and _CLOCK.match(v) for v in window.values())):
        raise SchemaError(f'{item_id}: gt_context_json["time range"] must be {{start_time, end_time}} as "m:ss"')
    if not isinstance(context['event'], str) or not _number(context['gt_2d_distance']):
        raise SchemaError(f'{item_id}: gt_context_json.event must be text and gt_2d_distance a number')


def validate_item(item: Any) -> None:
    item_id = str(item.get('id', '?')) if isinstance(item, dict) else '?'
    if not isinstance(item, dict):
        raise SchemaError(f'item {item!r} is not an object')
    if set(item) != ITEM_KEYS:
        raise SchemaError(f'{item_id}: keys {sorted(item)} != {sorted(ITEM_KEYS)}')
    task, level = item['task'], item['level']
    if task not in TASKS:
        raise SchemaError(f'{item_id}: unknown task {task!r}')
    direction = '_direction_' in task
    if level not in (('simple', 'hard') if direction else ('hard',)):
        raise SchemaError(f'{item_id}: level {level!r} is not valid for {task}')
    if item['task_id'] != (31 if task.endswith('_ego') else 32):
        raise SchemaError(f'{item_id}: task_id {item["task_id"]!r} does not match {task}')
    if direction:
        options = list(SIMPLE_OPTIONS if level == 'simple' else HARD_OPTIONS)
        if item['QA_type'] != 'MCA' or item['options'] != options:
            raise SchemaError(f'{item_id}: direction items are MCA with options {options}')
        if item['groundtruth'] not in [o[0] for o in options]:
            raise SchemaError(f'{item_id}: groundtruth {item["groundtruth"]!r} is not an option letter')
    else:
        if item['QA_type'] != 'NA' or item['options'] != 'None':
            raise SchemaError(f'{item_id}: distance items are NA with options "None"')
        try:
            float(item['groundtruth'])
        except (TypeError, ValueError):
            raise SchemaError(f'{item_id}: groundtruth {item["groundtruth"]!r} is not a number') from None
    for key in ('start_frame', 'end_frame', 'video_start_time', 'video_end_time'):
        if not _number(item[key]):
            raise SchemaError(f'{item_id}: {key} must be a number (absolute seconds)')
    if not item['start_frame'] <= item['end_frame']:
        raise SchemaError(f'{item_id}: start_frame after end_frame')
    if not all(isinstance(item[k], str) and item[k] for k in ('video_id', 'question', 'modality')):
        raise SchemaError(f'{item_id}: video_id, question and modality must be non-empty text')
    anchor, anno = item['anno_modality'], item['anno_value']
    keys = {'speech': SPEECH_KEYS, 'sound': SOUND_KEYS}.get(anchor)
    if keys is None or not isinstance(anno, dict) or set(anno) != keys:
        raise SchemaError(f'{item_id}: anno_modality {anchor!r} with anno_value keys '
                          f'{sorted(anno) if isinstance(anno, dict) else anno!r}')
    _check_context(item_id, task, item['gt_context_json'])


def validate_items(items: Iterable[Any]) -> int:
    """Validate every item (ids must be unique); returns how many there are."""
    seen: set[str] = set()
    count = 0
    for item in items:
        validate_item(item)
        if item['id'] in seen:
            raise SchemaError(f'{item["id"]}: duplicate id')
        seen.add(item['id'])
        count += 1
    return count
