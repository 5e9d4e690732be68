"""CPU time used by other processes (the evaluation graph's nodes), from /proc on Linux."""
from __future__ import annotations

import os
from pathlib import Path

_TICKS_PER_SECOND = os.sysconf('SC_CLK_TCK') if hasattr(os, 'sysconf') else 100


def process_cpu_seconds(pid: int, proc: Path = Path('/proc')) -> float | None:
    """User + system CPU seconds of a live process (its threads included, its children not); None
    where /proc does not have it (not Linux, the process is gone)."""
    try:
        stat = (proc / str(pid) / 'stat').read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after its last ')'.
    fields = stat[stat.rindex(')') + 2:].split()
    utime, stime = int(fields[11]), int(fields[12])   # fields 14 and 15 of proc(5)
    return (utime + stime) / _TICKS_PER_SECOND


def cpu_used(before: dict[str, float | None], after: dict[str, float | None]) -> dict[str, float]:
    """Per name: CPU seconds between two readings (names missing from either are left out)."""
    return {name: after[name] - start for name, start in before.items()
            if start is not None and after.get(name) is not None}
