"""Tests for savvy_ros.tf.transform.Transform against scipy ground truth (no rclpy)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from savvy_ros.tf import Transform

ATOL = 1e-9


def _random_quat(rng: np.random.Generator) -> np.ndarray:
    q = rng.normal(size=4)
    return q / np.linalg.norm(q)


def _matrix(translation: np.ndarray, quat: np.ndarray) -> np.ndarray:
    """Independent 4x4 ground truth built with scipy."""
    m = np.eye(4)
    m[:3, :3] = Rotation.from_quat(quat).as_matrix()
    m[:3, 3] = translation
    return m


def _random_transform(rng: np.random.Generator) -> tuple[Transform, np.ndarray]:
    t = rng.uniform(-5.0, 5.0, 3)
    q = _random_quat(rng)
    return Transform(t, q), _matrix(t, q)


def test_identity() -> None:
    ident = Transform.identity()
    np.testing.assert_array_equal(ident.translation, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(ident.rotation, [0.0, 0.0, 0.0, 1.0])
    np.testing.assert_array_equal(ident.as_matrix(), np.eye(4))
    p = np.array([1.5, -2.0, 3.25])
    np.testing.assert_array_equal(ident.apply(p), p)


def test_fields_are_float64_copies_normalised_and_read_only() -> None:
    t_in = [1, 2, 3]
    q_in = np.array([0.0, 0.0, 2.0, 2.0])
    tf = Transform(t_in, q_in)
    assert tf.translation.dtype == np.float64 and tf.translation.shape == (3,)
    assert tf.rotation.dtype == np.float64 and tf.rotation.shape == (4,)
    np.testing.assert_allclose(tf.rotation, [0.0, 0.0, math.sqrt(0.5), math.sqrt(0.5)],
                               rtol=0, atol=1e-15)
    q_in[0] = 99.0  # the caller's array must not alias the stored one
    np.testing.assert_allclose(np.linalg.norm(tf.rotation), 1.0, rtol=0, atol=1e-15)
    with pytest.raises(ValueError):
        tf.translation[0] = 5.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        tf.translation = np.zeros(3)  # type: ignore[misc]


@pytest.mark.parametrize('translation, rotation, field', [
    ([np.nan, 0, 0], [0, 0, 0, 1], 'translation'),
    ([0, np.inf, 0], [0, 0, 0, 1], 'translation'),
    ([0, 0, 0], [0, np.nan, 0, 1], 'rotation'),
    ([0, 0, 0], [0, 0, -np.inf, 1], 'rotation'),
    ([0, 0, 0], [0, 0, 0, 0], 'rotation'),
    ([0, 0], [0, 0, 0, 1], 'translation'),
    ([0, 0, 0], [0, 0, 1], 'rotation'),
])
def test_invalid_construction_names_field(translation, rotation, field) -> None:
    with pytest.raises(ValueError, match=field):
        Transform(translation, rotation)


def test_as_matrix_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        tf, m = _random_transform(rng)
        np.testing.assert_allclose(tf.as_matrix(), m, rtol=0, atol=ATOL)


def test_from_matrix_round_trip() -> None:
    rng = np.random.default_rng(2)
    for _ in range(50):
        tf, m = _random_transform(rng)
        back = Transform.from_matrix(m)
        np.testing.assert_allclose(back.as_matrix(), m, rtol=0, atol=ATOL)
        assert back.allclose(tf, atol=ATOL)
        # -q is the same rotation; allclose must not care about the sign.
        assert Transform(tf.translation, -tf.rotation).allclose(tf, atol=ATOL)


def test_from_matrix_rejects_bad_input() -> None:
    m = np.eye(4)
    m[3, 0] = 0.5
    with pytest.raises(ValueError, match='bottom row'):
        Transform.from_matrix(m)
    with pytest.raises(ValueError, match='shape'):
        Transform.from_matrix(np.eye(3))
    reflection = np.diag([1.0, 1.0, -1.0, 1.0])
    with pytest.raises(ValueError, match='det'):
        Transform.from_matrix(reflection)
    nan = np.eye(4)
    nan[0, 3] = np.nan
    with pytest.raises(ValueError, match='finite'):
        Transform.from_matrix(nan)


def test_inverse_matches_matrix_inverse() -> None:
    rng = np.random.default_rng(3)
    for _ in range(50):
        tf, m = _random_transform(rng)
        np.testing.assert_allclose(tf.inverse().as_matrix(), np.linalg.inv(m), rtol=0, atol=ATOL)
        np.testing.assert_allclose((tf @ tf.inverse()).as_matrix(), np.eye(4), rtol=0, atol=ATOL)
        np.testing.assert_allclose((tf.inverse() @ tf).as_matrix(), np.eye(4), rtol=0, atol=ATOL)


def test_composition_matches_matrix_product() -> None:
    rng = np.random.default_rng(4)
    for _ in range(50):
        a, ma = _random_transform(rng)   # p_T_q
        b, mb = _random_transform(rng)   # q_T_r
        c, mc = _random_transform(rng)   # r_T_s
        np.testing.assert_allclose((a @ b).as_matrix(), ma @ mb, rtol=0, atol=ATOL)
        np.testing.assert_allclose((a @ b @ c).as_matrix(), ma @ mb @ mc, rtol=0, atol=ATOL)
        # Associativity of the chained composition.
        assert ((a @ b) @ c).allclose(a @ (b @ c), atol=ATOL)


def test_composition_with_non_transform_is_type_error() -> None:
    with pytest.raises(TypeError):
        Transform.identity() @ object()  # type: ignore[operator]


def test_apply_single_and_batch_points() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        tf, m = _random_transform(rng)
        pts = rng.uniform(-10, 10, (17, 3))
        expected = (m @ np.c_[pts, np.ones(17)].T).T[:, :3]
        np.testing.assert_allclose(tf.apply(pts), expected, rtol=0, atol=ATOL)
        np.testing.assert_allclose(tf.apply(pts[3]), expected[3], rtol=0, atol=ATOL)
        np.testing.assert_allclose(
            tf.apply(pts), Rotation.from_quat(tf.rotation).apply(pts) + tf.translation,
            rtol=0, atol=ATOL)
    with pytest.raises(ValueError):
        Transform.identity().apply(np.zeros((4, 2)))
    assert Transform.identity().apply(np.zeros((0, 3))).shape == (0, 3)


def test_apply_composition_consistency() -> None:
    rng = np.random.default_rng(6)
    a, _ = _random_transform(rng)
    b, _ = _random_transform(rng)
    p = rng.normal(size=(5, 3))
    np.testing.assert_allclose((a @ b).apply(p), a.apply(b.apply(p)), rtol=0, atol=ATOL)


@pytest.mark.parametrize('yaw', [0.0, 0.3, math.pi / 2, 2.5, -0.7, -math.pi / 2, -3.0])
def test_yaw_pure_rotation_about_z(yaw: float) -> None:
    q = Rotation.from_euler('z', yaw).as_quat()
    assert Transform([1.0, 2.0, 3.0], q).yaw() == pytest.approx(yaw, abs=1e-12)


def test_yaw_of_x_axis_projection_with_roll_and_pitch() -> None:
    rng = np.random.default_rng(7)
    for _ in range(100):
        q = _random_quat(rng)
        rot = Rotation.from_quat(q)
        x_axis = rot.as_matrix()[:, 0]
        expected = math.atan2(x_axis[1], x_axis[0])
        tf = Transform(np.zeros(3), q)
        assert tf.yaw() == pytest.approx(expected, abs=1e-12)
        # Same as the first angle of the intrinsic Z-Y-X (yaw, pitch, roll) decomposition.
        zyx_yaw = rot.as_euler('ZYX')[0]
        assert math.cos(tf.yaw() - zyx_yaw) == pytest.approx(1.0, abs=1e-12)
    # Heading 90 deg left, pitched down 30 deg: the projection still points along +y.
    q = Rotation.from_euler('ZYX', [math.pi / 2, math.radians(30), 0.2]).as_quat()
    assert Transform([0, 0, 0], q).yaw() == pytest.approx(math.pi / 2, abs=1e-12)


def test_value_semantics() -> None:
    a = Transform([1.0, 2.0, 3.0], [0.0, 0.0, 0.0, 1.0])
    b = Transform(np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 0.0, 2.0]))
    c = Transform([1.0, 2.0, 3.5], [0.0, 0.0, 0.0, 1.0])
    assert a == b and hash(a) == hash(b)
    assert a != c
    assert len({a, b, c}) == 2
    assert 'Transform(translation=[1, 2, 3]' in repr(a)
