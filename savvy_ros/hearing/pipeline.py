"""The hearing pipeline on one continuous 16 kHz mono stream: VAD + ASR for speech, YAMNet for
sounds; closed events out, on the capture clock (sample i is at t0 + i / 16000)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from savvy_ros.hearing.events import SOUND, SPEECH, HearingEvent
from savvy_ros.hearing.log_mel import PatchStream
from savvy_ros.hearing.models import HearingModels
from savvy_ros.hearing.resample import MODEL_RATE
from savvy_ros.hearing.sound_events import SoundConfig, SoundEventBuilder, SoundSpan
from savvy_ros.hearing.speech_audio import SpeechAudioStore
from savvy_ros.hearing.vad import SegmenterConfig, SileroVad, SpeechSegmenter, SpeechSpan

SPEECH_LABEL = 'Speech'


@dataclass(frozen=True)
class PipelineConfig:
    speech: SegmenterConfig = field(default_factory=SegmenterConfig)
    sound: SoundConfig = field(default_factory=SoundConfig)
    history_margin: float = 1.0   # [s] audio kept before the oldest open event (bounded buffer)
    asr_context: float = 0.2      # [s] extra audio each side of a segment given to ASR (VAD onsets lag a little)


class HearingPipeline:
    def __init__(self, models: HearingModels, config: PipelineConfig = PipelineConfig(),
                 speech_audio: SpeechAudioStore | None = None) -> None:
        """`speech_audio`: where each transcribed speech segment's audio is kept (to transcribe it again)."""
        self.models, self.config = models, config
        self.speech_audio = speech_audio
        self.vad = SileroVad(models.vad_session)
        self.segmenter = SpeechSegmenter(config.speech)
        self.patches = PatchStream()
        self.sounds = SoundEventBuilder(models.tagger.class_names, config.sound)
        self.t0 = 0.0
        self._reset_audio()

    def _reset_audio(self) -> None:
        self._audio = np.zeros(0, dtype=np.float32)   # recent samples, from index _audio0
        self._audio0 = 0
        self.received = 0

    def restart(self, t0: float) -> None:
        """Start a new stream whose sample 0 was captured at `t0` (call flush() first)."""
        self.vad.reset()
        self.segmenter.reset()
        self.patches.reset()
        self.sounds.reset()
        self._reset_audio()
        self.t0 = float(t0)

    @property
    def time(self) -> float:
        """Capture time just after the newest sample."""
        return self.t0 + self.received / MODEL_RATE

    def push(self, samples: np.ndarray, asr_samples: np.ndarray | None = None) -> list[HearingEvent]:
        """`asr_samples`: what the transcriber hears instead of `samples` (as many, the same times),
        e.g. a beam steered at the talker while VAD and tagging hear the whole room."""
        samples = np.asarray(samples, dtype=np.float32)
        heard = samples if asr_samples is None else np.asarray(asr_samples, dtype=np.float32)
        if heard.shape != samples.shape:
            raise ValueError(f'asr_samples has {heard.size} samples, the stream {samples.size}')
        self._audio = np.concatenate([self._audio, heard])
        self.received += samples.size
        spans = self.segmenter.push(self.vad.push(samples))
        sound_spans: list[SoundSpan] = []
        for patch in self.patches.push(samples):
            sound_spans += self.sounds.push(patch, self.models.tagger(patch.log_mel))
        events = self._events(spans, sound_spans)
        self._trim_audio()
        return events

    def flush(self) -> list[HearingEvent]:
        """Close everything open at the end of the stream."""
        sound_spans: list[SoundSpan] = []
        for patch in self.patches.flush():
            sound_spans += self.sounds.push(patch, self.models.tagger(patch.log_mel))
        events = self._events(self.segmenter.flush(), sound_spans + self.sounds.flush())
        self.restart(self.time)
        return events

    def _seconds(self, sample: int) -> float:
        return self.t0 + min(sample, self.received) / MODEL_RATE

    def _events(self, speech: list[SpeechSpan], sounds: list[SoundSpan]) -> list[HearingEvent]:
        events = [self._speech_event(span) for span in speech]
        events += [HearingEvent(SOUND, self._seconds(s.start_sample), self._seconds(s.end_sample), '',
                                s.labels, s.scores, s.scores[0] if s.scores else 0.0,
                                impulsiveness=s.impulsiveness) for s in sounds]
        return sorted(events, key=lambda e: (e.start, e.end, e.kind))

    def _speech_event(self, span: SpeechSpan) -> HearingEvent:
        event = HearingEvent(SPEECH, self._seconds(span.start_sample), self._seconds(span.end_sample), '',
                             [SPEECH_LABEL], [span.mean_probability], span.mean_probability)
        if self.models.transcriber is not None:
            context = int(self.config.asr_context * MODEL_RATE)
            lo = max(span.start_sample - context - self._audio0, 0)
            heard = self._audio[lo:max(span.end_sample + context - self._audio0, lo)]
            transcript = self.models.transcriber(heard)
            event.text, event.confidence = transcript.text, transcript.confidence
            event.alternatives = list(transcript.alternatives)
            if self.speech_audio is not None and heard.size:
                self.speech_audio.add(event.start, event.end, heard)
        return event

    def _trim_audio(self) -> None:
        keep_from = self.received - int(self.config.history_margin * MODEL_RATE)
        if self.segmenter.open_since is not None:
            keep_from = min(keep_from, self.segmenter.open_since - int(self.config.asr_context * MODEL_RATE))
        drop = min(max(0, keep_from - self._audio0), self._audio.size)
        self._audio, self._audio0 = self._audio[drop:], self._audio0 + drop
