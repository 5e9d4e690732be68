"""One way to build a diagnostic_msgs/DiagnosticStatus for every savvy_ros node."""
from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticStatus, KeyValue


def diagnostic_status(name: str, level: int, message: str, values: dict[str, str]) -> DiagnosticStatus:
    """`level`: DiagnosticStatus.OK / WARN / ERROR / STALE as an int."""
    return DiagnosticStatus(level=bytes([int(level)]), name=name, message=message, hardware_id='savvy_ros',
                            values=[KeyValue(key=k, value=v) for k, v in values.items()])
