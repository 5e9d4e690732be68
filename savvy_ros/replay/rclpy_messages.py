"""Convert between rosbags message dataclasses and rclpy messages.

Through CDR rather than field by field: both sides serialise the same .msg definitions, and the
rclpy (C) deserialiser fills arrays such as Image.data or AudioChunk.data in one pass.
"""
from __future__ import annotations

from typing import Any

from rclpy.serialization import deserialize_message, serialize_message
from rosbags.typesys.store import Typestore

from savvy_ros.bags.typestore import savvy_typestore
from savvy_ros.ros.message_types import message_class


def to_rclpy(message: Any, typestore: Typestore | None = None) -> Any:
    """The rclpy message equal to a rosbags dataclass message (its type from `__msgtype__`)."""
    store = typestore or savvy_typestore()
    msgtype = message.__msgtype__
    return deserialize_message(bytes(store.serialize_cdr(message, msgtype)), message_class(msgtype))


def from_rclpy(message: Any, msgtype: str, typestore: Typestore | None = None) -> Any:
    """The rosbags dataclass equal to an rclpy message of type `msgtype` ("pkg/msg/Type")."""
    store = typestore or savvy_typestore()
    return store.deserialize_cdr(serialize_message(message), msgtype)
