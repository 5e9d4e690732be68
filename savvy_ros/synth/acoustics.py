"""Room acoustics of an episode: pyroomacoustics ShoeBox image sources for the early part of
every impulse response, a diffuse exponentially decaying tail for the late part, moving sources
and a moving (head-worn) array simulated block-wise with cross-faded responses.

Block-wise motion: the dry source is cut into 50 %-overlapping triangular windows (they sum to
one) of 2 x `block` seconds; each window is convolved with the early response computed for the
source and microphone positions at its centre, and the results overlap-add. The late tail is
position independent (a diffuse field), so one tail per source serves all windows.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyroomacoustics as pra
from scipy import signal

from savvy_ros.synth.diffuse_noise import diffuse_noise

FADE = 0.005          # s: cross-fade between image-source early part and the statistical tail
WALL_CLEARANCE = 0.02  # m: points are kept this far inside the walls


@dataclass(frozen=True)
class AcousticSettings:
    sample_rate: int
    block: float = 0.1           # s: hop between responses (windows are twice as long)
    max_order: int = 10          # image-source reflection order of the early part

    @classmethod
    def for_mode(cls, quick: bool) -> AcousticSettings:
        return cls(16000, 0.2, 6) if quick else cls(48000, 0.1, 10)


@dataclass(frozen=True)
class Source:
    """A dry mono signal over the whole episode (zero where silent) and where it is."""

    name: str
    signal: np.ndarray                                  # (samples,) float
    spans: tuple[tuple[int, int], ...]                  # [start, end) sample ranges where it sounds
    positions: Callable[[np.ndarray], np.ndarray]       # times (N,) s -> (N, 3) m, world frame


class RoomSimulator:
    def __init__(self, size: tuple[float, float, float], rt60: float, settings: AcousticSettings,
                 rng: np.random.Generator) -> None:
        self.size = np.array(size, float)
        self.rt60 = rt60
        self.settings = settings
        self.rng = rng
        absorption, _ = pra.inverse_sabine(rt60, list(size))
        self.material = pra.Material(float(absorption))
        # Beyond this time the image-source set of order <= max_order is incomplete: the late tail
        # takes over there. Images of order N + 1 are at least (N + 1) * Lmin / sqrt(3) away.
        smallest = float(self.size.min())
        reach = (settings.max_order + 1) * smallest / math.sqrt(3.0) - smallest
        self.tail_start = max(reach, float(np.linalg.norm(self.size)), 3.0) / 343.0
        self.fdl_delay = pra.constants.get('frac_delay_length') // 2

    def _inside(self, points: np.ndarray) -> np.ndarray:
        return np.clip(points, WALL_CLEARANCE, self.size - WALL_CLEARANCE)

    def early_response(self, source: np.ndarray, mics: np.ndarray) -> np.ndarray:
        """(M, L) image-source response truncated (with a fade) where the late tail starts."""
        fs = self.settings.sample_rate
        room = pra.ShoeBox(self.size.tolist(), fs=fs, materials=self.material, max_order=self.settings.max_order,
                           air_absorption=False)
        room.add_source(self._inside(source).tolist())
        room.add_microphone_array(self._inside(mics).T)
        room.compute_rir()
        cut = self.fdl_delay + int(self.tail_start * fs)
        fade = int(FADE * fs)
        out = np.zeros((len(mics), cut))
        for m, rirs in enumerate(room.rir):
            rir = np.asarray(rirs[0], float)[:cut]
            out[m, :len(rir)] = rir
        out[:, cut - fade:] *= np.cos(0.5 * np.pi * np.linspace(0.0, 1.0, fade))[None, :]
        return out

    def late_tail(self, early: np.ndarray, mics: np.ndarray) -> np.ndarray:
        """(M, L) diffuse tail from tail_start to 1.2 x RT60, level-matched to `early`."""
        fs = self.settings.sample_rate
        start = self.fdl_delay + int(self.tail_start * fs)
        length = max(int(1.2 * self.rt60 * fs) - start, int(FADE * fs) + 1)
        decay = 3.0 * math.log(10.0) / self.rt60        # amplitude: -60 dB after rt60
        t = (start + np.arange(length)) / fs
        envelope = np.exp(-decay * t)
        # Match the energy of the complete early part in [tail_start / 2, tail_start).
        lo = self.fdl_delay + int(0.5 * self.tail_start * fs)
        hi = start - int(FADE * fs)
        measured = float(np.mean(early[:, lo:hi] ** 2))
        window_t = np.arange(lo, hi) / fs
        expected = float(np.mean(np.exp(-2.0 * decay * window_t)))
        gain = math.sqrt(measured / expected) if expected > 0 and measured > 0 else 0.0
        noise = diffuse_noise(mics - mics.mean(axis=0), length, fs, self.rng, pink=False).T
        fade = int(FADE * fs)
        envelope[:fade] *= np.sin(0.5 * np.pi * np.linspace(0.0, 1.0, fade))
        return gain * noise * envelope[None, :]

    def simulate(self, sources: list[Source], mic_positions: Callable[[np.ndarray], np.ndarray],
                 samples: int, progress: Callable[[float], None] | None = None) -> np.ndarray:
        """(samples, M) microphone signals of all `sources` (float64, no noise)."""
        fs = self.settings.sample_rate
        hop = max(1, int(round(self.settings.block * fs)))
        channels = mic_positions(np.zeros(1)).shape[1]
        out = np.zeros((samples + int(1.3 * self.rt60 * fs) + 2 * hop, channels))
        ramp = np.concatenate([np.arange(hop), hop - np.arange(hop)]) / hop  # triangles summing to 1
        total = sum(e - s for src in sources for s, e in src.spans) or 1
        done = 0
        for source in sources:
            tail: np.ndarray | None = None
            for span_start, span_end in source.spans:
                first, last = span_start // hop, (span_end + hop - 1) // hop
                for k in range(first, last + 1):
                    lo, hi = (k - 1) * hop, (k + 1) * hop
                    piece = np.zeros(2 * hop)
                    a, b = max(lo, span_start), min(hi, span_end)
                    if b <= a:
                        continue
                    piece[a - lo:b - lo] = source.signal[a:b] * ramp[a - lo:b - lo]
                    t = np.array([k * hop / fs])
                    mics = mic_positions(t)[0]
                    early = self.early_response(source.positions(t)[0], mics)
                    if tail is None:
                        tail = self.late_tail(early, mics)
                    wet = signal.oaconvolve(piece[None, :], early, axes=1).T
                    start = max(lo, 0)
                    wet = wet[start - lo:]
                    out[start:start + len(wet)] += wet
                if tail is not None:
                    dry = source.signal[span_start:span_end]
                    offset = span_start + self.fdl_delay + int(self.tail_start * fs)
                    late = signal.oaconvolve(dry[None, :], tail, axes=1).T
                    out[offset:offset + len(late)] += late[:len(out) - offset]
                done += span_end - span_start
                if progress is not None:
                    progress(done / total)
        return out[:samples]
