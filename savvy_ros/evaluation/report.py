"""Scores of evaluation runs side by side: results.jsonl rows and the summary.md table.

Columns are runs (baselines included): chance, the modality subsets, all modalities, and the
ground-truth-map oracle. Rows: every task x level x event anchor present, the per-task means,
the anchors pooled, and the bench's overall score (the plain mean of the per-task means).
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from savvy_ros.evaluation.metrics import (ABSOLUTE_THRESHOLDS_M, NA, QUESTION_KINDS, ItemScore, Summary, score_question,
                                          summarize)

SHORT_TASK = 'spatial_temporal_audio_'


def cpu_note(node_cpu_seconds: dict[str, float], bag_seconds: float) -> str:
    """'; node CPU per bag second: vision 0.61, hearing 0.40, ... = 1.13 (2 cores)': what bounds the
    replay speed (as fast as possible can reach at most cores / sum)."""
    if not node_cpu_seconds or bag_seconds <= 0:
        return ''
    per = sorted(((cpu / bag_seconds, name.removesuffix('_node')) for name, cpu in node_cpu_seconds.items()),
                 reverse=True)
    total = sum(value for value, _ in per)
    return (f'; node CPU per bag second: {", ".join(f"{name} {value:.2f}" for value, name in per)}'
            f' = {total:.2f} ({os.cpu_count() or 1} cores)')


@dataclass(frozen=True)
class GraphReplay:
    """How a graph run's bag was played: pooled over episodes by adding times (a bench's speed is
    its bag seconds over its play seconds, not one episode's)."""

    modalities: tuple[str, ...]
    bag_seconds: float
    play_seconds: float
    node_cpu_seconds: dict[str, float] = field(default_factory=dict)
    unpaced: int = 0                      # messages played without an acknowledgement
    strict: bool = False
    episodes: int = 1

    def pooled(self, other: GraphReplay) -> GraphReplay:
        cpu = dict(self.node_cpu_seconds)
        for name, seconds in other.node_cpu_seconds.items():
            cpu[name] = cpu.get(name, 0.0) + seconds
        return GraphReplay(tuple(sorted(set(self.modalities) | set(other.modalities))),
                           self.bag_seconds + other.bag_seconds, self.play_seconds + other.play_seconds, cpu,
                           self.unpaced + other.unpaced, self.strict or other.strict, self.episodes + other.episodes)

    def note(self) -> str:
        speed = self.bag_seconds / self.play_seconds if self.play_seconds > 0 else float('nan')
        over = f' over {self.episodes} episodes' if self.episodes > 1 else ''
        return (f'{", ".join(self.modalities)}; bag played at {speed:.2f}x real time{over}'
                f'{cpu_note(self.node_cpu_seconds, self.bag_seconds)}'
                f'{"; strict grounding (no best guesses)" if self.strict else ""}'
                f'{f"; {self.unpaced} message(s) played without an acknowledgement" if self.unpaced else ""}')


@dataclass
class RunScores:
    name: str
    items: list[ItemScore]
    rows: list[dict[str, Any]]            # results.jsonl lines of this run
    summary: Summary | None = None
    note: str = ''                        # what the run is (chance, oracle); graph runs: from `replay`
    replay: GraphReplay | None = None     # graph runs: how the bag was played
    failures: list[str] = field(default_factory=list)   # graph runs that failed: "<episode>: why"

    def __post_init__(self) -> None:
        if self.summary is None and self.items:
            self.summary = summarize(self.items)

    def full_note(self) -> str:
        """The note, the replay's numbers, and every failed episode (its questions are not in the table)."""
        parts = [p for p in (self.note, self.replay.note() if self.replay else '') if p]
        if self.failures:
            parts.append(f'FAILED in {len(self.failures)} episode(s), whose questions are not counted: '
                         + '; '.join(self.failures))
        return '; '.join(parts)


def options_of(item: dict[str, Any]) -> list[str]:
    return item['options'] if isinstance(item.get('options'), list) else []


def score_answers(name: str, questions: Sequence[dict[str, Any]], responses: Sequence[dict[str, Any]],
                  note: str = '', replay: GraphReplay | None = None) -> RunScores:
    items, rows = [], []
    for item, response in zip(questions, responses, strict=True):
        answer = response.get('answer') if response.get('success') else None
        score = score_question(item, answer)
        items.append(score)
        rows.append({'run': name, 'id': item['id'], 'video_id': item.get('video_id', ''), 'task': item['task'],
                     'level': item['level'], 'anchor': item.get('anno_modality', ''), 'groundtruth': item['groundtruth'],
                     'answer': answer, 'value': response.get('value'), 'success': bool(response.get('success')),
                     'error': response.get('error', ''), 'confidence': response.get('confidence'),
                     'explanation': response.get('explanation', ''), 'score': score.score,
                     'relative_mra': score.relative_mra})
    return RunScores(name, items, rows, note=note, replay=replay)


def chance_scores(questions: Sequence[dict[str, Any]], max_distance: float) -> RunScores:
    """Expected scores of guessing: a uniform option; a distance uniform in [0, max_distance]."""
    items, rows = [], []
    for item in questions:
        base = score_question(item, None)
        if base.qa_type == NA:
            truth = float(item['groundtruth'])
            # P(|U - truth| < t) for U ~ uniform[0, D], averaged over the bench's thresholds.
            expected = sum(max(0.0, min(truth + t, max_distance) - max(truth - t, 0.0)) / max_distance
                           for t in ABSOLUTE_THRESHOLDS_M) / len(ABSOLUTE_THRESHOLDS_M)
        else:
            expected = 1.0 / max(1, len(options_of(item)))
        score = ItemScore(base.qid, base.task, base.level, base.anchor, base.qa_type, expected, None)
        items.append(score)
        rows.append({'run': 'chance', 'id': item['id'], 'task': item['task'], 'level': item['level'],
                     'anchor': item.get('anno_modality', ''), 'groundtruth': item['groundtruth'],
                     'score': expected})
    return RunScores('chance', items, rows, note=f'expected score; distances uniform in [0, {max_distance:.1f}] m')


def write_results(path: Path, runs: Sequence[RunScores]) -> None:
    with path.open('w') as out:
        for run in runs:
            for row in run.rows:
                out.write(json.dumps(row) + '\n')


def _cell(summary: Summary | None, table: str, key: Any) -> str:
    if summary is None:
        return 'n/a'
    group = getattr(summary, table).get(key)
    return f'{100.0 * group.mean:.1f}' if group else '-'


def summary_table(runs: Sequence[RunScores]) -> str:
    """Markdown table, scores in percent (MCA accuracy; NA absolute-threshold MRA)."""
    header = '| task | level | anchor | n | ' + ' | '.join(r.name for r in runs) + ' |'
    lines = [header, '|' + '---|' * (4 + len(runs))]
    reference = next((r.summary for r in runs if r.summary is not None), None)
    if reference is None:
        return header + '\n(no scored runs)'
    for task, level, anchor in reference.by_task_level_anchor:
        count = reference.by_task_level_anchor[(task, level, anchor)].count
        cells = [_cell(r.summary, 'by_task_level_anchor', (task, level, anchor)) for r in runs]
        lines.append(f'| {task.replace(SHORT_TASK, "")} | {level} | {anchor} | {count} | ' + ' | '.join(cells) + ' |')
    for task, group in reference.by_task.items():
        cells = [_cell(r.summary, 'by_task', task) for r in runs]
        lines.append(f'| **{task.replace(SHORT_TASK, "")}** | all | all | {group.count} | ' + ' | '.join(cells) + ' |')
    for (kind, level), group in reference.by_kind_level.items():
        if kind in QUESTION_KINDS:
            cells = [_cell(r.summary, 'by_kind_level', (kind, level)) for r in runs]
            lines.append(f'| {kind} (ego + exo) | {level} | all | {group.count} | ' + ' | '.join(cells) + ' |')
    for anchor, group in reference.by_anchor.items():
        cells = [_cell(r.summary, 'by_anchor', anchor) for r in runs]
        lines.append(f'| all tasks | all | {anchor} | {group.count} | ' + ' | '.join(cells) + ' |')
    overall = [f'**{100.0 * r.summary.overall:.1f}**' if r.summary else 'n/a' for r in runs]
    total = sum(g.count for g in reference.by_task.values())
    lines.append(f'| **overall** (mean of task means) | | | {total} | ' + ' | '.join(overall) + ' |')
    return '\n'.join(lines)


def write_summary(path: Path, title: str, runs: Sequence[RunScores], extra: Sequence[str] = ()) -> str:
    notes = [f'* **{r.name}**: {r.full_note()}' for r in runs if r.full_note()]
    text = '\n'.join([f'# {title}', '', 'Scores in percent: multiple choice = accuracy (first letter); distances = '
                      'mean over thresholds 0.1..1.0 m of 1[|error| < t] (the release\'s MRA).', '',
                      summary_table(runs), '', *notes, *extra, ''])
    path.write_text(text)
    return text
