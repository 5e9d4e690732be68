"""The hearing node over Fast DDS: chunks and bearings from a peer process in, events out."""
from __future__ import annotations

import math

import pytest
import soundfile as sf
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter

from ros_helpers import start_peer, stop_peer, spin_until, wait_for_line

pytestmark = pytest.mark.dds
T0 = 500.0


def test_chunks_in_events_out_with_capture_times_and_bearings(ros_context, speech_and_siren, tmp_path):
    from savvy_ros.msg import AudioEvent, AudioEventArray
    from savvy_ros.nodes.hearing_node import HearingNode
    from savvy_ros.ros.time_conversion import stamp_to_seconds

    clip, rate, speech, sound = speech_and_siren
    wav = tmp_path / 'scene.wav'
    sf.write(wav, clip, rate)
    node = HearingNode(context=ros_context, parameter_overrides=[Parameter('stall_timeout', value=1.0)])
    listener = Node('hearing_test_listener', context=ros_context)
    received: list = []

    def events() -> list:
        return [e for msg in received for e in msg.events]

    listener.create_subscription(AudioEventArray, '/savvy/events', received.append, 50)
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    executor.add_node(listener)
    peer = start_peer('../hearing/audio_peer.py', str(wav), str(T0), str(speech.start), str(speech.end),
                      str(sound.start), str(sound.end))
    try:
        wait_for_line(peer, 'PEER MATCHED')
        assert spin_until(executor, lambda: len(events()) >= 2, timeout=60.0), events()
        spin_until(executor, lambda: False, timeout=0.5)  # nothing else should follow
    finally:
        output = stop_peer(peer)
        executor.shutdown()
        node.destroy_node()
        listener.destroy_node()
    assert 'PEER DONE' in output, output
    all_events = events()
    assert [e.kind for e in all_events] == [AudioEvent.KIND_SPEECH, AudioEvent.KIND_SOUND]
    said, heard = all_events
    assert abs(stamp_to_seconds(said.start) - (T0 + speech.start)) < 0.3
    assert abs(stamp_to_seconds(said.end) - (T0 + speech.end)) < 0.3
    assert 'living room' in said.text.lower() and said.labels == ['Speech']
    assert abs(stamp_to_seconds(heard.start) - (T0 + sound.start)) < 0.3
    assert abs(stamp_to_seconds(heard.end) - (T0 + sound.end)) < 0.3
    assert {'Siren', 'Alarm'} & set(heard.labels) and len(heard.scores) == len(heard.labels) == 3
    assert said.has_bearing and said.azimuth == pytest.approx(0.6, abs=0.01)
    assert heard.has_bearing and heard.azimuth == pytest.approx(-1.2, abs=0.01)
    assert said.bearing_frame_id == heard.bearing_frame_id == 'mic_array'
    assert math.isfinite(said.azimuth_spread) and said.azimuth_spread < 0.05
    assert len({said.id, heard.id}) == 2 and min(said.id, heard.id) > 0
    for msg in received:
        assert msg.header.frame_id == 'mic_array'
        assert stamp_to_seconds(msg.header.stamp) >= max(stamp_to_seconds(e.end) for e in msg.events) - 1e-6
    assert node.dropped['channel_mismatch'] == 1 and node.dropped['bad_bearing'] == 1


def test_a_missing_model_file_is_a_configuration_error_naming_it(ros_context, tmp_path):
    from savvy_ros.nodes.hearing_node import HearingNode

    missing = tmp_path / 'my_yamnet.onnx'
    with pytest.raises(FileNotFoundError, match='my_yamnet.onnx'):
        HearingNode(context=ros_context,
                    parameter_overrides=[Parameter('yamnet_model_path', value=str(missing))])


def test_the_mic_array_parameter_gives_the_transcriber_a_beam_on_that_geometry(ros_context):
    from savvy_ros.nodes.hearing_node import HearingNode

    node = HearingNode(context=ros_context, parameter_overrides=[Parameter('mic_array', value='aria')])
    try:
        assert node.stream.steering_array is not None and node.stream.steering_array.num_channels == 7
    finally:
        node.destroy_node()
    with pytest.raises(FileNotFoundError, match='no_such_array'):
        HearingNode(context=ros_context, parameter_overrides=[Parameter('mic_array', value='no_such_array')])
