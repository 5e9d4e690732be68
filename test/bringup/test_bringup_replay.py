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


def test_bringup_leaves_its_process_priority_to_the_node_executables(capfd):
    """replay.yaml lowers the map node's priority for a process of its own; bringup's one process, which
    the vision node shares, keeps its own and says so."""
    import os

    before = os.getpriority(os.PRIO_PROCESS, 0)
    bringup = Bringup(params_file=PARAMS, nodes_wanted=['map_node'], overlay_files=[replay_params_file()])
    try:
        (node,) = bringup.start()
        assert node.process_niceness == 5
        assert os.getpriority(os.PRIO_PROCESS, 0) == before
    finally:
        bringup.shutdown()
    assert 'niceness 5 not applied: under savvy-ros bringup every node shares one process' in capfd.readouterr().err


def test_a_missing_replay_file_is_named(tmp_path):
    bringup = Bringup(params_file=PARAMS, nodes_wanted=['monitor_node'], overlay_files=[tmp_path / 'replay.yaml'])
    with pytest.raises(FileNotFoundError, match='parameter file not found: .*replay.yaml'):
        bringup.start()


def test_an_episode_gives_the_vision_node_its_own_tables(tmp_path):
    """`bringup --replay --episode DIR`: the parameters savvy-ros eval derives from the ground truth."""
    import yaml

    from savvy_ros.cli.bringup_command import _episode_args
    from savvy_ros.synth.episode import generate_episode
    from savvy_ros.synth.scene import load_scene

    episode = tmp_path / 'episode'
    generate_episode(load_scene(Path(__file__).resolve().parents[1] / 'synth' / 'scenes' / 'tiny.yaml'), episode,
                     seed=11, quick=True)
    args = _episode_args(episode, tmp_path / 'tables')
    values = dict(a.split(':=', 1) for a in args[1::2])
    assert args[::2] == ['-p'] * len(values)
    assert values['savvy_vision:detector'] == 'coco,aruco'
    assert yaml.safe_load(Path(values['savvy_vision:aruco_table']).read_text())['markers']
    assert Path(values['savvy_vision:size_priors']).is_file()


def test_episode_mistakes_are_usage_errors(tmp_path, capfd):
    from savvy_ros.cli.main import main

    assert main(['bringup', '--episode', str(tmp_path), '--duration', '1']) != 0
    assert '--episode goes with --replay' in capfd.readouterr().err
    assert main(['bringup', '--replay', '--episode', str(tmp_path), '--duration', '1']) != 0
    assert 'cannot read the ground truth' in capfd.readouterr().err
