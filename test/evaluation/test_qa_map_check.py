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
