"""`--param NODE:NAME=VALUE` overrides of node parameters (savvy-ros eval / demo, bench scripts): parsed,
then checked against the parameter files before any node starts, because ROS would ignore an override
no node declares (a typo would pass silently) and refuse an integer for a float parameter."""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import yaml

_NODE_PARAM = re.compile(r'([A-Za-z_][A-Za-z0-9_]*):([A-Za-z_][A-Za-z0-9_.]*)=(.*)', re.S)


class NodeParamError(ValueError):
    """An override that is not NODE:NAME=VALUE, or names a node or parameter the files do not declare."""


def parse_node_param(text: str) -> tuple[str, str, str]:
    """'savvy_vision:coco_precision=int8' -> ('savvy_vision', 'coco_precision', 'int8')."""
    match = _NODE_PARAM.fullmatch(text.strip())
    if match is None:
        raise NodeParamError(f'--param {text!r} is not NODE:NAME=VALUE (e.g. savvy_vision:coco_precision=f32)')
    return match.group(1), match.group(2), match.group(3)


def check_node_params(params: list[tuple[str, str, str]],
                      reference_files: list[Path]) -> tuple[tuple[str, str, str], ...]:
    """Each (node, name, value) checked against the parameter files' node sections (`/**` applies to every
    node): an unknown node or parameter is a NodeParamError naming the nearest ones, and an integer written
    for a float parameter gets its decimal point."""
    known: dict[str, dict] = {}
    for path in reference_files:
        data = yaml.safe_load(path.read_text()) or {}
        for node, section in data.items():
            known.setdefault(node, {}).update((section or {}).get('ros__parameters') or {})
    shared = known.pop('/**', {})
    checked = []
    for node, name, value in params:
        if node not in known:
            raise NodeParamError(f'--param {node}:{name}: no node {node!r} in {", ".join(map(str, reference_files))} '
                                 f'(nodes: {", ".join(sorted(known))})')
        declared = {**shared, **known[node]}
        if name not in declared:
            close = difflib.get_close_matches(name, list(declared), n=3)
            hint = f'; did you mean {" or ".join(close)}?' if close else ''
            raise NodeParamError(f'--param {node}:{name}: {node} has no parameter {name!r}{hint}')
        if isinstance(declared[name], float) and re.fullmatch(r'[+-]?\d+', value.strip()):
            value = value.strip() + '.0'
        checked.append((node, name, value))
    return tuple(checked)
