"""Kept speech audio and its transcripts heard again toward a prompt (what TranscribeSpeech serves)."""
from __future__ import annotations

import re

import numpy as np
import pytest

from savvy_ros.hearing.resample import MODEL_RATE
from savvy_ros.hearing.speech_audio import SpeechAudioStore, SpeechRetranscriber
from savvy_ros.hearing.synthetic import espeak, espeak_available


def tone(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * MODEL_RATE), np.float32)


def test_the_store_keeps_the_newest_speech_up_to_its_duration():
    store = SpeechAudioStore(max_seconds=5.0)
    for k in range(4):   # 2 s each: the oldest two go
        store.add(10.0 * k, 10.0 * k + 2.0, tone(2.0))
    assert len(store) == 2 and store.forgotten == 2 and store.seconds == pytest.approx(4.0)
    assert store.find(0.0, 2.0) is None                  # forgotten
    assert store.find(20.5, 21.0).start == 20.0          # overlapping
    assert store.find(31.0, 31.0).start == 30.0          # a point inside
    assert store.find(25.0, 26.0) is None                # between events
    store.add(31.5, 33.0, tone(1.5))
    assert store.find(31.4, 33.0).start == 31.5          # the most overlapped of two


def test_the_store_refuses_what_is_not_a_speech_segment():
    with pytest.raises(ValueError, match='positive'):
        SpeechAudioStore(0.0)
    store = SpeechAudioStore(10.0)
    with pytest.raises(ValueError, match='finite window'):
        store.add(2.0, 1.0, tone(1.0))
    with pytest.raises(ValueError, match='finite window'):
        store.add(1.0, float('nan'), tone(1.0))
    with pytest.raises(ValueError, match='samples'):
        store.add(1.0, 2.0, np.zeros(0))
    samples = tone(1.0)
    store.add(1.0, 2.0, samples)
    samples[:] = 1.0   # the caller's buffer moves on: the store kept a copy
    assert not store.find(1.0, 2.0).samples.any()


@pytest.mark.skipif(not espeak_available(), reason='espeak-ng is not installed')
def test_kept_speech_is_heard_again_toward_a_prompt_once_per_segment_and_prompt():
    from savvy_ros.hearing.asr import WhisperTranscriber
    from savvy_ros.hearing.model_files import whisper_model_dir

    rng = np.random.default_rng(0)
    speech = espeak('Can you pass me the salt from the shelf?', MODEL_RATE)
    clip = np.zeros(len(speech) + MODEL_RATE // 2)
    clip[MODEL_RATE // 4:MODEL_RATE // 4 + len(speech)] = speech
    clip = (clip + rng.standard_normal(len(clip)) * np.sqrt(np.mean(speech ** 2))).astype(np.float32)  # 0 dB
    store = SpeechAudioStore(60.0)
    store.add(100.0, 103.0, clip)
    store.add(110.0, 112.0, (0.3 * espeak('The snacks are on the round table.', MODEL_RATE)).astype(np.float32))
    again = SpeechRetranscriber(store, WhisperTranscriber(whisper_model_dir()))
    salt, none, table = again('asking for the salt', [(100.5, 102.0), (105.0, 106.0), (110.0, 112.0)])
    assert 'salt' in re.findall(r'[a-z]+', salt.text.lower()) and none is None
    assert 'salt' not in table.text.lower() and 'table' in table.text.lower()
    assert again.decoded == 2
    assert again('  asking  for the salt ', [(100.0, 103.0)]) == [salt]   # cached: same segment, same words
    assert again.decoded == 2
    again('pointing to the snacks', [(100.0, 103.0)])
    assert again.decoded == 3
