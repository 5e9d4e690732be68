"""Tests for savvy_ros.tf.buffer.TransformBuffer (pure Python, no rclpy).

Ground truth is built independently: per-edge poses interpolated with numpy (translation)
and scipy ``Slerp`` (rotation), turned into 4x4 matrices and composed by matrix products.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import pytest
from scipy.spatial.transform import Rotation, Slerp

from savvy_ros.tf import (
    ConnectivityError,
    ExtrapolationError,
    InvalidTransformError,
    Transform,
    TransformBuffer,
    TransformError,
    UnknownFrameError,
)

ATOL = 1e-9
# Random trees live on [T0, T1]; away from 0.0, which lookup_transform reads as "latest".
T0, T1 = 100.0, 110.0


# --------------------------------------------------------------------------------------
# Ground-truth helpers
# --------------------------------------------------------------------------------------

def _random_quat(rng: np.random.Generator) -> np.ndarray:
    q = rng.normal(size=4)
    return q / np.linalg.norm(q)


def _quats(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.array([_random_quat(rng) for _ in range(n)])


def _matrix(translation: np.ndarray, quat: np.ndarray) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3] = Rotation.from_quat(quat).as_matrix()
    m[:3, 3] = translation
    return m


@dataclass
class EdgeDef:
    parent: str
    child: str
    static: bool
    stamps: np.ndarray  # sorted
    trans: np.ndarray   # (n, 3)
    quats: np.ndarray   # (n, 4), possibly with arbitrary signs and norms

    def matrix_at(self, t: float) -> np.ndarray:
        """parent_T_child at t: np.interp for translation, scipy Slerp for rotation."""
        if self.static:
            return _matrix(self.trans[0], self.quats[0])
        if len(self.stamps) == 1:
            assert t == self.stamps[0]
            return _matrix(self.trans[0], self.quats[0])
        assert self.stamps[0] <= t <= self.stamps[-1]
        trans = np.array([np.interp(t, self.stamps, self.trans[:, k]) for k in range(3)])
        rot = Slerp(self.stamps, Rotation.from_quat(self.quats))([t])
        m = np.eye(4)
        m[:3, :3] = rot.as_matrix()[0]
        m[:3, 3] = trans
        return m


def _make_tree(rng: np.random.Generator, n_frames: int, t0: float = T0, t1: float = T1,
               static_prob: float = 0.3) -> dict[str, EdgeDef]:
    """Random tree: frame i hangs off a random earlier frame; dynamic edges cover [t0, t1]."""
    names = [f'f{i}' for i in range(n_frames)]
    edges: dict[str, EdgeDef] = {}
    for i in range(1, n_frames):
        parent = names[int(rng.integers(0, i))]
        static = bool(rng.random() < static_prob)
        if static:
            stamps = np.array([rng.uniform(t0, t1)])
        else:
            k = int(rng.integers(2, 7))
            stamps = np.unique(np.concatenate([[t0, t1], rng.uniform(t0, t1, k)]))
        n = len(stamps)
        trans = rng.uniform(-5.0, 5.0, (n, 3))
        quats = np.array([_random_quat(rng) for _ in range(n)])
        # Random signs and scale: the buffer must normalise and take the short way round.
        quats *= rng.choice([-1.0, 1.0], size=(n, 1)) * rng.uniform(0.5, 2.0, size=(n, 1))
        edges[names[i]] = EdgeDef(parent, names[i], static, stamps, trans, quats)
    return edges


def _fill(buf: TransformBuffer, edges: dict[str, EdgeDef], rng: np.random.Generator) -> None:
    """Insert every sample in a random (time-unordered) order."""
    samples = [(e, j) for e in edges.values() for j in range(len(e.stamps))]
    for idx in rng.permutation(len(samples)):
        e, j = samples[idx]
        assert buf.set_transform(e.parent, e.child, float(e.stamps[j]), e.trans[j], e.quats[j],
                                 static=e.static)


def _up(edges: dict[str, EdgeDef], frame: str) -> list[str]:
    """frame, its parent, ..., the root."""
    path = [frame]
    while path[-1] in edges:
        path.append(edges[path[-1]].parent)
    return path


def _ancestor_matrix(edges: dict[str, EdgeDef], frame: str, ancestor: str,
                     t: float) -> np.ndarray:
    """ancestor_T_frame by multiplying 4x4 matrices along the path."""
    m = np.eye(4)
    while frame != ancestor:
        e = edges[frame]
        m = e.matrix_at(t) @ m
        frame = e.parent
    return m


def _common_ancestor(edges: dict[str, EdgeDef], a: str, b: str) -> str:
    up_b = _up(edges, b)
    return next(f for f in _up(edges, a) if f in up_b)


def _path_edges(edges: dict[str, EdgeDef], a: str, b: str) -> list[EdgeDef]:
    """Edges between a and b via their lowest common ancestor."""
    common = _common_ancestor(edges, a, b)
    up_a, up_b = _up(edges, a), _up(edges, b)
    frames = up_a[:up_a.index(common)] + up_b[:up_b.index(common)]
    return [edges[f] for f in frames]


def _expected(edges: dict[str, EdgeDef], target: str, source: str, t: float) -> np.ndarray:
    """target_T_source = inv(A_T_target) @ A_T_source, A the lowest common ancestor."""
    common = _common_ancestor(edges, target, source)
    return (np.linalg.inv(_ancestor_matrix(edges, target, common, t))
            @ _ancestor_matrix(edges, source, common, t))


def _align(q: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Flip quaternion rows of q to the hemisphere of ref (q and -q are one rotation)."""
    s = np.sign(np.sum(q * ref, axis=-1, keepdims=True))
    s[s == 0] = 1.0
    return q * s


def _chain_buffer() -> TransformBuffer:
    """map -> odom -> base -> cam, all dynamic on [0, 10] with linear motion."""
    buf = TransformBuffer(cache_time=100.0)
    for k in range(11):
        t = float(k)
        buf.set_transform('map', 'odom', t, [t, 0, 0], Rotation.from_euler('z', 0.1 * t).as_quat())
        buf.set_transform('odom', 'base', t, [0, 2 * t, 0], [0, 0, 0, 1])
        buf.set_transform('base', 'cam', t, [0, 0, 1],
                          Rotation.from_euler('x', 0.05 * t).as_quat())
    return buf


# --------------------------------------------------------------------------------------
# Ground-truth comparisons on random trees
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize('seed', range(12))
def test_random_trees_match_scipy_ground_truth(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_frames = int(rng.integers(4, 7))
    edges = _make_tree(rng, n_frames)
    buf = TransformBuffer(cache_time=100.0)
    _fill(buf, edges, rng)
    names = [f'f{i}' for i in range(n_frames)]
    checked = 0
    for _ in range(30):
        a, b = (str(x) for x in rng.choice(names, 2))
        dyn = [e for e in _path_edges(edges, a, b) if not e.static]
        # Random interpolated times plus exact sample stamps of the edges on the path.
        times = list(rng.uniform(T0, T1, 3)) + [float(rng.choice(e.stamps)) for e in dyn]
        for t in times:
            got = buf.lookup_transform(a, b, t)
            np.testing.assert_allclose(got.as_matrix(), _expected(edges, a, b, t),
                                       rtol=0, atol=ATOL)
            np.testing.assert_allclose(np.linalg.norm(got.rotation), 1.0, rtol=0, atol=1e-12)
            checked += 1
    assert checked >= 90


@pytest.mark.parametrize('seed', range(4))
def test_lookup_is_inverse_of_reverse_lookup(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    edges = _make_tree(rng, 6)
    buf = TransformBuffer(cache_time=100.0)
    _fill(buf, edges, rng)
    for _ in range(20):
        a, b, c = (f'f{int(i)}' for i in rng.integers(0, 6, 3))
        t = float(rng.uniform(T0, T1))
        ab = buf.lookup_transform(a, b, t)
        ba = buf.lookup_transform(b, a, t)
        np.testing.assert_allclose((ab @ ba).as_matrix(), np.eye(4), rtol=0, atol=ATOL)
        # Chaining through a third frame gives the direct answer.
        ac = buf.lookup_transform(a, c, t)
        cb = buf.lookup_transform(c, b, t)
        np.testing.assert_allclose((ac @ cb).as_matrix(), ab.as_matrix(), rtol=0, atol=ATOL)


def test_lookup_maps_points_from_source_into_target() -> None:
    buf = TransformBuffer()
    # base_link sits 2 m ahead along map +x, turned 90 deg left.
    buf.set_transform('map', 'base_link', 1.0, [2.0, 0.0, 0.0],
                      Rotation.from_euler('z', math.pi / 2).as_quat())
    map_t_base = buf.lookup_transform('map', 'base_link', 1.0)
    # A point 1 m in front of the robot is at (2, 1) in the map.
    np.testing.assert_allclose(map_t_base.apply([1.0, 0.0, 0.0]), [2.0, 1.0, 0.0],
                               rtol=0, atol=1e-12)
    assert map_t_base.yaw() == pytest.approx(math.pi / 2, abs=1e-12)
    base_t_map = buf.lookup_transform('base_link', 'map', 1.0)
    np.testing.assert_allclose(base_t_map.apply([2.0, 1.0, 0.0]), [1.0, 0.0, 0.0],
                               rtol=0, atol=1e-12)


def test_interpolation_of_linear_chain_values() -> None:
    buf = _chain_buffer()
    got = buf.lookup_transform('map', 'base', 2.5)
    # map_T_odom(2.5) = (2.5, 0, 0) with yaw 0.25; odom_T_base = (0, 5, 0).
    yaw = 0.25
    expected_t = [2.5 - 5.0 * math.sin(yaw), 5.0 * math.cos(yaw), 0.0]
    np.testing.assert_allclose(got.translation, expected_t, rtol=0, atol=1e-12)
    assert got.yaw() == pytest.approx(yaw, abs=1e-12)


def test_slerp_takes_shortest_path_and_handles_sign_flips() -> None:
    buf = TransformBuffer()
    # Yaw 170 deg then -170 deg: the short way passes through 180 deg, not through 0.
    q0 = Rotation.from_euler('z', math.radians(170)).as_quat()
    q1 = -Rotation.from_euler('z', math.radians(-170)).as_quat()  # stored with a flipped sign
    buf.set_transform('a', 'b', 0.0, [0, 0, 0], q0)
    buf.set_transform('a', 'b', 1.0, [0, 0, 0], q1)
    mid = buf.lookup_transform('a', 'b', 0.5)
    assert abs(mid.yaw()) == pytest.approx(math.pi, abs=1e-12)
    quarter = buf.lookup_transform('a', 'b', 0.25)
    assert quarter.yaw() == pytest.approx(math.radians(175), abs=1e-12)


def test_tiny_rotation_interpolation_is_precise() -> None:
    buf = TransformBuffer()
    q0 = _random_quat(np.random.default_rng(9))
    r0 = Rotation.from_quat(q0)
    r1 = Rotation.from_rotvec([3e-7, -1e-7, 2e-7]) * r0
    buf.set_transform('a', 'b', 0.0, [0, 0, 0], r0.as_quat())
    buf.set_transform('a', 'b', 1.0, [0, 0, 0], r1.as_quat())
    truth = Slerp([0.0, 1.0], Rotation.concatenate([r0, r1]))([0.3]).as_matrix()[0]
    got = buf.lookup_transform('a', 'b', 0.3).as_matrix()[:3, :3]
    np.testing.assert_allclose(got, truth, rtol=0, atol=1e-14)


# --------------------------------------------------------------------------------------
# Samples, statics, re-parenting
# --------------------------------------------------------------------------------------

def test_exact_stamp_returns_stored_sample() -> None:
    buf = TransformBuffer()
    rng = np.random.default_rng(11)
    trans = rng.uniform(-1, 1, (3, 3))
    quats = _quats(rng, 3)
    for k, t in enumerate([1.0, 2.0, 3.0]):
        buf.set_transform('a', 'b', t, trans[k], quats[k])
    for k, t in enumerate([1.0, 2.0, 3.0]):
        got = buf.lookup_transform('a', 'b', t)
        np.testing.assert_array_equal(got.translation, trans[k])
        np.testing.assert_allclose(got.rotation, quats[k], rtol=0, atol=1e-15)


def test_same_stamp_replaces_sample() -> None:
    buf = TransformBuffer()
    assert buf.set_transform('a', 'b', 1.0, [1, 0, 0], [0, 0, 0, 1])
    assert buf.set_transform('a', 'b', 2.0, [2, 0, 0], [0, 0, 0, 1])
    assert buf.set_transform('a', 'b', 1.0, [5, 0, 0], [0, 0, 0, 1])
    np.testing.assert_array_equal(buf.lookup_transform('a', 'b', 1.0).translation, [5, 0, 0])
    np.testing.assert_allclose(buf.lookup_transform('a', 'b', 1.5).translation, [3.5, 0, 0],
                               rtol=0, atol=1e-12)
    assert 'n=2' in buf.all_frames_as_string()
    assert buf.stats['stored'] == 3


def test_static_edges_valid_at_all_times_and_newest_replaces() -> None:
    buf = TransformBuffer(cache_time=1.0)
    q = Rotation.from_euler('y', 0.3).as_quat()
    assert buf.set_transform('base', 'cam', 5.0, [0.1, 0.0, 0.5], q, static=True)
    for t in (-1e6, 0.0, 5.0, 1e9, None):
        got = buf.lookup_transform('base', 'cam', t)
        np.testing.assert_allclose(got.as_matrix(), _matrix(np.array([0.1, 0.0, 0.5]), q),
                                   rtol=0, atol=ATOL)
    assert buf.time_span('base', 'cam') == (-math.inf, math.inf)
    assert buf.time_span('cam', 'cam') == (-math.inf, math.inf)
    # Static data is replaced by the newest message, whatever its stamp (tf2 behaviour).
    assert buf.set_transform('base', 'cam', 1.0, [0.2, 0.0, 0.5], q, static=True)
    np.testing.assert_array_equal(buf.lookup_transform('base', 'cam', 123.0).translation,
                                  [0.2, 0.0, 0.5])
    assert '[static]' in buf.all_frames_as_string()


def test_static_and_dynamic_edges_in_one_chain() -> None:
    rng = np.random.default_rng(12)
    edges = {
        'odom': EdgeDef('map', 'odom', False, np.array([0.0, 1.0, 2.0]),
                        rng.uniform(-3, 3, (3, 3)), _quats(rng, 3)),
        'base': EdgeDef('odom', 'base', True, np.array([0.0]), rng.uniform(-3, 3, (1, 3)),
                        np.array([_random_quat(rng)])),
        'cam': EdgeDef('base', 'cam', False, np.array([0.5, 1.5, 2.5]),
                       rng.uniform(-3, 3, (3, 3)), _quats(rng, 3)),
    }
    buf = TransformBuffer()
    _fill(buf, edges, rng)
    for t in (0.5, 0.77, 1.5, 1.9, 2.0):
        np.testing.assert_allclose(buf.lookup_transform('cam', 'map', t).as_matrix(),
                                   _expected(edges, 'cam', 'map', t), rtol=0, atol=ATOL)
    assert buf.time_span('map', 'cam') == (0.5, 2.0)
    assert buf.time_span('odom', 'base') == (-math.inf, math.inf)
    # Latest common time skips the static edge: min(2.0, 2.5) = 2.0.
    assert buf.latest_common_time('map', 'cam') == 2.0
    np.testing.assert_allclose(buf.lookup_transform('cam', 'map').as_matrix(),
                               _expected(edges, 'cam', 'map', 2.0), rtol=0, atol=ATOL)


def test_reparenting_newest_data_wins() -> None:
    buf = TransformBuffer()
    for t in (1.0, 2.0, 3.0):
        buf.set_transform('odom', 'base', t, [t, 0, 0], [0, 0, 0, 1])
    buf.set_transform('world', 'map', 0.0, [0, 0, 0], [0, 0, 0, 1], static=True)
    assert buf.parent_of('base') == 'odom'
    # base now reported under map (a different tree), newer than the odom history.
    assert buf.set_transform('map', 'base', 3.5, [7, 0, 0], [0, 0, 0, 1])
    assert buf.parent_of('base') == 'map'
    assert buf.stats['reparented'] == 1
    # The old edge's history is gone: odom is no longer known at all.
    with pytest.raises(UnknownFrameError):
        buf.lookup_transform('odom', 'base', 2.0)
    # Single sample under the new parent: only its exact stamp answers.
    np.testing.assert_array_equal(buf.lookup_transform('world', 'base', 3.5).translation,
                                  [7, 0, 0])
    with pytest.raises(ExtrapolationError):
        buf.lookup_transform('map', 'base', 2.0)
    # Late data for the superseded parent is older than the new edge: rejected.
    assert not buf.set_transform('odom', 'base', 3.2, [9, 9, 9], [0, 0, 0, 1])
    assert buf.stats['dropped_stale_parent'] == 1
    assert buf.parent_of('base') == 'map'
    # ...but newer data for the old parent wins back the edge.
    assert buf.set_transform('odom', 'base', 4.0, [4, 0, 0], [0, 0, 0, 1])
    assert buf.parent_of('base') == 'odom'
    assert buf.stats['reparented'] == 2
    with pytest.raises(ConnectivityError):
        buf.lookup_transform('map', 'base')


def test_cycle_is_rejected_and_leaves_graph_intact() -> None:
    buf = TransformBuffer()
    buf.set_transform('a', 'b', 1.0, [1, 0, 0], [0, 0, 0, 1])
    buf.set_transform('b', 'c', 1.0, [0, 1, 0], [0, 0, 0, 1])
    with pytest.raises(InvalidTransformError, match='cycle'):
        buf.set_transform('c', 'a', 1.0, [0, 0, 0], [0, 0, 0, 1])
    with pytest.raises(InvalidTransformError, match='cycle'):
        buf.set_transform('c', 'b', 2.0, [0, 0, 0], [0, 0, 0, 1])  # re-parent b under c
    assert buf.parent_of('b') == 'a' and buf.parent_of('a') is None
    np.testing.assert_allclose(buf.lookup_transform('a', 'c', 1.0).translation, [1, 1, 0],
                               rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------

def test_single_sample_edge_matches_only_exact_stamp() -> None:
    buf = TransformBuffer()
    buf.set_transform('a', 'b', 2.0, [1, 2, 3], [0, 0, 0, 1])
    np.testing.assert_array_equal(buf.lookup_transform('a', 'b', 2.0).translation, [1, 2, 3])
    np.testing.assert_array_equal(buf.lookup_transform('a', 'b').translation, [1, 2, 3])
    with pytest.raises(ExtrapolationError) as future:
        buf.lookup_transform('a', 'b', 2.0 + 1e-9)
    assert future.value.into_future
    assert future.value.earliest == future.value.latest == 2.0
    with pytest.raises(ExtrapolationError) as past:
        buf.lookup_transform('a', 'b', 1.999)
    assert not past.value.into_future and past.value.requested == 1.999
    assert 'only one sample' in str(past.value)
    assert buf.time_span('a', 'b') == (2.0, 2.0)


def test_extrapolation_errors_carry_attributes() -> None:
    buf = _chain_buffer()
    buf.set_transform('cam', 'mic', 20.0, [0, 0, 0], [0, 0, 0, 1], static=True)
    with pytest.raises(ExtrapolationError) as past:
        buf.lookup_transform('map', 'mic', -0.5)
    err = past.value
    assert isinstance(err, TransformError)
    assert (err.requested, err.earliest, err.latest, err.into_future) == (-0.5, 0.0, 10.0, False)
    assert (err.target_frame, err.source_frame) == ('map', 'mic')
    assert err.child in {'odom', 'base', 'cam'}
    msg = str(err)
    for part in ('past', "'map'", "'mic'", '-0.5', '[0, 10]'):
        assert part in msg
    with pytest.raises(ExtrapolationError) as future:
        buf.lookup_transform('cam', 'odom', 10.25)
    err = future.value
    assert err.into_future and err.requested == 10.25 and err.latest == 10.0
    assert 'future' in str(err) and '0.25' in str(err)


def test_extrapolation_names_the_edge_lacking_data() -> None:
    buf = TransformBuffer()
    for t in (0.0, 10.0):
        buf.set_transform('map', 'odom', t, [0, 0, 0], [0, 0, 0, 1])
    for t in (4.0, 6.0):
        buf.set_transform('odom', 'base', t, [0, 0, 0], [0, 0, 0, 1])
    with pytest.raises(ExtrapolationError) as exc:
        buf.lookup_transform('map', 'base', 8.0)
    assert (exc.value.parent, exc.value.child) == ('odom', 'base')
    assert (exc.value.earliest, exc.value.latest) == (4.0, 6.0)
    assert "'odom' -> 'base'" in str(exc.value)


def test_unknown_frame_error_lists_known_frames() -> None:
    buf = TransformBuffer()
    buf.set_transform('map', 'odom', 0.0, [0, 0, 0], [0, 0, 0, 1])
    with pytest.raises(UnknownFrameError) as exc:
        buf.lookup_transform('map', 'base_link', 0.0)
    assert exc.value.frame == 'base_link'
    assert exc.value.known_frames == ('map', 'odom')
    assert "'base_link'" in str(exc.value) and 'map, odom' in str(exc.value)
    # Same-frame lookups still need the frame to exist (tf2 behaviour).
    with pytest.raises(UnknownFrameError):
        buf.lookup_transform('ghost', 'ghost')
    for k in range(30):
        buf.set_transform('map', f'x{k:02d}', 0.0, [0, 0, 0], [0, 0, 0, 1])
    with pytest.raises(UnknownFrameError) as many:
        buf.lookup_transform('nope', 'map')
    assert '(+20 more)' in str(many.value)
    assert len(many.value.known_frames) == 32
    assert not buf.can_transform('nope', 'map')


def test_same_frame_is_identity() -> None:
    buf = _chain_buffer()
    for t in (None, 3.3, 1e6):
        got = buf.lookup_transform('cam', '/cam', t)
        assert got == Transform.identity()


def test_connectivity_error_between_trees() -> None:
    buf = TransformBuffer()
    buf.set_transform('map', 'odom', 0.0, [0, 0, 0], [0, 0, 0, 1])
    buf.set_transform('world', 'sensor', 0.0, [0, 0, 0], [0, 0, 0, 1])
    with pytest.raises(ConnectivityError) as exc:
        buf.lookup_transform('odom', 'sensor', 0.0)
    assert (exc.value.target_root, exc.value.source_root) == ('map', 'world')
    assert "'odom'" in str(exc.value) and "'sensor'" in str(exc.value)
    assert not buf.can_transform('odom', 'sensor')
    assert buf.time_span('odom', 'sensor') is None


@pytest.mark.parametrize('kwargs, match', [
    (dict(translation=[np.nan, 0, 0]), 'translation'),
    (dict(translation=[0, 0, np.inf]), 'translation'),
    (dict(translation=[0, 0]), 'translation'),
    (dict(rotation_xyzw=[0, 0, np.nan, 1]), 'rotation'),
    (dict(rotation_xyzw=[0, 0, 0, 0]), 'rotation'),
    (dict(rotation_xyzw=[0, 0, 1]), 'rotation'),
    (dict(stamp=np.nan), 'stamp'),
    (dict(stamp=np.inf), 'stamp'),
    (dict(stamp='soon'), 'stamp'),
    (dict(parent=''), 'parent'),
    (dict(parent='/'), 'parent'),
    (dict(child=''), 'child'),
    (dict(parent=None), 'parent'),
    (dict(parent='b'), 'both'),
    (dict(parent='/b'), 'both'),
])
def test_invalid_input_rejected(kwargs: dict, match: str) -> None:
    buf = TransformBuffer()
    args = dict(parent='a', child='b', stamp=1.0, translation=[0, 0, 0],
                rotation_xyzw=[0, 0, 0, 1])
    args.update(kwargs)
    with pytest.raises(InvalidTransformError, match=match) as exc:
        buf.set_transform(**args)
    assert isinstance(exc.value, ValueError)
    assert buf.frames() == [] and buf.stats['stored'] == 0


def test_invalid_lookup_arguments() -> None:
    buf = _chain_buffer()
    with pytest.raises(InvalidTransformError):
        buf.lookup_transform('map', 'cam', math.nan)
    with pytest.raises(InvalidTransformError):
        buf.lookup_transform('', 'cam', 1.0)
    with pytest.raises(InvalidTransformError):
        buf.lookup_transforms('map', 'cam', np.array([1.0, np.inf]))
    with pytest.raises(InvalidTransformError):
        buf.lookup_transforms('map', 'cam', np.ones((2, 2)))
    assert not buf.can_transform('map', 'cam', math.nan)


def test_constructor_validation() -> None:
    for bad in (0.0, -1.0, math.nan):
        with pytest.raises(ValueError):
            TransformBuffer(cache_time=bad)
    with pytest.raises(ValueError):
        TransformBuffer(jump_back_tolerance=-0.1)


def test_leading_slash_is_stripped_once() -> None:
    buf = TransformBuffer()
    buf.set_transform('/map', '/odom', 1.0, [1, 2, 3], [0, 0, 0, 1])
    assert buf.frames() == ['map', 'odom']
    assert buf.parent_of('/odom') == 'map'
    np.testing.assert_array_equal(buf.lookup_transform('map', '/odom', 1.0).translation, [1, 2, 3])
    buf.set_transform('map', '//weird', 1.0, [0, 0, 0], [0, 0, 0, 1])
    assert '/weird' in buf.frames()


# --------------------------------------------------------------------------------------
# Cache window, clock jumps
# --------------------------------------------------------------------------------------

def test_cache_pruning_and_dropped_old() -> None:
    buf = TransformBuffer(cache_time=2.0)
    for k in range(11):
        assert buf.set_transform('a', 'b', float(k), [k, 0, 0], [0, 0, 0, 1])
    assert buf.time_span('a', 'b') == (8.0, 10.0)
    assert 'n=3' in buf.all_frames_as_string()
    with pytest.raises(ExtrapolationError) as exc:
        buf.lookup_transform('a', 'b', 7.5)
    assert exc.value.earliest == 8.0 and not exc.value.into_future
    # Older than newest - cache_time on arrival: rejected and counted.
    assert not buf.set_transform('a', 'b', 7.5, [0, 0, 0], [0, 0, 0, 1])
    assert buf.stats['dropped_old'] == 1
    # Exactly at the window edge and out-of-order inside the window: accepted.
    assert buf.set_transform('a', 'b', 8.5, [100, 0, 0], [0, 0, 0, 1])
    np.testing.assert_allclose(buf.lookup_transform('a', 'b', 8.25).translation, [54, 0, 0],
                               rtol=0, atol=1e-12)
    assert buf.stats['stored'] == 12
    # A newer sample slides the window and prunes behind it.
    assert buf.set_transform('a', 'b', 12.0, [12, 0, 0], [0, 0, 0, 1])
    assert buf.time_span('a', 'b') == (10.0, 12.0)
    assert buf.stats['dropped_old'] == 1


def test_notify_time_backward_jump_resets_dynamic_keeps_static() -> None:
    buf = TransformBuffer(cache_time=100.0, jump_back_tolerance=1.0)
    buf.set_transform('base', 'cam', 0.0, [0, 0, 1], [0, 0, 0, 1], static=True)
    for t in (100.0, 101.0, 102.0):
        buf.set_transform('odom', 'base', t, [t, 0, 0], [0, 0, 0, 1])
        assert not buf.notify_time(t)
    # Jitter within the tolerance is not a reset.
    assert not buf.notify_time(101.5)
    assert buf.stats['resets'] == 0
    np.testing.assert_allclose(buf.lookup_transform('odom', 'cam', 101.5).translation,
                               [101.5, 0, 1], rtol=0, atol=1e-12)
    # The bag loops: time goes back to 3 s.
    assert buf.notify_time(3.0)
    assert buf.stats['resets'] == 1
    assert buf.parent_of('base') is None and 'odom' not in buf.frames()
    np.testing.assert_array_equal(buf.lookup_transform('base', 'cam', 3.0).translation, [0, 0, 1])
    with pytest.raises(UnknownFrameError):
        buf.lookup_transform('odom', 'cam', 101.5)
    # Old-stamped data of the new loop is accepted again, and the clock restarted at 3.
    assert buf.set_transform('odom', 'base', 3.0, [3, 0, 0], [0, 0, 0, 1])
    np.testing.assert_allclose(buf.lookup_transform('odom', 'cam').translation, [3, 0, 1],
                               rtol=0, atol=1e-12)
    assert not buf.notify_time(2.5)
    assert buf.stats['resets'] == 1
    with pytest.raises(InvalidTransformError):
        buf.notify_time(math.nan)


def test_set_transform_never_resets_by_itself() -> None:
    buf = TransformBuffer(cache_time=5.0)
    buf.set_transform('a', 'b', 100.0, [1, 0, 0], [0, 0, 0, 1])
    assert not buf.set_transform('a', 'b', 1.0, [2, 0, 0], [0, 0, 0, 1])
    assert buf.stats == {'stored': 1, 'dropped_old': 1, 'resets': 0, 'reparented': 0,
                         'dropped_stale_parent': 0}
    np.testing.assert_array_equal(buf.lookup_transform('a', 'b').translation, [1, 0, 0])


def test_clear_forgets_everything() -> None:
    buf = _chain_buffer()
    buf.set_transform('cam', 'mic', 0.0, [0, 0, 0], [0, 0, 0, 1], static=True)
    buf.notify_time(50.0)
    buf.clear()
    assert buf.frames() == [] and buf.all_frames_as_string() == ''
    with pytest.raises(UnknownFrameError):
        buf.lookup_transform('cam', 'mic')
    assert not buf.notify_time(1.0)  # the clock was forgotten too


# --------------------------------------------------------------------------------------
# Latest common time
# --------------------------------------------------------------------------------------

def test_latest_common_time_semantics() -> None:
    rng = np.random.default_rng(21)
    edges = {
        'odom': EdgeDef('map', 'odom', False, np.array([0.0, 2.0, 5.0]),
                        rng.uniform(-2, 2, (3, 3)), _quats(rng, 3)),
        'base': EdgeDef('odom', 'base', False, np.array([1.0, 4.0, 7.0]),
                        rng.uniform(-2, 2, (3, 3)), _quats(rng, 3)),
        'cam': EdgeDef('base', 'cam', True, np.array([0.0]), rng.uniform(-2, 2, (1, 3)),
                       np.array([_random_quat(rng)])),
    }
    buf = TransformBuffer()
    _fill(buf, edges, rng)
    assert buf.latest_common_time('map', 'cam') == 5.0
    assert buf.latest_common_time('odom', 'cam') == 7.0
    assert buf.latest_common_time('base', 'cam') == 0.0  # static only
    expected = _expected(edges, 'map', 'cam', 5.0)
    for t in (None, 0.0):
        np.testing.assert_allclose(buf.lookup_transform('map', 'cam', t).as_matrix(), expected,
                                   rtol=0, atol=ATOL)
    np.testing.assert_allclose(buf.lookup_transform('cam', 'odom').as_matrix(),
                               _expected(edges, 'cam', 'odom', 7.0), rtol=0, atol=ATOL)
    assert buf.can_transform('map', 'cam') and buf.can_transform('map', 'cam', 0.0)
    assert buf.can_transform('map', 'cam', 4.5) and not buf.can_transform('map', 'cam', 6.0)
    assert buf.time_span('map', 'cam') == (1.0, 5.0)


def test_latest_common_time_can_precede_an_edge() -> None:
    buf = TransformBuffer()
    for t in (0.0, 3.0):
        buf.set_transform('map', 'odom', t, [0, 0, 0], [0, 0, 0, 1])
    for t in (5.0, 8.0):
        buf.set_transform('odom', 'base', t, [0, 0, 0], [0, 0, 0, 1])
    assert buf.time_span('map', 'base') is None
    with pytest.raises(ExtrapolationError) as exc:
        buf.lookup_transform('map', 'base')
    assert exc.value.requested == 3.0 and not exc.value.into_future
    assert (exc.value.parent, exc.value.child) == ('odom', 'base')
    assert not buf.can_transform('map', 'base')


# --------------------------------------------------------------------------------------
# Vectorised lookups
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize('seed', range(6))
def test_lookup_transforms_agrees_with_scalar_and_ground_truth(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    n_frames = int(rng.integers(4, 7))
    edges = _make_tree(rng, n_frames)
    buf = TransformBuffer(cache_time=100.0)
    _fill(buf, edges, rng)
    names = [f'f{i}' for i in range(n_frames)]
    for _ in range(8):
        a, b = (str(x) for x in rng.choice(names, 2))
        stamps = np.concatenate([e.stamps for e in _path_edges(edges, a, b) if not e.static]
                                + [np.empty(0)])
        times = np.concatenate([rng.uniform(T0, T1, 40), stamps, [T0, T1]])
        rng.shuffle(times)
        trans, quats = buf.lookup_transforms(a, b, times)
        assert trans.shape == (len(times), 3) and quats.shape == (len(times), 4)
        np.testing.assert_allclose(np.linalg.norm(quats, axis=1), 1.0, rtol=0, atol=1e-12)
        for k, t in enumerate(times):
            scalar = buf.lookup_transform(a, b, float(t))
            np.testing.assert_allclose(trans[k], scalar.translation, rtol=0, atol=1e-12)
            np.testing.assert_allclose(_align(quats[k], scalar.rotation), scalar.rotation,
                                       rtol=0, atol=1e-12)
            np.testing.assert_allclose(_matrix(trans[k], quats[k]),
                                       _expected(edges, a, b, float(t)), rtol=0, atol=ATOL)


def test_lookup_transforms_exact_stamps_and_static_broadcast() -> None:
    buf = _chain_buffer()
    buf.set_transform('cam', 'mic', 0.0, [0.1, 0.2, 0.3], [0, 0, 0, 1], static=True)
    trans, quats = buf.lookup_transforms('odom', 'base', np.array([0.0, 3.0, 10.0, 4.5]))
    np.testing.assert_array_equal(trans, [[0, 0, 0], [0, 6, 0], [0, 20, 0], [0, 9, 0]])
    np.testing.assert_array_equal(quats, np.tile([0.0, 0.0, 0.0, 1.0], (4, 1)))
    # Static-only chain: any times, broadcast to N rows.
    trans, quats = buf.lookup_transforms('mic', 'cam', np.array([-5.0, 0.0, 1e6]))
    np.testing.assert_allclose(trans, np.tile([-0.1, -0.2, -0.3], (3, 1)), rtol=0, atol=1e-15)
    np.testing.assert_allclose(quats, np.tile([0.0, 0.0, 0.0, 1.0], (3, 1)), rtol=0, atol=1e-15)
    # Same frame and empty input.
    trans, quats = buf.lookup_transforms('cam', 'cam', np.linspace(0, 1, 5))
    np.testing.assert_array_equal(trans, np.zeros((5, 3)))
    np.testing.assert_array_equal(quats, np.tile([0.0, 0.0, 0.0, 1.0], (5, 1)))
    trans, quats = buf.lookup_transforms('map', 'cam', np.empty(0))
    assert trans.shape == (0, 3) and quats.shape == (0, 4)


def test_lookup_transforms_extrapolation_reports_count_and_first() -> None:
    buf = _chain_buffer()
    times = np.array([1.0, 2.0, 11.5, 3.0, -1.0, 12.0])
    with pytest.raises(ExtrapolationError) as exc:
        buf.lookup_transforms('map', 'cam', times)
    err = exc.value
    assert err.n_bad == 3 and err.n_total == 6
    assert err.requested == 11.5 and err.into_future
    assert '3 of 6' in str(err) and '11.5' in str(err)
    # Single-sample edge: only its exact stamp.
    buf.set_transform('cam', 'lens', 4.0, [0, 0, 0], [0, 0, 0, 1])
    trans, _ = buf.lookup_transforms('cam', 'lens', np.array([4.0, 4.0]))
    np.testing.assert_array_equal(trans, np.zeros((2, 3)))
    with pytest.raises(ExtrapolationError) as single:
        buf.lookup_transforms('cam', 'lens', np.array([4.0, 3.0]))
    assert single.value.requested == 3.0 and single.value.n_bad == 1


# --------------------------------------------------------------------------------------
# Introspection
# --------------------------------------------------------------------------------------

def test_frames_parent_of_and_string() -> None:
    buf = TransformBuffer()
    buf.set_transform('map', 'odom', 1.0, [0, 0, 0], [0, 0, 0, 1])
    buf.set_transform('map', 'odom', 2.5, [0, 0, 0], [0, 0, 0, 1])
    buf.set_transform('odom', 'base', 1.0, [0, 0, 0], [0, 0, 0, 1], static=True)
    assert buf.frames() == ['base', 'map', 'odom']
    assert buf.parent_of('odom') == 'map'
    assert buf.parent_of('map') is None and buf.parent_of('nope') is None
    assert buf.all_frames_as_string().splitlines() == [
        'base <- odom [static] span -inf..inf n=1',
        'odom <- map span 1.000000..2.500000 n=2',
    ]


# --------------------------------------------------------------------------------------
# Concurrency
# --------------------------------------------------------------------------------------

def test_thread_safety_smoke() -> None:
    """Two writers and a reader; data is linear in t so every answer is checkable."""
    buf = TransformBuffer(cache_time=0.5)
    buf.set_transform('map', 'odom', 0.0, [0, 0, 0], [0, 0, 0, 1])
    buf.set_transform('odom', 'base', 0.0, [0, 0, 0], [0, 0, 0, 1])
    buf.set_transform('base', 'cam', 0.0, [0, 0, 1], [0, 0, 0, 1], static=True)
    n_steps = 2000
    errors: list[BaseException] = []
    done = threading.Event()
    checked = [0, 0]  # successful scalar / vector lookups

    def writer(parent: str, child: str, axis: int) -> None:
        try:
            for k in range(1, n_steps + 1):
                t = k * 1e-3
                v = [0.0, 0.0, 0.0]
                v[axis] = (axis + 1) * t
                buf.set_transform(parent, child, t, v, [0, 0, 0, 1])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def reader() -> None:
        rng = np.random.default_rng(5)
        try:
            while not done.is_set():
                span = buf.time_span('map', 'cam')
                if span is None:
                    continue
                t = float(rng.uniform(span[0], span[1]))
                if t == 0.0:
                    continue  # a scalar lookup at 0.0 means "latest" (tf2), not t = 0
                try:
                    got = buf.lookup_transform('map', 'cam', t)
                    np.testing.assert_allclose(got.translation, [t, 2 * t, 1.0], rtol=0, atol=1e-9)
                    checked[0] += 1
                    latest = buf.lookup_transform('map', 'cam')
                    assert latest.translation[2] == 1.0
                    ts = np.linspace(span[0], span[1], 50)
                    trans, _ = buf.lookup_transforms('map', 'cam', ts)
                    np.testing.assert_allclose(trans, np.c_[ts, 2 * ts, np.ones(50)],
                                               rtol=0, atol=1e-9)
                    checked[1] += 1
                except ExtrapolationError:
                    pass  # the window moved between time_span and the lookup: allowed
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=('map', 'odom', 0)),
               threading.Thread(target=writer, args=('odom', 'base', 1))]
    r = threading.Thread(target=reader)
    r.start()
    for w in writers:
        w.start()
    for w in writers:
        w.join(timeout=60)
    done.set()
    r.join(timeout=60)
    assert not errors, errors
    assert checked[0] > 0
    assert buf.stats['stored'] == 3 + 2 * n_steps
    assert buf.time_span('map', 'cam') == pytest.approx((n_steps * 1e-3 - 0.5, n_steps * 1e-3))
    np.testing.assert_allclose(buf.lookup_transform('map', 'cam').translation,
                               [2.0, 4.0, 1.0], rtol=0, atol=1e-9)
