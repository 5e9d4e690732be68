"""Hearing on audio files and arrays: the same stream as the node, fed in blocks."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from savvy_ros.hearing.errors import AudioFileError
from savvy_ros.hearing.events import HearingEvent
from savvy_ros.hearing.stream import ChunkRejected, HearingStream

BLOCK_SECONDS = 1.0


def read_blocks(path: Path, block_seconds: float = BLOCK_SECONDS) -> Iterator[tuple[int, int, np.ndarray]]:
    """(sample_rate, channels, interleaved float32 block) of a WAV/FLAC/OGG file, in order."""
    import soundfile as sf

    if not Path(path).is_file():   # libsndfile says only "System error." for a missing file
        raise AudioFileError(path, 'no such file' if not Path(path).exists() else 'not a file')
    try:
        with sf.SoundFile(str(path)) as audio:
            rate, channels = audio.samplerate, audio.channels
            if audio.frames == 0:
                raise AudioFileError(path, 'holds no samples')
            for block in audio.blocks(blocksize=max(1, int(rate * block_seconds)), dtype='float32', always_2d=True):
                yield rate, channels, block.reshape(-1)
    except sf.LibsndfileError as exc:
        raise AudioFileError(path, f'cannot read it: {exc}') from exc
    except OSError as exc:
        raise AudioFileError(path, str(exc)) from exc


def hear_file(path: Path, stream: HearingStream, block_seconds: float = BLOCK_SECONDS) -> list[HearingEvent]:
    """Every event in the file; times in seconds from its first sample."""
    events: list[HearingEvent] = []
    samples = 0
    for rate, channels, block in read_blocks(Path(path), block_seconds):
        if not np.isfinite(block).all():
            raise AudioFileError(path, f'NaN or Inf samples near {samples / rate:.2f} s')
        try:
            events += stream.push(samples / rate, rate, channels, block)
        except ChunkRejected as exc:
            raise AudioFileError(path, f'at {samples / rate:.2f} s: {exc}') from exc
        samples += block.size // channels
    events += stream.flush()
    return sorted(events, key=lambda e: (e.start, e.end, e.kind))


def hear_array(stream: HearingStream, frames: np.ndarray, rate: int, chunk_seconds: float = 0.1,
               t0: float = 0.0) -> list[HearingEvent]:
    """Every event in `frames` ((samples,) or (samples, channels)), fed as chunks stamped from `t0`."""
    frames = np.asarray(frames, dtype=np.float32)
    frames = frames[:, None] if frames.ndim == 1 else frames
    step = max(1, int(chunk_seconds * rate))
    events: list[HearingEvent] = []
    for i in range(0, frames.shape[0], step):
        events += stream.push(t0 + i / rate, rate, frames.shape[1], frames[i:i + step].reshape(-1))
    return events + stream.flush()
