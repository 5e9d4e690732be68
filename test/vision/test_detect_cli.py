"""`savvy-ros detect`: the JSON schema of the issue, directories, and clear errors."""
from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from scenes import FOCAL, background, paste, pinhole, render_marker
from scipy.spatial.transform import Rotation

from savvy_ros.cli.main import main
from savvy_ros.vision.camera_model import camera_info_yaml_text


@pytest.fixture
def camera_yaml(tmp_path):
    path = tmp_path / 'camera.yaml'
    path.write_text(camera_info_yaml_text(pinhole()))
    return path


def write_rgb(path, rgb) -> None:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))


def test_json_lines_for_a_directory(tmp_path, camera_yaml, capsys):
    images = tmp_path / 'images'
    images.mkdir()
    scene = background()
    box = paste(scene, 'person', (40, 150), 220)
    write_rgb(images / 'a_person.png', scene)
    write_rgb(images / 'b_empty.png', background(3))
    (images / 'notes.txt').write_text('not an image')
    assert main(['detect', str(images), '--camera-info', str(camera_yaml), '--json']) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line['image'] for line in lines] == [str(images / 'a_person.png'), str(images / 'b_empty.png')]
    assert set(lines[0]) == {'image', 'observations'}
    person = next(o for o in lines[0]['observations'] if o['label'] == 'person')
    assert set(person) == {'label', 'score', 'position', 'box'}
    x, y, w, h = person['box']
    assert abs(x - box[0]) < 15 and abs(w - (box[2] - box[0])) < 30
    # Range from the person size prior (1.70 m) and the box height.
    assert person['position'][2] == pytest.approx(FOCAL * 1.70 / h, rel=0.02)
    assert all(o['score'] < 0.5 for o in lines[1]['observations'])


def test_aruco_backend_measures_the_marker(tmp_path, camera_yaml, capsys):
    facing = Rotation.from_euler('x', np.pi).as_rotvec()
    path = tmp_path / 'tag.png'
    write_rgb(path, render_marker(pinhole(), 0, 0.20, [0.2, 0.1, 1.5], facing))
    assert main(['detect', str(path), '--camera-info', str(camera_yaml), '--backend', 'aruco', '--json']) == 0
    [record] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [door] = record['observations']
    assert door['label'] == 'door' and np.allclose(door['position'], [0.2, 0.1, 1.5], atol=0.02)


def test_human_readable_output(tmp_path, camera_yaml, capsys):
    scene = background()
    paste(scene, 'cat', (380, 250), 150)
    write_rgb(tmp_path / 'cat.png', scene)
    assert main(['detect', str(tmp_path / 'cat.png'), '--camera-info', str(camera_yaml), '--classes', 'cat']) == 0
    out = capsys.readouterr().out
    assert '1 object(s)' in out and 'cat' in out and 'z=' in out


def person_and_cat_observations(tmp_path, camera_yaml, capsys, *options: str) -> list[dict]:
    """`detect --json` of a scene with a person and a cat, with `options`."""
    scene = background()
    paste(scene, 'person', (40, 150), 220)
    paste(scene, 'cat', (380, 250), 150)
    write_rgb(tmp_path / 'scene.png', scene)
    assert main(['detect', str(tmp_path / 'scene.png'), '--camera-info', str(camera_yaml), '--json', *options]) == 0
    return json.loads(capsys.readouterr().out)['observations']


def test_either_coco_backend_gives_the_same_observations(tmp_path, camera_yaml, capsys):
    # cv2.dnn runs f32 only: its default there (the vision node's int8 elsewhere).
    outputs = {backend: person_and_cat_observations(tmp_path, camera_yaml, capsys, '--coco-backend', backend, *flags)
               for backend, flags in (('opencv', ()), ('openvino', ('--coco-precision', 'f32')))}
    assert {o['label'] for o in outputs['openvino']} >= {'person', 'cat'}
    assert [o['label'] for o in outputs['opencv']] == [o['label'] for o in outputs['openvino']]
    for a, b in zip(outputs['opencv'], outputs['openvino']):
        assert a['score'] == pytest.approx(b['score'], abs=1e-3)
        np.testing.assert_allclose(a['box'], b['box'], atol=0.2)


def test_int8_precision_finds_the_same_objects_and_cv2_dnn_refuses_it(tmp_path, camera_yaml, capsys):
    outputs = {precision: person_and_cat_observations(tmp_path, camera_yaml, capsys, '--coco-precision', precision)
               for precision in ('f32', 'int8')}
    for label in ('person', 'cat'):   # weak ones near the thresholds may differ (f32 sees a chair here)
        (one,), (other,) = [[o for o in outputs[p] if o['label'] == label] for p in ('f32', 'int8')]
        np.testing.assert_allclose(one['box'], other['box'], atol=8.0)
    # int8 is the default, as in the vision node.
    assert person_and_cat_observations(tmp_path, camera_yaml, capsys) == outputs['int8']
    assert main(['detect', str(tmp_path / 'scene.png'), '--camera-info', str(camera_yaml),
                 '--coco-backend', 'opencv', '--coco-precision', 'int8']) == 2
    assert 'needs the openvino backend' in capsys.readouterr().err


def test_errors(tmp_path, camera_yaml, capsys):
    assert main(['detect', str(tmp_path / 'none.png'), '--camera-info', str(camera_yaml)]) == 2
    assert 'no such image or directory' in capsys.readouterr().err
    write_rgb(tmp_path / 'ok.png', background())
    assert main(['detect', str(tmp_path / 'ok.png'), '--camera-info', str(tmp_path / 'none.yaml')]) == 2
    assert 'camera calibration file not found' in capsys.readouterr().err
    assert main(['detect', str(tmp_path / 'ok.png'), '--camera-info', str(camera_yaml), '--backend', 'yolo']) == 2
    assert "unknown backend 'yolo'" in capsys.readouterr().err
    assert main(['detect', str(tmp_path / 'ok.png'), '--camera-info', str(camera_yaml), '--backend', 'open_vocab',
                 '--queries', 'a door']) == 2
    assert 'the open_vocab detector has no weights: set model_path' in capsys.readouterr().err
    # A corrupt file and a wrongly sized image: reported per image, exit status 1, others still done.
    (tmp_path / 'corrupt.png').write_bytes(b'\x89PNG\r\n\x1a\n garbage')
    write_rgb(tmp_path / 'small.png', background()[:240, :320])
    assert main(['detect', str(tmp_path), '--camera-info', str(camera_yaml), '--json']) == 1
    captured = capsys.readouterr()
    assert 'corrupt.png: not a readable image' in captured.err
    assert 'small.png: image is 320x240 px but the camera calibration is for 640x480 px' in captured.err
    assert len(captured.out.splitlines()) == 1   # ok.png
