"""Speech transcripts: Whisper tiny.en through faster-whisper (CTranslate2, int8 on the CPU).

Besides the best transcript the beam search's next-best distinct ones are kept (an n-best list, as
speech_recognition_msgs/SpeechRecognitionCandidates carries): far, reverberant speech is often
misheard, and a word the best hypothesis lost ("launch" for "lunch") is often in the second.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from savvy_ros.hearing.errors import ModelFileError

# faster-whisper's transcribe() settings, which the n-best decoding below repeats for one window.
MAX_INITIAL_TIMESTAMP = 1.0     # [s]
NOT_SPEECH_PROBABILITY = 0.8    # Whisper's no-speech probability above which ...
NOT_SPEECH_LOGPROB = -1.0       # ... a low-confidence transcript is dropped as "not speech"


@dataclass(frozen=True)
class Transcript:
    text: str
    confidence: float   # [0, 1] exp(mean token log-probability), 0 when nothing was heard
    alternatives: tuple[str, ...] = field(default=())   # next-best distinct transcripts, best first


def _same_words(a: str, b: str) -> bool:
    """Equal but for case and punctuation ("Oh." / "oh!"): not a different hypothesis."""
    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9']+", text.casefold())
    return words(a) == words(b)


class WhisperTranscriber:
    """Transcribes one 16 kHz speech segment at a time; deterministic (beam search, temperature 0 only)."""

    def __init__(self, model_dir: Path, threads: int = 1, beam_size: int = 5, language: str = 'en',
                 alternatives: int = 2) -> None:
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        if alternatives < 0:
            raise ValueError(f'alternatives must be >= 0, got {alternatives}')
        try:
            self.model = WhisperModel(str(model_dir), device='cpu', compute_type='int8', cpu_threads=int(threads),
                                      num_workers=1, local_files_only=True)
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelFileError(model_dir, f'faster-whisper cannot load it: {exc}') from exc
        self.beam_size = int(beam_size)
        self.alternatives = int(alternatives)
        self.language = language
        tokenizer = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual, task='transcribe',
                              language=language)
        self._tokenizer = tokenizer
        self._prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
        self._suppressed = list(get_suppressed_tokens(tokenizer, [-1]))

    def __call__(self, samples: np.ndarray) -> Transcript:
        samples = np.asarray(samples, dtype=np.float32)
        if self.alternatives == 0 or samples.size > self.model.feature_extractor.n_samples:
            return self._transcribe(samples)   # longer than Whisper's 30 s window: its own windowing, 1-best
        return self._n_best(samples)

    def _n_best(self, samples: np.ndarray) -> Transcript:
        """One 30 s window decoded as transcribe() would (same prompt, suppression, beam), keeping more hypotheses."""
        from faster_whisper.audio import pad_or_trim

        features = self.model.feature_extractor(samples)
        encoded = self.model.encode(pad_or_trim(features[:, :features.shape[-1] - 1]))
        result = self.model.model.generate(
            encoded, [self._prompt], beam_size=max(self.beam_size, 1 + self.alternatives), patience=1,
            num_hypotheses=1 + self.alternatives, length_penalty=1, repetition_penalty=1, no_repeat_ngram_size=0,
            max_length=self.model.max_length, return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=self._suppressed,
            max_initial_timestamp_index=int(round(MAX_INITIAL_TIMESTAMP / self.model.time_precision)))[0]
        texts = [self._tokenizer.decode(ids).strip() for ids in result.sequences_ids]
        tokens = result.sequences_ids[0]
        mean_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)   # as faster-whisper recovers it
        if not texts[0] or result.no_speech_prob > NOT_SPEECH_PROBABILITY and mean_logprob < NOT_SPEECH_LOGPROB:
            return Transcript('', 0.0)   # Whisper's own "this was not speech"
        distinct: list[str] = []
        for text in texts[1:]:
            if text and not any(_same_words(text, seen) for seen in [texts[0], *distinct]):
                distinct.append(text)
        return Transcript(texts[0], float(min(1.0, math.exp(mean_logprob))), tuple(distinct))

    def _transcribe(self, samples: np.ndarray) -> Transcript:
        segments, _ = self.model.transcribe(
            samples, language=self.language, beam_size=self.beam_size,
            temperature=[0.0],  # no sampling fallback: same audio, same text
            condition_on_previous_text=False, vad_filter=False, without_timestamps=True)
        texts, weights, logprobs = [], [], []
        for segment in segments:
            text = segment.text.strip()
            if not text or segment.no_speech_prob > NOT_SPEECH_PROBABILITY and segment.avg_logprob < NOT_SPEECH_LOGPROB:
                continue  # Whisper's own "this was not speech"
            texts.append(text)
            weights.append(max(len(segment.tokens), 1))
            logprobs.append(segment.avg_logprob)
        if not texts:
            return Transcript('', 0.0)
        mean_logprob = float(np.average(logprobs, weights=weights))
        return Transcript(' '.join(texts), float(min(1.0, math.exp(mean_logprob))))
