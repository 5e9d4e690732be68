"""Fill a RollingBuffer from a video file and/or an audio file (clip time 0 = the files' start)."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import soundfile

from savvy_ros.snapshot.clip import RollingBuffer


class MediaFileError(ValueError):
    pass


def load_media(buffer: RollingBuffer, video: str = '', audio: str = '') -> None:
    if video:
        if not Path(video).is_file():
            raise MediaFileError(f'video file {video} does not exist')
        capture = cv2.VideoCapture(video)
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        if not capture.isOpened() or fps <= 0:
            raise MediaFileError(f'{video}: OpenCV cannot read it as a video')
        index = 0
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            buffer.add_frame(index / fps, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            index += 1
        capture.release()
        if index == 0:
            raise MediaFileError(f'{video}: no frame could be decoded')
    if audio:
        try:
            samples, rate = soundfile.read(audio, dtype='float32', always_2d=True)
        except (OSError, RuntimeError, soundfile.LibsndfileError) as exc:
            raise MediaFileError(f'{audio}: cannot read it as audio: {exc}') from exc
        if not samples.size:
            raise MediaFileError(f'{audio}: no samples')
        buffer.add_audio(0.0, int(rate), samples.mean(axis=1, dtype=np.float64).astype(np.float32))
