"""The SAVVY-Bench metrics, as /work/shared/SAVVY_BENCH.md ("Scoring") defines them.

* MCA (multiple choice): the first character of the answer equals the ground-truth letter.
* NA (numeric, metres), the release's "MRA": mean over absolute thresholds t = 0.1 .. 1.0 m of
  1[|pred - gt| < t]; reported beside VSI-Bench's relative MRA: mean over confidence levels
  theta = 0.50 .. 0.95 of 1[|pred - gt| / gt < 1 - theta].
* Overall = the plain mean of the per-task means; breakdowns per task x level and per event
  anchor (speech / sound).
Scores are fractions in [0, 1]; reports multiply by 100.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ABSOLUTE_THRESHOLDS_M = tuple(round(0.1 * i, 1) for i in range(1, 11))         # 0.1 .. 1.0 m
RELATIVE_CONFIDENCES = tuple(round(0.50 + 0.05 * i, 2) for i in range(10))     # 0.50 .. 0.95
MCA = 'MCA'
NA = 'NA'
_NUMBER = re.compile(r'[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?')


def mca_correct(answer: str, groundtruth: str) -> bool:
    """The answer's first character (leading spaces ignored) is the ground-truth letter."""
    answer, groundtruth = answer.strip(), groundtruth.strip()
    return bool(answer) and bool(groundtruth) and answer[0].upper() == groundtruth[0].upper()


def parse_number(answer: str | float | int | None) -> float | None:
    """The first number in an answer ("2.3", "2.3 m", "about 2 metres"); None when there is none."""
    if answer is None:
        return None
    if isinstance(answer, (int, float)):
        return float(answer) if math.isfinite(answer) else None
    match = _NUMBER.search(answer)
    if not match:
        return None
    value = float(match.group(0))
    return value if math.isfinite(value) else None


def mra_absolute(prediction: float | None, groundtruth: float) -> float:
    """Mean over t in 0.1..1.0 m of 1[|pred - gt| < t]; no (or a non-finite) prediction scores 0."""
    if prediction is None or not math.isfinite(prediction):
        return 0.0
    error = abs(prediction - groundtruth)
    return sum(error < t for t in ABSOLUTE_THRESHOLDS_M) / len(ABSOLUTE_THRESHOLDS_M)


def mra_relative(prediction: float | None, groundtruth: float) -> float:
    """Mean over theta in 0.50..0.95 of 1[|pred - gt| / gt < 1 - theta] (VSI-Bench).

    A zero ground truth makes the relative error undefined: only an exact answer scores then.
    """
    if prediction is None or not math.isfinite(prediction):
        return 0.0
    error = abs(prediction - groundtruth)
    if groundtruth == 0.0:
        return 1.0 if error == 0.0 else 0.0
    relative = error / abs(groundtruth)
    return sum(relative < 1.0 - theta for theta in RELATIVE_CONFIDENCES) / len(RELATIVE_CONFIDENCES)


@dataclass(frozen=True)
class ItemScore:
    """One answered question, scored."""

    qid: str
    task: str
    level: str                      # simple | hard
    anchor: str                     # speech | sound (anno_modality)
    qa_type: str                    # MCA | NA
    score: float                    # MCA: 0/1; NA: absolute-threshold MRA
    relative_mra: float | None      # NA only


def score_item(qid: str, task: str, level: str, anchor: str, qa_type: str,
               groundtruth: str | float, answer: str | float | None) -> ItemScore:
    if qa_type == MCA:
        correct = answer is not None and mca_correct(str(answer), str(groundtruth))
        return ItemScore(qid, task, level, anchor, qa_type, float(correct), None)
    if qa_type == NA:
        truth = parse_number(groundtruth)
        if truth is None:
            raise ValueError(f'question {qid}: numeric ground truth {groundtruth!r} is not a number')
        predicted = parse_number(answer)
        return ItemScore(qid, task, level, anchor, qa_type, mra_absolute(predicted, truth),
                         mra_relative(predicted, truth))
    raise ValueError(f'question {qid}: unknown QA_type {qa_type!r} (want {MCA!r} or {NA!r})')


def score_question(question: Mapping[str, object], answer: str | float | None) -> ItemScore:
    """Score `answer` to a SAVVY-Bench question item (savvy_bench.json / gtavmap.json format)."""
    return score_item(str(question['id']), str(question['task']), str(question['level']),
                      str(question.get('anno_modality', 'unknown')), str(question['QA_type']),
                      question['groundtruth'], answer)  # type: ignore[arg-type]


@dataclass(frozen=True)
class GroupScore:
    count: int
    mean: float                       # mean score in [0, 1]
    relative_mra: float | None = None  # mean relative MRA of NA items, None when there are none


@dataclass(frozen=True)
class Summary:
    overall: float                                  # mean of the per-task means
    by_task: dict[str, GroupScore] = field(default_factory=dict)
    by_task_level: dict[tuple[str, str], GroupScore] = field(default_factory=dict)
    by_task_level_anchor: dict[tuple[str, str, str], GroupScore] = field(default_factory=dict)
    by_anchor: dict[str, GroupScore] = field(default_factory=dict)   # pooled over items
    # (question kind, level) pooled over ego and exo: the figures the targets are set on
    by_kind_level: dict[tuple[str, str], GroupScore] = field(default_factory=dict)


QUESTION_KINDS = ('direction', 'distance')   # the bench's two kinds of question, asked ego and exo


def question_kind(task: str) -> str:
    """One of QUESTION_KINDS for the bench's tasks (ego and exo alike), else the task itself."""
    words = task.split('_')
    return next((kind for kind in QUESTION_KINDS if kind in words), task)


def _group(items: list[ItemScore]) -> GroupScore:
    relative = [i.relative_mra for i in items if i.relative_mra is not None]
    return GroupScore(len(items), sum(i.score for i in items) / len(items),
                      sum(relative) / len(relative) if relative else None)


def _grouped(items: Iterable[ItemScore], key) -> dict:
    groups: dict = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return {k: _group(v) for k, v in sorted(groups.items())}


def summarize(items: Iterable[ItemScore]) -> Summary:
    items = list(items)
    if not items:
        raise ValueError('no scored items to summarise')
    by_task = _grouped(items, lambda i: i.task)
    return Summary(overall=sum(g.mean for g in by_task.values()) / len(by_task), by_task=by_task,
                   by_task_level=_grouped(items, lambda i: (i.task, i.level)),
                   by_task_level_anchor=_grouped(items, lambda i: (i.task, i.level, i.anchor)),
                   by_anchor=_grouped(items, lambda i: i.anchor),
                   by_kind_level=_grouped(items, lambda i: (question_kind(i.task), i.level)))


def chance_score(question: Mapping[str, object]) -> float | None:
    """Expected score of a uniform random option for an MCA question; None for numeric (NA) ones."""
    if question.get('QA_type') != MCA:
        return None
    options = question.get('options')
    if not isinstance(options, list) or not options:
        raise ValueError(f'question {question.get("id", "?")}: MCA without a list of options')
    return 1.0 / len(options)
