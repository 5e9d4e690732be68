"""Episode output: the bag's topics, stamps, rates and frames; byte-identical output for the same
seed; the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from savvy_ros.bags.bag_reader import BagReader
from savvy_ros.cli.main import main as cli_main
from savvy_ros.cli.synth_command import resolve_scene
from savvy_ros.synth.episode import EPOCH_NS, generate_episode

TINY = Path(__file__).resolve().parent / 'scenes' / 'tiny.yaml'


def _stamp_ns(header) -> int:
    return header.stamp.sec * 10**9 + header.stamp.nanosec


def _read(bag: Path) -> dict[str, list]:
    topics: dict[str, list] = {}
    with BagReader(bag) as reader:
        for message in reader.messages():
            topics.setdefault(message.topic, []).append(message)
    return topics


def test_bag_has_the_sensor_topics_with_capture_stamps(tiny_episode, tiny_scene) -> None:
    topics = _read(tiny_episode.bag)
    assert set(topics) == {'/camera/image_raw', '/camera/camera_info', '/camera/depth/image_raw',
                           '/mic_array/audio', '/tf', '/tf_static'}
    for name, messages in topics.items():
        if name == '/tf_static':
            continue
        for message in messages:
            header = message.message.transforms[0].header if name == '/tf' else message.message.header
            assert _stamp_ns(header) == message.stamp_ns, name   # storage time = capture time
    # camera: 10 fps over 4 s, rgb8 640 x 480, intrinsics in CameraInfo
    images = topics['/camera/image_raw']
    assert len(images) == 40 and images[0].stamp_ns == EPOCH_NS
    first = images[0].message
    assert (first.width, first.height, first.encoding, first.step) == (640, 480, 'rgb8', 1920)
    assert first.header.frame_id == 'camera_optical'
    info = topics['/camera/camera_info'][0].message
    assert info.k[0] == pytest.approx(320 / np.tan(np.radians(40))) and info.k[2] == pytest.approx(319.5)
    depth = topics['/camera/depth/image_raw'][0].message
    assert depth.encoding == '32FC1'
    assert np.all(np.frombuffer(bytes(depth.data), '<f4') > 0)
    # audio: 7 channels at 16 kHz (quick), 0.1 s chunks stamped at their first sample
    chunks = topics['/mic_array/audio']
    assert len(chunks) == 40
    for index, chunk in enumerate(chunks):
        msg = chunk.message
        assert (msg.channels, msg.sample_rate, msg.sequence, len(msg.data)) == (7, 16000, index, 7 * 1600)
        assert chunk.stamp_ns == EPOCH_NS + index * 100_000_000
        assert msg.header.frame_id == 'mic_array'
        assert np.all(np.isfinite(msg.data)) and np.max(np.abs(msg.data)) <= 1.0
    # TF: map -> head at 50 Hz; statics from head to the sensors
    tf = topics['/tf']
    stamps = np.array([m.stamp_ns for m in tf])
    assert np.all(np.diff(stamps) == 20_000_000) and len(tf) == 200
    assert {(t.header.frame_id, t.child_frame_id) for m in tf for t in m.message.transforms} == {('map', 'head')}
    static = topics['/tf_static'][0].message.transforms
    assert {(t.header.frame_id, t.child_frame_id) for t in static} == {('head', 'camera_optical'), ('head', 'mic_array')}


def test_tf_matches_the_ground_truth_track(tiny_episode) -> None:
    gt = json.loads(tiny_episode.ground_truth.read_text())
    tf = _read(tiny_episode.bag)['/tf']
    wearer_t = np.asarray(gt['wearer']['t'])
    for message in tf[::25]:
        t = (message.stamp_ns - EPOCH_NS) / 1e9
        k = int(np.argmin(np.abs(wearer_t - t)))
        if abs(wearer_t[k] - t) > 1e-6:
            continue
        transform = message.message.transforms[0].transform
        position = [transform.translation.x, transform.translation.y, transform.translation.z]
        assert np.allclose(position, gt['wearer']['position'][k], atol=1e-3)
        q = transform.rotation
        yaw = Rotation.from_quat([q.x, q.y, q.z, q.w]).as_euler('ZYX')[0]
        assert np.cos(yaw - gt['wearer']['yaw'][k]) == pytest.approx(1.0, abs=1e-6)


def test_ground_truth_stays_out_of_the_bag(tiny_episode) -> None:
    assert tiny_episode.ground_truth.parent == tiny_episode.bag.parent
    assert not any(p.suffix == '.json' for p in tiny_episode.bag.iterdir())


def test_same_seed_gives_identical_bytes_and_another_seed_other_audio(tiny_episode, tiny_scene, tmp_path) -> None:
    # again with frames rendered in two worker processes: the same bytes
    again = generate_episode(tiny_scene, tmp_path / 'again', seed=11, quick=True, workers=2)
    for name in ('bag/bag.mcap', 'bag/metadata.yaml', 'questions.json', 'ground_truth.json'):
        assert (again.directory / name).read_bytes() == (tiny_episode.directory / name).read_bytes(), name
    other = generate_episode(tiny_scene, tmp_path / 'other', seed=12, quick=True)
    audio_a = np.concatenate([m.message.data for m in _read(tiny_episode.bag)['/mic_array/audio']])
    audio_b = np.concatenate([m.message.data for m in _read(other.bag)['/mic_array/audio']])
    assert not np.array_equal(audio_a, audio_b)


def test_cli_generates_and_refuses_to_overwrite(tmp_path, capsys) -> None:
    out = tmp_path / 'cli'
    assert cli_main(['synth', str(TINY), '--seed', '5', '--out', str(out), '--quick', '--no-progress']) == 0
    assert 'tiny_test_room: 40 frames' in capsys.readouterr().out
    assert (out / 'bag' / 'metadata.yaml').is_file() and (out / 'questions.json').is_file()
    assert cli_main(['synth', str(TINY), '--out', str(out), '--quick', '--no-progress']) == 2
    assert 'already exists (use --overwrite' in capsys.readouterr().err
    assert cli_main(['synth', str(tmp_path / 'nope.yaml'), '--out', str(out)]) == 2
    assert 'scene file not found' in capsys.readouterr().err
    assert resolve_scene(Path('demo')).name == 'demo.yaml'
    assert resolve_scene(Path('b01_small_quiet')).parent.name == 'bench'
    assert cli_main(['synth', '--out', str(out)]) == 2
    assert 'give either a SCENE file or --bench' in capsys.readouterr().err
    broken = tmp_path / 'broken.yaml'
    broken.write_text(TINY.read_text().replace('rt60: 0.3', 'rt60: -1'))
    assert cli_main(['synth', str(broken), '--out', str(tmp_path / 'b')]) == 2
    assert 'room.rt60: must be within' in capsys.readouterr().err


def test_diffuse_noise_is_mixed_at_the_scene_snr(tiny_scene) -> None:
    from dataclasses import replace

    from savvy_ros.synth.acoustics import AcousticSettings
    from savvy_ros.synth.episode import _generators, simulate_audio, synthesise_events
    from savvy_ros.synth.motion import wearer_trajectory
    from savvy_ros.synth.rig import Rig

    scene = replace(tiny_scene, room=replace(tiny_scene.room, snr_db=10.0), objects_by_id={})
    settings = AcousticSettings.for_mode(quick=True)
    rngs = _generators(scene, 1)
    dry = synthesise_events(scene, settings.sample_rate, rngs['sounds'])
    audio = simulate_audio(scene, dry, wearer_trajectory(scene), Rig.aria(), settings, rngs)
    fs = settings.sample_rate
    noise_power = np.mean(audio[:int(0.3 * fs)].astype(float) ** 2)            # before the first event
    active = np.zeros(len(audio), bool)
    for item in dry:
        active[item.start:item.start + len(item.samples)] = True
    total_power = np.mean(audio[active].astype(float) ** 2)
    assert 10 * np.log10((total_power - noise_power) / noise_power) == pytest.approx(10.0, abs=1.0)
