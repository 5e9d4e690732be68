"""Direction-of-arrival spatial spectra: SRP-PHAT, MUSIC, NormMUSIC, vectorised numpy.

Like pyroomacoustics, every algorithm is a small class behind one interface, chosen by name
from `DOA_ALGORITHMS`. An estimator maps the STFT of one window, (T, F, M) restricted to the
analysis band, to a non-negative spatial spectrum over a `DirectionGrid`, shape (E, A), and
`locate` turns a window into up to N source directions (peak picking on that spectrum, except
SRP-PHAT's search for further sources in the time-frequency bins the earlier ones leave).
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from savvy_ros.audio.grid import SPEED_OF_SOUND, DirectionGrid, steering_vectors
from savvy_ros.audio.peaks import PeakRules, SpectrumPeak, peak_confidence, pick_peaks, strongest_peak, wrap_angle
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
        self._check_shape(spectra)
        return self._grid_spectrum(spectra).reshape(self.grid.shape)

    def _check_shape(self, spectra: np.ndarray) -> None:
        if spectra.shape[1:] != (len(self.frequencies), self.num_mics):
            raise ValueError(f'{self.name}: STFT shape {spectra.shape} does not match '
                             f'({len(self.frequencies)} bins, {self.num_mics} mics)')

    def locate(self, spectra: np.ndarray, rules: PeakRules, focus: np.ndarray | None = None) -> list[SpectrumPeak]:
        """(T, F, M) band STFT -> up to `rules.max_peaks` directions, strongest first. `focus` (T, F):
        the time-frequency bins to search (those standing out of the noise floor); the MUSIC family
        takes the whole band."""
        return pick_peaks(self.spectrum(spectra), self.grid, rules.max_peaks, rules.min_separation,
                          rules.min_relative_height)

    @abstractmethod
    def _grid_spectrum(self, spectra: np.ndarray) -> np.ndarray: ...


class SrpPhat(DoaEstimator):
    """Steered response power with PHAT weighting, mapped to [0, 1] per window: the mean over
    microphone pairs and bins of the whitened cross-spectrum steered to each direction.

    sum_f a^H R a over the pairs i < j is 2 Re sum_{f, (i, j)} conj(a_i) a_j R_ij: one
    matrix-vector product with the pair steering matrix, precomputed as (G, F * P) and kept as
    its real and negated imaginary parts side by side in float32 (only the real part of the
    product is needed, and the product is memory-bound: half the bytes, about 3x faster).

    Several sources: a louder source's sidelobes and reflections in the full-band SRP hide a
    quieter one. Speech and noise are sparse in time-frequency (W-disjoint orthogonality), so
    each time-frequency bin is mostly one source's: after each source is found, the bins whose
    whitened pair products point at it are set aside and the SRP of the bins left is searched
    for the next one. A last pass gives every bin to the source it points at best and refines
    each direction on its own bins, near where it was found."""

    name = 'srp_phat'
    # A bin whose pair products agree this well with a found direction (mean cosine of the phase
    # errors; about 2 sigma above chance for 4 mics) counts as that source's. 0.5-0.6 found both
    # of two sources most often in the bench's simulated rooms.
    explained_coherence = 0.55

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pairs = np.triu_indices(self.num_mics, k=1)
        i, j = self.pairs
        pair_steering = self.steering[:, :, i].conj() * self.steering[:, :, j]  # (F, G, P)
        pair_steering = pair_steering.transpose(1, 0, 2).reshape(pair_steering.shape[1], -1)  # (G, F * P)
        self.real_steering = np.ascontiguousarray(np.hstack([pair_steering.real, -pair_steering.imag]),
                                                  dtype=np.float32)  # (G, 2 F P)
        self.directions = self.grid.unit_vectors()  # (G, 3)

    def _pair_products(self, spectra: np.ndarray) -> np.ndarray:
        """(T, F, M) -> (T, F, P) whitened x_i conj(x_j) of every bin and pair i < j."""
        whitened = spectra / np.maximum(np.abs(spectra), 1e-12)
        i, j = self.pairs
        # C order: `_coherence` views the products as interleaved floats.
        return np.multiply(whitened[:, :, i], whitened[:, :, j].conj(), order='C')

    def _coherence(self, products: np.ndarray, bins: np.ndarray | None = None,
                   directions: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Mean steered PHAT coherence in [-1, 1] of the bins where `bins` (T, F) (all if None)."""
        if bins is None:
            total = products.sum(axis=0)
        else:  # summed as interleaved real/imaginary floats: numpy's real einsum is ~4x faster here
            total = np.einsum('tfq,tf->fq', products.view(np.float64), bins.astype(float)).view(np.complex128)
        count = products.shape[0] * products.shape[1] if bins is None else max(int(bins.sum()), 1)
        stacked = np.concatenate([total.real.reshape(-1), total.imag.reshape(-1)]).astype(np.float32)
        return (self.real_steering[directions] @ stacked).astype(float) / (products.shape[2] * count)

    def _bin_coherence(self, products: np.ndarray, direction: int) -> np.ndarray:
        """(T, F) coherence of every bin's pair products with one grid direction."""
        real, negated_imag = np.split(self.real_steering[direction].astype(float), 2)
        steering = (real - 1j * negated_imag).reshape(products.shape[1:])
        return np.einsum('tfp,fp->tf', products, steering).real / products.shape[2]

    def _grid_spectrum(self, spectra: np.ndarray) -> np.ndarray:
        return np.clip((self._coherence(self._pair_products(spectra)) + 1.0) / 2.0, 0.0, 1.0)

    def locate(self, spectra: np.ndarray, rules: PeakRules, focus: np.ndarray | None = None) -> list[SpectrumPeak]:
        self._check_shape(spectra)
        products = self._pair_products(spectra)
        if focus is not None and not focus.any():
            focus = None
        # The spatial spectrum of the focus bins (all without one); the bins outside it are set aside.
        flat = np.clip((self._coherence(products, focus) + 1.0) / 2.0, 0.0, 1.0)
        if rules.max_peaks < 1 or not flat.max() > flat.min():
            return []
        found = [int(np.argmax(flat))]
        confidences = [peak_confidence(flat, found[0])]
        explained = np.zeros(products.shape[:2], dtype=bool) if focus is None else ~focus
        cos_separation = np.cos(rules.min_separation)
        while len(found) < rules.max_peaks:
            explained |= self._bin_coherence(products, found[-1]) >= self.explained_coherence
            if explained.all():
                break
            residual = self._coherence(products, ~explained)
            apart = (self.directions @ self.directions[found].T < cos_separation).all(axis=1)
            candidate = strongest_peak(residual.reshape(self.grid.shape), apart.reshape(self.grid.shape))
            if candidate is None or residual[candidate] - np.median(residual) < rules.min_residual_coherence:
                break
            found.append(candidate)
            confidences.append(peak_confidence(residual, candidate))
        if len(found) > 1:
            found = self._refine(products, found, rules.min_separation, focus)
        peaks = [SpectrumPeak(wrap_angle(self.grid.azimuths[g % len(self.grid.azimuths)]),
                              float(self.grid.elevations[g // len(self.grid.azimuths)]), float(flat[g]), c)
                 for g, c in zip(found, confidences)]
        return sorted(peaks, key=lambda p: -p.power)

    def _refine(self, products: np.ndarray, found: list[int], min_separation: float,
                focus: np.ndarray | None = None) -> list[int]:
        """Each direction re-estimated on the bins that point at it best, within half the
        separation of where it was found (a source found beside a louder one is pulled towards
        it by the bins they share). Unchanged if the refined ones come closer than allowed."""
        owner = np.argmax([self._bin_coherence(products, g) for g in found], axis=0)  # (T, F)
        refined = []
        for k, g in enumerate(found):
            near = np.flatnonzero(self.directions @ self.directions[g] >= np.cos(min_separation / 2.0))
            own = owner == k if focus is None else (owner == k) & focus
            refined.append(int(near[np.argmax(self._coherence(products, own, near))]))
        cosines = self.directions[refined] @ self.directions[refined].T
        if (cosines[np.triu_indices(len(refined), k=1)] > np.cos(min_separation)).any():
            return found
        return refined


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
