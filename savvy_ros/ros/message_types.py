"""Resolve message classes from their ROS type names ("pkg/msg/Type")."""
from __future__ import annotations

import importlib
from typing import Any


class UnknownMessageTypeError(LookupError):
    pass


def message_class(type_name: str) -> type[Any]:
    """Import the Python class of `type_name`, given as "pkg/msg/Type" or "pkg/Type"."""
    parts = type_name.strip().split('/')
    if len(parts) == 2:
        parts = [parts[0], 'msg', parts[1]]
    if len(parts) != 3 or not all(parts) or parts[1] not in ('msg', 'srv'):
        raise UnknownMessageTypeError(f'not a ROS interface type name: {type_name!r} (want "pkg/msg/Type")')
    package, kind, name = parts
    try:
        module = importlib.import_module(f'{package}.{kind}')
    except ImportError as exc:
        raise UnknownMessageTypeError(f'interface package {package!r} is not importable: {exc}') from exc
    try:
        return getattr(module, name)
    except AttributeError:
        raise UnknownMessageTypeError(f'{package}/{kind} has no type {name!r}') from None
