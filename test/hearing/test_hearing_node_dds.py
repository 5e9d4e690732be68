"""The hearing node over Fast DDS: chunks and bearings from a peer process in, events out; the kept
speech transcribed again on request (TranscribeSpeech)."""
from __future__ import annotations

import math

import pytest
import soundfile as sf
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.parameter import Parameter

from ros_helpers import spin_until, spinning_in_background, start_peer, stop_peer, wait_for_line

pytestmark = pytest.mark.dds
T0 = 500.0


def test_chunks_in_events_out_with_capture_times_and_bearings(ros_context, speech_and_siren, tmp_path):
    from savvy_ros.msg import AudioEvent, AudioEventArray
    from savvy_ros.nodes.hearing_node import HearingNode
    from savvy_ros.ros.time_conversion import seconds_to_stamp, stamp_to_seconds
    from savvy_ros.srv import TranscribeSpeech

    clip, rate, speech, sound = speech_and_siren
    wav = tmp_path / 'scene.wav'
    sf.write(wav, clip, rate)
    node = HearingNode(context=ros_context, parameter_overrides=[Parameter('stall_timeout', value=1.0)])
    listener = Node('hearing_test_listener', context=ros_context)
    received: list = []

    def events() -> list:
        return [e for msg in received for e in msg.events]

    listener.create_subscription(AudioEventArray, '/savvy/events', received.append, 50)
    transcribe = listener.create_client(TranscribeSpeech, '/savvy/hearing/transcribe')

    def heard_again(prompt: str, starts: list[float], ends: list[float]) -> TranscribeSpeech.Response:
        future = transcribe.call_async(TranscribeSpeech.Request(
            prompt=prompt, window_starts=[seconds_to_stamp(t) for t in starts],
            window_ends=[seconds_to_stamp(t) for t in ends]))
        assert spin_until(executor, future.done, timeout=30.0)
        return future.result()

    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)
    executor.add_node(listener)
    peer = start_peer('../hearing/audio_peer.py', str(wav), str(T0), str(speech.start), str(speech.end),
                      str(sound.start), str(sound.end))
    try:
        wait_for_line(peer, 'PEER MATCHED')
        assert spin_until(executor, lambda: len(events()) >= 2, timeout=60.0), events()
        spin_until(executor, lambda: False, timeout=0.5)  # nothing else should follow
        speech_window = (T0 + speech.start, T0 + speech.end)
        again = heard_again('closing the window', [speech_window[0], T0 + 8.5], [speech_window[1], T0 + 8.9])
        mismatched = heard_again('closing the window', [speech_window[0]], [])
        backwards = heard_again('', [speech_window[1]], [speech_window[0]])
        # The QA node's client: it blocks its caller while its own thread takes the answer.
        from savvy_ros.nodes.qa_node import HearingRetranscriber
        asked, absent = HearingRetranscriber(listener, '/savvy/hearing/transcribe', 30.0), \
            HearingRetranscriber(listener, '/no/such/service', 30.0)
        with spinning_in_background(executor):
            asked.client.wait_for_service(timeout_sec=10.0)
            via_client = asked('closing the window', [speech_window, (T0 + 8.5, T0 + 8.9)])
            without_service = absent('closing the window', [speech_window])
        asked.close()
        absent.close()
        # A client whose thread no longer spins cannot get an answer: it counts a failure at once.
        after_close = asked('closing the window', [speech_window])
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
    # The speech's audio was kept: heard again toward a prompt; nothing kept where nobody spoke.
    assert again.success and list(again.kept) == [True, False]
    assert 'window' in again.transcripts[0].lower() and again.transcripts[1] == ''
    assert 0.0 < again.confidences[0] <= 1.0 and again.confidences[1] == 0.0
    assert not mismatched.success and '1 window start(s) but 0 end(s)' in mismatched.error
    assert not backwards.success and 'ends' in backwards.error and 'before it starts' in backwards.error
    assert via_client == [again.transcripts[0], None] and without_service == [None]
    assert after_close == [None] and asked.failures == 1


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
