"""SIGINT and SIGTERM as a stop request that a spinning loop sees within its spin timeout.

rclpy's own handler (installed by rclpy.init) shuts the context down and wakes the executors. In CI
a node and `savvy-ros bringup` were seen, by their faulthandler dumps, still idle in
wait_for_ready_callbacks 15-30 s after the signal with the context ok: the wake-up was lost. The
handlers here only set an event; the loops spin with a timeout and check it, so a lost wake-up
costs one timeout, never a hang.
"""
from __future__ import annotations

import signal
import threading

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SPIN_TIMEOUT = 0.1   # [s] longest a loop waits before it looks at the stop request again


def install_stop_handlers(stop: threading.Event) -> bool:
    """SIGINT / SIGTERM set `stop` from now on; False (nothing installed) outside the main thread,
    where Python cannot install signal handlers."""
    if threading.current_thread() is not threading.main_thread():
        return False

    def request_stop(signum, frame) -> None:  # noqa: ARG001 - the signal module's signature
        stop.set()

    for number in STOP_SIGNALS:
        signal.signal(number, request_stop)
    return True
