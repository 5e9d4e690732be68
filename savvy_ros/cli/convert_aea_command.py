"""Convert an Aria Everyday Activities recording to a rosbag2 bag: the MPS closed-loop trajectory
-> /tf (world -> aria_device), the device calibration -> /tf_static (cameras, IMUs, the REP 103
head frame and mic_array), and, with --vrs (needs projectaria-tools), the RGB camera undistorted
to a pinhole camera (/camera/image_raw, /camera/camera_info) and the 7-channel microphone array
(/mic_array/audio)."""
from __future__ import annotations

import argparse
from pathlib import Path

from savvy_ros.cli.errors import CliError

NAME = 'convert-aea'
HELP = 'convert an Aria recording (MPS trajectory, calibration, optional VRS) to a bag'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--out', type=Path, required=True, help='bag directory to create')
    parser.add_argument('--mps', type=Path, help='MPS output folder (holds slam/closed_loop_trajectory.csv)')
    parser.add_argument('--trajectory', type=Path, help='closed_loop_trajectory.csv (default: from --mps)')
    parser.add_argument('--calibration', type=Path,
                        help='device calibration JSON, or online_calibration.jsonl (default: from --mps)')
    parser.add_argument('--vrs', type=Path, help='the VRS recording (camera and microphones; needs projectaria-tools)')
    parser.add_argument('--tf-rate', type=float, default=50.0, help='[Hz] rate of /tf (default 50)')
    parser.add_argument('--world-frame', default='map', help='REP 105 world frame of the /tf written (default: map)')
    parser.add_argument('--body-frame', default='head', help='the wearer\'s body frame, child of the world frame in '
                        '/tf (default: head)')
    parser.add_argument('--storage', choices=('mcap', 'sqlite3'), default='mcap',
                        help='rosbag2 storage of the bags written (default: mcap)')


def _input(given: Path | None, mps: Path | None, relative: str, what: str) -> Path:
    path = given or (mps / relative if mps else None)
    if path is None:
        raise CliError(f'give --{what} or --mps')
    if not path.is_file():
        raise CliError(f'{what} file not found: {path}')
    return path


def run(args: argparse.Namespace) -> int:
    from savvy_ros.bags import BagWriteError
    from savvy_ros.convert.aea_bag import AeaConversionOptions, ProjectAriaToolsMissing, convert_aea
    from savvy_ros.convert.aria_mps import AriaFormatError, read_closed_loop_trajectory, read_device_calibration

    trajectory_path = _input(args.trajectory, args.mps, 'slam/closed_loop_trajectory.csv', 'trajectory')
    calibration_path = _input(args.calibration, args.mps, 'slam/online_calibration.jsonl', 'calibration')
    options = AeaConversionOptions(world_frame=args.world_frame, body_frame=args.body_frame,
                                   tf_rate_hz=args.tf_rate, storage=args.storage)
    try:
        report = convert_aea(args.out, read_closed_loop_trajectory(trajectory_path),
                             read_device_calibration(calibration_path), args.vrs, options)
    except (AriaFormatError, BagWriteError, ProjectAriaToolsMissing) as exc:
        raise CliError(str(exc)) from exc
    counts = ', '.join(f'{topic} {count}' for topic, count in report.counts.items())
    print(f'{report.bag}: {counts}')
    for note in report.notes:
        print(f'  note: {note}')
    return 0
