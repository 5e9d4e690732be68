"""Read scalar initializers (quantisation scales and zero points) from an ONNX file.

The `onnx` package is not a dependency here and onnxruntime does not expose initializers, so this
reads the few fields it needs straight from the protobuf wire format:
ModelProto.graph (7) -> GraphProto.initializer (5) -> TensorProto {data_type (2), name (8),
raw_data (9), float_data (4), int32_data (5)}.
"""
from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

from savvy_ros.hearing.errors import ModelFileError

_MODEL_GRAPH, _GRAPH_INITIALIZER = 7, 5
_TENSOR_DATA_TYPE, _TENSOR_FLOAT_DATA, _TENSOR_INT32_DATA, _TENSOR_NAME, _TENSOR_RAW_DATA = 2, 4, 5, 8, 9
# TensorProto.DataType -> struct format of one element in raw_data
_RAW_FORMATS = {1: '<f', 2: '<B', 3: '<b', 4: '<H', 5: '<h', 6: '<i', 7: '<q', 11: '<d'}


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError('truncated varint')
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def _fields(buf: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """(field number, wire type, value) of one protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        elif wire == 2:
            length, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        else:
            raise ValueError(f'unsupported protobuf wire type {wire}')
        yield number, wire, value


def _scalar(tensor: bytes) -> tuple[str, float | None]:
    name, data_type, raw, packed_float, packed_int = '', 0, b'', b'', b''
    for number, wire, value in _fields(tensor):
        if number == _TENSOR_NAME:
            name = value.decode()
        elif number == _TENSOR_DATA_TYPE:
            data_type = value
        elif number == _TENSOR_RAW_DATA:
            raw = value
        elif number == _TENSOR_FLOAT_DATA:
            packed_float += value
        elif number == _TENSOR_INT32_DATA:
            packed_int += value if wire == 2 else _varint_bytes(value)
    fmt = _RAW_FORMATS.get(data_type)
    if raw and fmt and len(raw) == struct.calcsize(fmt):
        return name, float(struct.unpack(fmt, raw)[0])
    if len(packed_float) == 4:
        return name, float(struct.unpack('<f', packed_float)[0])
    if packed_int:
        return name, float(_varint(packed_int, 0)[0])
    return name, None


def _varint_bytes(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def read_scalar_initializers(path: Path, names: set[str]) -> dict[str, float]:
    """Values of the scalar initializers called `names` (absent names are left out)."""
    try:
        model = Path(path).read_bytes()
        graphs = [value for number, wire, value in _fields(model) if number == _MODEL_GRAPH and wire == 2]
        found: dict[str, float] = {}
        for graph in graphs:
            for number, wire, value in _fields(graph):
                if number == _GRAPH_INITIALIZER and wire == 2:
                    name, scalar = _scalar(value)
                    if name in names and scalar is not None:
                        found[name] = scalar
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(path, f'cannot read its initializers: {exc}') from exc
    return found
