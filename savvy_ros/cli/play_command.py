"""Replay a rosbag2 bag (MCAP or sqlite3) into the ROS graph: every topic with its recorded type,
plus /clock for nodes running with use_sim_time. --rate 0 (or --fast) plays as fast as the graph
goes: after each message the player waits until it was delivered and until every consumer that
acknowledges its inputs (savvy_ros.replay.acknowledgement) has processed it, so nothing is ever
dropped and any rate gives the same inputs as 1x."""
from __future__ import annotations

import argparse
from pathlib import Path

from savvy_ros.cli.errors import CliError
from savvy_ros.ros.executors import EXECUTOR_KINDS, PLAYER_EXECUTOR

NAME = 'play'
HELP = 'replay a bag with /clock (real time, scaled, or flow-controlled as fast as possible)'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('bag', type=Path, help='bag directory or .mcap file')
    parser.add_argument('--rate', type=float, help='x real time; 0 = as fast as possible (default 1)')
    parser.add_argument('--fast', action='store_true', help='same as --rate 0')
    parser.add_argument('--start', type=float, default=0.0, help='[s] offset from the bag start')
    parser.add_argument('--duration', type=float, help='[s] of bag time to play (default: to the end)')
    parser.add_argument('--loop', action='store_true', help='play again from the start until Ctrl-C')
    parser.add_argument('--topics', nargs='+', help='replay only these topics')
    parser.add_argument('--no-flow-control', action='store_true',
                        help='do not wait for delivery and acknowledgements (paced modes only; may drop)')
    parser.add_argument('--no-clock', action='store_true', help='do not publish /clock')
    parser.add_argument('--tail', type=float, default=3.0,
                        help='[s] keep /clock running past the last message, so nodes close what they hold '
                             '(e.g. the last speech segment) (default 3; 0 = stop with the bag)')
    parser.add_argument('--ack-timeout', type=float, default=5.0,
                        help='[s] give up waiting for one message\'s delivery / acknowledgement after this')
    parser.add_argument('--wait-for', nargs='+', default=[], metavar='NODE',
                        help='consumer nodes (e.g. /savvy_map) that must have joined before playing starts')
    parser.add_argument('--discovery', type=float, default=1.0, help='[s] to wait for DDS discovery before playing')
    parser.add_argument('--lookahead', type=float, default=0.0,
                        help='[s] with --fast: a free consumer may take messages this far past the oldest one '
                             'not sent yet (each consumer still in bag order; /clock waits there) '
                             '(default 0 = in order; not yet bit-for-bit repeatable through a whole graph)')
    parser.add_argument('--executor', default=PLAYER_EXECUTOR, choices=EXECUTOR_KINDS,
                        help=f'rclpy executor taking the consumers\' acknowledgements (default {PLAYER_EXECUTOR}: '
                             'rclpy\'s EventsExecutor, a quarter of the CPU per acknowledgement)')
    parser.add_argument('--in-flight', type=int, default=1,
                        help='messages an acknowledging consumer may have unacknowledged (default 1; more hide the '
                             'hand-over latency for consumers whose input queues hold that many: savvy-ros eval uses 3, '
                             'as the vision node takes a frame as image + camera_info)')


def run(args: argparse.Namespace) -> int:
    import rclpy

    from savvy_ros.bags import BagReadError
    from savvy_ros.replay.play import play_bag
    from savvy_ros.replay.player import PlayOptions, PlayOptionsError

    if args.fast and args.rate is not None and args.rate != 0.0:
        raise CliError(f'--fast plays as fast as possible: give it or --rate {args.rate:g}, not both')
    rate = 0.0 if args.fast else (1.0 if args.rate is None else args.rate)
    try:
        options = PlayOptions(rate=rate, start_s=args.start, duration_s=args.duration,
                              loop=args.loop, topics=tuple(args.topics) if args.topics else None,
                              flow_control=not args.no_flow_control, tail_s=0.0 if args.no_clock else args.tail,
                              lookahead_s=args.lookahead, in_flight=args.in_flight)
    except PlayOptionsError as exc:
        raise CliError(str(exc)) from exc
    rclpy.init()
    try:
        result = play_bag(args.bag, options, discovery_s=args.discovery, ack_timeout_s=args.ack_timeout,
                          clock=not args.no_clock, wait_for=tuple(args.wait_for), executor=args.executor)
    except (BagReadError, PlayOptionsError) as exc:
        inside = args.bag / 'bag'
        hint = f' (an episode folder? its bag is {inside})' if isinstance(exc, BagReadError) and inside.is_dir() else ''
        raise CliError(f'{exc}{hint}') from exc
    finally:
        rclpy.try_shutdown()
    stats = result.stats
    for topic, count in sorted(stats.published.items()):
        print(f'{topic}: {count} messages')
    for topic, why in sorted(result.skipped.items()):
        print(f'{topic}: not replayed ({why})')
    tail = (f'; then {options.tail_s:g} s of /clock tail in {stats.tail_wall_s:.3f} s'
            if stats.tail_wall_s > 0 else '')
    stopped = '' if not result.interrupted else ' (stopped)' if options.loop else \
        ' (interrupted before the end of the bag)'
    print(f'played {stats.bag_time_s:.3f} s of bag time in {stats.messages_wall_s:.3f} s '
          f'({stats.real_time_factor:.2f}x real time, {stats.loops} pass(es)){tail}{stopped}')
    if options.as_fast_as_possible and not result.consumers:
        print('note: no node acknowledges its inputs (savvy_ros.replay.acknowledgement), so nothing paced this '
              'replay; subscribers with short queues may have missed messages')
    for topic, nodes in sorted(result.consumers.items()):
        print(f'{topic}: paced by {", ".join(sorted(nodes))}')
    if result.flow.ack_timeouts or result.flow.delivery_timeouts or result.unmatched:
        print(f'flow control: unacknowledged {result.flow.ack_timeouts}, delivery timeouts '
              f'{result.flow.delivery_timeouts}, consumers never matched {result.unmatched}')
    return 0
