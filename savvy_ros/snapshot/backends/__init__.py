"""AV-LLM backends behind one interface (see base.py), chosen by name (see registry.py)."""
from savvy_ros.snapshot.backends.base import (BackendError, BackendOptions, BackendRequest, BackendTimeoutError,
                                              BackendUnavailableError, SnapshotBackend, TransientBackendError)
from savvy_ros.snapshot.backends.registry import UnknownBackendError, backend_names, create_backend, register_backend

__all__ = ['BackendError', 'BackendOptions', 'BackendRequest', 'BackendTimeoutError', 'BackendUnavailableError',
           'SnapshotBackend', 'TransientBackendError', 'UnknownBackendError', 'backend_names', 'create_backend',
           'register_backend']
