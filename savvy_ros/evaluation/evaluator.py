"""Evaluate episodes: node-graph runs per modality set, baselines, results, summary and plots.

Runs (columns of the summary):
  chance   expected score of guessing (no graph);
  audio    DoA bearings + hearing (no camera);
  vision   camera + hearing (hearing tells *when*; directions come from vision only);
  all      every modality given (default audio, vision, hearing);
  oracle   the ground-truth map (ground_truth.json) through the same QA core: everything but perception.
Hearing runs in every graph run because the questions are anchored on heard events.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from savvy_ros.evaluation.episode_params import episode_node_params
from savvy_ros.evaluation.graph_run import MODALITIES, GraphRunError, RunConfig, run_graph, unknown_modalities
from savvy_ros.evaluation.oracle_map import GroundTruthError, load_ground_truth, oracle_map_view
from savvy_ros.evaluation.plots import plot_episode
from savvy_ros.evaluation.report import GraphReplay, RunScores, chance_scores, options_of, score_answers
from savvy_ros.qa.gt_context import GtItemError, load_items
from savvy_ros.ros.executors import EXECUTOR_KINDS, PLAYER_EXECUTOR
from savvy_ros.synth.episode_layout import BAG_NAME, GROUND_TRUTH_NAME, QUESTIONS_NAME

RUN_NAMES = ('chance', 'audio', 'vision', 'all', 'oracle')
GRAPH_RUNS = {'audio': frozenset({'audio', 'hearing'}), 'vision': frozenset({'vision', 'hearing'})}


class EvaluationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Episode:
    name: str
    bag: Path
    questions_file: Path
    ground_truth_file: Path | None

    @classmethod
    def from_dir(cls, directory: Path) -> Episode:
        gt = directory / GROUND_TRUTH_NAME
        return cls(directory.name, directory / BAG_NAME, directory / QUESTIONS_NAME, gt if gt.is_file() else None)


@dataclass(frozen=True)
class EvalOptions:
    runs: tuple[str, ...] = RUN_NAMES
    modalities: frozenset[str] = frozenset({'audio', 'vision', 'hearing'})   # of the 'all' run
    rate: float = 1.0
    oracle_window: bool = False
    # The bench scores every question (an abstention scores 0), so by default the service is asked
    # for its best guess; --strict measures what it answers on its own thresholds.
    best_guess: bool = True
    params_file: Path | None = None
    domain_id: int | None = None                     # None: a private DDS domain for the graph runs
    node_params: tuple[tuple[str, str, str], ...] = ()   # (node, parameter, value) over the parameter file
    executor: str | None = None                       # rclpy executor of every node; None = replay defaults
    player_executor: str = PLAYER_EXECUTOR            # and of the player's acknowledgements

    def __post_init__(self) -> None:
        unknown = [r for r in self.runs if r not in RUN_NAMES]
        if unknown:
            raise ValueError(f'unknown run(s) {unknown}; known: {", ".join(RUN_NAMES)}')
        if why := unknown_modalities(self.modalities):   # checked before any run, not when 'all' starts
            raise ValueError(why)
        if not self.modalities:
            raise ValueError(f'--modalities names none; known: {", ".join(MODALITIES)}')
        if self.params_file is not None and not Path(self.params_file).is_file():
            # Every node would die parsing it, and the graph run would wait for the QA service in vain.
            raise ValueError(f'parameter file not found: {self.params_file}')
        if self.domain_id is not None and not 0 <= self.domain_id <= 232:
            raise ValueError(f'--domain-id must be in 0..232, got {self.domain_id}')
        if not (math.isfinite(self.rate) and self.rate >= 0):
            raise ValueError(f'--rate must be >= 0 (0 = as fast as the graph goes), got {self.rate}')
        if self.executor and self.executor not in EXECUTOR_KINDS:   # None: the replay's own per node
            raise ValueError(f'--executor must be one of {", ".join(EXECUTOR_KINDS)}, got {self.executor!r}')
        if self.player_executor not in EXECUTOR_KINDS:
            raise ValueError(f'--player-executor must be one of {", ".join(EXECUTOR_KINDS)}, '
                             f'got {self.player_executor!r}')


Progress = Callable[[str, int, int], None]


def _matcher():
    from savvy_ros.qa.phrase_matcher import EmbeddingPhraseMatcher
    global _MATCHER
    if _MATCHER is None:
        _MATCHER = EmbeddingPhraseMatcher()
    return _MATCHER


_MATCHER = None


def oracle_run(questions: Sequence[dict[str, Any]], gt: dict[str, Any], oracle_window: bool,
               best_guess: bool = True) -> RunScores:
    from savvy_ros.qa.spatial_qa import SpatialQA

    responses = ask_questions(SpatialQA(_matcher()), oracle_map_view(gt), questions, oracle_window, best_guess)
    return score_answers('oracle', questions, responses, note='ground-truth map, same QA core (no perception)')


def ask_questions(qa, view, questions: Sequence[dict[str, Any]], oracle_window: bool = False,
                  best_guess: bool = True) -> list[dict[str, Any]]:
    """Every question asked of the QA core over `view` as the service would; responses as score_answers reads them."""
    from savvy_ros.qa.spatial_qa import AskRequest

    responses = []
    for item in questions:
        window = (float(item['start_frame']), float(item['end_frame'])) if oracle_window else None
        result = qa.ask(AskRequest(str(item['question']), options_of(item), window, best_guess=best_guess), view)
        responses.append({'success': result.success, 'error': result.error,
                          'answer': result.answer.answer if result.answer else '',
                          'value': result.answer.value if result.answer else None,
                          'confidence': result.answer.confidence if result.answer else 0.0,
                          'explanation': result.answer.explanation if result.answer else ''})
    return responses


def evaluate_episode(episode: Episode, out_dir: Path, options: EvalOptions,
                     progress: Progress = lambda stage, done, total: None) -> tuple[list[RunScores], Path | None]:
    """All runs of one episode; returns their scores and the plot written (None without ground truth)."""
    from savvy_ros.resources import config_file
    from savvy_ros.ros.map_messages import global_map_to_view

    if not episode.bag.exists():
        raise EvaluationError(f'{episode.name}: no bag at {episode.bag}')
    try:
        questions = load_items(episode.questions_file)
    except GtItemError as exc:
        raise EvaluationError(str(exc)) from exc
    gt = None
    if episode.ground_truth_file is not None:
        try:
            gt = load_ground_truth(episode.ground_truth_file)
        except GroundTruthError as exc:
            raise EvaluationError(str(exc)) from exc
    params = options.params_file or config_file()
    try:
        overrides = episode_node_params(gt, out_dir / 'logs' / episode.name)
    except ValueError as exc:
        raise EvaluationError(f'{episode.name}: {exc}') from exc
    runs: list[RunScores] = []
    final_map = None
    for name in options.runs:
        if name == 'chance':
            diagonal = math.hypot(*gt['room']['size'][:2]) if gt else 10.0
            runs.append(chance_scores(questions, diagonal))
        elif name == 'oracle':
            if gt is None:
                continue   # nothing to build the oracle from (e.g. converted real recordings)
            runs.append(oracle_run(questions, gt, options.oracle_window, options.best_guess))
        else:
            modalities = options.modalities if name == 'all' else GRAPH_RUNS[name]
            config = RunConfig(name, modalities, rate=options.rate, oracle_window=options.oracle_window,
                               best_guess=options.best_guess, domain_id=options.domain_id,
                               node_params=options.node_params, executor=options.executor,
                               player_executor=options.player_executor)
            try:
                output = run_graph(episode.bag, questions, config, params, out_dir / 'logs' / episode.name / name,
                                   lambda stage, done, total, n=name: progress(f'{episode.name} {n}: {stage}',
                                                                               done, total),
                                   overrides)
            except GraphRunError as exc:
                runs.append(RunScores(name, [], [], failures=[f'{episode.name}: {exc}']))
                continue
            replay = GraphReplay(tuple(sorted(modalities)), output.bag_seconds, output.play_seconds,
                                 dict(output.node_cpu_seconds), sum(output.ack_timeouts.values()),
                                 strict=not options.best_guess)
            runs.append(score_answers(name, questions, output.responses, replay=replay))
            if output.final_map is not None:
                write_map_summary(out_dir / 'maps' / f'{episode.name}_{name}.json',
                                  global_map_to_view(output.final_map))
                # The map itself (GlobalMap CDR): questions can be re-answered from it without a replay
                # (bench/reanswer_saved_map.py).
                from rclpy.serialization import serialize_message
                (out_dir / 'maps' / f'{episode.name}_{name}.cdr').write_bytes(serialize_message(output.final_map))
            if name == 'all' or final_map is None:
                final_map = output.final_map
    plot = None
    if gt is not None or final_map is not None:
        estimated = global_map_to_view(final_map) if final_map is not None else None
        plot = plot_episode(out_dir / 'plots' / f'{episode.name}.png', gt, estimated,
                            f'{episode.name}: true (green) vs map (red/orange)')
    return runs, plot


def write_map_summary(path: Path, view) -> None:
    """The map a run ended with, as readable JSON (what the answers were computed from)."""
    def xyz(p) -> list[float] | None:
        return None if p is None else [round(float(v), 3) for v in p]

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        'frame_id': view.frame_id, 'stamp': view.stamp, 'body_path_samples': int(view.body_times.shape[0]),
        'objects': [{'id': o.id, 'label': o.label, 'aliases': o.aliases, 'static': o.is_static,
                     'sound_source': o.is_sound_source, 'position': xyz(o.position),
                     'modalities': sorted(o.modalities), 'observations': o.observation_count} for o in view.objects],
        'events': [{'id': e.id, 'kind': e.kind, 'start': e.start, 'end': e.end, 'text': e.text,
                    'alternatives': e.alternatives, 'labels': e.labels, 'impulsiveness': round(e.impulsiveness, 3),
                    'object_id': e.object_id, 'link_score': e.link_score, 'source_position': xyz(e.source_position)}
                   for e in view.events]}, indent=1) + '\n')


def merge_runs(per_episode: Sequence[Sequence[RunScores]]) -> list[RunScores]:
    """Pool item scores of the same run over episodes (the bench's numbers are per item), the replays'
    times (the bench's speed and CPU per bag second) and the failures."""
    merged: dict[str, RunScores] = {}
    for runs in per_episode:
        for run in runs:
            if run.name not in merged:
                merged[run.name] = RunScores(run.name, [], [], note=run.note)
            into = merged[run.name]
            into.items.extend(run.items)
            into.rows.extend(run.rows)
            into.failures.extend(run.failures)
            if run.replay is not None:
                into.replay = run.replay if into.replay is None else into.replay.pooled(run.replay)
    return [RunScores(r.name, r.items, r.rows, note=r.note, replay=r.replay, failures=r.failures)
            for r in merged.values()]   # summaries recomputed


def bench_episodes(directory: Path) -> list[Episode]:
    if not directory.is_dir():
        raise EvaluationError(f'{directory}: no such bench directory (make one with: savvy-ros synth --bench '
                              f'--out {directory})')
    episodes = [Episode.from_dir(d) for d in sorted(directory.iterdir())
                if d.is_dir() and (d / QUESTIONS_NAME).is_file()]
    if not episodes:
        raise EvaluationError(f'{directory}: no episode folders (each with {BAG_NAME}/ and {QUESTIONS_NAME})')
    return episodes
