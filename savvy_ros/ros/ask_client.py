"""Calling /savvy/ask from Python: used by `savvy-ros ask`, the evaluator and the latency bench."""
from __future__ import annotations

import time
from typing import Any

from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy

from savvy_ros.qa.spatial_qa import AskRequest
from savvy_ros.ros.time_conversion import seconds_to_stamp, stamp_to_seconds
from savvy_ros.srv import AskSpatial


CLIENT_QOS = QoSProfile(depth=64, reliability=ReliabilityPolicy.RELIABLE)   # many answers may be pending


class AskServiceUnavailable(RuntimeError):
    pass


def request_to_msg(request: AskRequest) -> AskSpatial.Request:
    msg = AskSpatial.Request(question=request.question, options=list(request.options), task=request.task,
                             target=request.target, reference=request.reference, facing=request.facing,
                             best_guess=request.best_guess)
    if request.window is not None:
        msg.use_window = True
        msg.window_start, msg.window_end = (seconds_to_stamp(max(0.0, t)) for t in request.window)
    return msg


def response_to_dict(response: AskSpatial.Response) -> dict[str, Any]:
    """The response as plain JSON-able data (the CLI's --json output)."""
    return {'success': response.success, 'error': response.error, 'error_code': response.error_code,
            'answer': response.answer,
            'answer_text': response.answer_text, 'value': response.value, 'value_unit': response.value_unit,
            'confidence': round(float(response.confidence), 4), 'explanation': response.explanation,
            'evidence_ids': list(response.evidence_ids),
            'window': [stamp_to_seconds(response.window_start), stamp_to_seconds(response.window_end)]}


class AskClient:
    def __init__(self, node: Node, service_name: str = '/savvy/ask') -> None:
        self.node, self.service_name = node, service_name
        self.client = node.create_client(AskSpatial, service_name, qos_profile=CLIENT_QOS)

    def wait(self, timeout: float) -> None:
        if not self.client.wait_for_service(timeout_sec=timeout):
            raise AskServiceUnavailable(f'no {self.service_name} service appeared within {timeout:g} s '
                                        '(is the QA node running? try `savvy-ros bringup`)')

    def call_async(self, request: AskRequest):
        return self.client.call_async(request_to_msg(request))

    def ask(self, request: AskRequest, executor, timeout: float) -> AskSpatial.Response:
        """Ask and spin `executor` until the answer arrives (TimeoutError after `timeout` s)."""
        future = self.call_async(request)
        deadline = time.monotonic() + timeout
        while not future.done():
            if time.monotonic() > deadline:
                self.client.remove_pending_request(future)
                raise TimeoutError(f'{self.service_name} gave no answer within {timeout:g} s')
            executor.spin_once(timeout_sec=0.05)
        return future.result()
