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
        if energy_db < self.floor_db:
            self.floor_db = energy_db
        else:
            self.floor_db = min(energy_db, self.floor_db + self.rise_db_per_s * hop_seconds)
        return active

    def above_floor(self, energy_db: float) -> bool:
        """After `update`: the window stayed above the floor even as it rose, i.e. something louder
        than the learnt background sounded, if less than `threshold_db` louder."""
        return energy_db > self.floor_db and energy_db >= self.min_energy_db
