"""The wearer's sensor rig: head -> camera optical frame and head -> microphone array, and the
world poses of both at any time. The mounts are the ones the simulated walking rig publishes,
so every savvy_ros source agrees on them."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial.transform import Rotation

from savvy_ros.audio.mic_arrays import MicArrayGeometry, load_mic_array
from savvy_ros.demo.walking_rig import HEAD_T_CAMERA_OPTICAL, HEAD_T_MIC_ARRAY
from savvy_ros.synth.motion import WearerTrajectory
from savvy_ros.tf import Transform

WORLD_FRAME = 'map'
HEAD_FRAME = 'head'
CAMERA_FRAME = 'camera_optical'


@dataclass(frozen=True)
class Rig:
    mic_array: MicArrayGeometry
    head_camera: Transform = field(default_factory=lambda: HEAD_T_CAMERA_OPTICAL)
    head_mics: Transform = field(default_factory=lambda: HEAD_T_MIC_ARRAY)

    @classmethod
    def aria(cls) -> Rig:
        return cls(load_mic_array('aria'))

    def camera_pose(self, trajectory: WearerTrajectory, t: float) -> tuple[np.ndarray, np.ndarray]:
        """world_T_camera_optical at t: (rotation matrix (3, 3), origin (3,))."""
        head_position, _ = trajectory.sample(t)
        world_r_head = trajectory.rotations(t)[0]
        rotation = world_r_head * Rotation.from_quat(self.head_camera.rotation)
        return rotation.as_matrix(), head_position[0] + world_r_head.apply(np.array(self.head_camera.translation, float))

    def mic_positions(self, trajectory: WearerTrajectory, t: np.ndarray) -> np.ndarray:
        """(T, M, 3) world positions of the microphones at times t."""
        t = np.atleast_1d(np.asarray(t, float))
        head_position, _ = trajectory.sample(t)
        world_r_head = trajectory.rotations(t)
        in_head = Rotation.from_quat(self.head_mics.rotation).apply(np.array(self.mic_array.positions)) + self.head_mics.translation
        rotated = np.stack([world_r_head.apply(p) for p in in_head], axis=1)  # (T, M, 3)
        return rotated + head_position[:, None, :]
