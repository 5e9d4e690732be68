"""launch/savvy.launch.py and `savvy-ros bringup` run the same executables with the same YAML.

`launch`/`launch_ros` are not available from the PyPI wheels, so the launch file is read with
`ast`: its Node(...) actions are compared to the node table the bringup uses, and every node is
started in-process from config/savvy.yaml to check that each YAML parameter is declared by it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from savvy_ros.bringup.node_table import read_executables
from savvy_ros.bringup.runner import Bringup

REPO = Path(__file__).resolve().parents[2]
LAUNCH = REPO / 'launch' / 'savvy.launch.py'
PARAMS = REPO / 'config' / 'savvy.yaml'


def launch_nodes() -> list[dict[str, object]]:
    """Keyword arguments of every `Node(...)` call in the launch file (literals and names)."""
    nodes = []
    for call in ast.walk(ast.parse(LAUNCH.read_text())):
        if isinstance(call, ast.Call) and getattr(call.func, 'id', None) == 'Node':
            kwargs = {}
            for keyword in call.keywords:
                try:
                    kwargs[keyword.arg] = ast.literal_eval(keyword.value)
                except ValueError:
                    kwargs[keyword.arg] = ast.unparse(keyword.value)
            nodes.append(kwargs)
    return nodes


def yaml_sections() -> dict[str, dict]:
    data = yaml.safe_load(PARAMS.read_text())
    return {name: section['ros__parameters'] for name, section in data.items()}


def test_launch_file_runs_exactly_the_node_table():
    table = read_executables()
    nodes = launch_nodes()
    assert sorted(n['executable'] for n in nodes) == sorted(e.executable for e in table)
    assert all(n['package'] == 'savvy_ros' for n in nodes)
    # Every node reads the shared parameter file, the overlay after it, and the use_sim_time switch.
    for node in nodes:
        assert node['parameters'] == "[params_file, overlay_params_file, {'use_sim_time': use_sim_time}]", node
    source = LAUNCH.read_text()
    assert "'config', 'savvy.yaml'" in source


def test_launch_node_names_match_the_bringup_nodes_and_the_yaml(ros_context):
    sections = yaml_sections()
    launch_names = sorted(n['name'] for n in launch_nodes())
    bringup = Bringup(params_file=PARAMS)
    try:
        started = bringup.start()
        assert sorted(node.get_name() for node in started) == launch_names
        for node in started:
            assert node.get_name() in sections, f'config/savvy.yaml has no section for {node.get_name()}'
            for key, value in sections[node.get_name()].items():
                assert node.has_parameter(key), f'{node.get_name()} does not declare {key} (set in YAML)'
                assert node.get_parameter(key).value == pytest.approx(value) if isinstance(value, float) \
                    else node.get_parameter(key).value == value
            for key, value in sections.get('/**', {}).items():
                assert node.get_parameter(key).value == value
            described = node.describe_parameters([n for n in sections[node.get_name()]])
            assert all(d.description for d in described), f'{node.get_name()}: undocumented parameter'
    finally:
        bringup.shutdown()


def test_sim_time_switch_reaches_every_node():
    bringup = Bringup(params_file=PARAMS, use_sim_time=True)
    try:
        for node in bringup.start():
            assert node.get_parameter('use_sim_time').value is True
    finally:
        bringup.shutdown()


def test_replay_launch_includes_the_main_launch_with_sim_time_and_the_replay_overlay():
    source = (REPO / 'launch' / 'replay.launch.py').read_text()
    assert "'savvy.launch.py'" in source and "'use_sim_time': 'true'" in source
    # The evaluator's file (savvy_ros/replay/replay_params.py), passed as the main launch's overlay.
    assert "'config', 'replay.yaml'" in source
    assert "'overlay_params_file': LaunchConfiguration('replay_params_file')" in source
    assert "DeclareLaunchArgument('overlay_params_file', default_value=params_file" in LAUNCH.read_text()


def test_unknown_node_and_missing_file_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match='unknown node'):
        Bringup(params_file=PARAMS, nodes_wanted=['no_such_node']).selected()
    with pytest.raises(FileNotFoundError, match='parameter file not found'):
        Bringup(params_file=tmp_path / 'missing.yaml').start()


def test_executables_table_rejects_malformed_lines(tmp_path):
    bad = tmp_path / 'executables.txt'
    bad.write_text('# comment\nmonitor_node savvy_ros.nodes.monitor_node:main\n')
    with pytest.raises(ValueError, match='executables.txt:2'):
        read_executables(bad)


def test_spin_gives_each_node_its_own_thread_and_raises_the_first_callback_exception():
    """A node blocked in a long callback (ASR, the detector) holds up no other node; an exception in
    a callback stops the set and reaches the caller."""
    import threading

    import rclpy
    from rclpy.context import Context
    from rclpy.node import Node

    context = Context()
    rclpy.init(context=context)
    bringup = Bringup(params_file=PARAMS, context=context)
    slow, fast = Node('slow_node', context=context), Node('fast_node', context=context)
    bringup.nodes += [slow, fast]
    busy, ticks_while_busy = threading.Event(), []

    def long_callback() -> None:
        if not busy.is_set():
            busy.set()
            threading.Event().wait(0.6)

    def quick_callback() -> None:
        if busy.is_set():
            ticks_while_busy.append(1)
        if len(ticks_while_busy) >= 5:
            raise RuntimeError('boom in fast_node')

    slow.create_timer(0.05, long_callback)
    fast.create_timer(0.02, quick_callback)
    try:
        with pytest.raises(RuntimeError, match='boom in fast_node'):
            bringup.spin()
    finally:
        bringup.shutdown()
    assert len(ticks_while_busy) >= 5
