"""Nodes' num_threads: the BLAS / OpenMP and OpenCV thread pools limited in-process."""
from __future__ import annotations

import subprocess
import sys

import cv2
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from savvy_ros.cpu_threads import limit_cpu_threads


def blas_threads() -> set[int]:
    return {pool['num_threads'] for pool in threadpool_info() if pool['user_api'] == 'blas'}


@pytest.fixture
def restore_thread_pools():
    import numpy  # noqa: F401  (loads the BLAS that threadpoolctl reports)
    opencv = cv2.getNumThreads()
    with threadpool_limits(limits=None):     # puts BLAS / OpenMP back as they were when the test ends
        yield
    cv2.setNumThreads(opencv)


def test_one_thread_for_opencv_and_blas(restore_thread_pools):
    limit_cpu_threads(1)
    assert cv2.getNumThreads() == 1
    assert blas_threads() == {1}


def test_zero_leaves_the_defaults_and_negative_is_refused(restore_thread_pools):
    before_cv, before_blas = cv2.getNumThreads(), blas_threads()
    limit_cpu_threads(0)
    assert cv2.getNumThreads() == before_cv and blas_threads() == before_blas
    with pytest.raises(ValueError, match='>= 0'):
        limit_cpu_threads(-1)


RUN_NODE_SCRIPT = '''
import rclpy, cv2
from rclpy.node import Node
from threadpoolctl import threadpool_info
from savvy_ros.ros.node_main import run_node

class Probe(Node):
    def __init__(self):
        super().__init__('thread_probe')
        self.process_threads = 1
        self.create_timer(0.05, self.report)

    def report(self):
        blas = sorted({p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'})
        print('BLAS', blas, 'OPENCV', cv2.getNumThreads(), flush=True)
        rclpy.try_shutdown()

raise SystemExit(run_node(Probe, []))
'''


@pytest.mark.dds
def test_run_node_gives_a_node_alone_in_its_process_its_thread_count():
    """Node executables apply `process_threads` (the vision and hearing nodes' num_threads); bringup,
    sharing one process between nodes, does not."""
    result = subprocess.run([sys.executable, '-c', RUN_NODE_SCRIPT], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert 'BLAS [1] OPENCV 1' in result.stdout, result.stdout + result.stderr


@pytest.mark.dds
@pytest.mark.parametrize('module', ['map_node', 'doa_node', 'qa_node'])
def test_light_nodes_size_their_process_pools_too(module):
    """The map, DoA and QA nodes run small numeric jobs (DBSCAN, SRP-PHAT, phrase embeddings) that a pool
    of every core would only split into pieces too small to pay: their num_threads (default 1, as in
    config/savvy.yaml) is what run_node applies."""
    import importlib

    import rclpy
    import yaml
    from rclpy.parameter import Parameter

    from savvy_ros.resources import config_file

    node_class = importlib.import_module(f'savvy_ros.nodes.{module}').NODE_CLASS
    spec = next(s for s in importlib.import_module(f'savvy_ros.nodes.{module}').PARAMETERS if s.name == 'num_threads')
    shipped = yaml.safe_load(config_file().read_text())
    assert spec.default == 1
    assert any(section['ros__parameters'].get('num_threads') == 1 for name, section in shipped.items()
               if name == f"savvy_{module.removesuffix('_node')}")
    rclpy.init()
    try:
        node = node_class(parameter_overrides=[Parameter('num_threads', value=3)])
        assert node.process_threads == 3
        node.destroy_node()
        with pytest.raises(ValueError, match='num_threads must be >= 0'):
            node_class(parameter_overrides=[Parameter('num_threads', value=-1)])
    finally:
        rclpy.try_shutdown()
