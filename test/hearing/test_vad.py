import numpy as np

from savvy_ros.hearing.resample import StreamingResampler
from savvy_ros.hearing.vad import FRAME, SegmenterConfig, SileroVad, SpeechSegmenter

SECONDS_PER_FRAME = FRAME / 16000


def frames(pattern: str) -> np.ndarray:
    """'s' = speech frame (p = 0.9), '.' = silence (p = 0.05)."""
    return np.array([0.9 if c == 's' else 0.05 for c in pattern])


def test_segments_follow_the_hysteresis_and_drop_short_blips():
    segmenter = SpeechSegmenter(SegmenterConfig(min_speech=0.25, min_silence=0.3, speech_pad=0.0))
    probs = frames('..' + 's' * 20 + '.' * 12 + 's' * 3 + '.' * 12)
    spans = segmenter.push(probs) + segmenter.flush()
    assert len(spans) == 1  # the 3-frame (96 ms) blip is dropped
    assert spans[0].start_sample == 2 * FRAME and spans[0].end_sample == 22 * FRAME
    assert spans[0].mean_probability > 0.5


def test_a_segment_open_at_the_end_is_closed_by_flush_and_long_speech_is_cut():
    segmenter = SpeechSegmenter(SegmenterConfig(max_duration=1.0, speech_pad=0.0))
    spans = segmenter.push(frames('s' * 80))
    assert len(spans) == 2 and all(s.end_sample - s.start_sample <= 16000 + FRAME for s in spans)
    assert spans[1].start_sample == spans[0].end_sample
    tail = segmenter.flush()
    assert len(tail) == 1 and tail[0].end_sample == 80 * FRAME


def test_the_result_does_not_depend_on_how_probabilities_are_batched():
    probs = frames('...' + 's' * 30 + '.' * 15 + 's' * 25 + '.' * 20)
    one = SpeechSegmenter()
    whole = one.push(probs) + one.flush()
    two = SpeechSegmenter()
    pieces = [s for i in range(0, probs.size, 7) for s in two.push(probs[i:i + 7])] + two.flush()
    assert whole == pieces and len(whole) == 2


def test_silero_hears_espeak_speech_and_not_silence(models, speech_and_siren):
    clip, rate, speech, sound = speech_and_siren
    audio = StreamingResampler(rate).process(clip)
    vad = SileroVad(models.vad_session)
    probs = vad.push(audio[: audio.size // 3])
    probs = np.concatenate([probs, vad.push(audio[audio.size // 3:])])
    t = (np.arange(probs.size) + 0.5) * SECONDS_PER_FRAME
    inside = (t > speech.start + 0.3) & (t < speech.end - 0.3)
    silent = (t < speech.start - 0.2) | ((t > speech.end + 0.5) & (t < sound.start - 0.2))
    assert np.mean(probs[inside] > 0.5) > 0.8
    assert np.all(probs[silent] < 0.2)
    # Same stream fed again from the start gives the same probabilities (state carried, then reset).
    vad.reset()
    np.testing.assert_allclose(vad.push(audio)[:probs.size], probs, atol=1e-5)
