"""The player's flow control, free of rclpy: who must acknowledge a message before the next one.

Protocol (see savvy_ros/replay/acknowledgement.py for the consumer side):
* A consumer node declares each input it acknowledges on CONSUMERS_TOPIC (transient local):
  std_msgs/Header with frame_id = "<node>|<topic>".
* After processing each message of a declared input it publishes on ACK_TOPIC a
  std_msgs/Header with frame_id = "<node>|<topic>" and stamp = the message's header stamp
  (zero for messages without one; informative only).
* In flow-controlled mode the player sends a message (and /clock up to its stamp) only when every
  live consumer that declared its topic can take another: each node has at most AckTracker.depth
  messages in flight (one by default: the last must be acknowledged first). No queue anywhere can overflow, whatever the consumers' queue
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

    Each consumer node has at most `depth` messages in flight (1 by default: the next message for a
    node goes out only after it acknowledged the last, so it takes its inputs in bag order; 2 keeps
    the next one waiting in the node's queue while it works, which hides the hand-over latency, for
    nodes whose input queues hold 2: each topic still in bag order, two topics' messages in the order
    the node's executor picks), and no queue can overflow. Nodes that share no topic work at the same
    time (the camera's frame in the vision node while the audio nodes take the next chunk), which is
    what lets a replay use several cores.
    """

    declared: dict[str, set[str]] = field(default_factory=dict)   # topic -> consumer nodes
    malformed: int = 0
    depth: int = 1                                                 # messages a node may have in flight
    _in_flight: dict[str, list[str]] = field(default_factory=dict)  # node -> topics of its unacknowledged messages
    _changes: int = 0                                              # counts acks, releases, departures
    _condition: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        if self.depth < 1:
            raise ValueError(f'messages in flight per consumer must be >= 1, got {self.depth}')

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
            for node in nodes:
                self._in_flight.setdefault(node, []).append(topic)
            return nodes

    def acknowledge(self, key: str) -> None:
        try:
            node, topic = parse_ack_key(key)
        except AckFormatError:
            self.malformed += 1
            return
        with self._condition:
            owed = self._in_flight.get(node)
            # One topic's acks come in the order sent; across topics a node's executor picks its own order.
            if owed and topic in owed:   # a topic with nothing in flight (a late ack) does not count
                owed.remove(topic)
                if not owed:
                    del self._in_flight[node]
                self._changes += 1
                self._condition.notify_all()

    def _full(self) -> set[str]:
        return {node for node, owed in self._in_flight.items() if len(owed) >= self.depth}

    def busy(self) -> dict[str, str]:
        """Nodes with a message in flight -> the topic of the oldest."""
        with self._condition:
            return {node: owed[0] for node, owed in self._in_flight.items()}

    def state(self) -> tuple[int, set[str]]:
        """(a change counter, the nodes that cannot take another message yet), for wait_for_change."""
        with self._condition:
            return self._changes, self._full()

    def wait_for_change(self, since: int, timeout_s: float) -> bool:
        """Block until an acknowledgement (or a release) after the state() that returned `since`; False on timeout."""
        with self._condition:
            return self._condition.wait_for(lambda: self._changes != since, timeout=timeout_s)

    def wait(self, nodes: set[str] | None, timeout_s: float) -> set[str]:
        """Block until each of `nodes` can take another message (None: until no node has anything in
        flight) or `timeout_s` passed; returns the nodes still waited for."""
        def waited_for() -> set[str]:
            return set(self._in_flight) if nodes is None else self._full().intersection(nodes)
        with self._condition:
            self._condition.wait_for(lambda: not waited_for(), timeout=timeout_s)
            return waited_for()

    def release(self, nodes: set[str]) -> None:
        """Stop waiting for the messages `nodes` have in flight (they timed out)."""
        with self._condition:
            for node in nodes:
                self._in_flight.pop(node, None)
            self._changes += 1
            self._condition.notify_all()

    def forget(self, nodes: set[str]) -> None:
        """Drop consumers that left the graph (so a dead node never stalls the replay)."""
        with self._condition:
            for consumers in self.declared.values():
                consumers -= nodes
            for node in nodes:
                self._in_flight.pop(node, None)
            self._changes += 1
            self._condition.notify_all()
