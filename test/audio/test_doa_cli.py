"""`savvy-ros doa FILE --array NAME --json`: the issue's JSON schema, REP 103 degrees, clear errors."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import soundfile as sf

from savvy_ros.audio.mic_arrays import load_mic_array
from savvy_ros.audio.room_simulation import RoomScene, noise_burst, simulate_scene
from savvy_ros.cli.errors import EXIT_OK, EXIT_USAGE
from savvy_ros.cli.main import main

RATE = 16000


@pytest.fixture(scope='module')
def recording(tmp_path_factory):
    """0.5 s of sensor noise, then 1 s of a source 45 deg to the right (azimuth -45)."""
    scene = RoomScene((7.0, 6.0, 3.0), 0.3, (3.5, 3.0, 1.5), (math.radians(-45.0),), (2.0,), 20.0)
    signal = np.concatenate([np.zeros(RATE // 2), noise_burst(1.0, RATE, np.random.default_rng(2))])
    path = tmp_path_factory.mktemp('cli') / 'aria.wav'
    sf.write(str(path), simulate_scene(load_mic_array('aria'), scene, [signal], RATE), RATE, subtype='FLOAT')
    return path


def run_json(capsys, *args: str) -> list[dict]:
    assert main(['doa', *args, '--json']) == EXIT_OK
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_one_json_object_per_window_with_the_issue_schema(recording, capsys):
    records = run_json(capsys, str(recording), '--array', 'aria', '--max-sources', '2')
    assert [r['t'] for r in records] == pytest.approx([0.125 + 0.25 * k for k in range(6)])
    assert records[0]['bearings'] == [] and records[1]['bearings'] == []  # the quiet lead-in is gated
    for record in records[2:]:
        assert set(record) == {'t', 'bearings'} and 1 <= len(record['bearings']) <= 2
        first = record['bearings'][0]
        assert set(first) == {'azimuth_deg', 'elevation_deg', 'power', 'confidence', 'range_m', 'source_id'}
        assert abs(first['azimuth_deg'] - (-45.0)) <= 8.0  # REP 103: right of forward is negative
        assert first['range_m'] is None and first['elevation_deg'] == 0.0
    # The one source keeps its id from window to window; a second bearing (a reflection) has another.
    assert {r['bearings'][0]['source_id'] for r in records[2:]} == {1}
    assert all(len({b['source_id'] for b in r['bearings']}) == len(r['bearings']) for r in records)


def test_methods_hop_and_range_options(recording, capsys):
    for method in ('music', 'normmusic'):
        records = run_json(capsys, str(recording), '--array', 'aria', '--method', method, '--window', '0.5',
                           '--hop', '0.25', '--cdr-constant', '4.0', '--channels', 'all')
        assert [r['t'] for r in records] == pytest.approx([0.25 + 0.25 * k for k in range(5)])
        last = records[-1]['bearings'][0]
        assert abs(last['azimuth_deg'] + 45.0) <= 10.0 and 0.0 < last['range_m'] <= 10.0


def test_errors_are_one_line_with_the_cause(recording, tmp_path, capsys):
    assert main(['doa', str(recording), '--array', 'respeaker_4mic']) == EXIT_USAGE
    assert '4 microphones but the audio has 7 channels' in capsys.readouterr().err
    assert main(['doa', str(recording), '--array', 'no_such_array']) == EXIT_USAGE
    assert 'no_such_array' in capsys.readouterr().err
    broken = tmp_path / 'broken.flac'
    broken.write_bytes(b'fLaC' + bytes(100))
    assert main(['doa', str(broken), '--array', 'aria']) == EXIT_USAGE
    assert 'broken.flac' in capsys.readouterr().err
    # libsndfile says only "System error." of a missing file
    assert main(['doa', str(tmp_path / 'absent.flac'), '--array', 'aria']) == EXIT_USAGE
    assert 'absent.flac: no such audio file' in capsys.readouterr().err
    assert main(['doa', str(recording), '--array', 'aria', '--channels', '3,x']) == EXIT_USAGE
    assert "'3,x'" in capsys.readouterr().err
