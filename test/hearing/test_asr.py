"""Whisper transcripts with n-best alternatives (the best one is what faster-whisper's transcribe()
gives), biased toward a prompt, and the encoder's output kept for reading a segment again."""
from __future__ import annotations

import re

import numpy as np
import pytest

from savvy_ros.hearing.asr import Transcript, WhisperTranscriber
from savvy_ros.hearing.model_files import whisper_model_dir
from savvy_ros.hearing.resample import MODEL_RATE
from savvy_ros.hearing.synthetic import espeak, espeak_available
from savvy_ros.hearing.word_errors import word_errors

pytestmark = pytest.mark.skipif(not espeak_available(), reason='espeak-ng is not installed')


@pytest.fixture(scope='module')
def transcribers():
    """With Whisper's full 30 s window, as faster-whisper's transcribe() encodes, which some tests compare to."""
    return (WhisperTranscriber(whisper_model_dir(), alternatives=2, min_window=30.0),
            WhisperTranscriber(whisper_model_dir(), alternatives=0, min_window=30.0))


def noisy_sentence(text: str, snr_db: float, seed: int) -> np.ndarray:
    """Speech in white noise: hard enough for tiny.en that its beam holds different readings."""
    rng = np.random.default_rng(seed)
    speech = espeak(text, MODEL_RATE)
    clip = np.zeros(len(speech) + MODEL_RATE // 2)
    clip[MODEL_RATE // 4:MODEL_RATE // 4 + len(speech)] = speech
    noise = rng.standard_normal(len(clip)) * np.sqrt(np.mean(speech ** 2) / 10 ** (snr_db / 10))
    return (clip + noise).astype(np.float32)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


@pytest.mark.parametrize('text, snr_db, seed', [
    ('Great, send it to me before lunch.', 0.0, 1),
    ('The water is boiling, time to make the pasta.', -3.0, 2),
    ('Could you open the door for him, please?', 20.0, 3),
])
def test_the_best_transcript_is_transcribes_and_the_alternatives_are_other_readings(transcribers, text, snr_db, seed):
    n_best, best_only = transcribers
    clip = noisy_sentence(text, snr_db, seed)
    heard = n_best(clip)
    transcribed = best_only._transcribe(clip)   # faster-whisper's own transcribe()
    assert (heard.text, round(heard.confidence, 6)) == (transcribed.text, round(transcribed.confidence, 6))
    assert best_only(clip) == transcribed
    assert best_only(clip).alternatives == ()
    assert len(heard.alternatives) <= 2
    readings = [tuple(words(t)) for t in [heard.text, *heard.alternatives]]
    assert len(set(readings)) == len(readings) and all(readings)   # distinct in their words, none empty
    assert n_best(clip) == heard                                   # the same audio, the same list


def test_noisy_speech_keeps_readings_the_best_one_lost(transcribers):
    n_best, _ = transcribers
    heard = n_best(noisy_sentence('Great, send it to me before lunch.', 0.0, 1))
    assert heard.alternatives   # a hard clip: the beam holds more than one reading
    assert set(words(' '.join(heard.alternatives))) - set(words(heard.text))


def test_no_speech_is_an_empty_transcript(transcribers):
    n_best, _ = transcribers
    silence = (1e-4 * np.random.default_rng(0).standard_normal(2 * MODEL_RATE)).astype(np.float32)
    assert n_best(silence) == Transcript('', 0.0)


def test_a_segment_longer_than_whispers_window_gets_the_best_transcript_only(transcribers):
    n_best, best_only = transcribers
    speech = espeak('Please close the window in the living room.', MODEL_RATE)
    clip = np.zeros(31 * MODEL_RATE, np.float32)
    clip[MODEL_RATE:MODEL_RATE + len(speech)] = speech
    heard = n_best(clip)
    assert 'living room' in heard.text.lower() and heard.alternatives == () and heard == best_only(clip)


def test_a_negative_count_of_alternatives_is_refused():
    with pytest.raises(ValueError, match='alternatives'):
        WhisperTranscriber(whisper_model_dir(), alternatives=-1)


@pytest.mark.parametrize('snr_db, seed', [(0.0, 0), (0.0, 2), (-2.0, 2)])
def test_expecting_the_topic_the_recogniser_hears_its_word_and_no_other_topics(transcribers, snr_db, seed):
    n_best, _ = transcribers
    clip = noisy_sentence('Can you pass me the salt from the shelf?', snr_db, seed)
    first = n_best(clip)
    assert 'salt' not in words(' '.join([first.text, *first.alternatives]))   # misheard unbiased
    expecting = n_best(clip, prompt='asking for the salt')
    assert 'salt' in words(expecting.text) and expecting.alternatives == ()
    # Told to expect something that was not said, it does not write that in.
    assert 'thursday' not in words(n_best(clip, prompt='proposing a thursday meeting').text)
    assert n_best(clip, prompt='asking for the salt') == expecting   # deterministic


def test_the_encoder_output_is_kept_for_reading_a_segment_again():
    cached = WhisperTranscriber(whisper_model_dir(), alternatives=2, encoder_cache=2)
    uncached = WhisperTranscriber(whisper_model_dir(), alternatives=2, encoder_cache=0)
    clips = [noisy_sentence('Dinner will be ready in ten minutes.', 0.0, seed) for seed in range(3)]
    encoded = cached._encode(clips[0])
    assert cached._encode(clips[0].copy()) is encoded          # the same samples: no second encoding
    for clip in clips:
        assert cached(clip) == uncached(clip)
        assert cached(clip, prompt='estimating dinner time') == uncached(clip, prompt='estimating dinner time')
    assert len(cached._encoded) == 2 and cached._encode(clips[0]) is not encoded   # the oldest went first
    assert uncached._encoded == {}
    with pytest.raises(ValueError, match='encoder_cache'):
        WhisperTranscriber(whisper_model_dir(), encoder_cache=-1)


def test_the_encoder_window_is_the_segment_and_two_seconds_at_least_min_window_at_most_30_s():
    short = WhisperTranscriber(whisper_model_dir(), min_window=15.0)
    assert [short.window_frames(f) for f in (300, 1299, 1300, 1301, 2799, 2800, 2999)] == \
        [1500, 1500, 1500, 1502, 3000, 3000, 3000]   # even frame counts, 30 s at most
    full = WhisperTranscriber(whisper_model_dir(), min_window=30.0)
    assert {full.window_frames(f) for f in (1, 300, 2999)} == {3000}   # Whisper's own window, as before
    for bad in (0.5, 31.0):
        with pytest.raises(ValueError, match='min_window'):
            WhisperTranscriber(whisper_model_dir(), min_window=bad)


SENTENCES = ['The dog is sleeping under the table', 'I will put the keys on the shelf near the door',
             'Can you turn off the television', 'Someone is knocking at the front door']


def test_a_15_s_window_loses_no_words_the_full_window_hears():
    short = WhisperTranscriber(whisper_model_dir(), min_window=15.0, alternatives=0)
    full = WhisperTranscriber(whisper_model_dir(), min_window=30.0, alternatives=0)
    clips = [noisy_sentence(text, 10.0, seed) for seed, text in enumerate(SENTENCES)]
    assert np.asarray(short._encode(clips[0])).shape[1] == 750 and np.asarray(full._encode(clips[0])).shape[1] == 1500
    short_errors = sum(word_errors(text, short(clip).text) for text, clip in zip(SENTENCES, clips))
    full_errors = sum(word_errors(text, full(clip).text) for text, clip in zip(SENTENCES, clips))
    assert short_errors <= full_errors   # measured: 7 and 13 of 31 words (10 dB white noise)


def test_a_reading_toward_a_prompt_takes_whispers_full_window():
    """Prompted readings are made when a question asks, not as the audio comes: they can afford 30 s."""
    transcriber = WhisperTranscriber(whisper_model_dir(), min_window=15.0, encoder_cache=4)
    clip = noisy_sentence('Please close the window in the living room.', 20.0, 1)
    transcriber(clip)
    transcriber(clip, prompt='closing the window')
    transcriber(clip, prompt='the living room')   # the same window again: from the cache
    assert sorted(np.asarray(encoded).shape[1] for encoded in transcriber._encoded.values()) == [750, 1500]
