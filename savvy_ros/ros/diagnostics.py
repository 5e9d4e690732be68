"""One way to build a diagnostic_msgs/DiagnosticStatus (and a node's one-status array) for every savvy_ros node."""
from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

from savvy_ros.ros.time_conversion import clock_seconds, seconds_to_stamp


def diagnostic_status(name: str, level: int, message: str, values: dict[str, str]) -> DiagnosticStatus:
    """`level`: DiagnosticStatus.OK / WARN / ERROR / STALE as an int."""
    return DiagnosticStatus(level=bytes([int(level)]), name=name, message=message, hardware_id='savvy_ros',
                            values=[KeyValue(key=k, value=v) for k, v in values.items()])


def node_status(node, what: str, level: int, message: str, values: dict[str, str]) -> DiagnosticArray:
    """A DiagnosticArray stamped with the node's clock, holding its one status "<node name>: <what>"."""
    msg = DiagnosticArray()
    msg.header.stamp = seconds_to_stamp(clock_seconds(node))
    msg.status = [diagnostic_status(f'{node.get_name()}: {what}', level, message, values)]
    return msg
