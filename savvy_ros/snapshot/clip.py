"""A bounded rolling buffer of camera frames and audio, and the clip cut from it for one question.

Memory is bounded three ways: frames are thinned to `frame_rate` on arrival, downscaled and kept
JPEG-encoded, and everything older than `duration` seconds behind the newest stamp is dropped
(plus a hard cap on frames). Audio is kept as a mono mix, resampled on arrival to the model's
rate (streaming, so cutting a clip is only slicing); a stamp jump or a rate change starts a new
stream. A clip samples at most `max_frames` frames evenly over its span; its `key` (a content
hash) is what the descriptor cache uses, so a replay of the same data hits the cache.
"""
from __future__ import annotations

import hashlib
import io
import math
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np
import soundfile

from savvy_ros.hearing.resample import StreamingResampler


class ClipError(ValueError):
    """A clip cannot be cut (empty buffer, bad window)."""


@dataclass(frozen=True)
class BufferedFrame:
    stamp: float           # capture time [s]
    jpeg: bytes            # RGB frame, downscaled, JPEG-encoded


@dataclass(frozen=True)
class AudioBlock:
    stamp: float           # capture time of the first sample [s]
    rate: int              # [Hz]
    samples: np.ndarray    # mono float32, full scale 1.0

    @property
    def end(self) -> float:
        return self.stamp + self.samples.size / self.rate


class _AudioStream:
    """One continuous run of input audio and its resampler."""

    def __init__(self, stamp: float, rate: int, out_rate: int) -> None:
        self.start, self.rate, self.expected = stamp, rate, stamp
        self.resampler = StreamingResampler(rate, out_rate)
        self.produced = 0


@dataclass(frozen=True)
class ClipFrame:
    time_s: float          # clip time (0 = clip start) [s]
    jpeg: bytes


@dataclass(frozen=True)
class Clip:
    start: float                   # capture time of the clip's first instant [s]
    end: float                     # capture time of its last instant [s]
    frames: tuple[ClipFrame, ...]
    audio: np.ndarray              # mono float32 at audio_rate, starting at audio_offset
    audio_rate: int                # [Hz]
    audio_offset: float            # clip time of the first audio sample [s]

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def audio_duration(self) -> float:
        return self.audio.size / self.audio_rate if self.audio_rate > 0 else 0.0

    @property
    def key(self) -> str:
        """Content hash: the same frames, audio and span give the same key."""
        digest = hashlib.sha256(f'{self.start:.6f}|{self.end:.6f}|{self.audio_rate}|{self.audio_offset:.6f}'.encode())
        for frame in self.frames:
            digest.update(f'{frame.time_s:.6f}'.encode())
            digest.update(frame.jpeg)
        digest.update(np.ascontiguousarray(self.audio, dtype='<f4').tobytes())
        return digest.hexdigest()

    def audio_wav(self) -> bytes:
        """The audio as a 16-bit PCM WAV file (what chat APIs accept as input_audio)."""
        out = io.BytesIO()
        soundfile.write(out, np.clip(self.audio, -1.0, 1.0), self.audio_rate, format='WAV', subtype='PCM_16')
        return out.getvalue()

    def frame_images(self) -> list[np.ndarray]:
        """The frames decoded as RGB uint8 arrays (for local models)."""
        return [cv2.cvtColor(cv2.imdecode(np.frombuffer(f.jpeg, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
                for f in self.frames]


def encode_frame(rgb: np.ndarray, max_side: int, quality: int = 85) -> bytes:
    """Downscale so the longer side is at most `max_side` px and JPEG-encode."""
    height, width = rgb.shape[:2]
    scale = min(1.0, max_side / max(height, width)) if max_side > 0 else 1.0
    if scale < 1.0:
        rgb = cv2.resize(rgb, (max(1, round(width * scale)), max(1, round(height * scale))),
                         interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode('.jpg', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ClipError(f'could not JPEG-encode a {width}x{height} frame')
    return data.tobytes()


class RollingBuffer:
    """Frames and audio of the last `duration` seconds (capture clock)."""

    def __init__(self, duration: float = 120.0, frame_rate: float = 1.0, max_frames: int = 600,
                 frame_max_side: int = 512, audio_rate: int = 16000) -> None:
        if duration <= 0 or frame_rate <= 0 or max_frames <= 0 or audio_rate <= 0:
            raise ValueError(f'buffer duration ({duration}), frame_rate ({frame_rate}), max_frames '
                             f'({max_frames}) and audio_rate ({audio_rate}) must be positive')
        self.duration, self.frame_period, self.frame_max_side = duration, 1.0 / frame_rate, frame_max_side
        self.audio_rate = int(audio_rate)
        self.frames: deque[BufferedFrame] = deque(maxlen=max_frames)
        self.audio: deque[AudioBlock] = deque()     # at audio_rate, time-ordered
        self._stream: _AudioStream | None = None

    @property
    def newest(self) -> float | None:
        stamps = [s for s in ((self.frames[-1].stamp if self.frames else None),
                              (self.audio[-1].end if self.audio else None)) if s is not None]
        return max(stamps) if stamps else None

    @property
    def oldest(self) -> float | None:
        stamps = [s for s in ((self.frames[0].stamp if self.frames else None),
                              (self.audio[0].stamp if self.audio else None)) if s is not None]
        return min(stamps) if stamps else None

    def clear(self) -> None:
        self.frames.clear()
        self.audio.clear()
        self._stream = None

    def add_frame(self, stamp: float, rgb: np.ndarray) -> bool:
        """Keep the frame unless it comes sooner than the frame period after the last kept one."""
        if not math.isfinite(stamp):
            raise ClipError(f'frame stamp {stamp} is not finite')
        if self.frames and stamp < self.frames[-1].stamp + self.frame_period - 1e-9:
            return False
        self.frames.append(BufferedFrame(stamp, encode_frame(rgb, self.frame_max_side)))
        self._trim()
        return True

    def add_audio(self, stamp: float, rate: int, mono: np.ndarray) -> None:
        mono = np.asarray(mono, dtype=np.float32).reshape(-1)
        if not math.isfinite(stamp) or rate <= 0 or not mono.size or not np.isfinite(mono).all():
            raise ClipError(f'audio block at {stamp} ({mono.size} samples at {rate} Hz) is empty or not finite')
        stream = self._stream
        if stream is not None and stamp < stream.expected - 0.5:
            self.audio.clear()        # time went back (a replay restarted): the old audio no longer fits
            stream = self._stream = None
        if stream is None or rate != stream.rate or abs(stamp - stream.expected) > max(1e-3, 2.0 / rate):
            self._end_stream()
            stream = self._stream = _AudioStream(stamp, int(rate), self.audio_rate)
        self._append(stream, stream.resampler.process(mono))
        stream.expected = stamp + mono.size / rate
        self._trim()

    def _append(self, stream: _AudioStream, samples: np.ndarray) -> None:
        if samples.size:
            self.audio.append(AudioBlock(stream.start + stream.produced / self.audio_rate, self.audio_rate, samples))
            stream.produced += samples.size

    def _end_stream(self) -> None:
        if self._stream is not None:
            self._append(self._stream, self._stream.resampler.flush())
            self._stream = None

    def _trim(self) -> None:
        newest = self.newest
        horizon = newest - self.duration if newest is not None else -math.inf
        while self.frames and self.frames[0].stamp < horizon:
            self.frames.popleft()
        while self.audio and self.audio[0].end < horizon:
            self.audio.popleft()

    def clip(self, start: float | None = None, end: float | None = None, max_frames: int = 8) -> Clip:
        """The clip over [start, end] (None = the buffer's bounds), frames sampled evenly."""
        start = self.oldest if start is None else start
        end = self.newest if end is None else end
        if start is None:
            raise ClipError('the buffer is empty: no frames or audio received yet, and no clip start was given')
        end = start if end is None else end     # text-only clip (e.g. replayed outputs)
        if not (math.isfinite(start) and math.isfinite(end)) or end < start:
            raise ClipError(f'bad clip window [{start}, {end}]')
        inside = [f for f in self.frames if start <= f.stamp <= end]
        if len(inside) > max_frames > 0:
            picks = np.unique(np.round(np.linspace(0, len(inside) - 1, max_frames)).astype(int))
            inside = [inside[i] for i in picks]
        frames = tuple(ClipFrame(f.stamp - start, f.jpeg) for f in inside)
        audio, offset = self._audio_between(start, end)
        return Clip(start, end, frames, audio, self.audio_rate, offset)

    def _audio_between(self, start: float, end: float) -> tuple[np.ndarray, float]:
        blocks = [b for b in self.audio if b.end > start and b.stamp < end]
        if not blocks:
            return np.zeros(0, np.float32), 0.0
        rate, first = self.audio_rate, blocks[0].stamp
        # Blocks are placed on the first block's sample timeline; gaps become silence.
        total = int(round((blocks[-1].end - first) * rate))
        signal = np.zeros(total, np.float32)
        for block in blocks:
            at = int(round((block.stamp - first) * rate))
            n = min(block.samples.size, max(0, total - at))
            signal[at:at + n] = block.samples[:n]
        lo = max(0, int(round((start - first) * rate)))
        hi = min(total, int(round((end - first) * rate)))
        return signal[lo:hi], max(0.0, first + lo / rate - start)
