"""The player over Fast DDS: every rate gives the slow one-deep consumer exactly what 1x gives it."""
from __future__ import annotations

import hashlib
import signal
import time
from pathlib import Path

import pytest
from ros_helpers import spinning_in_background, start_peer, stop_peer, wait_for_line

from savvy_ros.bags import BagReader, BagWriter
from savvy_ros.bags.message_builders import MessageBuilder

pytestmark = [pytest.mark.dds, pytest.mark.slow]
PEER = str(Path(__file__).resolve().parent / 'replay_consumer_peer.py')
BEARINGS = ('/savvy/bearings', 'savvy_ros/msg/AudioBearingArray')
TF = ('/tf', 'tf2_msgs/msg/TFMessage')
TF_STATIC = ('/tf_static', 'tf2_msgs/msg/TFMessage')
START_NS = 5_000_000_000
CONSUMER = '/replay_consumer'


def digest(message) -> str:
    return hashlib.sha256(repr(message).encode()).hexdigest()[:16]  # as the peer computes it


def write_bag(path: Path) -> None:
    """1.2 s of bag: bearings every 10 ms, TF every 20 ms, one latched /tf_static message."""
    build = MessageBuilder()
    with BagWriter(path) as writer:
        for topic, msgtype in (BEARINGS, TF):
            writer.add_topic(topic, msgtype)
        writer.add_topic(*TF_STATIC, latched=True)
        writer.write('/tf_static', START_NS, build.tf_message(
            [build.transform(START_NS, 'head', 'mic_array', (0.0, 0.0, 0.1), (0.0, 0.0, 0.0, 1.0))]))
        for i in range(120):
            stamp = START_NS + i * 10_000_000
            peak = build.make('savvy_ros/msg/AudioBearing', direction=build.vector3((1.0, 0.0, 0.0)), azimuth=0.01 * i,
                              elevation=0.0, power=float(i), confidence=0.5, range=float('nan'),
                              range_stddev=float('nan'), cdr=1.0, source_id=i)
            writer.write('/savvy/bearings', stamp, build.make(
                'savvy_ros/msg/AudioBearingArray', header=build.header(stamp, 'mic_array'),
                window=build.duration(20_000_000), algorithm='test', energy=-20.0, noise_floor=-60.0, active=True,
                bearings=[peak]))
            if i % 2 == 0:
                writer.write('/tf', stamp, build.tf_message(
                    [build.transform(stamp, 'map', 'head', (0.01 * i, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0))]))


def expected_stream(path: Path) -> list[tuple[str, str]]:
    from rclpy.serialization import deserialize_message

    from savvy_ros.ros.message_types import message_class
    with BagReader(path) as reader:
        return [(m.topic, digest(deserialize_message(bytes(m.message), message_class(m.msgtype))))
                for m in reader.messages(raw=True)]


def received(peer, count: int) -> list[tuple[str, str]]:
    lines = []
    while len(lines) < count:
        line = peer.stdout.readline()
        if not line:
            raise AssertionError(f'peer exited after {len(lines)} of {count} messages')
        if line.startswith('RECV '):
            _, topic, value = line.split()
            lines.append((topic, value))
    return lines


@pytest.fixture(scope='module')
def bag(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp('replay') / 'bag'
    write_bag(path)
    return path


@pytest.fixture
def consumer():
    peer = start_peer(PEER, '0.004', '='.join(BEARINGS), '='.join(TF), '='.join(TF_STATIC))
    try:
        wait_for_line(peer, 'READY')
        yield peer
    finally:
        peer.send_signal(signal.SIGINT)
        stop_peer(peer)


@pytest.mark.parametrize('executor', ['single_threaded', 'events'])   # the player's acknowledgements
def test_every_rate_delivers_exactly_what_1x_delivers(bag, consumer, ros_context, executor):
    from savvy_ros.replay.play import play_bag
    from savvy_ros.replay.player import PlayOptions

    expected = expected_stream(bag)
    streams, results = {}, {}
    for rate in (1.0, 0.0, 5.0):  # 0 = as fast as possible
        results[rate] = play_bag(bag, PlayOptions(rate=rate), discovery_s=0.2, wait_for=(CONSUMER,),
                                 context=ros_context, executor=executor)
        streams[rate] = received(consumer, len(expected))
    assert streams[1.0] == expected  # nothing dropped at 1x by a consumer slower than the bag's 100 Hz bursts
    assert streams[0.0] == streams[1.0] and streams[5.0] == streams[1.0]
    for result in results.values():
        assert result.stats.published == {'/savvy/bearings': 120, '/tf': 60, '/tf_static': 1}
        assert not result.flow.ack_timeouts and not result.unmatched and not result.skipped


def test_window_starts_with_the_latched_topics_recorded_before_it(bag, consumer, ros_context):
    from savvy_ros.replay.play import play_bag
    from savvy_ros.replay.player import PlayOptions

    expected = expected_stream(bag)
    result = play_bag(bag, PlayOptions(rate=0.0, start_s=0.3, duration_s=0.5), discovery_s=0.2,
                      wait_for=(CONSUMER,), context=ros_context)
    in_window = [e for e, stamp in zip(expected, stamps(bag))
                 if START_NS + 300_000_000 <= stamp < START_NS + 800_000_000]
    assert received(consumer, 1 + len(in_window)) == [expected[0]] + in_window  # /tf_static first
    assert result.stats.published == {'/tf_static': 1, '/savvy/bearings': 50, '/tf': 25}


def stamps(path: Path) -> list[int]:
    with BagReader(path) as reader:
        return [m.stamp_ns for m in reader.messages(raw=True)]


def test_a_consumer_that_leaves_does_not_stall_the_replay(bag, ros_context):
    from savvy_ros.replay.play import play_bag
    from savvy_ros.replay.player import PlayOptions

    peer = start_peer(PEER, '0.0', '='.join(BEARINGS))
    wait_for_line(peer, 'READY')
    time.sleep(1.0)
    peer.send_signal(signal.SIGINT)
    stop_peer(peer)
    result = play_bag(bag, PlayOptions(rate=0.0), discovery_s=0.2, ack_timeout_s=1.0, context=ros_context)
    assert result.stats.published['/savvy/bearings'] == 120


def test_nodes_with_use_sim_time_follow_the_bag_clock(bag, ros_context):

    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.parameter import Parameter

    from savvy_ros.replay.play import play_bag
    from savvy_ros.replay.player import PlayOptions
    from savvy_ros.ros.time_conversion import clock_seconds

    node = Node('sim_time_listener', context=ros_context,
                parameter_overrides=[Parameter('use_sim_time', Parameter.Type.BOOL, True)])
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    seen: list[float] = []
    node.create_timer(0.01, lambda: seen.append(clock_seconds(node)))  # a sim-time timer: fires as /clock advances
    try:
        with spinning_in_background(executor):
            play_bag(bag, PlayOptions(rate=2.0), discovery_s=0.5, context=ros_context)
            time.sleep(0.3)
            assert clock_seconds(node) == pytest.approx(stamps(bag)[-1] * 1e-9)
            assert seen and seen == sorted(seen) and seen[0] >= START_NS * 1e-9
    finally:
        executor.shutdown()
        node.destroy_node()


def test_the_player_is_on_wall_time_in_a_sim_time_process():
    """A process started with `-p use_sim_time:=true` for its other nodes (an evaluator, a launch file's
    global setting) must not make the player take back every /clock it publishes."""
    import rclpy
    from rclpy.context import Context

    from savvy_ros.replay.ros_playback import RosPlayback

    context = Context()
    rclpy.init(args=['player_test', '--ros-args', '-p', 'use_sim_time:=true'], context=context)
    try:
        player = RosPlayback({}, context=context)
        try:
            assert player.get_parameter('use_sim_time').value is False
            assert player.count_subscribers('/clock') == 0
            before = time.time()
            assert abs(player.get_clock().now().nanoseconds * 1e-9 - before) < 5.0
        finally:
            player.stop()
            player.destroy_node()
    finally:
        rclpy.try_shutdown(context=context)
