"""Load the three hearing models once; pipelines share them (the sessions hold no stream state)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from savvy_ros.hearing.asr import DEFAULT_MIN_WINDOW, WhisperTranscriber
from savvy_ros.hearing.model_files import silero_vad_model, whisper_model_dir, yamnet_files
from savvy_ros.hearing.onnx_session import open_session
from savvy_ros.hearing.yamnet import YamnetTagger


@dataclass(frozen=True)
class ModelPaths:
    """Overrides; '' means the file shipped in the registry package."""

    vad_model: str = ''
    asr_model: str = ''
    yamnet_model: str = ''
    yamnet_class_map: str = ''


@dataclass
class HearingModels:
    vad_model: Path
    vad_session: object
    tagger: YamnetTagger
    transcriber: WhisperTranscriber | None   # None: speech segments without transcripts


def load_models(paths: ModelPaths = ModelPaths(), *, asr: bool = True, threads: int = 1,
                beam_size: int = 5, alternatives: int = 2, encoder_cache: int = 32,
                asr_min_window: float = DEFAULT_MIN_WINDOW) -> HearingModels:
    """Raises ModelPackageMissingError / ModelFileError naming the package or file at fault."""
    vad = silero_vad_model(paths.vad_model or None)
    tagger = YamnetTagger(yamnet_files(paths.yamnet_model or None, paths.yamnet_class_map or None), threads)
    transcriber = (WhisperTranscriber(whisper_model_dir(paths.asr_model or None), threads, beam_size,
                                      alternatives=alternatives, encoder_cache=encoder_cache,
                                      min_window=asr_min_window)
                   if asr else None)
    return HearingModels(vad, open_session(vad, threads), tagger, transcriber)
