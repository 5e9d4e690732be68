"""The one `main()` every node executable uses: init, spin, clean shutdown."""
from __future__ import annotations

import sys
from collections.abc import Callable

import rclpy
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node


def run_node(node_factory: Callable[[], Node], args: list[str] | None = None) -> int:
    rclpy.init(args=args if args is not None else sys.argv)
    node = None
    try:
        node = node_factory()
        rclpy.spin(node)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except (ValueError, FileNotFoundError) as exc:
        # Bad parameters or configuration: one clear line, not a traceback.
        print(f'{node_factory.__name__}: configuration error: {exc}', file=sys.stderr)
        return 2
    finally:
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
    return 0
