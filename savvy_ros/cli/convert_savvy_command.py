"""Convert SAVVY-Bench release files into rosbag2 bags, one per sequence: OUT/<seq>/bag (/tf world ->
body at 20 Hz, /savvy/bearings from the release's audio track with REP 103 azimuths and CDR
ranges, /savvy/snapshots from AV-LLM snapshot-descriptor outputs) and OUT/<seq>/questions.json.
Accepts the release's directory layout or the flat one of the sample fixtures."""
from __future__ import annotations

import argparse
from pathlib import Path

from savvy_ros.cli.errors import CliError

NAME = 'convert-savvy'
HELP = 'convert SAVVY-Bench release files (trajectories, audio tracks, snapshot descriptors) to bags'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('release', type=Path, help='release directory (or a folder of its sample files)')
    parser.add_argument('--out', type=Path, required=True, help='output directory (one folder per sequence)')
    parser.add_argument('--sequences', default='', help='comma-separated sequence names (default: all found)')
    parser.add_argument('--questions', type=Path, help='questions file (default: gtavmap*.json / savvy_bench.json)')
    parser.add_argument('--snapshots', type=Path, nargs='*', help='snapshot-descriptor output files '
                        '(default: sd_output_v2/*.json, sd_*.json)')
    parser.add_argument('--k-drr', type=float, help='CDR range constant K in d = sqrt(K / CDR) '
                        '(default: median of kdrr.json over the sequence questions)')
    parser.add_argument('--world-frame', default='map', help='REP 105 world frame of the /tf written (default: map)')
    parser.add_argument('--body-frame', default='head', help='the wearer\'s body frame, child of the world frame in '
                        '/tf (default: head)')
    parser.add_argument('--storage', choices=('mcap', 'sqlite3'), default='mcap',
                        help='rosbag2 storage of the bags written (default: mcap)')


def run(args: argparse.Namespace) -> int:
    from savvy_ros.bags import BagWriteError
    from savvy_ros.convert.release_files import ReleaseFormatError, ReleaseLayout
    from savvy_ros.convert.savvy_bag import ReleaseData, SavvyConversionOptions, convert_sequence

    if not args.release.is_dir():
        raise CliError(f'release directory not found: {args.release}')
    layout = ReleaseLayout(args.release)
    available = layout.sequences()
    if not available:
        raise CliError(f'no sequences in {args.release}: no dense trajectory (dense_traj/aea/<seq>.json, or '
                       'dense_traj_<seq>.json as in the sample fixtures)')
    wanted = [s.strip() for s in args.sequences.split(',') if s.strip()] or available
    missing = sorted(set(wanted) - set(available))
    if missing:
        raise CliError(f'no dense trajectory for sequence(s) {missing} in {args.release} '
                       f'(found: {available or "none"})')
    options = SavvyConversionOptions(world_frame=args.world_frame, body_frame=args.body_frame,
                                     k_drr=args.k_drr, storage=args.storage)
    try:
        data = ReleaseData.load(layout, args.questions, args.snapshots)
        for sequence in wanted:
            report = convert_sequence(layout, sequence, args.out, data, options)
            counts = ', '.join(f'{topic} {count}' for topic, count in report.counts.items())
            print(f'{sequence}: {report.bag} ({counts}); {report.questions} questions; '
                  f'time origin {report.origin_s} s; K_drr {report.k_drr}')
            for note in report.notes:
                print(f'  note: {note}')
    except (ReleaseFormatError, BagWriteError) as exc:
        raise CliError(str(exc)) from exc
    return 0
