"""Multichannel audio chunks (any rate, capture-stamped) -> the 16 kHz hearing pipeline.

The VAD and the sound tagger hear the channel average (or one reference channel); given the array
geometry, the transcriber hears a beam steered to the loudest direction instead (see
audio/beamforming.py; bench/bench_beamforming.py: word error rate 62 % -> 36 %). VAD and tagging
on the beam were tried too: they changed the synthetic bench's segments and tags for the worse.
Checks each chunk; bad ones are counted by kind and dropped, never fatal. Stamps drive the time
base: small gaps (lost chunks) are filled with silence, larger jumps and format changes close the
open events and restart the stream at the new stamp.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from savvy_ros.audio.beamforming import SteeredBeamformer
from savvy_ros.audio.chunk_stream import ChunkRejected  # one rejection type for every audio consumer
from savvy_ros.audio.mic_arrays import MicArrayGeometry
from savvy_ros.hearing.events import HearingEvent
from savvy_ros.hearing.pipeline import HearingPipeline
from savvy_ros.hearing.resample import MODEL_RATE, StreamingResampler, mono_mix


@dataclass(frozen=True)
class StreamConfig:
    reference_channel: int = -1   # channel fed to VAD and tagging (and ASR without a beam); -1 = average of all
    stamp_tolerance: float = 0.02  # [s] stamp jitter accepted without touching the time base
    max_gap_fill: float = 1.0      # [s] gaps up to this are filled with silence; longer ones restart


class HearingStream:
    def __init__(self, pipeline: HearingPipeline, config: StreamConfig = StreamConfig(),
                 steering_array: MicArrayGeometry | None = None) -> None:
        """`steering_array`: the chunks' microphone geometry; given, the transcriber hears the steered beam."""
        self.pipeline, self.config = pipeline, config
        self.steering_array = steering_array
        self._beamformer: SteeredBeamformer | None = None
        self._asr_resampler: StreamingResampler | None = None
        self._mix_waiting = np.zeros(0, np.float32)   # mix samples the beam has not reached yet (its latency)
        self.rejected: Counter[str] = Counter()
        self.restarts = 0
        self._format: tuple[int, int] | None = None    # (sample_rate, channels)
        self._resampler: StreamingResampler | None = None
        self._start = 0.0                               # stamp of the first sample since the restart
        self._samples_in = 0                            # input samples since the restart

    @property
    def expected_stamp(self) -> float | None:
        return None if self._format is None else self._start + self._samples_in / self._format[0]

    def check(self, sample_rate: int, channels: int, data: np.ndarray, stamp: float) -> None:
        """Raises ChunkRejected, naming the kind of fault, for a chunk the stream cannot use."""
        if channels < 1 or sample_rate < 1000:
            raise ChunkRejected('bad_format', f'unusable format: {channels} channel(s) at {sample_rate} Hz')
        if data.size == 0:
            raise ChunkRejected('empty', 'empty chunk')
        if data.size % channels:
            raise ChunkRejected('channel_mismatch', f'{data.size} samples is not a multiple of {channels} channels')
        if self.steering_array is not None and channels != self.steering_array.num_channels:
            raise ChunkRejected('channel_mismatch', f'{channels} channel(s) but the steering array '
                                f'{self.steering_array.name!r} has {self.steering_array.num_channels} microphones')
        if self.config.reference_channel >= channels:
            raise ChunkRejected('channel_mismatch', f'reference channel {self.config.reference_channel} '
                                f'but the chunk has {channels} channel(s)')
        if not np.isfinite(data).all():
            raise ChunkRejected('non_finite', 'NaN or Inf samples')
        if not np.isfinite(stamp) or stamp < 0:
            raise ChunkRejected('bad_stamp', f'stamp {stamp!r} s')
        expected = self.expected_stamp
        if expected is not None and (sample_rate, channels) == self._format:
            duration = data.size / channels / sample_rate
            if stamp < expected - max(self.config.stamp_tolerance, duration / 2):
                raise ChunkRejected('out_of_order', f'stamp {stamp:.6f} s is before the expected {expected:.6f} s '
                                    '(duplicate, reordered or overlapping chunk)')

    def push(self, stamp: float, sample_rate: int, channels: int, data: np.ndarray) -> list[HearingEvent]:
        """Feed one chunk; returns the events it closed. Raises ChunkRejected (after counting it)."""
        data = np.asarray(data, dtype=np.float32)
        try:
            self.check(int(sample_rate), int(channels), data, float(stamp))
        except ChunkRejected as exc:
            self.rejected[exc.kind] += 1
            raise
        events: list[HearingEvent] = []
        expected = self.expected_stamp
        if (int(sample_rate), int(channels)) != self._format:
            events += self._restart(stamp, int(sample_rate), int(channels))
        elif stamp > expected + self.config.stamp_tolerance:
            gap = stamp - expected
            if gap > self.config.max_gap_fill:
                events += self._restart(stamp, int(sample_rate), int(channels))
            else:  # lost chunks: keep the time base with silence
                events += self._feed(np.zeros(int(round(gap * sample_rate)) * int(channels), dtype=np.float32))
        events += self._feed(data)
        return events

    def _feed(self, interleaved: np.ndarray) -> list[HearingEvent]:
        channels = self._format[1]
        mix = mono_mix(interleaved, channels, self.config.reference_channel)
        self._samples_in += mix.size
        if self._beamformer is None:
            return self.pipeline.push(self._resampler.process(mix))
        return self._push_with_beam(mix, self._beamformer.process(interleaved.reshape(-1, channels)))

    def _push_with_beam(self, mix: np.ndarray, beam: np.ndarray) -> list[HearingEvent]:
        """Both at the input rate; the mix is held back as far as the beam lags, so that sample n
        of one is sample n of the other and both resamplers turn out as many samples."""
        waiting = np.concatenate([self._mix_waiting, mix])
        self._mix_waiting = waiting[beam.size:]
        return self.pipeline.push(self._resampler.process(waiting[:beam.size]), self._asr_resampler.process(beam))

    def _restart(self, stamp: float, sample_rate: int, channels: int) -> list[HearingEvent]:
        if self._format is not None:
            self.restarts += 1
        events = self.flush()
        self._format = (sample_rate, channels)
        self._resampler = StreamingResampler(sample_rate, MODEL_RATE)
        if self.steering_array is not None:
            self._beamformer = SteeredBeamformer(np.asarray(self.steering_array.positions), sample_rate)
            self._asr_resampler = StreamingResampler(sample_rate, MODEL_RATE)
            self._mix_waiting = np.zeros(0, np.float32)
        self._start, self._samples_in = float(stamp), 0
        self.pipeline.restart(float(stamp))
        return events

    def flush(self) -> list[HearingEvent]:
        """Close every open event (end of file, stalled input, or before a restart)."""
        if self._resampler is None:
            return []
        if self._beamformer is None:
            events = self.pipeline.push(self._resampler.flush())
        else:
            events = self._push_with_beam(np.zeros(0, np.float32), self._beamformer.flush())
            events += self.pipeline.push(self._resampler.flush(), self._asr_resampler.flush())
        events += self.pipeline.flush()
        self._format, self._resampler, self._beamformer, self._asr_resampler = None, None, None, None
        return events

    @property
    def time(self) -> float:
        """Capture time just after the newest sample fed to the models."""
        return self.pipeline.time
