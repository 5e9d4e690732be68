"""sensor_msgs/Image payload conversion: colour encodings, row padding, depth units, bad payloads."""
from __future__ import annotations

import numpy as np
import pytest

from savvy_ros.vision.image_encoding import (ImageDataError, UnsupportedEncodingError, rgb8_payload, to_depth_meters,
                                             to_rgb8)

RGB = np.random.default_rng(1).integers(0, 256, (4, 5, 3), dtype=np.uint8)


@pytest.mark.parametrize('encoding, payload', [
    ('rgb8', RGB), ('bgr8', RGB[:, :, ::-1]), ('rgba8', np.dstack([RGB, np.full((4, 5), 7, np.uint8)])),
    ('bgra8', np.dstack([RGB[:, :, ::-1], np.zeros((4, 5), np.uint8)])),
])
def test_colour_encodings_become_rgb(encoding, payload):
    payload = np.ascontiguousarray(payload)
    out = to_rgb8(encoding, 4, 5, payload.shape[1] * payload.shape[2], payload.tobytes())
    np.testing.assert_array_equal(out, RGB)


def test_mono_yuv_and_padded_rows():
    gray = RGB[:, :, 0]
    padded = np.zeros((4, 8), np.uint8)
    padded[:, :5] = gray  # step 8 > width 5: row padding must be skipped
    np.testing.assert_array_equal(to_rgb8('mono8', 4, 5, 8, padded.tobytes()), np.dstack([gray] * 3))
    # YUYV of Y = U = V = 128 is a neutral grey (BT.601 video range: Y 128 -> 130).
    out = to_rgb8('yuyv', 4, 6, 12, np.full(48, 128, np.uint8).tobytes())
    assert out.shape == (4, 6, 3) and np.all(np.abs(out.astype(int) - 130) <= 1)


def test_rgb_payload_round_trip():
    height, width, step, data = rgb8_payload(RGB, 'bgr8')
    np.testing.assert_array_equal(to_rgb8('bgr8', height, width, step, data), RGB)


def test_depth_units_and_missing_values():
    mm = np.array([[0, 1000], [2500, 65535]], np.uint16)
    depth = to_depth_meters('16UC1', 2, 2, 4, mm.tobytes())
    assert np.isnan(depth[0, 0]) and depth[0, 1] == pytest.approx(1.0) and depth[1, 0] == pytest.approx(2.5)
    big_endian = to_depth_meters('16UC1', 2, 2, 4, mm.astype('>u2').tobytes(), is_bigendian=True)
    np.testing.assert_array_equal(np.isnan(big_endian), np.isnan(depth))
    metres = np.array([[np.nan, 1.5], [np.inf, -1.0]], np.float32)
    out = to_depth_meters('32FC1', 2, 2, 8, metres.tobytes())
    assert out[0, 1] == pytest.approx(1.5) and np.isnan(out[[0, 1, 1], [0, 0, 1]]).all()


@pytest.mark.parametrize('args, error, message', [
    (('jpeg', 4, 5, 15, b''), UnsupportedEncodingError, "cannot use 'jpeg' as a colour image"),
    (('rgb8', 0, 5, 15, b''), ImageDataError, 'empty image'),
    (('rgb8', 4, 5, 10, bytes(60)), ImageDataError, 'shorter than a row'),
    (('rgb8', 4, 5, 15, bytes(59)), ImageDataError, 'needs 60 B, got 59 B'),
    (('32FC1', 4, 5, 20, bytes(80)), UnsupportedEncodingError, 'cannot use'),
])
def test_bad_payloads_raise_specific_errors(args, error, message):
    with pytest.raises(error, match=message):
        to_rgb8(*args)


def test_colour_image_is_not_depth():
    with pytest.raises(UnsupportedEncodingError, match='unsupported depth encoding'):
        to_depth_meters('rgb8', 4, 5, 15, bytes(60))
