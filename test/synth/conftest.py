"""Shared fixtures of the synthetic-scene tests: the tiny test scene and one generated episode."""
from __future__ import annotations

from pathlib import Path

import pytest

from savvy_ros.synth.episode import EpisodeSummary, generate_episode
from savvy_ros.synth.scene import Scene, load_scene

TINY_SCENE = Path(__file__).resolve().parent / 'scenes' / 'tiny.yaml'


@pytest.fixture(scope='session')
def tiny_scene() -> Scene:
    return load_scene(TINY_SCENE)


@pytest.fixture(scope='session')
def tiny_episode(tiny_scene: Scene, tmp_path_factory: pytest.TempPathFactory) -> EpisodeSummary:
    """The tiny scene generated once in quick mode (16 kHz), seed 11."""
    return generate_episode(tiny_scene, tmp_path_factory.mktemp('tiny_episode'), seed=11, quick=True)
