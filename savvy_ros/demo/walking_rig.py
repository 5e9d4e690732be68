"""Ground truth of the simulated rig, free of rclpy: head pose and sensor data at any time."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from savvy_ros.tf import Transform

# Head -> sensor mounts (REP 103 head frame: x forward, y left, z up). The camera optical frame
# is z forward, x right, y down, hence the fixed rotation.
HEAD_T_CAMERA_OPTICAL = Transform(np.array([0.06, 0.0, 0.02]),
                                  Rotation.from_euler('ZYX', [-90.0, 0.0, -90.0], degrees=True).as_quat())
HEAD_T_MIC_ARRAY = Transform(np.array([0.0, 0.0, 0.03]), np.array([0.0, 0.0, 0.0, 1.0]))


@dataclass(frozen=True)
class WalkingRig:
    """The head walks a circle of `radius` m at `speed` m/s, 1.6 m up, looking side to side."""

    radius: float = 2.0
    speed: float = 0.8
    height: float = 1.6
    look_amplitude: float = math.radians(35.0)
    look_period: float = 4.0

    def head_pose(self, t: float) -> Transform:
        """world_T_head at time t [s]."""
        angle = self.speed * t / self.radius
        position = np.array([self.radius * math.cos(angle), self.radius * math.sin(angle), self.height])
        heading = angle + math.pi / 2 + self.look_amplitude * math.sin(2 * math.pi * t / self.look_period)
        return Transform(position, Rotation.from_euler('z', heading).as_quat())

    @staticmethod
    def audio_block(t0: float, samples: int, sample_rate: int, channels: int, seed: int = 0) -> np.ndarray:
        """(samples, channels) float32 of a 440 Hz tone in low noise, deterministic in (t0, seed)."""
        rng = np.random.default_rng([seed, int(round(t0 * sample_rate))])
        t = t0 + np.arange(samples) / sample_rate
        tone = 0.1 * np.sin(2 * np.pi * 440.0 * t)
        return (tone[:, None] + 0.01 * rng.standard_normal((samples, channels))).astype(np.float32)

    @staticmethod
    def camera_frame(t: float, width: int = 640, height: int = 480) -> np.ndarray:
        """(height, width, 3) uint8 test pattern whose bar moves with time."""
        image = np.zeros((height, width, 3), np.uint8)
        image[:, :, 1] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
        x = int((t * 100.0) % width)
        image[:, max(0, x - 5):x + 5, :] = 255
        return image
