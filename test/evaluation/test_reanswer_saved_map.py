"""bench/reanswer_saved_map.py: questions answered again from a map saved as GlobalMap CDR."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from qa_maps import example_view
from rclpy.serialization import serialize_message

from savvy_ros.qa.savvy_conventions import HARD_OPTIONS
from savvy_ros.ros.map_messages import map_view_to_global_map

ROOT = Path(__file__).resolve().parents[2]


def _bench():
    spec = importlib.util.spec_from_file_location('reanswer_saved_map', ROOT / 'bench' / 'reanswer_saved_map.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _question(qid: str, task: str, qa_type: str, question: str, groundtruth: str, options=()) -> dict:
    return {'id': qid, 'task': f'spatial_temporal_audio_{task}', 'level': 'hard', 'anno_modality': 'sound',
            'QA_type': qa_type, 'question': question, 'groundtruth': groundtruth, 'options': list(options)}


def test_a_saved_map_answers_the_episode_questions_again(tmp_path, capsys):
    # The wearer at the origin faces +x; the door (-2, 1) is back-left; kettle (3, 4) and sofa (3, 0) are 4 m apart.
    questions = [
        _question('q1', 'direction_ego', 'MCA', 'Imagine you are the camera wearer, when the knock sound comes up, '
                  'relative to where you are facing, where is the sound source?', 'C',
                  HARD_OPTIONS),
        _question('q2', 'distance_exo', 'NA', 'How far is the kettle from the sofa?', '4.0'),
        _question('q3', 'distance_exo', 'NA', 'How far is the kettle from the sofa?', '1.0'),   # scored 0
    ]
    episode = tmp_path / 'episode'
    episode.mkdir()
    (episode / 'questions.json').write_text(json.dumps(questions))
    saved = tmp_path / 'episode_all.cdr'
    saved.write_bytes(serialize_message(map_view_to_global_map(example_view())))

    bench = _bench()
    run = bench.reanswer(questions, saved.read_bytes())
    assert [row['answer'] for row in run.rows][:1] == ['C']
    assert [row['score'] for row in run.rows] == [1.0, 1.0, 0.0]
    assert run.rows[1]['value'] == pytest.approx(4.0, abs=0.01)

    assert bench.main([str(episode), str(saved), '--misses']) == 0
    out = capsys.readouterr().out
    assert 'overall' in out and 'q3: 0.00' in out and 'q1' not in out
    assert bench.main([str(episode), str(tmp_path / 'missing.cdr')]) == 2
