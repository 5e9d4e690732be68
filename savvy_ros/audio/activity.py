"""Activity gate: no bearings from silence; the threshold follows the noise floor."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SILENCE_DBFS = -160.0  # energy reported for digital silence


def energy_dbfs(window: np.ndarray) -> float:
    """Mean power of all samples [dBFS, full scale = 1.0]."""
    power = float(np.mean(np.square(window, dtype=np.float64))) if window.size else 0.0
    return 10.0 * math.log10(power) if power > 1e-16 else SILENCE_DBFS


def follow_floor(floor_db, level_db, rise_db):
    """Minimum tracking of a noise floor (a float or per-bin array): down to a quieter level at
    once, otherwise up towards the level by at most `rise_db`."""
    return np.where(level_db < floor_db, level_db, np.minimum(level_db, floor_db + rise_db))


@dataclass
class ActivityGate:
    """Minimum tracking: the floor drops at once to a quieter window and rises slowly
    (`rise_db_per_s`) otherwise, so a steady background is learnt while short sounds stand out.
    A window is active when it is `threshold_db` above the floor and above `min_energy_db`.
    The floor starts at the first window's energy (the stream's start is taken as background),
    at most `initial_floor_db`: set that to a known background level to catch a sound that is
    already on at the start."""

    threshold_db: float = 4.0
    initial_floor_db: float = 0.0
    rise_db_per_s: float = 3.0
    min_energy_db: float = -90.0
    floor_db: float = math.nan

    def reset(self) -> None:
        self.floor_db = math.nan

    def update(self, energy_db: float, hop_seconds: float) -> bool:
        """Feed one window's energy; True when the window holds activity."""
        if math.isnan(self.floor_db):
            self.floor_db = min(self.initial_floor_db, energy_db)
        active = energy_db >= self.floor_db + self.threshold_db and energy_db >= self.min_energy_db
        self.floor_db = float(follow_floor(self.floor_db, energy_db, self.rise_db_per_s * hop_seconds))
        return active

    def above_floor(self, energy_db: float) -> bool:
        """After `update`: the window stayed above the floor even as it rose, i.e. something louder
        than the learnt background sounded, if less than `threshold_db` louder."""
        return energy_db > self.floor_db and energy_db >= self.min_energy_db


@dataclass
class BinFloor:
    """The noise floor of every frequency bin, tracked like `ActivityGate`'s (drops at once to a
    quieter window, rises by `rise_db_per_s`), and the time-frequency bins that stand out of it.

    A steady sound (running water, a TV) fills most bins of every window; a quieter talker or a
    beep under it still owns the bins where it is louder than that sound's usual level. Steering
    the search at those bins finds them where the full band points at the steady sound."""

    margin_db: float = 6.0
    rise_db_per_s: float = 3.0
    floor_db: np.ndarray | None = None

    def reset(self) -> None:
        self.floor_db = None

    def update(self, spectra: np.ndarray, hop_seconds: float) -> np.ndarray:
        """(T, F, M) window STFT -> (T, F) bool: frames and bins `margin_db` over the floor as it
        stood before this window (the first window only sets it: nothing stands out yet)."""
        frame_power = np.mean(np.abs(spectra) ** 2, axis=2)   # (T, F), over microphones
        frame_db = 10.0 * np.log10(np.maximum(frame_power, 1e-20))
        window_db = 10.0 * np.log10(np.maximum(frame_power.mean(axis=0), 1e-20))  # (F,)
        if self.floor_db is None or self.floor_db.shape != window_db.shape:
            self.floor_db = window_db.copy()
            return np.zeros(frame_db.shape, dtype=bool)
        standing_out = frame_db > self.floor_db + self.margin_db
        self.floor_db = follow_floor(self.floor_db, window_db, self.rise_db_per_s * hop_seconds)
        return standing_out
