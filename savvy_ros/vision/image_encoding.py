"""sensor_msgs/Image payloads <-> numpy arrays (what cv_bridge does, without cv_bridge).

Colour images become RGB uint8 (H, W, 3); depth images become float32 metres with NaN where
there is no measurement (REP 118: 16UC1 in millimetres with 0 = none, 32FC1 in metres).
"""
from __future__ import annotations

import cv2
import numpy as np

# encoding -> (dtype, channels)
_LAYOUT = {
    'rgb8': (np.uint8, 3), 'bgr8': (np.uint8, 3), 'rgba8': (np.uint8, 4), 'bgra8': (np.uint8, 4),
    'mono8': (np.uint8, 1), '8UC1': (np.uint8, 1), '8UC3': (np.uint8, 3), 'mono16': (np.uint16, 1),
    '16UC1': (np.uint16, 1), '32FC1': (np.float32, 1), 'yuv422': (np.uint8, 2), 'uyvy': (np.uint8, 2),
    'yuv422_yuy2': (np.uint8, 2), 'yuyv': (np.uint8, 2),
}
_TO_RGB = {
    'rgb8': None, '8UC3': None, 'bgr8': cv2.COLOR_BGR2RGB, 'rgba8': cv2.COLOR_RGBA2RGB,
    'bgra8': cv2.COLOR_BGRA2RGB, 'mono8': cv2.COLOR_GRAY2RGB, '8UC1': cv2.COLOR_GRAY2RGB,
    'yuv422': cv2.COLOR_YUV2RGB_UYVY, 'uyvy': cv2.COLOR_YUV2RGB_UYVY,
    'yuv422_yuy2': cv2.COLOR_YUV2RGB_YUY2, 'yuyv': cv2.COLOR_YUV2RGB_YUY2,
}
DEPTH_ENCODINGS = ('16UC1', 'mono16', '32FC1')


class UnsupportedEncodingError(ValueError):
    pass


class ImageDataError(ValueError):
    """The payload does not match the declared size, step or encoding (or is empty)."""


def image_array(encoding: str, height: int, width: int, step: int, data: bytes | np.ndarray,
                is_bigendian: bool = False) -> np.ndarray:
    """The payload as an (H, W[, C]) array of the encoding's dtype (a copy-free view when possible)."""
    if encoding not in _LAYOUT:
        raise UnsupportedEncodingError(f'unsupported image encoding {encoding!r}; supported: {", ".join(_LAYOUT)}')
    if height <= 0 or width <= 0:
        raise ImageDataError(f'empty image ({width}x{height})')
    dtype, channels = _LAYOUT[encoding]
    row_bytes = width * channels * np.dtype(dtype).itemsize
    if step < row_bytes:
        raise ImageDataError(f'{encoding} image step {step} B is shorter than a row of {width} px ({row_bytes} B)')
    buffer = np.frombuffer(memoryview(data).cast('B') if not isinstance(data, np.ndarray) else data.tobytes(),
                           dtype=np.uint8)
    if buffer.size < step * height:
        raise ImageDataError(f'{encoding} image {width}x{height} with step {step} needs {step * height} B, '
                             f'got {buffer.size} B')
    rows = buffer[:step * height].reshape(height, step)[:, :row_bytes]
    typed = np.dtype(dtype).newbyteorder('>' if is_bigendian else '<')
    array = np.ascontiguousarray(rows).view(typed).astype(dtype, copy=False)
    return array.reshape(height, width, channels) if channels > 1 else array.reshape(height, width)


def to_rgb8(encoding: str, height: int, width: int, step: int, data, is_bigendian: bool = False) -> np.ndarray:
    """Any supported colour or mono payload -> RGB uint8 (H, W, 3)."""
    if encoding not in _TO_RGB:
        raise UnsupportedEncodingError(f'cannot use {encoding!r} as a colour image; '
                                       f'supported: {", ".join(_TO_RGB)}')
    array = image_array(encoding, height, width, step, data, is_bigendian)
    code = _TO_RGB[encoding]
    return np.ascontiguousarray(array) if code is None else cv2.cvtColor(array, code)


def to_depth_meters(encoding: str, height: int, width: int, step: int, data,
                    is_bigendian: bool = False) -> np.ndarray:
    """16UC1 [mm] or 32FC1 [m] depth -> float32 metres, NaN where no measurement."""
    if encoding not in DEPTH_ENCODINGS:
        raise UnsupportedEncodingError(f'unsupported depth encoding {encoding!r}; supported: '
                                       f'{", ".join(DEPTH_ENCODINGS)}')
    array = image_array(encoding, height, width, step, data, is_bigendian)
    if array.dtype == np.uint16:
        depth = array.astype(np.float32) * 1e-3
        depth[array == 0] = np.nan
        return depth
    depth = array.astype(np.float32, copy=True)
    depth[~np.isfinite(depth) | (depth <= 0)] = np.nan
    return depth


def rgb8_payload(rgb: np.ndarray, encoding: str = 'rgb8') -> tuple[int, int, int, bytes]:
    """RGB uint8 (H, W, 3) -> (height, width, step, data) for an rgb8 or bgr8 Image."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ImageDataError(f'expected an (H, W, 3) uint8 image, got {rgb.shape} {rgb.dtype}')
    if encoding not in ('rgb8', 'bgr8'):
        raise UnsupportedEncodingError(f'can only write rgb8 or bgr8, not {encoding!r}')
    out = rgb if encoding == 'rgb8' else rgb[:, :, ::-1]
    h, w = rgb.shape[:2]
    return h, w, w * 3, np.ascontiguousarray(out).tobytes()
