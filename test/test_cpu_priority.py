"""Nodes' niceness: a process's CPU scheduling priority, raised for every thread it has."""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
import yaml

from savvy_ros.cpu_priority import MAX_NICENESS, check_niceness
from savvy_ros.replay.replay_params import replay_settings
from savvy_ros.resources import config_file

GRAPH_NODES = ('doa_node', 'hearing_node', 'vision_node', 'map_node', 'qa_node')


@pytest.mark.parametrize('value', [0, 5, MAX_NICENESS])
def test_niceness_from_unchanged_to_lowest_priority(value):
    assert check_niceness(value) == value


@pytest.mark.parametrize('value', [-1, MAX_NICENESS + 1, 2.5, True, '5'])
def test_other_niceness_values_are_refused_naming_the_parameter(value):
    with pytest.raises(ValueError, match=r'niceness must be a whole number from 0 \(unchanged\) to 19'):
        check_niceness(value)


NICENESS_OF_THREADS = '''
def niceness_of_threads():
    import os
    return sorted({os.getpriority(os.PRIO_PROCESS, int(t)) for t in os.listdir('/proc/self/task')})
'''


RAISE_SCRIPT = NICENESS_OF_THREADS + '''
import os, threading
from savvy_ros.cpu_priority import raise_niceness

done = threading.Event()
before = threading.Thread(target=done.wait)   # a thread the process had already (a DDS or model pool's)
before.start()
print('raised to', raise_niceness(3), 'threads', niceness_of_threads())
after = threading.Thread(target=done.wait)
after.start()
print('new thread', os.getpriority(os.PRIO_PROCESS, after.native_id))
print('lower target', raise_niceness(1), 'threads', niceness_of_threads())
done.set()
'''


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='per-thread niceness is Linux\'s')
def test_raise_niceness_reaches_every_thread_and_never_lowers():
    """Linux keeps a niceness per thread: os.nice() alone would leave the threads a node already has
    (Fast DDS's, the detector's pool) at 0. Run in a child: niceness cannot be lowered again."""
    result = subprocess.run([sys.executable, '-c', RAISE_SCRIPT], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ['raised to 3 threads [3]', 'new thread 3', 'lower target 3 threads [3]']


RUN_NODE_SCRIPT = NICENESS_OF_THREADS + '''
import rclpy
from rclpy.node import Node
from savvy_ros.ros.node_main import run_node

class Probe(Node):
    def __init__(self):
        super().__init__('niceness_probe')
        self.process_niceness = 4
        self.create_timer(0.05, self.report)

    def report(self):
        print('NICENESS', niceness_of_threads(), flush=True)
        rclpy.try_shutdown()

raise SystemExit(run_node(Probe, []))
'''


@pytest.mark.dds
@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='per-thread niceness is Linux\'s')
def test_run_node_gives_a_node_alone_in_its_process_its_niceness():
    """Node executables apply `process_niceness` (the `niceness` parameter) to all of their threads,
    rclpy's and Fast DDS's included; bringup, sharing one process between nodes, does not."""
    result = subprocess.run([sys.executable, '-c', RUN_NODE_SCRIPT], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert 'NICENESS [4]' in result.stdout, result.stdout + result.stderr
    assert 'process niceness 4' in result.stderr


@pytest.mark.parametrize('module', GRAPH_NODES)
def test_every_graph_node_declares_niceness_unchanged_by_default(module):
    spec = next(s for s in importlib.import_module(f'savvy_ros.nodes.{module}').PARAMETERS if s.name == 'niceness')
    assert spec.default == 0
    shipped = yaml.safe_load(config_file().read_text())
    assert shipped[f"savvy_{module.removesuffix('_node')}"]['ros__parameters']['niceness'] == 0


def test_replays_lower_the_nodes_with_slack_never_the_one_that_paces():
    """As fast as possible the vision node paces the default scene's replay; DoA, hearing and map run
    behind it within the player's look-ahead (savvy_ros/replay/replay_params.py)."""
    niceness = {node: int(value) for node, key, value in replay_settings() if key == 'niceness'}
    assert niceness == {'savvy_doa': 5, 'savvy_hearing': 5, 'savvy_map': 5}


@pytest.mark.dds
@pytest.mark.parametrize('module', ['map_node', 'doa_node', 'qa_node'])
def test_a_niceness_out_of_range_is_a_configuration_error(module):
    import rclpy
    from rclpy.parameter import Parameter

    node_class = importlib.import_module(f'savvy_ros.nodes.{module}').NODE_CLASS
    rclpy.init()
    try:
        node = node_class(parameter_overrides=[Parameter('niceness', value=7)])
        assert node.process_niceness == 7
        node.destroy_node()
        with pytest.raises(ValueError, match='niceness must be a whole number'):
            node_class(parameter_overrides=[Parameter('niceness', value=20)])
    finally:
        rclpy.try_shutdown()
