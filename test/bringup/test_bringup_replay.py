"""`savvy-ros bringup --replay`: config/replay.yaml read after the parameter file, its values winning."""
from __future__ import annotations

from pathlib import Path

import pytest

from savvy_ros.bringup.runner import Bringup
from savvy_ros.replay.replay_params import replay_params_file, replay_settings
from savvy_ros.ros.executors import node_executor_kind

PARAMS = Path(__file__).resolve().parents[2] / 'config' / 'savvy.yaml'


def test_the_replay_file_wins_over_the_parameter_file_node_by_node():
    bringup = Bringup(params_file=PARAMS, nodes_wanted=['map_node', 'monitor_node'], use_sim_time=True,
                      overlay_files=[replay_params_file()])
    args = bringup.ros_args()
    assert args[:5] == ['--ros-args', '--params-file', str(PARAMS), '--params-file', str(replay_params_file())]
    try:
        nodes = {node.get_name(): node for node in bringup.start()}
        for node, key, value in replay_settings():
            if node in nodes:
                assert str(nodes[node].get_parameter(key).value) == value, (node, key)
        assert node_executor_kind(nodes['savvy_map']) == 'events'
        assert node_executor_kind(nodes['savvy_monitor']) == 'single_threaded'   # not in replay.yaml: /**
        assert all(node.get_parameter('use_sim_time').value for node in nodes.values())
    finally:
        bringup.shutdown()


def test_a_missing_replay_file_is_named(tmp_path):
    bringup = Bringup(params_file=PARAMS, nodes_wanted=['monitor_node'], overlay_files=[tmp_path / 'replay.yaml'])
    with pytest.raises(FileNotFoundError, match='parameter file not found: .*replay.yaml'):
        bringup.start()
