"""The savvy-ros command line: help on every subcommand, exit codes, clear errors."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from savvy_ros.cli.errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from savvy_ros.cli.main import COMMANDS, build_parser, main


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', *args], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, PYTHONUNBUFFERED='1'))


def test_top_level_help_lists_every_subcommand():
    result = run_cli('--help')
    assert result.returncode == EXIT_OK
    for command in COMMANDS:
        assert command.NAME in result.stdout


@pytest.mark.parametrize('name', [c.NAME for c in COMMANDS])
def test_each_subcommand_has_help(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, '--help'])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f'savvy-ros {name}' in out and 'usage:' in out


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == EXIT_USAGE
    assert 'usage: savvy-ros' in capsys.readouterr().err


def test_unknown_subcommand_is_a_usage_error():
    result = run_cli('no-such-command')
    assert result.returncode == EXIT_USAGE
    assert 'invalid choice' in result.stderr


def test_bringup_list_prints_the_node_table():
    result = run_cli('bringup', '--list')
    assert result.returncode == EXIT_OK
    assert result.stdout.split()[:2] == ['monitor_node', 'savvy_ros.nodes.monitor_node']


def test_bringup_unknown_node_names_it():
    result = run_cli('bringup', '--nodes', 'monitor_node,bogus_node', '--duration', '1')
    assert result.returncode == EXIT_USAGE
    assert 'unknown node(s) bogus_node' in result.stderr and 'Traceback' not in result.stderr


def test_bringup_missing_params_file(tmp_path):
    result = run_cli('bringup', '--params-file', str(tmp_path / 'nope.yaml'), '--duration', '1')
    assert result.returncode == EXIT_USAGE
    assert 'parameter file not found' in result.stderr


def test_bringup_reports_a_parameter_of_the_wrong_type_with_the_fix(tmp_path):
    params = tmp_path / 'params.yaml'
    params.write_text('savvy_monitor:\n  ros__parameters:\n    stale_after: 3\n')
    result = run_cli('bringup', '--params-file', str(params), '--nodes', 'monitor_node', '--duration', '1')
    assert result.returncode == EXIT_USAGE
    assert "parameter 'stale_after'" in result.stderr and 'decimal point' in result.stderr
    assert 'Traceback' not in result.stderr


def test_bringup_runs_for_a_duration_and_exits_cleanly():
    result = run_cli('bringup', '--duration', '1.5')
    assert result.returncode == EXIT_OK, result.stderr
    assert 'running savvy_monitor' in result.stdout


def test_bringup_replay_reads_the_replay_file_after_the_parameter_file():
    result = run_cli('bringup', '--replay', '--nodes', 'monitor_node', '--duration', '1')
    assert result.returncode == EXIT_OK, result.stderr
    assert 'savvy.yaml and ' in result.stdout and 'replay.yaml' in result.stdout


def test_tf_echo_without_transforms_fails_with_the_reason():
    result = run_cli('tf-echo', 'map', 'head', '--wait', '1')
    assert result.returncode == EXIT_FAILURE
    assert 'map <- head' in result.stdout and 'Traceback' not in result.stderr


def test_bad_numbers_are_usage_errors():
    assert run_cli('tf-echo', 'map', 'head', '--wait', '-1').returncode == EXIT_USAGE
    assert run_cli('rig-check', '--duration', '0.5').returncode == EXIT_USAGE
    assert run_cli('demo', '--rate', '-1').returncode == EXIT_USAGE
    assert run_cli('bringup', '--duration', 'abc').returncode == EXIT_USAGE


def test_parser_builds_without_importing_rclpy():
    # --help must stay fast: subcommands import rclpy only when they run.
    code = ('import sys; from savvy_ros.cli.main import build_parser; build_parser(); '
            'sys.exit(1 if "rclpy" in sys.modules else 0)')
    assert subprocess.run([sys.executable, '-c', code]).returncode == 0
    assert build_parser().prog == 'savvy-ros'


def test_node_executable_reports_bad_parameters_without_traceback():
    result = subprocess.run([sys.executable, '-m', 'savvy_ros.nodes.monitor_node', '--ros-args',
                             '-p', 'watched_topics:=[/a, /b]', '-p', 'expected_rates:=[1.0]'],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == EXIT_USAGE
    assert 'expected_rates has 1 entries but watched_topics has 2' in result.stderr
    assert 'Traceback' not in result.stderr
    # A ROS type mismatch (rclpy's ParameterException, not a ValueError) is one line too, with how to write it.
    result = subprocess.run([sys.executable, '-m', 'savvy_ros.nodes.monitor_node', '--ros-args',
                             '-p', 'stale_after:=3'], capture_output=True, text=True, timeout=60)
    assert result.returncode == EXIT_USAGE
    assert "parameter 'stale_after'" in result.stderr and 'decimal point' in result.stderr
    assert 'Traceback' not in result.stderr


def test_ask_answers_from_a_saved_map_without_a_running_graph(tmp_path):
    import json

    from qa_maps import example_view
    from rclpy.serialization import serialize_message

    from savvy_ros.ros.map_messages import map_view_to_global_map

    saved = tmp_path / 'episode_all.cdr'
    saved.write_bytes(serialize_message(map_view_to_global_map(example_view(), revision=1)))
    result = run_cli('ask', 'how far is the kettle from the sofa?', '--map', str(saved), '--json')
    assert result.returncode == EXIT_OK, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer['success'] and answer['value'] == pytest.approx(4.0, abs=1e-6)
    refused = run_cli('ask', 'where is the giraffe?', '--map', str(saved))
    assert refused.returncode == EXIT_FAILURE and 'not answered (unknown_object)' in refused.stdout
    # "-": one question per line of standard input, the map and the model loaded once.
    lines = subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', 'ask', '-', '--map', str(saved), '--json'],
                           input='how far is the kettle from the sofa?\n# skipped\n\nwhere is the dog?\n',
                           capture_output=True, text=True, timeout=60).stdout.strip().splitlines()
    answers = [json.loads(line) for line in lines if line.startswith('{')]
    assert len(answers) == 2 and all(a['success'] for a in answers)
    garbage = tmp_path / 'garbage.cdr'
    garbage.write_bytes(b'\x00\x01 not a map')
    for path, words in ((garbage, 'not a serialized savvy_ros/msg/GlobalMap'), (tmp_path / 'none.cdr', 'no such map')):
        failed = run_cli('ask', 'where is the tv?', '--map', str(path))
        assert failed.returncode != EXIT_OK and words in failed.stderr and 'Traceback' not in failed.stderr


def test_eval_refuses_what_would_fail_later_before_any_run(tmp_path, capsys):
    """A missing parameter file (every node would die parsing it while the run waited 2 minutes for the QA
    service), an unknown modality (found only when the 'all' run started) and a missing bench folder."""
    bag, questions = tmp_path / 'bag', tmp_path / 'questions.json'
    bag.mkdir()
    questions.write_text('[]')
    out = str(tmp_path / 'out')
    assert main(['eval', str(bag), str(questions), '--out', out, '--params-file', str(tmp_path / 'none.yaml')]) \
        == EXIT_USAGE
    assert 'parameter file not found' in capsys.readouterr().err
    assert main(['eval', str(bag), str(questions), '--out', out, '--modalities', 'audio,smell']) == EXIT_USAGE
    assert "unknown modalities ['smell']" in capsys.readouterr().err
    assert main(['eval', '--bench', str(tmp_path / 'nowhere'), '--out', out]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert 'no such bench directory' in err and 'Traceback' not in err
    assert not (tmp_path / 'out').exists()


def test_convert_savvy_on_a_folder_without_release_files_says_so(tmp_path, capsys):
    assert main(['convert-savvy', str(tmp_path), '--out', str(tmp_path / 'bags')]) == EXIT_USAGE
    assert 'no sequences' in capsys.readouterr().err
    assert not (tmp_path / 'bags').exists()


def test_an_evaluation_clears_what_an_earlier_one_left_in_its_folder(tmp_path):
    """`demo --runs chance` after a full demo had left the older run's maps and plot beside the new results
    (and pointed at that map); only the evaluator's own kinds of file go, anything else stays."""
    from savvy_ros.cli.eval_command import clear_previous_outputs

    stale = [tmp_path / 'results.jsonl', tmp_path / 'summary.md', tmp_path / 'maps' / 'episode_all.cdr',
             tmp_path / 'maps' / 'episode_all.json', tmp_path / 'plots' / 'episode.png']
    kept = [tmp_path / 'notes.txt', tmp_path / 'maps' / 'README.md',
            tmp_path / 'logs' / 'episode' / 'all' / 'qa_node.log']
    for path in stale + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('x')
    clear_previous_outputs(tmp_path)
    assert not any(p.exists() for p in stale) and all(p.exists() for p in kept)
