"""Speech activity: silero VAD (ONNX, 512-sample frames at 16 kHz) and a streaming segmenter.

`SileroVad` follows the reference OnnxWrapper of silero-vad 5/6: each 512-sample frame is fed with
the previous frame's last 64 samples as context and the recurrent state carried over.
`SpeechSegmenter` is the streaming form of silero's get_speech_timestamps hysteresis.
"""
from __future__ import annotations

from dataclasses import dataclass
import numpy as np

FRAME, CONTEXT, RATE = 512, 64, 16000


class SileroVad:
    """Speech probability per 512-sample frame of a 16 kHz stream; keeps partial frames."""

    def __init__(self, session) -> None:
        """`session`: an onnxruntime session of the silero VAD model (shareable; the state lives here)."""
        self.session = session
        self._rate = np.array(RATE, dtype=np.int64)
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._context = np.zeros((1, CONTEXT), dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def push(self, samples: np.ndarray) -> np.ndarray:
        """Probabilities of every frame completed by `samples`."""
        self._pending = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        count = self._pending.size // FRAME
        probs = np.empty(count, dtype=np.float32)
        for i in range(count):
            frame = self._pending[i * FRAME:(i + 1) * FRAME][None, :]
            feed = np.concatenate([self._context, frame], axis=1)
            out, self._state = self.session.run(None, {'input': feed, 'state': self._state, 'sr': self._rate})
            self._context = feed[:, -CONTEXT:]
            probs[i] = float(out.reshape(-1)[0])
        self._pending = self._pending[count * FRAME:]
        return probs


@dataclass(frozen=True)
class SegmenterConfig:
    threshold: float = 0.5           # speech starts at p >= threshold
    neg_threshold: float = 0.35      # and may end at p < neg_threshold
    min_speech: float = 0.25         # [s] shorter segments are dropped
    min_silence: float = 0.3         # [s] of low p before a segment ends
    speech_pad: float = 0.03         # [s] added on each side
    max_duration: float = 20.0       # [s] longer speech is cut into several segments


@dataclass(frozen=True)
class SpeechSpan:
    start_sample: int
    end_sample: int
    mean_probability: float


class SpeechSegmenter:
    """Frame probabilities in, closed speech spans (in 16 kHz samples) out."""

    def __init__(self, config: SegmenterConfig = SegmenterConfig()) -> None:
        self.config = config
        self._min_speech = int(config.min_speech * RATE)
        self._min_silence = int(config.min_silence * RATE)
        self._pad = int(config.speech_pad * RATE)
        self._max = max(int(config.max_duration * RATE), 2 * FRAME)
        self.reset()

    def reset(self) -> None:
        self._frame = 0                   # index of the next frame
        self._start: int | None = None    # open segment's first speech sample
        self._silence_from: int | None = None
        self._probs: list[float] = []
        self._last_end = 0

    @property
    def open_since(self) -> int | None:
        """First sample (padded) of the open segment, if any: audio before it is no longer needed."""
        return None if self._start is None else max(self._last_end, self._start - self._pad)

    def push(self, probabilities: np.ndarray) -> list[SpeechSpan]:
        spans = []
        c = self.config
        for p in probabilities:
            here = self._frame * FRAME
            self._frame += 1
            if self._start is None:
                if p >= c.threshold:
                    self._start, self._silence_from, self._probs = here, None, [float(p)]
                continue
            self._probs.append(float(p))
            if p >= c.threshold:
                self._silence_from = None
            elif p < c.neg_threshold and self._silence_from is None:
                self._silence_from = here
            if self._silence_from is not None and here + FRAME - self._silence_from >= self._min_silence:
                spans += self._close(self._silence_from)
            elif here + FRAME - self._start >= self._max:
                spans += self._close(here + FRAME)
                if p >= c.threshold:  # still talking: the next segment starts right here
                    self._start, self._probs = here + FRAME, []
        return spans

    def flush(self) -> list[SpeechSpan]:
        spans = self._close(self._silence_from or self._frame * FRAME) if self._start is not None else []
        self.reset()
        return spans

    def _close(self, end: int) -> list[SpeechSpan]:
        start, probs = self._start, self._probs
        self._start, self._silence_from, self._probs = None, None, []
        if start is None or end - start < self._min_speech:
            return []
        span = SpeechSpan(max(self._last_end, start - self._pad), end + self._pad,
                          float(np.mean(probs)) if probs else 0.0)
        self._last_end = span.end_sample
        return [span]
