"""Direction-of-arrival spatial spectra: SRP-PHAT, MUSIC, NormMUSIC, vectorised numpy.

Like pyroomacoustics, every algorithm is a small class behind one interface, chosen by name
from `DOA_ALGORITHMS`. An estimator maps the STFT of one window, (T, F, M) restricted to the
analysis band, to a non-negative spatial spectrum over a `DirectionGrid`, shape (E, A).
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from savvy_ros.audio.grid import SPEED_OF_SOUND, DirectionGrid, steering_vectors
from savvy_ros.audio.spectra import cross_spectra


class DoaEstimator(ABC):
    name: str = ''

    def __init__(self, positions: np.ndarray, grid: DirectionGrid, frequencies: np.ndarray,
                 num_sources: int = 1, speed_of_sound: float = SPEED_OF_SOUND) -> None:
        self.positions = np.asarray(positions, dtype=float)
        self.grid = grid
        self.frequencies = np.asarray(frequencies, dtype=float)
        self.num_sources = num_sources
        # (F, G, M), computed once: the grid, band and array do not change within a stream.
        self.steering = steering_vectors(self.positions, grid.unit_vectors(), self.frequencies, speed_of_sound)

    @property
    def num_mics(self) -> int:
        return self.positions.shape[0]

    def spectrum(self, spectra: np.ndarray) -> np.ndarray:
        """(T, F, M) band STFT -> (E, A) spatial spectrum, >= 0."""
        if spectra.shape[1:] != (len(self.frequencies), self.num_mics):
            raise ValueError(f'{self.name}: STFT shape {spectra.shape} does not match '
                             f'({len(self.frequencies)} bins, {self.num_mics} mics)')
        return self._grid_spectrum(spectra).reshape(self.grid.shape)

    @abstractmethod
    def _grid_spectrum(self, spectra: np.ndarray) -> np.ndarray: ...



class SrpPhat(DoaEstimator):
    """Steered response power with PHAT weighting, mapped to [0, 1] per window: the mean over
    microphone pairs and bins of the whitened cross-spectrum steered to each direction.

    sum_f a^H R a over the pairs i < j is 2 Re sum_{f, (i, j)} conj(a_i) a_j R_ij: one complex
    matrix-vector product with the pair steering matrix, precomputed as (G, F * P)."""

    name = 'srp_phat'

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pairs = np.triu_indices(self.num_mics, k=1)
        i, j = self.pairs
        pair_steering = self.steering[:, :, i].conj() * self.steering[:, :, j]  # (F, G, P)
        self.pair_steering = np.ascontiguousarray(pair_steering.transpose(1, 0, 2).reshape(pair_steering.shape[1], -1))

    def _grid_spectrum(self, spectra: np.ndarray) -> np.ndarray:
        matrices = cross_spectra(spectra, phat=True)
        i, j = self.pairs
        srp = (self.pair_steering @ matrices[:, i, j].reshape(-1)).real / (len(i) * len(self.frequencies))
        return np.clip((srp + 1.0) / 2.0, 0.0, 1.0)  # srp is in [-1, 1]


class Music(DoaEstimator):
    """MUSIC: inverse distance of the steering vector to the noise subspace, summed over bins."""

    name = 'music'
    normalise_bins = False

    def _grid_spectrum(self, spectra: np.ndarray) -> np.ndarray:
        matrices = cross_spectra(spectra)
        signal_dim = min(self.num_sources, self.num_mics - 1)
        _, vectors = np.linalg.eigh(matrices)  # ascending eigenvalues
        noise = vectors[:, :, :self.num_mics - signal_dim]  # (F, M, K)
        leakage = self.steering @ noise.conj()  # (F, G, K)
        pseudo = 1.0 / np.maximum((np.abs(leakage) ** 2).sum(axis=-1), 1e-12)  # (F, G)
        if self.normalise_bins:
            pseudo = pseudo / pseudo.max(axis=1, keepdims=True)
        return pseudo.mean(axis=0)


class NormMusic(Music):
    """MUSIC with every bin's pseudo-spectrum scaled to a maximum of 1 before summing, so a few
    loud bins do not dominate (pyroomacoustics' NormMUSIC)."""

    name = 'normmusic'
    normalise_bins = True


DOA_ALGORITHMS: dict[str, type[DoaEstimator]] = {cls.name: cls for cls in (SrpPhat, Music, NormMusic)}
METHOD_ALIASES = {'srp': 'srp_phat', 'srp-phat': 'srp_phat', 'srp_phat': 'srp_phat', 'music': 'music',
                  'normmusic': 'normmusic', 'norm_music': 'normmusic'}


def doa_algorithm(method: str) -> type[DoaEstimator]:
    key = METHOD_ALIASES.get(method.strip().lower())
    if key is None:
        raise ValueError(f'unknown DoA method {method!r}; choose one of {", ".join(sorted(METHOD_ALIASES))}')
    return DOA_ALGORITHMS[key]
