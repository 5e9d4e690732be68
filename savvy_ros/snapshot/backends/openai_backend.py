"""Any OpenAI-compatible chat endpoint: hosted, vLLM, llama.cpp's server, or our local_chat_server.

Plain HTTP (urllib), no SDK: POST {base_url}/chat/completions. Frames go as JPEG data URLs in
`image_url` parts and, with `send_audio`, the clip audio as a WAV `input_audio` part (only models
that accept audio take it). A request without media sends the text as a plain string, which
every server (text-only models included) accepts.
"""
from __future__ import annotations

import base64
import json
import socket
import urllib.error
import urllib.request
from typing import Any

from savvy_ros.snapshot.backends.base import (BackendError, BackendOptions, BackendRequest, BackendTimeoutError,
                                              BackendUnavailableError, SnapshotBackend, TransientBackendError)

DEFAULT_KEY_ENV = 'OPENAI_API_KEY'
_RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


def user_content(request: BackendRequest, send_audio: bool) -> str | list[dict[str, Any]]:
    clip = request.clip
    parts: list[dict[str, Any]] = []
    if clip is not None:
        for frame in clip.frames:
            url = 'data:image/jpeg;base64,' + base64.b64encode(frame.jpeg).decode('ascii')
            parts.append({'type': 'image_url', 'image_url': {'url': url}})
        if send_audio and clip.audio.size:
            parts.append({'type': 'input_audio',
                          'input_audio': {'data': base64.b64encode(clip.audio_wav()).decode('ascii'), 'format': 'wav'}})
    if not parts:
        return request.prompt.text
    return [{'type': 'text', 'text': request.prompt.text}, *parts]


def message_text(body: dict[str, Any]) -> str:
    """choices[0].message.content as text (a string, or a list of text parts)."""
    try:
        content = body['choices'][0]['message']['content']
    except (KeyError, IndexError, TypeError):
        raise BackendError(f'the endpoint answered without choices[0].message.content: {str(body)[:200]}') from None
    if isinstance(content, list):
        content = ''.join(p.get('text', '') for p in content if isinstance(p, dict))
    if not isinstance(content, str):
        raise BackendError(f'choices[0].message.content is {type(content).__name__}, not text')
    return content


class OpenAIBackend(SnapshotBackend):
    name = 'openai'

    def __init__(self, options: BackendOptions) -> None:
        if not options.base_url:
            raise BackendUnavailableError('the openai backend needs base_url (e.g. http://127.0.0.1:8080/v1 for a '
                                          'local server, https://api.openai.com/v1 for the hosted API)')
        self.options = options
        self.url = options.base_url.rstrip('/') + '/chat/completions'
        self.api_key = options.key(DEFAULT_KEY_ENV)

    @property
    def model(self) -> str:
        return f'openai:{self.options.model or "default"}'

    def payload(self, request: BackendRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            'messages': [{'role': 'system', 'content': request.prompt.system},
                         {'role': 'user', 'content': user_content(request, self.options.send_audio)}],
            'max_tokens': self.options.max_tokens, 'temperature': self.options.temperature,
            'seed': self.options.seed, 'stream': False}
        if self.options.model:
            body['model'] = self.options.model
        return body

    def generate(self, request: BackendRequest) -> str:
        headers = {'Content-Type': 'application/json'}
        if self.api_key:
            headers['Authorization'] = f'Bearer {self.api_key}'
        http_request = urllib.request.Request(self.url, json.dumps(self.payload(request)).encode(), headers,
                                              method='POST')
        try:
            with urllib.request.urlopen(http_request, timeout=request.timeout) as response:
                body = json.loads(response.read().decode('utf-8'))
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode('utf-8', 'replace')[:300]
            error = TransientBackendError if exc.code in _RETRY_STATUS else BackendError
            raise error(f'{self.url} answered HTTP {exc.code}: {detail}') from None
        except (TimeoutError, socket.timeout):
            raise BackendTimeoutError(f'{self.url} gave no answer within {request.timeout:g} s') from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise BackendTimeoutError(f'{self.url} gave no answer within {request.timeout:g} s') from None
            raise TransientBackendError(f'cannot reach {self.url}: {exc.reason}') from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise BackendError(f'{self.url} answered with something that is not JSON: {exc}') from None
        return message_text(body)
