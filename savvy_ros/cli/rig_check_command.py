"""Rig check: start the node set (as `bringup`), drive it with a simulated walking rig over
Fast DDS (camera, 7-channel audio, /tf at 50 Hz, /tf_static), then check what came through:
transforms looked up at past capture times against the rig's ground truth, and the pipeline
monitor's health report. Exit 0 when every check passes."""
from __future__ import annotations

import argparse

from savvy_ros.cli.errors import EXIT_FAILURE, EXIT_OK, CliError

NAME = 'rig-check'
HELP = 'run the node set against a simulated live rig and check TF and topic health'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--duration', type=float, default=5.0, help='seconds of simulated rig data (default 5)')
    parser.add_argument('--params-file', default=None, help='parameter YAML (default: config/savvy.yaml)')


def persistent_problem(recent: list[tuple[int, str]]) -> bool:
    """A status's last reports (oldest first, at most two): not OK now, and not OK before either
    (a single report counts alone)."""
    return recent[-1][0] != 0 and (len(recent) < 2 or recent[-2][0] != 0)


def run(args: argparse.Namespace) -> int:
    import threading
    import time
    from pathlib import Path

    import numpy as np
    import rclpy
    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.context import Context
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    from savvy_ros.bringup.runner import Bringup
    from savvy_ros.demo.rig_publisher import RigPublisher
    from savvy_ros.demo.walking_rig import HEAD_T_CAMERA_OPTICAL
    from savvy_ros.resources import config_file
    from savvy_ros.ros.tf_listener import OwnTfListener

    if args.duration < 2.0:
        raise CliError('--duration must be at least 2 s')
    bringup = Bringup(params_file=Path(args.params_file) if args.params_file else config_file())
    try:
        nodes = bringup.start()
    except (ValueError, FileNotFoundError) as exc:
        raise CliError(str(exc)) from exc
    stop = threading.Event()
    graph = threading.Thread(target=bringup.spin, args=(stop,), daemon=True)
    graph.start()

    context = Context()
    rclpy.init(args=['savvy-ros-rig-check'], context=context)
    rig = RigPublisher(context=context)
    checker = Node('savvy_rig_checker', context=context)
    tf = OwnTfListener(checker)
    # The last two reports per status: a warning in one period only (a sensor frame dropped while
    # the machine was busy) is printed but passes; one that persists fails the check.
    reports: dict[str, list[tuple[int, str]]] = {}

    def on_diagnostics(msg: DiagnosticArray) -> None:
        for status in msg.status:
            reports.setdefault(status.name, []).append((status.level[0], status.message))
            del reports[status.name][:-2]

    checker.create_subscription(DiagnosticArray, '/diagnostics', on_diagnostics, 10)
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(rig)
    executor.add_node(checker)
    print(f'savvy-ros rig-check: node set {", ".join(n.get_name() for n in nodes)}; '
          f'rig publishing for {args.duration:.0f} s ...', flush=True)
    end = time.monotonic() + args.duration
    try:
        while time.monotonic() < end:
            executor.spin_once(timeout_sec=0.05)
        # TF check: world <- camera at past capture times, vs the rig's ground truth.
        # Inside the span the checker actually received: on a loaded machine the last
        # few rig samples may still be in flight when the spin loop ends.
        t0 = rig.start
        span = tf.buffer.time_span('map', 'camera_optical')
        if span is None:
            raise CliError('the checker received no TF from the rig (map <- camera_optical)')
        times = np.linspace(max(t0 + 0.5, span[0]), min(t0 + args.duration - 0.5, span[1]), 50)
        errors = []
        for t in times:
            got = tf.lookup_transform('map', 'camera_optical', float(t))
            truth = rig.rig.head_pose(float(t) - t0) @ HEAD_T_CAMERA_OPTICAL
            errors.append(np.abs(got.as_matrix() - truth.as_matrix()).max())
        tf_error = float(max(errors))
    finally:
        executor.shutdown()
        stop.set()
        graph.join(timeout=5.0)
        bringup.shutdown()
        checker.destroy_node()
        rig.destroy_node()
        rclpy.try_shutdown(context=context)

    level_names = {0: 'OK', 1: 'WARN', 2: 'ERROR', 3: 'STALE'}
    print(f'TF over DDS: map <- camera_optical at 50 past stamps, max |error| = {tf_error:.2e} '
          f'(TF backend {tf.backend}, rejected {tf.rejected})')
    failed = tf_error > 5e-3  # linear interpolation between 50 Hz samples of a curved walk: ~1e-4
    for name, recent in sorted(reports.items()):
        level, message = recent[-1]
        transient = level != 0 and not persistent_problem(recent)
        print(f'  {level_names.get(level, level):5s} {name}: {message}'
              f'{" (transient: OK in the report before)" if transient else ""}')
        failed |= 'tf ' not in name and persistent_problem(recent)
    if not reports:
        print('  no /diagnostics report received from the monitor')
        failed = True
    print('savvy-ros rig-check: ' + ('FAILED' if failed else 'all checks passed'))
    return EXIT_FAILURE if failed else EXIT_OK
