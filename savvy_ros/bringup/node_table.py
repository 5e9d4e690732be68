"""The node set of savvy_ros: one table read by setup.py, CMakeLists.txt, bringup and the tests."""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from pathlib import Path

from savvy_ros.resources import config_file

_LINE = re.compile(r'^(?P<executable>[A-Za-z0-9_]+)\s*=\s*(?P<module>[A-Za-z0-9_.]+):(?P<function>[A-Za-z0-9_]+)\s*$')


@dataclass(frozen=True)
class NodeEntry:
    executable: str     # `ros2 run savvy_ros <executable>`
    module: str         # module holding NODE_CLASS and main()
    function: str       # entry function, normally "main"

    def node_class(self) -> type:
        return importlib.import_module(self.module).NODE_CLASS


def read_executables(path: Path | None = None) -> list[NodeEntry]:
    path = path or config_file('executables.txt')
    entries = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        match = _LINE.match(line)
        if not match:
            raise ValueError(f'{path}:{number}: expected "name = module:function", got {line!r}')
        entries.append(NodeEntry(**match.groupdict()))
    return entries
