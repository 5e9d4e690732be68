#!/usr/bin/env python3
"""Asking savvy_ros a spatial question from your own rclpy code.

A minimal client of the QA node's `/savvy/ask` service (savvy_ros/srv/AskSpatial): send a question,
wait for the answer, and act on `error_code` when there is none. Run it beside the node graph
(`savvy-ros bringup`, or the launch file):

    .venv/bin/python examples/ask_spatial_client.py "how far is the kettle from the sofa?"
    .venv/bin/python examples/ask_spatial_client.py "where was the speaker when the knocking door sound comes up?" \
        --options "A: left" "B: right" "C: back"
"""
from __future__ import annotations

import argparse
import sys

import rclpy
from rclpy.node import Node

from savvy_ros.srv import AskSpatial


class SpatialQuestionClient(Node):
    def __init__(self) -> None:
        super().__init__('spatial_question_client')
        self.client = self.create_client(AskSpatial, '/savvy/ask')

    def ask(self, question: str, options: list[str], best_guess: bool, timeout: float) -> AskSpatial.Response:
        if not self.client.wait_for_service(timeout_sec=timeout):
            raise TimeoutError('no /savvy/ask service: is the QA node running (savvy-ros bringup)?')
        request = AskSpatial.Request(question=question, options=options, best_guess=best_guess)
        future = self.client.call_async(request)
        rclpy.spin_until_future_complete(self, future, timeout_sec=timeout)
        if not future.done():
            raise TimeoutError(f'no answer within {timeout:g} s')
        return future.result()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('question')
    parser.add_argument('--options', nargs='*', default=[])
    parser.add_argument('--timeout', type=float, default=30.0)
    args = parser.parse_args(argv)

    rclpy.init()
    node = SpatialQuestionClient()
    try:
        response = node.ask(args.question, args.options, best_guess=False, timeout=args.timeout)
        if response.error_code == 'event_not_heard':
            # Nothing heard matched the event well enough: take the closest one, and say so.
            print(f'({response.error}; asking again for a best guess)')
            response = node.ask(args.question, args.options, best_guess=True, timeout=args.timeout)
    except TimeoutError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    if not response.success:
        print(f'not answered [{response.error_code}]: {response.error}')
        return 1
    print(f'{response.answer_text} (confidence {response.confidence:.2f})')
    print(f'  {response.explanation}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
