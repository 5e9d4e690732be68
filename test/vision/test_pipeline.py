"""The whole vision stage in one call: frame checks and bit-for-bit repeatable replays."""
from __future__ import annotations

import numpy as np
import pytest
from scenes import background, paste, pinhole, render_marker
from scipy.spatial.transform import Rotation

from savvy_ros.vision.detector import DetectorConfig
from savvy_ros.vision.pipeline import FrameError, build_pipeline
from savvy_ros.vision.tracker import ObjectTracker

CAMERA = pinhole()


def frames() -> list[np.ndarray]:
    out = []
    for k in range(3):
        image = background(k)
        paste(image, 'person', (40 + 6 * k, 150), 220)
        paste(image, 'cat', (360, 250), 150)
        out.append(image)
    return out


def replay(images: list[np.ndarray]) -> list[list[tuple]]:
    pipeline = build_pipeline('coco', DetectorConfig(classes=('indoor',)), tracker=ObjectTracker())
    return [[(e.track_id, e.label, e.detection.score, tuple(e.position), e.covariance.tobytes())
             for e in pipeline.process(image, CAMERA, 100.0 + k / 15.0)] for k, image in enumerate(images)]


def test_same_frames_give_the_same_tracks():
    images = frames()
    first = replay(images)
    assert first == replay(images)
    # One stable track per object across the three frames, distinct ids.
    ids = {label: {t for frame in first for t, lab, *_ in frame if lab == label} for label in ('person', 'cat')}
    assert [len(v) for v in ids.values()] == [1, 1] and ids['person'] != ids['cat']
    assert all({'person', 'cat'} <= {label for _, label, *_ in frame} for frame in first)


def test_two_backends_on_one_image():
    image = background()
    paste(image, 'person', (40, 150), 220)
    render_marker(CAMERA, 0, 0.20, [0.4, -0.1, 1.5], Rotation.from_euler('x', np.pi).as_rotvec(), image)
    pipeline = build_pipeline('coco,aruco', DetectorConfig(classes=('indoor',)))
    assert pipeline.detector.name == 'coco,aruco'
    estimates = pipeline.process(image, CAMERA, 0.0)
    by_label = {e.label: e for e in estimates if e.detection.score > 0.5}
    assert by_label['door'].detection.detector == 'aruco' and by_label['person'].detection.detector == 'coco'
    np.testing.assert_allclose(by_label['door'].position, [0.4, -0.1, 1.5], atol=0.01)
    with pytest.raises(ValueError, match="unknown detector backend 'coco,yolo'"):
        build_pipeline('coco,yolo', DetectorConfig())


@pytest.mark.parametrize('rgb, depth, message', [
    (np.zeros((240, 320, 3), np.uint8), None, 'image is 320x240 px but the camera calibration is for 640x480'),
    (np.zeros((480, 640), np.uint8), None, 'expected an \\(H, W, 3\\) colour image'),
    (np.zeros((480, 640, 3), np.uint8), np.zeros((480, 640, 3), np.float32), 'expected an \\(H, W\\) depth image'),
])
def test_frames_that_do_not_fit_the_calibration(rgb, depth, message):
    pipeline = build_pipeline('coco', DetectorConfig(classes=('indoor',)))
    with pytest.raises(FrameError, match=message):
        pipeline.process(rgb, CAMERA, 0.0, depth)
