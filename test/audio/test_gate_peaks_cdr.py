"""Activity gate, peak picking and the CDR range model."""
from __future__ import annotations

import math

import numpy as np

from savvy_ros.audio.activity import SILENCE_DBFS, ActivityGate, BinFloor, energy_dbfs
from savvy_ros.audio.cdr import RANGE_RELATIVE_STD, cdr_range, fit_cdr_constant, pair_cdr
from savvy_ros.audio.grid import DirectionGrid
from savvy_ros.audio.peaks import pick_peaks, wrap_angle


def test_gate_learns_the_noise_floor_and_passes_only_louder_windows():
    gate = ActivityGate(threshold_db=6.0, initial_floor_db=-60.0, rise_db_per_s=3.0)
    assert energy_dbfs(np.zeros((100, 2))) == SILENCE_DBFS
    assert not gate.update(SILENCE_DBFS, 0.25)  # digital silence is never active
    gate.reset()
    background = [-40.0] * 80  # 20 s of a steady -40 dBFS hum: learnt, then quiet
    decisions = [gate.update(e, 0.25) for e in background]
    assert decisions[0] and not decisions[-1]
    first = ActivityGate(initial_floor_db=0.0)  # no prior: the first window is the background
    assert not first.update(-40.0, 0.25) and first.update(-30.0, 0.25)
    assert abs(gate.floor_db - (-40.0)) < 1e-9
    assert gate.update(-30.0, 0.25)  # a sound 10 dB above the hum
    assert not gate.update(-38.0, 0.25)  # 2 dB above: not enough
    assert gate.above_floor(-38.0)  # ... though still above the floor, which rose only 0.75 dB
    assert not gate.above_floor(gate.floor_db)


def test_bin_floor_learns_each_bins_background_and_marks_what_stands_out_of_it():
    rng = np.random.default_rng(0)

    def window(tone_bin=None, gain=1.0):   # (T, F, M) spectra: unit-power noise, a tone in one bin
        spectra = (rng.normal(size=(12, 40, 4)) + 1j * rng.normal(size=(12, 40, 4))) / math.sqrt(2.0)
        spectra[:, :20] *= 10.0                   # a loud steady sound fills the lower half
        if tone_bin is not None:
            spectra[:, tone_bin] += gain * 20.0  # +26 dB over the bin's noise, under the loud half
        return spectra

    floor = BinFloor(margin_db=6.0, rise_db_per_s=3.0)
    assert not floor.update(window(), 0.25).any()       # the first window only sets the floor
    for _ in range(4):
        quiet = floor.update(window(), 0.25)
    assert quiet.mean() < 0.01                          # the background stays under its margin
    assert abs(np.median(floor.floor_db[:20]) - np.median(floor.floor_db[20:]) - 20.0) < 1.0
    marked = floor.update(window(tone_bin=30), 0.25)
    assert marked[:, 30].all() and marked.mean() < 0.05
    # In the loud half the same tone is 6 dB under the steady sound's level there: not marked.
    assert not floor.update(window(tone_bin=5, gain=0.5), 0.25)[:, 5].all()
    floor.reset()
    assert floor.floor_db is None


def test_peaks_wrap_around_and_keep_their_separation():
    grid = DirectionGrid.regular(1.0)
    az = np.degrees(grid.azimuths)
    def bump(centre, height):
        return height * np.exp(-0.5 * ((az - centre) / 1.5) ** 2)
    # -174 is 7 deg from 179 across the +-180 seam: too close to keep beside it.
    spectrum = bump(179.0, 1.0) + bump(-174.0, 0.9) + bump(60.0, 0.8) + bump(-20.0, 0.2)
    peaks = pick_peaks(spectrum[None, :], grid, max_peaks=3, min_separation=math.radians(20.0))
    assert [round(math.degrees(p.azimuth)) for p in peaks] == [179, 60]  # -20 is below half height
    assert peaks[0].confidence > peaks[1].confidence > 0.0
    assert pick_peaks(np.ones((1, 360)), grid, 2, 0.3) == []  # flat: nothing stands out
    assert wrap_angle(-math.pi) == math.pi


def test_cdr_is_high_for_coherent_sound_low_for_diffuse_and_gives_range():
    diffuse = np.sinc(2.0 * np.linspace(300, 4000, 50) * 0.14 / 343.0)
    coherent = np.exp(1j * np.linspace(0.1, 2.0, 50)) * 0.98
    assert pair_cdr(coherent, diffuse).mean() > 5.0
    assert pair_cdr(diffuse.astype(complex), diffuse).mean() < 0.05
    near = cdr_range(np.array([8.0, 9.0, 10.0]), constant=10.0, max_range=10.0)
    far = cdr_range(np.array([0.5, 0.4, 0.6]), constant=10.0, max_range=10.0)
    assert near.range == math.sqrt(10.0 / 9.0) and far.range > near.range and near.range_stddev > 0
    assert math.isnan(cdr_range(np.array([1.0]), constant=0.0, max_range=10.0).range)


def test_range_stddev_is_relative_to_the_range_unless_the_pairs_disagree_more():
    agreeing = cdr_range(np.array([2.0, 2.0, 2.0]), constant=8.0, max_range=10.0)
    assert agreeing.range == 2.0 and agreeing.range_stddev == RANGE_RELATIVE_STD * 2.0
    spread = cdr_range(np.array([0.1, 2.0, 50.0]), constant=8.0, max_range=10.0, relative_std=0.1)
    pair_ranges = np.minimum(np.sqrt(8.0 / np.array([0.1, 2.0, 50.0])), 10.0)
    assert spread.range == 2.0 and spread.range_stddev == np.std(pair_ranges) > 0.1 * 2.0
    capped = cdr_range(np.array([1e-3]), constant=8.0, max_range=10.0)
    assert capped.range == 10.0 and capped.range_stddev == RANGE_RELATIVE_STD * 10.0


def test_fit_cdr_constant_recovers_k_and_ignores_unusable_windows():
    rng = np.random.default_rng(0)
    distances = rng.uniform(1.0, 5.0, 400)
    cdrs = 6.0 / distances ** 2 * np.exp(rng.normal(0.0, 0.3, distances.size))  # log-normal spread
    assert abs(fit_cdr_constant(cdrs, distances) - 6.0) < 0.3
    assert fit_cdr_constant(np.append(cdrs, [0.0, np.nan]), np.append(distances, [2.0, 3.0])) == \
        fit_cdr_constant(cdrs, distances)
    assert fit_cdr_constant(np.array([2.0]), np.array([1.5])) == 2.0 * 1.5 ** 2
    assert math.isnan(fit_cdr_constant(np.array([0.0]), np.array([1.0])))
