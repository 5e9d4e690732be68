"""Sound events from YAMNet patch scores: runs of active patches, split when the sound changes,
with onsets and offsets trimmed to the loud frames inside the run."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from savvy_ros.hearing.log_mel import HOP, LOG_OFFSET, PATCH_FRAMES, PATCH_HOP_FRAMES, PATCH_SAMPLES, WINDOW, Patch
from savvy_ros.hearing.transients import band_levels_db, impulsiveness

# Speech has its own detector (VAD + ASR); room tone and silence are not events.
DEFAULT_IGNORED_LABELS = ('Speech', 'Child speech, kid speaking', 'Conversation', 'Narration, monologue',
                          'Babbling', 'Speech synthesizer', 'Silence', 'Inside, small room',
                          'Inside, large room or hall', 'Inside, public space', 'Outside, urban or manmade',
                          'Outside, rural or natural')


@dataclass(frozen=True)
class SoundConfig:
    threshold: float = 0.15          # a patch is active when a kept class scores >= this
    min_level_dbfs: float = -55.0    # [dBFS] patches whose loudest frame is quieter are never active
    num_labels: int = 3              # labels reported per event
    split_similarity: float = 0.3    # cosine similarity below which a new sound starts
    trim_db: float = 30.0            # [dB] frames this far below the event's peak are trimmed off
    max_duration: float = 20.0       # [s] longer sounds are cut into several events
    ignored_labels: tuple[str, ...] = DEFAULT_IGNORED_LABELS


@dataclass(frozen=True)
class SoundSpan:
    start_sample: int
    end_sample: int
    labels: list[str]
    scores: list[float]
    impulsiveness: float = 0.0   # [0, 1] see transients.py


# Level of full-scale white noise (RMS 1) in 20 log10(mean mel magnitude): makes levels about dBFS.
FULL_SCALE_LEVEL_DB = 31.8


def frame_levels_db(log_mel: np.ndarray) -> np.ndarray:
    """Per-frame level [dBFS, approximately, for broadband sound] from the log-mel frames."""
    magnitude = np.maximum(np.exp(log_mel) - LOG_OFFSET, 0.0).mean(axis=1)
    return 20.0 * np.log10(np.maximum(magnitude, 1e-6)) - FULL_SCALE_LEVEL_DB


class SoundEventBuilder:
    def __init__(self, class_names: list[str], config: SoundConfig = SoundConfig()) -> None:
        unknown = set(config.ignored_labels) - set(class_names)
        if unknown:
            raise ValueError(f'ignored sound labels not in the class map: {sorted(unknown)}')
        self.config = config
        self.class_names = class_names
        self.kept = np.array([name not in config.ignored_labels for name in class_names])
        self._max_patches = max(1, int(config.max_duration * 16000 / (PATCH_HOP_FRAMES * HOP)))
        self.reset()

    def reset(self) -> None:
        self._first: int | None = None   # first patch index of the open event
        self._last = 0
        self._sum = np.zeros(int(self.kept.sum()))
        self._levels: dict[int, float] = {}  # frame index -> level, for the open event
        self._bands: dict[int, tuple[float, float]] = {}  # frame index -> (whole, high band) level [dB]
        self._held: tuple[Patch, np.ndarray, np.ndarray] | None = None  # a patch that may start a new sound

    @property
    def open_since(self) -> int | None:
        return None if self._first is None else self._first * PATCH_HOP_FRAMES * HOP

    def push(self, patch: Patch, probabilities: np.ndarray) -> list[SoundSpan]:
        scores = np.asarray(probabilities, dtype=np.float64)[self.kept]
        levels = frame_levels_db(patch.log_mel)
        active = scores.max() >= self.config.threshold and levels.max() >= self.config.min_level_dbfs
        spans: list[SoundSpan] = []
        if self._first is not None and (not active or patch.index - self._first >= self._max_patches):
            if self._held is not None:  # a ragged tail, not a new sound
                self._add(*self._held)
            spans += self._close()
        if not active:
            return spans
        if self._first is not None and self._last > self._first and self._differs(scores):
            # A new sound only when the change lasts two patches and the open sound has more than
            # its onset patch: a sound's ragged edge inside the 0.96 s window is absorbed instead.
            if self._held is None:
                self._held = (patch, scores, levels)
                return spans
            held = self._held
            spans += self._close()
            self._add(*held)
        elif self._held is not None:
            self._add(*self._held)
        self._add(patch, scores, levels)
        return spans

    def _add(self, patch: Patch, scores: np.ndarray, levels: np.ndarray) -> None:
        if self._first is None:
            self._first = patch.index
        self._last = patch.index
        self._sum += scores
        self._held = None
        first_frame = patch.index * PATCH_HOP_FRAMES
        self._levels.update((first_frame + i, float(v)) for i, v in enumerate(levels))
        whole, high = band_levels_db(patch)
        self._bands.update((first_frame + i, (float(w), float(h))) for i, (w, h) in enumerate(zip(whole, high)))

    def flush(self) -> list[SoundSpan]:
        if self._held is not None:
            self._add(*self._held)
        spans = self._close() if self._first is not None else []
        self.reset()
        return spans

    def _differs(self, scores: np.ndarray) -> bool:
        mean = self._sum
        denominator = np.linalg.norm(mean) * np.linalg.norm(scores)
        return denominator > 0 and float(mean @ scores) / denominator < self.config.split_similarity

    def _close(self) -> list[SoundSpan]:
        first, last, count = self._first, self._last, self._last - self._first + 1
        mean = self._sum / count
        frames = np.array(sorted(f for f in self._levels
                                 if first * PATCH_HOP_FRAMES <= f < last * PATCH_HOP_FRAMES + PATCH_FRAMES))
        levels = np.array([self._levels[f] for f in frames])
        loud = frames[levels >= levels.max() - self.config.trim_db]
        start = int(loud[0]) * HOP
        end = min(int(loud[-1]) * HOP + WINDOW, last * PATCH_HOP_FRAMES * HOP + PATCH_SAMPLES)
        bands = np.array([self._bands[f] for f in frames if loud[0] <= f <= loud[-1]]).reshape(-1, 2)
        order = np.argsort(-mean, kind='stable')[:self.config.num_labels]
        kept_names = [name for name, keep in zip(self.class_names, self.kept) if keep]
        self.reset()
        return [SoundSpan(start, end, [kept_names[i] for i in order], [float(mean[i]) for i in order],
                          impulsiveness(bands[:, 0], bands[:, 1]))]
