"""Answer SAVVY-Bench items from their ground-truth geometry alone (`gtavmap.json` format)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from savvy_ros.qa.savvy_conventions import (HARD_OPTIONS, SIMPLE_OPTIONS, Viewpoint, direction_letter,
                                            distance_2d, signed_angle_deg)


class GtItemError(ValueError):
    """A benchmark item lacks what is needed to answer it; the message names the item and field."""


@dataclass(frozen=True)
class GtAnswer:
    id: str
    answer: str                 # option letter (direction) or the distance as text
    value: float                # SAVVY degrees (direction) or metres (distance)


def _xy(item_id: str, context: dict[str, Any], key: str, field: str) -> tuple[float, float]:
    try:
        x, y = context[key][field][:2]
        return float(x), float(y)
    except (KeyError, TypeError, ValueError) as exc:
        raise GtItemError(f'{item_id}: gt_context_json.{key}.{field} missing or not [x, y]') from exc


def answer_item(item: dict[str, Any]) -> GtAnswer:
    item_id = str(item.get('id', '?'))
    task = str(item.get('task', ''))
    context = item.get('gt_context_json')
    if not isinstance(context, dict):
        raise GtItemError(f'{item_id}: no gt_context_json')
    target = _xy(item_id, context, 'sounding_object', 'loc')
    reference = _xy(item_id, context, 'reference_object', 'loc')
    if '_distance_' in task:
        value = distance_2d(target, reference)
        return GtAnswer(item_id, f'{value:.6g}', value)
    if '_direction_' in task:
        forward = _xy(item_id, context, 'reference_forward_vector', 'vec')
        try:
            viewpoint = Viewpoint(reference, forward)
        except ValueError as exc:
            raise GtItemError(f'{item_id}: {exc}') from exc
        angle = signed_angle_deg(viewpoint, target)
        options = item.get('options')
        if not isinstance(options, list):
            options = list(HARD_OPTIONS if item.get('level') == 'hard' else SIMPLE_OPTIONS)
        letter, _ = direction_letter(angle, options)
        return GtAnswer(item_id, letter, angle)
    raise GtItemError(f'{item_id}: unknown task {task!r}')


def load_items(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise GtItemError(f'{path}: cannot read benchmark items: {exc}') from exc
    if isinstance(data, dict):
        data = list(data.values())
    if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
        raise GtItemError(f'{path}: expected a JSON list of question objects')
    return data
