"""The synthesised sounds sound like the real thing, as YAMNet (AudioSet) hears them: for fixed
seeds, a class that counts as right for the kind (AUDIOSET_CLASSES) is among the top 3 of YAMNet's
mean scores over the sound, dry, leaving out the classes the hearing stage never reports."""
from __future__ import annotations

import numpy as np
import pytest

from savvy_ros.hearing.errors import ModelFileError, ModelPackageMissingError
from savvy_ros.hearing.log_mel import PATCH_SAMPLES, SAMPLE_RATE, PatchStream
from savvy_ros.hearing.sound_events import DEFAULT_IGNORED_LABELS
from savvy_ros.synth.scene import SOUND_KINDS
from savvy_ros.synth.sounds import AUDIOSET_CLASSES, synthesise_sound

SEEDS = (0, 1, 2, 3)
SECONDS = 2.5


@pytest.fixture(scope='module')
def tagger():
    from savvy_ros.hearing.model_files import yamnet_files
    from savvy_ros.hearing.yamnet import YamnetTagger
    try:
        return YamnetTagger(yamnet_files())
    except (ModelPackageMissingError, ModelFileError) as exc:
        pytest.skip(f'YAMNet is not available: {exc}')


def top3(tagger, kind: str, seed: int) -> list[str]:
    """Top 3 reported classes of the mean scores of the patches at least half covered by the sound."""
    sound = synthesise_sound(kind, SECONDS, SAMPLE_RATE, np.random.default_rng(seed)).astype(float)
    lead = SAMPLE_RATE // 4
    clip = np.concatenate([np.zeros(lead), sound, np.zeros(SAMPLE_RATE)])
    end = lead + sound.size
    patches = [p for p in PatchStream().push(clip)
               if min(p.start_sample + PATCH_SAMPLES, end) - max(p.start_sample, lead) >= PATCH_SAMPLES / 2]
    mean = np.mean([tagger(p.log_mel) for p in patches], axis=0)
    names = tagger.class_names
    order = [i for i in np.argsort(-mean, kind='stable') if names[i] not in DEFAULT_IGNORED_LABELS]
    return [names[i] for i in order[:3]]


def test_every_kind_names_real_audioset_classes(tagger) -> None:
    assert set(AUDIOSET_CLASSES) == set(SOUND_KINDS)
    unknown = {c for classes in AUDIOSET_CLASSES.values() for c in classes} - set(tagger.class_names)
    assert not unknown


@pytest.mark.parametrize('kind', ['bark', 'clap', 'footsteps', 'ring', 'siren'])   # knock: see sounds.knock
def test_yamnet_hears_the_sound_as_what_it_is(tagger, kind: str) -> None:
    heard = {seed: top3(tagger, kind, seed) for seed in SEEDS}
    right = [seed for seed, labels in heard.items() if set(labels) & set(AUDIOSET_CLASSES[kind])]
    assert len(right) >= len(SEEDS) - 1, f'{kind}: right in {len(right)}/{len(SEEDS)} seeds; heard {heard}'
