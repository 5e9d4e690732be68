"""Backend registry, the replay backend over the release file, and clear errors where a backend cannot run."""
from __future__ import annotations

import json

import pytest

from savvy_ros.snapshot.backends import (BackendError, BackendOptions, BackendRequest, BackendUnavailableError,
                                         UnknownBackendError, backend_names, create_backend)
from savvy_ros.snapshot.parsing import parse_model_output
from savvy_ros.snapshot.prompt import build_prompt


def request(question: str, question_id: str = '') -> BackendRequest:
    return BackendRequest(question, question_id, build_prompt(question, None), None, 5.0)


def test_registry_knows_the_four_backends_and_names_them_when_asked_for_another():
    assert backend_names() == ['gemini', 'openai', 'replay', 'transformers']
    with pytest.raises(UnknownBackendError, match="unknown snapshot backend 'claude'; known: gemini, openai"):
        create_backend('claude', BackendOptions())


def test_replay_serves_release_outputs_by_id_or_question(sd_file, sd_entries):
    backend = create_backend('replay', BackendOptions(replay_file=str(sd_file)))
    assert backend.model == 'replay:gemini25_sample'
    for qid, entry in sd_entries.items():
        assert json.loads(backend.generate(request('', qid))) == entry
    entry = sd_entries['spatial_temporal_audio_direction_ego_simple_18']
    by_text = backend.generate(request('  ' + entry['question'].upper() + ' '))
    assert parse_model_output(by_text).start_s == 29.0
    with pytest.raises(BackendError, match="no output for question id 'nope'"):
        backend.generate(request('where is the moon?', 'nope'))


def test_replay_without_a_usable_file(tmp_path):
    with pytest.raises(BackendUnavailableError, match='needs replay_file'):
        create_backend('replay', BackendOptions())
    bad = tmp_path / 'sd.json'
    bad.write_text('[1, 2]')
    with pytest.raises(BackendUnavailableError, match='expected'):
        create_backend('replay', BackendOptions(replay_file=str(bad)))


def test_gemini_says_what_is_missing(monkeypatch):
    for name in ('GEMINI_API_KEY', 'GOOGLE_API_KEY'):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(BackendUnavailableError, match='needs an API key: set GEMINI_API_KEY'):
        create_backend('gemini', BackendOptions())
    monkeypatch.setenv('GEMINI_API_KEY', 'not-a-real-key')
    with pytest.raises(BackendUnavailableError, match='Google GenAI SDK, which is not installed.*pip install google-genai'):
        create_backend('gemini', BackendOptions())


def test_openai_and_transformers_need_their_address_or_weights(tmp_path):
    with pytest.raises(BackendUnavailableError, match='needs base_url'):
        create_backend('openai', BackendOptions())
    with pytest.raises(BackendUnavailableError, match='needs model_path, a local model directory'):
        create_backend('transformers', BackendOptions(model_path=str(tmp_path / 'missing')))
    with pytest.raises(BackendUnavailableError, match="no model class 'NoSuchModel'"):
        create_backend('transformers', BackendOptions(model_path=str(tmp_path), model_class='NoSuchModel'))
