"""Streaming delay-and-sum beamformer steered, frame by frame, to the strongest direction.

Speech recognition and sound tagging want one channel. The plain channel average of a spread
array sums each source with per-microphone delays (comb filtering, the worst at the frequencies
speech needs); one microphone keeps all the room's noise. Delay-and-sum steered to the direction
SRP-PHAT finds loudest in the frame adds the direct sound in phase and the diffuse noise and
reverberation out of phase (up to 10 log10(M) dB). Frames of 64 ms or more (a power of two in
samples) with 50 % overlap follow a turning head; a square-root Hann window on analysis and
synthesis makes the overlap-add exact, so output sample n is input sample n (the latency is one
frame, held back until it is complete).
"""
from __future__ import annotations

from collections import deque

import numpy as np

from savvy_ros.audio.doa import SrpPhat
from savvy_ros.audio.grid import SPEED_OF_SOUND, DirectionGrid, steering_vectors
from savvy_ros.audio.spectra import band_bins, fft_size

STEERED_KEPT = 4096   # frames of steering history kept (about 3 min at 48 kHz)


class SteeredBeamformer:
    """Feed (samples, M) blocks with `process`; it returns the finished mono samples, in order."""

    def __init__(self, positions: np.ndarray, sample_rate: int, frame_seconds: float = 0.064,
                 band: tuple[float, float] = (300.0, 4000.0), azimuth_step_deg: float = 5.0,
                 elevations_deg: tuple[float, ...] = (0.0,), speed_of_sound: float = SPEED_OF_SOUND) -> None:
        self.positions = np.asarray(positions, dtype=float)
        if self.positions.ndim != 2 or self.positions.shape[1] != 3 or self.positions.shape[0] < 2:
            raise ValueError(f'a beamformer needs (M >= 2, 3) microphone positions, got {self.positions.shape}')
        self.sample_rate = int(sample_rate)
        self.nfft = fft_size(sample_rate, frame_seconds)
        self.hop = self.nfft // 2
        # Periodic Hann: its square root on both sides sums to exactly 1 at 50 % overlap.
        self.window = np.sqrt(0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(self.nfft) / self.nfft))
        frequencies = np.fft.rfftfreq(self.nfft, 1.0 / sample_rate)
        self.band = band_bins(sample_rate, self.nfft, band)
        self.grid = DirectionGrid.regular(azimuth_step_deg, elevations_deg)
        self.srp = SrpPhat(self.positions, self.grid, frequencies[self.band], speed_of_sound=speed_of_sound)
        self.frequencies = frequencies
        self.speed_of_sound = speed_of_sound
        self.directions = self.grid.unit_vectors()
        # Grid index steered to, per frame, newest last (tests and diagnostics; the last few minutes).
        self.steered: deque[int] = deque(maxlen=STEERED_KEPT)
        # Conjugate steering vector per grid direction, made when first steered to (a third of a frame's
        # CPU when made every frame; all 72 directions of the default grid: 16 MB at 48 kHz, 7 mics).
        self._alignments: dict[int, np.ndarray] = {}
        self.reset()

    @property
    def num_mics(self) -> int:
        return self.positions.shape[0]

    def reset(self) -> None:
        """Forget the stream: the next sample is sample 0 of a new one."""
        # Half a frame of silence in front: the first output samples get both overlapping frames.
        self._input = np.zeros((self.hop, self.num_mics))
        self._output = np.zeros(self.hop)    # overlap-add tail of the last frame
        self._pending = 0                    # input samples not yet given out
        self._primed = False                 # the leading half frame of silence is still to be dropped

    def _frame(self, frame: np.ndarray) -> np.ndarray:
        spectra = np.fft.rfft(frame * self.window[:, None], axis=0)          # (F, M)
        power = self.srp.spectrum(spectra[None, self.band, :]).ravel()
        direction = int(np.argmax(power)) if np.any(power > 0) else 0
        self.steered.append(direction)
        summed = np.einsum('fm,fm->f', spectra, self._alignment(direction)) / self.num_mics
        return np.fft.irfft(summed, self.nfft) * self.window

    def _alignment(self, direction: int) -> np.ndarray:
        """(F, M) conjugate steering vector of a grid direction: it lines the microphones up on it."""
        if direction not in self._alignments:
            self._alignments[direction] = steering_vectors(
                self.positions, self.directions[direction:direction + 1], self.frequencies,
                self.speed_of_sound)[:, 0, :].conj()
        return self._alignments[direction]

    def process(self, block: np.ndarray) -> np.ndarray:
        """(samples, M) -> the mono samples now complete (float32; fewer than given while filling)."""
        block = np.asarray(block, dtype=float)
        if block.ndim != 2 or block.shape[1] != self.num_mics:
            raise ValueError(f'beamformer for {self.num_mics} microphones got a block of shape {block.shape}')
        self._input = np.vstack([self._input, block])
        self._pending += block.shape[0]
        out = []
        while self._input.shape[0] >= self.nfft:
            shaped = self._frame(self._input[:self.nfft])
            out.append(self._output + shaped[:self.hop])
            self._output = shaped[self.hop:]
            self._input = self._input[self.hop:]
        return self._give(out)

    def flush(self) -> np.ndarray:
        """The rest of the stream (its last frames completed with silence); then starts over."""
        if self._pending == 0:
            self.reset()
            return np.zeros(0, np.float32)
        remaining = self._pending
        done = self.process(np.zeros((self.nfft, self.num_mics)))[:remaining]
        self.reset()
        return done

    def _give(self, out: list[np.ndarray]) -> np.ndarray:
        samples = np.concatenate(out) if out else np.zeros(0)
        if not self._primed and samples.size:
            samples, self._primed = samples[self.hop:], True   # the half frame of silence in front
        samples = samples[:self._pending]
        self._pending -= samples.size
        return samples.astype(np.float32)
