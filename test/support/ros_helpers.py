"""Helpers the DDS tests share: peer processes and spinning until a condition holds."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

SUPPORT = Path(__file__).resolve().parent


def stock_dds_env() -> dict[str, str]:
    """The session's environment with Fast DDS's stock transports (512 KiB shared-memory segment):
    for a peer a test SIGKILLs, whose segment nothing removes afterwards."""
    env = {k: v for k, v in os.environ.items() if k != 'FASTDDS_DEFAULT_PROFILES_FILE'}
    env['SAVVY_ROS_DDS_PROFILE'] = 'off'
    return env


def start_peer(script: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start test/support/<script> in its own process (inherits the session's DDS domain)."""
    env = dict(os.environ if env is None else env, PYTHONUNBUFFERED='1')
    return subprocess.Popen([sys.executable, str(SUPPORT / script), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def start_module(module: str, *args: str) -> subprocess.Popen:
    """Run `python -m module args...` (a node or CLI of the package) as a peer process."""
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    return subprocess.Popen([sys.executable, '-m', module, *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for_line(process: subprocess.Popen, text: str, timeout: float = 30.0) -> str:
    """Read the peer's output until a line containing `text`; fail with its output otherwise."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen.append(line)
        if text in line:
            return line
    raise AssertionError(f'peer never printed {text!r}; output:\n' + ''.join(seen))


def stop_peer(process: subprocess.Popen, timeout: float = 10.0) -> str:
    if process.poll() is None:
        process.terminate()
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out or ''


def spin_until(executor, condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        executor.spin_once(timeout_sec=0.05)
    return condition()


@contextmanager
def spinning_in_background(executor, period: float = 0.02) -> Iterator[None]:
    """The executor spun on a thread of its own for the `with` block: the test's thread can then
    block (a synchronous service call, a bag played in the foreground) while callbacks run."""
    done = threading.Event()

    def spin() -> None:
        while not done.is_set():
            executor.spin_once(timeout_sec=period)

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        yield
    finally:
        done.set()
        spinner.join()
