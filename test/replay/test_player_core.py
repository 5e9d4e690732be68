"""The player core without ROS: window, order, /clock, pacing on a simulated wall clock, loops."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest

from savvy_ros.bags import BagReader, BagWriter
from savvy_ros.bags.message_builders import MessageBuilder
from savvy_ros.replay.flow_control import AckTracker, parse_ack_key, AckFormatError
from savvy_ros.replay.player import BagPlayer, PlayOptions, PlayOptionsError, play_window

T0 = 2_000_000_000


class RecordingSink:
    """The graph side of the player, recorded: what went out, in order, at which simulated wall time."""

    def __init__(self, wall: list[float], stop_after: int | None = None) -> None:
        self.events: list[tuple[str, object, float]] = []
        self.wall = wall
        self.stop_after = stop_after
        self.flushed = 0

    def publish(self, topic: str, data: bytes) -> bool:
        self.events.append(('msg', topic, self.wall[0]))
        return True

    def publish_clock(self, stamp_ns: int) -> None:
        self.events.append(('clock', stamp_ns, self.wall[0]))

    def ready(self, topic: str) -> None:
        self.events.append(('ready', topic, self.wall[0]))

    def drain(self) -> None:
        self.events.append(('drain', None, self.wall[0]))

    def consumers(self, topic: str) -> set[str]:
        return set()   # nobody acknowledges: look-ahead sends everything in bag order

    def busy(self) -> set[str]:
        return set()

    def wait_for_progress(self) -> None:
        raise AssertionError('nothing is ever busy here')

    def flush(self) -> None:
        self.flushed += 1

    def ok(self) -> bool:
        return self.stop_after is None or sum(e[0] == 'msg' for e in self.events) < self.stop_after


def make_bag(path: Path) -> Path:
    """/a every 100 ms for 1 s, latched /s at T0, /b at 0.55 s."""
    build = MessageBuilder()
    with BagWriter(path) as writer:
        writer.add_topic('/a', 'rosgraph_msgs/msg/Clock')
        writer.add_topic('/b', 'rosgraph_msgs/msg/Clock')
        writer.add_topic('/s', 'rosgraph_msgs/msg/Clock', latched=True)
        writer.write('/s', T0, build.clock(T0))
        for i in range(11):
            writer.write('/a', T0 + i * 100_000_000, build.clock(T0 + i * 100_000_000))
        writer.write('/b', T0 + 550_000_000, build.clock(T0 + 550_000_000))
    return path


def run(path: Path, options: PlayOptions, stop_after: int | None = None) -> tuple[RecordingSink, object]:
    wall = [100.0]
    sink = RecordingSink(wall, stop_after)

    def sleep(seconds: float) -> None:
        wall[0] += seconds

    with BagReader(path) as reader:
        stats = BagPlayer(reader, options, sink, latched={'/s'}, monotonic=lambda: wall[0], sleep=sleep).play()
    return sink, stats


@pytest.fixture
def bag(tmp_path) -> Path:
    return make_bag(tmp_path / 'bag')


def test_fast_mode_sends_everything_in_log_order_with_clock_before_each_new_time(bag):
    sink, stats = run(bag, PlayOptions(rate=0.0))
    messages = [e[1] for e in sink.events if e[0] == 'msg']
    assert messages == ['/s', '/a'] + ['/a'] * 5 + ['/b'] + ['/a'] * 5
    clocks = [e[1] for e in sink.events if e[0] == 'clock']
    assert clocks == sorted(set(clocks)) and clocks[0] == T0 and len(clocks) == 12
    assert sink.events[:3] == [('ready', '/s', 100.0), ('clock', T0, 100.0), ('msg', '/s', 100.0)]
    ahead, _ = run(bag, PlayOptions(rate=0.0, lookahead_s=1.0))   # nobody acknowledges: the same order
    assert [e for e in ahead.events if e[0] != 'ready'] == [e for e in sink.events if e[0] != 'ready']
    assert {e[2] for e in sink.events} == {100.0}              # no pacing at all
    assert sink.flushed == 1 and sink.events[-1] == ('drain', None, 100.0)
    assert stats.published == {'/s': 1, '/a': 11, '/b': 1} and stats.bag_time_s == pytest.approx(1.0)


def test_flow_control_waits_for_the_consumers_of_each_message_before_its_clock(bag):
    """ready(topic) comes before /clock moves to a message's stamp and before the message itself: a busy
    consumer never sees the clock run past the stamp of the next message it is owed."""
    sink, _ = run(bag, PlayOptions(rate=0.0, lookahead_s=0.0))
    for k, (kind, value, _) in enumerate(sink.events):
        if kind == 'msg':
            previous = [e for e in sink.events[:k] if e[0] != 'clock']
            assert previous[-1][:2] == ('ready', value)
        if kind == 'clock':
            assert sink.events[k - 1][0] == 'ready'
    assert [e[0] for e in sink.events].count('drain') == 1
    looped, _ = run(bag, PlayOptions(rate=0.0, loop=True, lookahead_s=0.0), stop_after=30)
    # Each pass ends drained: /clock jumps back to the start only once everything sent was processed.
    clock_at = [(k, e[1]) for k, e in enumerate(looped.events) if e[0] == 'clock']
    jumps_back = [k for (_, before), (k, value) in zip(clock_at, clock_at[1:]) if value < before]
    assert len(jumps_back) == 2
    for k in jumps_back:
        since_last_message = looped.events[max(i for i in range(k) if looped.events[i][0] == 'msg'):k]
        assert ('drain', None, 100.0) in since_last_message
    unpaced = run(bag, PlayOptions(rate=2.0, flow_control=False))[0]
    assert not {'ready', 'drain'} & {e[0] for e in unpaced.events}


def test_paced_mode_sends_each_message_at_its_scaled_time_with_clock_in_between(bag):
    sink, stats = run(bag, PlayOptions(rate=2.0))
    sent = [(e[1], e[2]) for e in sink.events if e[0] == 'msg']
    assert [topic for topic, _ in sent] == ['/s', '/a'] + ['/a'] * 5 + ['/b'] + ['/a'] * 5
    b_wall = next(w for topic, w in sent if topic == '/b')
    assert b_wall - 100.0 == pytest.approx(0.55 / 2.0)
    assert sent[-1][1] - 100.0 == pytest.approx(0.5)
    clocks = [e[1] for e in sink.events if e[0] == 'clock']
    assert clocks == sorted(clocks) and len(clocks) > 50       # ~100 Hz of simulated wall time
    assert stats.wall_time_s == pytest.approx(0.5) and stats.real_time_factor == pytest.approx(2.0)


def test_window_plays_latched_messages_recorded_before_it_first(bag):
    sink, stats = run(bag, PlayOptions(rate=0.0, start_s=0.25, duration_s=0.5))
    messages = [e[1] for e in sink.events if e[0] == 'msg']
    assert messages == ['/s', '/a', '/a', '/a', '/b', '/a', '/a']  # /a at 0.3 .. 0.7, /b at 0.55
    assert stats.published == {'/s': 1, '/a': 5, '/b': 1}


def test_loop_replays_until_the_graph_stops_and_restarts_the_clock(bag):
    sink, stats = run(bag, PlayOptions(rate=0.0, loop=True), stop_after=30)
    assert stats.loops == 3
    clocks = [e[1] for e in sink.events if e[0] == 'clock']
    assert clocks.count(T0) == 3                                # each pass starts /clock over


def test_bad_options_and_windows_are_refused(bag):
    with pytest.raises(PlayOptionsError, match='rate'):
        PlayOptions(rate=-1.0)
    with pytest.raises(PlayOptionsError, match='duration'):
        PlayOptions(duration_s=0.0)
    with pytest.raises(PlayOptionsError, match='in_flight'):
        PlayOptions(in_flight=0)
    with pytest.raises(PlayOptionsError, match='flow control'):
        PlayOptions(rate=0.0, flow_control=False)
    with pytest.raises(PlayOptionsError, match='past the bag'):
        play_window(T0, T0 + 1_000_000_000, PlayOptions(start_s=2.0))
    assert play_window(T0, T0 + 1_000, PlayOptions()) == (T0, T0 + 1_001)


def test_ack_tracker_keeps_one_message_in_flight_per_consumer():
    tracker = AckTracker()
    tracker.declare('/map|/savvy/bearings')
    tracker.declare('/qa|/savvy/bearings')
    tracker.declare('/vision|/camera/image_raw')
    tracker.declare('garbage')
    assert tracker.malformed == 1 and tracker.consumers('/savvy/bearings') == {'/map', '/qa'}
    assert tracker.expect('/savvy/bearings') == {'/map', '/qa'}
    assert tracker.expect('/camera/image_raw') == {'/vision'}    # another node's input goes out meanwhile
    assert tracker.busy() == {'/map': '/savvy/bearings', '/qa': '/savvy/bearings', '/vision': '/camera/image_raw'}
    tracker.acknowledge('/map|/savvy/bearings')
    tracker.acknowledge('/qa|/tf')                               # another topic's ack does not count
    assert tracker.wait(tracker.consumers('/savvy/bearings'), 0.01) == {'/qa'}
    assert tracker.wait({'/map'}, 0.01) == set()                 # only the nodes asked about are waited for
    threading.Timer(0.05, tracker.acknowledge, ('/qa|/savvy/bearings',)).start()
    assert tracker.wait(tracker.consumers('/savvy/bearings'), 5.0) == set()
    assert tracker.wait(None, 0.01) == {'/vision'}               # None: everything sent
    tracker.release({'/vision'})                                 # timed out: no longer waited for
    assert tracker.wait(None, 0.01) == set() and tracker.busy() == {}
    tracker.expect('/savvy/bearings')
    tracker.forget({'/qa'})
    assert tracker.consumers('/savvy/bearings') == {'/map'} and tracker.wait(None, 0.01) == {'/map'}
    with pytest.raises(AckFormatError, match='not "<node>'):
        parse_ack_key('/map/savvy/bearings')


def test_the_clock_runs_on_past_the_last_message_for_the_tail(bag):
    """Sim-time timers (the hearing's end-of-input flush) need /clock to move after the bag ends."""
    sink, stats = run(bag, PlayOptions(rate=0.0, tail_s=0.25))
    clocks = [e[1] for e in sink.events if e[0] == 'clock']
    last_message = T0 + 1_000_000_000
    assert clocks[-3:] == [last_message + 100_000_000, last_message + 200_000_000, last_message + 250_000_000]
    assert sink.events[-1][0] == 'clock' and stats.bag_time_s == pytest.approx(1.0)   # the tail is not bag time
    # Nor is its wall time (3 steps of 0.05 s) part of the replay speed: the tail's length is fixed.
    assert stats.tail_wall_s == pytest.approx(0.15) and stats.wall_time_s == pytest.approx(0.15)
    assert stats.real_time_factor == float('inf')      # the messages themselves took no simulated wall time
    plain, _ = run(bag, PlayOptions(rate=0.0))
    assert [e[1] for e in plain.events if e[0] == 'clock'][-1] == last_message


class SimulatedGraph(RecordingSink):
    """Acknowledging consumers with fixed processing times on the simulated wall clock."""

    def __init__(self, wall: list[float], consumers: dict[str, str], seconds: dict[str, float]) -> None:
        super().__init__(wall)
        self.node_of = consumers            # topic -> the node that acknowledges it
        self.seconds = seconds              # node -> processing time per message
        self.done_at: dict[str, float] = {} # node -> when its message in flight is processed
        self.received: dict[str, list[int]] = {}
        self.clock = None

    def publish(self, topic: str, data: bytes) -> bool:
        node = self.node_of.get(topic)
        if node is not None:
            assert node not in self.done_at, f'{node} got a second message in flight'
            self.done_at[node] = self.wall[0] + self.seconds[node]
        return super().publish(topic, data)

    def publish_clock(self, stamp_ns: int) -> None:
        assert self.clock is None or stamp_ns >= self.clock
        self.clock = stamp_ns
        super().publish_clock(stamp_ns)

    def consumers(self, topic: str) -> set[str]:
        return {self.node_of[topic]} if topic in self.node_of else set()

    def busy(self) -> set[str]:
        for node in [n for n, t in self.done_at.items() if t <= self.wall[0]]:
            del self.done_at[node]
        return set(self.done_at)

    def wait_for_progress(self) -> None:
        self.wall[0] = min(self.done_at.values())

    def ready(self, topic: str) -> None:
        node = self.node_of.get(topic)
        if node in self.done_at:
            self.wall[0] = max(self.wall[0], self.done_at.pop(node))
        super().ready(topic)

    def drain(self) -> None:
        self.wall[0] = max([self.wall[0], *self.done_at.values()])
        self.done_at.clear()
        super().drain()


def two_stream_bag(path: Path) -> Path:
    """/fast and /slow every 100 ms for 1 s, and /tf (nobody acknowledges it) every 50 ms."""
    build = MessageBuilder()
    with BagWriter(path) as writer:
        for topic in ('/fast', '/slow', '/tf'):
            writer.add_topic(topic, 'rosgraph_msgs/msg/Clock')
        for i in range(21):
            stamp = T0 + i * 50_000_000
            if i % 2 == 0:
                writer.write('/fast', stamp, build.clock(stamp))
                writer.write('/slow', stamp, build.clock(stamp))
            writer.write('/tf', stamp, build.clock(stamp))
    return path


def play_two_streams(path: Path, lookahead_s: float) -> tuple[SimulatedGraph, float]:
    wall = [0.0]
    graph = SimulatedGraph(wall, {'/fast': 'F', '/slow': 'S'}, {'F': 0.01, 'S': 0.3})
    with BagReader(path) as reader:
        stats = BagPlayer(reader, PlayOptions(rate=0.0, lookahead_s=lookahead_s), graph,
                          monotonic=lambda: wall[0], sleep=lambda s: None).play()
    return graph, stats.wall_time_s


def test_look_ahead_lets_a_free_consumer_go_on_while_another_is_busy_without_reordering_anyones_inputs(tmp_path):
    path = two_stream_bag(tmp_path / 'bag')
    ahead, ahead_wall = play_two_streams(path, 0.3)
    strict, strict_wall = play_two_streams(path, 0.0)
    for graph in (ahead, strict):
        sent = [e for e in graph.events if e[0] == 'msg']
        for topic in ('/fast', '/slow', '/tf'):   # each topic (each consumer) in bag order, none lost
            assert sum(1 for e in sent if e[1] == topic) == (21 if topic == '/tf' else 11)
    # Strictly in order the slow consumer holds everyone up: 11 x 0.3 s. Ahead, the fast one and /tf run
    # up to 0.3 s of bag time past the slow one's oldest unsent message, and /clock waits there.
    assert strict_wall == pytest.approx(11 * 0.3 + 0.01, abs=0.02)
    assert ahead_wall == pytest.approx(11 * 0.3, abs=0.02)
    order = [e[1] for e in ahead.events if e[0] == 'msg']
    second_slow = [k for k, topic in enumerate(order) if topic == '/slow'][1]
    # While the slow one works on its first (0 s) the fast one takes 0 s, then 0.1 s and what lies within
    # 0.3 s past the slow one's oldest unsent message (0.1 s): 0.2, 0.3 and 0.4 s.
    assert order[:second_slow].count('/fast') == 5
    stamps = {'/fast': 0, '/slow': 0}
    position = {'/fast': 0, '/slow': 0}
    clock = T0
    for kind, value, _ in ahead.events:
        if kind == 'clock':
            clock = value
        elif kind == 'msg' and value in stamps:
            stamp = T0 + position[value] * 100_000_000
            position[value] += 1
            assert clock <= stamp <= clock + 300_000_000   # never before /clock, at most the look-ahead past it


def test_with_two_in_flight_a_consumer_is_full_at_two_and_acks_retire_them_in_order():
    tracker = AckTracker(depth=2)
    tracker.declare('/vision|/camera/image_raw')
    tracker.declare('/vision|/camera/camera_info')
    tracker.expect('/camera/image_raw')
    assert tracker.state()[1] == set() and tracker.wait({'/vision'}, 0.01) == set()   # room for one more
    tracker.expect('/camera/camera_info')
    changes, full = tracker.state()
    assert full == {'/vision'} and tracker.wait({'/vision'}, 0.01) == {'/vision'}
    tracker.acknowledge('/vision|/tf')                        # nothing in flight on it: does not count
    assert tracker.state() == (changes, {'/vision'})
    tracker.acknowledge('/vision|/camera/camera_info')        # the executor took the later topic first
    assert tracker.wait_for_change(changes, 0.01) and tracker.state()[1] == set()
    assert tracker.busy() == {'/vision': '/camera/image_raw'} and tracker.wait(None, 0.01) == {'/vision'}
    tracker.acknowledge('/vision|/camera/image_raw')
    assert tracker.wait(None, 0.01) == set()
    with pytest.raises(ValueError, match='in flight'):
        AckTracker(depth=0)
