import math

import numpy as np
import pytest

from savvy_ros.hearing.bearings import BearingJoiner, BearingSample, dominant_bearing
from savvy_ros.hearing.events import SOUND, HearingEvent


def samples(azimuths, t0=0.0, weight=1.0):
    return [BearingSample(t0 + 0.25 * i, a, weight, 'mic_array') for i, a in enumerate(azimuths)]


def test_the_dominant_cluster_wins_and_its_spread_is_the_circular_std():
    rng = np.random.default_rng(0)
    main = list(0.8 + 0.05 * rng.standard_normal(30))
    other = list(-2.0 + 0.05 * rng.standard_normal(8))
    summary = dominant_bearing(samples(main + other))
    assert summary.azimuth == pytest.approx(0.8, abs=0.03)
    assert summary.spread == pytest.approx(0.05, abs=0.02)
    assert summary.count == 30 and summary.frame_id == 'mic_array'


def test_bearings_around_plus_minus_pi_average_across_the_wrap():
    summary = dominant_bearing(samples([math.pi - 0.05, -math.pi + 0.05, math.pi - 0.02, -math.pi + 0.02]))
    assert abs(abs(summary.azimuth) - math.pi) < 0.01
    assert summary.spread < 0.06


def test_no_bearings_no_summary():
    assert dominant_bearing([]) is None


def test_events_wait_for_bearings_that_cover_them_or_for_the_timeout():
    joiner = BearingJoiner(wait=1.0, margin=0.3)
    event = HearingEvent(SOUND, 10.0, 11.0, labels=['Knock'], scores=[0.5])
    joiner.add_events([event])
    for s in samples([0.5] * 3, t0=10.0):  # bearings up to 10.5 s
        joiner.add_bearing(s)
    assert joiner.release(audio_time=11.5) == [] and joiner.pending == 1
    joiner.add_bearing(BearingSample(11.25, 0.5, 1.0, 'mic_array'))
    joiner.add_bearing(BearingSample(11.5, -1.0, 1.0, 'mic_array'))  # after the event: not joined
    (released,) = joiner.release(audio_time=11.6)  # before the timeout: bearings cover it
    assert released.bearing.azimuth == pytest.approx(0.5) and released.bearing.count == 4
    # Without bearings the event goes out after `wait` seconds of audio, with no bearing.
    joiner.add_events([HearingEvent(SOUND, 20.0, 21.0)])
    assert joiner.release(audio_time=21.5) == []
    (late,) = joiner.release(audio_time=22.0)
    assert late.bearing is None


def test_unusable_bearings_are_refused_and_old_ones_forgotten():
    joiner = BearingJoiner(keep_seconds=5.0)
    with pytest.raises(ValueError):
        joiner.add_bearing(BearingSample(1.0, float('nan'), 1.0, 'mic_array'))
    joiner.add_bearing(BearingSample(1.0, 0.3, 1.0, 'mic_array'))
    joiner.add_bearing(BearingSample(10.0, -0.3, 1.0, 'mic_array'))
    assert joiner.join(HearingEvent(SOUND, 0.5, 1.5)).bearing is None  # forgotten after 5 s
