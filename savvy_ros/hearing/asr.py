"""Speech transcripts: Whisper tiny.en through faster-whisper (CTranslate2, int8 on the CPU).

Besides the best transcript the beam search's next-best distinct ones are kept (an n-best list, as
speech_recognition_msgs/SpeechRecognitionCandidates carries): far, reverberant speech is often
misheard, and a word the best hypothesis lost ("launch" for "lunch") is often in the second.

A transcript can also be biased toward words the speech may hold (Whisper's "previous text" prompt,
as faster-whisper's initial_prompt): told to expect "asking for the salt", the recogniser hears
"the salt of the pan" where unbiased it wrote "have the power of the pen", and where nothing like
those words was said it rarely writes them anyway (see savvy_ros/hearing/speech_audio.py). The
encoder's outputs are kept for the newest segments, per window, so that a segment read again toward
another prompt costs only the decoding.

The encoder is Whisper's cost: it was trained on 30 s windows (a short segment padded with silence)
and its attention grows with the square of the window, so the 30 s window of a 3 s utterance takes
~0.45 s of CPU with tiny.en where a 15 s one takes ~0.1 s. CTranslate2 encodes any even number of
frames up to 3000, so `min_window` chooses the window of the first reading, made as the audio comes:
the segment plus WINDOW_MARGIN of silence, never less than `min_window`, never more than 30 s. Below
~10 s the transcripts lose words (bench/bench_beamforming.py --asr-window). A reading biased toward a
prompt is made when a question asks for it, not as the audio comes: it takes Whisper's full window,
which heard the asked-for words more often on the synthetic bench.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from savvy_ros.hearing.errors import ModelFileError

# faster-whisper's transcribe() settings, which the n-best decoding below repeats for one window.
MAX_INITIAL_TIMESTAMP = 1.0     # [s]
NOT_SPEECH_PROBABILITY = 0.8    # Whisper's no-speech probability above which ...
NOT_SPEECH_LOGPROB = -1.0       # ... a low-confidence transcript is dropped as "not speech"
WINDOW_MARGIN = 2.0             # [s] of silence after the speech in a window shorter than 30 s
FRAMES_PER_SECOND = 100         # Whisper's log-mel frames
DEFAULT_MIN_WINDOW = 15.0       # [s] 4x less encoder CPU than 30 s for about the same words


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
                 alternatives: int = 2, encoder_cache: int = 32,
                 min_window: float = DEFAULT_MIN_WINDOW) -> None:
        """`encoder_cache`: encoder outputs kept for the newest segments (2.3 MB each for tiny);
        `min_window`: the shortest encoder window [s] (30 = always Whisper's full window)."""
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        if alternatives < 0 or encoder_cache < 0:
            raise ValueError(f'alternatives and encoder_cache must be >= 0, got {alternatives}, {encoder_cache}')
        if not 1.0 <= min_window <= 30.0:
            raise ValueError(f'min_window must be within [1, 30] s, got {min_window}')
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
        self.encoder_cache = int(encoder_cache)
        self.min_window = float(min_window)
        self._encoded: OrderedDict[bytes, object] = OrderedDict()

    def __call__(self, samples: np.ndarray, prompt: str = '') -> Transcript:
        """The transcript of `samples` (16 kHz mono); `prompt`: words to bias it toward ('' = none)."""
        samples = np.asarray(samples, dtype=np.float32)
        if samples.size > self.model.feature_extractor.n_samples:
            return self._transcribe(samples, prompt)   # longer than Whisper's 30 s window: its own windowing, 1-best
        # A biased reading verifies words: its next-best add nothing.
        return self._n_best(samples, 0 if prompt.strip() else self.alternatives, prompt)

    def window_frames(self, frames: int, full: bool = False) -> int:
        """Encoder window [log-mel frames] for a segment of `frames`: even (the encoder's stride-2 convolution);
        `full`: Whisper's own 30 s."""
        longest = self.model.feature_extractor.nb_max_frames
        if full:
            return longest
        wanted = max(math.ceil(self.min_window * FRAMES_PER_SECOND), frames + WINDOW_MARGIN * FRAMES_PER_SECOND)
        return min(longest, int(math.ceil(wanted / 2) * 2))

    def _encode(self, samples: np.ndarray, full: bool = False):
        """The encoder's output for one window (`full`: 30 s), from the cache when these samples were encoded
        lately in such a window."""
        from faster_whisper.audio import pad_or_trim

        extractor = self.model.feature_extractor
        # The log-mel frames (the last one dropped, as transcribe() does) number samples // hop: the
        # window is known without computing them, and a cached segment never computes them.
        frames = self.window_frames(samples.size // extractor.hop_length, full)
        key = hashlib.blake2b(samples.tobytes() + frames.to_bytes(4, 'little'), digest_size=16).digest()
        if key in self._encoded:
            self._encoded.move_to_end(key)
            return self._encoded[key]
        window = pad_or_trim(extractor(samples)[:, :-1], frames)
        encoded = self.model.encode(np.ascontiguousarray(window))
        if self.encoder_cache:
            self._encoded[key] = encoded
            while len(self._encoded) > self.encoder_cache:
                self._encoded.popitem(last=False)
        return encoded

    def _decoder_prompt(self, prompt: str) -> list[int]:
        """The task tokens, after Whisper's "previous text" (at most half its context) when prompted."""
        if not prompt.strip():
            return self._prompt
        previous = self._tokenizer.encode(' ' + prompt.strip())[-(self.model.max_length // 2 - 1):]
        return [self._tokenizer.sot_prev, *previous, *self._prompt]

    def _n_best(self, samples: np.ndarray, alternatives: int, prompt: str = '') -> Transcript:
        """One window decoded as transcribe() would (same prompt, suppression, beam), keeping more hypotheses."""
        encoded = self._encode(samples, full=bool(prompt.strip()))
        result = self.model.model.generate(
            encoded, [self._decoder_prompt(prompt)], beam_size=max(self.beam_size, 1 + alternatives),
            patience=1, num_hypotheses=1 + alternatives, length_penalty=1, repetition_penalty=1, no_repeat_ngram_size=0,
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

    def _transcribe(self, samples: np.ndarray, prompt: str = '') -> Transcript:
        segments, _ = self.model.transcribe(
            samples, language=self.language, beam_size=self.beam_size, initial_prompt=prompt.strip() or None,
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
