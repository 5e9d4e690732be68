"""The player's ROS side: one publisher per bag topic (CDR bytes as recorded), /clock, flow control."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from rclpy.context import Context
from rclpy.duration import Duration
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.publisher import Publisher
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from rosgraph_msgs.msg import Clock
from std_msgs.msg import Header

from savvy_ros.bags.bag_reader import TopicSummary
from savvy_ros.replay.acknowledgement import ACK_QOS, CONSUMERS_QOS
from savvy_ros.replay.flow_control import ACK_TOPIC, CONSUMERS_TOPIC, AckTracker
from savvy_ros.ros.executors import PLAYER_EXECUTOR, create_executor
from savvy_ros.ros.message_types import UnknownMessageTypeError, message_class
from savvy_ros.ros.time_conversion import NANOS_PER_SECOND

# Reliable everywhere: a replay that may drop is not a replay. KEEP_ALL keeps every message
# until it is acknowledged when the player outpaces a reader; latched topics keep their
# recorded transient-local durability.
_STREAM_QOS = QoSProfile(history=HistoryPolicy.KEEP_ALL, reliability=ReliabilityPolicy.RELIABLE)
_LATCHED_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=100, reliability=ReliabilityPolicy.RELIABLE,
                          durability=DurabilityPolicy.TRANSIENT_LOCAL)


@dataclass
class FlowStats:
    ack_timeouts: dict[str, int] = field(default_factory=dict)    # consumer node -> messages it never acked
    delivery_timeouts: int = 0
    consumers_gone: set[str] = field(default_factory=set)


class RosPlayback(Node):
    """The `savvy_player` node. Publishing happens on the caller's thread; acks arrive on a spinner thread."""

    def __init__(self, topics: dict[str, TopicSummary], ack_timeout_s: float = 5.0, clock: bool = True,
                 node_name: str = 'savvy_player', context: Context | None = None, in_flight: int = 1,
                 executor: str = PLAYER_EXECUTOR) -> None:
        # The player is the clock: on wall time whatever the context's arguments say, so that it never
        # takes back every /clock it publishes (one callback each on the thread that takes the acks).
        super().__init__(node_name, context=context, parameter_overrides=[Parameter('use_sim_time', value=False)])
        self._stopping = False
        self.ack_timeout_s = ack_timeout_s
        self.tracker = AckTracker(depth=in_flight)
        self.flow = FlowStats()
        self.skipped: dict[str, str] = {}                 # topic -> why it cannot be published
        self._seen_changes, self._seen_busy = 0, set()    # the tracker's change count and full nodes at busy()
        self.publishers_by_topic: dict[str, Publisher] = {}
        for topic, summary in sorted(topics.items()):
            try:
                msg_type = message_class(summary.msgtype)
            except UnknownMessageTypeError as exc:
                self.skipped[topic] = str(exc)
                self.get_logger().warning(f'not replaying {topic}: {exc}')
                continue
            self.publishers_by_topic[topic] = self.create_publisher(
                msg_type, topic, _LATCHED_QOS if summary.latched else _STREAM_QOS)
        self.clock_publisher = self.create_publisher(Clock, '/clock', _STREAM_QOS) if clock else None
        self.create_subscription(Header, CONSUMERS_TOPIC, self._on_declaration, CONSUMERS_QOS)
        self.create_subscription(Header, ACK_TOPIC, self._on_ack, ACK_QOS)
        self._executor = create_executor(self.context, executor)
        self._executor.add_node(self)
        self._spinner = threading.Thread(target=self._spin, name='savvy_player_acks', daemon=True)
        self._spinner.start()

    def _on_declaration(self, message: Header) -> None:
        self.tracker.declare(message.frame_id)
        self._warn_malformed(message)

    def _on_ack(self, message: Header) -> None:
        self.tracker.acknowledge(message.frame_id)
        self._warn_malformed(message)

    def _warn_malformed(self, message: Header) -> None:
        if self.tracker.malformed:  # counted by the tracker; said once
            self.get_logger().warning(f'ignoring replay acknowledgements not of the form "<node>|<topic>", '
                                      f'e.g. {message.frame_id!r}', once=True)

    def _spin(self) -> None:
        try:
            while self.context.ok() and not self._stopping:
                self._executor.spin_once(timeout_sec=0.05)
        except ExternalShutdownException:
            pass  # Ctrl-C / SIGTERM: the player's loop sees ok() turn false and ends

    def stop(self) -> None:
        self._stopping = True
        self._spinner.join(timeout=2.0)
        self._executor.remove_node(self)
        # An EventsExecutor holds its own thread resources and signal handling: a process that replays
        # many bags (savvy-ros eval --bench) must not keep one per replay.
        self._executor.shutdown(timeout_sec=2.0)

    # -- PlaybackSink -------------------------------------------------------------------

    def ok(self) -> bool:
        return self.context.ok()

    def publish_clock(self, stamp_ns: int) -> None:
        if self.clock_publisher is not None:
            message = Clock()
            message.clock.sec, message.clock.nanosec = divmod(stamp_ns, NANOS_PER_SECOND)
            self._publish(self.clock_publisher, message)

    def publish(self, topic: str, data: bytes) -> bool:
        publisher = self.publishers_by_topic.get(topic)
        if publisher is None:
            return False
        self.tracker.expect(topic)
        return self._publish(publisher, data)

    def _publish(self, publisher: Publisher, message: object) -> bool:
        """Publish unless rclpy is shutting down (Ctrl-C, SIGTERM), which ends the replay quietly."""
        if not self.context.ok():
            return False
        try:
            publisher.publish(message)
        except Exception:  # rclpy raises RCLError once the context is invalid; anything else is a bug
            if self.context.ok():
                raise
            return False
        return True

    def ready(self, topic: str) -> None:
        """Every consumer of `topic` has acknowledged the last message it was sent (or timed out, or left).

        DDS delivery acknowledgements (wait_for_all_acked) are not waited for per message: Fast DDS
        sends them on its heartbeat period (seconds), which would cap replay at a few messages a second;
        a consumer's acknowledgement comes after processing, which implies delivery.
        """
        if topic in self.publishers_by_topic:
            self._wait(self.tracker.consumers(topic))

    def drain(self) -> None:
        """Every consumer has acknowledged everything it was sent."""
        self._wait(None)

    def consumers(self, topic: str) -> set[str]:
        return self.tracker.consumers(topic) if topic in self.publishers_by_topic else set()

    def busy(self) -> set[str]:
        self._seen_changes, self._seen_busy = self.tracker.state()
        return set(self._seen_busy)

    def wait_for_progress(self) -> None:
        """Until a consumer busy at the last busy() call is free (or timed out, or left the graph)."""
        if not self.tracker.wait_for_change(self._seen_changes, self.ack_timeout_s):
            self._wait(self._seen_busy, 0.0)   # the timeout has passed: the late consumers are counted and let go

    def _wait(self, nodes: set[str] | None, timeout_s: float | None = None) -> None:
        busy = self.tracker.busy()
        missing = self.tracker.wait(nodes, self.ack_timeout_s if timeout_s is None else timeout_s)
        if not missing:
            return
        alive = set(self.get_fully_qualified_node_names())
        gone = missing - alive
        if gone:
            self.flow.consumers_gone |= gone
            self.tracker.forget(gone)
            self.get_logger().warning(f'consumers left the graph, no longer waited for: {sorted(gone)}')
        late = missing & alive
        for node in sorted(late):
            self.flow.ack_timeouts[node] = self.flow.ack_timeouts.get(node, 0) + 1
            self.get_logger().warning(f'{node} did not acknowledge its {busy.get(node, "?")} message within '
                                      f'{self.ack_timeout_s} s; going on', throttle_duration_sec=10.0)
        self.tracker.release(late)

    def flush(self) -> None:
        """At the end: wait until every reader acknowledged the delivery of everything published.

        Topics read only by acknowledging consumers are done already (their acks came after
        processing); DDS delivery acks take a heartbeat period, so they are not awaited for those.
        """
        timeout = Duration(nanoseconds=round(self.ack_timeout_s * NANOS_PER_SECOND))
        for publisher in [*self.publishers_by_topic.values(), self.clock_publisher]:
            if not self.context.ok():
                return
            if publisher is None or self._only_acknowledging_readers(publisher.topic_name):
                continue
            if not publisher.wait_for_all_acked(timeout):
                self.flow.delivery_timeouts += 1
                self.get_logger().warning(f'{publisher.topic_name}: a reader did not acknowledge delivery '
                                          f'within {self.ack_timeout_s} s')

    def _only_acknowledging_readers(self, topic: str) -> bool:
        readers = {_fully_qualified(i.node_namespace, i.node_name) for i in self.get_subscriptions_info_by_topic(topic)}
        return readers <= self.tracker.consumers(topic)

    def wait_for_consumers(self, timeout_s: float, required: set[str] = frozenset()) -> dict[str, set[str]]:
        """Before playing: learn every consumer in the graph and match it on each topic it declared.

        Consumers are the nodes with a publisher on CONSUMERS_TOPIC (plus `required`, fully
        qualified node names the caller knows must take part: discovery alone cannot tell that a
        node exists before it is discovered); their declarations arrive (transient local) some time
        after discovery, then their subscriptions must match ours. Returns what is still missing
        after `timeout_s`: topic (or CONSUMERS_TOPIC) -> nodes.
        """
        deadline = time.monotonic() + timeout_s
        while self.context.ok():
            missing = self._missing_consumers(set(required))
            if not missing or time.monotonic() > deadline:
                return missing
            time.sleep(0.02)
        return {}

    def _missing_consumers(self, required: set[str]) -> dict[str, set[str]]:
        announced = required | {_fully_qualified(info.node_namespace, info.node_name)
                                for info in self.get_publishers_info_by_topic(CONSUMERS_TOPIC)}
        declared = self.tracker.declared_nodes()
        missing: dict[str, set[str]] = {}
        if announced - declared:
            missing[CONSUMERS_TOPIC] = announced - declared
        for topic, publisher in self.publishers_by_topic.items():
            nodes = self.tracker.consumers(topic)
            if nodes and publisher.get_subscription_count() < len(nodes):
                missing[topic] = nodes
        return missing


def _fully_qualified(namespace: str, name: str) -> str:
    return f'{namespace.rstrip("/")}/{name}'
