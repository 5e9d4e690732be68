"""CPU seconds of a process from /proc: what the evaluator reports per node."""
from __future__ import annotations

import os
import sys
import time

import pytest

from savvy_ros.monitoring.process_cpu import cpu_used, process_cpu_seconds

pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'), reason='/proc is Linux only')


def test_a_busy_process_gains_about_the_cpu_time_it_spent():
    before = process_cpu_seconds(os.getpid())
    own_before = time.process_time()
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        sum(range(1000))
    after = process_cpu_seconds(os.getpid())
    spent = time.process_time() - own_before
    assert before is not None and after is not None
    # Clock-tick resolution (10 ms) on both readings.
    assert after - before == pytest.approx(spent, abs=0.05)


def test_a_command_name_with_spaces_and_parentheses_is_skipped(tmp_path):
    (tmp_path / '42').mkdir()
    fields = ['S'] + ['0'] * 10 + ['250', '50'] + ['0'] * 30     # state, ..., utime, stime, ...
    (tmp_path / '42' / 'stat').write_text('42 (my (odd) node) ' + ' '.join(fields))
    assert process_cpu_seconds(42, proc=tmp_path) == pytest.approx(300 / os.sysconf('SC_CLK_TCK'))


def test_gone_processes_read_none_and_are_left_out(tmp_path):
    assert process_cpu_seconds(999999, proc=tmp_path) is None
    assert cpu_used({'a': 1.0, 'b': None, 'c': 2.0}, {'a': 3.5, 'b': 4.0, 'c': None}) == {'a': 2.5}
