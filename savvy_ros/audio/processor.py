"""One analysis window in, sound bearings out: gate, STFT, source directions, CDR range, source ids."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from savvy_ros.audio.activity import ActivityGate, BinFloor, energy_dbfs
from savvy_ros.audio.bearing_tracker import BearingTracker
from savvy_ros.audio.cdr import cdr_range, estimate_cdr
from savvy_ros.audio.chunk_stream import AudioWindow
from savvy_ros.audio.doa import DoaEstimator, doa_algorithm
from savvy_ros.audio.grid import SPEED_OF_SOUND, DirectionGrid
from savvy_ros.audio.mic_arrays import MicArrayGeometry
from savvy_ros.audio.peaks import PeakRules, SpectrumPeak
from savvy_ros.audio.spectra import band_bins, cross_spectra, fft_size, stft


@dataclass(frozen=True)
class DoaConfig:
    method: str = 'srp_phat'
    window_s: float = 0.25                    # [s]
    hop_s: float = 0.25                       # [s]
    frame_s: float = 0.02                     # STFT frame (rounded up to a power of two) [s]
    band_hz: tuple[float, float] = (300.0, 4000.0)
    azimuth_step_deg: float = 1.0
    elevations_deg: tuple[float, ...] = (0.0,)
    channels: tuple[int, ...] = ()            # microphone subset used for DoA; () = all
    max_sources: int = 1
    min_separation_deg: float = 25.0
    min_relative_height: float = 0.25         # MUSIC family: a further peak's height, relative to the strongest
    min_residual_coherence: float = 0.04      # SRP-PHAT: a further source's peak in the bins left [coherence]
    gate_threshold_db: float = 4.0
    # A window above the noise floor but under the energy gate still gives the bearings whose peak
    # confidence reaches this: a steady sound (a TV, running water) lifts the floor until a talker
    # nearer than it is no longer much louder, but still stands out in direction. > 1 = energy gate alone.
    coherent_confidence: float = 0.6
    # SRP-PHAT searches the time-frequency bins this far over their own noise floor (a talker or a
    # beep under a steady sound), when at least `min_focus_share` of the window's bins are; <= 0 = the whole band.
    focus_margin_db: float = 6.0
    min_focus_share: float = 0.05
    initial_noise_floor_db: float = 0.0      # cap on the first window's energy as floor [dBFS]
    noise_floor_rise_db_per_s: float = 3.0
    min_energy_db: float = -90.0              # [dBFS]
    cdr_constant: float = 0.0                 # K of d = sqrt(K / CDR) [m^2]; 0 = no range
    max_range_m: float = 10.0
    speed_of_sound: float = SPEED_OF_SOUND    # [m/s]
    track_gate_deg: float = 20.0              # a bearing keeps a source id within this of its track
    track_max_silence_s: float = 2.0          # a source id not heard this long is retired [s]

    def peak_rules(self) -> PeakRules:
        return PeakRules(self.max_sources, math.radians(self.min_separation_deg), self.min_relative_height,
                         self.min_residual_coherence)


@dataclass(frozen=True)
class Bearing:
    azimuth: float        # [rad] CCW from +x (REP 103), (-pi, pi]
    elevation: float      # [rad]
    power: float
    confidence: float     # [0, 1]
    range: float          # [m], NaN when unknown
    range_stddev: float   # [m], NaN when unknown
    cdr: float            # NaN when not computed
    source_id: int = 0    # tracked source across windows (>= 1); 0 = none

    @property
    def direction(self) -> tuple[float, float, float]:
        ce = math.cos(self.elevation)
        return (ce * math.cos(self.azimuth), ce * math.sin(self.azimuth), math.sin(self.elevation))


@dataclass(frozen=True)
class WindowResult:
    stamp: float          # capture time of the window centre [s]
    window_s: float       # [s]
    algorithm: str
    energy_db: float      # [dBFS]
    noise_floor_db: float # [dBFS]
    active: bool
    bearings: list[Bearing] = field(default_factory=list)


def parse_channels(text: str, geometry: MicArrayGeometry) -> tuple[int, ...]:
    """'auto' -> the geometry's DoA subset (empty = all), 'all' -> (), '3,4,5,6' -> (3, 4, 5, 6)."""
    text = text.strip().lower()
    if text == 'auto':
        return geometry.doa_channels
    if text == 'all':
        return ()
    try:
        return tuple(int(part) for part in text.split(','))
    except ValueError:
        raise ValueError(f"DoA channels must be 'auto', 'all' or comma-separated indices, not {text!r}") from None


class DoaProcessor:
    """Stateful through the activity gate's noise floor and the bearing tracker (source ids);
    estimators are built per sample rate."""

    def __init__(self, geometry: MicArrayGeometry, config: DoaConfig = DoaConfig()) -> None:
        self.geometry = geometry
        self.config = config
        self.algorithm = doa_algorithm(config.method)
        if config.max_sources < 1:
            raise ValueError(f'max_sources must be >= 1, got {config.max_sources}')
        if not 0.0 <= config.band_hz[0] < config.band_hz[1]:
            raise ValueError(f'frequency band must be [low, high] Hz with low < high, got {config.band_hz}')
        self.channels = list(config.channels) if config.channels else list(range(geometry.num_channels))
        self.positions = geometry.subset(self.channels).positions
        if len(self.channels) < 2:
            raise ValueError(f'DoA needs at least 2 microphones, got channels {self.channels}')
        self.grid = DirectionGrid.regular(config.azimuth_step_deg, tuple(config.elevations_deg))
        self.gate = ActivityGate(config.gate_threshold_db, config.initial_noise_floor_db,
                                 config.noise_floor_rise_db_per_s, config.min_energy_db)
        self.bin_floor = BinFloor(config.focus_margin_db, config.noise_floor_rise_db_per_s)
        self.tracker = BearingTracker(math.radians(config.track_gate_deg), config.track_max_silence_s)
        self._estimators: dict[int, tuple[DoaEstimator, np.ndarray, int]] = {}

    def estimator(self, sample_rate: int) -> tuple[DoaEstimator, np.ndarray, int]:
        """(estimator, band bin indices, nfft) for `sample_rate`, built on first use."""
        if sample_rate not in self._estimators:
            nfft = fft_size(sample_rate, self.config.frame_s)
            bins = band_bins(sample_rate, nfft, self.config.band_hz)
            freqs = np.fft.rfftfreq(nfft, 1.0 / sample_rate)[bins]
            estimator = self.algorithm(self.positions, self.grid, freqs, self.config.max_sources,
                                       self.config.speed_of_sound)
            self._estimators[sample_rate] = (estimator, bins, nfft)
        return self._estimators[sample_rate]

    def spatial_spectrum(self, window: AudioWindow) -> np.ndarray:
        estimator, bins, nfft = self.estimator(window.sample_rate)
        return estimator.spectrum(stft(window.samples[:, self.channels], nfft)[:, bins, :])

    def locate(self, window: AudioWindow) -> list[SpectrumPeak]:
        """The window's source directions, strongest first, as `process` finds them (no gate, no ids)."""
        estimator, bins, nfft = self.estimator(window.sample_rate)
        return estimator.locate(stft(window.samples[:, self.channels], nfft)[:, bins, :], self.config.peak_rules())

    def pair_cdrs(self, window: AudioWindow) -> np.ndarray:
        """Band-mean CDR of every microphone pair of the DoA subset, what `process` takes the range
        from (no gate): the input for calibrating `cdr_constant`."""
        estimator, bins, nfft = self.estimator(window.sample_rate)
        return self._pair_cdrs(stft(window.samples[:, self.channels], nfft)[:, bins, :], estimator.frequencies)

    def _pair_cdrs(self, spectra: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
        return estimate_cdr(cross_spectra(spectra), self.positions, frequencies, self.config.speed_of_sound)

    def process(self, window: AudioWindow) -> WindowResult:
        cfg = self.config
        samples = window.samples[:, self.channels]
        energy = energy_dbfs(samples)
        loud = self.gate.update(energy, cfg.hop_s)
        # At or under the floor (silence, a reverberant tail) peaks this sharp come from nowhere too.
        search = loud or (cfg.coherent_confidence <= 1.0 and self.gate.above_floor(energy))
        peaks: list[SpectrumPeak] = []
        estimator, bins, nfft = self.estimator(window.sample_rate)
        # The bin floors follow the background through every window, searched or not.
        spectra = stft(samples, nfft)[:, bins, :] if search or cfg.focus_margin_db > 0.0 else None
        focus = self._focus(spectra) if spectra is not None else None
        if search:
            peaks = estimator.locate(spectra, cfg.peak_rules(), focus)
            if not loud:
                peaks = [p for p in peaks if p.confidence >= cfg.coherent_confidence]
        result = WindowResult(window.centre, window.duration, self.algorithm.name, energy,
                              self.gate.floor_db, loud or bool(peaks))
        if not peaks:
            self.tracker.update(result.stamp, [])  # silence ages the tracks out
            return result
        estimate = cdr_range(self._pair_cdrs(spectra, estimator.frequencies), cfg.cdr_constant, cfg.max_range_m)
        ids = self.tracker.update(result.stamp, [(p.azimuth, p.elevation) for p in peaks])
        result.bearings.extend(Bearing(p.azimuth, p.elevation, p.power, p.confidence, estimate.range,
                                       estimate.range_stddev, estimate.cdr, source_id)
                               for p, source_id in zip(peaks, ids))
        return result

    def _focus(self, spectra: np.ndarray) -> np.ndarray | None:
        """The window's (T, F) bins over their noise floor, or None: search the whole band."""
        if self.config.focus_margin_db <= 0.0:
            return None
        standing_out = self.bin_floor.update(spectra, self.config.hop_s)
        return standing_out if standing_out.mean() >= self.config.min_focus_share else None


def analyse_recording(samples: np.ndarray, sample_rate: int, processor: DoaProcessor,
                      start: float = 0.0) -> list[WindowResult]:
    """Every window of a (samples, channels) recording whose first sample is at `start` [s]."""
    from savvy_ros.audio.chunk_stream import ChunkStream

    processor.geometry.check_channels(samples.shape[1])
    stream = ChunkStream(samples.shape[1], processor.config.window_s, processor.config.hop_s)
    return [processor.process(w) for w in stream.push(samples, samples.shape[1], sample_rate, start)]


def result_to_json(result: WindowResult) -> dict:
    """The `savvy-ros doa --json` record: REP 103 degrees, range_m null when unknown, source_id
    the tracked source (>= 1) the bearing belongs to."""
    return {'t': round(result.stamp, 6),
            'bearings': [{'azimuth_deg': round(math.degrees(b.azimuth), 3),
                          'elevation_deg': round(math.degrees(b.elevation), 3),
                          'power': round(b.power, 6), 'confidence': round(b.confidence, 6),
                          'range_m': round(b.range, 4) if math.isfinite(b.range) else None,
                          'source_id': b.source_id}
                         for b in result.bearings]}
