"""The one `main()` every node executable uses: init, spin, clean shutdown."""
from __future__ import annotations

import faulthandler
import signal
import sys
from collections.abc import Callable

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node

from savvy_ros.cpu_threads import limit_cpu_threads
from savvy_ros.ros.dds_profile import use_savvy_dds_profile


def spin_until_shutdown(node: Node) -> None:
    """Spin `node` until Ctrl-C or shutdown, then destroy it and shut the default context down."""
    try:
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


def run_node(node_factory: Callable[[], Node], args: list[str] | None = None) -> int:
    # `kill -USR1 <pid>` prints every thread's stack to stderr: how a hung node tells where it hangs.
    if hasattr(signal, 'SIGUSR1'):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    use_savvy_dds_profile()
    rclpy.init(args=args if args is not None else sys.argv)
    try:
        node = node_factory()
    except (ValueError, FileNotFoundError) as exc:
        # Bad parameters or configuration: one clear line, not a traceback.
        print(f'{node_factory.__name__}: configuration error: {exc}', file=sys.stderr)
        rclpy.try_shutdown()
        return 2
    except KeyboardInterrupt:
        rclpy.try_shutdown()
        return 0
    # A node alone in its process sizes the process's BLAS / OpenMP / OpenCV pools (its
    # `num_threads`); `savvy-ros bringup` shares one process between nodes and leaves them be.
    threads = getattr(node, 'process_threads', None)
    if threads is not None:
        limit_cpu_threads(threads)
    spin_until_shutdown(node)
    return 0
