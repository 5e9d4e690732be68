"""Fill any generated ROS message with deterministic, non-default values from its introspection."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
_ARRAY = re.compile(r'^(?P<base>.+)\[(?P<size>\d+)\]$')
_BOUNDED = re.compile(r'^(sequence|string)<(?P<base>[^,>]+)(, ?\d+)?>$')
_INTS = {'octet': (0, 255), 'uint8': (0, 255), 'int8': (-128, 127), 'char': (0, 255), 'uint16': (0, 65535),
         'int16': (-32768, 32767), 'uint32': (0, 2**32 - 1), 'int32': (-2**31, 2**31 - 1),
         'uint64': (0, 2**63), 'int64': (-2**62, 2**62)}


def interface_names(kind: str) -> list[str]:
    """Type names of the repository's own msg/ or srv/ files (the interfaces under test)."""
    return sorted(p.stem for p in (REPO / kind).glob(f'*.{kind}'))


def message_class(type_name: str):
    package, name = type_name.split('/')
    return getattr(importlib.import_module(f'{package}.msg'), name)


def _value(type_str: str, rng: np.random.Generator):
    if type_str in _INTS:
        lo, hi = _INTS[type_str]
        return int(rng.integers(lo, hi, endpoint=True))
    if type_str in ('float', 'double'):
        value = float(rng.uniform(-1e3, 1e3))
        return float(np.float32(value)) if type_str == 'float' else value
    if type_str == 'boolean':
        return bool(rng.integers(0, 2))
    if type_str in ('string', 'wstring'):
        return 'sample-' + ''.join(rng.choice(list('abcxyz_ -é'), size=int(rng.integers(1, 12))))
    return fill(message_class(type_str)(), rng)


def _field_value(type_str: str, rng: np.random.Generator):
    match = _ARRAY.match(type_str)
    if match:
        return [_value(match['base'], rng) for _ in range(int(match['size']))]
    match = _BOUNDED.match(type_str)
    if match and type_str.startswith('sequence'):
        return [_value(match['base'], rng) for _ in range(int(rng.integers(1, 4)))]
    if type_str.startswith('string<'):
        return _value('string', rng)
    return _value(type_str, rng)


def fill(msg, rng: np.random.Generator):
    """Set every field of `msg` (recursively) to a random non-default value; returns msg."""
    for name, type_str in msg.get_fields_and_field_types().items():
        value = _field_value(type_str, rng)
        if name == 'nanosec':
            value = int(rng.integers(0, 999_999_999))
        setattr(msg, name, value)
    return msg
