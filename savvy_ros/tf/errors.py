"""Exceptions raised by the pure-Python transform buffer (:mod:`savvy_ros.tf.buffer`).

They mirror the tf2 exception family (LookupException, ConnectivityException,
ExtrapolationException, InvalidArgumentException) closely enough that a caller can
catch :class:`TransformError` wherever it would have caught ``tf2.TransformException``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = [
    'TransformError',
    'UnknownFrameError',
    'ConnectivityError',
    'ExtrapolationError',
    'InvalidTransformError',
]

# Enough names to recognise a typo without flooding a log line.
_MAX_LISTED_FRAMES = 12


def _fmt_time(t: float) -> str:
    if math.isinf(t):
        return '+inf' if t > 0 else '-inf'
    return f'{t:.9f}'.rstrip('0').rstrip('.') if math.isfinite(t) else str(t)


class TransformError(Exception):
    """Base class of every error raised by the transform buffer."""


class UnknownFrameError(TransformError):
    """A frame id was requested that no transform has mentioned (yet)."""

    def __init__(self, frame: str, known_frames: Iterable[str] = ()) -> None:
        self.frame = frame
        self.known_frames: tuple[str, ...] = tuple(sorted(known_frames))
        if not self.known_frames:
            known = 'the buffer is empty'
        else:
            listed = ', '.join(self.known_frames[:_MAX_LISTED_FRAMES])
            extra = len(self.known_frames) - _MAX_LISTED_FRAMES
            more = f', ... (+{extra} more)' if extra > 0 else ''
            known = f'known frames: {listed}{more}'
        super().__init__(f"frame '{frame}' does not exist in the transform buffer ({known})")


class ConnectivityError(TransformError):
    """Both frames exist but belong to different trees (no common ancestor)."""

    def __init__(self, target_frame: str, source_frame: str,
                 target_root: str | None = None, source_root: str | None = None) -> None:
        self.target_frame = target_frame
        self.source_frame = source_frame
        self.target_root = target_root
        self.source_root = source_root
        detail = ''
        if target_root is not None and source_root is not None:
            detail = (f": '{target_frame}' is in the tree rooted at '{target_root}', "
                      f"'{source_frame}' in the tree rooted at '{source_root}'")
        super().__init__(
            f"could not find a connection between '{target_frame}' and '{source_frame}' "
            f'because they are not part of the same tree{detail}')


class ExtrapolationError(TransformError):
    """A lookup time lies outside the data held for one edge of the frame chain.

    Attributes:
        requested: the (first) offending lookup time, seconds.
        earliest, latest: the span of data held for the edge, seconds.
        into_future: True when ``requested`` is later than ``latest``.
        parent, child: the edge (``parent_T_child``) that lacked data.
        target_frame, source_frame: the lookup that failed, when known.
        n_bad, n_total: for vectorised lookups, how many times were out of range.
    """

    def __init__(self, *, parent: str, child: str, requested: float,
                 earliest: float, latest: float,
                 target_frame: str | None = None, source_frame: str | None = None,
                 n_bad: int = 1, n_total: int = 1) -> None:
        self.parent = parent
        self.child = child
        self.requested = float(requested)
        self.earliest = float(earliest)
        self.latest = float(latest)
        self.into_future = self.requested > self.latest
        self.target_frame = target_frame
        self.source_frame = source_frame
        self.n_bad = int(n_bad)
        self.n_total = int(n_total)

        direction = 'into the future' if self.into_future else 'into the past'
        if self.into_future:
            gap = f'{self.requested - self.latest:.6g} s after the latest'
        else:
            gap = f'{self.earliest - self.requested:.6g} s before the earliest'
        if self.earliest == self.latest:
            # A lone sample only answers for its own stamp (tf2 behaviour).
            span = f'only one sample, at {_fmt_time(self.earliest)}'
        else:
            span = f'data spans [{_fmt_time(self.earliest)}, {_fmt_time(self.latest)}]'
        lookup = ''
        if target_frame is not None and source_frame is not None:
            lookup = f"lookup '{target_frame}' <- '{source_frame}': "
        if self.n_total > 1 or self.n_bad > 1:
            what = (f'{self.n_bad} of {self.n_total} requested times are outside the data; '
                    f'first at t={_fmt_time(self.requested)}')
        else:
            what = f'requested t={_fmt_time(self.requested)}'
        super().__init__(
            f"{lookup}extrapolation {direction} on edge '{parent}' -> '{child}': "
            f'{what} ({gap}); {span}')


class InvalidTransformError(TransformError, ValueError):
    """Malformed input: NaN/inf values, empty or identical frame ids, bad stamps."""
