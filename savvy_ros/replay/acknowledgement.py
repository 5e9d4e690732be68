"""Consumer side of the replay flow control: subscriptions that acknowledge each processed message.

A node that wants flow-controlled replay to wait for it creates its inputs with
`create_acked_subscription` instead of `node.create_subscription`: after the callback returns
(or raises: a message dropped as bad input is still processed) it publishes an acknowledgement
(see savvy_ros/replay/flow_control.py). Live, nobody listens and it costs one small publish.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.subscription import Subscription
from std_msgs.msg import Header

from savvy_ros.replay.flow_control import ACK_TOPIC, CONSUMERS_TOPIC, ack_key

ACK_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=100, reliability=ReliabilityPolicy.RELIABLE)
# Transient local so that a player started after the consumers still learns of them.
CONSUMERS_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=100, reliability=ReliabilityPolicy.RELIABLE,
                           durability=DurabilityPolicy.TRANSIENT_LOCAL)


class _Acknowledger:
    """One per node: the two publishers every acked subscription of the node shares."""

    def __init__(self, node: Node) -> None:
        self.node_name = node.get_fully_qualified_name()
        self.ack = node.create_publisher(Header, ACK_TOPIC, ACK_QOS)
        self.consumers = node.create_publisher(Header, CONSUMERS_TOPIC, CONSUMERS_QOS)


_ATTRIBUTE = '_savvy_replay_acknowledger'


def _acknowledger(node: Node) -> _Acknowledger:
    """The node's acknowledger, created on first use and kept on the node (no global registry)."""
    acknowledger = getattr(node, _ATTRIBUTE, None)
    if acknowledger is None:
        acknowledger = _Acknowledger(node)
        setattr(node, _ATTRIBUTE, acknowledger)
    return acknowledger


def create_acked_subscription(node: Node, msg_type: type, topic: str, callback: Callable[[Any], None],
                              qos: QoSProfile | int) -> Subscription:
    """node.create_subscription(...) whose every processed message is acknowledged to a replaying player."""
    acknowledger = _acknowledger(node)
    resolved = node.resolve_topic_name(topic)
    key = ack_key(acknowledger.node_name, resolved)

    def acked(message: Any) -> None:
        try:
            callback(message)
        finally:
            header = getattr(message, 'header', None)
            stamp = header.stamp if isinstance(header, Header) else None
            ack = Header(frame_id=key)
            if stamp is not None:
                ack.stamp = stamp
            acknowledger.ack.publish(ack)

    subscription = node.create_subscription(msg_type, topic, acked, qos)
    acknowledger.consumers.publish(Header(frame_id=key))
    return subscription
