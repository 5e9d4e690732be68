"""Synthetic hearing scenes with known truth: espeak-ng speech and synthesised sounds placed at
known times (used by the benchmark and the tests; seeded, so the same seed gives the same clip).

The sounds are the synthetic-scene generator's recipes (savvy_ros.synth.sounds), and the AudioSet
classes that count as right for each are its AUDIOSET_CLASSES: one source of truth for both."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from savvy_ros.synth.sounds import synthesise_sound

SOUND_SECONDS = 3.0   # default length of a sound in a scene


@dataclass(frozen=True)
class Truth:
    kind: str          # 'speech' or a sound kind (savvy_ros.synth.sounds.AUDIOSET_CLASSES)
    start: float       # [s] first non-silent sample
    end: float         # [s] last non-silent sample
    text: str = ''


def espeak_available() -> bool:
    return shutil.which('espeak-ng') is not None


def espeak(text: str, rate: int, voice: str = 'en-us', words_per_minute: int = 150) -> np.ndarray:
    """Speech of `text` at `rate` Hz, trimmed to its audible extent (espeak adds silence)."""
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / 'speech.wav'
        subprocess.run(['espeak-ng', '-v', voice, '-s', str(words_per_minute), '-w', str(wav), text],
                       check=True, capture_output=True)
        import soundfile as sf
        samples, source_rate = sf.read(str(wav), dtype='float64')
    samples = resample_poly(samples, rate, source_rate)
    loud = np.flatnonzero(np.abs(samples) > 0.01 * np.abs(samples).max())
    return 0.5 * samples[loud[0]:loud[-1] + 1] / np.abs(samples).max()


def make_sound(kind: str, rate: int, rng: np.random.Generator, duration: float = SOUND_SECONDS) -> np.ndarray:
    """A dry sound of `kind` (a key of savvy_ros.synth.sounds.AUDIOSET_CLASSES), peak 0.5, float64."""
    return synthesise_sound(kind, duration, rate, rng).astype(np.float64)


def place(clip: np.ndarray, sound: np.ndarray, start: float, rate: int) -> Truth | None:
    """Add `sound` at `start` seconds; its truth is its audible extent."""
    n = int(round(start * rate))
    stop = min(n + sound.size, clip.size)
    clip[n:stop] += sound[:stop - n]
    loud = np.flatnonzero(np.abs(sound[:stop - n]) > 0.01 * np.abs(sound).max())
    return None if loud.size == 0 else Truth('', (n + loud[0]) / rate, (n + loud[-1] + 1) / rate)


def scene(sentences: list[str], sounds: list[str], rate: int, seed: int, gap: float = 1.5,
          noise: float = 1e-4) -> tuple[np.ndarray, list[Truth]]:
    """Speech and sounds one after another with `gap` seconds of (noisy) silence between them."""
    rng = np.random.default_rng(seed)
    parts = [('speech', espeak(s, rate), s) for s in sentences]
    parts += [(name, make_sound(name, rate, rng), '') for name in sounds]
    order = rng.permutation(len(parts))
    total = gap + sum(parts[i][1].size / rate + gap for i in order)
    clip = noise * rng.standard_normal(int(total * rate) + 1)
    truths, t = [], gap
    for i in order:
        kind, sound, text = parts[i]
        where = place(clip, sound, t, rate)
        truths.append(Truth(kind, where.start, where.end, text))
        t += sound.size / rate + gap
    return clip.astype(np.float32), truths
