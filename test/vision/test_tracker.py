"""Short-term tracking: stable ids, class and 3D gating, Hungarian assignment, ageing."""
from __future__ import annotations

import numpy as np
from scenes import pinhole

from savvy_ros.vision.detection import DepthSource, Detection, ObjectEstimate
from savvy_ros.vision.lifting import ray_covariance
from savvy_ros.vision.tracker import ObjectTracker

CAMERA = pinhole()


def estimate(label: str, position, half_size_px: float = 30.0) -> ObjectEstimate:
    position = np.asarray(position, dtype=float)
    u, v = CAMERA.project(position[None])[0]
    box = (u - half_size_px, v - half_size_px, u + half_size_px, v + half_size_px)
    covariance = ray_covariance(position, 0.1 * position[2], 0.01 * position[2])
    return ObjectEstimate(Detection(label, 0.9, box, 'coco'), position, covariance, DepthSource.SIZE_PRIOR)


def test_ids_are_stable_while_objects_move():
    tracker = ObjectTracker()
    ids = []
    for k in range(20):
        t = k / 15.0
        person, cat = estimate('person', [-1 + 0.8 * t, 0.0, 3.0]), estimate('cat', [1.0, 0.5, 2.0 - 0.3 * t])
        out = tracker.update([person, cat], t)
        ids.append([e.track_id for e in out])
    assert ids == [[1, 2]] * 20
    assert all(e.track_id > 0 for e in out)


def test_crossing_same_class_objects_keep_their_ids_by_3d_position():
    tracker = ObjectTracker()
    for k in range(10):
        t = k / 10.0
        a = estimate('person', [-1 + 2 * t, 0.0, 2.0])      # walks left to right, near
        b = estimate('person', [1 - 2 * t, 0.0, 5.0])       # walks right to left, far
        out = tracker.update([b, a] if k % 2 else [a, b], t)  # detection order must not matter
        by_range = sorted(out, key=lambda e: e.position[2])
        assert [e.track_id for e in by_range] == [1, 2]


def test_label_change_or_jump_starts_a_new_track():
    tracker = ObjectTracker()
    [first] = tracker.update([estimate('cat', [0.0, 0.0, 2.0])], 0.0)
    [relabelled] = tracker.update([estimate('dog', [0.0, 0.0, 2.0])], 0.1)
    [jumped] = tracker.update([estimate('dog', [0.0, 0.0, 6.0])], 0.2)   # 40 m/s: outside the gate
    assert (first.track_id, relabelled.track_id, jumped.track_id) == (1, 2, 3)


def test_tracks_age_out_and_ids_are_not_reused():
    tracker = ObjectTracker(max_age=0.5)
    tracker.update([estimate('cup', [0.2, 0.1, 1.0])], 0.0)
    assert tracker.update([], 0.4) == [] and len(tracker.tracks) == 1
    [again] = tracker.update([estimate('cup', [0.2, 0.1, 1.0])], 0.45)
    assert again.track_id == 1
    tracker.update([], 1.5)
    assert tracker.tracks == []
    [new] = tracker.update([estimate('cup', [0.2, 0.1, 1.0])], 1.6)
    assert new.track_id == 2


def test_clock_jumping_back_starts_over():
    tracker = ObjectTracker()
    tracker.update([estimate('cup', [0.2, 0.1, 1.0]), estimate('tv', [1.0, 0.0, 3.0])], 10.0)
    out = tracker.update([estimate('tv', [1.0, 0.0, 3.0])], 2.0)   # bag looped
    assert [e.track_id for e in out] == [1] and len(tracker.tracks) == 1


def test_a_slightly_late_frame_keeps_the_tracks():
    tracker = ObjectTracker()
    first = tracker.update([estimate('tv', [1.0, 0.0, 3.0])], 10.0)
    late = tracker.update([estimate('tv', [1.0, 0.0, 3.0])], 9.9)   # released out of order by the synchroniser
    assert [e.track_id for e in late] == [e.track_id for e in first] == [1]


def test_min_iou_gate():
    tracker = ObjectTracker(min_iou=0.3)
    tracker.update([estimate('person', [0.0, 0.0, 3.0], half_size_px=20)], 0.0)
    # Same 3D place within the gate but the box moved by more than its size: no association.
    moved = estimate('person', [0.0, 0.0, 3.0], half_size_px=20)
    box = tuple(v + (50 if i % 2 == 0 else 0) for i, v in enumerate(moved.detection.box))
    shifted = ObjectEstimate(Detection('person', 0.9, box, 'coco'), moved.position, moved.covariance,
                             DepthSource.SIZE_PRIOR)
    [out] = tracker.update([shifted], 0.05)
    assert out.track_id == 2
