"""`savvy-ros rig-check`: the node set driven by the simulated live rig passes its own checks."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.dds, pytest.mark.slow]


def test_rig_check_passes_its_checks():
    result = subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', 'rig-check', '--duration', '4'],
                            capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'all checks passed' in result.stdout
    assert 'OK    savvy_monitor: /mic_array/audio' in result.stdout
    assert 'OK    savvy_monitor: /camera/image_raw' in result.stdout


def test_a_warning_in_one_report_only_does_not_fail_the_check():
    from savvy_ros.cli.rig_check_command import persistent_problem
    ok, warn = (0, 'ok'), (1, '2 input(s) dropped in the last 0.8 s')
    assert not persistent_problem([ok])
    assert not persistent_problem([ok, warn])                      # one busy period: printed, passes
    assert persistent_problem([warn, warn]) and persistent_problem([warn])
    assert not persistent_problem([warn, ok])
