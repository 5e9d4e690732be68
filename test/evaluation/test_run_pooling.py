"""A bench's runs pooled over episodes: scores per item, the replay's speed and CPU from summed times,
and graph runs that failed named in the summary (their questions are not in the table)."""
from __future__ import annotations

import os

import pytest

from savvy_ros.evaluation.evaluator import merge_runs
from savvy_ros.evaluation.report import GraphReplay, RunScores, score_answers, write_summary


def _question(qid: str) -> dict:
    return {'id': qid, 'task': 'spatial_temporal_audio_direction_ego', 'level': 'hard', 'anno_modality': 'sound',
            'QA_type': 'MCA', 'groundtruth': 'A', 'question': 'where?', 'options': ['A. x', 'B. y']}


def _run(episode: str, answer: str, replay: GraphReplay) -> RunScores:
    question = _question(f'{episode}_1')
    return score_answers('all', [question], [{'success': True, 'answer': answer}], replay=replay)


def test_the_bench_speed_is_its_bag_time_over_its_play_time_not_one_episodes():
    fast = GraphReplay(('audio', 'vision'), bag_seconds=30.0, play_seconds=5.0,
                       node_cpu_seconds={'vision_node': 6.0, 'map_node': 1.5})
    slow = GraphReplay(('audio', 'vision'), bag_seconds=60.0, play_seconds=30.0,
                       node_cpu_seconds={'vision_node': 24.0, 'map_node': 3.0, 'doa_node': 0.9}, unpaced=2)
    merged = merge_runs([[_run('e1', 'A', fast)], [_run('e2', 'B', slow)]])
    (run,) = merged
    assert len(run.items) == 2 and run.summary.overall == pytest.approx(0.5)
    assert run.replay.bag_seconds == 90.0 and run.replay.play_seconds == 35.0 and run.replay.episodes == 2
    note = run.full_note()
    assert 'bag played at 2.57x real time over 2 episodes' in note          # 90 / 35, not e1's 6x
    assert f'vision 0.33, map 0.05, doa 0.01 = 0.39 ({os.cpu_count() or 1} cores)' in note
    assert '2 message(s) played without an acknowledgement' in note


def test_a_failed_episode_is_named_in_the_summary_and_its_questions_are_missing(tmp_path):
    ok = _run('e1', 'A', GraphReplay(('audio',), 20.0, 4.0))
    failed = RunScores('all', [], [], failures=['e2: node(s) qa_node exited during start-up'])
    (run,) = merge_runs([[ok], [failed]])
    assert len(run.items) == 1 and run.failures == ['e2: node(s) qa_node exited during start-up']
    text = write_summary(tmp_path / 'summary.md', 'bench', [run])
    assert ('FAILED in 1 episode(s), whose questions are not counted: e2: node(s) qa_node exited during '
            'start-up') in text
    assert 'bag played at 5.00x real time;' in text   # the one that ran, alone: no "over 1 episodes"


def test_notes_of_runs_without_a_replay_stay_as_they_are(tmp_path):
    chance = RunScores('chance', [], [], note='expected score')
    assert chance.full_note() == 'expected score'
    (merged,) = merge_runs([[chance], [RunScores('chance', [], [], note='expected score')]])
    assert merged.full_note() == 'expected score'

