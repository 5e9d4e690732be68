"""The one small interface every AV-LLM backend implements, and the errors they raise.

A backend turns (prompt, clip) into the model's raw text; parsing, caching, retries and the
concurrency limit are the describer's job, so a backend is only the transport to one kind of
model. Transient errors (timeouts, rate limits, a server not up yet) are retried; the others
(missing SDK, key or weights, a rejected request, no replayed output) are not.
"""
from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from savvy_ros.snapshot.clip import Clip
from savvy_ros.snapshot.prompt import SnapshotPrompt


class BackendError(RuntimeError):
    """The backend could not produce an answer; not worth retrying."""


class BackendUnavailableError(BackendError):
    """The backend cannot run here: its SDK, key, server address or weights are missing."""


class TransientBackendError(BackendError):
    """Worth retrying: a timeout, a rate limit, a server error or a refused connection."""


class BackendTimeoutError(TransientBackendError):
    pass


@dataclass(frozen=True)
class BackendOptions:
    """Everything a backend may need; each uses what applies to it (parameters of the node)."""

    model: str = ''                   # model name at the endpoint / in the SDK
    base_url: str = ''                # openai: e.g. http://127.0.0.1:8080/v1
    api_key: str = ''                 # explicit key; else read from api_key_env
    api_key_env: str = ''             # environment variable holding the key
    model_path: str = ''              # transformers: local model directory
    model_class: str = 'AutoModelForImageTextToText'   # transformers: class that loads model_path
    replay_file: str = ''             # replay: a release sd_output JSON file
    send_audio: bool = False          # openai: attach the clip audio as input_audio
    max_tokens: int = 1024            # [tokens] generation limit
    temperature: float = 0.0
    seed: int = 0                     # passed to backends that accept one (determinism)
    extra: dict[str, str] = field(default_factory=dict)

    def key(self, default_env: str) -> str:
        return self.api_key or os.environ.get(self.api_key_env or default_env, '')


@dataclass(frozen=True)
class BackendRequest:
    question: str
    question_id: str                  # '' when the caller has none
    prompt: SnapshotPrompt
    clip: Clip | None                 # None: text-only request
    timeout: float                    # [s] for this attempt


class SnapshotBackend(ABC):
    """Turns a request into the model's raw text."""

    name: str = ''

    @property
    @abstractmethod
    def model(self) -> str:
        """'<backend>:<model>' as recorded in SnapshotDescriptor.model."""

    @abstractmethod
    def generate(self, request: BackendRequest) -> str:
        """The model's raw answer; raises BackendError (or a subclass)."""

    def close(self) -> None:
        """Release connections or weights (optional)."""
