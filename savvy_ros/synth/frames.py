"""Camera frames of an episode, rendered in order, optionally in worker processes (rendering is
most of a long episode's generation time; each frame is independent and deterministic)."""
from __future__ import annotations

import multiprocessing
from collections.abc import Iterator

import numpy as np

from savvy_ros.synth.motion import WearerTrajectory, object_centres
from savvy_ros.synth.renderer import RoomRenderer
from savvy_ros.synth.rig import Rig
from savvy_ros.synth.scene import Scene

Frame = tuple[np.ndarray, np.ndarray | None]   # RGB uint8, depth float32 (None unless the scene wants it)

_worker: FrameRenderer | None = None


class FrameRenderer:
    def __init__(self, scene: Scene, trajectory: WearerTrajectory, rig: Rig) -> None:
        self.scene, self.trajectory, self.rig = scene, trajectory, rig
        self.renderer = RoomRenderer(scene.room, scene.camera, scene.objects)

    def __call__(self, t: float) -> Frame:
        rotation, origin = self.rig.camera_pose(self.trajectory, t)
        centres = {obj.id: object_centres(obj, t)[0, :2] for obj in self.scene.objects}
        image, depth = self.renderer.render(rotation, origin, centres)
        return image, (depth if self.scene.camera.depth else None)


def _init_worker(scene: Scene, trajectory: WearerTrajectory, rig: Rig) -> None:
    global _worker
    _worker = FrameRenderer(scene, trajectory, rig)


def _render_in_worker(t: float) -> Frame:
    assert _worker is not None, 'worker not initialised'
    return _worker(t)


def render_frames(scene: Scene, trajectory: WearerTrajectory, rig: Rig, times: np.ndarray,
                  workers: int = 1) -> Iterator[Frame]:
    """Frames at `times` [s], in order. `workers` > 1 renders in that many spawned processes."""
    if workers <= 1 or len(times) < 8:
        render = FrameRenderer(scene, trajectory, rig)
        for t in times:
            yield render(float(t))
        return
    # spawn, not fork: OpenCV's and BLAS's thread pools do not survive a fork reliably.
    context = multiprocessing.get_context('spawn')
    with context.Pool(workers, initializer=_init_worker, initargs=(scene, trajectory, rig)) as pool:
        yield from pool.imap(_render_in_worker, [float(t) for t in times], chunksize=4)
