"""Rigid transform value type used by the pure-Python transform buffer.

A :class:`Transform` is ``parent_T_child``: it maps a point expressed in the child frame
into the parent frame, ``p_parent = R @ p_child + t``.  Quaternions follow REP 103 /
geometry_msgs ordering ``(x, y, z, w)``; angles are radians, counter-clockwise positive.

The module also holds small pure-Python quaternion helpers (``_q*``) that the buffer uses
on its hot path: for a single 7-number pose, plain float arithmetic is several times
faster than building numpy arrays or scipy ``Rotation`` objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

__all__ = ['Transform']

# A quaternion with a norm below this cannot be normalised meaningfully.
_MIN_QUAT_NORM = 1e-12

Vec3 = tuple[float, float, float]
Quat = tuple[float, float, float, float]


# --------------------------------------------------------------------------------------
# Scalar quaternion helpers (pure Python floats, (x, y, z, w) order).
# --------------------------------------------------------------------------------------

def _qmul(a: Quat, b: Quat) -> Quat:
    """Hamilton product ``a * b`` (apply ``b`` first, then ``a``)."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return (aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz)


def _qrot(q: Quat, v: Vec3) -> Vec3:
    """Rotate vector ``v`` by unit quaternion ``q`` (v' = v + 2w(u x v) + 2u x (u x v))."""
    x, y, z, w = q
    vx, vy, vz = v
    cx = 2.0 * (y * vz - z * vy)
    cy = 2.0 * (z * vx - x * vz)
    cz = 2.0 * (x * vy - y * vx)
    return (vx + w * cx + (y * cz - z * cy),
            vy + w * cy + (z * cx - x * cz),
            vz + w * cz + (x * cy - y * cx))


def _compose(t1: Vec3, q1: Quat, t2: Vec3, q2: Quat) -> tuple[Vec3, Quat]:
    """(t1, q1) @ (t2, q2): ``a_T_b @ b_T_c = a_T_c``."""
    r = _qrot(q1, t2)
    return (t1[0] + r[0], t1[1] + r[1], t1[2] + r[2]), _qmul(q1, q2)


def _invert(t: Vec3, q: Quat) -> tuple[Vec3, Quat]:
    qi = (-q[0], -q[1], -q[2], q[3])
    r = _qrot(qi, t)
    return (-r[0], -r[1], -r[2]), qi


def _qnormalize(q: Quat) -> Quat:
    n = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    return (q[0] / n, q[1] / n, q[2] / n, q[3] / n)


def _slerp(q0: Quat, q1: Quat, r: float) -> Quat:
    """Shortest-path spherical interpolation between unit quaternions, ``r`` in [0, 1]."""
    dot = q0[0] * q1[0] + q0[1] * q1[1] + q0[2] * q1[2] + q0[3] * q1[3]
    if dot < 0.0:
        # q and -q are the same rotation; flipping takes the short way round.
        q1 = (-q1[0], -q1[1], -q1[2], -q1[3])
    # Half-angle between the quaternions via atan2 of chord lengths: accurate near 0,
    # unlike acos(dot) which loses ~8 digits when the samples are nearly equal.
    dx, dy, dz, dw = q1[0] - q0[0], q1[1] - q0[1], q1[2] - q0[2], q1[3] - q0[3]
    sx, sy, sz, sw = q1[0] + q0[0], q1[1] + q0[1], q1[2] + q0[2], q1[3] + q0[3]
    theta = 2.0 * math.atan2(math.sqrt(dx * dx + dy * dy + dz * dz + dw * dw),
                             math.sqrt(sx * sx + sy * sy + sz * sz + sw * sw))
    sin_theta = math.sin(theta)
    if sin_theta < 1e-12:
        s0, s1 = 1.0 - r, r
    else:
        s0 = math.sin((1.0 - r) * theta) / sin_theta
        s1 = math.sin(r * theta) / sin_theta
    return _qnormalize((s0 * q0[0] + s1 * q1[0], s0 * q0[1] + s1 * q1[1],
                        s0 * q0[2] + s1 * q1[2], s0 * q0[3] + s1 * q1[3]))


def _quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """3x3 rotation matrix of a unit quaternion (x, y, z, w)."""
    x, y, z, w = (float(c) for c in q)
    return np.array([
        [1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y - z * w), 2.0 * (x * z + y * w)],
        [2.0 * (x * y + z * w), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z - x * w)],
        [2.0 * (x * z - y * w), 2.0 * (y * z + x * w), 1.0 - 2.0 * (x * x + y * y)],
    ])


def _readonly(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


# --------------------------------------------------------------------------------------
# Transform
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Transform:
    """Rigid transform ``parent_T_child``: ``p_parent = R(rotation) @ p_child + translation``.

    Both arrays are float64 copies, made read-only so the frozen dataclass really is
    immutable; the quaternion is normalised on construction.
    """

    translation: np.ndarray
    rotation: np.ndarray

    def __post_init__(self) -> None:
        try:
            t = np.array(self.translation, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise ValueError(f'translation must be 3 numbers, got {self.translation!r}') from exc
        if t.shape != (3,):
            raise ValueError(f'translation must have shape (3,), got {t.shape}')
        if not np.all(np.isfinite(t)):
            raise ValueError(f'translation must be finite, got {t.tolist()}')
        try:
            q = np.array(self.rotation, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f'rotation must be a quaternion (x, y, z, w), got {self.rotation!r}') from exc
        if q.shape != (4,):
            raise ValueError(f'rotation must be a quaternion (x, y, z, w) of shape (4,), '
                             f'got {q.shape}')
        if not np.all(np.isfinite(q)):
            raise ValueError(f'rotation must be finite, got {q.tolist()}')
        norm = float(np.sqrt(q @ q))
        if norm < _MIN_QUAT_NORM:
            raise ValueError(f'rotation quaternion has (near) zero norm: {q.tolist()}')
        object.__setattr__(self, 'translation', _readonly(t))
        object.__setattr__(self, 'rotation', _readonly(q / norm))

    # -- construction -----------------------------------------------------------------

    @classmethod
    def _trusted(cls, t: Vec3, q: Quat) -> Transform:
        """Build from already validated floats (buffer hot path: skips the checks)."""
        obj = object.__new__(cls)
        object.__setattr__(obj, 'translation', _readonly(np.array(t, dtype=np.float64)))
        object.__setattr__(obj, 'rotation',
                           _readonly(np.array(_qnormalize(q), dtype=np.float64)))
        return obj

    @classmethod
    def identity(cls) -> Transform:
        return cls._trusted((0.0, 0.0, 0.0), (0.0, 0.0, 0.0, 1.0))

    @classmethod
    def from_matrix(cls, m: np.ndarray) -> Transform:
        """From a 4x4 homogeneous matrix (the rotation block is projected onto SO(3))."""
        m = np.asarray(m, dtype=np.float64)
        if m.shape != (4, 4):
            raise ValueError(f'matrix must have shape (4, 4), got {m.shape}')
        if not np.all(np.isfinite(m)):
            raise ValueError('matrix must be finite')
        if not np.allclose(m[3], (0.0, 0.0, 0.0, 1.0), atol=1e-9):
            raise ValueError(f'matrix bottom row must be [0, 0, 0, 1], got {m[3].tolist()}')
        if np.linalg.det(m[:3, :3]) <= 0.0:
            raise ValueError('matrix rotation block is not a proper rotation (det <= 0)')
        return cls(m[:3, 3], Rotation.from_matrix(m[:3, :3]).as_quat())

    # -- conversion -------------------------------------------------------------------

    def as_matrix(self) -> np.ndarray:
        """4x4 homogeneous matrix of ``parent_T_child``."""
        m = np.eye(4)
        m[:3, :3] = Rotation.from_quat(self.rotation).as_matrix()
        m[:3, 3] = self.translation
        return m

    def as_rotation(self) -> Rotation:
        return Rotation.from_quat(self.rotation)

    def _tq(self) -> tuple[Vec3, Quat]:
        t = self.translation
        q = self.rotation
        return ((float(t[0]), float(t[1]), float(t[2])),
                (float(q[0]), float(q[1]), float(q[2]), float(q[3])))

    # -- algebra ----------------------------------------------------------------------

    def inverse(self) -> Transform:
        """``child_T_parent``."""
        t, q = _invert(*self._tq())
        return Transform._trusted(t, q)

    def __matmul__(self, other: Transform) -> Transform:
        """Composition: ``(p_T_q) @ (q_T_r) = p_T_r``."""
        if not isinstance(other, Transform):
            return NotImplemented
        t, q = _compose(*self._tq(), *other._tq())
        return Transform._trusted(t, q)

    def apply(self, points: np.ndarray) -> np.ndarray:
        """Map point(s) from the child frame into the parent frame; (3,) or (N, 3)."""
        p = np.asarray(points, dtype=np.float64)
        if p.shape == (3,):
            return _quat_to_matrix(self.rotation) @ p + self.translation
        if p.ndim != 2 or p.shape[1] != 3:
            raise ValueError(f'points must have shape (3,) or (N, 3), got {p.shape}')
        return p @ _quat_to_matrix(self.rotation).T + self.translation

    def yaw(self) -> float:
        """Heading of the child x axis projected on the parent's horizontal (x-y) plane.

        Radians counter-clockwise from the parent +x axis (REP 103), in (-pi, pi].
        Equals the first angle of an intrinsic Z-Y-X (yaw-pitch-roll) decomposition.
        """
        x, y, z, w = (float(c) for c in self.rotation)
        return math.atan2(2.0 * (x * y + z * w), 1.0 - 2.0 * (y * y + z * z))

    def allclose(self, other: Transform, atol: float = 1e-9) -> bool:
        """Same rigid motion within ``atol`` (quaternion sign ignored)."""
        if not np.allclose(self.translation, other.translation, rtol=0.0, atol=atol):
            return False
        # Compare quaternion components (after aligning signs) rather than 1 - |<q1,q2>|,
        # which is ~angle^2 / 8 and would hide differences far above atol.
        q2 = other.rotation if float(self.rotation @ other.rotation) >= 0.0 else -other.rotation
        return bool(np.allclose(self.rotation, q2, rtol=0.0, atol=atol))

    # -- value semantics --------------------------------------------------------------
    # numpy arrays make the generated __eq__/__hash__ ambiguous or unhashable, so these
    # are explicit (dataclass keeps methods a class defines itself).

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Transform):
            return NotImplemented
        return (np.array_equal(self.translation, other.translation)
                and np.array_equal(self.rotation, other.rotation))

    def __hash__(self) -> int:
        return hash((self.translation.tobytes(), self.rotation.tobytes()))

    def __repr__(self) -> str:
        t = ', '.join(f'{v:.6g}' for v in self.translation)
        q = ', '.join(f'{v:.6g}' for v in self.rotation)
        return f'Transform(translation=[{t}], rotation=[{q}])'
