"""stop_nodes: every node gets SIGTERM; one that ignores it has its threads' stacks dumped (SIGUSR1,
as run_node registers it), is killed, and its log says so."""
from __future__ import annotations

import subprocess
import sys
import time

from savvy_ros.evaluation import graph_run


def _start(tmp_path, name: str, code: str) -> subprocess.Popen:
    log = open(tmp_path / f'{name}.log', 'w')  # noqa: SIM115 - closed by stop_nodes
    process = subprocess.Popen([sys.executable, '-c', code], stdout=log, stderr=subprocess.STDOUT, text=True)
    process.log_file = log  # type: ignore[attr-defined]
    return process


def test_a_node_that_ignores_sigterm_is_killed_and_its_log_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(graph_run, 'STOP_TIMEOUT', 0.5)
    ready = ('import faulthandler, signal, time; faulthandler.register(signal.SIGUSR1, all_threads=True); '
             'signal.signal(signal.SIGTERM, signal.SIG_IGN); print("up", flush=True); ')
    stubborn = _start(tmp_path, 'stubborn', ready + 'time.sleep(60)')
    polite = _start(tmp_path, 'polite', 'import time; print("up", flush=True); time.sleep(60)')
    deadline = time.monotonic() + 30.0
    for name in ('stubborn', 'polite'):   # both must have installed their handlers before the SIGTERM
        while 'up' not in (tmp_path / f'{name}.log').read_text() and time.monotonic() < deadline:
            time.sleep(0.01)
    logs = graph_run.stop_nodes({'stubborn': stubborn, 'polite': polite}, tmp_path)
    assert stubborn.returncode == -9 and polite.returncode == -15
    assert 'stubborn did not exit within 0.5 s of SIGTERM: killed' in logs['stubborn']
    assert 'Current thread' in logs['stubborn']   # where it hung, from faulthandler
    assert 'killed' not in logs['polite']
