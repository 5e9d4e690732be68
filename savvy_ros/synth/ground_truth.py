"""The ground-truth file of a synthetic episode (JSON beside the bag, never inside it).

Contents: the room, the rig (camera intrinsics, sensor mounts), the wearer's head track, every
object's position (static) or trajectory (moving), every sound event's window and what it is,
and which objects each generated question is about. Frame `map`, metres, seconds from the
episode start (`epoch_s` is the bag time of t = 0), yaw in radians (REP 103).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from savvy_ros.synth.motion import WearerTrajectory, object_centres
from savvy_ros.synth.renderer import Intrinsics
from savvy_ros.synth.rig import CAMERA_FRAME, HEAD_FRAME, WORLD_FRAME, Rig
from savvy_ros.synth.scene import Scene
from savvy_ros.synth.textures import rendered_aruco_side

FORMAT = 'savvy_ros synthetic ground truth 1'
TRACK_RATE = 20.0   # Hz: sampling of the wearer and moving-object tracks (as the release's 20 fps)


def _round(values: np.ndarray, digits: int = 4) -> list[Any]:
    return np.round(np.asarray(values, float), digits).tolist()


def _transform(translation: Any, rotation: Any) -> dict[str, list[float]]:
    return {'translation': _round(translation, 6), 'rotation_xyzw': _round(rotation, 9)}


def build_ground_truth(scene: Scene, seed: int, quick: bool, epoch_s: float, trajectory: WearerTrajectory,
                       events: list[dict[str, Any]], rig: Rig, intrinsics: Intrinsics, sample_rate: int,
                       chunk_s: float) -> dict[str, Any]:
    times = np.arange(int(np.floor(scene.duration * TRACK_RATE)) + 1) / TRACK_RATE
    positions, yaw = trajectory.sample(times)
    forward = trajectory.forward_xy(times)
    objects = []
    for obj in scene.objects:
        entry: dict[str, Any] = {'id': obj.id, 'label': obj.label, 'description': obj.description,
                                 'visual': obj.visual, 'static': obj.is_static, 'size': list(obj.size),
                                 'elevation': obj.elevation}
        centres = object_centres(obj, times)
        if obj.is_static:
            entry['position'] = _round(centres[0])
        else:
            entry['trajectory'] = {'t': _round(times, 3), 'position': _round(centres)}
        if obj.visual == 'box':
            entry['yaw'] = float(np.radians(obj.yaw_deg))
        if obj.aruco_id is not None:
            entry['aruco'] = {'dictionary': 'DICT_4X4_50', 'id': obj.aruco_id,
                              'side_m': round(rendered_aruco_side(obj.size[0], obj.size[2]), 5), 'face': 'front'}
        objects.append(entry)
    return {
        'format': FORMAT, 'scene': scene.name, 'seed': seed, 'quick': quick, 'video_id': f'synth/{scene.name}',
        'epoch_s': epoch_s, 'duration_s': scene.duration,
        'frames': {'world': WORLD_FRAME, 'head': HEAD_FRAME, 'camera': CAMERA_FRAME,
                   'mic_array': rig.mic_array.frame_id},
        'room': {'size': list(scene.room.size), 'rt60_s': scene.room.rt60, 'snr_db': scene.room.snr_db},
        'camera': {'fps': scene.camera.fps, 'width': intrinsics.width, 'height': intrinsics.height,
                   'fx': intrinsics.fx, 'fy': intrinsics.fy, 'cx': intrinsics.cx, 'cy': intrinsics.cy,
                   'depth': scene.camera.depth},
        'audio': {'sample_rate': sample_rate, 'chunk_s': chunk_s, 'mic_array': rig.mic_array.name,
                  'channels': rig.mic_array.num_channels},
        'rig': {'head_T_camera_optical': _transform(rig.head_camera.translation, rig.head_camera.rotation),
                'head_T_mic_array': _transform(rig.head_mics.translation, rig.head_mics.rotation)},
        'wearer': {'t': _round(times, 3), 'position': _round(positions), 'yaw': _round(yaw, 6),
                   'forward': _round(forward, 6)},
        'objects': objects,
        'events': events,
    }


def write_json(path: Path, data: Any) -> None:
    """Deterministic JSON (sorted keys off: the release's key order is kept; fixed indentation)."""
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + '\n')
