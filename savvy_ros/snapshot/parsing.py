"""Parse an AV-LLM's snapshot-descriptor output into a SnapshotDescription.

Real outputs (see the release's sd_output_v2 files) are loose: numbers as strings ("3.5",
"2 m", "-90 (left)"), times as "m:ss", "mm:ss", "h:mm:ss" or seconds, key frames as a mapping or
a list, objects empty or "N/A", directions sometimes words. Every repair or dropped piece is
noted in `warnings`; only text without any JSON object raises (SnapshotParseError).
Directions are converted from the SAVVY convention (degrees, positive = right) to REP 103 here,
through savvy_conventions, and nowhere else.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from savvy_ros.qa.savvy_conventions import savvy_deg_to_rep103_azimuth
from savvy_ros.snapshot.descriptor import DescribedObject, Keyframe, Mode, Role, SnapshotDescription
from savvy_ros.snapshot.json_extraction import NoJsonObjectError, extract_json_object

_CLOCK = re.compile(r'^\s*(?:(\d+):)?(\d{1,3}):(\d{1,2}(?:\.\d*)?)\s*$')
_SECONDS = re.compile(r'^\s*([-+]?\d+(?:\.\d*)?)\s*(?:s|sec|secs|seconds?)?\s*$', re.IGNORECASE)
_NUMBER = re.compile(r'[-+]?\d+(?:\.\d+)?')
# SAVVY degrees (positive = right) for direction words some models give instead of numbers.
_DIRECTION_WORDS = {'front': 0.0, 'ahead': 0.0, 'forward': 0.0, 'center': 0.0, 'centre': 0.0,
                    'front-right': 45.0, 'right': 90.0, 'back-right': 135.0, 'behind-right': 135.0,
                    'back': 180.0, 'behind': 180.0, 'back-left': -135.0, 'behind-left': -135.0,
                    'left': -90.0, 'front-left': -45.0}
_MODES = {'egocentric': Mode.EGOCENTRIC, 'ego': Mode.EGOCENTRIC, 'allocentric': Mode.ALLOCENTRIC,
          'allo': Mode.ALLOCENTRIC, 'exocentric': Mode.ALLOCENTRIC, 'exo': Mode.ALLOCENTRIC}
_ABSENT = {'', 'n/a', 'na', 'none', 'null', 'not applicable', 'unknown', '-'}
_TIME_KEYS = ('time', 'timestamp', 't', 'at')


class SnapshotParseError(ValueError):
    """The model output holds no descriptor at all."""


def clip_seconds(value: Any) -> float:
    """'1:05' -> 65.0, '01:02:03' -> 3723.0, '12.5s' / 12.5 -> 12.5; NaN when unreadable or < 0."""
    if isinstance(value, bool):
        return math.nan
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif match := _CLOCK.match(str(value)):
        hours, minutes, secs = match.groups()
        seconds = int(hours or 0) * 3600 + int(minutes) * 60 + float(secs)
    else:
        match = _SECONDS.match(str(value))
        seconds = float(match.group(1)) if match else math.nan
    return seconds if math.isfinite(seconds) and seconds >= 0.0 else math.nan


def loose_number(value: Any) -> float:
    """3.5, '3.5', '3.5 m', '-90 (left)' -> the number; NaN for None, 'N/A', ''."""
    if isinstance(value, bool) or value is None:
        return math.nan
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else math.nan
    match = _NUMBER.search(str(value))
    return float(match.group(0)) if match else math.nan


def _is_absent(value: Any) -> bool:
    if isinstance(value, str):
        text = value.strip().lower()
        return text in _ABSENT or text.startswith(('n/a ', 'not applicable'))
    return value is None or value == {}


def _static_flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('true', 'yes', 'static', 'stationary', '1'):
        return True
    if text in ('false', 'no', 'moving', 'dynamic', '0'):
        return False
    return None


class _Parser:
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)

    def direction_deg(self, value: Any, where: str) -> float:
        angle = loose_number(value)
        if math.isfinite(angle):
            return angle
        word = str(value).strip().lower().replace(' ', '-') if value is not None else ''
        if word in _DIRECTION_WORDS:
            self.warn(f'{where}: direction given as the word {value!r}; used {_DIRECTION_WORDS[word]:g} deg')
            return _DIRECTION_WORDS[word]
        return math.nan

    def keyframe(self, time_value: Any, values: Any, where: str) -> Keyframe | None:
        time_s = clip_seconds(time_value)
        if not math.isfinite(time_s):
            self.warn(f'{where}: dropped a key frame with unreadable time {time_value!r}')
            return None
        if not isinstance(values, Mapping):
            self.warn(f'{where}: dropped key frame {time_value!r}: expected {{distance, direction}}, got {values!r}')
            return None
        distance = loose_number(values.get('distance'))
        if math.isfinite(distance) and distance < 0.0:
            self.warn(f'{where}: negative distance {distance:g} at {time_value!r} ignored')
            distance = math.nan
        angle = self.direction_deg(values.get('direction', values.get('angle')), where)
        if not (math.isfinite(distance) or math.isfinite(angle)):
            self.warn(f'{where}: dropped key frame {time_value!r} without distance or direction')
            return None
        azimuth = savvy_deg_to_rep103_azimuth(angle) if math.isfinite(angle) else math.nan
        return Keyframe(time_s, distance, azimuth)

    def keyframes(self, frames: Any, where: str) -> tuple[Keyframe, ...]:
        if isinstance(frames, Mapping):
            pairs = list(frames.items())
        elif isinstance(frames, list):
            pairs = []
            for item in frames:
                key = next((k for k in _TIME_KEYS if isinstance(item, Mapping) and k in item), None)
                pairs.append((item.get(key) if key else None, item))
        else:
            if not _is_absent(frames):
                self.warn(f'{where}: key_frames is neither a mapping nor a list; ignored')
            return ()
        found = [k for t, v in pairs if (k := self.keyframe(t, v, where)) is not None]
        return tuple(sorted(found, key=lambda k: k.time_s))

    def described_object(self, role: Role, entry: Any) -> DescribedObject | None:
        if _is_absent(entry):
            return None
        if not isinstance(entry, Mapping):
            self.warn(f'{role.schema_key}: expected an object, got {type(entry).__name__}; ignored')
            return None
        description = next((str(entry[k]).strip() for k in ('description', 'object_name', 'name')
                            if not _is_absent(entry.get(k))), '')
        keyframes = self.keyframes(entry.get('key_frames', entry.get('keyframes')), role.schema_key)
        if not description and not keyframes:
            return None     # "N/A"-style placeholder: the role does not apply to this question
        return DescribedObject(role, description, _static_flag(entry.get('is_static')), keyframes)

    def window(self, data: Mapping[str, Any]) -> tuple[float, float]:
        start, end = clip_seconds(data.get('start_time')), clip_seconds(data.get('end_time'))
        if math.isfinite(start) != math.isfinite(end):
            self.warn('only one end of the event window is readable; used it for both')
            start = end = start if math.isfinite(start) else end
        elif not math.isfinite(start):
            self.warn('no readable event window (start_time / end_time)')
            start = end = math.nan
        elif end < start:
            self.warn(f'event window ends before it starts ({start:g} s > {end:g} s); swapped')
            start, end = end, start
        return start, end

    def mode(self, value: Any) -> Mode:
        text = str(value).strip().lower() if value is not None else ''
        if text in _MODES:
            return _MODES[text]
        # Free wording ("relative to the camera wearer"): decide only when it names one side.
        ego = any(w in text for w in ('ego', 'wearer', 'first-person'))
        allo = any(w in text for w in ('allo', 'exo', 'standing at', 'standing by'))
        if ego != allo:
            mode = Mode.EGOCENTRIC if ego else Mode.ALLOCENTRIC
            self.warn(f'mode {value!r} read as {mode.name.lower()}')
            return mode
        self.warn('no mode given' if value is None else f'unknown mode {value!r}')
        return Mode.UNKNOWN


def _unwrap(data: dict[str, Any]) -> dict[str, Any]:
    """{"<question id>": {descriptor}} (the release's file layout) -> the descriptor."""
    if 'event' not in data and 'start_time' not in data and len(data) == 1:
        inner = next(iter(data.values()))
        if isinstance(inner, dict):
            return inner
    return data


def parse_descriptor_dict(data: Mapping[str, Any], raw_output: str = '', question: str = '',
                          notes: list[str] | None = None) -> SnapshotDescription:
    """A descriptor from already-decoded JSON (e.g. one entry of an sd_output file)."""
    parser = _Parser()
    for note in notes or []:
        parser.warn(note)
    data = _unwrap(dict(data))
    start, end = parser.window(data)
    objects = tuple(o for role in Role if (o := parser.described_object(role, data.get(role.schema_key))) is not None)
    prediction = data.get('prediction')
    return SnapshotDescription(
        question=str(data.get('question') or question), event=str(data.get('event') or '').strip(),
        start_s=start, end_s=end, mode=parser.mode(data.get('mode')), objects=objects,
        prediction='' if _is_absent(prediction) else str(prediction), raw_output=raw_output,
        warnings=tuple(parser.warnings))


def parse_model_output(text: str, question: str = '') -> SnapshotDescription:
    """A descriptor from a model's raw text; SnapshotParseError when it holds no JSON object."""
    try:
        data, notes = extract_json_object(text)
    except NoJsonObjectError as exc:
        raise SnapshotParseError(str(exc)) from None
    return parse_descriptor_dict(data, raw_output=text, question=question, notes=notes)
