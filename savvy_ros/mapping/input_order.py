"""The order in which the map ingests its inputs: by capture stamp, whatever the arrival timing.

The stage-1 nodes run in processes of their own, so their outputs (objects, bearings, events,
snapshots) reach the map interleaved by chance: differently at another replay rate, or on
another run at the same rate. The map is order-sensitive (association, pending rays, RANSAC
triangulation, merges), so it does not ingest on arrival: it holds each input until its clock
(the bag's /clock in replay) has passed the input's stamp by `delay`, then ingests in
(stamp, stream, arrival) order. Every input that arrives within `delay` of its stamp is thus
ingested in the same order on every run. One arriving later than that ("late": something stamped
after it was released already) is released at the next call, out of order, and counted. Nothing
is dropped: beyond `max_held` the oldest inputs are released early (counted too).

Between the inputs, at every `grid_period` of data time, the release interleaves grid ticks: the
data times at which the node samples the wearer's path from TF. Ticks lie on one lattice of data
time and start as far back as TF could hold when the first input (or TF) is released; each is
emitted just before the first input stamped at or after it, so the body path, too, is the same
whatever the timing (a stretch without inputs is filled when the next one comes).
"""
from __future__ import annotations

import copy
import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar('T')

# At equal stamps: bearings (the DoA answers within milliseconds) before the slower producers'
# outputs, so that an input of a slow stream reaching the map last is ingested last anyway.
STREAM_ORDER = ('bearings', 'objects', 'events', 'snapshot')
GRID_SLACK = 1e-4  # [s] added to the grid period: consecutive ticks stay >= one period apart in float64


@dataclass(frozen=True, order=True)
class InputKey:
    stamp: float    # [s] the input's header stamp
    rank: int       # its stream's place in the tie order
    sequence: int   # arrival count within the stream (one publisher per stream keeps its order)


@dataclass(frozen=True)
class HeldInput(Generic[T]):
    key: InputKey
    stream: str
    item: T

    @property
    def stamp(self) -> float:
        return self.key.stamp


@dataclass(frozen=True)
class GridTick:
    stamp: float  # [s] data time of the tick


class InputOrder(Generic[T]):
    """Holds inputs and releases them in stamp order once `now - delay` has passed their stamps."""

    def __init__(self, delay: float, max_held: int = 1000, grid_period: float | None = None,
                 grid_horizon: float = 30.0, streams: Sequence[str] = STREAM_ORDER) -> None:
        if not (math.isfinite(delay) and delay >= 0.0):
            raise ValueError(f'reorder delay must be finite and >= 0 s, got {delay}')
        if max_held < 1:
            raise ValueError(f'max_held must be >= 1, got {max_held}')
        if grid_period is not None and not (math.isfinite(grid_period) and grid_period > 0.0):
            raise ValueError(f'grid period must be finite and > 0 s, got {grid_period}')
        if len(set(streams)) != len(streams):
            raise ValueError(f'stream names must be distinct: {list(streams)}')
        self.delay = float(delay)
        self.max_held = int(max_held)
        self.grid_step = None if grid_period is None else grid_period + GRID_SLACK
        self.grid_horizon = grid_horizon   # [s] ticks further behind than this are skipped (no TF there)
        self._rank = {name: k for k, name in enumerate(streams)}
        self._arrivals = dict.fromkeys(streams, 0)
        self._heap: list[tuple[InputKey, HeldInput[T]]] = []
        self._released: InputKey | None = None   # key of the newest input released
        self._grid_index: int | None = None      # lattice index of the next tick; None until the grid starts
        self.late = 0        # inputs that arrived after something stamped later was released
        self.overflowed = 0  # inputs released before their time because more than max_held waited

    def __len__(self) -> int:
        return len(self._heap)

    @property
    def released_stamp(self) -> float:
        """Stamp of the newest input released so far (-inf before the first)."""
        return self._released.stamp if self._released is not None else -math.inf

    @property
    def next_tick(self) -> float | None:
        """Data time of the next grid tick; None before the first input is released (or without a grid)."""
        if self._grid_index is None or self.grid_step is None:
            return None
        return self._grid_index * self.grid_step

    def push(self, stream: str, stamp: float, item: T) -> bool:
        """Hold `item`; False when it is late (it will be released next, out of stamp order)."""
        try:
            rank = self._rank[stream]
        except KeyError:
            raise ValueError(f'unknown input stream {stream!r}; known: {", ".join(self._rank)}') from None
        if not math.isfinite(stamp):
            raise ValueError(f'{stream} input stamp must be finite, got {stamp}')
        key = InputKey(float(stamp), rank, self._arrivals[stream])
        self._arrivals[stream] += 1
        heapq.heappush(self._heap, (key, HeldInput(key, stream, item)))
        in_order = self._released is None or key > self._released
        if not in_order:
            self.late += 1
        return in_order

    def release(self, now: float, flush: bool = False, grid_until: float | None = None
                ) -> list[HeldInput[T] | GridTick]:
        """Everything due at clock `now` in data-time order: the held inputs stamped at or before
        `now - delay` (all of them when flushing), each preceded by the grid ticks up to its stamp;
        then the grid ticks up to `grid_until` (e.g. the newest TF) that are due too, so the grid
        moves on while no input comes."""
        due = now - self.delay
        out: list[HeldInput[T] | GridTick] = []
        while self._heap:
            key, held = self._heap[0]
            overflow = len(self._heap) > self.max_held
            if not (flush or overflow or key.stamp <= due):
                break
            heapq.heappop(self._heap)
            if not flush and key.stamp > due:
                self.overflowed += 1
            self._start_grid(key.stamp)
            self._ticks_until(key.stamp, out)
            if self._released is None or key > self._released:
                self._released = key
            out.append(held)
        if grid_until is not None and self.grid_step is not None and math.isfinite(grid_until):
            limit = min(grid_until, due) if not flush else grid_until
            if self._heap:
                limit = min(limit, self._heap[0][0].stamp)
            if self._released is None or limit > self._released.stamp:
                self._start_grid(limit)
                self._ticks_until(limit, out)
        return out

    def _start_grid(self, stamp: float) -> None:
        """Ticks lie on one lattice through data time 0 (a multiple of the step), so every run's ticks
        are the same data times. They start `grid_horizon` before the first time released (input or
        TF), as far back as TF could still answer: whichever came first, and whenever the clock let it
        out, every run samples the same ticks from the first body pose on (earlier ones find no TF)."""
        if self.grid_step is not None and self._grid_index is None:
            self._grid_index = math.floor((stamp - self.grid_horizon) / self.grid_step)

    def preview(self) -> list[HeldInput[T] | GridTick]:
        """What flushing now would release, in the same order, leaving everything held."""
        clone = copy.copy(self)
        clone._heap = list(self._heap)
        clone._arrivals = dict(self._arrivals)
        return clone.release(math.inf, flush=True)

    def _ticks_until(self, limit: float, out: list[HeldInput[T] | GridTick]) -> None:
        tick = self.next_tick
        if tick is None:
            return
        if tick < limit - self.grid_horizon:  # a long gap in the inputs: TF keeps nothing that old
            self._grid_index = math.ceil((limit - self.grid_horizon) / self.grid_step)
            tick = self.next_tick
        while tick <= limit:
            out.append(GridTick(tick))
            self._grid_index += 1
            tick = self.next_tick
