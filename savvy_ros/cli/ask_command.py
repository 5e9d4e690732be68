"""Ask the running QA service a spatial question and print its answer.

Examples:
  savvy-ros ask "how far is the kettle from the sofa?"
  savvy-ros ask "where is the speaker when the door knock sound comes up?" --options "A: left" "B: right" "C: back"
"""
from __future__ import annotations

import argparse
import json

from savvy_ros.cli.errors import EXIT_FAILURE, EXIT_OK, CliError

NAME = 'ask'
HELP = 'ask the /savvy/ask service a spatial question'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('question', help='the question, in SAVVY-Bench wording or plain words')
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


def run(args: argparse.Namespace) -> int:
    import rclpy
    from rclpy.context import Context
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    from savvy_ros.qa.spatial_qa import AskRequest
    from savvy_ros.ros.ask_client import AskClient, AskServiceUnavailable, response_to_dict

    if args.timeout <= 0:
        raise CliError('--timeout must be > 0')
    request = AskRequest(args.question, list(args.options), tuple(args.window) if args.window else None,
                         args.task, args.target, args.reference, args.facing, args.best_guess)
    context = Context()
    rclpy.init(args=['savvy-ros-ask'], context=context)
    node = Node('savvy_ask_cli', context=context)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    try:
        client = AskClient(node, args.service)
        client.wait(args.timeout)
        response = client.ask(request, executor, args.timeout)
    except (AskServiceUnavailable, TimeoutError) as exc:
        raise CliError(str(exc), EXIT_FAILURE) from exc
    finally:
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown(context=context)
    result = response_to_dict(response)
    if args.json:
        print(json.dumps(result))
    elif response.success:
        print(f'{response.answer_text} (answer {response.answer}, {response.value:.2f} {response.value_unit}, '
              f'confidence {response.confidence:.2f})\n  {response.explanation}\n'
              f'  evidence: {", ".join(response.evidence_ids)}')
    else:
        print(f'not answered ({response.error_code}): {response.error}')
    return EXIT_OK if response.success else EXIT_FAILURE
