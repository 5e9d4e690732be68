"""A node process's CPU scheduling priority (its niceness), for machines where the graph's nodes
outnumber the cores.

As fast as possible, a replay goes at the pace of its slowest consumer: on the default scene the
vision node (the player's waits, instrumented, were all on it), while the DoA, hearing and map nodes
have slack (the player's look-ahead lets them run up to a second of bag time behind). With both of a
2-core machine's cores busy the scheduler shared them out evenly, so the node that paced the replay
waited behind nodes that could have waited. A higher niceness for those (config/replay.yaml) lets
the pacing node have a core when it needs one. Raising niceness needs no privilege; lowering it does,
so a value below a thread's present niceness leaves that thread as it is.
"""
from __future__ import annotations

import os
from pathlib import Path

MAX_NICENESS = 19   # POSIX: the least favourable priority
TASKS = Path('/proc/self/task')   # Linux: one entry per thread of this process


def check_niceness(value: int, name: str = 'niceness') -> int:
    """`value` if it is a niceness this module can apply (0..19), else ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_NICENESS:
        raise ValueError(f'{name} must be a whole number from 0 (unchanged) to {MAX_NICENESS} '
                         f'(the lowest priority), got {value!r}')
    return value


def raise_niceness(target: int, tasks: Path = TASKS) -> int:
    """Raise this process's niceness to `target`: every thread it has now (Linux keeps a niceness per
    thread; the ones started later take their starter's), or the calling thread where the platform
    lists no threads. Threads already above `target` keep theirs. Returns the calling thread's niceness."""
    check_niceness(target)
    if not hasattr(os, 'setpriority'):
        return 0
    try:
        threads = [int(entry.name) for entry in tasks.iterdir() if entry.name.isdigit()]
    except OSError:   # no /proc: the calling thread (the process, where threads share one priority)
        threads = [0]
    for thread in threads:
        try:
            if os.getpriority(os.PRIO_PROCESS, thread) < target:
                os.setpriority(os.PRIO_PROCESS, thread, target)
        except ProcessLookupError:   # a thread that ended meanwhile
            continue
    return os.getpriority(os.PRIO_PROCESS, 0)
