"""The SAVVY conventions module: angles, levels, options, REP 103 conversion."""
from __future__ import annotations

import math

import pytest

from savvy_ros.qa.savvy_conventions import (HARD_OPTIONS, SIMPLE_OPTIONS, OptionsError, Viewpoint,
                                            direction_letter, direction_word, distance_2d, mean_facing,
                                            parse_options, rep103_azimuth_to_savvy_deg,
                                            savvy_deg_to_rep103_azimuth, signed_angle_deg)

NORTH = Viewpoint((0.0, 0.0), (0.0, 1.0))


@pytest.mark.parametrize('target, angle', [((0, 1), 0.0), ((1, 0), 90.0), ((-1, 0), -90.0),
                                           ((1, 1), 45.0), ((-1, -1), -135.0), ((0, -1), 180.0)])
def test_signed_angle_is_clockwise_positive(target, angle):
    assert signed_angle_deg(NORTH, target) == pytest.approx(angle)


@pytest.mark.parametrize('angle, simple, hard', [(10, 'right', 'front-right'), (-10, 'left', 'front-left'),
                                                 (100, 'right', 'back-right'), (-119.9, 'left', 'back-left'),
                                                 (120, 'back', 'back-right'), (-170, 'back', 'back-left'),
                                                 (89.9, 'right', 'front-right'), (90, 'right', 'back-right')])
def test_direction_words_at_both_levels(angle, simple, hard):
    assert direction_word(angle, 'simple') == simple
    assert direction_word(angle, 'hard') == hard


def test_letters_come_from_the_given_options():
    assert direction_letter(130.0, SIMPLE_OPTIONS) == ('C', 'back')
    assert direction_letter(-45.0, HARD_OPTIONS) == ('A', 'front-left')
    shuffled = ['A: back-right', 'B: front-left', 'C: back-left', 'D: front-right']
    assert direction_letter(-45.0, shuffled) == ('B', 'front-left')


@pytest.mark.parametrize('options', [['A left'], ['A: left', 'A: right', 'C: back'], ['A: up', 'B: down'],
                                     ['A: left', 'B: left', 'C: back']])
def test_malformed_options_are_rejected(options):
    with pytest.raises(OptionsError):
        direction_letter(0.0, options)


def test_parse_options_is_case_and_space_tolerant():
    assert parse_options([' a) Left ', 'b. RIGHT', 'C:back']) == {'left': 'A', 'right': 'B', 'back': 'C'}


def test_rep103_conversion_flips_the_sign_and_round_trips():
    assert rep103_azimuth_to_savvy_deg(math.radians(30)) == pytest.approx(-30.0)   # left in REP 103
    assert rep103_azimuth_to_savvy_deg(math.pi) == pytest.approx(180.0)
    for degrees in (-179.0, -90.0, 0.0, 45.0, 179.0):
        assert rep103_azimuth_to_savvy_deg(savvy_deg_to_rep103_azimuth(degrees)) == pytest.approx(degrees)


def test_distance_and_viewpoint_validation():
    assert distance_2d((0, 0, 5), (3, 4, -1)) == pytest.approx(5.0)   # heights ignored: 2D
    with pytest.raises(ValueError, match='zero length'):
        Viewpoint((0, 0), (0, 0))
    with pytest.raises(ValueError, match='non-finite'):
        Viewpoint((math.nan, 0), (1, 0))


def test_mean_facing_handles_wrap_around():
    fx, fy = mean_facing([[math.cos(math.radians(a)), math.sin(math.radians(a))] for a in (170, -170)])
    assert math.degrees(math.atan2(fy, fx)) == pytest.approx(180.0)
    with pytest.raises(ValueError):
        mean_facing([[1, 0], [-1, 0]])
