#!/usr/bin/env python3
"""Whole-graph replay speed on the default scene (issue 8): the demo episode played as fast as
possible through every node (DoA, hearing, vision, map, QA; each its own process, use_sim_time,
flow-controlled player), as `savvy-ros eval --runs all --rate 0` does, several times, and once at
1x. Prints each replay's real-time factor (bag seconds over play seconds) and node CPU per bag
second, their median against the target, and whether every answer and value is identical across
the replays and to the 1x one.

Target: as fast as possible >= 5x real time on 2 cores, answers identical to 1x.

    .venv/bin/python bench/bench_graph_replay.py [--episode build/demo/episode] [--repeats 3] [--no-1x]
        [--param NODE:NAME=VALUE ...] [--executor single_threaded|events] [--player-executor events|single_threaded]

The episode is generated first when missing (as `make demo` does: config/scenes/demo.yaml). About
40 s per fast replay and 80 s for the 1x one on a 2-core machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from savvy_ros.cli.demo_command import ensure_episode  # noqa: E402
from savvy_ros.evaluation.evaluator import EvalOptions, Episode, evaluate_episode  # noqa: E402
from savvy_ros.evaluation.node_params import NodeParamError, check_node_params, parse_node_param  # noqa: E402
from savvy_ros.resources import config_file  # noqa: E402
from savvy_ros.ros.executors import EXECUTOR_KINDS, PLAYER_EXECUTOR  # noqa: E402

TARGET_X = 5.0


def replay(episode: Episode, out: Path, rate: float, node_params: tuple, executors: tuple[str | None, str]) -> dict:
    """One `all` graph run: its speed, node CPU per bag second, score and answers."""
    options = EvalOptions(runs=('all',), rate=rate, node_params=node_params, executor=executors[0],
                          player_executor=executors[1])
    runs, _ = evaluate_episode(episode, out, options)
    (run,) = runs
    if run.failures or run.replay is None:
        raise SystemExit(f'graph run failed: {"; ".join(run.failures) or "no replay numbers"}')
    played = run.replay
    return {'speed': played.bag_seconds / played.play_seconds,
            'cpu': sum(played.node_cpu_seconds.values()) / played.bag_seconds,
            'overall': 100.0 * run.summary.overall if run.summary else float('nan'),
            'answers': [(row['id'], row.get('answer'), row.get('value')) for row in run.rows]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--episode', type=Path, default=REPO / 'build' / 'demo' / 'episode')
    parser.add_argument('--repeats', type=int, default=3, help='replays as fast as possible')
    parser.add_argument('--no-1x', dest='real_time', action='store_false', help='skip the 1x replay')
    parser.add_argument('--param', action='append', default=[], metavar='NODE:NAME=VALUE')
    parser.add_argument('--executor', choices=EXECUTOR_KINDS,
                        help='of every node (default: each node\'s in config/replay.yaml)')
    parser.add_argument('--player-executor', default=PLAYER_EXECUTOR, choices=EXECUTOR_KINDS)
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error('--repeats must be >= 1')
    try:
        node_params = check_node_params([parse_node_param(p) for p in args.param], [config_file()]) if args.param else ()
    except NodeParamError as exc:
        parser.error(str(exc))
    if not (args.episode / 'bag').exists():
        print(ensure_episode(config_file('scenes/demo.yaml'), args.episode, quick=False, regenerate=False,
                             progress=False), flush=True)
    episode = Episode.from_dir(args.episode)
    executors = (args.executor, args.player_executor)
    with tempfile.TemporaryDirectory(prefix='bench_graph_replay_') as scratch:
        fast = []
        for k in range(args.repeats):
            result = replay(episode, Path(scratch) / f'fast{k}', 0.0, node_params, executors)
            print(f'as fast as possible #{k + 1}: {result["speed"]:.2f}x real time, node CPU per bag second '
                  f'{result["cpu"]:.2f}, overall {result["overall"]:.1f}', flush=True)
            fast.append(result)
        one_x = replay(episode, Path(scratch) / 'real_time', 1.0, node_params, executors) \
            if args.real_time else None
    speeds = [r['speed'] for r in fast]
    median = statistics.median(speeds)
    print(f'\nmedian {median:.2f}x real time (min {min(speeds):.2f}, max {max(speeds):.2f}) over {len(fast)} '
          f'replay(s); target >= {TARGET_X:.0f}x: ratio {median / TARGET_X:.2f}')
    same = all(r['answers'] == fast[0]['answers'] for r in fast[1:])
    print(f'answers and values identical across the fast replays: {"yes" if same else "NO"} '
          f'({len(fast[0]["answers"])} questions)')
    if one_x is not None:
        same_1x = fast[0]['answers'] == one_x['answers']
        print(f'identical to the 1x replay ({one_x["speed"]:.2f}x): {"yes" if same_1x else "NO"}')
        same = same and same_1x
    return 0 if same else 1


if __name__ == '__main__':
    raise SystemExit(main())
