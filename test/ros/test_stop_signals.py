"""SIGINT / SIGTERM become a stop request (savvy_ros/ros/stop_signals.py), and a node process stops on them."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from savvy_ros.ros.stop_signals import STOP_SIGNALS, install_stop_handlers


@pytest.fixture
def restore_handlers():
    saved = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


@pytest.mark.parametrize('number', STOP_SIGNALS)
def test_a_stop_signal_sets_the_request(restore_handlers, number):
    stop = threading.Event()
    assert install_stop_handlers(stop)
    os.kill(os.getpid(), number)
    assert stop.wait(1.0)


def test_outside_the_main_thread_nothing_is_installed(restore_handlers):
    installed = []
    worker = threading.Thread(target=lambda: installed.append(install_stop_handlers(threading.Event())))
    worker.start()
    worker.join()
    assert installed == [False]


@pytest.mark.dds
@pytest.mark.parametrize('number', STOP_SIGNALS)
def test_a_node_process_stops_cleanly_on_the_signal(number):
    # The QA node spins two threads; it loads the phrase model first, so wait for its "answering" line.
    process = subprocess.Popen([sys.executable, '-m', 'savvy_ros.nodes.qa_node'], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines = []
    deadline = time.monotonic() + 120.0
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if 'answering on' in line or not line:
            break
    assert 'answering on' in lines[-1], ''.join(lines)
    process.send_signal(number)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    assert process.returncode == 0, ''.join(lines) + output
