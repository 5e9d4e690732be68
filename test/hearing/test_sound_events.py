import numpy as np
import pytest

from savvy_ros.hearing.log_mel import HOP, PATCH_HOP_FRAMES, PATCH_SAMPLES, PatchStream, Patch
from savvy_ros.hearing.resample import StreamingResampler
from savvy_ros.hearing.sound_events import SoundConfig, SoundEventBuilder, frame_levels_db

NAMES = ['Speech', 'Silence', 'Siren', 'Alarm', 'Knock', 'Music']
LOUD = np.full((96, 64), np.log(0.5))     # about -10 dBFS in every frame
QUIET = np.full((96, 64), np.log(0.001))  # digital silence


def scores(**named: float) -> np.ndarray:
    out = np.full(len(NAMES), 0.01)
    for name, value in named.items():
        out[NAMES.index(name)] = value
    return out


def patch(index: int, log_mel: np.ndarray = LOUD) -> Patch:
    return Patch(index, index * PATCH_HOP_FRAMES * HOP, log_mel)


def builder(**config) -> SoundEventBuilder:
    return SoundEventBuilder(NAMES, SoundConfig(ignored_labels=('Speech', 'Silence'), **config))


def test_runs_of_active_patches_become_one_event_with_mean_scores():
    b = builder()
    spans = []
    for i, s in enumerate([scores(Silence=0.9), scores(Siren=0.6, Alarm=0.7), scores(Siren=0.8, Alarm=0.5),
                           scores(Silence=0.9)]):
        spans += b.push(patch(i, LOUD if 0 < i < 3 else QUIET), s)
    assert len(spans) == 1
    span = spans[0]
    assert span.labels[:2] == ['Siren', 'Alarm'] and span.scores[0] == pytest.approx(0.7)
    assert span.start_sample == 1 * PATCH_HOP_FRAMES * HOP
    assert span.end_sample == 2 * PATCH_HOP_FRAMES * HOP + PATCH_SAMPLES


def test_speech_and_quiet_patches_are_not_sounds():
    b = builder()
    assert b.push(patch(0), scores(Speech=0.99)) == []
    assert b.push(patch(1, np.full((96, 64), np.log(0.001 + 1e-5))), scores(Knock=0.9)) == []
    assert b.flush() == []


def test_a_lasting_change_of_sound_splits_but_a_ragged_edge_does_not():
    b = builder()
    sequence = [scores(Siren=0.8), scores(Siren=0.8), scores(Knock=0.6),  # one odd patch: absorbed
                scores(Siren=0.8), scores(Music=0.9), scores(Music=0.9), scores(Music=0.9)]
    spans = [s for i, sc in enumerate(sequence) for s in b.push(patch(i), sc)] + b.flush()
    assert [s.labels[0] for s in spans] == ['Siren', 'Music']
    assert spans[1].start_sample == 4 * PATCH_HOP_FRAMES * HOP


def test_long_sounds_are_cut_at_the_maximum_duration():
    b = builder(max_duration=2.0)
    spans = [s for i in range(12) for s in b.push(patch(i), scores(Music=0.9))] + b.flush()
    assert len(spans) >= 2 and all(s.labels[0] == 'Music' for s in spans)


def test_unknown_ignored_labels_are_a_configuration_error():
    with pytest.raises(ValueError, match='Nope'):
        SoundEventBuilder(NAMES, SoundConfig(ignored_labels=('Nope',)))


def test_frame_levels_are_about_dbfs():
    from savvy_ros.hearing.log_mel import log_mel_frames
    noise = np.random.default_rng(0).standard_normal(16000) * 0.01  # -40 dBFS
    assert frame_levels_db(log_mel_frames(noise)).mean() == pytest.approx(-40, abs=1.5)


def test_yamnet_tags_a_synthesised_siren(models, speech_and_siren):
    clip, rate, speech, sound = speech_and_siren
    audio = StreamingResampler(rate).process(clip)
    stream = PatchStream()
    patches = stream.push(audio) + stream.flush()
    b = SoundEventBuilder(models.tagger.class_names)
    spans = [s for p in patches for s in b.push(p, models.tagger(p.log_mel))] + b.flush()
    assert len(spans) == 1, spans  # speech is not a sound event; the siren is one
    span = spans[0]
    assert {'Siren', 'Alarm'} & set(span.labels)
    assert abs(span.start_sample / 16000 - sound.start) < 0.3
    assert abs(span.end_sample / 16000 - sound.end) < 0.3
