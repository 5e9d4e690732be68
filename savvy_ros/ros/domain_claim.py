"""Claim a DDS domain no other savvy_ros process on this machine uses (tests, evaluation runs).

An exclusive lock file per domain id, held for the life of the claiming process: parallel test
sessions and `savvy-ros eval` runs never share a graph, and none of them lands on a live robot's
domain 0. No rclpy here: the claim must happen before rclpy reads ROS_DOMAIN_ID.
"""
from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path
from typing import IO

LOCK_DIR = Path(tempfile.gettempdir()) / 'savvy_ros_domains'
_held: list[IO[str]] = []   # kept open until the process exits: that is the claim


def claim_free_domain_id() -> int:
    """A domain id in 1..100 (valid with the default port mapping) that no other claimant holds."""
    LOCK_DIR.mkdir(exist_ok=True)
    start = os.getpid() % 100
    for offset in range(100):
        domain = 1 + (start + offset) % 100
        handle = open(LOCK_DIR / f'{domain}.lock', 'w')  # noqa: SIM115 - held open on purpose
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        _held.append(handle)
        return domain
    raise RuntimeError(f'no free ROS domain id in 1..100 (locks in {LOCK_DIR})')


def isolate_process_graph() -> int:
    """Claim a domain and keep discovery on this host, for this process and its children."""
    domain = claim_free_domain_id()
    os.environ['ROS_DOMAIN_ID'] = str(domain)
    os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
    os.environ.pop('ROS_LOCALHOST_ONLY', None)   # deprecated twin of the line above
    return domain
