"""The one `main()` every node executable uses: init, spin, clean shutdown."""
from __future__ import annotations

import faulthandler
import signal
import sys
import threading
from collections.abc import Callable

import rclpy
from rclpy._rclpy_pybind11 import RCLError
from rclpy.exceptions import ParameterException
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from savvy_ros.cpu_priority import raise_niceness
from savvy_ros.cpu_threads import limit_cpu_threads
from savvy_ros.ros.dds_profile import use_savvy_dds_profile
from savvy_ros.ros.executors import DEFAULT_EXECUTOR, create_executor, node_executor_kind
from savvy_ros.ros.parameters import ParameterSpec
from savvy_ros.ros.stop_signals import SPIN_TIMEOUT, install_stop_handlers

# Every graph node declares it; run_node applies the node's value (`process_niceness`) to its process.
NICENESS_PARAMETER = ParameterSpec(
    'niceness', 0, 'CPU scheduling niceness of the node\'s process, 0 (unchanged) to 19 (lowest priority): '
    'a node with slack yields busy cores to the one that paces a replay (config/replay.yaml); applied when '
    'the node runs alone in its process, not under savvy-ros bringup')


def spin_until_shutdown(node: Node, stop: threading.Event | None = None, executor_kind: str = DEFAULT_EXECUTOR) -> None:
    """Spin `node` until Ctrl-C or shutdown, then destroy it and shut the default context down.

    One thread: a node that waits in a callback for a service it calls spins that client itself
    (see qa_node.HearingRetranscriber). SIGINT and SIGTERM stop it through
    savvy_ros.ros.stop_signals (a request checked every SPIN_TIMEOUT), not rclpy's wake-up alone.
    """
    executor = create_executor(node.context, executor_kind)
    if stop is None:
        stop = threading.Event()
        install_stop_handlers(stop)
    try:
        executor.add_node(node)
        while not stop.is_set() and node.context.ok():
            executor.spin_once(timeout_sec=SPIN_TIMEOUT)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except RCLError:
        if node.context.ok():
            raise   # not the context shut down under the wait (rclpy's own handler, in a caller's init)
    finally:
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown()


def parameter_type_hint(exc: Exception) -> str:
    # `-p rate:=5` is an INTEGER to ROS; a DOUBLE parameter refuses it (rclpy's message does not say how to write one).
    text = str(exc)
    if "of type 'INTEGER', expecting type 'DOUBLE'" in text:
        return ' (write the value with a decimal point, e.g. 5.0)'
    return ''


def run_node(node_factory: Callable[[], Node], args: list[str] | None = None) -> int:
    # `kill -USR1 <pid>` prints every thread's stack to stderr: how a hung node tells where it hangs.
    if hasattr(signal, 'SIGUSR1'):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    use_savvy_dds_profile()
    # Only our handlers (savvy_ros.ros.stop_signals) act on SIGINT / SIGTERM: they request a stop.
    rclpy.init(args=args if args is not None else sys.argv, signal_handler_options=SignalHandlerOptions.NO)
    stop = threading.Event()   # a signal while the node loads (models) stops it once it is built
    install_stop_handlers(stop)
    try:
        node = node_factory()
        executor_kind = node_executor_kind(node)
    except (ValueError, FileNotFoundError, ParameterException) as exc:
        # Bad parameters or configuration: one clear line, not a traceback.
        print(f'{node_factory.__name__}: configuration error: {exc}{parameter_type_hint(exc)}', file=sys.stderr)
        rclpy.try_shutdown()
        return 2
    except KeyboardInterrupt:
        rclpy.try_shutdown()
        return 0
    if executor_kind == 'events':
        node.get_logger().warning("spinning with rclpy's experimental EventsExecutor (executor: events): "
                                  'less CPU per message; SIGINT / SIGTERM then shut the context down directly')
    # A node alone in its process sizes the process's BLAS / OpenMP / OpenCV pools (its
    # `num_threads`); `savvy-ros bringup` shares one process between nodes and leaves them be.
    threads = getattr(node, 'process_threads', None)
    if threads is not None:
        limit_cpu_threads(threads)
    niceness = getattr(node, 'process_niceness', 0)
    if niceness:
        node.get_logger().info(f'process niceness {raise_niceness(niceness)} (niceness parameter)')
    spin_until_shutdown(node, stop, executor_kind)
    return 0
