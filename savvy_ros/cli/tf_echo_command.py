"""Print the transform TARGET <- SOURCE from /tf and /tf_static, like tf2_echo, using the
backend the nodes use (tf2_ros when importable, else savvy_ros' own buffer)."""
from __future__ import annotations

import argparse
import math

from savvy_ros.cli.errors import EXIT_FAILURE, EXIT_OK, CliError

NAME = 'tf-echo'
HELP = 'print a transform between two frames'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('target', help='target frame, e.g. map')
    parser.add_argument('source', help='source frame, e.g. head')
    parser.add_argument('--time', type=float, default=None, help='lookup time [s]; default: latest')
    parser.add_argument('--wait', type=float, default=5.0, help='give up after this many seconds (default 5)')
    parser.add_argument('--count', type=int, default=1, help='print this many lookups, 1 s apart (0 = forever)')
    parser.add_argument('--sim-time', action='store_true', help='use /clock')


def run(args: argparse.Namespace) -> int:
    import time

    import rclpy
    from rclpy.context import Context
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    from savvy_ros.ros.tf_listener import create_transform_lookup
    from savvy_ros.tf import TransformError

    if args.wait <= 0 or args.count < 0:
        raise CliError('--wait must be > 0 and --count >= 0')
    context = Context()
    rclpy.init(args=['savvy-ros-tf-echo', '--ros-args', '-p', f'use_sim_time:={str(args.sim_time).lower()}'],
               context=context)
    node = Node('savvy_tf_echo', context=context)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    tf = create_transform_lookup(node)
    printed, deadline, last_error = 0, time.monotonic() + args.wait, 'no transforms received'
    try:
        while args.count == 0 or printed < args.count:
            executor.spin_once(timeout_sec=0.05)
            try:
                transform = tf.lookup_transform(args.target, args.source, args.time)
            except TransformError as exc:
                last_error = str(exc)
                if time.monotonic() > deadline:
                    print(f'savvy-ros tf-echo: {args.target} <- {args.source}: {last_error}')
                    return EXIT_FAILURE
                continue
            t, q = transform.translation, transform.rotation
            print(f'{args.target} <- {args.source} [{tf.backend}]\n'
                  f'  translation [m]: [{t[0]:.4f}, {t[1]:.4f}, {t[2]:.4f}]\n'
                  f'  rotation (x, y, z, w): [{q[0]:.4f}, {q[1]:.4f}, {q[2]:.4f}, {q[3]:.4f}]\n'
                  f'  yaw: {math.degrees(transform.yaw()):.2f} deg', flush=True)
            printed += 1
            deadline = time.monotonic() + args.wait
            if args.count == 0 or printed < args.count:
                end = time.monotonic() + 1.0
                while time.monotonic() < end:
                    executor.spin_once(timeout_sec=0.05)
    finally:
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown(context=context)
    return EXIT_OK
