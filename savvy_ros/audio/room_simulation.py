"""Microphone-array recordings simulated with pyroomacoustics' ShoeBox (image source method).

Used by the tests and bench/bench_doa.py: the array is placed in the room with its axes
parallel to the room's, so a source at azimuth a (REP 103, CCW from the array's +x) sits at
centre + d (cos a, sin a, 0) in room coordinates.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from savvy_ros.audio.mic_arrays import MicArrayGeometry


@dataclass(frozen=True)
class RoomScene:
    room_dim: tuple[float, float, float]   # [m]
    rt60: float                            # [s]
    array_centre: tuple[float, float, float]  # [m] in room coordinates
    azimuths: tuple[float, ...]            # [rad] per source, array frame (REP 103)
    distances: tuple[float, ...]           # [m] per source, horizontal
    snr_db: float                          # sensor noise, per microphone, relative to the mean source power

    def source_positions(self) -> np.ndarray:
        centre = np.asarray(self.array_centre, dtype=float)
        return np.array([centre + d * np.array([np.cos(a), np.sin(a), 0.0])
                         for a, d in zip(self.azimuths, self.distances)])


def simulate_clean(geometry: MicArrayGeometry, scene: RoomScene, signals: list[np.ndarray], sample_rate: int,
                   max_order: int = 50) -> np.ndarray:
    """(samples, M) float64 of the array hearing `signals` (one per source) in the room, no noise;
    as long as the longest signal. The image-source order follows Sabine's formula, capped."""
    import pyroomacoustics as pra

    absorption, order = pra.inverse_sabine(scene.rt60, list(scene.room_dim))
    room = pra.ShoeBox(list(scene.room_dim), fs=sample_rate, materials=pra.Material(absorption),
                       max_order=min(order, max_order))
    room.add_microphone_array((geometry.positions - geometry.centre + np.asarray(scene.array_centre)).T)
    for position, signal in zip(scene.source_positions(), signals):
        room.add_source(position, signal=signal)
    room.simulate()
    return room.mic_array.signals.T[:max(len(s) for s in signals)]


def add_sensor_noise(clean: np.ndarray, snr_db: float, rng: np.random.Generator,
                     reference: slice = slice(None)) -> np.ndarray:
    """White noise per microphone at `snr_db` below the mean power of `clean[reference]` (e.g. the
    part where the source plays), scaled to a 0.25 peak (float32), as a recording would be."""
    power = np.mean(clean[reference] ** 2)
    noisy = clean + rng.standard_normal(clean.shape) * np.sqrt(power / 10.0 ** (snr_db / 10.0))
    return (0.25 * noisy / np.abs(noisy).max()).astype(np.float32)


def simulate_scene(geometry: MicArrayGeometry, scene: RoomScene, signals: list[np.ndarray], sample_rate: int,
                   seed: int = 0, max_order: int = 50) -> np.ndarray:
    """`simulate_clean` plus sensor noise at `scene.snr_db`; deterministic in `seed`."""
    clean = simulate_clean(geometry, scene, signals, sample_rate, max_order)
    return add_sensor_noise(clean, scene.snr_db, np.random.default_rng(seed))


def noise_burst(duration: float, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Pink-ish noise (white through a first-order low-pass), a common broadband test source."""
    from scipy.signal import lfilter

    white = rng.standard_normal(int(duration * sample_rate))
    alpha = np.exp(-2.0 * np.pi * 2000.0 / sample_rate)
    pink = lfilter([1.0 - alpha], [1.0, -alpha], white)
    return pink / np.abs(pink).max()


def espeak_speech(text: str, sample_rate: int, voice: str = 'en', speed_wpm: int = 160) -> np.ndarray:
    """Real synthetic speech from espeak-ng (installed as a system tool), resampled with soxr."""
    import soundfile as sf
    import soxr

    executable = shutil.which('espeak-ng')
    if executable is None:
        raise FileNotFoundError('espeak-ng is not installed; it synthesises the speech test sources')
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / 'speech.wav'
        subprocess.run([executable, '-v', voice, '-s', str(speed_wpm), '-w', str(wav), text],
                       check=True, capture_output=True)
        data, rate = sf.read(str(wav), dtype='float64')
    speech = soxr.resample(data, rate, sample_rate) if rate != sample_rate else data
    return speech / np.abs(speech).max()
