"""CombinedDetector: several backends on one frame, the later ones on worker threads."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from savvy_ros.vision.detection import Detection
from savvy_ros.vision.detector import CombinedDetector, Detector

IMAGE = np.zeros((4, 4, 3), np.uint8)


class Recording(Detector):
    """Returns fixed detections; records the thread and the frames it saw; may raise or wait."""

    def __init__(self, name: str, scores: list[float], error: Exception | None = None,
                 hold: threading.Event | None = None) -> None:
        self.name, self.scores, self.error, self.hold = name, scores, error, hold
        self.threads: list[str] = []
        self.frames: list[np.ndarray] = []
        self.finished = threading.Event()

    def detect(self, rgb, camera=None):
        self.threads.append(threading.current_thread().name)
        self.frames.append(rgb)
        if self.hold is not None:
            assert self.hold.wait(5.0), 'never released'
        self.finished.set()
        if self.error is not None:
            raise self.error
        return [Detection(self.name, s, (0.0, 0.0, 1.0, 1.0), self.name) for s in self.scores]


def test_results_merged_by_score_with_backend_order_breaking_ties():
    first, second = Recording('coco', [0.9, 0.5]), Recording('aruco', [1.0, 0.5])
    merged = CombinedDetector([first, second]).detect(IMAGE)
    assert [(d.detector, d.score) for d in merged] == [('aruco', 1.0), ('coco', 0.9), ('coco', 0.5), ('aruco', 0.5)]
    assert first.frames[0] is IMAGE and second.frames[0] is IMAGE


def test_later_backends_run_on_a_worker_thread_beside_the_first():
    first, second, third = Recording('coco', [0.4]), Recording('aruco', [0.6]), Recording('other', [0.5])
    combined = CombinedDetector([first, second, third])
    for _ in range(3):
        assert [d.detector for d in combined.detect(IMAGE)] == ['aruco', 'other', 'coco']
    assert first.threads == [threading.current_thread().name] * 3
    assert all(name.startswith('detector') for name in second.threads + third.threads)


def test_a_worker_backend_error_reaches_the_caller():
    combined = CombinedDetector([Recording('coco', [0.4]), Recording('aruco', [], error=ValueError('bad marker'))])
    with pytest.raises(ValueError, match='bad marker'):
        combined.detect(IMAGE)


def test_a_first_backend_error_still_waits_for_the_others():
    # The worker backend is held until after the first one failed: detect() must not return before it ends,
    # or it could still be busy with this frame when the next one arrives.
    release = threading.Event()
    worker = Recording('aruco', [0.6], hold=release)

    class FailingFirst(Recording):
        def detect(self, rgb, camera=None):
            threading.Timer(0.05, release.set).start()
            raise RuntimeError('network failed')

    with pytest.raises(RuntimeError, match='network failed'):
        CombinedDetector([FailingFirst('coco', []), worker]).detect(IMAGE)
    assert worker.finished.is_set()


def test_one_backend_needs_no_pool():
    only = Recording('coco', [0.3])
    combined = CombinedDetector([only])
    assert [d.score for d in combined.detect(IMAGE)] == [0.3]
