"""The steered delay-and-sum beamformer: finds the loudest direction, adds it in phase, keeps time."""
from __future__ import annotations

import math

import numpy as np
import pytest
from plane_waves import plane_wave

from savvy_ros.audio.beamforming import SteeredBeamformer
from savvy_ros.audio.mic_arrays import load_mic_array

RATE = 48000


def run(beamformer: SteeredBeamformer, signal: np.ndarray, chunk: int) -> np.ndarray:
    out = [beamformer.process(signal[k:k + chunk]) for k in range(0, len(signal), chunk)]
    return np.concatenate(out + [beamformer.flush()])


@pytest.fixture(scope='module')
def scene():
    """Speech-band noise from 60 deg at the Aria array, with independent noise at each microphone."""
    positions = np.asarray(load_mic_array('aria').positions)
    rng = np.random.default_rng(7)
    source = rng.standard_normal(RATE)            # 1 s
    mics = plane_wave(source, positions, math.radians(60.0), RATE)
    noisy = mics + 1.0 * rng.standard_normal(mics.shape)   # 0 dB per microphone
    return positions, source, noisy


def correlation(a: np.ndarray, b: np.ndarray, max_lag: int = 0) -> float:
    """Largest correlation coefficient of a with b shifted by up to `max_lag` samples."""
    return max(float(np.corrcoef(np.roll(a, lag), b)[0, 1]) for lag in range(-max_lag, max_lag + 1))


def test_the_beam_points_at_the_source_and_hears_it_better_than_the_average(scene):
    positions, source, noisy = scene
    beamformer = SteeredBeamformer(positions, RATE)
    out = run(beamformer, noisy, 4800)
    assert out.shape == (len(source),) and out.dtype == np.float32
    azimuths = np.degrees(beamformer.grid.azimuths[beamformer.steered])
    assert np.median(np.abs(azimuths - 60.0)) <= 5.0
    # The beam is aligned on the array centre, sample for sample; one microphone at 0 dB SNR
    # correlates 1 / sqrt(2) at its best lag, 7 in phase sqrt(7 / 8); the plain average smears the
    # source over the microphones' delays.
    middle = slice(RATE // 10, -RATE // 10)
    beam = correlation(out[middle], source[middle])
    one = correlation(noisy[middle, 0], source[middle], max_lag=20)
    average = correlation(noisy[middle].mean(axis=1), source[middle], max_lag=20)
    assert beam == pytest.approx(math.sqrt(7 / 8), abs=0.03)
    assert one == pytest.approx(math.sqrt(1 / 2), abs=0.03) and average < 0.5


def test_output_does_not_depend_on_chunking_and_keeps_every_sample(scene):
    positions, _, noisy = scene
    a = run(SteeredBeamformer(positions, RATE), noisy, 4800)
    b = run(SteeredBeamformer(positions, RATE), noisy, 1733)
    c = run(SteeredBeamformer(positions, RATE), noisy[:1000], 100)   # shorter than one frame
    assert len(a) == len(b) == len(noisy) and len(c) == 1000
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_flush_starts_a_new_stream(scene):
    positions, _, noisy = scene
    beamformer = SteeredBeamformer(positions, RATE)
    first = run(beamformer, noisy[:RATE // 2], 4800)
    second = run(beamformer, noisy[:RATE // 2], 4800)
    np.testing.assert_allclose(first, second, atol=1e-6)
    assert beamformer.flush().size == 0


def test_a_block_of_the_wrong_shape_is_refused(scene):
    positions, _, _ = scene
    beamformer = SteeredBeamformer(positions, RATE)
    with pytest.raises(ValueError, match='7 microphones'):
        beamformer.process(np.zeros((100, 2)))
    with pytest.raises(ValueError, match='microphone positions'):
        SteeredBeamformer(np.zeros((1, 3)), RATE)
