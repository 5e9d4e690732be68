"""The snapshot descriptor as plain data: what an AV-LLM said about one clip and one question.

Times are clip seconds (0 = the clip's first instant); the node adds the clip's start stamp.
Directions are REP 103 azimuths in the wearer's body frame (radians, positive = left), converted
from the SAVVY convention at the parser.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Role(IntEnum):
    """Same values as SnapshotObject.ROLE_*; the name is the key of the paper's JSON schema."""

    SOUNDING = 0
    REFERENCE = 1
    FACING = 2

    @property
    def schema_key(self) -> str:
        return f'{self.name.lower()}_object'


class Mode(IntEnum):
    """Same values as SnapshotDescriptor.MODE_*."""

    UNKNOWN = 0
    EGOCENTRIC = 1
    ALLOCENTRIC = 2


@dataclass(frozen=True)
class Keyframe:
    time_s: float          # clip time of the key frame [s]
    distance_m: float      # horizontal distance from the wearer [m]; NaN when not given
    azimuth_rad: float     # REP 103, positive = left [rad]; NaN when not given


@dataclass(frozen=True)
class DescribedObject:
    role: Role
    description: str
    is_static: bool | None             # None: the model did not say
    keyframes: tuple[Keyframe, ...]    # time-ordered


@dataclass(frozen=True)
class SnapshotDescription:
    question: str
    event: str
    start_s: float                     # event window in clip time [s]; start <= end
    end_s: float
    mode: Mode
    objects: tuple[DescribedObject, ...]
    prediction: str
    raw_output: str                    # the model's text, unchanged
    warnings: tuple[str, ...] = field(default=())   # what the parser repaired or dropped

    def object(self, role: Role) -> DescribedObject | None:
        return next((o for o in self.objects if o.role == role), None)


def description_to_dict(description: SnapshotDescription) -> dict:
    """Plain JSON-able data (NaN -> None); azimuths REP 103 in radians, times in clip seconds."""
    def number(value: float) -> float | None:
        return None if value != value else round(float(value), 6)   # NaN != NaN

    return {'question': description.question, 'event': description.event,
            'start': number(description.start_s), 'end': number(description.end_s),
            'mode': description.mode.name.lower(), 'prediction': description.prediction,
            'objects': [{'role': o.role.name.lower(), 'description': o.description, 'is_static': o.is_static,
                         'keyframes': [{'t': number(k.time_s), 'distance_m': number(k.distance_m),
                                        'azimuth_rad': number(k.azimuth_rad)} for k in o.keyframes]}
                        for o in description.objects],
            'warnings': list(description.warnings)}
