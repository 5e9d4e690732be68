"""Gemini through the Google GenAI SDK (`google-genai`), the model family the SAVVY paper used.

The SDK is imported only when this backend is created; without it, or without a key
(GEMINI_API_KEY / GOOGLE_API_KEY or the api_key parameter), creation fails with a message that
says what to install or set.
"""
from __future__ import annotations

import importlib
import os

from savvy_ros.snapshot.backends.base import (BackendError, BackendOptions, BackendRequest, BackendTimeoutError,
                                              BackendUnavailableError, SnapshotBackend, TransientBackendError)

KEY_ENVS = ('GEMINI_API_KEY', 'GOOGLE_API_KEY')
DEFAULT_MODEL = 'gemini-2.5-pro'


def _import_sdk():
    try:
        return importlib.import_module('google.genai'), importlib.import_module('google.genai.types')
    except ImportError as exc:
        raise BackendUnavailableError(f'the gemini backend needs the Google GenAI SDK, which is not installed '
                                      f'({exc}); install it with `pip install google-genai`') from None


class GeminiBackend(SnapshotBackend):
    name = 'gemini'

    def __init__(self, options: BackendOptions) -> None:
        key = options.api_key or (os.environ.get(options.api_key_env, '') if options.api_key_env else '') or \
            next((os.environ[e] for e in KEY_ENVS if os.environ.get(e)), '')
        if not key:
            raise BackendUnavailableError('the gemini backend needs an API key: set GEMINI_API_KEY (or '
                                          'GOOGLE_API_KEY, or the api_key_env / api_key parameters)')
        self.genai, self.types = _import_sdk()
        self.options = options
        self.client = self.genai.Client(api_key=key)

    @property
    def model(self) -> str:
        return f'gemini:{self.options.model or DEFAULT_MODEL}'

    def generate(self, request: BackendRequest) -> str:
        types = self.types
        parts = [types.Part.from_text(text=request.prompt.text)]
        if request.clip is not None:
            parts += [types.Part.from_bytes(data=f.jpeg, mime_type='image/jpeg') for f in request.clip.frames]
            if request.clip.audio.size:
                parts.append(types.Part.from_bytes(data=request.clip.audio_wav(), mime_type='audio/wav'))
        config = types.GenerateContentConfig(
            system_instruction=request.prompt.system, temperature=self.options.temperature, seed=self.options.seed,
            max_output_tokens=self.options.max_tokens, response_mime_type='application/json',
            http_options=types.HttpOptions(timeout=int(request.timeout * 1000)))   # milliseconds
        try:
            response = self.client.models.generate_content(model=self.options.model or DEFAULT_MODEL,
                                                           contents=parts, config=config)
        except TimeoutError:
            raise BackendTimeoutError(f'Gemini gave no answer within {request.timeout:g} s') from None
        except Exception as exc:  # noqa: BLE001 - the SDK's error classes vary between versions
            code = getattr(exc, 'code', None)
            error = TransientBackendError if code in (429, 500, 503, 504) or 'timeout' in str(exc).lower() \
                else BackendError
            raise error(f'Gemini request failed: {type(exc).__name__}: {exc}') from None
        text = getattr(response, 'text', None)
        if not text:
            raise BackendError('Gemini answered without text (blocked or empty candidate)')
        return text
