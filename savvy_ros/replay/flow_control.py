"""The player's flow control, free of rclpy: who must acknowledge a message before the next one.

Protocol (see savvy_ros/replay/acknowledgement.py for the consumer side):
* A consumer node declares each input it acknowledges on CONSUMERS_TOPIC (transient local):
  std_msgs/Header with frame_id = "<node>|<topic>".
* After processing each message of a declared input it publishes on ACK_TOPIC a
  std_msgs/Header with frame_id = "<node>|<topic>" and stamp = the message's header stamp
  (zero for messages without one; informative only).
* In flow-controlled mode the player publishes one message, waits until DDS reports it
  delivered to every matched reader, then until every live consumer that declared the topic
  has acknowledged it, and only then publishes the next one. One message in flight at a time:
  no queue anywhere can overflow, whatever the consumers' queue depths and speeds, so every
  rate gives the same inputs in the same order as 1x.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

ACK_TOPIC = '/savvy/replay/ack'
CONSUMERS_TOPIC = '/savvy/replay/consumers'
_SEPARATOR = '|'


class AckFormatError(ValueError):
    """An acknowledgement's frame_id is not "<node>|<topic>"."""


def ack_key(node: str, topic: str) -> str:
    return f'{node}{_SEPARATOR}{topic}'


def parse_ack_key(key: str) -> tuple[str, str]:
    node, sep, topic = key.partition(_SEPARATOR)
    if not sep or not node or not topic.startswith('/'):
        raise AckFormatError(f'replay acknowledgement {key!r} is not "<node>|</topic>"')
    return node, topic


@dataclass
class AckTracker:
    """Thread-safe: ROS callbacks record declarations and acks, the player's thread waits on them."""

    declared: dict[str, set[str]] = field(default_factory=dict)   # topic -> consumer nodes
    malformed: int = 0
    _pending: set[str] = field(default_factory=set)               # nodes the message in flight waits for
    _condition: threading.Condition = field(default_factory=threading.Condition)

    def declare(self, key: str) -> None:
        try:
            node, topic = parse_ack_key(key)
        except AckFormatError:
            self.malformed += 1
            return
        with self._condition:
            self.declared.setdefault(topic, set()).add(node)

    def consumers(self, topic: str) -> set[str]:
        with self._condition:
            return set(self.declared.get(topic, ()))

    def declared_nodes(self) -> set[str]:
        with self._condition:
            return set().union(*self.declared.values()) if self.declared else set()

    def expect(self, nodes: set[str]) -> None:
        """Before publishing: the message about to go out must be acknowledged by `nodes`."""
        with self._condition:
            self._pending = set(nodes)

    def acknowledge(self, key: str, topic_in_flight: str | None) -> None:
        try:
            node, topic = parse_ack_key(key)
        except AckFormatError:
            self.malformed += 1
            return
        with self._condition:
            if topic == topic_in_flight and node in self._pending:
                self._pending.discard(node)
                self._condition.notify_all()

    def wait(self, timeout_s: float) -> set[str]:
        """Block until every expected node acknowledged or `timeout_s` passed; returns the missing."""
        with self._condition:
            self._condition.wait_for(lambda: not self._pending, timeout=timeout_s)
            return set(self._pending)

    def forget(self, nodes: set[str]) -> None:
        """Drop consumers that left the graph (so a dead node never stalls the replay)."""
        with self._condition:
            for consumers in self.declared.values():
                consumers -= nodes
            self._pending -= nodes
            self._condition.notify_all()
