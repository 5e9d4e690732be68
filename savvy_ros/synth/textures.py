"""Textures for the renderer: real photographs shipped with scikit-image, ArUco tags, box faces."""
from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from savvy_ros.synth.scene import ObjectSpec

ARUCO_DICTIONARY = cv2.aruco.DICT_4X4_50
TEXELS_PER_METRE = 256.0
ARUCO_FRACTION = 0.5      # tag side as a fraction of the smaller side of the face it is on
ARUCO_MAX_SIDE = 0.30     # m
SIDE_SHADE = 0.8          # box side faces are drawn darker than the front, the top lighter
TOP_SHADE = 1.1
ARUCO_CELLS = 6           # 4x4 data bits + 1 black border cell on each side
# The depicted object itself (rows, columns of the sample photo), without its surroundings: a
# billboard is the object, so its size and centre in the ground truth must be the object's. The
# uncropped photos left the cameraman 13 % shorter than his billboard (sky above the head) and the
# motorcycle 25 % (garage around it), and the vision node, sizing them by their billboard's height,
# placed them that much too far. The cup keeps its saucer: the detector's cup box takes it in, and
# without it SSD calls the cup a bowl. Extents read off the photos by eye; rendered at 1.5-5.5 m
# the detector's boxes are 0.95-1.01 of the billboard's height (0.75-0.97 uncropped).
PHOTO_CROPS = {'coffee': ((10, 340), (110, 460)),
               'camera': ((62, 512), (0, 335)),
               'astronaut': ((12, 512), (0, 375)),
               'motorcycle': ((40, 452), (88, 690))}


class TextureError(RuntimeError):
    """A photograph cannot be loaded from the installed scikit-image."""


@lru_cache(maxsize=None)
def photo(name: str) -> np.ndarray:
    """(h, w, 3) uint8 RGB sample photograph from scikit-image's data (shipped in the wheel)."""
    import skimage.data

    try:
        if name == 'motorcycle':
            image = skimage.data.stereo_motorcycle()[0]
        elif name == 'horse':  # a silhouette: paint it horse-brown on a light ground
            mask = ~skimage.data.horse()
            image = np.where(mask[..., None], np.array([120, 80, 45], np.uint8), np.array([235, 230, 220], np.uint8))
        else:
            image = getattr(skimage.data, name)()
    except (AttributeError, OSError, ValueError) as exc:
        raise TextureError(f'cannot load the scikit-image sample photograph {name!r}: {exc}') from exc
    if name in PHOTO_CROPS:
        rows, cols = PHOTO_CROPS[name]
        image = image[rows[0]:rows[1], cols[0]:cols[1]]
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    image = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
    image.setflags(write=False)
    return image


def aruco_side(face_width: float, face_height: float) -> float:
    """Side of the ArUco tag (black square, metres) intended for a face of this size."""
    return min(ARUCO_FRACTION * min(face_width, face_height), ARUCO_MAX_SIDE)


def _texels(metres: float) -> int:
    return max(2, int(round(metres * TEXELS_PER_METRE)))


def aruco_texels(face_width: float, face_height: float) -> int:
    """Side of the drawn tag in texels: a whole number of cells, so that every cell is crisp."""
    return ARUCO_CELLS * max(1, int(round(aruco_side(face_width, face_height) * TEXELS_PER_METRE)) // ARUCO_CELLS)


def rendered_aruco_side(face_width: float, face_height: float) -> float:
    """Side of the tag as drawn [m]: what the ground truth must declare. Rounding to whole cells
    made tags up to 1/6 smaller than `aruco_side` (a 0.075 m tag was drawn 0.070 m), and every
    tag-ranged object came out 6-7 % too far."""
    texel = 0.5 * (face_width / _texels(face_width) + face_height / _texels(face_height))  # [m] on the face
    return aruco_texels(face_width, face_height) * texel


def _solid(width_m: float, height_m: float, color: tuple[int, int, int], shade: float = 1.0) -> np.ndarray:
    w, h = _texels(width_m), _texels(height_m)
    rgb = np.clip(np.array(color, float) * shade, 0, 255).astype(np.uint8)
    texture = np.empty((h, w, 3), np.uint8)
    texture[:] = rgb
    # A thin darker rim makes box edges visible against same-coloured neighbours.
    rim = max(1, min(h, w) // 40)
    texture[:rim], texture[-rim:], texture[:, :rim], texture[:, -rim:] = (rgb * 0.6).astype(np.uint8), \
        (rgb * 0.6).astype(np.uint8), (rgb * 0.6).astype(np.uint8), (rgb * 0.6).astype(np.uint8)
    return texture


def _paste_centred(texture: np.ndarray, patch: np.ndarray) -> None:
    h, w = patch.shape[:2]
    top, left = (texture.shape[0] - h) // 2, (texture.shape[1] - w) // 2
    texture[top:top + h, left:left + w] = patch


def front_texture(obj: ObjectSpec) -> np.ndarray:
    """The front face of a box: its colour, a photo (screen) inset, and/or a centred ArUco tag."""
    width, height = obj.size[0], obj.size[2]
    texture = _solid(width, height, obj.color)
    if obj.front_photo is not None:
        border = max(2, int(0.06 * min(texture.shape[:2])))
        inner = (texture.shape[1] - 2 * border, texture.shape[0] - 2 * border)
        _paste_centred(texture, cv2.resize(photo(obj.front_photo), inner, interpolation=cv2.INTER_AREA))
    if obj.aruco_id is not None:
        marker = cv2.aruco.generateImageMarker(cv2.aruco.getPredefinedDictionary(ARUCO_DICTIONARY),
                                               obj.aruco_id, aruco_texels(width, height))
        quiet = marker.shape[0] // ARUCO_CELLS  # white quiet zone of one cell around the tag
        tag = np.full((marker.shape[0] + 2 * quiet,) * 2, 255, np.uint8)
        tag[quiet:-quiet, quiet:-quiet] = marker
        _paste_centred(texture, np.repeat(tag[..., None], 3, axis=2))
    return texture


def box_face_textures(obj: ObjectSpec) -> dict[str, np.ndarray]:
    """Textures of a box's faces: 'front' (tag/photo), 'back', 'left', 'right', 'top'."""
    width, depth, height = obj.size
    depth = max(depth, 0.01)
    return {'front': front_texture(obj),
            'back': _solid(width, height, obj.color, SIDE_SHADE),
            'left': _solid(depth, height, obj.color, SIDE_SHADE),
            'right': _solid(depth, height, obj.color, SIDE_SHADE),
            'top': _solid(width, depth, obj.color, TOP_SHADE)}
