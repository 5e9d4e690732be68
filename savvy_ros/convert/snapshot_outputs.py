"""Parse the release's snapshot-descriptor outputs (sd_output_v2/<model>.json) into plain records.

The AV-LLMs' JSON is loose (see the fixture README): numbers come as strings, times as "m:ss",
"mm:ss" or "h:mm:ss", objects may be empty or "N/A". Anything unreadable becomes NaN / unknown
rather than failing the whole descriptor; directions are converted from the SAVVY convention
(degrees, positive = right) to REP 103 here, through savvy_conventions.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from savvy_ros.convert.release_files import ReleaseFormatError, load_json, sequence_of
from savvy_ros.qa.savvy_conventions import savvy_deg_to_rep103_azimuth

ROLES = ('sounding_object', 'reference_object', 'facing_object')   # index = SnapshotObject.ROLE_*
MODES = {'egocentric': 1, 'allocentric': 2}                          # SnapshotDescriptor.MODE_*
_CLOCK = re.compile(r'^\s*(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)\s*$')
_NUMBER = re.compile(r'[-+]?\d+(?:\.\d*)?')


@dataclass(frozen=True)
class KeyframeRecord:
    clip_time_s: float
    distance_m: float           # NaN when not given
    azimuth_rad: float          # REP 103 (positive = left); NaN when not given


@dataclass(frozen=True)
class ObjectRecord:
    role: int                   # index into ROLES
    description: str
    is_static: bool | None
    keyframes: tuple[KeyframeRecord, ...]


@dataclass(frozen=True)
class SnapshotRecord:
    question_id: str
    sequence: str
    question: str
    event: str
    start_s: float              # clip time; NaN when unreadable
    end_s: float
    mode: int                   # 0 unknown, 1 egocentric, 2 allocentric
    objects: tuple[ObjectRecord, ...]
    prediction: str
    model: str
    raw_output: str             # the entry as JSON, keys sorted (for audit and re-parsing)


def clock_to_seconds(text: Any) -> float:
    """'1:05' -> 65.0, '01:02:03' -> 3723.0, 12 -> 12.0; NaN when unreadable."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    match = _CLOCK.match(str(text))
    if not match:
        return math.nan
    hours, minutes, seconds = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)


def loose_number(value: Any) -> float:
    """A number from 3.5, '3.5', '3.5 m', '-90 (left)'; NaN for None, 'N/A', ''."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = _NUMBER.search(str(value)) if value is not None else None
    return float(match.group(0)) if match else math.nan


def _static_flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text == 'true' else False if text == 'false' else None


def _object(role: int, entry: Any) -> ObjectRecord | None:
    if not isinstance(entry, dict) or not entry:
        return None  # "N/A", "", {} : the model named no such object
    description = str(entry.get('description') or entry.get('object_name') or '').strip()
    frames = entry.get('key_frames') if isinstance(entry.get('key_frames'), dict) else {}
    keyframes = []
    for stamp, values in frames.items():
        time_s = clock_to_seconds(stamp)
        if math.isnan(time_s) or not isinstance(values, dict):
            continue
        angle = loose_number(values.get('direction'))
        azimuth = savvy_deg_to_rep103_azimuth(angle) if math.isfinite(angle) else math.nan
        keyframes.append(KeyframeRecord(time_s, loose_number(values.get('distance')), azimuth))
    keyframes.sort(key=lambda k: k.clip_time_s)
    return ObjectRecord(role, description, _static_flag(entry.get('is_static')), tuple(keyframes))


def parse_snapshot(question_id: str, entry: dict[str, Any], model: str) -> SnapshotRecord:
    objects = tuple(o for role, key in enumerate(ROLES) if (o := _object(role, entry.get(key))) is not None)
    prediction = entry.get('prediction')
    return SnapshotRecord(
        question_id=str(entry.get('qid') or question_id), sequence=sequence_of(str(entry.get('video_id', ''))),
        question=str(entry.get('question') or ''), event=str(entry.get('event') or ''),
        start_s=clock_to_seconds(entry.get('start_time')), end_s=clock_to_seconds(entry.get('end_time')),
        mode=MODES.get(str(entry.get('mode', '')).strip().lower(), 0), objects=objects,
        prediction='' if prediction is None else str(prediction), model=model,
        raw_output=json.dumps(entry, sort_keys=True, ensure_ascii=False))


def read_snapshot_outputs(path: Path, model: str | None = None) -> list[SnapshotRecord]:
    """Every descriptor in one model's output file; the model name defaults to the file name."""
    data = load_json(path)
    if not isinstance(data, dict):
        raise ReleaseFormatError(f'{path}: expected {{"<question id>": {{descriptor}}, ..}}')
    name = model or Path(path).stem.removeprefix('sd_')
    return [parse_snapshot(qid, entry, name) for qid, entry in data.items() if isinstance(entry, dict)]
