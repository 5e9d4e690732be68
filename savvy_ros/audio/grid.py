"""Direction grids and far-field steering vectors (REP 103: azimuth CCW from +x, elevation up)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPEED_OF_SOUND = 343.0  # [m/s] at about 20 degC


@dataclass(frozen=True)
class DirectionGrid:
    """Candidate directions: every azimuth at every elevation, shape (E, A) when reshaped."""

    azimuths: np.ndarray    # (A,) [rad] in [-pi, pi)
    elevations: np.ndarray  # (E,) [rad]

    @classmethod
    def regular(cls, azimuth_step_deg: float = 1.0, elevations_deg: tuple[float, ...] = (0.0,)) -> DirectionGrid:
        if not 0.0 < azimuth_step_deg <= 90.0:
            raise ValueError(f'azimuth step must be in (0, 90] deg, got {azimuth_step_deg}')
        if not elevations_deg or any(abs(e) > 90.0 for e in elevations_deg):
            raise ValueError(f'elevations must be a non-empty list within [-90, 90] deg, got {elevations_deg}')
        count = int(round(360.0 / azimuth_step_deg))
        azimuths = -np.pi + 2.0 * np.pi * np.arange(count) / count
        return cls(azimuths, np.radians(np.asarray(elevations_deg, dtype=float)))

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.elevations), len(self.azimuths))

    def unit_vectors(self) -> np.ndarray:
        """(E * A, 3) unit vectors, elevation-major."""
        el, az = np.meshgrid(self.elevations, self.azimuths, indexing='ij')
        return np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], axis=-1).reshape(-1, 3)


def steering_vectors(positions: np.ndarray, directions: np.ndarray, frequencies: np.ndarray,
                     speed_of_sound: float = SPEED_OF_SOUND) -> np.ndarray:
    """(F, G, M) far-field steering vectors exp(+j 2 pi f p.u / c): a microphone further along u
    hears the wave earlier, so its phase leads (same sign as the STFT of a delayed signal)."""
    centred = positions - positions.mean(axis=0)
    advance = directions @ centred.T / speed_of_sound  # (G, M) [s]
    return np.exp(2j * np.pi * frequencies[:, None, None] * advance[None, :, :])
