"""The audio of recent speech events, kept so that they can be transcribed again when asked about.

A question about "when someone was asking for the salt" comes after the speech was transcribed, and
far, noisy speech is often misheard ("and we have the power of the pen"). Told then what to listen
for (WhisperTranscriber's prompt), the recogniser often hears the words its unbiased first pass
missed ("and we pass the salt on the pan"), and where nothing like them was said it rarely writes
them anyway. The hearing node keeps each speech event's ASR audio (16 kHz mono, exactly what was
first transcribed), bounded by total duration, and answers TranscribeSpeech requests from it.
"""
from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from savvy_ros.hearing.asr import Transcript
from savvy_ros.hearing.resample import MODEL_RATE


@dataclass(frozen=True)
class SpeechAudio:
    start: float          # [s] capture time of the event's onset
    end: float            # [s] capture time of its offset
    samples: np.ndarray   # 16 kHz mono float32, as the transcriber heard it (with its context)


class SpeechAudioStore:
    """The newest speech segments, up to `max_seconds` of audio in all (the oldest go first)."""

    def __init__(self, max_seconds: float = 600.0) -> None:
        if not (math.isfinite(max_seconds) and max_seconds > 0.0):
            raise ValueError(f'speech audio to keep must be a positive number of seconds, got {max_seconds}')
        self.max_samples = int(max_seconds * MODEL_RATE)
        self._segments: deque[SpeechAudio] = deque()
        self._samples = 0
        self.forgotten = 0   # segments dropped to stay within max_seconds

    def __len__(self) -> int:
        return len(self._segments)

    @property
    def seconds(self) -> float:
        return self._samples / MODEL_RATE

    def add(self, start: float, end: float, samples: np.ndarray) -> None:
        samples = np.array(samples, dtype=np.float32).ravel()   # a copy: the pipeline's buffer moves on
        if not (math.isfinite(start) and math.isfinite(end) and end >= start) or samples.size == 0:
            raise ValueError(f'speech audio needs a finite window and samples, got {start}..{end}, {samples.size}')
        self._segments.append(SpeechAudio(float(start), float(end), samples))
        self._samples += samples.size
        while self._samples > self.max_samples and len(self._segments) > 1:
            self._samples -= self._segments.popleft().samples.size
            self.forgotten += 1

    def find(self, start: float, end: float) -> SpeechAudio | None:
        """The kept segment overlapping `start`..`end` the most (the earliest among equals), None if none does."""
        best, overlap = None, 0.0
        for segment in self._segments:
            shared = min(end, segment.end) - max(start, segment.start)
            if start == end and segment.start <= start <= segment.end:
                shared = max(shared, 1e-9)   # a point inside a segment
            if shared > overlap:
                best, overlap = segment, shared
        return best


class SpeechRetranscriber:
    """Transcripts of kept speech, biased toward a prompt; each (segment, prompt) is decoded once."""

    def __init__(self, store: SpeechAudioStore, transcribe: Callable[..., Transcript], cache_size: int = 1024) -> None:
        self.store, self.transcribe = store, transcribe
        self._cache: OrderedDict[tuple[float, float, str], Transcript] = OrderedDict()
        self._cache_size = cache_size
        self.decoded = 0   # transcripts computed (not served from the cache)

    def __call__(self, prompt: str, windows: Sequence[tuple[float, float]]) -> list[Transcript | None]:
        """One transcript per window: of the kept speech overlapping it most; None where none is kept."""
        prompt = ' '.join(prompt.split())
        out: list[Transcript | None] = []
        for start, end in windows:
            segment = self.store.find(start, end)
            if segment is None:
                out.append(None)
                continue
            key = (segment.start, segment.end, prompt)
            if key not in self._cache:
                self._cache[key] = self.transcribe(segment.samples, prompt=prompt)
                self.decoded += 1
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            self._cache.move_to_end(key)
            out.append(self._cache[key])
        return out
