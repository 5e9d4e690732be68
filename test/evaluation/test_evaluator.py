"""The evaluator: baselines, the ground-truth-map oracle, the report, and a whole `savvy-ros eval` run."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from savvy_ros.evaluation.evaluator import Episode, oracle_run
from savvy_ros.evaluation.oracle_map import GroundTruthError, load_ground_truth, oracle_map_view
from savvy_ros.evaluation.report import chance_scores, score_answers, summary_table, write_results, write_summary
from savvy_ros.synth.episode import generate_episode
from savvy_ros.synth.scene import load_scene

TINY_SCENE = Path(__file__).resolve().parents[1] / 'synth' / 'scenes' / 'tiny.yaml'


@pytest.fixture(scope='module')
def episode(tmp_path_factory) -> Episode:
    directory = tmp_path_factory.mktemp('eval_episode')
    generate_episode(load_scene(TINY_SCENE), directory, seed=11, quick=True)
    return Episode.from_dir(directory)


@pytest.fixture(scope='module')
def questions(episode):
    return json.loads(episode.questions_file.read_text())


def test_oracle_map_holds_the_true_geometry_on_the_bag_clock(episode):
    gt = load_ground_truth(episode.ground_truth_file)
    view = oracle_map_view(gt)
    anna = view.objects_matching('person')[0]
    assert anna.position[:2].tolist() == pytest.approx([4.2, 2.8])
    assert view.body_times[0] == pytest.approx(gt['epoch_s'])
    assert {e.kind for e in view.events} == {'speech', 'sound'}
    assert all(e.object_id for e in view.events)


def test_oracle_answers_the_generated_questions_like_their_ground_truth(episode, questions):
    gt = load_ground_truth(episode.ground_truth_file)
    run = oracle_run(questions, gt, oracle_window=False)
    assert len(run.items) == len(questions) > 0
    wrong = [(row['id'], row['answer'], row['groundtruth'], row['error']) for row in run.rows if row['score'] < 1.0]
    assert not wrong, wrong
    assert run.summary.overall == 1.0


def test_chance_is_the_expected_score_of_guessing():
    items = [{'id': 'a', 'task': 'spatial_temporal_audio_direction_ego', 'level': 'simple', 'QA_type': 'MCA',
              'anno_modality': 'sound', 'groundtruth': 'A', 'options': ['A: left', 'B: right', 'C: back']},
             {'id': 'b', 'task': 'spatial_temporal_audio_distance_ego', 'level': 'hard', 'QA_type': 'NA',
              'anno_modality': 'speech', 'groundtruth': '1.0', 'options': 'None'}]
    run = chance_scores(items, max_distance=10.0)
    assert run.items[0].score == pytest.approx(1 / 3)
    # Uniform guess on [0, 10] m, truth 1 m: P(|err| < t) = 2t/10 for every t <= 1 m; mean of 0.2 .. 2.0 = 0.11.
    assert run.items[1].score == pytest.approx(0.11)
    assert run.summary.overall == pytest.approx((1 / 3 + 0.11) / 2)


def test_report_rows_and_table(tmp_path, questions):
    responses = [{'success': True, 'answer': q['groundtruth'], 'value': 0.0} for q in questions]
    perfect = score_answers('all', questions, responses, note='every answer right')
    none = score_answers('audio', questions, [{'success': False, 'error': 'no map'} for _ in questions])
    table = summary_table([none, perfect])
    assert '| **overall** (mean of task means) |' in table and '**0.0** | **100.0**' in table
    pooled = [line for line in table.splitlines() if line.startswith('| distance (ego + exo) | hard | all |')]
    assert len(pooled) == 1 and pooled[0].endswith('| 0.0 | 100.0 |')
    write_results(tmp_path / 'results.jsonl', [none, perfect])
    rows = [json.loads(line) for line in (tmp_path / 'results.jsonl').read_text().splitlines()]
    assert len(rows) == 2 * len(questions) and {r['run'] for r in rows} == {'audio', 'all'}
    assert all(r['error'] == 'no map' and r['score'] == 0.0 for r in rows if r['run'] == 'audio')
    text = write_summary(tmp_path / 'summary.md', 'test', [none, perfect])
    assert 'every answer right' in text and (tmp_path / 'summary.md').read_text() == text


def test_bad_ground_truth_is_named(tmp_path):
    (tmp_path / 'gt.json').write_text('{"format": "something else"}')
    with pytest.raises(GroundTruthError, match='not a savvy_ros ground-truth file'):
        load_ground_truth(tmp_path / 'gt.json')


@pytest.mark.dds
@pytest.mark.slow
def test_eval_command_runs_the_graph_and_writes_the_report(episode, tmp_path):
    """The whole path: node processes, bag playback with /clock, questions through /savvy/ask (here with
    every node on the EventsExecutor and the player on the SingleThreadedExecutor, both the other way round
    from the defaults, which test_replay_rate_independence runs)."""
    out = tmp_path / 'eval'
    result = subprocess.run([sys.executable, '-m', 'savvy_ros.cli.main', 'eval', str(episode.bag),
                             str(episode.questions_file), '--out', str(out), '--runs', 'chance,all,oracle',
                             '--no-progress', '--param', 'savvy_hearing:asr_min_window=20.0', '--executor', 'events',
                             '--player-executor', 'single_threaded'],
                            capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = [json.loads(line) for line in (out / 'results.jsonl').read_text().splitlines()]
    graph_rows = [r for r in rows if r['run'] == 'all']
    assert len(graph_rows) == len(json.loads(episode.questions_file.read_text()))
    # Every question came back from the service: an answer, or a specific reason.
    assert all(r['success'] or r['error'] for r in graph_rows)
    summary = (out / 'summary.md').read_text()
    assert '| chance | all | oracle |' in summary and 'bag played at' in summary
    # What bounds the replay speed, per node of the graph (CPU from /proc while the bag played).
    if sys.platform.startswith('linux'):
        cpu = re.search(r'node CPU per bag second: (.*?) = ([0-9.]+) \(\d+ cores\)', summary)
        assert cpu, summary
        per_node = dict(item.rsplit(' ', 1) for item in cpu.group(1).split(', '))
        assert set(per_node) == {'doa', 'hearing', 'vision', 'map', 'qa'}
        assert sum(map(float, per_node.values())) == pytest.approx(float(cpu.group(2)), abs=0.03)
    plot = out / 'plots' / f'{episode.name}.png'
    assert plot.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    logs = out / 'logs' / episode.name / 'all'
    assert {p.name for p in logs.iterdir()} >= {'map_node.log', 'qa_node.log', 'doa_node.log', 'hearing_node.log'}
    assert 'encoder window >= 20 s' in (logs / 'hearing_node.log').read_text()   # --param reached the node
    for log in logs.glob('*_node.log'):
        assert 'experimental EventsExecutor' in log.read_text(), log.name   # --executor reached every node


def test_aruco_table_follows_the_tagged_boxes_of_the_ground_truth(episode, tmp_path):
    import yaml

    from savvy_ros.evaluation.episode_params import episode_node_params

    gt = load_ground_truth(episode.ground_truth_file)
    params = episode_node_params(gt, tmp_path)
    vision = params['vision_node']['savvy_vision']
    assert vision['detector'] == 'coco,aruco'
    table = yaml.safe_load(Path(vision['aruco_table']).read_text())
    tagged = {o['aruco']['id']: o for o in gt['objects'] if o.get('aruco')}
    assert set(table['markers']) == set(tagged) and table['dictionary'] == 'DICT_4X4_50'
    for marker_id, entry in table['markers'].items():
        assert entry['label'] == tagged[marker_id]['label']
        assert entry['offset'] == [0.0, 0.0, -tagged[marker_id]['size'][1] / 2.0]


def test_size_priors_take_this_worlds_object_sizes(episode, tmp_path):
    import yaml

    from savvy_ros.evaluation.episode_params import episode_node_params

    gt = load_ground_truth(episode.ground_truth_file)
    vision = episode_node_params(gt, tmp_path)['vision_node']['savvy_vision']
    priors = yaml.safe_load(Path(vision['size_priors']).read_text())
    person = next(o for o in gt['objects'] if o['label'] == 'person')
    assert priors['classes']['person']['height'] == person['size'][2] != 1.7
    assert priors['classes']['person']['rel_sigma'] == 0.10          # the stock spread is kept
    assert priors['classes']['laptop']['height'] == 0.25             # classes absent from the world unchanged


def test_node_params_parse_and_reach_every_process_after_the_episodes_own(tmp_path, monkeypatch):
    import argparse

    from savvy_ros.cli.errors import CliError
    from savvy_ros.cli.eval_command import add_arguments, options_from_args
    from savvy_ros.evaluation import graph_run

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    options = options_from_args(parser.parse_args(['--out', 'x', '--param', 'savvy_vision:coco_precision=int8',
                                                   '--param', 'savvy_hearing:transcribe_service=/a=b']))
    assert options.node_params == (('savvy_vision', 'coco_precision', 'int8'),
                                   ('savvy_hearing', 'transcribe_service', '/a=b'))
    for bad in ('coco_precision=int8', 'savvy_vision:=int8', 'savvy vision:x=1', 'savvy_vision:x'):
        with pytest.raises(CliError, match='is not NODE:NAME=VALUE'):
            options_from_args(parser.parse_args(['--out', 'x', '--param', bad]))
    assert (options.executor, options.player_executor) == (None, 'events')   # None: the replay's per-node choice
    assert options_from_args(parser.parse_args(['--out', 'x', '--executor', 'events'])).executor == 'events'
    chosen = options_from_args(parser.parse_args(['--out', 'x', '--executor', 'single_threaded',
                                                  '--player-executor', 'single_threaded']))
    assert (chosen.executor, chosen.player_executor) == ('single_threaded', 'single_threaded')
    # Checked against the parameter files: ROS would ignore a misspelt override and refuse an integer for a double.
    checked = options_from_args(parser.parse_args(['--out', 'x', '--param', 'savvy_vision:max_frame_rate=5',
                                                   '--param', 'savvy_vision:zoom_crops=1',
                                                   '--param', 'savvy_map:executor=events']))
    assert checked.node_params == (('savvy_vision', 'max_frame_rate', '5.0'), ('savvy_vision', 'zoom_crops', '1'),
                                   ('savvy_map', 'executor', 'events'))
    with pytest.raises(CliError, match="savvy_vision has no parameter 'max_frame_rat'; did you mean max_frame_rate"):
        options_from_args(parser.parse_args(['--out', 'x', '--param', 'savvy_vision:max_frame_rat=5']))
    with pytest.raises(CliError, match="no node 'savvy_visoin'"):
        options_from_args(parser.parse_args(['--out', 'x', '--param', 'savvy_visoin:zoom_crops=1']))
    own = tmp_path / 'own.yaml'   # a user's parameter file may declare more (a node of their own)
    own.write_text('my_node:\n  ros__parameters:\n    gain: 1.5\n')
    assert options_from_args(parser.parse_args(['--out', 'x', '--params-file', str(own), '--param',
                                                'my_node:gain=2'])).node_params == (('my_node', 'gain', '2.0'),)

    commands = {}

    class Recorder:   # records the command line instead of starting the node's process
        def __init__(self, args, **kwargs):
            commands[args[2]] = args
    monkeypatch.setattr(graph_run.subprocess, 'Popen', Recorder)
    graph_run.start_nodes(['vision_node', 'hearing_node'], tmp_path / 'savvy.yaml', tmp_path,
                          {'vision_node': {'savvy_vision': {'detector': 'coco,aruco'}}},
                          [('savvy_vision', 'detector', 'coco')], executor='events')
    vision = next(args for module, args in commands.items() if module.endswith('vision_node'))
    hearing = next(args for module, args in commands.items() if module.endswith('hearing_node'))
    # The user's value comes last: it wins over the episode's own (rcl takes the last -p).
    assert vision[-4:] == ['-p', 'savvy_vision:detector:=coco,aruco', '-p', 'savvy_vision:detector:=coco']
    assert hearing[-2:] == ['-p', 'savvy_vision:detector:=coco']   # ignored by a node of another name
    for args in (vision, hearing):   # one executor for every node: the overlay's per-node choices left out
        assert args.index('executor:=events') < args.index('savvy_vision:detector:=coco')
        assert not any(a.endswith(':executor:=events') for a in args)
        # config/replay.yaml's values come before the episode's and the user's
        assert args.index('savvy_map:reorder_delay:=2.0') < args.index('savvy_vision:detector:=coco')
        assert 'savvy_map:input_reliability:=reliable' in args
    # Without a choice, each node config/replay.yaml's (node-qualified: it wins over the file's /**): the
    # stream nodes on the EventsExecutor; QA has none there and keeps the parameter file's.
    commands.clear()
    graph_run.start_nodes(['vision_node', 'map_node', 'qa_node'], tmp_path / 'savvy.yaml', tmp_path)
    for args in commands.values():
        assert not any(a.startswith('executor:=') for a in args)
        assert {a for a in args if ':executor:=' in a} == {'savvy_doa:executor:=events', 'savvy_hearing:executor:=events',
                                                           'savvy_vision:executor:=events', 'savvy_map:executor:=events'}


def test_the_bench_asks_for_best_guesses_unless_strict():
    """Every bench question is scored (an abstention scores 0): the evaluator asks for the service's
    best guess by default; --strict measures what it answers on its own thresholds."""
    import argparse

    from savvy_ros.cli.eval_command import add_arguments, options_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert options_from_args(parser.parse_args(['--out', 'x'])).best_guess
    assert not options_from_args(parser.parse_args(['--out', 'x', '--strict'])).best_guess


def test_a_replay_its_consumers_never_matched_is_a_failed_run_that_names_them(tmp_path):
    """The player plays on after waiting for consumers that never declared their inputs (or never matched):
    unpaced, they may have missed messages, so the run must not pass as the replay's answers."""
    from savvy_ros.evaluation.graph_run import GraphRunError, check_paced

    check_paced({}, tmp_path)   # everyone matched
    with pytest.raises(GraphRunError, match=r'never matched the player .*: /camera/image_raw: /savvy_vision; '
                                            r'/savvy/replay/consumers: /savvy_doa, /savvy_map \(logs in '):
        check_paced({'/savvy/replay/consumers': {'/savvy_map', '/savvy_doa'}, '/camera/image_raw': {'/savvy_vision'}},
                    tmp_path)
