"""Evaluate the pipeline on recorded episodes, as SAVVY-Bench scores it.

Plays the bag into the node graph (each node its own process, use_sim_time), asks every question
through /savvy/ask from a separate client, and writes DIR/results.jsonl, DIR/summary.md and
bird's-eye plots DIR/plots/*.png. Baselines in the same table: chance, audio-only, vision-only,
all modalities and the ground-truth-map oracle (needs ground_truth.json beside the questions).

  savvy-ros eval EPISODE/bag EPISODE/questions.json --out DIR
  savvy-ros eval --bench BENCH_DIR --out DIR          # every episode folder of `savvy-ros synth --bench`
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from savvy_ros.cli.errors import EXIT_FAILURE, EXIT_OK, CliError
from savvy_ros.cli.progress_bars import NO_PROGRESS_HELP, bars_wanted
from savvy_ros.ros.executors import EXECUTOR_KINDS, PLAYER_EXECUTOR

NAME = 'eval'
HELP = 'play episodes through the node graph, ask every question, score like SAVVY-Bench'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('bag', nargs='?', type=Path, help='bag directory (an episode\'s bag/)')
    parser.add_argument('questions', nargs='?', type=Path, help='questions JSON (SAVVY-Bench schema)')
    parser.add_argument('--bench', type=Path, help='a folder of episode folders (bag/, questions.json, ground_truth.json)')
    parser.add_argument('--out', type=Path, required=True, help='output folder')
    parser.add_argument('--runs', default='chance,audio,vision,all,oracle',
                        help='runs to make, comma-separated (chance, audio, vision, all, oracle; default all five)')
    add_graph_options(parser)


def add_graph_options(parser: argparse.ArgumentParser) -> None:
    """How the graph runs and is asked: options `savvy-ros eval` and `savvy-ros demo` share."""
    parser.add_argument('--modalities', default='audio,vision,hearing',
                        help='modalities of the "all" run (audio, vision, hearing, snapshot)')
    parser.add_argument('--rate', type=float, default=1.0,
                        help='bag playback rate (x real time; 0 = as fast as the graph goes, flow controlled)')
    parser.add_argument('--oracle-window', action='store_true', help='give the service each question\'s true window')
    parser.add_argument('--strict', action='store_true',
                        help='no best guesses: a question the service cannot ground is unanswered (scores 0)')
    parser.add_argument('--params-file', type=Path, help='node parameters (default: config/savvy.yaml)')
    parser.add_argument('--param', action='append', default=[], metavar='NODE:NAME=VALUE',
                        help='one node parameter over the parameter file, e.g. savvy_vision:coco_precision=f32 '
                             '(repeatable; the node and name are checked against the parameter files; VALUE is read as '
                             'YAML, as ros2 run -p reads it, an integer for a float parameter as a float)')
    parser.add_argument('--executor', choices=EXECUTOR_KINDS,
                        help='rclpy executor of every node (default: events, rclpy\'s experimental EventsExecutor, '
                             'for the DoA, hearing, vision and map nodes, less CPU per message; single_threaded for '
                             'QA, as config/replay.yaml says; see savvy_ros/replay/replay_params.py)')
    parser.add_argument('--player-executor', default=PLAYER_EXECUTOR, choices=EXECUTOR_KINDS,
                        help=f'rclpy executor taking the player\'s acknowledgements (default {PLAYER_EXECUTOR})')
    parser.add_argument('--domain-id', type=int, help='DDS domain of the node graph (default: a free private one)')
    parser.add_argument('--no-progress', action='store_true', help=NO_PROGRESS_HELP)


def _progress(enabled: bool):
    from tqdm import tqdm
    bars: dict[str, tqdm] = {}

    def update(stage: str, done: int, total: int) -> None:
        if not enabled:
            return
        bar = bars.get(stage)
        if bar is None:
            bar = bars[stage] = tqdm(total=total, desc=stage, leave=False, dynamic_ncols=True)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()
    return update


def clear_previous_outputs(out: Path) -> None:
    """Remove what an earlier evaluation wrote into `out` (its maps, plots and summary): one made with other
    runs would otherwise leave maps and plots beside this one's results, as if this run had made them.
    Only the evaluator's own file kinds, in its own subfolders, are touched (node logs are overwritten)."""
    for pattern in ('results.jsonl', 'summary.md', 'maps/*.cdr', 'maps/*.json', 'plots/*.png'):
        for path in out.glob(pattern):
            if path.is_file():
                path.unlink()


def evaluate_and_report(episodes, options, out: Path, progress_enabled: bool) -> int:
    """Evaluate `episodes`, write results.jsonl / summary.md / plots under `out`, print the summary."""
    from savvy_ros.evaluation.evaluator import EvaluationError, evaluate_episode, merge_runs
    from savvy_ros.evaluation.report import write_results, write_summary

    out.mkdir(parents=True, exist_ok=True)
    clear_previous_outputs(out)
    progress = _progress(progress_enabled)
    per_episode, plots = [], []
    try:
        for episode in episodes:
            runs, plot = evaluate_episode(episode, out, options, progress)
            per_episode.append(runs)
            if plot is not None:
                plots.append(plot)
    except EvaluationError as exc:
        raise CliError(str(exc)) from exc
    runs = merge_runs(per_episode)
    write_results(out / 'results.jsonl', runs)
    questions = max((len(r.items) for r in runs), default=0)
    text = write_summary(out / 'summary.md', f'SAVVY-Bench scores: {len(episodes)} episode(s), {questions} questions',
                         runs)
    print(text)
    print(f'results: {out / "results.jsonl"}\nsummary: {out / "summary.md"}')
    for plot in plots:
        print(f'plot: {plot}')
    saved = sorted((out / 'maps').glob('*_all.cdr'))
    if saved:
        program = sys.argv[0] if Path(sys.argv[0]).name == 'savvy-ros' else 'savvy-ros'
        print(f'ask your own questions of the saved map, e.g.: {program} ask --map {saved[0]} '
              '"where was the cat when someone knocked on the door?"')
    failed = [r for r in runs if not r.items or r.failures]   # a run failed in every episode, or in some
    for run in failed:
        print(f'{run.name}: {len(run.failures)} graph run(s) failed, not scored: {"; ".join(run.failures)}',
              file=sys.stderr)
    return EXIT_FAILURE if failed else EXIT_OK


def options_from_args(args: argparse.Namespace):
    from savvy_ros.evaluation.evaluator import EvalOptions
    from savvy_ros.evaluation.node_params import NodeParamError, check_node_params, parse_node_param
    from savvy_ros.resources import config_file
    references = [config_file()] + ([args.params_file] if args.params_file and args.params_file.is_file() else [])
    try:
        node_params = check_node_params([parse_node_param(p) for p in args.param], references) if args.param else ()
    except NodeParamError as exc:
        raise CliError(str(exc)) from None
    try:
        return EvalOptions(runs=tuple(r.strip() for r in args.runs.split(',') if r.strip()),
                           modalities=frozenset(m.strip() for m in args.modalities.split(',') if m.strip()),
                           rate=args.rate, oracle_window=args.oracle_window, best_guess=not args.strict,
                           params_file=args.params_file,
                           domain_id=args.domain_id, node_params=node_params,
                           executor=args.executor, player_executor=args.player_executor)
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    from savvy_ros.evaluation.evaluator import EvaluationError, Episode, bench_episodes

    if args.bench is None and (args.bag is None or args.questions is None):
        raise CliError('give BAG and QUESTIONS, or --bench DIR')
    options = options_from_args(args)
    if args.bench is not None:
        try:
            episodes = bench_episodes(args.bench)
        except EvaluationError as exc:
            raise CliError(str(exc)) from exc
    else:
        ground_truth = args.questions.parent / 'ground_truth.json'
        episodes = [Episode(args.bag.parent.name or 'episode', args.bag, args.questions,
                            ground_truth if ground_truth.is_file() else None)]
    return evaluate_and_report(episodes, options, args.out, bars_wanted(args.no_progress))
