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
from rclpy.executors import ExternalShutdownException, ShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from savvy_ros.bringup.node_table import NodeEntry, read_executables

SPIN_PERIOD = 0.1   # [s] each node's thread checks for a stop this often


@dataclass
class Bringup:
    """Nodes created in one context; `spin()` blocks until shutdown or `stop()`."""

    params_file: Path
    nodes_wanted: list[str] | None = None      # executables; None = all
    use_sim_time: bool = False
    extra_ros_args: list[str] = field(default_factory=list)
    context: Context = field(default_factory=Context)
    nodes: list[Node] = field(default_factory=list)

    def ros_args(self) -> list[str]:
        args = ['--ros-args', '--params-file', str(self.params_file)]
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
        if not self.params_file.is_file():
            raise FileNotFoundError(f'parameter file not found: {self.params_file}')
        entries = self.selected()
        # No rclpy signal handlers: `savvy-ros bringup` installs its own (savvy_ros.ros.stop_signals);
        # in-process, Ctrl-C is Python's KeyboardInterrupt, caught by spin().
        rclpy.init(args=['savvy-ros-bringup', *self.ros_args()], context=self.context,
                   signal_handler_options=SignalHandlerOptions.NO)
        try:
            for entry in entries:
                self.nodes.append(entry.node_class()(context=self.context))
        except BaseException:
            self.shutdown()
            raise
        return self.nodes

    def spin(self, stop_event: threading.Event | None = None) -> None:
        """Spin every node, each with its own single-threaded executor on its own thread, so that no
        node waits for another's long callback (ASR, the detector). Not one MultiThreadedExecutor:
        rclpy's busy-loops re-submitting callbacks queued for its pool (a replay's /clock alone kept
        a core busy). The first callback exception stops the others and is raised here."""
        stop = threading.Event()
        failures: list[BaseException] = []
        executors = [SingleThreadedExecutor(context=self.context) for _ in self.nodes]

        def run(executor: SingleThreadedExecutor) -> None:
            try:
                while not stop.is_set() and self.context.ok():
                    executor.spin_once(timeout_sec=SPIN_PERIOD)
            except (ExternalShutdownException, ShutdownException):
                pass
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                failures.append(exc)
                stop.set()

        threads = []
        for node, executor in zip(self.nodes, executors):
            executor.add_node(node)
            threads.append(threading.Thread(target=run, args=(executor,), name=node.get_name(), daemon=True))
        for thread in threads:
            thread.start()
        try:
            while not stop.is_set() and self.context.ok() and not (stop_event and stop_event.is_set()):
                time.sleep(SPIN_PERIOD)   # the main thread is where Ctrl-C lands
        except KeyboardInterrupt:
            pass
        finally:
            stop.set()
            for thread in threads:
                thread.join()
            for executor in executors:
                executor.shutdown()
        if failures:
            raise failures[0]

    def shutdown(self) -> None:
        for node in self.nodes:
            node.destroy_node()
        self.nodes.clear()
        rclpy.try_shutdown(context=self.context)
