"""The map's input order: held inputs released by stamp, whatever order and timing they arrived in."""
from __future__ import annotations

import math

import numpy as np
import pytest
from map_inputs import hear, see, walk

from savvy_ros.mapping.input_order import GRID_SLACK, GridTick, HeldInput, InputOrder
from savvy_ros.mapping.map_model import MAINTENANCE_PERIOD, GlobalMapModel
from savvy_ros.mapping.observations import HeardEvent


def names(steps) -> list:
    return [step.item if isinstance(step, HeldInput) else ('tick', round(step.stamp, 6)) for step in steps]


def test_inputs_wait_for_the_clock_and_come_out_in_stamp_order():
    order = InputOrder(delay=0.5)
    assert order.push('objects', 10.2, 'frame 10.2')
    assert order.push('bearings', 10.1, 'window 10.1')   # arrives later, stamped earlier: still in order
    assert order.push('events', 10.0, 'event 10.0')
    assert order.release(10.4) == []                      # nothing is 0.5 s old yet
    assert names(order.release(10.65)) == ['event 10.0', 'window 10.1']
    assert len(order) == 1 and order.released_stamp == 10.1
    assert names(order.release(10.7)) == ['frame 10.2']
    assert order.late == 0 and order.overflowed == 0


def test_equal_stamps_follow_the_stream_order_then_the_arrival_order():
    order = InputOrder(delay=0.0)
    for stream, item in [('snapshot', 's'), ('events', 'e'), ('objects', 'o1'), ('bearings', 'b'), ('objects', 'o2')]:
        order.push(stream, 5.0, item)
    assert names(order.release(5.0)) == ['b', 'o1', 'o2', 'e', 's']


def test_the_release_does_not_depend_on_arrival_order_or_release_times():
    rng = np.random.default_rng(3)
    inputs = [(stream, round(t, 3), f'{stream}@{t:.3f}') for stream, period in
              (('objects', 0.1), ('bearings', 0.25), ('events', 1.3)) for t in np.arange(0.0, 8.0, period)]
    sequences = []
    for _ in range(20):
        # Each input arrives up to 0.3 s of clock after its stamp (< the delay), in a random interleaving,
        # and the clock is read at random moments.
        arrivals = sorted(inputs, key=lambda i: i[1] + rng.uniform(0.0, 0.3))
        order = InputOrder(delay=0.5, grid_period=0.2)
        released = []
        for stream, stamp, item in arrivals:
            order.push(stream, stamp, item)
            if rng.random() < 0.3:
                released += order.release(stamp + rng.uniform(0.0, 0.3))
        released += order.release(math.inf, flush=True)
        assert order.late == 0
        sequences.append(names(released))
    assert all(s == sequences[0] for s in sequences)
    items = [s for s in sequences[0] if isinstance(s, str)]
    assert len(items) == len(inputs)
    assert [float(s.split('@')[1]) for s in items] == sorted(float(s.split('@')[1]) for s in items)


def test_a_late_input_is_kept_counted_and_released_next():
    order = InputOrder(delay=0.5)
    order.push('objects', 1.0, 'a')
    order.push('objects', 2.0, 'b')
    assert names(order.release(2.6)) == ['a', 'b']
    assert not order.push('bearings', 1.5, 'late')      # something stamped after it went already
    assert order.late == 1
    assert names(order.release(2.6)) == ['late']        # not dropped: ingested at once, out of order
    assert order.released_stamp == 2.0


def test_beyond_max_held_the_oldest_goes_early_and_nothing_is_dropped():
    order = InputOrder(delay=0.5, max_held=3)
    out = []
    for k in range(5):
        order.push('objects', float(k), k)
        out += order.release(0.0)                       # the clock stands still (no /clock yet)
    assert names(out) == [0, 1] and len(order) == 3 and order.overflowed == 2
    assert names(order.release(0.0, flush=True)) == [2, 3, 4]


STEP = 0.2 + GRID_SLACK


def lattice_index(t: float) -> int:
    """k when `t` is the tick k * STEP (exactly); fails otherwise."""
    k = round(t / STEP)
    assert k * STEP == t, f'{t} is not a lattice tick'
    return k


def ticks_of(steps) -> list[float]:
    return [s.stamp for s in steps if isinstance(s, GridTick)]


def test_grid_ticks_lie_on_one_lattice_between_the_inputs():
    order = InputOrder(delay=0.0, grid_period=0.2, grid_horizon=30.0)
    order.push('objects', 100.05, 'a')
    order.push('bearings', 100.5, 'b')
    order.push('objects', 100.5, 'c')
    steps = order.release(101.0)
    assert all(isinstance(s, GridTick) for s in steps if not isinstance(s, HeldInput))
    items = [s.item for s in steps if isinstance(s, HeldInput)]
    assert items == ['a', 'b', 'c']
    ticks = ticks_of(steps)
    indices = [lattice_index(t) for t in ticks]
    assert indices == list(range(indices[0], indices[0] + len(indices)))      # consecutive lattice points
    assert all(b - a >= 0.2 for a, b in zip(ticks, ticks[1:]))                 # the body path keeps every tick
    # From as far back as TF could hold (30 s) to the last input; each tick just before the first
    # input stamped at or after it.
    assert 100.05 - 30.0 <= ticks[0] < 100.05 - 30.0 + STEP and ticks[-1] <= 100.5 < ticks[-1] + STEP
    before_a = steps.index(next(s for s in steps if isinstance(s, HeldInput)))
    assert ticks_of(steps[:before_a])[-1] <= 100.05 < ticks_of(steps[:before_a])[-1] + STEP
    assert order.next_tick > 100.5


def test_the_ticks_are_the_same_whatever_came_first_and_whenever_the_clock_let_it_out():
    """The map node's grid starts with the first input or TF that the clock releases; which one and when
    depends on the timing. Every run must still sample the body path at the same data times."""
    inputs = [('objects', 0.35 + 0.1 * k, k) for k in range(30)]
    runs = []
    for clock, tf_first in ((0.4, True), (0.9, True), (1.7, True), (3.0, False)):
        order = InputOrder(delay=0.5, grid_period=0.2)
        steps = order.release(clock, grid_until=clock - 0.1) if tf_first else []   # TF from 0.0 on, nothing held
        for stream, stamp, item in inputs:
            order.push(stream, stamp, item)
        steps += order.release(math.inf, flush=True)
        runs.append([t for t in ticks_of(steps) if t >= 0.0])      # no TF before 0: those sample nothing
    assert all(r == runs[0] for r in runs[1:]) and len(runs[0]) > 10


def test_a_long_gap_skips_the_ticks_that_tf_no_longer_holds():
    order = InputOrder(delay=0.0, grid_period=0.2, grid_horizon=30.0)
    order.push('objects', 0.0, 'a')
    order.push('objects', 3600.0, 'b')
    ticks = ticks_of(order.release(3600.0))
    assert len(ticks) < 2 * (1 + 30.0 / 0.2) + 2
    assert all(t <= 0.0 or t >= 3600.0 - 30.0 for t in ticks) and ticks[-1] > 3600.0 - STEP
    assert all(isinstance(lattice_index(t), int) for t in ticks)


def test_preview_shows_the_flush_and_keeps_everything_held():
    order = InputOrder(delay=0.5, grid_period=0.2)
    order.push('objects', 1.0, 'a')
    order.push('events', 1.3, 'e')
    before = names(order.preview())
    assert [n for n in before if isinstance(n, str)] == ['a', 'e']
    between = before[before.index('a') + 1:before.index('e')]
    assert [t for _, t in between] == [round(k * STEP, 6) for k in range(100) if 1.0 < k * STEP <= 1.3]
    assert len(order) == 2 and order.next_tick is None and order.released_stamp == -math.inf
    assert names(order.release(math.inf, flush=True)) == before


def test_bad_streams_stamps_and_settings_are_refused():
    order = InputOrder(delay=0.5)
    with pytest.raises(ValueError, match='unknown input stream'):
        order.push('lidar', 1.0, None)
    with pytest.raises(ValueError, match='finite'):
        order.push('objects', math.nan, None)
    with pytest.raises(ValueError, match='delay'):
        InputOrder(delay=-1.0)
    with pytest.raises(ValueError, match='grid period'):
        InputOrder(delay=0.5, grid_period=0.0)


def scene_inputs() -> list[tuple[str, float, object]]:
    """A chair seen, a speaker heard from a walking wearer (for triangulation) and a knock event."""
    rng = np.random.default_rng(11)
    chair, speaker = np.array([2.0, 1.0, 0.5]), np.array([0.0, -3.0, 1.6])
    inputs = []
    for k in range(120):
        t = 0.1 * k
        inputs.append(('objects', t, ('see', t, chair + rng.normal(0.0, 0.05, 3))))
        inputs.append(('bearings', t + 0.05, ('hear', t + 0.05, speaker + rng.normal(0.0, 0.05, 3))))
    inputs.append(('events', 6.0, ('event', HeardEvent(1, 'sound', 3.0, 3.5, '', ['Knock'], [0.8]))))
    return inputs


def ingest(model: GlobalMapModel, step) -> None:
    if isinstance(step, GridTick):
        if step.stamp >= 0.0:   # the wearer's TF starts with the scene: earlier ticks sample nothing
            model.add_body_pose(step.stamp, walk(step.stamp), 0.0)
        return
    kind, *args = step.item
    if kind == 'see':
        see(model, args[0], ['chair'], args[1])
    elif kind == 'hear':
        hear(model, args[0], walk(args[0]), args[1])
    else:
        model.ingest_event(args[0])


def test_a_model_fed_through_the_order_ends_the_same_whatever_the_arrivals():
    """What the map node does: the order decides the ingestion, the data time the maintenance."""
    rng = np.random.default_rng(5)
    results = []
    for run in range(4):
        arrivals = sorted(scene_inputs(), key=lambda i: i[1] + rng.uniform(0.0, 0.4))
        order, model, maintained = InputOrder(delay=0.5, grid_period=0.2), GlobalMapModel(), []
        for stream, stamp, item in arrivals:
            order.push(stream, stamp, item)
            for step in order.release(stamp + rng.uniform(0.0, 0.1)):
                if model.maintain(step.stamp):
                    maintained.append(round(step.stamp, 6))
                ingest(model, step)
        for step in order.preview():   # the node's idle flush, on the model itself here
            model.maintain(step.stamp)
            ingest(model, step)
        view = model.view()
        results.append((maintained, [(o.id, o.label, o.observation_count, o.position.round(9).tolist())
                                     for o in view.objects],
                        [(e.id, e.object_id, round(e.link_score, 9)) for e in view.events],
                        view.body_times.round(6).tolist()))
    assert all(r == results[0] for r in results[1:])
    maintained, objects, events, body_times = results[0]
    # About one full update per MAINTENANCE_PERIOD of data (the first input's one starts the count; the
    # one at the grid's first tick, before any data, finds the model empty).
    maintained = [t for t in maintained if t >= 0.0]
    assert all(0.9 * MAINTENANCE_PERIOD <= b - a <= 1.1 * MAINTENANCE_PERIOD for a, b in zip(maintained, maintained[1:]))
    assert {o[1] for o in objects} == {'chair', 'sound source'}
    assert events[0][1] == next(o[0] for o in objects if o[1] == 'sound source')
    assert len(body_times) > 50


def test_the_grid_moves_on_with_tf_while_no_input_comes():
    """A rig whose only stream is TF (snapshots, say) still gets its body path sampled."""
    order = InputOrder(delay=0.5, grid_period=0.2)
    ticks = ticks_of(order.release(2.0, grid_until=1.75))
    assert ticks[-1] <= 1.5 < ticks[-1] + STEP                 # up to min(now - delay, TF) = 1.5
    order.push('objects', 1.62, 'a')                           # after the last tick: still in order
    after = names(order.release(2.5, grid_until=3.0))          # up to min(TF, now - delay) = 2.0
    assert 'a' in after and order.late == 0
    assert all(1.5 < t <= 1.62 for _, t in after[:after.index('a')])
    assert all(1.62 < t <= 2.0 for _, t in after[after.index('a') + 1:])
    assert len(after) - 1 == sum(1 for k in range(lattice_index(ticks[-1]) + 1, 100) if k * STEP <= 2.0)
