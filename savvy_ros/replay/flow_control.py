"""The player's flow control, free of rclpy: who must acknowledge a message before the next one.

Protocol (see savvy_ros/replay/acknowledgement.py for the consumer side):
* A consumer node declares each input it acknowledges on CONSUMERS_TOPIC (transient local):
  std_msgs/Header with frame_id = "<node>|<topic>".
* After processing each message of a declared input it publishes on ACK_TOPIC a
  std_msgs/Header with frame_id = "<node>|<topic>" and stamp = the message's header stamp
  (zero for messages without one; informative only).
* In flow-controlled mode the player sends a message (and /clock up to its stamp) only when every
  live consumer that declared its topic has acknowledged the last message it was sent: each node
  has at most one message in flight. No queue anywhere can overflow, whatever the consumers' queue
  depths and speeds, and every node takes the same inputs in the same order at every rate as at
  1x. Nodes that share no input work in parallel; /clock never runs further ahead of a busy node
  than the stamp of its next message, so a downstream node that orders its inputs by stamp with a
  delay longer than that (the map node's reorder_delay) sees the same order too.
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
    """Thread-safe: ROS callbacks record declarations and acks, the player's thread waits on them.

    Each consumer node has at most one message in flight: the next message for a node goes out only
    after it acknowledged the last, so every node takes its inputs in bag order and no queue can
    overflow. Nodes that share no topic work at the same time (the camera's frame in the vision
    node while the audio nodes take the next chunk), which is what lets a replay use several cores.
    """

    declared: dict[str, set[str]] = field(default_factory=dict)   # topic -> consumer nodes
    malformed: int = 0
    _in_flight: dict[str, str] = field(default_factory=dict)      # node -> topic of its unacknowledged message
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

    def expect(self, topic: str) -> set[str]:
        """A message on `topic` is going out: each of its consumers owes an acknowledgement. Returns them."""
        with self._condition:
            nodes = set(self.declared.get(topic, ()))
            self._in_flight.update(dict.fromkeys(nodes, topic))
            return nodes

    def acknowledge(self, key: str) -> None:
        try:
            node, topic = parse_ack_key(key)
        except AckFormatError:
            self.malformed += 1
            return
        with self._condition:
            if self._in_flight.get(node) == topic:   # another topic's ack (or a late duplicate) does not count
                del self._in_flight[node]
                self._condition.notify_all()

    def busy(self) -> dict[str, str]:
        """Nodes with a message in flight -> its topic."""
        with self._condition:
            return dict(self._in_flight)

    def wait(self, nodes: set[str] | None, timeout_s: float) -> set[str]:
        """Block until none of `nodes` (None: no node at all) has a message in flight or `timeout_s`
        passed; returns those still busy."""
        def still_busy() -> set[str]:
            return set(self._in_flight) if nodes is None else set(self._in_flight).intersection(nodes)
        with self._condition:
            self._condition.wait_for(lambda: not still_busy(), timeout=timeout_s)
            return still_busy()

    def release(self, nodes: set[str]) -> None:
        """Stop waiting for the messages `nodes` have in flight (they timed out)."""
        with self._condition:
            for node in nodes:
                self._in_flight.pop(node, None)
            self._condition.notify_all()

    def forget(self, nodes: set[str]) -> None:
        """Drop consumers that left the graph (so a dead node never stalls the replay)."""
        with self._condition:
            for consumers in self.declared.values():
                consumers -= nodes
            for node in nodes:
                self._in_flight.pop(node, None)
            self._condition.notify_all()
