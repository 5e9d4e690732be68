"""The capture node's start-up: no device -> a clear message and a clean exit; bad settings -> one line."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from savvy_ros.audio.capture import list_input_devices


def run_capture_node(*params: str) -> subprocess.CompletedProcess:
    args = [arg for p in params for arg in ('-p', p)]
    return subprocess.run([sys.executable, '-m', 'savvy_ros.nodes.audio_capture_node', '--ros-args', *args],
                          capture_output=True, text=True, timeout=60, env=dict(os.environ, PYTHONUNBUFFERED='1'))


def test_without_an_input_device_the_node_says_so_and_exits_cleanly():
    if list_input_devices():
        pytest.skip('this machine has an audio input device')
    result = run_capture_node('device:=default')
    assert result.returncode == 0
    assert "no audio input device found" in result.stderr and "'file'" in result.stderr
    assert 'Traceback' not in result.stderr


def test_configuration_errors_are_one_line(tmp_path):
    result = run_capture_node('channels:=4', 'mic_array:=aria')
    assert result.returncode == 2 and '7 microphones but the audio has 4 channels' in result.stderr
    missing = run_capture_node(f'file:={tmp_path / "missing.flac"}')
    assert missing.returncode == 2 and 'missing.flac' in missing.stderr and 'Traceback' not in missing.stderr
