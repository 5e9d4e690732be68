"""Audio simulation: espeak-ng speech, synthesised sounds, diffuse noise coherence, and the room
simulator's physics (inter-microphone delays on the Aria head, reverberation time, SNR)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from savvy_ros.audio.mic_arrays import load_mic_array
from savvy_ros.synth.acoustics import AcousticSettings, RoomSimulator, Source
from savvy_ros.synth.diffuse_noise import SPEED_OF_SOUND, diffuse_noise
from savvy_ros.synth.scene import SOUND_KINDS
from savvy_ros.synth.sounds import synthesise_sound
from savvy_ros.synth.speech import SpeechSynthesisError, espeak_available, synthesise

FS = 16000
ARIA = np.asarray(load_mic_array('aria').positions)

needs_espeak = pytest.mark.skipif(not espeak_available(), reason='espeak-ng is not installed')


@needs_espeak
def test_espeak_speech_is_real_and_repeatable() -> None:
    first = synthesise('Would you like a cup of tea?', 'en-us+f3', FS)
    again = synthesise('Would you like a cup of tea?', 'en-us+f3', FS)
    other = synthesise('Would you like a cup of tea?', 'en-us+m3', FS)
    assert np.array_equal(first, again)
    assert not np.array_equal(first[:len(other)], other[:len(first)])
    assert 1.0 < len(first) / FS < 3.0          # six words at 155 words per minute
    assert first.dtype == np.float32 and np.max(np.abs(first)) == pytest.approx(0.5)
    # voiced speech: most energy between 100 Hz and 4 kHz
    spectrum = np.abs(np.fft.rfft(first)) ** 2
    freqs = np.fft.rfftfreq(len(first), 1 / FS)
    assert spectrum[(freqs > 100) & (freqs < 4000)].sum() > 0.8 * spectrum.sum()


@needs_espeak
def test_espeak_errors_name_the_voice() -> None:
    with pytest.raises(SpeechSynthesisError, match="voice 'xx-nonexistent'"):
        synthesise('hello', 'xx-nonexistent', FS)


@pytest.mark.parametrize('kind', SOUND_KINDS)
def test_every_sound_kind_is_audible_exact_length_and_seeded(kind: str) -> None:
    a = synthesise_sound(kind, 1.5, FS, np.random.default_rng(1))
    b = synthesise_sound(kind, 1.5, FS, np.random.default_rng(1))
    assert len(a) == int(1.5 * FS) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert np.all(np.isfinite(a)) and np.max(np.abs(a)) == pytest.approx(0.5)
    assert np.sqrt(np.mean(a ** 2)) > 0.01


def test_unknown_sound_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown sound kind 'explosion'"):
        synthesise_sound('explosion', 1.0, FS, np.random.default_rng(0))


def test_diffuse_noise_has_the_diffuse_field_coherence() -> None:
    noise = diffuse_noise(ARIA, 8 * FS, FS, np.random.default_rng(0), pink=False)
    assert noise.shape == (8 * FS, 7)
    from scipy.signal import coherence
    for a, b in ((3, 4), (3, 5), (1, 2)):
        distance = float(np.linalg.norm(ARIA[a] - ARIA[b]))
        freqs, measured = coherence(noise[:, a], noise[:, b], fs=FS, nperseg=512)
        # magnitude-squared coherence of a diffuse field: sinc^2(2 f d / c)
        model = np.sinc(2 * freqs * distance / SPEED_OF_SOUND) ** 2
        band = (freqs > 100) & (freqs < 6000)
        assert np.mean(np.abs(measured[band] - model[band])) < 0.05, (a, b)


def _simulate(source_xyz, rt60=0.3, samples=3 * FS, seed=0, sound='water', seconds=2.0) -> np.ndarray:
    """A sound from 0.5 s for `seconds` at `source_xyz` ((3,) or a function of time), head at (3, 2.5, 1.6)."""
    settings = AcousticSettings.for_mode(quick=True)
    simulator = RoomSimulator((6.0, 5.0, 2.7), rt60, settings, np.random.default_rng(seed))
    dry = np.zeros(samples)
    span = (FS // 2, FS // 2 + int(seconds * FS))
    dry[span[0]:span[1]] = synthesise_sound(sound, seconds, FS, np.random.default_rng(seed))
    head = np.array([3.0, 2.5, 1.6])
    where = source_xyz if callable(source_xyz) else (lambda t: np.tile(source_xyz, (len(t), 1)))
    source = Source('s', dry, (span,), where)
    return simulator.simulate([source], lambda t: np.broadcast_to(ARIA + head, (len(t), 7, 3)), samples)


def _delay(a: np.ndarray, b: np.ndarray, upsample: int = 16) -> float:
    """Delay of b relative to a [samples] by GCC-PHAT with an upsampled correlation."""
    n = 2 * len(a)
    cross = np.fft.rfft(b, n) * np.conj(np.fft.rfft(a, n))
    cross /= np.abs(cross) + 1e-12
    correlation = np.fft.irfft(cross, n * upsample)
    lags = np.concatenate([np.arange(0, 40 * upsample), np.arange(-40 * upsample, 0)])
    window = np.concatenate([correlation[:40 * upsample], correlation[-40 * upsample:]])
    return float(lags[np.argmax(window)]) / upsample


@pytest.mark.parametrize('azimuth_deg', [90.0, 0.0, -45.0])
def test_inter_microphone_delays_match_the_source_direction(azimuth_deg: float) -> None:
    """Mics 3 (front left) and 4 (front right) are 14 cm apart along y: the delay says left/right;
    mics 3 and 5 (rear left) are 10 cm apart along x: front/back."""
    azimuth = math.radians(azimuth_deg)
    direction = np.array([math.cos(azimuth), math.sin(azimuth), 0.0])
    mics = _simulate(np.array([3.0, 2.5, 1.6]) + 1.8 * direction, rt60=0.2)
    for a, b in ((3, 4), (3, 5)):
        expected = float((ARIA[a] - ARIA[b]) @ direction) / SPEED_OF_SOUND * FS  # b lags a by this
        assert _delay(mics[:, a], mics[:, b]) == pytest.approx(expected, abs=0.6), (a, b)


def test_reverberation_time_matches_the_room() -> None:
    """Schroeder backward integration of the simulated impulse response gives the asked RT60."""
    for rt60 in (0.3, 0.6):
        simulator = RoomSimulator((6.0, 5.0, 2.7), rt60, AcousticSettings.for_mode(quick=True),
                                  np.random.default_rng(0))
        mics = ARIA + [3.0, 2.5, 1.6]
        early = simulator.early_response(np.array([1.5, 1.5, 1.4]), mics)
        tail = simulator.late_tail(early, mics)
        response = np.zeros((7, early.shape[1] + tail.shape[1]))
        response[:, :early.shape[1]] += early
        offset = early.shape[1] - int(0.005 * FS)
        response[:, offset:offset + tail.shape[1]] += tail
        energy = np.cumsum((response ** 2).mean(axis=0)[::-1])[::-1]
        decay_db = 10 * np.log10(energy / energy[0] + 1e-30)
        t5, t25 = np.argmax(decay_db < -5) / FS, np.argmax(decay_db < -25) / FS
        assert 3 * (t25 - t5) == pytest.approx(rt60, rel=0.25)   # T20 extrapolated to 60 dB


def test_simulation_is_seeded_and_sources_are_silent_outside_their_span() -> None:
    a = _simulate(np.array([1.0, 1.0, 1.2]), seed=4)
    b = _simulate(np.array([1.0, 1.0, 1.2]), seed=4)
    assert np.array_equal(a, b)
    assert np.max(np.abs(a[:FS // 2])) < 1e-9     # before the source starts: nothing (FFT round-off)
    assert np.sqrt(np.mean(a[FS:2 * FS] ** 2)) > 1e-3


def test_a_moving_source_is_heard_moving_from_left_to_right() -> None:
    """1.5 m/s across the front of the head, left to right: the left-right delay changes sign."""
    start = np.array([4.5, 4.3, 1.6])

    def across(t: np.ndarray) -> np.ndarray:
        travelled = 1.5 * np.clip(np.asarray(t) - 0.5, 0.0, 2.4)
        return start + travelled[:, None] * np.array([0.0, -1.0, 0.0])

    mics = _simulate(across, rt60=0.2, samples=int(3.2 * FS), seconds=2.4)
    early, late = slice(int(0.6 * FS), int(1.2 * FS)), slice(int(2.1 * FS), int(2.7 * FS))
    assert _delay(mics[early, 3], mics[early, 4]) > 2.0      # on the left: mic 3 hears it first
    assert _delay(mics[late, 3], mics[late, 4]) < -2.0       # on the right: mic 4 first
