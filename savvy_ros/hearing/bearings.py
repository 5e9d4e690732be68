"""Join hearing events with the direction-of-arrival bearings observed while they sounded.

Bearings arrive on their own topic, a little after the audio they describe, so closed events wait
(bounded, on the audio clock) until the bearings have caught up with their end.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from savvy_ros.circular import azimuth_mode
from savvy_ros.hearing.events import BearingSummary, HearingEvent


@dataclass(frozen=True)
class BearingSample:
    time: float          # [s] capture time of the analysis window centre
    azimuth: float       # [rad]
    weight: float        # confidence (> 0)
    frame_id: str


def dominant_bearing(samples: list[BearingSample], cluster_width: float = math.radians(30.0)
                     ) -> BearingSummary | None:
    """The weighted azimuth mode and the circular spread of the bearings within `cluster_width` of it."""
    mode = azimuth_mode(np.array([s.azimuth for s in samples]), np.array([s.weight for s in samples]),
                        cluster_width)
    if mode is None:
        return None
    frame_ids = {s.frame_id for s, m in zip(samples, mode.members) if m}
    return BearingSummary(frame_id=sorted(frame_ids)[0], azimuth=mode.azimuth, spread=mode.spread,
                          count=int(mode.members.sum()))


class BearingJoiner:
    """Holds recent bearings (bounded by age and count) and releases events with their bearing."""

    def __init__(self, keep_seconds: float = 60.0, max_samples: int = 20000, wait: float = 1.0,
                 margin: float = 0.15, cluster_width: float = math.radians(30.0)) -> None:
        self.keep_seconds, self.wait, self.margin, self.cluster_width = keep_seconds, wait, margin, cluster_width
        self._samples: deque[BearingSample] = deque(maxlen=max_samples)
        self._pending: list[HearingEvent] = []
        self.latest_bearing_time = -math.inf

    def add_bearing(self, sample: BearingSample) -> None:
        if not (math.isfinite(sample.time) and math.isfinite(sample.azimuth) and sample.weight > 0):
            raise ValueError(f'unusable bearing {sample}')
        if sample.time < self.latest_bearing_time - self.keep_seconds:  # the clock jumped back: start over
            self._samples.clear()
        self._samples.append(sample)
        self.latest_bearing_time = max(self.latest_bearing_time, sample.time)
        while self._samples and self._samples[0].time < self.latest_bearing_time - self.keep_seconds:
            self._samples.popleft()

    def add_events(self, events: list[HearingEvent]) -> None:
        self._pending.extend(events)

    def release(self, audio_time: float, force: bool = False) -> list[HearingEvent]:
        """Events whose bearings are in (or that waited `wait` seconds of audio), with their bearing."""
        ready, waiting = [], []
        for event in self._pending:
            done = force or self.latest_bearing_time >= event.end + self.margin or audio_time >= event.end + self.wait
            (ready if done else waiting).append(event)
        self._pending = waiting
        return sorted((self.join(event) for event in ready), key=lambda e: (e.start, e.end))

    def join(self, event: HearingEvent) -> HearingEvent:
        lo, hi = event.start - self.margin, event.end + self.margin
        samples = [s for s in self._samples if lo <= s.time <= hi]
        return replace(event, bearing=dominant_bearing(samples, self.cluster_width))

    @property
    def pending(self) -> int:
        return len(self._pending)
