"""The wearer's path in the world frame: downsampled, bounded, time-ordered."""
from __future__ import annotations

import numpy as np


class BodyPath:
    def __init__(self, period: float, max_points: int) -> None:
        self.period = period
        self.max_points = max_points
        self.times: list[float] = []
        self.rows: list[tuple[float, float, float, float]] = []  # x, y, z [m], yaw [rad]

    def __len__(self) -> int:
        return len(self.times)

    def add(self, t: float, position: np.ndarray, yaw: float) -> bool:
        """Keep the sample when it is at least one period newer than the last kept one."""
        if self.times and t < self.times[-1] + self.period:
            return False
        self.times.append(float(t))
        self.rows.append((float(position[0]), float(position[1]), float(position[2]), float(yaw)))
        if len(self.times) > self.max_points:
            # Halve the older half's density: recent motion keeps full detail.
            half = len(self.times) // 2
            self.times[:half] = self.times[:half:2]
            self.rows[:half] = self.rows[:half:2]
        return True

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = np.array(self.rows, dtype=np.float64).reshape(-1, 4)
        return np.array(self.times, dtype=np.float64), rows[:, :3].copy(), rows[:, 3].copy()

    def restore(self, times: np.ndarray, positions: np.ndarray, yaws: np.ndarray) -> None:
        self.times = [float(t) for t in times]
        self.rows = [(float(p[0]), float(p[1]), float(p[2]), float(y)) for p, y in zip(positions, yaws)]
