"""Detector options: per-label thresholds, and one set of defaults in DetectorConfig, the vision node's
parameters, config/savvy.yaml and `savvy-ros detect`."""
from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import yaml

from savvy_ros.cli import detect_command
from savvy_ros.nodes.vision_node import PARAMETERS
from savvy_ros.vision.detector import DetectorConfig, format_class_thresholds, parse_class_thresholds

REPO = Path(__file__).resolve().parents[2]
ZOOM_OPTIONS = ('zoom_crops', 'zoom_input_size', 'zoom_context', 'zoom_min_score', 'zoom_max_height', 'zoom_objectness')


def test_class_thresholds_parse_and_format():
    assert parse_class_thresholds(' cat: 0.2,cup:0.25 , ') == (('cat', 0.2), ('cup', 0.25))
    assert parse_class_thresholds('dining table: 0.4') == (('dining table', 0.4),)
    assert parse_class_thresholds('') == ()
    pairs = (('cat', 0.2), ('cup', 0.25))
    assert parse_class_thresholds(format_class_thresholds(pairs)) == pairs


@pytest.mark.parametrize('text', ['cat', 'cat: high', ': 0.2', 'cat: 0', 'cat: 1.5', 'cat 0.2'])
def test_bad_class_thresholds_say_what_is_expected(text):
    with pytest.raises(ValueError, match='expected "label: score"'):
        parse_class_thresholds(text)


def test_threshold_per_label():
    config = DetectorConfig(score_threshold=0.3, class_thresholds=(('cup', 0.2),))
    assert config.threshold('cup') == 0.2 and config.threshold('person') == 0.3


def test_node_parameters_yaml_and_detector_config_agree():
    defaults = {spec.name: spec.default for spec in PARAMETERS}
    section = yaml.safe_load((REPO / 'config' / 'savvy.yaml').read_text())['savvy_vision']['ros__parameters']
    config = DetectorConfig()
    for name in ZOOM_OPTIONS:
        assert defaults[name] == section[name] == getattr(config, name), name
    assert parse_class_thresholds(defaults['class_thresholds']) == parse_class_thresholds(section['class_thresholds']) \
        == config.class_thresholds
    assert all(spec.description for spec in PARAMETERS)


def test_detect_command_defaults_match_the_node():
    parser = argparse.ArgumentParser()
    detect_command.add_arguments(parser)
    args = parser.parse_args(['image.png', '--camera-info', 'camera.yaml'])
    assert parse_class_thresholds(args.class_thresholds) == DetectorConfig().class_thresholds
    assert args.zoom_crops == DetectorConfig().zoom_crops
    assert args.zoom_objectness == DetectorConfig().zoom_objectness
