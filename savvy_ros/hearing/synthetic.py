"""Synthetic hearing scenes with known truth: espeak-ng speech and synthesised sounds placed at
known times (used by the benchmark and the tests; seeded, so the same seed gives the same clip)."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly, sawtooth

# Each sound: the AudioSet classes that count as right for it.
SOUND_CLASSES = {
    'beep': ('Beep, bleep',),
    'siren': ('Siren', 'Civil defense siren', 'Police car (siren)', 'Ambulance (siren)',
              'Fire engine, fire truck (siren)', 'Emergency vehicle'),
    'knock': ('Knock',),
    'music': ('Music',),
}


@dataclass(frozen=True)
class Truth:
    kind: str          # 'speech' or a SOUND_CLASSES key
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


def beep(rate: int, rng: np.random.Generator, duration: float = 2.0) -> np.ndarray:
    t = np.arange(int(duration * rate)) / rate
    freq = rng.uniform(800, 1500)
    return 0.3 * np.sin(2 * np.pi * freq * t) * ((t % 0.5) < 0.25)


def siren(rate: int, rng: np.random.Generator, duration: float = 3.0) -> np.ndarray:
    """Wailing or yelping sawtooth siren."""
    t = np.arange(int(duration * rate)) / rate
    if rng.random() < 0.5:
        freq = 900 + 500 * np.sin(2 * np.pi * rng.uniform(0.25, 0.4) * t)
    else:
        freq = 700 + 600 * ((t * rng.uniform(2.5, 3.5)) % 1)
    return 0.2 * sawtooth(2 * np.pi * np.cumsum(freq) / rate)


def knock(rate: int, rng: np.random.Generator, duration: float = 3.0) -> np.ndarray:
    """Two groups of 3-4 knocks on wood (modal synthesis: inharmonic decaying modes + a click)."""
    out = np.zeros(int(duration * rate))
    f0, decay = rng.uniform(250, 330), rng.uniform(80, 110)
    modes = [(f0 * m, decay * d, a) for m, d, a in ((1, 1, 1), (2.4, 1.3, .7), (4.3, 1.7, .5), (7.7, 2, .3),
                                                     (11.8, 2.5, .2))]
    tt = np.arange(int(0.2 * rate)) / rate
    spacing = rng.uniform(0.15, 0.25)
    for group in (0.0, duration / 2):  # "knock knock knock ... knock knock knock"
        for i in range(int(rng.integers(3, 5))):
            n = int((group + i * spacing) * rate)
            hit = sum(a * np.exp(-tt * d) * np.sin(2 * np.pi * f * tt + rng.uniform(0, 6)) for f, d, a in modes)
            hit = hit + 0.1 * rng.standard_normal(tt.size) * np.exp(-tt * 800)
            stop = min(n + tt.size, out.size)
            out[n:stop] += hit[:stop - n]
    return 0.5 * out / np.abs(out).max()


def music(rate: int, rng: np.random.Generator, duration: float = 3.0) -> np.ndarray:
    """An arpeggio of harmonic-rich plucked notes."""
    out = np.zeros(int(duration * rate))
    root = rng.choice([220.0, 261.6, 293.7])
    steps = [0, 4, 7, 12, 7, 4]
    note = int(0.25 * rate)
    tt = np.arange(note) / rate
    for i, start in enumerate(range(0, out.size - note, note)):
        freq = root * 2 ** (steps[i % len(steps)] / 12)
        out[start:start + note] += np.exp(-tt * 4) * sum(np.sin(2 * np.pi * freq * h * tt) / h for h in (1, 2, 3, 4))
    return 0.25 * out / np.abs(out).max()


SYNTHESISERS = {'beep': beep, 'siren': siren, 'knock': knock, 'music': music}


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
    parts += [(name, SYNTHESISERS[name](rate, rng), '') for name in sounds]
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
