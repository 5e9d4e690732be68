"""Counters and latency statistics behind the nodes' diagnostic status (no rclpy)."""
from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

import numpy as np

OK, WARN, ERROR = 0, 1, 2  # diagnostic_msgs/DiagnosticStatus levels


@dataclass
class StreamStats:
    """Counts since start, rates over the last report period, latencies of the last `keep` items."""

    keep: int = 200
    counts: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    latencies: deque = field(default_factory=deque)   # [s]
    _at_last_report: Counter = field(default_factory=Counter)
    _last_report: float | None = None

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] += n

    def latency(self, seconds: float) -> None:
        self.latencies.append(seconds)
        while len(self.latencies) > self.keep:
            self.latencies.popleft()

    def report(self, now: float) -> tuple[int, str, dict[str, str]]:
        """(level, message, values) for the period since the previous report; `now` [s]."""
        period = now - self._last_report if self._last_report is not None else 0.0
        values: dict[str, str] = {k: str(v) for k, v in sorted(self.counts.items())}
        new = {k: self.counts[k] - self._at_last_report[k] for k in self.counts}
        if period > 0.0:
            values.update({f'{k} rate [Hz]': f'{v / period:.2f}' for k, v in sorted(new.items())})
        values.update({f'dropped {k}': str(v) for k, v in sorted(self.dropped.items())})
        if self.latencies:
            lat = np.array(self.latencies) * 1000.0
            values['latency median [ms]'] = f'{np.median(lat):.2f}'
            values['latency p95 [ms]'] = f'{np.percentile(lat, 95):.2f}'
        new_drops = sum(self.dropped.values()) - self._at_last_report['__dropped__']
        self._at_last_report = Counter(self.counts)
        self._at_last_report['__dropped__'] = sum(self.dropped.values())
        self._last_report = now
        if new_drops:
            return WARN, f'{new_drops} input(s) dropped in the last {period:.1f} s', values
        return OK, 'ok', values
