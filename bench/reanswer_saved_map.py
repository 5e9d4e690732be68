#!/usr/bin/env python3
"""Re-answer an episode's questions from a map an evaluation saved, without replaying anything.

`savvy-ros eval` / `make demo` save each run's final map as GlobalMap CDR
(`<out>/maps/<episode>_<run>.cdr`). Perception and fusion are the slow part of a run; the QA
core (grounding, answering) answers from the map in seconds. This script asks every question of
the episode again through the QA core, as the service would (best guesses on unless --strict),
and prints the overall and per-task scores: the quick loop for QA changes, on real maps.

    .venv/bin/python bench/reanswer_saved_map.py build/demo/episode build/demo/evaluation/maps/episode_all.cdr [--misses]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def reanswer(questions: list[dict[str, Any]], map_cdr: bytes, best_guess: bool = True, matcher=None):
    """RunScores of the QA core's answers to `questions` over the serialized GlobalMap `map_cdr`."""
    from savvy_ros.evaluation.evaluator import ask_questions
    from savvy_ros.evaluation.report import score_answers
    from savvy_ros.qa.phrase_matcher import EmbeddingPhraseMatcher
    from savvy_ros.qa.spatial_qa import SpatialQA
    from savvy_ros.ros.map_messages import global_map_view_from_cdr

    view = global_map_view_from_cdr(map_cdr)
    qa = SpatialQA(matcher if matcher is not None else EmbeddingPhraseMatcher())
    responses = ask_questions(qa, view, questions, best_guess=best_guess)
    return score_answers('reanswered', questions, responses, note='QA core over a saved map')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('episode', type=Path, help='episode folder (questions.json)')
    parser.add_argument('map', type=Path, help='a saved map: <eval out>/maps/<episode>_<run>.cdr')
    parser.add_argument('--strict', action='store_true', help='no best guesses')
    parser.add_argument('--misses', action='store_true', help='also list every question not fully right')
    args = parser.parse_args(argv)
    questions_file = args.episode / 'questions.json'
    for path in (questions_file, args.map):
        if not path.is_file():
            print(f'reanswer_saved_map: {path} not found', file=sys.stderr)
            return 2
    questions = json.loads(questions_file.read_text())
    run = reanswer(questions, args.map.read_bytes(), best_guess=not args.strict)
    summary = run.summary
    print(f'{args.map}: overall {100 * summary.overall:.1f} ({len(questions)} questions)')
    for task, group in sorted(summary.by_task.items()):
        print(f'  {task:40s} {100 * group.mean:5.1f}  (n={group.count})')
    for anchor, group in sorted(summary.by_anchor.items()):
        print(f'  anchor {anchor:33s} {100 * group.mean:5.1f}  (n={group.count})')
    if args.misses:
        for row in run.rows:
            if row['score'] < 0.99:
                print(f"  {row['id']}: {row['score']:.2f} (truth {row['groundtruth']}, answer {row['answer']}): "
                      f"{row['explanation'] or row['error']}")
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
