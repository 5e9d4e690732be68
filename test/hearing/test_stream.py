"""The chunk stream: chunking, capture times, gaps, restarts, and bad input counted and dropped."""
import math

import numpy as np
import pytest
from plane_waves import plane_wave

from savvy_ros.audio.mic_arrays import load_mic_array
from savvy_ros.hearing import ChunkRejected, HearingPipeline, HearingStream, StreamConfig
from savvy_ros.hearing.events import SOUND, SPEECH
from savvy_ros.hearing.files import hear_array

T0 = 1000.0


def feed(stream, clip, rate, chunk_seconds, channels=2):
    return hear_array(stream, np.repeat(clip[:, None], channels, axis=1), rate, chunk_seconds, T0)


def kinds(events):
    return [(e.kind, round(e.start, 4), round(e.end, 4), tuple(e.labels)) for e in events]


def test_events_carry_capture_times_and_do_not_depend_on_chunking(models_no_asr, speech_and_siren):
    clip, rate, speech, sound = speech_and_siren
    a = feed(HearingStream(HearingPipeline(models_no_asr)), clip, rate, 0.1)
    b = feed(HearingStream(HearingPipeline(models_no_asr)), clip, rate, 0.037, channels=1)
    assert kinds(a) == kinds(b)
    assert [e.kind for e in a] == [SPEECH, SOUND]
    assert abs(a[0].start - (T0 + speech.start)) < 0.3 and abs(a[0].end - (T0 + speech.end)) < 0.3
    assert abs(a[1].start - (T0 + sound.start)) < 0.3 and abs(a[1].end - (T0 + sound.end)) < 0.3


def test_with_the_array_geometry_the_transcriber_hears_the_steered_beam(models, speech_and_siren):
    clip, rate, speech, sound = speech_and_siren
    aria = load_mic_array('aria')
    rng = np.random.default_rng(3)
    arriving = plane_wave(clip, np.asarray(aria.positions), math.radians(100.0), rate)
    arriving += 1e-4 * rng.standard_normal(arriving.shape)   # each microphone its own hiss, as quiet as the clip's
    stream = HearingStream(HearingPipeline(models), steering_array=aria)
    events = hear_array(stream, arriving, rate, 0.1, T0)
    # VAD and tagging hear the channel average either way: the same segments and tags, sample for sample.
    plain = hear_array(HearingStream(HearingPipeline(models)), arriving, rate, 0.1, T0)
    assert kinds(events) == kinds(plain)
    assert [e.kind for e in events] == [SPEECH, SOUND]
    assert abs(events[0].start - (T0 + speech.start)) < 0.3 and abs(events[0].end - (T0 + speech.end)) < 0.3
    assert abs(events[1].start - (T0 + sound.start)) < 0.3 and abs(events[1].end - (T0 + sound.end)) < 0.3
    assert 'living room' in events[0].text.lower()
    with pytest.raises(ChunkRejected, match="steering array 'aria' has 7 microphones"):
        stream.push(T0 + 100.0, rate, 2, np.zeros(2 * 4800, dtype=np.float32))
    assert stream.rejected['channel_mismatch'] == 1


def test_speech_events_are_transcribed_the_same_way_every_time(models, speech_and_siren):
    clip, rate, _, _ = speech_and_siren
    events = feed(HearingStream(HearingPipeline(models)), clip[:int(4.5 * rate)], rate, 0.25)
    again = feed(HearingStream(HearingPipeline(models)), clip[:int(4.5 * rate)], rate, 0.1)
    assert [e.to_json_dict() for e in events] == [e.to_json_dict() for e in again]
    (speech,) = [e for e in events if e.kind == SPEECH]
    text = speech.text.lower()
    assert text.startswith('please close the') and 'living room' in text
    assert 0 < speech.confidence <= 1 and speech.labels == ['Speech']


def _chunk(rate=16000, channels=1, seconds=0.1, value=0.0):
    return np.full(int(rate * seconds) * channels, value, dtype=np.float32)


@pytest.mark.parametrize('args, kind', [
    ((16000, 2, _chunk()[:-1]), 'channel_mismatch'),
    ((16000, 1, np.zeros(0, dtype=np.float32)), 'empty'),
    ((16000, 1, np.array([0.0, np.nan] * 800, dtype=np.float32)), 'non_finite'),
    ((16000, 1, np.array([0.0, np.inf] * 800, dtype=np.float32)), 'non_finite'),
    ((16000, 0, _chunk()), 'bad_format'),
])
def test_bad_chunks_are_counted_and_dropped(models_no_asr, args, kind):
    stream = HearingStream(HearingPipeline(models_no_asr))
    stream.push(T0, 16000, 1, _chunk())
    with pytest.raises(ChunkRejected) as info:
        stream.push(T0 + 0.1, *args)
    assert info.value.kind == kind and stream.rejected[kind] == 1
    stream.push(T0 + 0.1, 16000, 1, _chunk())  # the stream goes on where it was
    assert stream.time == pytest.approx(T0 + 0.2, abs=0.01)


def test_duplicate_and_reordered_chunks_are_dropped(models_no_asr):
    stream = HearingStream(HearingPipeline(models_no_asr))
    stream.push(T0, 16000, 1, _chunk())
    stream.push(T0 + 0.1, 16000, 1, _chunk())
    for stamp in (T0 + 0.1, T0):
        with pytest.raises(ChunkRejected, match='before the expected'):
            stream.push(stamp, 16000, 1, _chunk())
    assert stream.rejected['out_of_order'] == 2


def test_a_reference_channel_beyond_the_chunk_is_rejected(models_no_asr):
    stream = HearingStream(HearingPipeline(models_no_asr), StreamConfig(reference_channel=3))
    with pytest.raises(ChunkRejected, match='reference channel 3'):
        stream.push(T0, 16000, 2, _chunk(channels=2))


def test_small_gaps_are_filled_and_long_ones_or_format_changes_restart(models_no_asr, speech_and_siren):
    clip, rate, speech, _ = speech_and_siren
    stream = HearingStream(HearingPipeline(models_no_asr), StreamConfig(max_gap_fill=1.0))
    part = clip[:int(0.5 * rate)]
    stream.push(T0, rate, 1, part)
    stream.push(T0 + 0.8, rate, 1, part)  # 0.3 s lost: silence keeps the time base
    assert stream.restarts == 0 and stream.time == pytest.approx(T0 + 1.3, abs=0.01)
    # Speech in progress, then a 5 s jump: the open segment is closed at the old stream's end.
    speech_part = clip[int(speech.start * rate):int((speech.start + 1.0) * rate)]
    stream.push(T0 + 1.3, rate, 1, speech_part)
    closed = stream.push(T0 + 7.3, rate, 1, part)
    assert stream.restarts == 1 and [e.kind for e in closed] == [SPEECH]
    assert closed[0].end <= T0 + 2.3 + 1e-6 and stream.time == pytest.approx(T0 + 7.8, abs=0.01)
    stream.push(T0 + 7.8, 16000, 1, _chunk())  # a new rate restarts too
    assert stream.restarts == 2 and stream.time == pytest.approx(T0 + 7.9, abs=0.01)


def test_the_transcriber_stream_must_keep_step_with_the_models_stream(models_no_asr):
    pipeline = HearingPipeline(models_no_asr)
    with pytest.raises(ValueError, match='asr_samples has 1599 samples, the stream 1600'):
        pipeline.push(np.zeros(1600, np.float32), np.zeros(1599, np.float32))
