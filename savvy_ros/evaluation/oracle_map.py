"""The ground-truth-map oracle: a MapView built from a synthetic episode's ground_truth.json.

Asking the QA service against it measures everything but perception: question parsing, event
grounding (the true transcripts and sound names), the viewpoint and the conventions. Times are
moved to the bag's clock (epoch_s + episode seconds), like every map the nodes build.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from savvy_ros.mapping.map_view import MapEventView, MapObjectView, MapView

GROUND_TRUTH_FORMAT = 'savvy_ros synthetic ground truth 1'


class GroundTruthError(ValueError):
    """The ground-truth file is missing, unreadable or not of the expected format."""


def load_ground_truth(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise GroundTruthError(f'{path}: cannot read the ground truth: {exc}') from exc
    if not isinstance(data, dict) or data.get('format') != GROUND_TRUTH_FORMAT:
        raise GroundTruthError(f'{path}: not a savvy_ros ground-truth file (format {GROUND_TRUTH_FORMAT!r})')
    return data


def object_ids(gt: dict[str, Any]) -> dict[str, int]:
    """Scene object names -> map ids (1-based, in file order)."""
    return {str(obj['id']): k for k, obj in enumerate(gt['objects'], start=1)}


def _object_view(obj: dict[str, Any], map_id: int, epoch: float, span: tuple[float, float]) -> MapObjectView:
    static = bool(obj['static'])
    if static:
        times, positions = np.zeros(0), np.zeros((0, 3))
        position = np.asarray(obj['position'], float)
    else:
        times = epoch + np.asarray(obj['trajectory']['t'], float)
        positions = np.asarray(obj['trajectory']['position'], float).reshape(-1, 3)
        position = positions[-1]
    aliases = [obj['description']] if obj.get('description') and obj['description'] != obj['label'] else []
    return MapObjectView(map_id, str(obj['label']), aliases, static, False, position, np.eye(3) * 1e-6, times,
                         positions, span[0], span[1], frozenset({'vision'}), 1)


def _event_view(event: dict[str, Any], event_id: int, object_id: int, epoch: float) -> MapEventView:
    start, end = epoch + float(event['start_s']), epoch + float(event['end_s'])
    if event['kind'] == 'speech':
        return MapEventView(event_id, 'speech', start, end, str(event.get('text', '')), ['Speech'], [1.0],
                            object_id, 1.0, None)
    labels = [str(event.get('label') or event.get('sound') or 'sound')]
    return MapEventView(event_id, 'sound', start, end, '', labels, [1.0], object_id, 1.0, None)


def oracle_map_view(gt: dict[str, Any]) -> MapView:
    epoch = float(gt['epoch_s'])
    span = (epoch, epoch + float(gt['duration_s']))
    ids = object_ids(gt)
    objects = [_object_view(obj, ids[str(obj['id'])], epoch, span) for obj in gt['objects']]
    events = [_event_view(e, k, ids.get(str(e['object']), 0), epoch) for k, e in enumerate(gt['events'], start=1)]
    wearer = gt['wearer']
    return MapView(gt['frames']['world'], span[1], objects, events, gt['frames']['head'],
                   epoch + np.asarray(wearer['t'], float), np.asarray(wearer['position'], float).reshape(-1, 3),
                   np.asarray(wearer['yaw'], float))
