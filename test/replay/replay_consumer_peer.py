"""A deliberately slow consumer with one-deep queues: prints every message it processes.

Usage: replay_consumer_peer.py DELAY_S TOPIC=pkg/msg/Type ...
Each processed message prints "RECV <topic> <digest>"; /clock values are not acknowledged.
"""
from __future__ import annotations

import hashlib
import sys
import time

import rclpy
from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy

from savvy_ros.replay.acknowledgement import create_acked_subscription
from savvy_ros.ros.message_types import message_class
from savvy_ros.ros.node_main import spin_until_shutdown

ONE_DEEP = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1, reliability=ReliabilityPolicy.RELIABLE)


def digest(message) -> str:
    # repr covers every field (arrays in full); CDR bytes would not do: Fast DDS pads with garbage.
    return hashlib.sha256(repr(message).encode()).hexdigest()[:16]


class SlowConsumer(Node):
    def __init__(self, delay_s: float, inputs: list[tuple[str, str]]) -> None:
        super().__init__('replay_consumer')
        for topic, type_name in inputs:
            create_acked_subscription(self, message_class(type_name), topic, self._handler(topic, delay_s), ONE_DEEP)

    def _handler(self, topic: str, delay_s: float):
        def handle(message) -> None:
            time.sleep(delay_s)  # slower than the player can publish
            print(f'RECV {topic} {digest(message)}', flush=True)
        return handle


def main() -> None:
    rclpy.init()
    delay_s = float(sys.argv[1])
    inputs = [tuple(arg.split('=', 1)) for arg in sys.argv[2:]]
    node = SlowConsumer(delay_s, inputs)  # type: ignore[arg-type]
    print('READY', flush=True)
    spin_until_shutdown(node)


if __name__ == '__main__':
    main()
