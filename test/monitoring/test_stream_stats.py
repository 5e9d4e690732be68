"""The numbers behind the audio nodes' /diagnostics: counts, rates per period, drops, latency."""
from __future__ import annotations

from savvy_ros.monitoring.stream_stats import OK, WARN, StreamStats


def test_rates_latency_and_drops_per_report_period():
    stats = StreamStats(keep=3)
    assert stats.report(10.0)[0] == OK  # first report: no period yet
    stats.count('windows', 8)
    for latency in (0.001, 0.002, 0.003, 0.010):
        stats.latency(latency)
    level, message, values = stats.report(12.0)
    assert level == OK and message == 'ok'
    assert values['windows'] == '8' and values['windows rate [Hz]'] == '4.00'
    assert values['latency median [ms]'] == '3.00'  # only the last 3 are kept
    stats.dropped['non_finite'] += 2
    level, message, values = stats.report(13.0)
    assert level == WARN and '2 input(s) dropped' in message and values['dropped non_finite'] == '2'
    assert values['windows rate [Hz]'] == '0.00'
    assert stats.report(14.0)[0] == OK  # no new drops since the last report
