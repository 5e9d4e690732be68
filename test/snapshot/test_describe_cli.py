"""`savvy-ros describe`: replayed outputs, a clip from real media files, parsing saved outputs."""
from __future__ import annotations

import json

import cv2
import numpy as np
import soundfile

from savvy_ros.cli.main import main


def test_replay_by_question_id(sd_file, capsys):
    code = main(['describe', 'where is the door?', '--replay-file', str(sd_file),
                 '--question-id', 'spatial_temporal_audio_direction_exo_hard_3'])
    record = json.loads(capsys.readouterr().out)
    assert code == 0 and (record['start'], record['end'], record['mode']) == (13.0, 15.0, 'allocentric')
    assert record['model'] == 'replay:gemini25_sample' and [o['role'] for o in record['objects']] == \
        ['sounding', 'reference', 'facing']


def test_clip_from_video_and_audio_reaches_the_prompt(tmp_path, capsys, scripted_endpoint):
    video, audio = tmp_path / 'clip.avi', tmp_path / 'clip.wav'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'), 10.0, (64, 48))
    for k in range(30):
        writer.write(np.full((48, 64, 3), 8 * k, np.uint8))
    writer.release()
    soundfile.write(str(audio), np.zeros((48000 * 3, 2), np.float32), 48000)
    endpoint = scripted_endpoint([(200, '{"event": "knock", "start_time": "0:01", "end_time": "0:02"}', 0.0)])
    code = main(['describe', 'when is the knock?', '--backend', 'openai', '--base-url', endpoint.url,
                 '--video', str(video), '--audio', str(audio), '--send-audio', '--max-frames', '3'])
    assert code == 0 and json.loads(capsys.readouterr().out)['event'] == 'knock'
    parts = endpoint.bodies[0]['messages'][1]['content']
    assert [p['type'] for p in parts] == ['text', 'image_url', 'image_url', 'image_url', 'input_audio']
    assert '3 video frame(s) follow, taken at 0:00, 0:01, 0:02.' in parts[0]['text']


def test_parse_and_its_errors(tmp_path, capsys):
    saved = tmp_path / 'out.txt'
    saved.write_text('Answer:\n```json\n{"event": "x", "start_time": "0:04", "end_time": "0:02", "mode": "exo"}\n```')
    assert main(['describe', '--parse', str(saved)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record['start'], record['end'], record['mode']) == (2.0, 4.0, 'allocentric') and record['warnings']
    saved.write_text('I am not sure.')
    assert main(['describe', '--parse', str(saved)]) == 1
    assert 'no JSON object' in capsys.readouterr().err
    assert main(['describe', 'q', '--backend', 'nope']) == 2
    assert "unknown snapshot backend 'nope'" in capsys.readouterr().err
    assert main(['describe', 'q', '--backend', 'replay', '--replay-file', str(tmp_path / 'none.json')]) == 2
