"""convert-savvy on the real release samples: TF, bearings (REP 103), snapshots, questions."""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from savvy_ros.bags import BagReader
from savvy_ros.cli.main import main as cli_main
from savvy_ros.tf.buffer import TransformBuffer

FIXTURES = Path(__file__).resolve().parents[3] / 'shared' / 'fixtures' / 'savvy_release'
SEQUENCE = 'loc1_script2_seq1_rec1'
ORIGIN_S = 380.47  # video_start_time of the sequence's questions
needs_fixtures = pytest.mark.skipif(not (FIXTURES / f'dense_traj_{SEQUENCE}.json').is_file(),
                                    reason='SAVVY release fixtures absent')


@pytest.fixture(scope='module')
def converted(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('savvy')
    assert cli_main(['convert-savvy', str(FIXTURES), '--out', str(out), '--sequences', SEQUENCE]) == 0
    return out / SEQUENCE


def by_topic(bag: Path) -> dict[str, list]:
    topics: dict[str, list] = {}
    with BagReader(bag) as reader:
        for item in reader.messages():
            topics.setdefault(item.topic, []).append(item)
    return topics


def stamp_s(stamp) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


@needs_fixtures
def test_trajectory_becomes_tf_world_to_head_at_20_hz(converted):
    trajectory = json.loads((FIXTURES / f'dense_traj_{SEQUENCE}.json').read_text())
    tf = by_topic(converted / 'bag')['/tf']
    assert len(tf) == len(trajectory) == 2385
    stamps = np.array([m.stamp_ns for m in tf])
    assert stamps[0] == round(ORIGIN_S * 1e9) and set(np.diff(stamps)) == {50_000_000}
    buffer = TransformBuffer(cache_time=1e6)
    for item in tf:
        (t,) = item.message.transforms
        assert (t.header.frame_id, t.child_frame_id) == ('map', 'head')
        assert stamp_s(t.header.stamp) == pytest.approx(item.stamp_ns * 1e-9)
        r = t.transform.rotation
        p = t.transform.translation
        buffer.set_transform('map', 'head', stamp_s(t.header.stamp), (p.x, p.y, p.z), (r.x, r.y, r.z, r.w))
    frame = trajectory['01001']  # clip time 50.0 s
    pose = buffer.lookup_transform('map', 'head', ORIGIN_S + 50.0)
    assert pose.translation[:2] == pytest.approx(frame['loc'], abs=1e-9)
    forward = pose.apply(np.array([[1.0, 0.0, 0.0]]))[0] - pose.translation
    assert forward[:2] == pytest.approx(frame['forward_vec'], abs=1e-9)


@needs_fixtures
def test_ego_questions_viewpoints_match_the_bag_pose_during_their_events(converted):
    """Question times are bag times: the ground truth's viewpoint is the bag's mean pose in the event window."""
    questions = json.loads((converted / 'questions.json').read_text())
    assert len(questions) == 8 and {q['video_id'] for q in questions} == {f'aea/{SEQUENCE}'}
    tf = by_topic(converted / 'bag')['/tf']
    stamps = np.array([m.stamp_ns for m in tf]) * 1e-9
    xy = np.array([(m.message.transforms[0].transform.translation.x, m.message.transforms[0].transform.translation.y)
                   for m in tf])
    ego = [q for q in questions if q['task'].endswith('_ego')]
    assert len(ego) == 6
    for item in ego:
        inside = (stamps >= item['start_frame'] - 0.025) & (stamps <= item['end_frame'] + 0.025)
        assert xy[inside].mean(axis=0) == pytest.approx(item['gt_context_json']['reference_object']['loc'], abs=0.08)


@needs_fixtures
def test_audio_track_becomes_rep103_bearings_with_cdr_ranges(converted):
    track = json.loads((FIXTURES / f'audio_track_results_{SEQUENCE}.json').read_text())
    k_drr = float(np.median([json.loads((FIXTURES / 'kdrr.json').read_text())[q['id']]
                             for q in json.loads((converted / 'questions.json').read_text())
                             if q['id'] in json.loads((FIXTURES / 'kdrr.json').read_text())]))
    bearings = by_topic(converted / 'bag')['/savvy/bearings']
    assert len(bearings) == sum(len(v) for v in track.values())
    first = bearings[0].message  # second 0, chunk 0: angle -90 (SAVVY: left), cdr 0.403
    assert stamp_s(first.header.stamp) == pytest.approx(ORIGIN_S + 0.125)
    assert first.header.frame_id == 'head' and first.algorithm == 'savvy_release'
    assert first.window.sec == 0 and first.window.nanosec == 250_000_000
    (peak,) = first.bearings
    assert peak.azimuth == pytest.approx(math.pi / 2)           # left is positive in REP 103
    assert (peak.direction.x, peak.direction.y) == pytest.approx((0.0, 1.0), abs=1e-7)
    assert peak.cdr == pytest.approx(track['0'][0]['cdr'])
    assert peak.range == pytest.approx(math.sqrt(k_drr / track['0'][0]['cdr']), rel=1e-6)
    third = bearings[2].message.bearings[0]                     # angle +35 (right)
    assert third.azimuth == pytest.approx(math.radians(-35.0))
    assert stamp_s(bearings[2].message.header.stamp) == pytest.approx(ORIGIN_S + 0.625)


@needs_fixtures
def test_snapshot_descriptor_of_the_sequence(converted):
    (item,) = by_topic(converted / 'bag')['/savvy/snapshots']
    sd = item.message
    assert sd.question_id == 'spatial_temporal_audio_direction_exo_hard_3'
    assert sd.mode == 2 and sd.model == 'gemini25_sample' and sd.prediction == 'back-right'
    assert stamp_s(sd.start) == pytest.approx(ORIGIN_S + 13.0) and stamp_s(sd.end) == pytest.approx(ORIGIN_S + 15.0)
    assert [o.role for o in sd.objects] == [0, 1, 2]
    sounding = sd.objects[0]
    assert sounding.is_static == 1 and sounding.description.startswith('A dark brown wooden arched front door')
    key = sounding.keyframes[0]                                 # "0:05": 4.5 m, 65 deg right
    assert stamp_s(key.stamp) == pytest.approx(ORIGIN_S + 5.0)
    assert key.distance == pytest.approx(4.5) and key.azimuth == pytest.approx(math.radians(-65.0))
    assert json.loads(sd.raw_output)['prediction'] == 'back-right'


@needs_fixtures
def test_conversion_is_deterministic(tmp_path):
    digests = []
    for run in ('a', 'b'):
        assert cli_main(['convert-savvy', str(FIXTURES), '--out', str(tmp_path / run), '--storage', 'sqlite3']) == 0
        bag = tmp_path / run / SEQUENCE / 'bag'
        digests.append(sorted(hashlib.sha256(f.read_bytes()).hexdigest() for f in bag.iterdir()))
    assert digests[0] == digests[1]


def write_release(root: Path, trajectory: dict, track: dict | None = None) -> None:
    """A release in its own nested layout, for one sequence 'seqA'."""
    (root / 'dense_traj' / 'aea').mkdir(parents=True)
    (root / 'dense_traj' / 'aea' / 'seqA.json').write_text(json.dumps(trajectory))
    if track is not None:
        (root / 'audio_tracks_drr_mid_4_3456' / 'seqA').mkdir(parents=True)
        (root / 'audio_tracks_drr_mid_4_3456' / 'seqA' / 'audio_track_results.json').write_text(json.dumps(track))


def test_release_layout_without_questions_uses_the_default_origin_and_a_given_k(tmp_path, capsys):
    write_release(tmp_path / 'rel', {'00001': {'loc': [0, 0], 'forward_vec': [0, 2]},
                                     '00002': {'loc': [0.1, 0], 'forward_vec': [0, 1]}},
                  {'0': [{'angle': 180.0, 'direction': 'back', 'distance': 0.3, 'clip_energy': 0.1, 'cdr': 4.0}]})
    assert cli_main(['convert-savvy', str(tmp_path / 'rel'), '--out', str(tmp_path / 'out'), '--k-drr', '16']) == 0
    topics = by_topic(tmp_path / 'out' / 'seqA' / 'bag')
    assert [m.stamp_ns for m in topics['/tf']] == [1_000_000_000, 1_050_000_000]
    rotation = topics['/tf'][0].message.transforms[0].transform.rotation  # forward +y: yaw 90 deg
    assert (rotation.z, rotation.w) == pytest.approx((math.sqrt(0.5), math.sqrt(0.5)))
    (peak,) = topics['/savvy/bearings'][0].message.bearings
    assert peak.range == pytest.approx(2.0) and peak.azimuth == pytest.approx(math.pi)  # behind: +pi
    assert '/savvy/snapshots' not in topics
    assert json.loads((tmp_path / 'out' / 'seqA' / 'questions.json').read_text()) == []


def test_bad_release_files_are_reported_by_name(tmp_path, capsys):
    write_release(tmp_path / 'rel', {'00001': {'loc': [0, 0]}})
    assert cli_main(['convert-savvy', str(tmp_path / 'rel'), '--out', str(tmp_path / 'out')]) == 2
    assert 'seqA.json: frame 00001' in capsys.readouterr().err
    args = ['convert-savvy', str(tmp_path / 'rel'), '--out', str(tmp_path / 'out')]
    assert cli_main(args + ['--sequences', 'nope']) == 2
    assert "['nope']" in capsys.readouterr().err
    assert cli_main(['convert-savvy', str(tmp_path / 'absent'), '--out', str(tmp_path / 'out')]) == 2


def test_non_finite_track_entries_are_dropped_and_reported(tmp_path, capsys):
    entry = {'angle': 10.0, 'direction': 'front-right', 'distance': 0.3, 'clip_energy': 0.0, 'cdr': 1.0}
    write_release(tmp_path / 'rel', {'00001': {'loc': [0, 0], 'forward_vec': [1, 0]}},
                  {'0': [entry, {**entry, 'angle': float('nan')}, {**entry, 'clip_energy': float('inf')}]})
    assert cli_main(['convert-savvy', str(tmp_path / 'rel'), '--out', str(tmp_path / 'out')]) == 0
    assert '2 track entries with a non-finite angle or energy dropped' in capsys.readouterr().out
    (item,) = by_topic(tmp_path / 'out' / 'seqA' / 'bag')['/savvy/bearings']
    assert item.message.energy == pytest.approx(-200.0)  # silent chunk: the floor, not -inf
    assert math.isnan(item.message.bearings[0].range)     # no questions, no kdrr.json, no --k-drr
