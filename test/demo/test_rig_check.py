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
