"""Shared, loaded-once models and synthetic clips for the hearing tests."""
from __future__ import annotations

import numpy as np
import pytest

from savvy_ros.hearing.synthetic import espeak_available


@pytest.fixture(scope='session')
def models():
    from savvy_ros.hearing import load_models
    return load_models()


@pytest.fixture(scope='session')
def models_no_asr(models):
    from dataclasses import replace
    return replace(models, transcriber=None)


@pytest.fixture(scope='session')
def speech_and_siren():
    """48 kHz mono: speech from 1.0 s, a siren from `siren_start`; plus the truth."""
    if not espeak_available():
        pytest.skip('espeak-ng is not installed')
    from savvy_ros.hearing.synthetic import espeak, make_sound, place
    rate = 48000
    rng = np.random.default_rng(7)
    clip = 1e-4 * rng.standard_normal(9 * rate)
    speech = place(clip, espeak('Please close the window in the living room', rate), 1.0, rate)
    sound = place(clip, make_sound('siren', rate, rng, 2.0), 5.5, rate)
    return clip.astype(np.float32), rate, speech, sound
