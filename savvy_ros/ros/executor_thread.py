"""A node spun by an executor (savvy_ros.ros.executors) on a thread of its own.

For a node that must make progress while another thread blocks: a node of `savvy-ros bringup`
beside the others, or a service client whose caller waits inside a callback. Not rclpy's
MultiThreadedExecutor, which busy-loops re-submitting callbacks queued for its pool.
"""
from __future__ import annotations

import threading

from rclpy.executors import ExternalShutdownException, ShutdownException
from rclpy.node import Node

from savvy_ros.ros.executors import DEFAULT_EXECUTOR, create_executor

SPIN_PERIOD = 0.1   # [s] the thread checks for a stop this often


class ExecutorThread:
    """Spins `node` from start() until stop() or the context's shutdown; a callback's exception ends
    the spinning, is kept in `failure` and sets the stop event (shared by a set of these, it stops them all)."""

    def __init__(self, node: Node, name: str | None = None, stop: threading.Event | None = None,
                 executor_kind: str = DEFAULT_EXECUTOR) -> None:
        self.executor = create_executor(node.context, executor_kind)
        self.executor.add_node(node)
        self.context = node.context
        self.stop_event = stop if stop is not None else threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=name or node.get_name(), daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self.stop_event.is_set() and self.context.ok():
                self.executor.spin_once(timeout_sec=SPIN_PERIOD)
        except (ExternalShutdownException, ShutdownException):
            pass
        except BaseException as exc:  # noqa: BLE001 - handed to whoever stops this thread
            self.failure = exc
            self.stop_event.set()

    def stop(self) -> None:
        self.stop_event.set()
        if self.thread.is_alive():
            self.thread.join()
        self.executor.shutdown()
