"""Test images with known geometry: photos pasted at a known range, ArUco markers at a known pose."""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from scipy.spatial.transform import Rotation

from savvy_ros.vision.marker_geometry import marker_object_points
from savvy_ros.vision.camera_model import CameraModel

WIDTH, HEIGHT, FOCAL = 640, 480, 381.36


def pinhole(width: int = WIDTH, height: int = HEIGHT, focal: float = FOCAL) -> CameraModel:
    return CameraModel(width, height, np.array([[focal, 0, (width - 1) / 2], [0, focal, (height - 1) / 2], [0, 0, 1]]))


@lru_cache(maxsize=None)
def photo(name: str) -> np.ndarray:
    """The object-filling crop of a scikit-image sample photo (RGB)."""
    from skimage import data

    crops = {'person': data.astronaut()[:, 60:460], 'cat': data.chelsea(), 'cup': data.coffee()[0:310, 140:440]}
    return crops[name]


def background(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[: HEIGHT // 2] = (200, 190, 170)
    image[HEIGHT // 2:] = (120, 90, 60)
    return np.clip(image + rng.normal(0, 6, image.shape), 0, 255).astype(np.uint8)


def paste(image: np.ndarray, name: str, top_left: tuple[int, int], height_px: int) -> tuple[float, float, float, float]:
    """Paste the photo `height_px` tall at (x, y); returns its box (x_min, y_min, x_max, y_max)."""
    src = photo(name)
    width_px = int(round(src.shape[1] * height_px / src.shape[0]))
    x, y = top_left
    image[y:y + height_px, x:x + width_px] = cv2.resize(src, (width_px, height_px), interpolation=cv2.INTER_AREA)
    return (float(x), float(y), float(x + width_px), float(y + height_px))


def render_marker(camera: CameraModel, marker_id: int, size: float, translation, rotvec,
                  image: np.ndarray | None = None, supersample: int = 4) -> np.ndarray:
    """Draw an ArUco marker (white quiet zone around it) seen at the given pose (marker -> optical).

    Rendered `supersample` times larger and area-averaged down, like a real sensor integrates light.
    """
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    cells, cell_px = 6, 40
    marker = cv2.aruco.generateImageMarker(dictionary, marker_id, cells * cell_px)
    tag = np.pad(marker, cell_px, constant_values=255)            # quiet zone of one cell
    side = size * (cells + 2) / cells                              # quiet zone included [m]
    rotation = Rotation.from_rotvec(rotvec)
    s = supersample
    k = camera.k.copy()
    k[:2, :2] *= s
    k[:2, 2] = (k[:2, 2] + 0.5) * s - 0.5   # same pixel-centre convention at the finer scale
    fine = CameraModel(camera.width * s, camera.height * s, k)
    pixels = fine.project(rotation.apply(marker_object_points(side)) + np.asarray(translation))
    w, h = tag.shape[1] - 0.5, tag.shape[0] - 0.5   # outer pixel edges (OpenCV puts pixel centres on integers)
    src = np.array([[-0.5, -0.5], [w, -0.5], [w, h], [-0.5, h]], np.float32)
    warp = cv2.getPerspectiveTransform(src, pixels.astype(np.float32))
    size_fine = (fine.width, fine.height)
    coverage = cv2.warpPerspective(np.full(tag.shape, 1.0, np.float32), warp, size_fine)
    warped = cv2.warpPerspective(tag.astype(np.float32), warp, size_fine, flags=cv2.INTER_AREA)
    area = cv2.INTER_AREA
    coverage = cv2.resize(coverage, (camera.width, camera.height), interpolation=area)[..., None]
    warped = cv2.resize(warped, (camera.width, camera.height), interpolation=area)[..., None]
    out = background() if image is None else image
    blended = out * (1.0 - coverage) + warped * np.ones(3)
    out[:] = np.clip(np.round(blended), 0, 255).astype(np.uint8)
    return out
