"""The bag player's core, free of rclpy: what to publish, in which order, and when.

The ROS side (publishers, /clock, flow control over DDS) is a `PlaybackSink`; see
savvy_ros/replay/ros_playback.py. Time order is the bag's log time; /clock carries it.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from savvy_ros.bags import BagMessage, BagReader
from savvy_ros.replay.prefetch import prefetched

NANOS = 1_000_000_000
TAIL_STEP_S = 0.1       # [s] /clock step after the last message (tail_s)
CLOCK_PERIOD_S = 0.01   # /clock while waiting in paced mode: 100 Hz of wall time, like `ros2 bag play --clock`


class PlayOptionsError(ValueError):
    """Play options that cannot describe a replay (negative rate, window outside the bag, ...)."""


@dataclass(frozen=True)
class PlayOptions:
    rate: float = 1.0                    # x real time; 0 = as fast as the graph goes (flow controlled)
    start_s: float = 0.0                 # [s] offset from the bag's first message
    duration_s: float | None = None      # [s] of bag time to play; None = to the end
    loop: bool = False
    topics: tuple[str, ...] | None = None
    flow_control: bool = True            # wait for delivery + consumers' acks after every message
    tail_s: float = 0.0                  # [s] /clock keeps running this far past the last message, so
                                         # sim-time timers (end-of-input flushes) fire after the bag ends
    lookahead_s: float = 0.0             # [s] as fast as possible: a free consumer may take messages up to
                                         # this far past the oldest one not sent yet (each consumer still in
                                         # bag order; /clock waits at that oldest one); 0 = strictly in order.
                                         # Off by default (the evaluator turns it on, with in_flight 3: see
                                         # savvy_ros/evaluation/graph_run.py for what was measured)
    in_flight: int = 1                   # messages an acknowledging consumer may hold unacknowledged; more than
                                         # one only for consumers whose input queues hold that many

    def __post_init__(self) -> None:
        for name in ('rate', 'start_s', 'tail_s', 'lookahead_s'):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise PlayOptionsError(f'{name} must be finite and >= 0, got {value}')
        if self.duration_s is not None and not (math.isfinite(self.duration_s) and self.duration_s > 0.0):
            raise PlayOptionsError(f'duration must be finite and > 0, got {self.duration_s}')
        if self.in_flight < 1:
            raise PlayOptionsError(f'in_flight must be >= 1, got {self.in_flight}')
        if self.lookahead_s > 0.0 and self.rate != 0.0:
            raise PlayOptionsError(f'look-ahead ({self.lookahead_s:g} s) applies only as fast as possible (rate 0); '
                                   f'at rate {self.rate:g} messages go out at their time')
        if self.rate == 0.0 and not self.flow_control:
            raise PlayOptionsError('as fast as possible (rate 0) needs flow control, or messages would be dropped')

    @property
    def as_fast_as_possible(self) -> bool:
        return self.rate == 0.0


class PlaybackSink(Protocol):
    """Where the player's messages go (the ROS graph)."""

    def publish(self, topic: str, data: bytes) -> bool:
        """Send one CDR message; False when the topic cannot be published (its type is unknown here)."""

    def publish_clock(self, stamp_ns: int) -> None: ...

    def ready(self, topic: str) -> None:
        """Flow control: return once every consumer of `topic` has processed what it was sent."""

    def drain(self) -> None:
        """Flow control: return once every consumer has processed everything sent."""

    def consumers(self, topic: str) -> set[str]:
        """The nodes that acknowledge `topic` (empty: nobody is waited for)."""

    def busy(self) -> set[str]:
        """The consumers that cannot take another message yet (all they may have in flight is unacknowledged)."""

    def wait_for_progress(self) -> None:
        """Return once one of the consumers busy at the last busy() call is free again."""

    def flush(self) -> None:
        """At the end of playback: return once everything published has been delivered."""

    def ok(self) -> bool: ...


@dataclass
class PlayStats:
    published: dict[str, int] = field(default_factory=dict)
    loops: int = 0
    bag_time_s: float = 0.0              # bag time covered, all loops together
    wall_time_s: float = 0.0             # the whole play: messages, /clock tail, final delivery wait
    tail_wall_s: float = 0.0             # of which the /clock tail past the last message

    @property
    def messages_wall_s(self) -> float:
        """Wall time of playing the messages (the fixed-length /clock tail excluded)."""
        return self.wall_time_s - self.tail_wall_s

    @property
    def real_time_factor(self) -> float:
        """Bag time over `messages_wall_s`."""
        return self.bag_time_s / self.messages_wall_s if self.messages_wall_s > 0 else math.inf


def play_window(start_ns: int, end_ns: int, options: PlayOptions) -> tuple[int, int]:
    """[first, stop) log times to play."""
    first = start_ns + round(options.start_s * NANOS)
    if first > end_ns:
        length = (end_ns - start_ns) / NANOS
        raise PlayOptionsError(f'start {options.start_s} s is past the bag\'s end ({length:.3f} s)')
    stop = end_ns + 1 if options.duration_s is None else min(end_ns + 1, first + round(options.duration_s * NANOS))
    return first, stop


class BagPlayer:
    def __init__(self, reader: BagReader, options: PlayOptions, sink: PlaybackSink, latched: set[str] = frozenset(),
                 monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.reader = reader
        self.options = options
        self.sink = sink
        self.latched = set(latched)
        self.monotonic = monotonic
        self.sleep = sleep
        self.stats = PlayStats()
        self._last_clock: int | None = None

    def play(self) -> PlayStats:
        first, stop = play_window(self.reader.start_ns, self.reader.end_ns, self.options)
        wall_start = self.monotonic()
        self._publish_latched_before(first)
        while self.sink.ok():
            last_sent = self._play_once(first, stop)
            self.stats.loops += 1
            self.stats.bag_time_s += max(0, last_sent - first) / NANOS
            if not self.options.loop:
                break
        tail_start = self.monotonic()
        self._run_clock_on(self._last_clock)
        self.stats.tail_wall_s = self.monotonic() - tail_start
        self.sink.flush()
        self.stats.wall_time_s = self.monotonic() - wall_start
        return self.stats

    def _run_clock_on(self, last: int | None) -> None:
        """/clock beyond the last message for `tail_s`, in TAIL_STEP_S steps of paced wall time."""
        if last is None or self.options.tail_s <= 0.0:
            return
        steps = max(1, math.ceil(self.options.tail_s / TAIL_STEP_S))
        for k in range(1, steps + 1):
            if not self.sink.ok():
                return
            self.sink.publish_clock(last + round(min(k * TAIL_STEP_S, self.options.tail_s) * NANOS))
            self.sleep(TAIL_STEP_S / 2.0)   # wall time for the consumers' timers to run

    def _messages(self, first: int | None, stop: int) -> Iterator[BagMessage]:
        return prefetched(self.reader.messages(topics=self.options.topics, start_ns=first, stop_ns=stop, raw=True))

    def _publish_latched_before(self, first: int) -> None:
        """Latched topics (/tf_static) recorded before the window still hold at its start."""
        if not self.latched or first <= self.reader.start_ns:
            return
        for item in self._messages(None, first):
            if item.topic in self.latched:
                if self.options.flow_control:
                    self.sink.ready(item.topic)
                self._send(item)

    def _play_once(self, first: int, stop: int) -> int:
        """One pass over [first, stop); returns the log time of the last message sent."""
        wall_origin = self.monotonic()
        self._last_clock = None  # a loop starts /clock over (consumers see a jump back, as with ros2 bag play)
        if self.options.as_fast_as_possible and self.options.lookahead_s > 0.0:
            return self._play_ahead(first, stop)
        last_sent = first
        for item in self._messages(first, stop):
            if not self.sink.ok():
                return last_sent
            if not self.options.as_fast_as_possible:
                self._wait_until(wall_origin + (item.stamp_ns - first) / NANOS / self.options.rate,
                                 first, wall_origin)
            if self.options.flow_control:   # before /clock moves on: it never runs ahead of a busy consumer
                self.sink.ready(item.topic)
            if item.stamp_ns != self._last_clock:
                self._last_clock = item.stamp_ns
                self.sink.publish_clock(item.stamp_ns)
            self._send(item)
            last_sent = item.stamp_ns
        if self.options.flow_control:   # a loop's clock jumps back, the tail runs on: both after the last message
            self.sink.drain()
        return last_sent

    def _play_ahead(self, first: int, stop: int) -> int:
        """As fast as possible with look-ahead: messages go out of bag order only across consumers.

        A message goes out once each of its consumers can take one (see AckTracker.depth) and is owed
        no earlier unsent one, and it is at most lookahead_s past the oldest unsent message, whose stamp
        /clock waits at. So every node takes each input topic in bag order, while a node that is free
        need not wait for another's long job (a transcript) to end; nothing a node receives is ever
        stamped before /clock, so a node that orders by stamp against the clock (the map) sees the
        same order as at 1x.
        """
        horizon = round(self.options.lookahead_s * NANOS)
        messages = self._messages(first, stop)
        pending: list[BagMessage] = []
        upcoming = next(messages, None)
        last_sent = first
        while self.sink.ok():
            while upcoming is not None and (not pending or upcoming.stamp_ns <= pending[0].stamp_ns + horizon):
                pending.append(upcoming)
                upcoming = next(messages, None)
            if not pending:
                break
            if pending[0].stamp_ns != self._last_clock:   # /clock waits at the oldest message not sent yet
                self._last_clock = pending[0].stamp_ns
                self.sink.publish_clock(pending[0].stamp_ns)
            taken = self.sink.busy()       # free consumers may take a message; owed ones wait their turn
            remaining = []
            for item in pending:
                nodes = self.sink.consumers(item.topic)
                if nodes & taken:
                    taken |= nodes
                    remaining.append(item)
                    continue
                if not remaining and item.stamp_ns != self._last_clock:   # the oldest one not sent yet
                    self._last_clock = item.stamp_ns
                    self.sink.publish_clock(item.stamp_ns)
                self._send(item)
                taken |= nodes
                last_sent = max(last_sent, item.stamp_ns)
            if len(remaining) == len(pending):
                self.sink.wait_for_progress()
            pending = remaining
        self.sink.drain()
        if self._last_clock is not None and last_sent > self._last_clock:   # the last message went out ahead
            self._last_clock = last_sent
            self.sink.publish_clock(last_sent)
        return last_sent

    def _send(self, item: BagMessage) -> None:
        if not self.sink.publish(item.topic, bytes(item.message)):
            return
        self.stats.published[item.topic] = self.stats.published.get(item.topic, 0) + 1

    def _wait_until(self, due: float, first: int, wall_origin: float) -> None:
        """Sleep until `due` (wall), keeping /clock running at CLOCK_PERIOD_S meanwhile."""
        while self.sink.ok():
            now = self.monotonic()
            if now >= due:
                return
            self.sleep(min(CLOCK_PERIOD_S, due - now))
            now = min(self.monotonic(), due)
            stamp = first + round((now - wall_origin) * self.options.rate * NANOS)
            if self._last_clock is None or stamp > self._last_clock:
                self._last_clock = stamp
                self.sink.publish_clock(stamp)
