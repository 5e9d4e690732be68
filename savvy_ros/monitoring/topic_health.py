"""Per-topic statistics for the pipeline monitor, free of rclpy.

Users of other audio/vision drivers most often trip over stamps that are arrival times instead
of capture times, missing frame ids and silent topics; this module measures exactly those.
"""
from __future__ import annotations

import enum
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np


class HealthLevel(enum.IntEnum):
    # Same order and values as diagnostic_msgs/DiagnosticStatus levels.
    OK = 0
    WARN = 1
    ERROR = 2
    STALE = 3


@dataclass(frozen=True)
class TopicReport:
    topic: str
    level: HealthLevel
    message: str
    values: dict[str, str] = field(default_factory=dict)


class TopicHealth:
    """Rolling statistics of one topic, fed with (arrival time, capture stamp, frame id).

    `expected_rate` (Hz) of 0 disables the rate check; `max_lag` (s) bounds arrival - stamp;
    `stale_after` (s) without messages makes the topic STALE.
    """

    def __init__(self, topic: str, expected_rate: float = 0.0, max_lag: float = 0.5,
                 stale_after: float = 3.0, window: int = 200) -> None:
        if expected_rate < 0 or max_lag <= 0 or stale_after <= 0 or window < 2:
            raise ValueError(f'{topic}: invalid health thresholds')
        self.topic = topic
        self.expected_rate = expected_rate
        self.max_lag = max_lag
        self.stale_after = stale_after
        self._arrivals: deque[float] = deque(maxlen=window)
        self._lags: deque[float] = deque(maxlen=window)
        self.count = 0
        self.out_of_order = 0
        self.missing_frame_id = 0
        self.frame_ids: set[str] = set()
        self._last_stamp = -math.inf

    def add(self, arrival: float, stamp: float | None, frame_id: str | None) -> None:
        """Record one message. `stamp`/`frame_id` are None for messages without a header."""
        self.count += 1
        self._arrivals.append(arrival)
        if stamp is not None:
            if stamp < self._last_stamp:
                self.out_of_order += 1
            self._last_stamp = max(self._last_stamp, stamp)
            self._lags.append(arrival - stamp)
        if frame_id is not None:
            if frame_id:
                self.frame_ids.add(frame_id)
            else:
                self.missing_frame_id += 1

    def rate(self) -> float:
        """Mean message rate over the window [Hz]; 0 with fewer than two messages."""
        if len(self._arrivals) < 2:
            return 0.0
        span = self._arrivals[-1] - self._arrivals[0]
        return (len(self._arrivals) - 1) / span if span > 0 else math.inf

    def reset(self) -> None:
        """Forget the history (the clock jumped backwards, e.g. a replay looped)."""
        self._arrivals.clear()
        self._lags.clear()
        self._last_stamp = -math.inf

    def report(self, now: float) -> TopicReport:
        values = {'messages': str(self.count), 'rate_hz': f'{self.rate():.2f}',
                  'out_of_order_stamps': str(self.out_of_order),
                  'empty_frame_id': str(self.missing_frame_id),
                  'frame_ids': ','.join(sorted(self.frame_ids))}
        if self._lags:
            lags = np.asarray(self._lags)
            values['stamp_lag_median_s'] = f'{float(np.median(lags)):.4f}'
            values['stamp_lag_max_s'] = f'{float(lags.max()):.4f}'
        if not self._arrivals:
            return TopicReport(self.topic, HealthLevel.STALE, 'no messages yet', values)
        silence = now - self._arrivals[-1]
        if silence > self.stale_after:
            return TopicReport(self.topic, HealthLevel.STALE, f'no message for {silence:.1f} s', values)
        problems: list[str] = []
        level = HealthLevel.OK
        if self.missing_frame_id:
            problems.append(f'{self.missing_frame_id} message(s) without frame_id')
            level = HealthLevel.ERROR
        if self._lags:
            median_lag = float(np.median(np.asarray(self._lags)))
            if median_lag < -0.05:
                problems.append(f'stamps {-median_lag:.3f} s in the future (clock mismatch?)')
                level = max(level, HealthLevel.WARN)
            elif median_lag > self.max_lag:
                problems.append(f'stamps lag arrival by {median_lag:.3f} s (> {self.max_lag} s)')
                level = max(level, HealthLevel.WARN)
        if self.out_of_order:
            problems.append(f'{self.out_of_order} out-of-order stamp(s)')
            level = max(level, HealthLevel.WARN)
        rate = self.rate()
        if self.expected_rate > 0 and len(self._arrivals) >= 2 and rate < 0.5 * self.expected_rate:
            problems.append(f'rate {rate:.1f} Hz below half of the expected {self.expected_rate:g} Hz')
            level = max(level, HealthLevel.WARN)
        return TopicReport(self.topic, level, '; '.join(problems) or f'{rate:.1f} Hz', values)
