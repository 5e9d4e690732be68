"""Synthesised everyday sounds (dry, mono): physically motivated recipes, seeded.

Each recipe returns float32 samples of exactly `duration` s at `sample_rate` Hz; the random
generator passed in makes them repeatable.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import signal

from savvy_ros.synth.speech import synthesise

TV_LINES = ('Good evening, here is the news at nine.', 'Rain is expected across the region tomorrow.',
            'The city council met today to discuss the new bridge.', 'And now, the weather forecast.')


def _time(duration: float, rate: int) -> np.ndarray:
    return np.arange(int(round(duration * rate))) / rate


def _resonator_hit(rate: int, modes: list[tuple[float, float, float]], rng: np.random.Generator,
                   length: float = 0.25) -> np.ndarray:
    """An impact: decaying modes (frequency Hz, decay s, gain) plus a short noise click."""
    t = _time(length, rate)
    out = sum(g * np.exp(-t / tau) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) for f, tau, g in modes)
    click = rng.standard_normal(len(t)) * np.exp(-t / 0.002)
    return np.asarray(out + 0.5 * click)


def _place(out: np.ndarray, piece: np.ndarray, start: int) -> None:
    end = min(len(out), start + len(piece))
    if start < end:
        out[start:end] += piece[:end - start]


def knock(duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Knuckles on a wooden door: groups of three knocks about a second apart."""
    out = np.zeros(len(_time(duration, rate)))
    modes = [(190.0, 0.05, 1.0), (340.0, 0.035, 0.7), (720.0, 0.02, 0.4), (1250.0, 0.012, 0.25)]
    start = 0.05
    while start < duration - 0.1:
        for k in range(3):
            hit = _resonator_hit(rate, [(f * rng.uniform(0.97, 1.03), tau, g) for f, tau, g in modes], rng)
            _place(out, hit * rng.uniform(0.8, 1.0), int((start + 0.19 * k) * rate))
        start += rng.uniform(0.9, 1.2)
    return out


def beep(duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """An appliance beeper: 2.7 kHz tone, 0.25 s on / 0.25 s off."""
    t = _time(duration, rate)
    tone = np.sin(2 * np.pi * 2700.0 * t) + 0.2 * np.sin(2 * np.pi * 5400.0 * t)
    gate = (np.mod(t, 0.5) < 0.25).astype(float)
    return tone * signal.lfilter([0.02], [1, -0.98], gate) / 1.0


def siren(duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """A wailing siren: 650-1450 Hz sweep with a 1.5 s period, saturated."""
    t = _time(duration, rate)
    frequency = 1050.0 + 400.0 * np.sin(2 * np.pi * t / 1.5 + rng.uniform(0, 2 * np.pi))
    phase = 2 * np.pi * np.cumsum(frequency) / rate
    return np.tanh(2.5 * np.sin(phase))


def music(duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Piano-like additive tones: a four-chord progression with a seeded melody at 100 bpm."""
    beat = 0.6
    out = np.zeros(len(_time(duration, rate)))
    chords = [(48, 52, 55), (45, 48, 52), (41, 45, 48), (43, 47, 50)]  # C, Am, F, G (MIDI)
    scale = [60, 62, 64, 65, 67, 69, 71, 72]

    def note(midi: int, length: float, gain: float) -> np.ndarray:
        t = _time(length, rate)
        f0 = 440.0 * 2 ** ((midi - 69) / 12)
        partials = sum(np.sin(2 * np.pi * f0 * k * t) / k ** 1.5 for k in range(1, 6))
        return gain * partials * np.exp(-t / (0.25 * length + 0.1)) * np.minimum(t / 0.005, 1.0)

    n_beats = int(duration / beat) + 1
    for b in range(n_beats):
        start = int(b * beat * rate)
        if b % 4 == 0:
            for midi in chords[(b // 4) % 4]:
                _place(out, note(midi, 4 * beat, 0.25), start)
        _place(out, note(int(rng.choice(scale)), beat, 0.4), start)
    return out


def tv(duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """A television: a news voice through a small loudspeaker over quiet music."""
    out = 0.3 * music(duration, rate, rng)
    position = 0.2
    for line in rng.permutation(TV_LINES):
        if position >= duration:
            break
        voice = synthesise(str(line), 'en-gb', rate).astype(float)
        _place(out, voice, int(position * rate))
        position += len(voice) / rate + 0.4
    sos = signal.butter(4, [250.0, min(5000.0, 0.45 * rate)], btype='bandpass', fs=rate, output='sos')
    return signal.sosfilt(sos, out)


def meow(duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Cat meows: harmonic calls with a rising-falling pitch, about 0.7 s each."""
    out = np.zeros(len(_time(duration, rate)))
    start = 0.05
    while start < duration - 0.3:
        length = min(rng.uniform(0.55, 0.85), duration - start)
        t = _time(length, rate)
        shape = np.sin(np.pi * t / length)
        f0 = rng.uniform(450, 550) + 350.0 * shape ** 2 - 100 * t / length
        phase = 2 * np.pi * np.cumsum(f0) / rate
        call = sum(np.sin(k * phase) / k for k in range(1, 8)) * shape ** 0.7
        sos = signal.butter(2, [700.0, min(3500.0, 0.45 * rate)], btype='bandpass', fs=rate, output='sos')
        _place(out, signal.sosfilt(sos, call), int(start * rate))
        start += length + rng.uniform(0.3, 0.6)
    return out


def bark(duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """A dog barking: short noisy harmonic bursts in pairs."""
    out = np.zeros(len(_time(duration, rate)))
    start = 0.05
    while start < duration - 0.2:
        for k in range(2):
            t = _time(0.16, rate)
            f0 = rng.uniform(350, 450) * (1 - 0.3 * t / 0.16)
            phase = 2 * np.pi * np.cumsum(f0) / rate
            burst = (np.tanh(3 * np.sin(phase)) + 0.4 * rng.standard_normal(len(t))) * np.exp(-t / 0.06)
            _place(out, burst, int((start + 0.22 * k) * rate))
        start += rng.uniform(0.8, 1.3)
    return out


def ring(duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """A telephone ring: 440 + 480 Hz, 0.4 s on / 0.2 s on-off pattern, 2 s pause."""
    t = _time(duration, rate)
    tone = np.sin(2 * np.pi * 440 * t) + np.sin(2 * np.pi * 480 * t)
    cycle = np.mod(t, 3.0)
    gate = ((cycle < 0.4) | ((cycle > 0.6) & (cycle < 1.0))).astype(float)
    return tone * signal.lfilter([0.05], [1, -0.95], gate)


def clap(duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Hand claps: band-passed noise bursts with a sharp decay, irregularly spaced."""
    out = np.zeros(len(_time(duration, rate)))
    sos = signal.butter(2, [800.0, min(4000.0, 0.45 * rate)], btype='bandpass', fs=rate, output='sos')
    start = 0.02
    while start < duration - 0.05:
        t = _time(0.08, rate)
        _place(out, signal.sosfilt(sos, rng.standard_normal(len(t))) * np.exp(-t / 0.012), int(start * rate))
        start += rng.uniform(0.25, 0.4)
    return out


def water(duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Running water: high-passed noise with a slow random level, plus bubble chirps."""
    n = len(_time(duration, rate))
    sos = signal.butter(2, [600.0, min(8000.0, 0.45 * rate)], btype='bandpass', fs=rate, output='sos')
    level = 0.6 + 0.4 * signal.sosfilt(signal.butter(1, 3.0, fs=rate, output='sos'), rng.standard_normal(n)) * 20
    out = signal.sosfilt(sos, rng.standard_normal(n)) * np.clip(level, 0.2, 1.5)
    for _ in range(int(duration * 15)):
        t = _time(0.03, rate)
        f = rng.uniform(800, 2500) * (1 + 8 * t)
        _place(out, 0.5 * np.sin(2 * np.pi * np.cumsum(f) / rate) * np.exp(-t / 0.008), int(rng.uniform(0, duration) * rate))
    return out


def footsteps(duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Footsteps on a wooden floor: low thumps at about two steps per second."""
    out = np.zeros(len(_time(duration, rate)))
    start = 0.05
    while start < duration - 0.1:
        _place(out, _resonator_hit(rate, [(90.0, 0.04, 1.0), (160.0, 0.03, 0.6), (420.0, 0.01, 0.3)], rng, 0.2),
               int(start * rate))
        start += rng.uniform(0.45, 0.6)
    return out


RECIPES: dict[str, Callable[[float, int, np.random.Generator], np.ndarray]] = {
    'knock': knock, 'beep': beep, 'siren': siren, 'music': music, 'tv': tv, 'meow': meow, 'bark': bark,
    'ring': ring, 'clap': clap, 'water': water, 'footsteps': footsteps}


def synthesise_sound(kind: str, duration: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Dry mono sound of `kind`, exactly `duration` s long, peak-normalised to 0.5, float32."""
    try:
        recipe = RECIPES[kind]
    except KeyError:
        raise ValueError(f'unknown sound kind {kind!r}; known: {sorted(RECIPES)}') from None
    samples = np.asarray(recipe(duration, rate, rng), dtype=float)
    samples = np.pad(samples, (0, max(0, len(_time(duration, rate)) - len(samples))))[:len(_time(duration, rate))]
    fade = min(len(samples) // 2, int(0.005 * rate))  # no clicks at the window edges
    if fade:
        ramp = np.linspace(0.0, 1.0, fade)
        samples[:fade] *= ramp
        samples[-fade:] *= ramp[::-1]
    peak = np.max(np.abs(samples))
    return (0.5 * samples / peak if peak > 0 else samples).astype(np.float32)
