"""`savvy-ros demo` reuses its episode only while nothing the generator runs or reads has changed."""
from __future__ import annotations

import shutil
from pathlib import Path

import savvy_ros
from savvy_ros.cli import demo_command
from savvy_ros.cli.demo_command import generator_fingerprint, generator_sources

ROOT = Path(savvy_ros.__file__).parent


def test_sources_are_the_generator_and_what_it_imports():
    sources = {str(p.relative_to(ROOT.parent)) for p in generator_sources()}
    # Imported from synth directly (mic arrays, bag writer, ground-truth answers), through another
    # module (the type store, via the bag writer), relatively (tf/buffer.py from tf/__init__.py).
    assert {'savvy_ros/synth/episode.py', 'savvy_ros/audio/mic_arrays.py', 'savvy_ros/bags/bag_writer.py',
            'savvy_ros/bags/typestore.py', 'savvy_ros/qa/gt_context.py', 'savvy_ros/tf/buffer.py',
            'savvy_ros/audio/__init__.py', 'config/mic_arrays/aria.yaml', 'msg/AudioChunk.msg'} <= sources
    # Not the nodes, the perception or the evaluator: changing those does not regenerate the demo.
    assert not any(s.startswith(('savvy_ros/nodes/', 'savvy_ros/vision/', 'savvy_ros/evaluation/')) for s in sources)


def test_a_change_outside_synth_that_the_generator_imports_changes_the_fingerprint(tmp_path, monkeypatch):
    package = tmp_path / 'savvy_ros'
    shutil.copytree(ROOT, package, ignore=shutil.ignore_patterns('__pycache__'))
    shutil.copytree(ROOT.parent / 'config', tmp_path / 'config')
    shutil.copytree(ROOT.parent / 'msg', tmp_path / 'msg')
    monkeypatch.setattr(savvy_ros, '__file__', str(package / '__init__.py'))
    monkeypatch.setattr('savvy_ros.resources.share_dir', lambda: tmp_path)
    scene = tmp_path / 'scene.yaml'
    scene.write_text('name: test\n')
    before = generator_fingerprint(scene, quick=False)
    assert generator_fingerprint(scene, quick=False) == before != generator_fingerprint(scene, quick=True)
    mic_arrays = package / 'audio' / 'mic_arrays.py'
    mic_arrays.write_text(mic_arrays.read_text() + '\n# a change\n')
    assert generator_fingerprint(scene, quick=False) != before
    after_mic = generator_fingerprint(scene, quick=False)
    (package / 'nodes' / 'vision_node.py').write_text('# not the generator\n')
    assert generator_fingerprint(scene, quick=False) == after_mic
    (tmp_path / 'msg' / 'AudioChunk.msg').write_text('uint8[] data\n')
    assert generator_fingerprint(scene, quick=False) != after_mic
    assert demo_command.generator_sources()[0].is_relative_to(tmp_path)
