"""Which camera frames the detector looks at: at most `max_rate` per second of capture time.

Chosen by capture stamp alone, never by load, so a replay at any speed and a live run that keeps
up pick the same frames. A camera faster than the detector would otherwise lose frames to a full
queue, at random; here the frames skipped are regular and counted.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

# A frame this share of the period before its due time still counts as on time: camera stamps
# jitter, and a 10 fps stream limited to 5 Hz must take every other frame, not every third.
JITTER_SHARE = 0.1


@dataclass
class FrameRateLimiter:
    max_rate: float = 0.0                  # [Hz] of capture time; 0 = every frame
    skipped: int = 0
    _due: float | None = None              # [s] capture time the next frame is due
    _last: float | None = None             # [s] stamp of the last frame taken

    def __post_init__(self) -> None:
        if not (math.isfinite(self.max_rate) and self.max_rate >= 0.0):
            raise ValueError(f'max frame rate must be finite and >= 0 Hz, got {self.max_rate}')

    def take(self, stamp: float) -> bool:
        """True when the frame stamped `stamp` [s] is to be processed."""
        if self.max_rate <= 0.0:
            return True
        period = 1.0 / self.max_rate
        # A stamp before the last frame taken: the clock went back (a looped replay); start over.
        if self._due is None or self._last is None or stamp < self._last:
            self._due = stamp
        if stamp < self._due - JITTER_SHARE * period:
            self.skipped += 1
            return False
        # Due times step by the period (the rate holds on average when it does not divide the camera's);
        # after a gap in the stream they start again from this frame.
        self._due = self._due + period if self._due + period > stamp else stamp + period
        self._last = stamp
        return True
