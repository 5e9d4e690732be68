"""`--param NODE:NAME=VALUE` parsing and checking without the CLI (savvy_ros/evaluation/node_params.py);
test_evaluator.py checks the same through `savvy-ros eval`'s options."""
from __future__ import annotations

import pytest

from savvy_ros.evaluation.node_params import NodeParamError, check_node_params, parse_node_param


def test_parsing_keeps_everything_after_the_first_equals_sign():
    assert parse_node_param(' savvy_hearing:transcribe_service=/a=b ') == ('savvy_hearing', 'transcribe_service', '/a=b')
    with pytest.raises(NodeParamError, match="'savvy_vision=1' is not NODE:NAME=VALUE"):
        parse_node_param('savvy_vision=1')


def test_checked_against_the_files_with_shared_parameters_and_float_fixes(tmp_path):
    params = tmp_path / 'p.yaml'
    params.write_text('/**:\n  ros__parameters:\n    executor: single_threaded\n'
                      'cam:\n  ros__parameters:\n    fps: 15.0\n    device: -1\n')
    assert check_node_params([('cam', 'fps', '30'), ('cam', 'device', '2'), ('cam', 'executor', 'events')],
                             [params]) == (('cam', 'fps', '30.0'), ('cam', 'device', '2'), ('cam', 'executor', 'events'))
    with pytest.raises(NodeParamError, match="cam has no parameter 'fsp'; did you mean fps"):
        check_node_params([('cam', 'fsp', '30')], [params])
    with pytest.raises(NodeParamError, match=r"no node 'mic' in .*p\.yaml \(nodes: cam\)"):
        check_node_params([('mic', 'gain', '1')], [params])
