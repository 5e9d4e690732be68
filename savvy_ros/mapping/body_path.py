"""The wearer's path in the world frame: downsampled, bounded, time-ordered."""
from __future__ import annotations

import bisect

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
        """Keep the sample when no kept one is within a period of it (late samples are inserted:
        inputs from several topics reach the node out of order)."""
        row = (float(position[0]), float(position[1]), float(position[2]), float(yaw))
        if not self.times or t >= self.times[-1] + self.period:
            self.times.append(float(t))
            self.rows.append(row)
        else:
            i = bisect.bisect_left(self.times, t)
            after_too_close = i < len(self.times) and self.times[i] - t < self.period
            if after_too_close or (i > 0 and t - self.times[i - 1] < self.period):
                return False
            self.times.insert(i, float(t))
            self.rows.insert(i, row)
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
