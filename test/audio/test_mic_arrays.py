"""Array geometries: the shipped files, the builders, and the errors naming what is wrong."""
from __future__ import annotations

import numpy as np
import pytest

from savvy_ros.audio.mic_arrays import (ChannelCountError, MicArrayError, MicArrayGeometry,
                                        available_mic_arrays, circular_array, linear_array, load_mic_array)


def test_shipped_geometries_load_in_rep103():
    assert {'aria', 'respeaker_4mic', 'respeaker_6p1'} <= set(available_mic_arrays())
    aria = load_mic_array('aria')
    assert aria.num_channels == 7 and aria.frame_id == 'mic_array'
    # Mic 3 is front left: +y (REP 103 left); the temple mics 5, 6 are behind (-x).
    assert aria.positions[3, 1] > 0 > aria.positions[4, 1]
    assert aria.positions[5, 0] < 0 and aria.positions[6, 0] < 0
    assert aria.doa_channels == (3, 4, 5, 6)
    planar = aria.subset(aria.doa_channels)
    assert planar.is_planar() and not aria.is_planar() and planar.num_channels == 4
    assert load_mic_array('respeaker_4mic').num_channels == 4
    assert load_mic_array('respeaker_6p1').num_channels == 7


def test_builders_match_the_shipped_respeaker_files():
    np.testing.assert_allclose(circular_array(6, 0.0463, centre_mic=True).positions,
                               load_mic_array('respeaker_6p1').positions, atol=1e-6)
    np.testing.assert_allclose(circular_array(4, 0.032).positions, load_mic_array('respeaker_4mic').positions,
                               atol=1e-9)
    bar = linear_array(4, 0.05)
    np.testing.assert_allclose(bar.positions[:, 1], [-0.075, -0.025, 0.025, 0.075])
    assert bar.aperture == pytest.approx(0.15)


def test_path_loading_and_errors(tmp_path):
    good = tmp_path / 'bar.yaml'
    good.write_text('frame_id: bar\nconvention: REP 103\npositions: [[0, -0.1, 0], [0, 0.1, 0]]\n')
    geometry = load_mic_array(str(good))
    assert geometry.name == 'bar' and geometry.num_channels == 2
    optical = tmp_path / 'optical.yaml'
    optical.write_text('frame_id: x\nconvention: optical\npositions: [[0, 0, 0]]\n')
    with pytest.raises(MicArrayError, match='convention'):
        load_mic_array(str(optical))
    missing = tmp_path / 'missing.yaml'
    missing.write_text('frame_id: x\nconvention: REP 103\n')
    with pytest.raises(MicArrayError, match='positions'):
        load_mic_array(str(missing))
    with pytest.raises(FileNotFoundError, match='no_such_array'):
        load_mic_array('no_such_array')
    with pytest.raises(MicArrayError, match=r'\(N, 3\)'):
        MicArrayGeometry('flat', 'f', np.zeros((3, 2)))
    with pytest.raises(ChannelCountError, match='7 microphones but the audio has 4'):
        load_mic_array('aria').check_channels(4)
    with pytest.raises(MicArrayError, match='subset'):
        load_mic_array('aria').subset([7])
