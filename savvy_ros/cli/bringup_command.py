"""Run the savvy_ros node set in one process (a component container in spirit), with the
parameters of config/savvy.yaml: the same nodes and YAML as launch/savvy.launch.py."""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from savvy_ros.cli.errors import EXIT_OK, CliError

NAME = 'bringup'
HELP = 'run the node set in one process (a thread per node)'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--params-file', type=Path, default=None,
                        help='parameter YAML (default: config/savvy.yaml of this package)')
    parser.add_argument('--nodes', default=None,
                        help='comma-separated executables to run (default: all; see --list)')
    parser.add_argument('--sim-time', action='store_true', help='use /clock (replaying a bag)')
    parser.add_argument('--replay', action='store_true',
                        help='replaying a bag as savvy-ros eval does: /clock, and config/replay.yaml read after the '
                             'parameter file (the replay settings: EventsExecutor for the stream nodes, the map\'s '
                             'reorder delay and TF wait, reliable inputs)')
    parser.add_argument('--episode', type=Path, default=None, metavar='DIR',
                        help='with --replay: a synthetic episode folder (ground_truth.json) whose own tables the '
                             'vision node takes, as savvy-ros eval gives them (its ArUco ids, its object sizes)')
    parser.add_argument('--list', action='store_true', help='print the node table and exit')
    parser.add_argument('--duration', type=float, default=None,
                        help='stop after this many seconds (default: run until Ctrl-C)')


def run(args: argparse.Namespace) -> int:
    import faulthandler
    import signal
    import threading

    from rclpy.exceptions import ParameterException

    from savvy_ros.bringup.node_table import read_executables
    from savvy_ros.bringup.runner import Bringup
    from savvy_ros.replay.replay_params import replay_params_file
    from savvy_ros.resources import config_file
    from savvy_ros.ros.node_main import parameter_type_hint
    from savvy_ros.ros.stop_signals import install_stop_handlers

    if args.list:
        for entry in read_executables():
            print(f'{entry.executable}\t{entry.module}')
        return EXIT_OK
    if args.duration is not None and args.duration <= 0:
        raise CliError('--duration must be > 0')
    if hasattr(signal, 'SIGUSR1'):   # `kill -USR1 <pid>`: every thread's stack to stderr (where it hangs)
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    if args.episode is not None and not args.replay:
        raise CliError('--episode goes with --replay')
    wanted = [n.strip() for n in args.nodes.split(',') if n.strip()] if args.nodes else None
    # The episode's tables live while the nodes run.
    tables = tempfile.TemporaryDirectory(prefix='savvy_bringup_') if args.episode else None
    bringup = Bringup(params_file=args.params_file or config_file(), nodes_wanted=wanted,
                      use_sim_time=args.sim_time or args.replay,
                      overlay_files=[replay_params_file()] if args.replay else [],
                      extra_ros_args=_episode_args(args.episode, Path(tables.name)) if tables else [])
    try:
        nodes = bringup.start()
    except (ValueError, FileNotFoundError, ParameterException) as exc:
        raise CliError(f'{exc}{parameter_type_hint(exc)}') from exc
    files = ' and '.join(str(path) for path in (bringup.params_file, *bringup.overlay_files))
    files += f" and the tables of episode {args.episode}" if args.episode else ''
    print(f'savvy-ros bringup: running {", ".join(n.get_name() for n in nodes)} with {files}', flush=True)
    stop = threading.Event()
    install_stop_handlers(stop)   # Ctrl-C / SIGTERM: the spin loop sees it within 0.1 s
    if args.duration is not None:
        threading.Timer(args.duration, stop.set).start()
    try:
        bringup.spin(stop)
    finally:
        stop.set()
        bringup.shutdown()
        if tables is not None:
            tables.cleanup()
    return EXIT_OK


def _episode_args(episode: Path, work_dir: Path) -> list[str]:
    """`-p node:name:=value` of the episode's own parameters (savvy_ros.evaluation.episode_params)."""
    from savvy_ros.evaluation.episode_params import episode_node_params
    from savvy_ros.evaluation.oracle_map import GroundTruthError, load_ground_truth
    from savvy_ros.replay.replay_params import node_param_args
    from savvy_ros.synth.episode_layout import GROUND_TRUTH_NAME

    try:
        gt = load_ground_truth(episode / GROUND_TRUTH_NAME)
        overrides = episode_node_params(gt, work_dir)
    except (GroundTruthError, OSError, ValueError) as exc:
        raise CliError(f'--episode {episode}: {exc}') from exc
    return node_param_args((node, key, value) for nodes in overrides.values() for node, values in nodes.items()
                           for key, value in values.items())
