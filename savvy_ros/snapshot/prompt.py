"""The snapshot-descriptor prompt: the question, the clip's layout and the paper's JSON schema.

The schema is the one the SAVVY release's AV-LLM outputs follow (sd_output_v2), so any model's
answer goes through the same parser as the released Gemini 2.5 Pro outputs.
"""
from __future__ import annotations

from dataclasses import dataclass

from savvy_ros.snapshot.clip import Clip

SYSTEM_PROMPT = (
    'You are the snapshot descriptor of a spatial-audio assistant. You watch and listen to an '
    'egocentric clip recorded by a person wearing a camera and microphones, and describe what a '
    'spatial question needs: when the event it mentions happens and where the objects are relative '
    'to the camera wearer. Answer with one JSON object only, no prose.')

SCHEMA = '''{
  "event": "<the event the question refers to, in a few words>",
  "start_time": "<m:ss, clip time when the event starts>",
  "end_time": "<m:ss, clip time when it ends>",
  "mode": "<egocentric (relative to the camera wearer) or allocentric (standing at one object facing another)>",
  "sounding_object": {
    "description": "<the object or person that makes the sound or speaks>",
    "is_static": <true or false>,
    "key_frames": {"<m:ss>": {"distance": "<metres from the wearer>", "direction": "<degrees, 0 = ahead, -90 = left, 90 = right, 180 = behind>"}}
  },
  "reference_object": {"description": "...", "is_static": true, "key_frames": {}},
  "facing_object": {"description": "...", "is_static": true, "key_frames": {}},
  "prediction": "<your answer to the question>"
}'''


@dataclass(frozen=True)
class SnapshotPrompt:
    system: str
    text: str


def _clock(seconds: float) -> str:
    whole = max(0, int(round(seconds)))
    return f'{whole // 60}:{whole % 60:02d}'


def build_prompt(question: str, clip: Clip | None) -> SnapshotPrompt:
    """The system and user text for `question` about `clip` (None: a text-only request)."""
    lines = [f'Question: {question.strip()}', '']
    if clip is not None and (clip.frames or clip.audio.size):
        lines.append(f'The clip lasts {_clock(clip.duration)} (m:ss).')
        if clip.frames:
            times = ', '.join(_clock(f.time_s) for f in clip.frames)
            lines.append(f'{len(clip.frames)} video frame(s) follow, taken at {times}.')
        if clip.audio.size:
            lines.append(f'The audio track ({clip.audio_duration:.1f} s) starts at {_clock(clip.audio_offset)}.')
        lines.append('')
    lines += ['Reply with this JSON object (omit an object the question does not involve by giving {}):', SCHEMA]
    return SnapshotPrompt(SYSTEM_PROMPT, '\n'.join(lines))
