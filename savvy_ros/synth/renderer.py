"""Pinhole renderer of a synthetic room: floor, walls and ceiling by ray casting, objects as
textured quads (photo billboards facing the camera, boxes with tagged faces) with a z-buffer.

Camera optical frame (REP 103): z forward, x right, y down. Outputs RGB uint8 and depth [m]
(distance along the optical axis, as a depth camera reports it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from savvy_ros.synth.scene import CameraSpec, ObjectSpec, RoomSpec
from savvy_ros.synth.textures import box_face_textures, photo

NEAR = 0.05  # m: geometry closer than this to the camera plane is clipped


@dataclass(frozen=True)
class Intrinsics:
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float

    @classmethod
    def from_spec(cls, spec: CameraSpec) -> Intrinsics:
        f = 0.5 * spec.width / math.tan(math.radians(spec.hfov_deg) / 2.0)
        return cls(spec.width, spec.height, f, f, (spec.width - 1) / 2.0, (spec.height - 1) / 2.0)

    @property
    def matrix(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def project(self, points_optical: np.ndarray) -> np.ndarray:
        """(N, 3) points in the optical frame -> (N, 2) pixel coordinates (u right, v down)."""
        p = np.asarray(points_optical, dtype=float).reshape(-1, 3)
        return np.column_stack([self.fx * p[:, 0] / p[:, 2] + self.cx, self.fy * p[:, 1] / p[:, 2] + self.cy])


@dataclass(frozen=True)
class Quad:
    """A textured planar rectangle: corners top-left, top-right, bottom-right, bottom-left (world)."""

    corners: np.ndarray     # (4, 3) m
    texture: np.ndarray     # (h, w, 3) uint8, row 0 at the top edge


def billboard_quad(centre_xy: np.ndarray, elevation: float, size: tuple[float, float, float],
                   camera_xy: np.ndarray, texture: np.ndarray) -> Quad:
    """An upright photo at `centre_xy` turned to face the camera (about the vertical axis)."""
    facing = np.asarray(centre_xy, float) - np.asarray(camera_xy, float)  # camera -> object
    norm = float(np.hypot(*facing))
    forward = facing / norm if norm > 1e-9 else np.array([1.0, 0.0])
    right = np.array([forward[1], -forward[0], 0.0]) * (size[0] / 2.0)
    base = np.array([centre_xy[0], centre_xy[1], elevation])
    top = base + np.array([0.0, 0.0, size[2]])
    return Quad(np.array([top - right, top + right, base + right, base - right]), texture)


def box_quads(obj: ObjectSpec, centre_xy: np.ndarray, textures: dict[str, np.ndarray]) -> list[Quad]:
    """The five visible-able faces of an upright box (front face normal at yaw_deg)."""
    yaw = math.radians(obj.yaw_deg)
    normal = np.array([math.cos(yaw), math.sin(yaw), 0.0])
    side = np.array([-math.sin(yaw), math.cos(yaw), 0.0])   # left of the front normal
    w, d, h = obj.size[0] / 2.0, max(obj.size[1], 0.01) / 2.0, obj.size[2]
    base = np.array([centre_xy[0], centre_xy[1], obj.elevation])
    up = np.array([0.0, 0.0, h])

    def face(centre: np.ndarray, right: np.ndarray, texture: np.ndarray) -> Quad:
        # `right` is the face's horizontal half-extent as seen from outside the face
        return Quad(np.array([centre - right + up, centre + right + up, centre + right, centre - right]), texture)

    top_centre = base + up
    # A viewer outside a face, looking at it, has `right` on their right (no mirrored tags).
    quads = [face(base + normal * d, side * w, textures['front']),
             face(base - normal * d, -side * w, textures['back']),
             face(base + side * w, -normal * d, textures['left']),
             face(base - side * w, normal * d, textures['right'])]
    # Top: far edge (behind, -normal) is the texture's top row.
    quads.append(Quad(np.array([top_centre - normal * d - side * w, top_centre - normal * d + side * w,
                                top_centre + normal * d + side * w, top_centre + normal * d - side * w]),
                      textures['top']))
    return quads


class RoomRenderer:
    """Renders frames of one room for one camera; reuse it for every frame of an episode."""

    def __init__(self, room: RoomSpec, camera: CameraSpec, objects: tuple[ObjectSpec, ...]) -> None:
        self.room = room
        self.intrinsics = Intrinsics.from_spec(camera)
        k = self.intrinsics
        u, v = np.meshgrid(np.arange(k.width, dtype=np.float32), np.arange(k.height, dtype=np.float32))
        # Optical-frame ray of each pixel, scaled so that its z component is 1 (ray length = depth).
        self._rays = np.stack([(u - k.cx) / k.fx, (v - k.cy) / k.fy, np.ones_like(u)], axis=-1)
        # The room's surfaces are drawn at half resolution and scaled up (they are smooth; inverse
        # depth is linear in the image on each plane, so it scales up exactly). Half-size pixel i
        # covers full-size pixels 2i and 2i + 1: its centre is at 2i + 0.5 (as cv2.resize assumes).
        self._half = k.width % 2 == 0 and k.height % 2 == 0
        step = 2 if self._half else 1
        centre = 0.5 if self._half else 0.0
        hu, hv = np.meshgrid(np.arange(0, k.width, step, dtype=np.float32) + centre,
                             np.arange(0, k.height, step, dtype=np.float32) + centre)
        self._background_rays = ((hu - k.cx) / k.fx, (hv - k.cy) / k.fy)
        wall = np.array(room.wall_color, np.float32)
        # Colours of the six surfaces: walls +x, -x, +y, -y (shaded apart), ceiling, floor (textured).
        self._palette = np.array([wall * 0.92, wall * 0.874, wall * 0.8, wall * 0.76, (235, 235, 232), (0, 0, 0)],
                                 np.float32)
        self._objects = objects
        self._textures: dict[str, object] = {}
        for obj in objects:
            self._textures[obj.id] = box_face_textures(obj) if obj.visual == 'box' else photo(obj.photo or '')

    # -- background -------------------------------------------------------------------------------
    def _background(self, rotation: np.ndarray, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per-axis planar arrays throughout: this runs for every pixel of every frame."""
        rx, ry = self._background_rays
        r = rotation.astype(np.float32)
        size = np.array(self.room.size, np.float32)
        o = np.clip(origin.astype(np.float32), 1e-3, size - 1e-3)  # the camera is inside the room
        directions = [r[a, 0] * rx + r[a, 1] * ry + r[a, 2] for a in range(3)]   # world ray per axis
        with np.errstate(divide='ignore'):
            # Distance (in ray units = depth) to the wall each ray heads for along each axis.
            t = [np.where(d > 0, size[a] - o[a], o[a]) / np.abs(d) for a, d in enumerate(directions)]
        depth = np.minimum(np.minimum(t[0], t[1]), t[2])
        label = np.where(t[0] <= depth, np.where(directions[0] > 0, 0, 1),
                         np.where(t[1] <= depth, np.where(directions[1] > 0, 2, 3),
                                  np.where(directions[2] > 0, 4, 5))).astype(np.uint8)
        image = self._palette[label]
        height = o[2] + depth * directions[2]
        image[(label < 4) & (height < 0.08)] = (90.0, 80.0, 70.0)      # skirting board
        floor = label == 5
        if floor.any():
            image[floor] = self._floor(o[0] + depth[floor] * directions[0][floor],
                                       o[1] + depth[floor] * directions[1][floor])
        # Light falls off a little with distance: depth cues for the eye, nothing more.
        image *= np.clip(1.1 - 0.03 * depth, 0.6, 1.0)[..., None]
        if self._half:
            size_px = (self.intrinsics.width, self.intrinsics.height)
            image = cv2.resize(image, size_px, interpolation=cv2.INTER_LINEAR)
            depth = 1.0 / cv2.resize(1.0 / depth, size_px, interpolation=cv2.INTER_LINEAR)
        return image, depth

    def _floor(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.room.floor == 'tiles':
            checker = (np.floor(x / 0.5) + np.floor(y / 0.5)) % 2
            grout = (np.abs(x / 0.5 - np.round(x / 0.5)) < 0.02) | (np.abs(y / 0.5 - np.round(y / 0.5)) < 0.02)
            rgb = np.where(checker[:, None] > 0, [[205, 200, 190]], [[165, 160, 150]]).astype(np.float32)
            rgb[grout] = (110, 105, 100)
            return rgb
        plank = np.floor(y / 0.18)
        tone = 0.85 + 0.15 * np.sin(plank * 12.9898) ** 2           # per-plank colour, fixed pattern
        grain = 0.93 + 0.07 * np.sin(x * 23.0 + plank * 3.1)
        rgb = np.array([[150, 105, 65]], np.float32) * (tone * grain)[:, None]
        seam = np.abs(y / 0.18 - np.round(y / 0.18)) < 0.04
        rgb[seam] *= 0.6
        return rgb

    # -- objects ----------------------------------------------------------------------------------
    def _draw_quad(self, quad: Quad, rotation: np.ndarray, origin: np.ndarray,
                   image: np.ndarray, depth: np.ndarray) -> None:
        k = self.intrinsics
        corners = (quad.corners - origin) @ rotation              # optical frame, (4, 3)
        if corners[:, 2].max() < NEAR:
            return
        # Back-face culling: a quad's corners run clockwise seen from its front, so this normal
        # points away from a viewer in front of it.
        normal = _cross(corners[1] - corners[0], corners[3] - corners[0])
        if float(normal @ corners[0]) <= 0.0:
            return
        polygon = _clip_near(corners)
        if len(polygon) < 3:
            return
        pixels = k.project(polygon)
        lo = np.floor(pixels.min(axis=0)).astype(int)
        hi = np.ceil(pixels.max(axis=0)).astype(int)
        x0, y0 = max(lo[0], 0), max(lo[1], 0)
        x1, y1 = min(hi[0] + 1, k.width), min(hi[1] + 1, k.height)
        if x1 <= x0 or y1 <= y0:
            return
        th, tw = quad.texture.shape[:2]
        # Plane point = c0 + s (c1 - c0) + q (c3 - c0), s, q in [0, 1] across the texture.
        plane = np.column_stack([corners[1] - corners[0], corners[3] - corners[0], corners[0]])
        if abs(np.linalg.det(plane)) < 1e-12:  # seen exactly edge-on: nothing to draw
            return
        to_image = k.matrix @ plane @ np.diag([1.0 / tw, 1.0 / th, 1.0])
        shift = np.array([[1.0, 0.0, -x0], [0.0, 1.0, -y0], [0.0, 0.0, 1.0]])
        size = (x1 - x0, y1 - y0)
        warped = cv2.warpPerspective(quad.texture, shift @ to_image, size, flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_REPLICATE)
        # Pixel ray d (z = 1) meets the plane at plane @ [s, q, 1] = d / lam with
        # [s, q, 1] * lam = inv(plane) @ d; the depth there is 1 / lam. Inside the quad: s, q in [0, 1].
        sq = self._rays[y0:y1, x0:x1] @ np.linalg.inv(plane).T.astype(np.float32)
        lam = sq[..., 2]
        with np.errstate(divide='ignore', invalid='ignore'):
            s, q, z = sq[..., 0] / lam, sq[..., 1] / lam, 1.0 / lam
        inside = (lam > 0) & (s >= 0.0) & (s <= 1.0) & (q >= 0.0) & (q <= 1.0)
        region = depth[y0:y1, x0:x1]
        write = inside & (z > NEAR) & (z < region)
        region[write] = z[write]
        image[y0:y1, x0:x1][write] = warped[write]

    def quads_at(self, centres: dict[str, np.ndarray], camera_xy: np.ndarray) -> list[Quad]:
        quads: list[Quad] = []
        for obj in self._objects:
            centre = centres[obj.id]
            texture = self._textures[obj.id]
            if obj.visual == 'box':
                quads.extend(box_quads(obj, centre, texture))  # type: ignore[arg-type]
            else:
                quads.append(billboard_quad(centre, obj.elevation, obj.size, camera_xy, texture))  # type: ignore[arg-type]
        return quads

    def render(self, rotation: np.ndarray, origin: np.ndarray,
               centres: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """(RGB uint8 (H, W, 3), depth float32 (H, W) m) seen from world_T_optical = (rotation, origin);
        `centres` maps object id -> floor position (x, y) at the frame's time."""
        rotation = np.asarray(rotation, float)
        origin = np.asarray(origin, float)
        background, depth = self._background(rotation, origin)
        image = np.clip(background, 0, 255).astype(np.uint8)
        depth = depth.astype(np.float32)
        for quad in self.quads_at(centres, origin[:2]):
            self._draw_quad(quad, rotation, origin, image, depth)
        return image, depth


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """3-vector cross product (np.cross costs more than the arithmetic for a single pair)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]])


def _clip_near(corners: np.ndarray) -> np.ndarray:
    """Sutherland-Hodgman clip of a polygon (optical frame) to z >= NEAR."""
    out: list[np.ndarray] = []
    count = len(corners)
    for i in range(count):
        a, b = corners[i], corners[(i + 1) % count]
        a_in, b_in = a[2] >= NEAR, b[2] >= NEAR
        if a_in:
            out.append(a)
        if a_in != b_in:
            r = (NEAR - a[2]) / (b[2] - a[2])
            out.append(a + r * (b - a))
    return np.array(out).reshape(-1, 3)
