"""`savvy-ros COMMAND ...`: entry point. Subcommands import rclpy lazily so --help stays fast."""
from __future__ import annotations

import argparse
import sys
from types import ModuleType

from savvy_ros import __version__
from savvy_ros.cli import answer_gt_command, bringup_command, demo_command, rig_check_command, tf_echo_command
from savvy_ros.cli import hear_command
from savvy_ros.cli import convert_savvy_command
from savvy_ros.cli import play_command
from savvy_ros.cli import convert_aea_command
from savvy_ros.cli import detect_command
from savvy_ros.cli import ask_command
from savvy_ros.cli import eval_command
from savvy_ros.cli import doa_command
from savvy_ros.cli import synth_command
from savvy_ros.cli import describe_command
from savvy_ros.cli.errors import EXIT_INTERRUPTED, EXIT_USAGE, CliError
from savvy_ros.ros.dds_profile import use_savvy_dds_profile

# Each module has NAME, HELP, add_arguments(parser) and run(args) -> int.
COMMANDS: list[ModuleType] = [demo_command, bringup_command, rig_check_command, tf_echo_command, answer_gt_command, convert_savvy_command,
                               hear_command, detect_command, play_command,
                               convert_aea_command, ask_command, doa_command, synth_command, eval_command, describe_command]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog='savvy-ros',
        description='savvy_ros: spatial awareness from seeing and hearing (SAVVY) for ROS 2.')
    parser.add_argument('--version', action='version', version=f'savvy_ros {__version__}')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND')
    for command in COMMANDS:
        doc = (command.__doc__ or command.HELP).strip()
        p = sub.add_parser(command.NAME, help=command.HELP, description=doc,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        command.add_arguments(p)
        p.set_defaults(run=command.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    use_savvy_dds_profile()   # before any command creates a DDS participant
    try:
        return int(args.run(args))
    except CliError as exc:
        print(f'savvy-ros {args.command}: error: {exc}', file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == '__main__':
    sys.exit(main())
