"""Match images with the CameraInfo (and optional depth image) of the same capture stamp.

Messages may arrive in any order; an image waits in a short queue until its partners come.
Images whose CameraInfo never comes are dropped when the queue overflows (counted); an image
whose depth does not come while newer images are already complete goes on without depth.
Before the first image has matched, overflowing images are counted apart (`skipped_at_start`), not
reported as drops: the CameraInfo subscription may be matched by discovery a little later than the
image one, and those first images' infos were never delivered to us.
"""
from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class MatchedFrame:
    stamp: float
    image: Any
    info: Any
    depth: Any | None


def _closest(items: deque, stamp: float, tolerance: float) -> Any | None:
    best = min(items, key=lambda item: abs(item[0] - stamp), default=None)
    return best[1] if best is not None and abs(best[0] - stamp) <= tolerance else None


@dataclass
class StampSynchronizer:
    tolerance: float = 0.002        # [s] stamps closer than this are the same capture
    queue_size: int = 5             # images waiting for partners
    use_depth: bool = False
    on_drop: Callable[[str, str], None] | None = None   # (kind, detail), e.g. DropCounter.drop
    dropped: Counter = field(default_factory=Counter)
    skipped_at_start: int = 0       # images that overflowed before any image had matched
    matched: int = 0                # frames handed out
    _images: deque = field(default_factory=deque)
    _infos: deque = field(default_factory=deque)
    _depths: deque = field(default_factory=deque)

    def __post_init__(self) -> None:
        keep = 4 * self.queue_size
        self._infos, self._depths = deque(maxlen=keep), deque(maxlen=keep)

    def _drop(self, kind: str, detail: str) -> None:
        self.dropped[kind] += 1
        if self.on_drop is not None:
            self.on_drop(kind, detail)

    def add_info(self, stamp: float, info: Any) -> list[MatchedFrame]:
        self._infos.append((stamp, info))
        return self._ready()

    def add_depth(self, stamp: float, depth: Any) -> list[MatchedFrame]:
        if self.use_depth:
            self._depths.append((stamp, depth))
        return self._ready()

    def add_image(self, stamp: float, image: Any) -> list[MatchedFrame]:
        self._images.append((stamp, image))
        while len(self._images) > self.queue_size:
            stamp, _ = self._images.popleft()
            if not self.matched:
                self.skipped_at_start += 1
                continue
            self._drop('image without CameraInfo', f'no CameraInfo stamped within {self.tolerance} s of {stamp:.6f} s')
        return self._ready()

    def _ready(self) -> list[MatchedFrame]:
        out = []
        while self._images:
            stamp, image = self._images[0]
            info = _closest(self._infos, stamp, self.tolerance)
            if info is None:
                break
            depth = _closest(self._depths, stamp, self.tolerance) if self.use_depth else None
            if depth is None and self.use_depth and self._depths and len(self._images) < self.queue_size:
                break  # a depth stream exists: give this frame's depth a little time to arrive
            if depth is None and self.use_depth and self._depths:
                self._drop('depth', f'no depth image stamped within {self.tolerance} s of {stamp:.6f} s; '
                                    'using size priors for this frame')
            self._images.popleft()
            out.append(MatchedFrame(stamp, image, info, depth))
        self.matched += len(out)
        return out
