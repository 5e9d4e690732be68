"""Describer: cache by (clip, question), retries with backoff, timeouts, concurrency limit, disk cache."""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from savvy_ros.snapshot.backends import (BackendError, BackendOptions, BackendTimeoutError, TransientBackendError,
                                         create_backend)
from savvy_ros.snapshot.clip import RollingBuffer
from savvy_ros.snapshot.describer import DescriberConfig, SnapshotDescriber
from savvy_ros.snapshot.parsing import SnapshotParseError

GOOD = json.dumps({'event': 'knock', 'start_time': '0:01', 'end_time': '0:02', 'mode': 'egocentric',
                   'sounding_object': {'description': 'door', 'is_static': True,
                                       'key_frames': {'0:01': {'distance': '2.0', 'direction': '-90'}}}})


def describer_for(url, sleeps=None, **config):
    backend = create_backend('openai', BackendOptions(base_url=url, model='m'))
    return SnapshotDescriber(backend, DescriberConfig(**config), sleep=(sleeps.append if sleeps is not None else None)
                             or (lambda s: None))


def small_clip(value: int = 100):
    buffer = RollingBuffer(duration=10.0, frame_rate=2.0)
    for k in range(6):
        buffer.add_frame(float(k), np.full((24, 32, 3), value + k, np.uint8))
    buffer.add_audio(0.0, 8000, np.sin(np.arange(8000 * 3) / 5.0).astype(np.float32))
    return buffer.clip(max_frames=3)


def test_transient_errors_are_retried_with_doubling_backoff_then_cached(scripted_endpoint):
    endpoint = scripted_endpoint([(503, 'busy', 0.0), (429, 'slow down', 0.0), (200, GOOD, 0.0)])
    sleeps: list[float] = []
    describer = describer_for(endpoint.url, sleeps, retries=2, backoff=0.5)
    clip = small_clip()
    outcome = describer.describe('where is the door?', clip)
    assert (outcome.attempts, outcome.cached, sleeps) == (3, False, [0.5, 1.0])
    assert outcome.description.object(0).keyframes[0].azimuth_rad == pytest.approx(np.pi / 2)
    body = endpoint.bodies[-1]
    assert body['model'] == 'm' and body['temperature'] == 0.0 and body['seed'] == 0
    parts = body['messages'][1]['content']
    assert [p['type'] for p in parts] == ['text', 'image_url', 'image_url', 'image_url']
    assert parts[1]['image_url']['url'].startswith('data:image/jpeg;base64,')
    # Same clip content and question: served from the cache; another question or clip queries again.
    assert describer.describe('where is the door?', small_clip()).cached and describer.backend_calls == 3
    endpoint.steps += [(200, GOOD, 0.0), (200, GOOD, 0.0)]
    assert not describer.describe('where is the sofa?', clip).cached
    assert not describer.describe('where is the door?', small_clip(7)).cached


def test_giving_up_and_errors_that_are_not_retried(scripted_endpoint):
    endpoint = scripted_endpoint([(503, 'down', 0.0)] * 3 + [(400, 'bad request', 0.0), (200, 'no json here', 0.0)])
    describer = describer_for(endpoint.url, retries=2)
    with pytest.raises(TransientBackendError, match=r'HTTP 503.*gave up after 3 attempt'):
        describer.describe('q', None)
    with pytest.raises(BackendError, match='HTTP 400: .*bad request') as info:
        describer.describe('q', None)
    assert not isinstance(info.value, TransientBackendError) and describer.backend_calls == 4
    with pytest.raises(SnapshotParseError):
        describer.describe('q', None)
    assert describer.backend_calls == 5   # parse failures are neither retried nor cached


def test_timeout_and_unreachable_server(scripted_endpoint):
    endpoint = scripted_endpoint([(200, GOOD, 1.5)])
    with pytest.raises(BackendTimeoutError, match='no answer within 0.3 s'):
        describer_for(endpoint.url, retries=0, timeout=0.3).describe('q', None)
    with pytest.raises(TransientBackendError, match='cannot reach'):
        describer_for('http://127.0.0.1:9/v1', retries=0).describe('q', None)


def test_concurrency_limit_holds_across_threads(scripted_endpoint):
    endpoint = scripted_endpoint([(200, GOOD, 0.2)] * 6)
    describer = describer_for(endpoint.url, max_concurrent=2)
    threads = [threading.Thread(target=describer.describe, args=(f'question {k}', None)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10.0)
    assert describer.backend_calls == 6 and endpoint.max_in_flight == 2


def test_disk_cache_survives_a_restart(scripted_endpoint, tmp_path):
    endpoint = scripted_endpoint([(200, GOOD, 0.0)])
    path = str(tmp_path / 'cache' / 'snapshots.db')
    first = describer_for(endpoint.url, cache_path=path)
    original = first.describe('where is the door?', small_clip())
    first.close()
    second = describer_for(endpoint.url, cache_path=path)
    again = second.describe('where is the door?', small_clip())
    assert again.cached and second.backend_calls == 0 and again.description == original.description
    second.close()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match='max_concurrent 0'):
        DescriberConfig(max_concurrent=0)
