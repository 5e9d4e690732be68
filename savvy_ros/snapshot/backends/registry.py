"""Backends by name: the node's `backend` parameter picks one (pyroomacoustics-style registry)."""
from __future__ import annotations

from collections.abc import Callable

from savvy_ros.snapshot.backends.base import BackendOptions, SnapshotBackend

BackendFactory = Callable[[BackendOptions], SnapshotBackend]
_FACTORIES: dict[str, BackendFactory] = {}


class UnknownBackendError(ValueError):
    pass


def register_backend(name: str, factory: BackendFactory) -> None:
    _FACTORIES[name] = factory


def backend_names() -> list[str]:
    _register_builtins()
    return sorted(_FACTORIES)


def create_backend(name: str, options: BackendOptions) -> SnapshotBackend:
    """A backend by name; UnknownBackendError lists the known ones."""
    _register_builtins()
    if name not in _FACTORIES:
        raise UnknownBackendError(f'unknown snapshot backend {name!r}; known: {", ".join(sorted(_FACTORIES))}')
    return _FACTORIES[name](options)


def _register_builtins() -> None:
    # Imported here, not at module level: each backend imports its heavy SDK lazily anyway, and
    # the registry must stay importable where none of them can run.
    from savvy_ros.snapshot.backends.gemini_backend import GeminiBackend
    from savvy_ros.snapshot.backends.openai_backend import OpenAIBackend
    from savvy_ros.snapshot.backends.replay_backend import ReplayBackend
    from savvy_ros.snapshot.backends.transformers_backend import TransformersBackend
    for backend in (OpenAIBackend, GeminiBackend, TransformersBackend, ReplayBackend):
        _FACTORIES.setdefault(backend.name, backend)
