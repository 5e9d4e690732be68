"""A short MJPG video of a person and a walking cat, written with cv2.VideoWriter for camera tests."""
from __future__ import annotations

from pathlib import Path

import cv2
from scenes import background, paste

FRAMES = 12


def write_video(path: Path, fps: float = 10.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), fps, (640, 480))
    if not writer.isOpened():
        raise RuntimeError(f'cv2.VideoWriter cannot write MJPG to {path}')
    for k in range(FRAMES):
        frame = background()
        paste(frame, 'person', (40, 150), 220)
        paste(frame, 'cat', (360 + 4 * k, 250), 150)
        writer.write(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    writer.release()
    return path
