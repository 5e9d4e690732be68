"""Over DDS: the capture node (file mode, its own process) publishes a simulated Aria recording,
the DoA node turns it into bearings in the mic-array frame, stamped at the window centres; bad
chunks sent afterwards are counted and dropped while the node keeps going."""
from __future__ import annotations

import math
import time

import numpy as np
import pytest
import soundfile as sf
from ros_helpers import spin_until, start_peer, stop_peer, wait_for_line

from savvy_ros.audio.mic_arrays import load_mic_array
from savvy_ros.audio.room_simulation import RoomScene, noise_burst, simulate_scene

pytestmark = pytest.mark.dds
RATE, BLOCK, AZIMUTH_DEG = 16000, 2000, 60.0  # 0.125 s chunks: two per 0.25 s window
CAPTURE_NODE = '../../savvy_ros/nodes/audio_capture_node.py'  # relative to test/support


@pytest.fixture(scope='module')
def recording(tmp_path_factory):
    scene = RoomScene((7.0, 6.0, 3.0), 0.3, (3.5, 3.0, 1.5), (math.radians(AZIMUTH_DEG),), (2.0,), 25.0)
    rng = np.random.default_rng(4)
    signal = np.concatenate([np.zeros(RATE // 2), noise_burst(1.5, RATE, rng)])
    path = tmp_path_factory.mktemp('audio') / 'aria_60deg.flac'
    sf.write(str(path), simulate_scene(load_mic_array('aria'), scene, [signal], RATE), RATE)
    return path


@pytest.fixture
def doa(ros_context):
    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.parameter import Parameter

    from savvy_ros.msg import AudioBearingArray, AudioChunk
    from savvy_ros.nodes.doa_node import DoaNode

    # The recording's sensor noise is near -50 dBFS and the source near -25 dBFS: a starting floor
    # between them gates correctly even if the node joins after the quiet lead-in.
    node = DoaNode(context=ros_context, parameter_overrides=[
        Parameter('initial_noise_floor_db', value=-40.0), Parameter('diagnostics_period', value=0.2)])
    probe = Node('doa_probe', context=ros_context)
    got = {'bearings': [], 'chunks': [], 'diagnostics': []}
    probe.create_subscription(AudioBearingArray, '/savvy/bearings', got['bearings'].append, 50)
    probe.create_subscription(AudioChunk, '/mic_array/audio', got['chunks'].append, 50)
    probe.create_subscription(DiagnosticArray, '/diagnostics', got['diagnostics'].append, 50)
    publisher = probe.create_publisher(AudioChunk, '/mic_array/audio', 50)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    executor.add_node(probe)
    yield node, executor, got, publisher
    executor.shutdown()
    probe.destroy_node()
    node.destroy_node()


def test_chunks_in_bearings_out_with_frame_and_capture_stamps(doa, recording):
    from savvy_ros.ros.time_conversion import stamp_to_seconds

    node, executor, got, publisher = doa
    peer = start_peer(CAPTURE_NODE, '--ros-args', '-p', f'file:={recording}', '-p', f'block_size:={BLOCK}',
                      '-p', 'mic_array:=aria', '-p', 'channels:=7', '-p', 'file_wait_for_subscribers:=2')
    try:
        wait_for_line(peer, 'publishing')
        assert spin_until(executor, lambda: len(got['chunks']) >= 14 and len(got['bearings']) >= 5, timeout=30)
        time.sleep(0.3)
        spin_until(executor, lambda: False, timeout=0.3)
    finally:
        stop_peer(peer)
    chunk_stamps = [stamp_to_seconds(c.header.stamp) for c in got['chunks']]
    assert all(c.header.frame_id == 'mic_array' and c.channels == 7 and c.sample_rate == RATE for c in got['chunks'])
    assert np.allclose(np.diff(chunk_stamps), BLOCK / RATE, atol=1e-6)  # the file's sample clock
    assert [c.sequence for c in got['chunks']] == list(range(got['chunks'][0].sequence, 
                                                             got['chunks'][0].sequence + len(got['chunks'])))
    active = [b for b in got['bearings'] if b.active]
    assert len(active) >= 3
    for msg in got['bearings']:
        assert msg.header.frame_id == 'mic_array' and msg.algorithm == 'srp_phat'
        centre = stamp_to_seconds(msg.header.stamp)
        assert min(abs(centre - 0.125 - s) for s in chunk_stamps) < 1e-6  # window start = a chunk's first sample
        assert msg.window.sec == 0 and msg.window.nanosec == 250_000_000
    for msg in active:
        best = msg.bearings[0]
        assert abs(math.degrees(best.azimuth) - AZIMUTH_DEG) <= 10.0
        assert math.isclose(best.direction.x, math.cos(best.azimuth), abs_tol=1e-6)
        assert 0.0 <= best.confidence <= 1.0 and math.isnan(best.range)  # no CDR constant configured
        assert len({b.source_id for b in msg.bearings}) == len(msg.bearings)  # one id per bearing
    # The one source keeps one tracked id (>= 1; 0 would mean untracked) from window to window.
    assert len({msg.bearings[0].source_id for msg in active}) == 1 and active[0].bearings[0].source_id >= 1
    assert node.stats.dropped == {}


def test_bad_chunks_are_counted_dropped_and_the_node_goes_on(doa):
    from savvy_ros.msg import AudioChunk
    from savvy_ros.ros.time_conversion import seconds_to_stamp

    node, executor, got, publisher = doa
    rng = np.random.default_rng(0)

    def chunk(stamp: float, channels: int = 7, rate: int = RATE, frames: int = BLOCK, frame_id: str = 'mic_array',
              data: np.ndarray | None = None) -> AudioChunk:
        msg = AudioChunk(sample_rate=rate, channels=channels)
        msg.header.stamp, msg.header.frame_id = seconds_to_stamp(stamp), frame_id
        msg.data = (data if data is not None else 0.01 * rng.standard_normal(frames * channels)).astype(np.float32)
        return msg

    def send(msg: AudioChunk) -> None:
        publisher.publish(msg)
        time.sleep(0.02)  # keep the order on the wire and spare the best-effort queue

    t = 500.0
    assert spin_until(executor, lambda: publisher.get_subscription_count() >= 2, timeout=10)
    send(chunk(t))
    bad = np.full(BLOCK * 7, 0.01)
    bad[5] = np.nan
    send(chunk(t + 0.125, data=bad))                        # NaN
    send(chunk(t + 0.125, channels=4))                      # wrong channel count
    send(chunk(t + 0.125, frames=0))                        # empty
    send(chunk(t))                                          # duplicated stamp
    send(chunk(t - 1.0))                                    # out of order
    send(chunk(t + 0.125, rate=48000, frames=BLOCK * 3))    # sample-rate change
    send(chunk(t + 0.125, frame_id='camera_optical'))       # not the array's frame
    send(chunk(t + 0.125))                                  # good again: completes a window with the first
    kinds = {'non_finite', 'channel_count', 'empty', 'duplicate_stamp', 'out_of_order', 'sample_rate_change',
             'frame_id'}
    assert spin_until(executor, lambda: set(node.stats.dropped) == kinds and any(
        b.header.stamp.sec == 500 for b in got['bearings']), timeout=15), node.stats.dropped
    assert all(node.stats.dropped[k] == 1 for k in kinds)
    window = next(b for b in got['bearings'] if b.header.stamp.sec == 500)
    assert window.header.stamp.nanosec == 125_000_000  # centre of 500.000 .. 500.250
    assert spin_until(executor, lambda: any(s.level == b'\x01' and 'dropped' in s.message
                                            for d in got['diagnostics'] for s in d.status), timeout=5)
