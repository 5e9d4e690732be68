"""Geometry of square fiducials: corner refinement by edge fitting and the marker pose (solvePnP)."""
from __future__ import annotations

import cv2
import numpy as np

from savvy_ros.vision.camera_model import CameraModel

MIN_EDGE_CONTRAST = 30.0   # grey levels between the black border and the quiet zone


def marker_object_points(size: float) -> np.ndarray:
    """Corners in the marker frame (x right, y up, z out of the marker), cv2.aruco's order."""
    s = size / 2.0
    return np.array([[-s, s, 0.0], [s, s, 0.0], [s, -s, 0.0], [-s, -s, 0.0]])


def _edge_line(gray: np.ndarray, start: np.ndarray, end: np.ndarray, reach: float) -> np.ndarray | None:
    """(direction, point) of the line where the intensity crosses mid-level near the segment, sub-pixel.

    On an area-sampled step edge the bilinear profile crosses the middle of its two levels exactly
    at the edge, whatever the edge's sub-pixel position (a gradient maximum would be flat there).
    """
    along = end - start
    length = float(np.linalg.norm(along))
    if length < 4.0:
        return None
    normal = np.array([-along[1], along[0]]) / length
    centres = start + np.linspace(0.15, 0.85, max(8, int(length)))[:, None] * along   # away from the corners
    offsets = np.linspace(-reach, reach, 4 * int(np.ceil(reach)) + 1)
    samples = (centres[:, None, :] + offsets[None, :, None] * normal).astype(np.float32)
    profile = cv2.remap(gray, samples[..., 0], samples[..., 1], cv2.INTER_LINEAR)
    low, high = profile.min(axis=1), profile.max(axis=1)
    signed = profile - ((low + high) / 2)[:, None]
    crossing = (signed[:, :-1] * signed[:, 1:] <= 0) & (signed[:, :-1] != signed[:, 1:])
    # The crossing nearest the detected edge, per sample line.
    distance = np.where(crossing, np.abs(np.arange(crossing.shape[1]) - (crossing.shape[1] - 1) / 2), np.inf)
    index = np.argmin(distance, axis=1)
    rows = np.flatnonzero(np.isfinite(distance[np.arange(len(index)), index]) & (high - low > MIN_EDGE_CONTRAST))
    if rows.size < 4:
        return None
    a, b = signed[rows, index[rows]], signed[rows, index[rows] + 1]
    position = offsets[index[rows]] + (offsets[1] - offsets[0]) * a / (a - b)
    points = centres[rows] + position[:, None] * normal
    return cv2.fitLine(points.astype(np.float32), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()


def refine_marker_corners(gray: np.ndarray, quad: np.ndarray, cells: int) -> np.ndarray:
    """Corners as intersections of lines fitted to the marker's four outer edges.

    A corner detector sees only a few pixels around each corner; the outer edge (black border on
    the white quiet zone) is straight along the whole side, so fitting it is far less noisy on
    small, far or tilted markers. Corners that would move more than a cell stay as detected.
    """
    side = float(np.mean(np.linalg.norm(quad - np.roll(quad, 1, axis=0), axis=1)))
    reach = min(2.5, 0.45 * side / cells)   # stay clear of the border's inner edge
    lines = [_edge_line(gray, quad[i], quad[(i + 1) % 4], reach) for i in range(4)]
    refined = quad.copy()
    for i in range(4):
        before, after = lines[i - 1], lines[i]   # edges (i-1 -> i) and (i -> i+1) meet at corner i
        if before is None or after is None:
            continue
        matrix = np.array([[before[0], -after[0]], [before[1], -after[1]]])
        if abs(np.linalg.det(matrix)) < 1e-6:
            continue
        t = np.linalg.solve(matrix, after[2:] - before[2:])
        corner = before[2:] + t[0] * before[:2]
        if np.linalg.norm(corner - quad[i]) < side / cells:
            refined[i] = corner
    return refined


def marker_pose(object_points: np.ndarray, pixels: np.ndarray,
                camera: CameraModel) -> tuple[np.ndarray, np.ndarray] | None:
    """(rvec, tvec) of the marker frame in the optical frame with the least reprojection error.

    IPPE_SQUARE gives both planar solutions, but on an exactly fronto-parallel square it can
    return a wrong one; the iterative solver is added as a candidate and the best one kept.
    """
    candidates = []
    count, rvecs, tvecs, _ = cv2.solvePnPGeneric(object_points, pixels, camera.k, camera.d,
                                                 flags=cv2.SOLVEPNP_IPPE_SQUARE)
    candidates += list(zip(rvecs, tvecs))[:count]
    ok, rvec, tvec = cv2.solvePnP(object_points, pixels, camera.k, camera.d, flags=cv2.SOLVEPNP_ITERATIVE)
    if ok:
        candidates.append((rvec, tvec))
    best, best_error = None, np.inf
    for rvec, tvec in candidates:
        if tvec.ravel()[2] <= 0:
            continue  # behind the camera
        projected = cv2.projectPoints(object_points, rvec, tvec, camera.k, camera.d)[0].reshape(-1, 2)
        error = float(np.sqrt(np.mean(np.sum((projected - pixels) ** 2, axis=1))))
        if error < best_error:
            best, best_error = (rvec.ravel(), tvec.ravel()), error
    return best
