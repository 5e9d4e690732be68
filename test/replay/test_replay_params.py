"""config/replay.yaml: read as the evaluator's -p values, and every value one its node declares."""
from __future__ import annotations

import pytest
import yaml

from savvy_ros.replay.replay_params import ReplayParamsError, replay_params_file, replay_settings, ros_arg_value
from savvy_ros.resources import config_file
from savvy_ros.ros.executors import EXECUTOR_KINDS


def test_the_replay_settings_as_node_parameter_values():
    settings = replay_settings()
    assert ('savvy_map', 'reorder_delay', '2.0') in settings and ('savvy_map', 'input_reliability', 'reliable') in settings
    executors = {node: value for node, key, value in settings if key == 'executor'}
    assert executors == {'savvy_doa': 'events', 'savvy_hearing': 'events', 'savvy_vision': 'events',
                         'savvy_map': 'events'}
    assert all(key != 'executor' for _, key, _ in replay_settings(without=frozenset({'executor'})))


def test_every_replay_value_is_a_parameter_of_the_live_file_with_a_valid_value():
    """The replay file only changes what config/savvy.yaml already sets (a node section or /**), to a value of
    the same type: a misspelt name would be a parameter no node declares."""
    live = yaml.safe_load(config_file('savvy.yaml').read_text())
    everyone = live['/**']['ros__parameters']
    for node, section in yaml.safe_load(replay_params_file().read_text()).items():
        for key, value in section['ros__parameters'].items():
            current = live.get(node, {}).get('ros__parameters', {}).get(key, everyone.get(key))
            assert current is not None, f'{node}.{key} is not in config/savvy.yaml'
            assert type(current) is type(value), f'{node}.{key}: {value!r} for {current!r}'
            if key == 'executor':
                assert value in EXECUTOR_KINDS


def test_ros_values_and_bad_files(tmp_path):
    assert [ros_arg_value(v) for v in (True, False, 2.0, 'events', 3)] == ['true', 'false', '2.0', 'events', '3']
    bad = tmp_path / 'replay.yaml'
    bad.write_text('savvy_map:\n  reorder_delay: 2.0\n')
    with pytest.raises(ReplayParamsError, match="section 'savvy_map' has no ros__parameters"):
        replay_settings(bad)
    with pytest.raises(ReplayParamsError, match='cannot read the replay parameters'):
        replay_settings(tmp_path / 'missing.yaml')
