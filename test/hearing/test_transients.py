"""Impulsiveness: sounds of impacts told apart from steady ones, in a reverberant, noisy room."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import fftconvolve

from savvy_ros.hearing.log_mel import HOP, Patch, PatchStream, spectral_frames
from savvy_ros.hearing.sound_events import SoundEventBuilder
from savvy_ros.hearing.transients import (IMPULSIVE_SPAN_DB, NOT_IMPULSIVE_DB, band_levels_db, impulsiveness,
                                          onset_rise_db)
from savvy_ros.synth.sounds import synthesise_sound

RATE = 16000


def in_a_room(dry: np.ndarray, rt60: float, snr_db: float, seed: int) -> np.ndarray:
    """Convolved with an exponentially decaying noise tail (RT60), plus white noise at `snr_db`."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(rt60 * RATE)) / RATE
    tail = rng.standard_normal(t.size) * 10.0 ** (-3.0 * t / rt60)   # -60 dB at rt60
    tail[0] = 8.0                                                      # the direct sound
    wet = fftconvolve(dry, tail)[:dry.size]
    noise = rng.standard_normal(wet.size)
    noise *= np.sqrt(np.mean(wet ** 2) / np.mean(noise ** 2) / 10.0 ** (snr_db / 10.0))
    return wet + noise


def impulsiveness_of(kind: str, rt60: float = 0.6, snr_db: float = 10.0, seed: int = 3) -> float:
    heard = in_a_room(synthesise_sound(kind, 2.5, RATE, np.random.default_rng(seed)), rt60, snr_db, seed)
    _, band_db = spectral_frames(heard)
    return impulsiveness(band_db[:, 0], band_db[:, 1])


@pytest.mark.parametrize('kind', ['knock', 'clap', 'footsteps'])
def test_impacts_are_impulsive_in_a_reverberant_noisy_room(kind):
    assert impulsiveness_of(kind) > 0.6


@pytest.mark.parametrize('kind', ['water', 'siren', 'meow'])
def test_steady_sounds_are_not(kind):
    assert impulsiveness_of(kind) < 0.35


def test_background_noise_alone_scores_zero():
    noise = np.random.default_rng(1).standard_normal(2 * RATE) * 0.01
    _, band_db = spectral_frames(noise)
    assert impulsiveness(band_db[:, 0], band_db[:, 1]) == 0.0


def test_onset_rise_is_the_rise_over_the_quietest_recent_frame():
    assert onset_rise_db(np.full(50, -30.0)) == 0.0
    steps = np.full(100, -40.0)
    steps[::10] = -20.0                       # a 20 dB onset every 10 frames, one frame long
    assert onset_rise_db(steps) == pytest.approx(20.0)
    ramp = np.linspace(-60.0, -20.0, 100)     # 40 dB over a second: no onset
    assert onset_rise_db(ramp) < 3.0


def test_the_mapping_to_the_unit_interval():
    levels = np.full(100, -40.0)
    levels[::10] = -40.0 + NOT_IMPULSIVE_DB + IMPULSIVE_SPAN_DB / 2
    assert impulsiveness(levels, np.full(100, -50.0)) == pytest.approx(0.5)
    assert impulsiveness(levels[:5], levels[:5]) == 0.0      # too short to tell


def test_patches_carry_band_levels_and_without_them_the_mel_bands_stand_in():
    heard = in_a_room(synthesise_sound('knock', 2.0, RATE, np.random.default_rng(0)), 0.4, 15.0, 0)
    stream = PatchStream()
    patches = stream.push(heard) + stream.flush()
    assert all(p.band_db is not None and p.band_db.shape == (p.log_mel.shape[0], 2) for p in patches)
    whole, high = band_levels_db(patches[0])
    np.testing.assert_allclose(whole, spectral_frames(heard[:patches[0].log_mel.shape[0] * HOP + 240])[1][:, 0])
    approximate = band_levels_db(Patch(patches[0].index, patches[0].start_sample, patches[0].log_mel))
    assert abs(impulsiveness(*approximate) - impulsiveness(whole, high)) < 0.3


def test_sound_events_report_their_impulsiveness(models):
    """Through YAMNet's patches: a reverberant knock closes as an impulsive event, running water not."""
    rng = np.random.default_rng(5)
    clip = 1e-3 * rng.standard_normal(9 * RATE)
    clip[RATE:RATE + int(2.5 * RATE)] += synthesise_sound('knock', 2.5, RATE, rng)
    clip[5 * RATE:5 * RATE + 3 * RATE] += synthesise_sound('water', 3.0, RATE, rng)
    heard = in_a_room(clip, 0.5, 40.0, 5)
    stream = PatchStream()
    builder = SoundEventBuilder(models.tagger.class_names)
    spans = [s for p in stream.push(heard) + stream.flush() for s in builder.push(p, models.tagger(p.log_mel))]
    spans += builder.flush()
    knock = [s for s in spans if s.start_sample < 3.5 * RATE and s.end_sample > 1.0 * RATE]
    water = [s for s in spans if s.start_sample < 8.0 * RATE and s.end_sample > 5.5 * RATE]
    assert knock and water, spans
    assert max(s.impulsiveness for s in knock) > 0.7
    assert max(s.impulsiveness for s in water) < 0.2
