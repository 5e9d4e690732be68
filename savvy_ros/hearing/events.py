"""What the hearing stage reports: closed speech segments and sound events on the capture clock."""
from __future__ import annotations

from dataclasses import dataclass, field

SPEECH, SOUND = 'speech', 'sound'


@dataclass(frozen=True)
class BearingSummary:
    """Dominant direction of arrival during an event (REP 103 azimuth, positive = left)."""

    frame_id: str
    azimuth: float        # [rad]
    spread: float         # [rad] circular standard deviation of the bearings in the dominant cluster
    count: int            # bearings that support it


@dataclass
class HearingEvent:
    kind: str                     # SPEECH or SOUND
    start: float                  # [s] capture time of the onset
    end: float                    # [s] capture time of the offset
    text: str = ''                # speech transcript ('' without ASR or for sounds)
    labels: list[str] = field(default_factory=list)   # AudioSet names, best first
    scores: list[float] = field(default_factory=list)  # [0, 1] one per label
    confidence: float = 0.0       # [0, 1]
    bearing: BearingSummary | None = None
    alternatives: list[str] = field(default_factory=list)   # speech: next-best distinct transcripts, best first
    impulsiveness: float = 0.0    # sound: [0, 1] how abruptly it keeps starting (knocks, claps, steps); see transients.py

    def to_json_dict(self, origin: float = 0.0) -> dict:
        """The CLI's JSON form; times in seconds after `origin`."""
        labels = [[label, round(score, 3)] for label, score in zip(self.labels, self.scores)]
        out = {'kind': self.kind, 'start': round(self.start - origin, 3), 'end': round(self.end - origin, 3),
               'text': self.text, 'alternatives': list(self.alternatives), 'labels': labels}
        if self.kind == SOUND:
            out['impulsiveness'] = round(self.impulsiveness, 3)
        return out
