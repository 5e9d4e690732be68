"""rviz/savvy.rviz is valid YAML showing TF, the map markers and the camera in the map frame."""
from __future__ import annotations

from pathlib import Path

import yaml

RVIZ = Path(__file__).resolve().parents[2] / 'rviz' / 'savvy.rviz'


def test_rviz_config_shows_the_map_topics():
    config = yaml.safe_load(RVIZ.read_text())
    manager = config['Visualization Manager']
    assert manager['Global Options']['Fixed Frame'] == 'map'
    topics = {d['Class']: d.get('Topic', {}).get('Value') for d in manager['Displays']}
    assert topics['rviz_default_plugins/MarkerArray'] == '/savvy/markers'
    assert topics['rviz_default_plugins/Image'] == '/camera/image_raw'
    assert 'rviz_default_plugins/TF' in topics
