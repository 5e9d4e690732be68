"""Speech transcripts: Whisper tiny.en through faster-whisper (CTranslate2, int8 on the CPU)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from savvy_ros.hearing.errors import ModelFileError


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float   # [0, 1] exp(mean token log-probability), 0 when nothing was heard


class WhisperTranscriber:
    """Transcribes one 16 kHz speech segment at a time; greedy-deterministic (temperature 0 only)."""

    def __init__(self, model_dir: Path, threads: int = 1, beam_size: int = 5, language: str = 'en') -> None:
        from faster_whisper import WhisperModel

        try:
            self.model = WhisperModel(str(model_dir), device='cpu', compute_type='int8', cpu_threads=int(threads),
                                      num_workers=1, local_files_only=True)
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelFileError(model_dir, f'faster-whisper cannot load it: {exc}') from exc
        self.beam_size = int(beam_size)
        self.language = language

    def __call__(self, samples: np.ndarray) -> Transcript:
        segments, _ = self.model.transcribe(
            np.asarray(samples, dtype=np.float32), language=self.language, beam_size=self.beam_size,
            temperature=[0.0],  # no sampling fallback: same audio, same text
            condition_on_previous_text=False, vad_filter=False, without_timestamps=True)
        texts, weights, logprobs = [], [], []
        for segment in segments:
            text = segment.text.strip()
            if not text or segment.no_speech_prob > 0.8 and segment.avg_logprob < -1.0:
                continue  # Whisper's own "this was not speech"
            texts.append(text)
            weights.append(max(len(segment.tokens), 1))
            logprobs.append(segment.avg_logprob)
        if not texts:
            return Transcript('', 0.0)
        mean_logprob = float(np.average(logprobs, weights=weights))
        return Transcript(' '.join(texts), float(min(1.0, math.exp(mean_logprob))))
