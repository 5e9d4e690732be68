"""Scene files: the shipped ones load, bad ones fail with errors naming the file and the field."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from savvy_ros.synth.scene import SceneError, load_scene, scene_from_dict

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / 'config' / 'scenes').rglob('*.yaml'))
TINY = Path(__file__).resolve().parent / 'scenes' / 'tiny.yaml'


@pytest.mark.parametrize('path', SHIPPED, ids=lambda p: p.stem)
def test_shipped_scenes_load(path: Path) -> None:
    scene = load_scene(path)
    assert scene.events and scene.objects
    assert scene.source_file == str(path)


def test_bench_set_spans_the_difficulty_range() -> None:
    bench = [load_scene(p) for p in sorted((REPO / 'config' / 'scenes' / 'bench').glob('*.yaml'))]
    assert len(bench) >= 10
    sizes = [max(s.room.size[:2]) for s in bench]
    assert min(sizes) <= 4.5 and max(sizes) >= 9.5
    rt60 = [s.room.rt60 for s in bench]
    assert min(rt60) <= 0.25 and max(rt60) >= 0.65
    snr = [s.room.snr_db for s in bench]
    assert min(snr) <= 5.0 and max(snr) >= 20.0
    speeds = [o.path.speed for s in bench for o in s.objects if o.path is not None]
    assert max(speeds) >= 1.5
    assert any(not s.wearer.head.turn_to_sounds for s in bench)  # sounds stay behind the wearer


def test_demo_scene_has_what_the_issue_asks() -> None:
    demo = load_scene(REPO / 'config' / 'scenes' / 'demo.yaml')
    assert 50.0 <= demo.duration <= 70.0
    speakers = {e.object for e in demo.events if e.kind == 'speech'}
    assert len(speakers) == 2
    assert {'knock', 'tv', 'beep'} <= {e.kind for e in demo.events}
    assert any(o.label == 'cat' and not o.is_static for o in demo.objects)


def _tiny() -> dict:
    return yaml.safe_load(TINY.read_text())


def _broken(change) -> dict:
    data = copy.deepcopy(_tiny())
    change(data)
    return data


@pytest.mark.parametrize('change, message', [
    (lambda d: d.pop('room'), r'room: missing'),
    (lambda d: d['room'].update(rt60='long'), r'room\.rt60: must be a finite number'),
    (lambda d: d['room'].update(colour=[1, 2, 3]), r"room: unknown field\(s\) \['colour'\]"),
    (lambda d: d['room'].update(size=[20.0, 20.0, 5.0], rt60=0.1), r'room\.rt60: 0\.1 s is too short for a 20\.0 x'),
    (lambda d: d['objects'][0].update(position=[9.0, 2.0]), r"object 'anna'.*outside the room"),
    (lambda d: d['objects'][1].update(position=[1.0, 1.0]), r'objects\[1\]\.position: give exactly one'),
    (lambda d: d['objects'][0].update(photo='unicorn'), r'objects\[0\]\.photo: must be one of'),
    (lambda d: d['objects'][2].update(aruco_id=77), r'objects\[2\]\.aruco_id: must be an integer 0\.\.49'),
    (lambda d: d['objects'].append(dict(d['objects'][0])), r"duplicate id\(s\) \['anna'\]"),
    (lambda d: d['events'][0].update(object='nobody'), r"events\[0\]\.object: no object with id 'nobody'"),
    (lambda d: d['events'][1].update(kind='explosion'), r"events\[1\]\.kind: must be 'speech' or one of"),
    (lambda d: d['events'][1].update(object='anna', kind='speech', text='hi', topic='greeting', duration=None)
     or d['events'][1].pop('duration') or d['events'][1].pop('label'), None),
    (lambda d: d['events'][0].update(object='door'), r"speech must come from a person, 'door' is a 'door'"),
    (lambda d: d['events'][1].update(duration=5.0), r'events\[1\] ends after the scene'),
    (lambda d: d['wearer']['path'].update(waypoints=[[1.0, 2.0, -1.0]]), r'waypoints\[0\]: dwell must be >= 0'),
    (lambda d: d['wearer']['path'].update(speed=0.0), r'wearer\.path\.speed: must be within'),
    (lambda d: d['wearer']['path'].update(waypoints=[[7.0, 2.0]]), r'wearer\.path: waypoint \(7\.0, 2\.0\) is outside'),
])
def test_invalid_scenes_name_the_field(change, message) -> None:
    data = _broken(change)
    if message is None:  # a valid variation: the change must be accepted
        assert scene_from_dict(data, 'tiny.yaml').events
        return
    with pytest.raises(SceneError, match=message) as info:
        scene_from_dict(data, 'tiny.yaml')
    assert str(info.value).startswith('tiny.yaml: ')


def test_unreadable_files_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(SceneError, match='cannot read scene file'):
        load_scene(tmp_path / 'missing.yaml')
    bad = tmp_path / 'bad.yaml'
    bad.write_text('room: [unclosed\n')
    with pytest.raises(SceneError, match='not valid YAML'):
        load_scene(bad)
    bad.write_text('- just a list\n')
    with pytest.raises(SceneError, match='must be a mapping'):
        load_scene(bad)
