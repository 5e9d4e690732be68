"""`savvy-ros bringup`: the launch file's node set in one process, each node on a thread of its own.

`ros2 launch` is not available from the PyPI wheels, so this runs the same executables with the
same parameter file: rclpy applies `--params-file` per node name (and `/**`) exactly as launch
does for separate processes.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import rclpy
from rclpy.context import Context
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from savvy_ros.bringup.node_table import NodeEntry, read_executables
from savvy_ros.ros.executor_thread import SPIN_PERIOD, ExecutorThread
from savvy_ros.ros.executors import node_executor_kind


@dataclass
class Bringup:
    """Nodes created in one context; `spin()` blocks until shutdown or `stop()`."""

    params_file: Path
    nodes_wanted: list[str] | None = None      # executables; None = all
    use_sim_time: bool = False
    overlay_files: list[Path] = field(default_factory=list)   # read after params_file, in order (theirs win)
    extra_ros_args: list[str] = field(default_factory=list)
    context: Context = field(default_factory=Context)
    nodes: list[Node] = field(default_factory=list)

    def ros_args(self) -> list[str]:
        args = ['--ros-args']
        for path in (self.params_file, *self.overlay_files):
            args += ['--params-file', str(path)]
        if self.use_sim_time:
            args += ['-p', 'use_sim_time:=true']
        return args + self.extra_ros_args

    def selected(self) -> list[NodeEntry]:
        table = read_executables()
        if self.nodes_wanted is None:
            return table
        known = {entry.executable: entry for entry in table}
        unknown = [name for name in self.nodes_wanted if name not in known]
        if unknown:
            raise ValueError(f'unknown node(s) {", ".join(unknown)}; known: {", ".join(known)}')
        return [known[name] for name in self.nodes_wanted]

    def start(self) -> list[Node]:
        for path in (self.params_file, *self.overlay_files):
            if not Path(path).is_file():
                raise FileNotFoundError(f'parameter file not found: {path}')
        entries = self.selected()
        # No rclpy signal handlers: `savvy-ros bringup` installs its own (savvy_ros.ros.stop_signals);
        # in-process, Ctrl-C is Python's KeyboardInterrupt, caught by spin().
        rclpy.init(args=['savvy-ros-bringup', *self.ros_args()], context=self.context,
                   signal_handler_options=SignalHandlerOptions.NO)
        try:
            for entry in entries:
                node = entry.node_class()(context=self.context)
                self.nodes.append(node)
                node_executor_kind(node)   # declared (and checked) with the node's own parameters
                if getattr(node, 'process_niceness', 0):   # e.g. config/replay.yaml's, meant for a process each
                    node.get_logger().info(f'niceness {node.process_niceness} not applied: under savvy-ros bringup '
                                           'every node shares one process (the node executables apply it)')
        except BaseException:
            self.shutdown()
            raise
        return self.nodes

    def spin(self, stop_event: threading.Event | None = None) -> None:
        """Spin every node, each with its own executor (its `executor` parameter) on its own thread
        (savvy_ros.ros.executor_thread), so that no node waits for another's long callback (ASR, the
        detector). The first callback exception stops the others and is raised here."""
        stop = threading.Event()
        spinners = [ExecutorThread(node, stop=stop, executor_kind=node_executor_kind(node)) for node in self.nodes]
        for spinner in spinners:
            spinner.start()
        try:
            while not stop.is_set() and self.context.ok() and not (stop_event and stop_event.is_set()):
                time.sleep(SPIN_PERIOD)   # the main thread is where Ctrl-C lands
        except KeyboardInterrupt:
            pass
        finally:
            for spinner in spinners:
                spinner.stop()
        failure = next((spinner.failure for spinner in spinners if spinner.failure is not None), None)
        if failure is not None:
            raise failure

    def shutdown(self) -> None:
        for node in self.nodes:
            node.destroy_node()
        self.nodes.clear()
        rclpy.try_shutdown(context=self.context)
