import json

import numpy as np
import pytest
import soundfile as sf

from savvy_ros.cli.main import main


@pytest.fixture(scope='module')
def scene_wav(tmp_path_factory, speech_and_siren):
    clip, rate, speech, sound = speech_and_siren
    path = tmp_path_factory.mktemp('hear') / 'scene.flac'
    sf.write(path, np.stack([clip, 0.5 * clip], axis=1), rate)  # stereo FLAC
    return path, speech, sound


def test_hear_prints_one_json_object_per_event(scene_wav, capsys):
    path, speech, sound = scene_wav
    assert main(['hear', str(path), '--json']) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r['kind'] for r in records] == ['speech', 'sound']
    said, heard = records
    assert set(said) == {'kind', 'start', 'end', 'text', 'alternatives', 'labels'}
    # n-best: other readings than the transcript itself, each distinct in its words
    words = [' '.join(t.lower().replace(',', ' ').replace('.', ' ').split()) for t in [said['text'], *said['alternatives']]]
    assert len(said['alternatives']) <= 2 and len(set(words)) == len(words)
    assert heard['alternatives'] == []
    assert abs(said['start'] - speech.start) < 0.3 and abs(said['end'] - speech.end) < 0.3
    assert 'living room' in said['text'].lower() and said['labels'][0][0] == 'Speech'
    assert abs(heard['start'] - sound.start) < 0.3 and heard['text'] == ''
    assert {'Siren', 'Alarm'} & {label for label, _ in heard['labels']}
    assert all(0 <= score <= 1 for _, score in heard['labels'])
    assert 0.0 <= heard['impulsiveness'] < 0.5 and 'impulsiveness' not in said   # a siren: no impacts


def test_hear_without_asr_and_as_a_table(scene_wav, capsys):
    path, _, _ = scene_wav
    assert main(['hear', str(path), '--no-asr', '--channel', '1']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and 'speech' in lines[0] and 'Speech' in lines[0] and 'sound' in lines[1]


@pytest.mark.parametrize('content, message', [(None, 'no such file'), (b'not audio at all', 'cannot read')])
def test_unreadable_files_are_one_line_errors(tmp_path, capsys, content, message):
    path = tmp_path / 'clip.wav'
    if content is not None:
        path.write_bytes(content)
    assert main(['hear', str(path), '--no-asr']) == 2
    err = capsys.readouterr().err
    assert message in err and 'clip.wav' in err and 'Traceback' not in err


def test_a_channel_the_file_lacks_and_bad_model_paths_are_reported(scene_wav, tmp_path, capsys):
    path, _, _ = scene_wav
    assert main(['hear', str(path), '--no-asr', '--channel', '4']) == 2
    assert 'reference channel 4' in capsys.readouterr().err
    assert main(['hear', str(path), '--vad-model', str(tmp_path / 'vad.onnx')]) == 2
    assert 'vad.onnx' in capsys.readouterr().err


def test_a_steering_array_must_match_the_file_and_exist(scene_wav, capsys):
    path, _, _ = scene_wav
    assert main(['hear', str(path), '--no-asr', '--mic-array', 'aria']) == 2   # a stereo file, 7 microphones
    assert "steering array 'aria' has 7 microphones" in capsys.readouterr().err
    assert main(['hear', str(path), '--no-asr', '--mic-array', 'no_such_array']) == 2
    err = capsys.readouterr().err
    assert 'no_such_array' in err and 'Traceback' not in err


def test_hear_a_seven_microphone_recording_through_the_steered_beam(tmp_path, speech_and_siren, capsys):
    import math

    from plane_waves import plane_wave

    from savvy_ros.audio.mic_arrays import load_mic_array

    clip, rate, speech, _ = speech_and_siren
    arriving = plane_wave(clip, np.asarray(load_mic_array('aria').positions), math.radians(-30.0), rate)
    path = tmp_path / 'aria.wav'
    sf.write(path, arriving.astype(np.float32), rate, subtype='FLOAT')
    assert main(['hear', str(path), '--json', '--mic-array', 'aria']) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r['kind'] for r in records] == ['speech', 'sound']
    assert 'living room' in records[0]['text'].lower() and abs(records[0]['start'] - speech.start) < 0.3


def test_expecting_a_topic_each_speech_segment_is_heard_again(scene_wav, capsys):
    path, _, _ = scene_wav
    assert main(['hear', str(path), '--json', '--expect', 'closing the living room window']) == 0
    said, heard = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert 'window' in said['expecting'].lower() and 'expecting' not in heard   # sounds are not transcribed
    assert main(['hear', str(path), '--expect', 'closing the window']) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "expecting 'closing the window':" in lines[1]
    assert main(['hear', str(path), '--no-asr', '--expect', 'closing the window']) == 2
    assert 'drop --no-asr' in capsys.readouterr().err


def test_the_encoder_window_defaults_to_the_nodes_and_out_of_range_is_an_error(scene_wav, capsys):
    import argparse

    from savvy_ros.cli import hear_command
    from savvy_ros.hearing.asr import DEFAULT_MIN_WINDOW
    parser = argparse.ArgumentParser()
    hear_command.add_arguments(parser)
    assert parser.parse_args([str(scene_wav)]).asr_window == DEFAULT_MIN_WINDOW
    assert main(['hear', str(scene_wav), '--asr-window', '40']) != 0
    assert '--asr-window must be within [1, 30] s' in capsys.readouterr().err
