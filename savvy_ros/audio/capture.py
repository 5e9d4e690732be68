"""Capture-side logic free of rclpy: stamping blocks with the ADC time of their first sample,
counting overruns, live input through sounddevice/PortAudio and a multichannel file source.

PortAudio reports, in each input callback, the ADC time of the block's first sample
(`inputBufferAdcTime`) on the stream's clock, and that clock's current time. `CaptureClock`
maps the stream clock to ROS time and keeps the stamps on a sample-count timeline, so chunk i+1
starts exactly where chunk i ended unless the device really skipped (overrun) or jumped.
"""
from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class AudioDeviceUnavailable(RuntimeError):
    """No usable input device (none present, or the requested one cannot open)."""


class AudioFileError(ValueError):
    """A file source that cannot be read (names the file)."""


@dataclass
class CaptureClock:
    """Stamps for consecutive input blocks [s, ROS time].

    `resync_threshold` [s]: a measured stamp further than this from the sample-count prediction
    restarts the timeline (overrun, device hiccup); smaller differences are drift and pull the
    prediction by `correction_gain` per block. The stream-to-ROS offset is the minimum of
    (ROS now - stream now) over the last `offset_window` callbacks: scheduling delays only ever
    add to it.
    """

    sample_rate: int
    resync_threshold: float = 0.02
    correction_gain: float = 0.05
    offset_window: int = 64
    resyncs: int = 0
    _offsets: deque = field(default_factory=deque)
    _next: float | None = None

    def offset(self, stream_now: float, ros_now: float) -> float:
        self._offsets.append(ros_now - stream_now)
        while len(self._offsets) > self.offset_window:
            self._offsets.popleft()
        return min(self._offsets)

    def stamp(self, frames: int, ros_now: float, adc_time: float | None = None,
              stream_now: float | None = None) -> float:
        """ROS time of the first sample of a block of `frames` samples delivered now."""
        if adc_time is not None and stream_now is not None and math.isfinite(adc_time) and adc_time > 0.0:
            measured = adc_time + self.offset(stream_now, ros_now)
        else:  # backends without ADC times: the block just ended
            measured = ros_now - frames / self.sample_rate
        if self._next is None or abs(measured - self._next) > self.resync_threshold:
            if self._next is not None:
                self.resyncs += 1
            stamp = measured
        else:
            stamp = self._next + self.correction_gain * (measured - self._next)
        self._next = stamp + frames / self.sample_rate
        return stamp


@dataclass(frozen=True)
class CapturedBlock:
    samples: np.ndarray  # (frames, channels) float32, full scale 1.0
    stamp: float         # capture time of the first sample [s]
    sequence: int        # block counter of the source
    overruns: int        # overruns since the source started


@dataclass
class BlockStamper:
    """What the PortAudio callback does with each block: count overruns, stamp, number it."""

    clock: CaptureClock
    sequence: int = 0
    overruns: int = 0

    def block(self, samples: np.ndarray, ros_now: float, adc_time: float | None, stream_now: float | None,
              overflow: bool) -> CapturedBlock:
        if overflow:
            self.overruns += 1
        stamp = self.clock.stamp(samples.shape[0], ros_now, adc_time, stream_now)
        block = CapturedBlock(np.array(samples, dtype=np.float32), stamp, self.sequence, self.overruns)
        self.sequence += 1
        return block


def list_input_devices() -> list[str]:
    import sounddevice as sd
    try:
        devices = sd.query_devices()
    except sd.PortAudioError:
        return []
    return [f'{i}: {d["name"]} ({d["max_input_channels"]} in)' for i, d in enumerate(devices)
            if d['max_input_channels'] > 0]


class LiveInput:
    """sounddevice InputStream whose callback turns blocks into `CapturedBlock`s for `sink`."""

    def __init__(self, device: str | int | None, channels: int, sample_rate: int, block_size: int,
                 sink: Callable[[CapturedBlock], None], ros_now: Callable[[], float]) -> None:
        import sounddevice as sd

        self.stamper = BlockStamper(CaptureClock(sample_rate))
        self.sink, self.ros_now = sink, ros_now
        devices = list_input_devices()
        if not devices:
            raise AudioDeviceUnavailable('no audio input device found (PortAudio lists none); '
                                         "set the parameter 'file' to replay a WAV/FLAC recording instead")
        try:
            self.stream = sd.InputStream(device=device, channels=channels, samplerate=sample_rate,
                                         blocksize=block_size, dtype='float32', callback=self._callback)
        except (sd.PortAudioError, ValueError) as exc:
            raise AudioDeviceUnavailable(f'cannot open input device {device!r} with {channels} channels at '
                                         f'{sample_rate} Hz: {exc}; input devices: {"; ".join(devices)}') from exc

    def start(self) -> None:
        self.stream.start()

    def close(self) -> None:
        self.stream.stop()
        self.stream.close()

    def _callback(self, indata: np.ndarray, frames: int, time_info, status) -> None:
        self.sink(self.stamper.block(indata, self.ros_now(), time_info.inputBufferAdcTime, time_info.currentTime,
                                     bool(status.input_overflow)))


def missing_file(path: Path) -> None:
    """AudioFileError when `path` is not a file (libsndfile says only "System error." then)."""
    if not path.is_file():
        raise AudioFileError(f'{path}: no such audio file' if not path.exists() else f'{path}: not a file')


@dataclass
class FileSource:
    """Blocks of a multichannel WAV/FLAC file; the first sample is captured at `start_stamp`,
    sample i at start_stamp + i / rate (restarting, with a fresh start stamp, when looping)."""

    path: Path
    block_size: int
    channels: int | None = None  # expected channel count; None = whatever the file has

    def __post_init__(self) -> None:
        import soundfile as sf

        self.path = Path(self.path)
        missing_file(self.path)
        try:
            info = sf.info(str(self.path))
        except (sf.LibsndfileError, RuntimeError, OSError) as exc:
            raise AudioFileError(f'{self.path}: cannot read as audio: {exc}') from exc
        self.sample_rate, self.file_channels, self.frames = int(info.samplerate), int(info.channels), int(info.frames)
        if self.channels is not None and self.channels != self.file_channels:
            raise AudioFileError(f'{self.path}: has {self.file_channels} channels, expected {self.channels}')
        if self.block_size < 1:
            raise AudioFileError(f'{self.path}: block size must be >= 1, got {self.block_size}')

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate

    def blocks(self, start_stamp: float, first_sequence: int = 0) -> Iterator[CapturedBlock]:
        import soundfile as sf

        try:
            with sf.SoundFile(str(self.path)) as handle:
                for index, block in enumerate(handle.blocks(blocksize=self.block_size, dtype='float32',
                                                            always_2d=True)):
                    stamp = start_stamp + index * self.block_size / self.sample_rate
                    yield CapturedBlock(block, stamp, first_sequence + index, 0)
        except sf.LibsndfileError as exc:
            raise AudioFileError(f'{self.path}: read failed: {exc}') from exc


def read_audio_file(path: str | Path) -> tuple[np.ndarray, int]:
    """(samples (n, channels) float32, sample rate) of a whole WAV/FLAC file."""
    import soundfile as sf

    missing_file(Path(path))
    try:
        data, rate = sf.read(str(path), dtype='float32', always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioFileError(f'{path}: cannot read as audio: {exc}') from exc
    return data, int(rate)
