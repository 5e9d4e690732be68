"""How many threads a node's numeric libraries use: BLAS and OpenMP (threadpoolctl), and OpenCV
where the process has loaded it.

The graph's nodes share a small machine's cores. Left at their defaults these pools take every
core and spin while idle: on 2 cores the hearing node burnt 1.1 CPU s per second of audio in
OpenBLAS threads for 0.2 s of work, and the detector 1.5 s for 0.7 s (`savvy-ros demo` prints
each node's CPU per bag second). The vision and hearing nodes take a `num_threads` parameter;
`run_node` applies it when the node runs alone in its process (not under `savvy-ros bringup`,
where several nodes share one process).
"""
from __future__ import annotations

import sys

from threadpoolctl import threadpool_limits


def thread_count(threads: int, name: str = 'threads') -> int:
    """`threads` if it is a thread count for limit_cpu_threads (>= 0), else ValueError naming `name`."""
    if threads < 0:
        raise ValueError(f"{name} must be >= 0 (0 = the libraries' default), got {threads}")
    return threads


def limit_cpu_threads(threads: int) -> None:
    """At most `threads` threads in this process's BLAS, OpenMP and (if loaded) OpenCV pools;
    0 leaves the libraries' defaults (every core)."""
    if thread_count(threads) == 0:
        return
    threadpool_limits(limits=threads)      # process-wide until changed again
    cv2 = sys.modules.get('cv2')
    if cv2 is not None:                    # not imported here: nodes without OpenCV stay without it
        cv2.setNumThreads(threads)
