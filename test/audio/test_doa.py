"""DoA on pyroomacoustics room simulations: REP 103 signs, every method, two sources, elevation."""
from __future__ import annotations

import math

import numpy as np
import pytest

from savvy_ros.audio.cdr import cdr_range
from savvy_ros.audio.chunk_stream import AudioWindow
from savvy_ros.audio.doa import DOA_ALGORITHMS, doa_algorithm
from savvy_ros.audio.grid import DirectionGrid
from savvy_ros.audio.mic_arrays import circular_array, load_mic_array
from savvy_ros.audio.peaks import pick_peaks
from savvy_ros.audio.processor import DoaConfig, DoaProcessor, analyse_recording
from savvy_ros.audio.room_simulation import RoomScene, noise_burst, simulate_scene

RATE = 16000


def config(**kwargs) -> DoaConfig:
    """A known background level (the simulations are far above it), so the first window counts."""
    return DoaConfig(initial_noise_floor_db=-80.0, **kwargs)


def angle_error_deg(a: float, b: float) -> float:
    return abs(math.degrees((a - b + math.pi) % (2 * math.pi) - math.pi))


def simulated(geometry, azimuths_deg, seed=0, snr_db=20.0, rt60=0.3, seconds=0.6, distances=None):
    rng = np.random.default_rng(seed)
    scene = RoomScene((8.0, 7.0, 3.0), rt60, (4.0, 3.5, 1.5), tuple(math.radians(a) for a in azimuths_deg),
                      distances or (1.8,) * len(azimuths_deg), snr_db)
    signals = [noise_burst(seconds, RATE, rng) for _ in azimuths_deg]
    return AudioWindow(simulate_scene(geometry, scene, signals, RATE, seed=seed)[800:800 + 4000], 0.0, RATE)


@pytest.mark.parametrize('method', sorted(DOA_ALGORITHMS))
def test_each_method_finds_a_source_on_the_left_at_positive_azimuth(method):
    aria = load_mic_array('aria')
    for azimuth in (70.0, -120.0):  # left-front, right-behind: REP 103 signs, no front/back flip
        window = simulated(aria, [azimuth], seed=abs(int(azimuth)))
        result = DoaProcessor(aria, config(method=method, channels=aria.doa_channels)).process(window)
        assert result.active and result.algorithm == DOA_ALGORITHMS[method].name
        assert angle_error_deg(result.bearings[0].azimuth, math.radians(azimuth)) <= 10.0, result.bearings


def test_two_sources_are_both_found_and_separated():
    array = circular_array(6, 0.0463, centre_mic=True)
    window = simulated(array, [40.0, -80.0], seed=3, rt60=0.2)
    result = DoaProcessor(array, config(max_sources=3, min_separation_deg=25.0)).process(window)
    found = [b.azimuth for b in result.bearings]
    for truth in (40.0, -80.0):
        assert min(angle_error_deg(f, math.radians(truth)) for f in found) <= 10.0, found
    assert result.bearings[0].power >= result.bearings[-1].power


def test_srp_finds_a_quiet_source_beside_a_loud_one():
    """1 m and 2.8 m away (about 9 dB apart) on Aria mics 3-6: the full-band SRP's second peak
    is a sidelobe of the loud source; the bins the loud source leaves point at the quiet one."""
    aria = load_mic_array('aria')
    processor = DoaProcessor(aria, config(channels=aria.doa_channels, max_sources=2))
    for seed in (0, 1):
        window = simulated(aria, [-150.0, 100.0], seed=seed, distances=(1.0, 2.8))
        found = [b.azimuth for b in processor.process(window).bearings]
        assert len(found) == 2
        for truth in (-150.0, 100.0):
            assert min(angle_error_deg(f, math.radians(truth)) for f in found) <= 10.0, np.degrees(found)


def test_srp_first_direction_is_the_full_band_maximum_and_further_ones_need_evidence():
    aria = load_mic_array('aria')
    window = simulated(aria, [60.0], seed=4)
    one = DoaProcessor(aria, config(channels=aria.doa_channels))
    peaks = one.locate(window)
    assert peaks == pick_peaks(one.spatial_spectrum(window), one.grid, 1, math.radians(25.0))
    strict = DoaProcessor(aria, config(channels=aria.doa_channels, max_sources=3, min_residual_coherence=1.0))
    assert strict.locate(window) == peaks  # no bin set can be more coherent than 1 above its median


def test_elevation_grid_on_a_non_planar_array():
    aria = load_mic_array('aria')
    window = simulated(aria, [30.0], seed=5, rt60=0.2)
    elevations = config(elevations_deg=(-30.0, -15.0, 0.0, 15.0, 30.0), azimuth_step_deg=2.0)
    bearing = DoaProcessor(aria, elevations).process(window).bearings[0]
    assert angle_error_deg(bearing.azimuth, math.radians(30.0)) <= 8.0
    assert abs(math.degrees(bearing.elevation)) <= 15.0  # the source is level with the array
    x, y, z = bearing.direction
    assert math.isclose(x * x + y * y + z * z, 1.0)


def test_pair_cdrs_are_what_process_ranges_from():
    aria = load_mic_array('aria')
    window = simulated(aria, [30.0], seed=5, distances=(1.5,))
    processor = DoaProcessor(aria, config(channels=aria.doa_channels, cdr_constant=4.0))
    pairs = processor.pair_cdrs(window)
    assert pairs.shape == (6,) and (pairs >= 0.0).all()  # mics 3-6: 6 pairs
    bearing = processor.process(window).bearings[0]
    expected = cdr_range(pairs, 4.0, 10.0)
    assert bearing.cdr == expected.cdr and bearing.range == expected.range
    assert bearing.range_stddev == expected.range_stddev > 0.0


def test_same_input_same_output():
    aria = load_mic_array('aria')
    window = simulated(aria, [10.0], seed=7)
    first = DoaProcessor(aria, config()).process(window)
    assert first.active and DoaProcessor(aria, config()).process(window) == first


def test_configuration_errors_name_the_setting():
    aria = load_mic_array('aria')
    with pytest.raises(ValueError, match='unknown DoA method'):
        doa_algorithm('beamforming')
    with pytest.raises(ValueError, match='max_sources'):
        DoaProcessor(aria, DoaConfig(max_sources=0))
    with pytest.raises(ValueError, match='frequency band'):
        DoaProcessor(aria, DoaConfig(band_hz=(4000.0, 300.0)))
    with pytest.raises(ValueError, match='azimuth step'):
        DirectionGrid.regular(0.0)
    low_rate = AudioWindow(np.zeros((100, 7), np.float32) + 0.1, 0.0, 400)  # Nyquist below the band
    with pytest.raises(ValueError, match='holds no FFT bin'):
        DoaProcessor(aria, config()).process(low_rate)



def test_a_talker_under_a_steady_sound_is_found_though_not_louder_by_the_gate_threshold():
    """A steady sound (a TV) on from the start is the background the floor learns; a talker nearer
    it, in 0.5 s bursts, lifts the energy only 1-2 dB: under the energy gate, yet the bursts'
    windows give the talker's direction, and the background's windows give none."""
    aria = load_mic_array('aria')
    rng = np.random.default_rng(0)
    scene = RoomScene((8.0, 7.0, 3.0), 0.4, (4.0, 3.5, 1.5), (math.radians(60.0), math.radians(-100.0)),
                      (2.5, 1.5), 20.0)
    talker = np.concatenate([np.zeros(3 * RATE), 0.8 * noise_burst(3.0, RATE, rng)])
    talker[3 * RATE:] *= (np.arange(3 * RATE) // (RATE // 2)) % 2 == 0   # 0.5 s on, 0.5 s off
    samples = simulate_scene(aria, scene, [noise_burst(6.0, RATE, rng), talker], RATE, seed=0)

    def windows(**kwargs):
        processor = DoaProcessor(aria, DoaConfig(channels=aria.doa_channels, max_sources=2, **kwargs))
        return analyse_recording(samples, RATE, processor)

    assert not any(w.bearings for w in windows(coherent_confidence=2.0))  # the energy gate alone
    results = windows()
    talking = [w for w in results if w.stamp > 3.0 and int((w.stamp - 3.0) / 0.5) % 2 == 0]
    assert talking and all(min(angle_error_deg(b.azimuth, math.radians(-100.0)) for b in w.bearings) <= 12.0
                           for w in talking), [(w.stamp, [round(math.degrees(b.azimuth)) for b in w.bearings])
                                               for w in talking]
    assert not any(w.bearings for w in results if w.stamp < 3.0)  # the steady sound alone: background


def test_a_source_under_a_louder_steady_one_is_found_in_the_bins_it_owns():
    """A steady broadband sound (running water) near the array and, further away, bursts of a
    narrower band (a buzzer, a voice): the whole band points at the steady sound or between the two,
    the bins standing out of their own floor at the bursts."""
    from scipy.signal import butter, sosfilt

    aria = load_mic_array('aria')
    rng = np.random.default_rng(0)
    scene = RoomScene((8.0, 7.0, 3.0), 0.4, (4.0, 3.5, 1.5), (math.radians(60.0), math.radians(-100.0)),
                      (1.5, 2.5), 20.0)
    t = np.arange(6 * RATE) / RATE
    band = butter(4, [1000.0, 2500.0], btype='band', fs=RATE, output='sos')
    bursts = 3.0 * sosfilt(band, noise_burst(6.0, RATE, rng)) * (t >= 3.0) * ((t * 2.0).astype(int) % 2 == 0)
    samples = simulate_scene(aria, scene, [noise_burst(6.0, RATE, rng), bursts], RATE, seed=0)

    def first_bearings(**kwargs):
        processor = DoaProcessor(aria, DoaConfig(channels=aria.doa_channels, max_sources=1, **kwargs))
        return [math.degrees(w.bearings[0].azimuth) for w in analyse_recording(samples, RATE, processor)
                if w.stamp > 3.0 and w.bearings]

    whole_band = first_bearings(focus_margin_db=0.0)
    assert whole_band and all(angle_error_deg(math.radians(a), math.radians(-100.0)) > 90.0 for a in whole_band)
    focused = first_bearings()
    assert len(focused) >= 5 and all(angle_error_deg(math.radians(a), math.radians(-100.0)) <= 12.0
                                     for a in focused), focused
