"""Declare node parameters from one table: name, default, description (shown by `ros2 param describe`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rcl_interfaces.msg import ParameterDescriptor
from rclpy.node import Node


@dataclass(frozen=True)
class ParameterSpec:
    name: str
    default: Any
    description: str
    read_only: bool = False


def declare_parameters(node: Node, specs: list[ParameterSpec]) -> dict[str, Any]:
    """Declare every spec on `node` and return the resulting values (YAML overrides applied)."""
    values: dict[str, Any] = {}
    for spec in specs:
        descriptor = ParameterDescriptor(description=spec.description, read_only=spec.read_only)
        values[spec.name] = node.declare_parameter(spec.name, spec.default, descriptor).value
    return values
