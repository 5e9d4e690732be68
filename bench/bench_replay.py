#!/usr/bin/env python3
"""Bag I/O throughput and replay speed of the flow-controlled player.

1. Bag I/O: writes and reads back a seeded scene with the default scene's streams (7-channel
   48 kHz audio in 0.1 s chunks, 640 x 480 RGB at 10 fps, /tf at 50 Hz) in MCAP and sqlite3:
   wall time and x real time.
2. Replay over Fast DDS (localhost, own domain) into an acknowledging consumer in a separate
   process (every topic, depth 10): at 1x and as fast as possible (flow controlled). Reports the
   real-time factor of each and whether the consumer received identical message sequences; once
   more with Fast DDS's stock transports instead of config/fastdds_profile.xml (the ratio).
Targets (issue 8): as fast as possible >= 5x real time, answers (here: inputs) identical to 1x.

Run: .venv/bin/python bench/bench_replay.py [--seconds 20] [--seed 0] [--domain 78] [--bag BAG]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

AUDIO_RATE, CHANNELS, CHUNK_S = 48_000, 7, 0.1
FPS, WIDTH, HEIGHT, TF_HZ = 10.0, 640, 480, 50.0
T0 = 1_000_000_000


def write_scene(path: Path, seconds: float, seed: int, storage: str) -> int:
    from savvy_ros.bags import BagWriter
    from savvy_ros.bags.message_builders import MessageBuilder

    rng = np.random.default_rng(seed)
    build = MessageBuilder()
    frame = rng.integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    events = []
    for k in range(int(seconds / CHUNK_S)):
        events.append((T0 + round(k * CHUNK_S * 1e9), 'audio', k))
    for k in range(int(seconds * FPS)):
        events.append((T0 + round(k / FPS * 1e9), 'image', k))
    for k in range(int(seconds * TF_HZ)):
        events.append((T0 + round(k / TF_HZ * 1e9), 'tf', k))
    events.sort()
    with BagWriter(path, storage) as writer:  # type: ignore[arg-type]
        writer.add_topic('/mic_array/audio', 'savvy_ros/msg/AudioChunk')
        writer.add_topic('/camera/image_raw', 'sensor_msgs/msg/Image')
        writer.add_topic('/tf', 'tf2_msgs/msg/TFMessage')
        for stamp, kind, k in events:
            if kind == 'audio':
                samples = rng.normal(0.0, 0.05, int(AUDIO_RATE * CHUNK_S) * CHANNELS).astype(np.float32)
                writer.write('/mic_array/audio', stamp, build.make(
                    'savvy_ros/msg/AudioChunk', header=build.header(stamp, 'mic_array'), sample_rate=AUDIO_RATE,
                    channels=CHANNELS, sequence=k, overruns=0, data=samples))
            elif kind == 'image':
                image = np.roll(frame, k, axis=1)
                writer.write('/camera/image_raw', stamp, build.make(
                    'sensor_msgs/msg/Image', header=build.header(stamp, 'camera_optical'), height=HEIGHT, width=WIDTH,
                    encoding='rgb8', is_bigendian=0, step=WIDTH * 3, data=image.reshape(-1)))
            else:
                writer.write('/tf', stamp, build.tf_message([build.transform(
                    stamp, 'map', 'head', (0.01 * k, 0.0, 1.6), (0.0, 0.0, 0.0, 1.0))]))
    return len(events)


def read_all(path: Path) -> int:
    from savvy_ros.bags import BagReader
    with BagReader(path) as reader:
        return sum(1 for _ in reader.messages())


def digest(message) -> str:
    data = getattr(message, 'data', None)
    if data is not None and not isinstance(data, str):  # arrays: their bytes (repr of 1 M numbers is slow)
        return hashlib.sha256(repr(message.header).encode() + bytes(memoryview(data))).hexdigest()[:16]
    return hashlib.sha256(repr(message).encode()).hexdigest()[:16]


def consumer(topics: list[str]) -> None:
    """A separate process: acknowledges and digests every message it gets; prints them at SIGINT."""
    import rclpy
    from rclpy.node import Node

    from savvy_ros.replay.acknowledgement import create_acked_subscription
    from savvy_ros.ros.message_types import message_class
    from savvy_ros.ros.node_main import spin_until_shutdown

    rclpy.init()
    node = Node('bench_replay_consumer')
    for item in topics:
        topic, type_name = item.split('=')
        create_acked_subscription(node, message_class(type_name), topic,
                                  lambda m, t=topic: print(f'RECV {t} {digest(m)}', flush=True), 10)
    print('READY', flush=True)
    spin_until_shutdown(node)


def replay(bag: Path, rate: float, topics: list[str], env: dict) -> tuple[float, float, list[str]]:
    import signal
    import threading

    proc = subprocess.Popen([sys.executable, __file__, '--consumer', *topics], env=env, stdout=subprocess.PIPE,
                            text=True)
    while 'READY' not in (proc.stdout.readline() or 'READY'):
        pass
    # Drain the consumer's output while playing: a full pipe would block its prints, then its acks.
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    done = subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', 'play', str(bag), '--rate', str(rate),
                           '--discovery', '0.5', '--wait-for', '/bench_replay_consumer'], env=env,
                          capture_output=True, text=True)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    reader.join(timeout=10)
    if done.returncode != 0:
        raise SystemExit(f'play failed: {done.stderr}')
    line = next(l for l in done.stdout.splitlines() if l.startswith('played'))
    bag_s, wall_s = float(line.split()[1]), float(line.split()[7])
    return bag_s, wall_s, [l.rstrip('\n') for l in lines if l.startswith('RECV ')]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seconds', type=float, default=20.0, help='scene length [s] (default 20)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--domain', type=int, default=78, help='ROS_DOMAIN_ID for the replay part')
    parser.add_argument('--bag', type=Path, help='replay this bag instead of the generated scene')
    parser.add_argument('--consumer', nargs='*', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.consumer is not None:
        consumer(args.consumer)
        return 0
    work = Path(tempfile.mkdtemp(prefix='bench_replay_'))
    try:
        print(f'bag I/O, {args.seconds:.0f} s scene (audio 7 ch 48 kHz / 0.1 s, RGB {WIDTH}x{HEIGHT} @ {FPS:.0f} Hz, '
              f'/tf @ {TF_HZ:.0f} Hz)')
        print(f'{"storage":<8} {"messages":>8} {"MB":>7} {"write s":>8} {"x rt":>7} {"read s":>8} {"x rt":>7}')
        for storage in ('mcap', 'sqlite3'):
            path = work / storage
            start = time.perf_counter()
            count = write_scene(path, args.seconds, args.seed, storage)
            write_s = time.perf_counter() - start
            size = sum(f.stat().st_size for f in path.iterdir()) / 1e6
            start = time.perf_counter()
            assert read_all(path) == count
            read_s = time.perf_counter() - start
            print(f'{storage:<8} {count:>8} {size:>7.1f} {write_s:>8.2f} {args.seconds / write_s:>7.1f} '
                  f'{read_s:>8.2f} {args.seconds / read_s:>7.1f}')
        bag = args.bag or work / 'mcap'
        from savvy_ros.bags import BagReader
        with BagReader(bag) as reader:
            topics = [f'{t}={s.msgtype}' for t, s in reader.topics().items()]
        env = dict(os.environ, ROS_DOMAIN_ID=str(args.domain), ROS_AUTOMATIC_DISCOVERY_RANGE='LOCALHOST')
        print(f'\nreplay of {bag.name} into an acknowledging consumer (separate process, Fast DDS)')
        # The player runs through the CLI, which uses config/fastdds_profile.xml unless the user set up
        # Fast DDS; the last row turns that off to show what the profile's shared memory is worth.
        stock = dict(env, SAVVY_ROS_DDS_PROFILE='off')
        print(f'{"mode":<40} {"bag s":>7} {"wall s":>7} {"x rt":>7} {"messages":>9}')
        runs, speeds = {}, {}
        for name, rate, run_env in (('1x', 1.0, env), ('as fast as possible', 0.0, env),
                                    ('as fast as possible, stock Fast DDS', 0.0, stock)):
            bag_s, wall_s, received = replay(bag, rate, topics, run_env)
            runs[name], speeds[name] = received, bag_s / wall_s
            print(f'{name:<40} {bag_s:>7.2f} {wall_s:>7.2f} {bag_s / wall_s:>7.2f} {len(received):>9}')
        same = runs['1x'] == runs['as fast as possible'] == runs['as fast as possible, stock Fast DDS']
        fast = runs['as fast as possible']
        print(f'\nidentical message sequences at 1x and as fast as possible: {same} ({len(fast)} messages)')
        print(f'savvy_ros Fast DDS profile vs stock: '
              f'{speeds["as fast as possible"] / speeds["as fast as possible, stock Fast DDS"]:.2f}x faster replay')
        print('target: as fast as possible >= 5x real time, identical sequences')
        return 0 if same else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
