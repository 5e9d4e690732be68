"""TopicHealth: rates, stamp lag, ordering and frame-id checks, without ROS."""
from __future__ import annotations

import pytest

from savvy_ros.monitoring import HealthLevel, TopicHealth


def feed(health: TopicHealth, rate: float, n: int, lag: float = 0.01, frame: str = 'mic_array', t0: float = 10.0):
    for k in range(n):
        t = t0 + k / rate
        health.add(t + lag, t, frame)
    return t0 + (n - 1) / rate + lag


def test_healthy_topic_reports_ok_with_rate_and_lag():
    health = TopicHealth('/mic_array/audio', expected_rate=10.0)
    now = feed(health, 10.0, 50)
    report = health.report(now)
    assert report.level == HealthLevel.OK
    assert float(report.values['rate_hz']) == pytest.approx(10.0, rel=1e-6)
    assert float(report.values['stamp_lag_median_s']) == pytest.approx(0.01, abs=1e-4)
    assert report.values['frame_ids'] == 'mic_array'


def test_arrival_time_stamps_are_not_flagged_but_large_lag_is():
    health = TopicHealth('/camera/image_raw', max_lag=0.2)
    now = feed(health, 15.0, 30, lag=0.8)
    report = health.report(now)
    assert report.level == HealthLevel.WARN and 'lag arrival by 0.800' in report.message


def test_missing_frame_id_is_an_error():
    health = TopicHealth('/camera/image_raw')
    now = feed(health, 15.0, 5, frame='')
    report = health.report(now)
    assert report.level == HealthLevel.ERROR and '5 message(s) without frame_id' in report.message


def test_out_of_order_and_future_stamps_warn():
    health = TopicHealth('/x')
    health.add(1.0, 5.0, 'f')
    health.add(1.1, 4.0, 'f')
    report = health.report(1.2)
    assert report.level == HealthLevel.WARN
    assert '1 out-of-order stamp(s)' in report.message and 'in the future' in report.message


def test_slow_topic_and_silence():
    health = TopicHealth('/x', expected_rate=20.0, stale_after=2.0)
    now = feed(health, 5.0, 10)
    assert 'below half of the expected 20 Hz' in health.report(now).message
    assert health.report(now + 2.5).level == HealthLevel.STALE
    assert TopicHealth('/y').report(0.0).message == 'no messages yet'


def test_reset_forgets_history_and_headerless_messages_count():
    health = TopicHealth('/x')
    feed(health, 10.0, 5)
    health.reset()
    assert health.rate() == 0.0 and health.report(100.0).level == HealthLevel.STALE
    health.add(1.0, None, None)
    assert health.count == 6 and 'stamp_lag_median_s' not in health.report(1.0).values


def test_invalid_thresholds_rejected():
    with pytest.raises(ValueError):
        TopicHealth('/x', expected_rate=-1)
