"""DDS: the QA node answers a separate client process (`savvy-ros ask`) from a published map."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from qa_maps import example_view
from ros_helpers import start_module, stop_peer, wait_for_line

pytestmark = pytest.mark.dds
EXAMPLES = Path(__file__).resolve().parents[2] / 'examples'


def ask_cli(*args: str, timeout: float = 60.0) -> tuple[int, dict]:
    result = subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', 'ask', *args, '--json', '--timeout', '20'],
                            capture_output=True, text=True, timeout=timeout)
    assert result.stdout.strip(), result.stderr
    return result.returncode, json.loads(result.stdout)


@pytest.fixture()
def qa_node():
    process = start_module('savvy_ros.nodes.qa_node')
    try:
        wait_for_line(process, 'answering on', timeout=90.0)
        yield process
    finally:
        stop_peer(process)


def test_client_process_gets_answers_from_the_published_map(ros_context, qa_node):
    from rclpy.node import Node

    from savvy_ros.msg import GlobalMap
    from savvy_ros.nodes.qa_node import MAP_QOS
    from savvy_ros.ros.map_messages import map_view_to_global_map

    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.executors import SingleThreadedExecutor

    node = Node('test_map_publisher', context=ros_context)
    statuses = []
    node.create_subscription(DiagnosticArray, '/diagnostics',
                             lambda msg: statuses.extend(s for s in msg.status if s.name == 'savvy_qa: spatial QA'), 10)
    publisher = node.create_publisher(GlobalMap, '/savvy/map', MAP_QOS)
    publisher.publish(map_view_to_global_map(example_view(), revision=1))

    deadline = time.monotonic() + 30.0
    code, answer = ask_cli('how far is the kettle from the sofa?')
    while answer['error'].startswith('no map has been received') and time.monotonic() < deadline:
        time.sleep(0.5)
        code, answer = ask_cli('how far is the kettle from the sofa?')
    assert code == 0 and answer['success'] and answer['error_code'] == '', answer
    assert answer['value'] == pytest.approx(4.0, abs=1e-6) and answer['value_unit'] == 'm'
    assert set(answer['evidence_ids']) == {'object/2', 'object/3'}

    code, answer = ask_cli('where was the sound source when the knocking door sound comes up?',
                           '--options', 'A: left', 'B: right', 'C: back')
    assert code == 0 and (answer['answer'], answer['answer_text']) == ('C', 'back')
    assert answer['window'] == pytest.approx([5.0, 6.0])

    # The README's client example, as a user's own node would ask: an answer, and a retry with a best
    # guess on event_not_heard.
    example = [sys.executable, str(EXAMPLES / 'ask_spatial_client.py')]
    run = subprocess.run([*example, 'how far is the kettle from the sofa?'], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith('4.00 m'), run.stdout + run.stderr
    run = subprocess.run([*example, 'where was the dog when the glass broke?'], capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0 and 'asking again for a best guess' in run.stdout, run.stdout + run.stderr

    # A malformed map (time running backwards along the body path) is dropped: answers go on.
    bad = map_view_to_global_map(example_view(), revision=2)
    bad.body_path[0].header.stamp.sec = 10_000
    publisher.publish(bad)
    time.sleep(1.0)
    code, answer = ask_cli('where is the giraffe?')
    assert code == 1 and not answer['success'] and 'giraffe' in answer['error'] and 'known labels' in answer['error']
    assert answer['error_code'] == 'unknown_object'   # for programs: what to do next without reading the text
    code, answer = ask_cli('how far is the kettle from the sofa?')
    assert code == 0 and answer['value'] == pytest.approx(4.0, abs=1e-6)
    # /diagnostics: what was answered and refused, the map answered from, the dropped one.
    executor = SingleThreadedExecutor(context=ros_context)
    executor.add_node(node)

    def counted() -> dict[str, str]:
        return {kv.key: kv.value for kv in statuses[-1].values} if statuses else {}
    deadline = time.monotonic() + 10.0
    while counted().get('answered') != '5' and time.monotonic() < deadline:
        executor.spin_once(timeout_sec=0.2)
    values = counted()
    # Refused: the giraffe, the glass before its best guess (and any ask before the map came).
    assert values['answered'] == '5' and int(values['refused']) >= 2, values
    assert values['malformed maps dropped'] == '1' and values['map revision'] == '1' and values['maps received'] == '2'
    assert values['speech heard again'] == 'service not available' and statuses[-1].level == b'\x00'
    executor.shutdown()
    node.destroy_node()
    out = stop_peer(qa_node)
    assert 'dropped a malformed GlobalMap' in out
    assert np.isfinite(answer['confidence'])


def test_ask_without_a_service_says_so(ros_context):
    result = subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', 'ask', 'where is the dog?', '--timeout', '1',
                             '--service', '/nobody/here'], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and 'no /nobody/here service appeared within 1 s' in result.stderr
