"""The evaluator's check that the QA service answers from the map the eval client already has."""
from __future__ import annotations

import pytest


def test_the_eval_waits_for_the_qa_service_to_have_the_map_and_then_gives_up():
    """The eval client holding a map while the QA node answers 'empty_map' is a lost subscription: the
    run fails visibly instead of scoring every question 0."""
    from savvy_ros.evaluation.graph_run import qa_answers_from_a_map

    now = [0.0]

    def wait(seconds: float) -> None:
        now[0] += seconds
    late = iter(['empty_map', 'empty_map', ''])   # the map reaches the service a second later
    assert qa_answers_from_a_map(lambda: next(late), wait, 10.0, clock=lambda: now[0])
    assert now[0] == pytest.approx(1.0)
    now[0] = 0.0
    asked = []

    def never() -> str:
        asked.append(now[0])
        return 'empty_map'
    assert not qa_answers_from_a_map(never, wait, 10.0, clock=lambda: now[0])
    assert now[0] == pytest.approx(10.0) and len(asked) == 21   # every 0.5 s, once more at the deadline
    assert qa_answers_from_a_map(lambda: 'event_not_heard', wait, 10.0, clock=lambda: now[0])   # a map: fine


@pytest.mark.dds
def test_a_qa_node_that_dies_at_start_fails_the_run_at_once_with_its_last_log_line(tmp_path):
    """A node process that exits while the run waits for the QA service (a parameter file it cannot
    parse, a missing model) ends the wait at once, naming it and what it last logged; the wait is
    not the full start-up timeout."""
    import subprocess
    import sys
    import time

    import rclpy
    from rclpy.context import Context
    from rclpy.node import Node

    from savvy_ros.evaluation.graph_run import GraphRunError, _wait_for_qa_service
    from savvy_ros.ros.ask_client import AskClient

    log = tmp_path / 'qa_node.log'
    with open(log, 'w') as out:
        dying = subprocess.Popen([sys.executable, '-c', "print('starting'); print('RCLError: Couldn\\'t parse "
                                  "params file'); raise SystemExit(1)"], stdout=out, stderr=subprocess.STDOUT)
    dying.wait(timeout=30)
    context = Context()
    rclpy.init(context=context)
    try:
        node = Node('wait_probe', context=context)
        client = AskClient(node, '/savvy_test_no_such_ask')
        started = time.monotonic()
        with pytest.raises(GraphRunError) as failed:
            _wait_for_qa_service(client, {'qa_node': dying}, 120.0, tmp_path)
        assert time.monotonic() - started < 10.0
        message = str(failed.value)
        assert 'the QA node exited before its service came up' in message
        assert "qa_node: RCLError: Couldn't parse params file" in message
        node.destroy_node()
    finally:
        rclpy.try_shutdown(context=context)
