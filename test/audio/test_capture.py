"""Capture stamping and the file source, on a recorded (simulated-room) 7-channel FLAC."""
from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile as sf

from savvy_ros.audio.capture import (AudioDeviceUnavailable, AudioFileError, BlockStamper, CaptureClock, FileSource,
                                     LiveInput, list_input_devices, read_audio_file)
from savvy_ros.audio.chunk_stream import ChunkStream
from savvy_ros.audio.mic_arrays import load_mic_array
from savvy_ros.audio.room_simulation import RoomScene, noise_burst, simulate_scene

RATE = 16000


@pytest.fixture(scope='module')
def recording(tmp_path_factory):
    aria = load_mic_array('aria')
    scene = RoomScene((7.0, 6.0, 3.0), 0.4, (3.5, 3.0, 1.5), (math.radians(30.0),), (2.0,), 20.0)
    samples = simulate_scene(aria, scene, [noise_burst(1.0, RATE, np.random.default_rng(0))], RATE)
    path = tmp_path_factory.mktemp('rec') / 'aria.flac'
    sf.write(str(path), samples, RATE, subtype='PCM_24')
    return path, samples


def test_file_source_chunks_and_stamps_every_sample(recording):
    path, samples = recording
    source = FileSource(path, block_size=1000, channels=7)
    assert source.sample_rate == RATE and source.frames == samples.shape[0]
    blocks = list(source.blocks(start_stamp=50.0, first_sequence=10))
    assert [b.sequence for b in blocks] == list(range(10, 10 + len(blocks)))
    assert [b.stamp for b in blocks] == pytest.approx([50.0 + 1000 * i / RATE for i in range(len(blocks))])
    joined = np.vstack([b.samples for b in blocks])
    np.testing.assert_allclose(joined, samples, atol=2.0 ** -22)  # 24-bit FLAC round trip
    data, rate = read_audio_file(path)
    assert rate == RATE and data.shape == samples.shape


def test_file_source_errors_name_the_file(tmp_path, recording):
    with pytest.raises(AudioFileError, match='expected 4'):
        FileSource(recording[0], block_size=100, channels=4)
    junk = tmp_path / 'junk.wav'
    junk.write_bytes(b'RIFF not really audio')
    with pytest.raises(AudioFileError, match='junk.wav'):
        FileSource(junk, block_size=100)
    with pytest.raises(AudioFileError, match='missing.flac'):
        read_audio_file(tmp_path / 'missing.flac')


def test_capture_clock_follows_adc_time_through_jitter_drift_and_an_overrun():
    # A device whose stream clock runs 50 ppm fast and starts 1000 s behind ROS time; callbacks
    # arrive 1-8 ms late; 10 blocks are lost to an overrun half way.
    rng = np.random.default_rng(1)
    rate, frames = 48000, 480
    clock = CaptureClock(rate)
    errors, truth_first = [], 2000.0
    for block in range(600):
        index = block + (10 if block >= 300 else 0)
        truth = truth_first + index * frames / rate            # ROS time of the first sample
        adc = (truth - 1000.0) * (1.0 + 50e-6)                 # stream clock at that instant
        delay = (frames / rate) + rng.uniform(0.001, 0.008)    # callback after the block ends
        ros_now = truth + delay
        stream_now = (ros_now - 1000.0) * (1.0 + 50e-6)
        errors.append(clock.stamp(frames, ros_now, adc, stream_now) - truth)
    errors = np.abs(np.array(errors[20:]))
    assert clock.resyncs == 1  # the overrun
    assert errors.max() < 0.0015  # within 1.5 ms of the true capture time throughout


def test_device_blocks_of_a_recording_become_windows_at_their_capture_times(recording):
    """The recording played through the callback path as a device delivers it: 320-frame blocks,
    late callbacks, a 10-block overrun; the windows must start at the true capture times."""
    path, samples = recording
    rng = np.random.default_rng(2)
    stamper = BlockStamper(CaptureClock(RATE))
    stream = ChunkStream(7, window_s=0.1, hop_s=0.1)
    frames, t0 = 320, 1000.0
    windows = []
    for index in range(samples.shape[0] // frames):
        if 20 <= index < 30:
            continue  # lost to the overrun: the next callback reports it
        truth = t0 + index * frames / RATE
        ros_now = truth + frames / RATE + rng.uniform(0.0005, 0.004)
        block = stamper.block(samples[index * frames:(index + 1) * frames], ros_now, truth - 900.0,
                              ros_now - 900.0, overflow=index == 30)
        windows += stream.push(block.samples, 7, RATE, block.stamp, block.sequence)
    assert stamper.overruns == 1 and stamper.clock.resyncs == 1 and stream.gaps == 1
    assert [w.samples.shape[0] for w in windows] == [1600] * len(windows)
    for window in windows:
        first = int(round((window.start - t0) * RATE))  # the recorded sample the stamp claims
        assert abs(window.start - t0 - first / RATE) < 1e-6
        np.testing.assert_array_equal(window.samples, samples[first:first + 1600])


def test_capture_clock_without_adc_times_falls_back_to_arrival_minus_duration():
    clock = CaptureClock(16000)
    assert clock.stamp(1600, 10.0, adc_time=0.0, stream_now=5.0) == pytest.approx(9.9)
    assert clock.stamp(1600, 10.1004) == pytest.approx(10.0, abs=1e-4)  # on the sample timeline


def test_live_input_without_a_device_says_what_is_missing():
    if list_input_devices():
        pytest.skip('this machine has an audio input device')
    with pytest.raises(AudioDeviceUnavailable, match="no audio input device.*'file'"):
        LiveInput(None, 7, 48000, 4800, sink=lambda block: None, ros_now=lambda: 0.0)
