"""What a spatial question asks, once parsed: task, viewpoint, event anchor and object references."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class RefKind(str, Enum):
    EVENT_SOURCE = 'event_source'   # "the sound source", "the speaker", "the other person"
    WEARER = 'wearer'               # "you", "me", "the camera wearer"
    NAMED = 'named'                 # a described object: "the wooden dining table"
    TALKER = 'talker'               # whoever said something, at another event's time: text = what they said


@dataclass(frozen=True)
class ObjectRef:
    kind: RefKind
    text: str = ''                  # the words used in the question (lower case)

    def __str__(self) -> str:
        return self.text or self.kind.value


EVENT_SOURCE = ObjectRef(RefKind.EVENT_SOURCE, 'the sound source')
WEARER = ObjectRef(RefKind.WEARER, 'you')


@dataclass(frozen=True)
class EventAnchor:
    kind: str                       # 'speech' (a quoted topic) or 'sound'
    phrase: str                     # the topic or the sound, as written (lower case)
    speaker: str = ''               # speech in free wording: who the question says spoke ("she"), if it says
    occurrence: int = 0             # "the second time": 1, 2, ... of the times heard; -1 the last; 0 not said


@dataclass(frozen=True)
class ParsedQuestion:
    task: str                       # 'direction' or 'distance'
    perspective: str                # 'ego' (the wearer's viewpoint) or 'exo' (an imagined observer)
    level: str                      # direction: 'simple' | 'hard'; distance: 'hard' (as in the bench)
    target: ObjectRef               # what is located
    reference: ObjectRef            # ego: the wearer; exo: where the observer stands / distance from
    facing: ObjectRef | None        # exo direction: what the observer faces
    anchor: EventAnchor | None      # None: "now" (the latest time of the map)
    polar_word: str | None = None   # "is the dog to my left?": the direction asked about ('left')
    template: bool = False          # True when it matched a SAVVY-Bench template exactly

    @property
    def savvy_task(self) -> str:
        return f'spatial_temporal_audio_{self.task}_{self.perspective}'
