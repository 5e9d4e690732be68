"""Answer SAVVY-Bench items (gtavmap.json format) from their ground-truth geometry alone, no
perception: one JSON line per item, {"id": .., "answer": .., "value": ..} (value: SAVVY degrees,
positive = right, for directions; metres for distances). Items that cannot be answered are
reported on stderr and make the exit code 1."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from savvy_ros.cli.errors import EXIT_FAILURE, EXIT_OK, CliError

NAME = 'answer-gt'
HELP = 'answer benchmark items from their ground-truth geometry'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('file', type=Path, help='SAVVY gtavmap.json-format file')


def run(args: argparse.Namespace) -> int:
    from savvy_ros.qa.gt_context import GtItemError, answer_item, load_items

    try:
        items = load_items(args.file)
    except GtItemError as exc:
        raise CliError(str(exc)) from exc
    failed = 0
    for item in items:
        try:
            answer = answer_item(item)
        except GtItemError as exc:
            failed += 1
            print(f'savvy-ros answer-gt: {exc}', file=sys.stderr)
            continue
        print(json.dumps({'id': answer.id, 'answer': answer.answer, 'value': answer.value}))
    return EXIT_FAILURE if failed else EXIT_OK
