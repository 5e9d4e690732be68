"""Ask the running QA service a spatial question and print its answer (or, with --map, answer it
offline from a map an evaluation saved).

Examples:
  savvy-ros ask "how far is the kettle from the sofa?"
  savvy-ros ask "where is the speaker when the door knock sound comes up?" --options "A: left" "B: right" "C: back"
  savvy-ros ask "where was the cat when someone knocked?" --map build/demo/evaluation/maps/episode_all.cdr
  savvy-ros ask - --map build/demo/evaluation/maps/episode_all.cdr      # one question per line of stdin

With --map the question is answered by the QA core in this process from a map an evaluation saved
(`savvy-ros eval` / `make demo` write maps/<episode>_<run>.cdr), without a running node graph:
the same answer the service gives, except that speech is matched to its first-pass transcripts
only (hearing it again for the topic needs the hearing node).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from savvy_ros.cli.errors import EXIT_FAILURE, EXIT_OK, CliError

NAME = 'ask'
HELP = 'ask the /savvy/ask service a spatial question (--map: offline, from a saved map)'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('question', help='the question, in SAVVY-Bench wording or plain words; "-": one per line '
                                         'of standard input')
    parser.add_argument('--options', nargs='+', default=[], metavar='OPTION',
                        help='multiple-choice options, e.g. "A: left" "B: right" "C: back"')
    parser.add_argument('--window', nargs=2, type=float, metavar=('START', 'END'),
                        help='event window [s, data clock]; overrides grounding the event')
    parser.add_argument('--task', default='', help='hint, e.g. spatial_temporal_audio_direction_exo')
    parser.add_argument('--target', default='', help='hint: the object asked about')
    parser.add_argument('--reference', default='', help='hint: where the observer stands')
    parser.add_argument('--facing', default='', help='hint: what the observer faces')
    parser.add_argument('--best-guess', action='store_true', help='answer even when grounding is unsure')
    parser.add_argument('--service', default='/savvy/ask', help='service name')
    parser.add_argument('--timeout', type=float, default=10.0, help='seconds to wait for the service and answer')
    parser.add_argument('--json', action='store_true', help='print the whole response as one JSON object')
    parser.add_argument('--map', type=Path, metavar='MAP_CDR',
                        help='answer from a saved GlobalMap (an evaluation\'s maps/*.cdr) instead of the service')


def run(args: argparse.Namespace) -> int:
    from savvy_ros.qa.spatial_qa import AskRequest

    if args.timeout <= 0:
        raise CliError('--timeout must be > 0')
    asker = SavedMapAsker(args.map) if args.map is not None else ServiceAsker(args.service, args.timeout)
    answered = True
    try:
        for question in _questions(args.question):
            request = AskRequest(question, list(args.options), tuple(args.window) if args.window else None,
                                 args.task, args.target, args.reference, args.facing, args.best_guess)
            response = asker.ask(request)
            _print(response, args.json)
            answered &= bool(response.success)
    finally:
        asker.close()
    return EXIT_OK if answered else EXIT_FAILURE


def _questions(question: str):
    """The question, or with "-" one per line of standard input (blank lines and # comments skipped)."""
    if question != '-':
        yield question
        return
    prompt = sys.stdin.isatty()
    while True:
        if prompt:
            print('? ', end='', file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:
            return
        if line.strip() and not line.lstrip().startswith('#'):
            yield line.strip()


class SavedMapAsker:
    """The service's responses, computed here from the GlobalMap saved at `path` (loaded once)."""

    def __init__(self, path: Path) -> None:
        from savvy_ros.qa.phrase_matcher import PhraseModelError, create_phrase_matcher
        from savvy_ros.qa.spatial_qa import SpatialQA
        from savvy_ros.ros.map_messages import global_map_view_from_cdr

        if not path.is_file():
            raise CliError(f'{path}: no such map file (an evaluation writes them as <out>/maps/<episode>_<run>.cdr)')
        try:
            self.view = global_map_view_from_cdr(path.read_bytes())
        except Exception as exc:  # noqa: BLE001 - whatever the file holds, say which file and why
            raise CliError(f'{path}: not a serialized savvy_ros/msg/GlobalMap ({exc})') from exc
        try:
            self.qa = SpatialQA(create_phrase_matcher())
        except PhraseModelError as exc:
            raise CliError(str(exc)) from exc

    def ask(self, request):
        from savvy_ros.nodes.qa_node import fill_response
        from savvy_ros.srv import AskSpatial
        return fill_response(self.qa.ask(request, self.view), AskSpatial.Response())

    def close(self) -> None:
        pass


class ServiceAsker:
    """Responses of the running /savvy/ask service, through one client node."""

    def __init__(self, service: str, timeout: float) -> None:
        import rclpy
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor
        from rclpy.node import Node

        from savvy_ros.ros.ask_client import AskClient, AskServiceUnavailable

        self.timeout = timeout
        self.context = Context()
        rclpy.init(args=['savvy-ros-ask'], context=self.context)
        self.node = Node('savvy_ask_cli', context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.client = AskClient(self.node, service)
        try:
            self.client.wait(timeout)
        except AskServiceUnavailable as exc:
            self.close()
            raise CliError(str(exc), EXIT_FAILURE) from exc

    def ask(self, request):
        try:
            return self.client.ask(request, self.executor, self.timeout)
        except TimeoutError as exc:
            raise CliError(str(exc), EXIT_FAILURE) from exc

    def close(self) -> None:
        import rclpy
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


def _print(response, as_json: bool) -> None:
    from savvy_ros.ros.ask_client import response_to_dict

    if as_json:
        print(json.dumps(response_to_dict(response)))
    elif response.success:
        print(f'{response.answer_text} (answer {response.answer}, {response.value:.2f} {response.value_unit}, '
              f'confidence {response.confidence:.2f})\n  {response.explanation}\n'
              f'  evidence: {", ".join(response.evidence_ids)}')
    else:
        print(f'not answered ({response.error_code}): {response.error}')
