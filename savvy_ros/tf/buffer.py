"""Pure-Python TF buffer: the project's stand-in for ``tf2_ros.Buffer``.

Used when ``tf2_ros`` cannot be imported (plain-Python tests, tools, bag post-processing)
and as the storage behind the project's own listener.  It deliberately has no rclpy
dependency: stamps are float seconds and poses are numpy arrays / :class:`Transform`.

Semantics follow tf2 where it matters to callers:

* every frame has at most one parent; an edge ``parent -> child`` stores ``parent_T_child``;
* ``lookup_transform(target, source, t)`` returns ``target_T_source`` (maps points from the
  source frame into the target frame);
* ``t = None`` or ``0.0`` means "latest common time" (the newest instant at which every
  dynamic edge on the path has data);
* translations are interpolated linearly and rotations by shortest-path SLERP between the
  two samples bracketing ``t``; outside an edge's data span the lookup raises
  :class:`ExtrapolationError`, and an edge holding a single sample only answers for that
  exact stamp;
* static edges are valid at all times.

Differences from tf2 (documented choices):

* a child that changes parent keeps only the newest data ("latest parent wins"): the old
  edge's history is dropped, and data for the old parent that is older than the new edge
  is rejected;
* a graph cycle is refused at insertion time (:class:`InvalidTransformError`) instead of
  being detected on every lookup;
* clock jumps are handled explicitly through :meth:`TransformBuffer.notify_time`.
"""

from __future__ import annotations

import bisect
import math
import threading
from typing import Any

import numpy as np

from .errors import (
    ConnectivityError,
    ExtrapolationError,
    InvalidTransformError,
    TransformError,
    UnknownFrameError,
)
from .transform import Quat, Transform, Vec3, _compose, _invert, _slerp

__all__ = ['TransformBuffer']

_IDENTITY_T: Vec3 = (0.0, 0.0, 0.0)
_IDENTITY_Q: Quat = (0.0, 0.0, 0.0, 1.0)
_MIN_QUAT_NORM = 1e-12


class _Edge:
    """History of one ``parent_T_child`` edge, stored as parallel time-sorted lists.

    Python lists + bisect keep scalar lookups and in-order appends cheap; numpy copies for
    the vectorised path are built lazily and dropped on every mutation.
    """

    __slots__ = ('parent', 'child', 'static', 'stamps', 'trans', 'quats', '_arrays')

    def __init__(self, parent: str, child: str, static: bool) -> None:
        self.parent = parent
        self.child = child
        self.static = static
        self.stamps: list[float] = []
        self.trans: list[Vec3] = []
        self.quats: list[Quat] = []
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._arrays is None:
            # Component-major (3, n) / (4, n) copies for the vectorised path.
            self._arrays = (np.array(self.stamps, dtype=np.float64),
                            np.ascontiguousarray(
                                np.array(self.trans, dtype=np.float64).reshape(-1, 3).T),
                            np.ascontiguousarray(
                                np.array(self.quats, dtype=np.float64).reshape(-1, 4).T))
        return self._arrays

    def extrapolation(self, t: float, target: str, source: str, *,
                      n_bad: int = 1, n_total: int = 1) -> ExtrapolationError:
        return ExtrapolationError(parent=self.parent, child=self.child, requested=t,
                                  earliest=self.stamps[0], latest=self.stamps[-1],
                                  target_frame=target, source_frame=source,
                                  n_bad=n_bad, n_total=n_total)

    def sample(self, t: float, target: str, source: str) -> tuple[Vec3, Quat]:
        """``parent_T_child`` at time ``t`` (static edges ignore ``t``)."""
        if self.static:
            return self.trans[0], self.quats[0]
        stamps = self.stamps
        if t < stamps[0] or t > stamps[-1]:
            raise self.extrapolation(t, target, source)
        i = bisect.bisect_left(stamps, t)
        if stamps[i] == t:
            return self.trans[i], self.quats[i]
        t0 = stamps[i - 1]
        r = (t - t0) / (stamps[i] - t0)
        a = self.trans[i - 1]
        b = self.trans[i]
        return ((a[0] + r * (b[0] - a[0]), a[1] + r * (b[1] - a[1]), a[2] + r * (b[2] - a[2])),
                _slerp(self.quats[i - 1], self.quats[i], r))

    def sample_many(self, times: np.ndarray, target: str,
                    source: str) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`sample` in component-major layout: ((3, N), (4, N)) arrays.

        Static and single-sample edges return (3, 1)/(4, 1) columns that broadcast.
        """
        stamps, trans, quats = self.arrays()
        if self.static:
            return trans[:, :1], quats[:, :1]
        n = stamps.shape[0]
        if n == 1:
            bad = times != stamps[0]
        else:
            bad = (times < stamps[0]) | (times > stamps[-1])
        if bad.any():
            first = int(np.argmax(bad))
            raise self.extrapolation(float(times[first]), target, source,
                                     n_bad=int(np.count_nonzero(bad)), n_total=times.shape[0])
        if n == 1:
            return trans[:, :1], quats[:, :1]
        i1 = np.searchsorted(stamps, times, side='left')
        np.clip(i1, 1, n - 1, out=i1)
        i0 = i1 - 1
        s0 = stamps.take(i0)
        s1 = stamps.take(i1)
        r = (times - s0) / (s1 - s0)
        t0 = trans.take(i0, axis=1)
        t1 = trans.take(i1, axis=1)
        q0 = quats.take(i0, axis=1)
        q1 = quats.take(i1, axis=1)
        out_t = t0 + r * (t1 - t0)
        out_q = _slerp_many(q0, q1, r)
        # Exact hits return the stored sample bit-for-bit, like the scalar path.
        hit0 = times == s0
        hit1 = times == s1
        if hit0.any():
            out_t[:, hit0] = t0[:, hit0]
            out_q[:, hit0] = q0[:, hit0]
        if hit1.any():
            out_t[:, hit1] = t1[:, hit1]
            out_q[:, hit1] = q1[:, hit1]
        return out_t, out_q


# --------------------------------------------------------------------------------------
# Vectorised quaternion helpers.  Component-major layout: translations are (3, N) and
# quaternions (4, N) arrays in (x, y, z, w) order, so every operation runs on contiguous
# 1-D rows (several times faster than (N, 4) with per-row broadcasting); N may be 1.
# --------------------------------------------------------------------------------------

def _slerp_many(q0: np.ndarray, q1: np.ndarray, r: np.ndarray) -> np.ndarray:
    dot = q0[0] * q1[0] + q0[1] * q1[1] + q0[2] * q1[2] + q0[3] * q1[3]
    q1 = q1 * np.where(dot < 0.0, -1.0, 1.0)  # shortest path
    d = q1 - q0
    a = q1 + q0
    # Half-angle from chord lengths (see transform._slerp): accurate for tiny angles.
    theta = 2.0 * np.arctan2(np.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2] + d[3] * d[3]),
                             np.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2] + a[3] * a[3]))
    sin_theta = np.sin(theta)
    small = sin_theta < 1e-12
    if small.any():
        safe = np.where(small, 1.0, sin_theta)
        w0 = np.where(small, 1.0 - r, np.sin((1.0 - r) * theta) / safe)
        w1 = np.where(small, r, np.sin(r * theta) / safe)
    else:
        w0 = np.sin((1.0 - r) * theta) / sin_theta
        w1 = np.sin(r * theta) / sin_theta
    q = w0 * q0 + w1 * q1
    return q / np.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])


def _qmul_many(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.stack((aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx,
                     aw * bz + ax * by - ay * bx + az * bw,
                     aw * bw - ax * bx - ay * by - az * bz))


def _qrot_many(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    x, y, z, w = q
    vx, vy, vz = v
    cx = 2.0 * (y * vz - z * vy)
    cy = 2.0 * (z * vx - x * vz)
    cz = 2.0 * (x * vy - y * vx)
    return np.stack((vx + w * cx + (y * cz - z * cy),
                     vy + w * cy + (z * cx - x * cz),
                     vz + w * cz + (x * cy - y * cx)))


def _compose_many(t1: np.ndarray, q1: np.ndarray, t2: np.ndarray,
                  q2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return t1 + _qrot_many(q1, t2), _qmul_many(q1, q2)


def _chain_many(samples: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Compose sampled edges listed child-first: ``ancestor_T_first_child``."""
    if not samples:
        return np.zeros((3, 1)), np.array([[0.0], [0.0], [0.0], [1.0]])
    at, aq = samples[0]
    for et, eq in samples[1:]:
        at, aq = _compose_many(et, eq, at, aq)
    return at, aq


def _invert_many(t: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    qi = q * np.array([[-1.0], [-1.0], [-1.0], [1.0]])
    return -_qrot_many(qi, t), qi


# --------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------

def _frame_id(frame: Any, what: str) -> str:
    if not isinstance(frame, str):
        raise InvalidTransformError(f'{what} frame id must be a str, got {type(frame).__name__}')
    # tf2 rejects a leading '/', ROS 1 data often carries one: strip exactly one.
    if frame.startswith('/'):
        frame = frame[1:]
    if not frame:
        raise InvalidTransformError(f'{what} frame id is empty')
    return frame


def _finite_time(value: Any, what: str) -> float:
    try:
        t = float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidTransformError(f'{what} must be a number of seconds, got {value!r}') from exc
    if not math.isfinite(t):
        raise InvalidTransformError(f'{what} must be finite, got {t}')
    return t


def _floats(value: Any, n: int, what: str) -> tuple[float, ...]:
    try:
        a = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InvalidTransformError(f'{what} must be {n} numbers, got {value!r}') from exc
    if a.shape != (n,):
        raise InvalidTransformError(f'{what} must have {n} elements, got shape {a.shape}')
    if not np.all(np.isfinite(a)):
        raise InvalidTransformError(f'{what} must be finite, got {a.tolist()}')
    return tuple(float(v) for v in a)


# --------------------------------------------------------------------------------------
# Buffer
# --------------------------------------------------------------------------------------

class TransformBuffer:
    """Thread-safe store of time-stamped frame transforms with tf2-style lookups."""

    def __init__(self, cache_time: float = 10.0, jump_back_tolerance: float = 1.0) -> None:
        cache_time = float(cache_time)
        if not cache_time > 0.0:  # also rejects NaN
            raise ValueError(f'cache_time must be > 0 seconds, got {cache_time}')
        jump_back_tolerance = float(jump_back_tolerance)
        if not jump_back_tolerance >= 0.0:
            raise ValueError(
                f'jump_back_tolerance must be >= 0 seconds, got {jump_back_tolerance}')
        self.cache_time = cache_time
        self.jump_back_tolerance = jump_back_tolerance
        # One re-entrant lock: ROS callbacks insert while service threads look up.
        self._lock = threading.RLock()
        self._edges: dict[str, _Edge] = {}          # child -> edge to its parent
        self._parent_refs: dict[str, int] = {}      # frame -> number of children
        self._clock_max: float | None = None        # largest time seen by notify_time
        self.stats: dict[str, int] = {
            'stored': 0,                # samples accepted by set_transform
            'dropped_old': 0,           # samples older than the cache window on arrival
            'resets': 0,                # dynamic history cleared by a backward clock jump
            'reparented': 0,            # edges replaced because a child changed parent/kind
            'dropped_stale_parent': 0,  # samples for a superseded parent, older than the new one
        }

    # -- insertion ----------------------------------------------------------------------

    def set_transform(self, parent: str, child: str, stamp: float, translation: Any,
                      rotation_xyzw: Any, *, static: bool = False) -> bool:
        """Store ``parent_T_child`` at ``stamp`` (seconds); True if stored.

        Returns False (and counts it in :attr:`stats`) when the sample is older than the
        edge's cache window, or belongs to a parent that newer data has superseded.
        """
        parent = _frame_id(parent, 'parent')
        child = _frame_id(child, 'child')
        if parent == child:
            raise InvalidTransformError(f"parent and child frame are both '{child}'")
        stamp = _finite_time(stamp, 'stamp')
        t = _floats(translation, 3, 'translation')
        q = _floats(rotation_xyzw, 4, 'rotation')
        norm = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
        if norm < _MIN_QUAT_NORM:
            raise InvalidTransformError(f'rotation quaternion has (near) zero norm: {list(q)}')
        quat: Quat = (q[0] / norm, q[1] / norm, q[2] / norm, q[3] / norm)
        trans: Vec3 = (t[0], t[1], t[2])
        static = bool(static)

        with self._lock:
            edge = self._edges.get(child)
            if edge is not None and (edge.parent != parent or edge.static != static):
                # Latest parent wins: older data for a new parent must not evict newer data.
                if stamp < edge.stamps[-1]:
                    self.stats['dropped_stale_parent'] += 1
                    return False
                # Check before removing, so a refused insert leaves the old edge intact.
                self._check_no_cycle(parent, child)
                self._remove_edge(edge)
                self.stats['reparented'] += 1
                edge = None
            elif edge is None:
                self._check_no_cycle(parent, child)
            if edge is None:
                edge = _Edge(parent, child, static)
                self._edges[child] = edge
                self._parent_refs[parent] = self._parent_refs.get(parent, 0) + 1

            edge._arrays = None
            if static:
                # One value valid at all times; the newest message replaces it (tf2).
                edge.stamps[:] = [stamp]
                edge.trans[:] = [trans]
                edge.quats[:] = [quat]
                self.stats['stored'] += 1
                return True

            stamps = edge.stamps
            if stamps and stamp < stamps[-1] - self.cache_time:
                self.stats['dropped_old'] += 1
                return False
            if not stamps or stamp > stamps[-1]:
                stamps.append(stamp)  # the common, in-order case
                edge.trans.append(trans)
                edge.quats.append(quat)
            else:
                i = bisect.bisect_left(stamps, stamp)
                if stamps[i] == stamp:
                    edge.trans[i] = trans
                    edge.quats[i] = quat
                else:
                    stamps.insert(i, stamp)
                    edge.trans.insert(i, trans)
                    edge.quats.insert(i, quat)
            # Prune history older than the window behind this edge's newest sample.
            k = bisect.bisect_left(stamps, stamps[-1] - self.cache_time)
            if k:
                del stamps[:k]
                del edge.trans[:k]
                del edge.quats[:k]
            self.stats['stored'] += 1
            return True

    def _check_no_cycle(self, parent: str, child: str) -> None:
        f: str | None = parent
        while f is not None:
            if f == child:
                raise InvalidTransformError(
                    f"setting '{parent}' as parent of '{child}' would create a cycle "
                    f"('{parent}' already descends from '{child}')")
            e = self._edges.get(f)
            f = e.parent if e is not None else None

    def _remove_edge(self, edge: _Edge) -> None:
        del self._edges[edge.child]
        n = self._parent_refs[edge.parent] - 1
        if n:
            self._parent_refs[edge.parent] = n
        else:
            del self._parent_refs[edge.parent]

    # -- clock & maintenance ------------------------------------------------------------

    def notify_time(self, now: float) -> bool:
        """Report the current clock; returns True if a backward jump reset the buffer.

        A jump back by more than ``jump_back_tolerance`` seconds from the largest time seen
        (a looping bag, a restarted simulator) clears all dynamic history; static edges
        survive.  Small backward jitter is ignored.
        """
        now = _finite_time(now, 'now')
        with self._lock:
            if self._clock_max is None or now > self._clock_max:
                self._clock_max = now
                return False
            if now >= self._clock_max - self.jump_back_tolerance:
                return False
            for edge in [e for e in self._edges.values() if not e.static]:
                self._remove_edge(edge)
            self._clock_max = now
            self.stats['resets'] += 1
            return True

    def clear(self) -> None:
        """Forget everything, static edges and the notify_time clock included."""
        with self._lock:
            self._edges.clear()
            self._parent_refs.clear()
            self._clock_max = None

    def frames(self) -> list[str]:
        with self._lock:
            return sorted(set(self._edges) | set(self._parent_refs))

    def parent_of(self, frame: str) -> str | None:
        """Parent of ``frame``; None for a root or an unknown frame."""
        frame = _frame_id(frame, 'query')
        with self._lock:
            edge = self._edges.get(frame)
            return edge.parent if edge is not None else None

    def all_frames_as_string(self) -> str:
        """One line per edge: ``child <- parent [static] span a..b n=N``."""
        with self._lock:
            lines = []
            for child in sorted(self._edges):
                e = self._edges[child]
                if e.static:
                    lines.append(f'{child} <- {e.parent} [static] span -inf..inf n=1')
                else:
                    lines.append(f'{child} <- {e.parent} span '
                                 f'{e.stamps[0]:.6f}..{e.stamps[-1]:.6f} n={len(e.stamps)}')
            return '\n'.join(lines)

    # -- graph walking ------------------------------------------------------------------

    def _known(self, frame: str) -> bool:
        return frame in self._edges or frame in self._parent_refs

    def _require_known(self, frame: str) -> None:
        if not self._known(frame):
            raise UnknownFrameError(frame, set(self._edges) | set(self._parent_refs))

    def _root_of(self, frame: str) -> str:
        e = self._edges.get(frame)
        while e is not None:
            frame = e.parent
            e = self._edges.get(frame)
        return frame

    def _chain(self, target: str, source: str) -> tuple[list[_Edge], list[_Edge]]:
        """Edges from source up to the common ancestor, and from target up to it."""
        self._require_known(target)
        self._require_known(source)
        src_edges: list[_Edge] = []
        depth = {source: 0}
        f = source
        e = self._edges.get(f)
        while e is not None:
            src_edges.append(e)
            f = e.parent
            depth[f] = len(src_edges)
            e = self._edges.get(f)
        tgt_edges: list[_Edge] = []
        f = target
        while f not in depth:
            e = self._edges.get(f)
            if e is None:
                raise ConnectivityError(target, source, target_root=f,
                                        source_root=self._root_of(source))
            tgt_edges.append(e)
            f = e.parent
        return src_edges[:depth[f]], tgt_edges

    @staticmethod
    def _latest_common(edges: list[_Edge]) -> float:
        latest = math.inf
        for e in edges:
            if not e.static and e.stamps[-1] < latest:
                latest = e.stamps[-1]
        return 0.0 if latest == math.inf else latest

    # -- lookups ------------------------------------------------------------------------

    def lookup_transform(self, target_frame: str, source_frame: str,
                         time: float | None = None) -> Transform:
        """``target_T_source`` at ``time`` (seconds; None or 0.0: latest common time)."""
        target = _frame_id(target_frame, 'target')
        source = _frame_id(source_frame, 'source')
        t_req = None if time is None else _finite_time(time, 'time')
        with self._lock:
            src_edges, tgt_edges = self._chain(target, source)
            if t_req is None or t_req == 0.0:
                t_req = self._latest_common(src_edges + tgt_edges)
            # ancestor_T_source, accumulated by left-multiplying each edge on the way up.
            at, aq = _IDENTITY_T, _IDENTITY_Q
            for e in src_edges:
                et, eq = e.sample(t_req, target, source)
                at, aq = _compose(et, eq, at, aq)
            if tgt_edges:
                bt, bq = _IDENTITY_T, _IDENTITY_Q  # ancestor_T_target
                for e in tgt_edges:
                    et, eq = e.sample(t_req, target, source)
                    bt, bq = _compose(et, eq, bt, bq)
                it, iq = _invert(bt, bq)
                at, aq = _compose(it, iq, at, aq)
        return Transform._trusted(at, aq)

    def lookup_transforms(self, target_frame: str, source_frame: str,
                          times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``target_T_source`` at many times: ((N, 3) translations, (N, 4) quaternions).

        Times are taken literally (0.0 is *not* "latest" here).  Raises
        :class:`ExtrapolationError` if any time falls outside an edge's data; the message
        reports how many did and the first one.
        """
        target = _frame_id(target_frame, 'target')
        source = _frame_id(source_frame, 'source')
        ts = np.asarray(times, dtype=np.float64)
        if ts.ndim == 0:
            ts = ts.reshape(1)
        if ts.ndim != 1:
            raise InvalidTransformError(f'times must be a 1-D array, got shape {ts.shape}')
        if not np.all(np.isfinite(ts)):
            raise InvalidTransformError('times must be finite')
        n = ts.shape[0]
        with self._lock:
            src_edges, tgt_edges = self._chain(target, source)
            samples_src = [e.sample_many(ts, target, source) for e in src_edges]
            samples_tgt = [e.sample_many(ts, target, source) for e in tgt_edges]
        # The arithmetic runs outside the lock: sampled arrays are never mutated in place
        # by the buffer (a mutation replaces an edge's cached arrays instead).
        at, aq = _chain_many(samples_src)
        if samples_tgt:
            bt, bq = _chain_many(samples_tgt)
            it, iq = _invert_many(bt, bq)
            at, aq = _compose_many(it, iq, at, aq)
        aq = aq / np.sqrt(aq[0] * aq[0] + aq[1] * aq[1] + aq[2] * aq[2] + aq[3] * aq[3])
        # Back to the caller-friendly row-major (N, 3) / (N, 4) layout.
        return (np.ascontiguousarray(np.broadcast_to(at, (3, n)).T),
                np.ascontiguousarray(np.broadcast_to(aq, (4, n)).T))

    def can_transform(self, target_frame: str, source_frame: str,
                      time: float | None = None) -> bool:
        try:
            self.lookup_transform(target_frame, source_frame, time)
        except TransformError:
            return False
        return True

    def latest_common_time(self, target_frame: str, source_frame: str) -> float:
        """The time ``lookup_transform(..., None)`` would use; 0.0 for static-only chains."""
        target = _frame_id(target_frame, 'target')
        source = _frame_id(source_frame, 'source')
        with self._lock:
            src_edges, tgt_edges = self._chain(target, source)
            return self._latest_common(src_edges + tgt_edges)

    def time_span(self, target_frame: str, source_frame: str) -> tuple[float, float] | None:
        """Common valid span [earliest, latest] of the chain, or None if there is none.

        Static-only chains (and a frame to itself) give ``(-inf, inf)``; unknown or
        disconnected frames, or dynamic edges whose spans do not overlap, give None.
        """
        try:
            target = _frame_id(target_frame, 'target')
            source = _frame_id(source_frame, 'source')
        except InvalidTransformError:
            return None
        with self._lock:
            try:
                src_edges, tgt_edges = self._chain(target, source)
            except (UnknownFrameError, ConnectivityError):
                return None
            lo, hi = -math.inf, math.inf
            for e in src_edges + tgt_edges:
                if not e.static:
                    lo = max(lo, e.stamps[0])
                    hi = min(hi, e.stamps[-1])
        return (lo, hi) if lo <= hi else None
