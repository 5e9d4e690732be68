"""`savvy-ros play` from the command line: a real run and its user errors."""
from __future__ import annotations

import subprocess
import sys

import pytest
from rosbags.typesys import Stores, get_types_from_msg, get_typestore

from savvy_ros.bags import BagWriter
from savvy_ros.bags.message_builders import MessageBuilder
from savvy_ros.cli.main import main as cli_main

pytestmark = pytest.mark.dds


def savvy_ros(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', *args], capture_output=True, text=True,
                          timeout=120)


def test_play_fast_reports_every_topic_and_skips_types_it_cannot_import(tmp_path):
    store = get_typestore(Stores.ROS2_KILTED)
    store.register(get_types_from_msg('float64 reading  # [m]\n', 'acme_msgs/msg/Gauge'))
    build = MessageBuilder(store)
    with BagWriter(tmp_path / 'bag', storage='sqlite3', typestore=store) as writer:
        writer.add_topic('/tf', 'tf2_msgs/msg/TFMessage')
        writer.add_topic('/gauge', 'acme_msgs/msg/Gauge')
        writer.write('/gauge', 1_600_000_000, build.make('acme_msgs/msg/Gauge', reading=1.0))
        for i in range(20):
            stamp = 1_000_000_000 + i * 50_000_000
            transform = build.transform(stamp, 'map', 'head', (i, 0, 0), (0, 0, 0, 1))
            writer.write('/tf', stamp, build.tf_message([transform]))
    done = savvy_ros('play', str(tmp_path / 'bag'), '--fast', '--discovery', '0.1', '--start', '0.5')
    assert done.returncode == 0, done.stderr
    assert '/gauge: not replayed' in done.stdout and "'acme_msgs' is not importable" in done.stdout
    assert '/tf: 10 messages' in done.stdout and '/gauge: 1 messages' not in done.stdout
    assert 'played 0.450 s of bag time' in done.stdout


def test_user_errors_name_what_is_wrong(tmp_path, capsys):
    assert cli_main(['play', str(tmp_path / 'absent')]) == 2
    assert 'absent' in capsys.readouterr().err
    assert cli_main(['play', str(tmp_path), '--rate', '-2']) == 2
    assert 'rate must be' in capsys.readouterr().err
    assert cli_main(['play', str(tmp_path), '--rate', '0', '--no-flow-control']) == 2
    assert 'flow control' in capsys.readouterr().err
    # Options that cannot both hold are refused, not silently resolved one way.
    assert cli_main(['play', str(tmp_path), '--fast', '--rate', '2']) == 2
    assert 'not both' in capsys.readouterr().err
    assert cli_main(['play', str(tmp_path), '--lookahead', '1']) == 2
    assert 'only as fast as possible' in capsys.readouterr().err
    # An episode folder (bag/, questions.json) is not the bag: the error says where the bag is.
    episode = tmp_path / 'episode'
    (episode / 'bag').mkdir(parents=True)
    assert cli_main(['play', str(episode), '--fast']) == 2
    assert f'its bag is {episode / "bag"}' in capsys.readouterr().err
