"""Find and read the SAVVY-Bench release's derived files (see /work/shared/SAVVY_BENCH.md).

Two layouts are accepted: the release's own (dense_traj/aea/<seq>.json,
audio_tracks_drr_mid_4_3456/<seq>/audio_track_results.json, sd_output_v2/<model>.json,
gtavmap.json or savvy_bench.json, kdrr.json) and the flat one of the sample fixtures
(dense_traj_<seq>.json, audio_track_results_<seq>.json, sd_<model>*.json, gtavmap*.json).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

TRAJECTORY_RATE_HZ = 20.0            # dense_traj: one entry per 20 fps video frame
TRACK_CHUNK_S = 0.25                 # audio_track_results: four 0.25 s chunks per second
VIDEO_PREFIX = 'aea/'


class ReleaseFormatError(ValueError):
    """A release file is missing or malformed; the message names the file and the entry."""


def load_json(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ReleaseFormatError(f'{path}: file not found') from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ReleaseFormatError(f'{path}: not valid JSON ({exc})') from exc


@dataclass(frozen=True)
class FloorTrajectory:
    """The wearer's camera on the floor plane: one row per 20 fps frame, clip time t = index / 20."""

    positions: np.ndarray       # (n, 2) [m], world frame
    forward: np.ndarray         # (n, 2) unit horizontal forward vectors, world frame

    @property
    def yaw(self) -> np.ndarray:
        """[rad] heading counter-clockwise from world +x (REP 103)."""
        return np.arctan2(self.forward[:, 1], self.forward[:, 0])

    @property
    def duration_s(self) -> float:
        return (len(self.positions) - 1) / TRAJECTORY_RATE_HZ


@dataclass(frozen=True)
class TrackEntry:
    """One 0.25 s chunk of the release's SRP-PHAT track."""

    clip_time_s: float          # centre of the chunk, seconds from the clip start
    angle_deg: float            # SAVVY convention: 0 = forward, positive = right
    clip_energy: float
    cdr: float                  # coherent-to-diffuse ratio


def read_trajectory(path: Path) -> FloorTrajectory:
    data = load_json(path)
    if not isinstance(data, dict) or not data:
        raise ReleaseFormatError(f'{path}: expected {{"00001": {{"loc": .., "forward_vec": ..}}, ..}}')
    frames = sorted(data.items(), key=lambda kv: _frame_number(path, kv[0]))
    numbers = [_frame_number(path, key) for key, _ in frames]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        raise ReleaseFormatError(f'{path}: frame numbers are not consecutive')
    positions, forward = np.empty((len(frames), 2)), np.empty((len(frames), 2))
    for row, (key, entry) in enumerate(frames):
        try:
            positions[row] = [float(v) for v in entry['loc'][:2]]
            forward[row] = [float(v) for v in entry['forward_vec'][:2]]
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ReleaseFormatError(f'{path}: frame {key}: loc / forward_vec missing or not [x, y]') from exc
    norms = np.linalg.norm(forward, axis=1)
    bad = ~np.isfinite(positions).all(axis=1) | ~np.isfinite(norms) | (norms < 1e-9)
    if bad.any():
        raise ReleaseFormatError(f'{path}: frame {frames[int(np.argmax(bad))][0]}: non-finite position '
                                 'or zero forward vector')
    return FloorTrajectory(positions, forward / norms[:, None])


def _frame_number(path: Path, key: str) -> int:
    try:
        return int(key)
    except ValueError:
        raise ReleaseFormatError(f'{path}: frame key {key!r} is not a frame number') from None


def read_audio_track(path: Path) -> list[TrackEntry]:
    data = load_json(path)
    if not isinstance(data, dict):
        raise ReleaseFormatError(f'{path}: expected {{"<second>": [chunk entries]}}')
    entries: list[TrackEntry] = []
    for key, chunks in data.items():
        try:
            second = int(key)
        except ValueError:
            raise ReleaseFormatError(f'{path}: key {key!r} is not a whole second') from None
        if not isinstance(chunks, list):
            raise ReleaseFormatError(f'{path}: second {key}: expected a list of chunk entries')
        for index, chunk in enumerate(chunks):
            try:
                entry = TrackEntry(second + (index + 0.5) * TRACK_CHUNK_S, float(chunk['angle']),
                                   float(chunk['clip_energy']), float(chunk['cdr']))
            except (KeyError, TypeError, ValueError) as exc:
                raise ReleaseFormatError(f'{path}: second {key} chunk {index}: angle / clip_energy / cdr '
                                         f'missing or not a number') from exc
            entries.append(entry)
    return sorted(entries, key=lambda e: e.clip_time_s)


def cdr_range_m(cdr: float, k_drr: float | None) -> float:
    """The release's range model d = sqrt(K / CDR); NaN without a constant or a positive CDR."""
    if k_drr is None or not (cdr > 0 and math.isfinite(cdr)) or not (k_drr > 0):
        return math.nan
    return math.sqrt(k_drr / cdr)


@dataclass(frozen=True)
class ReleaseLayout:
    """Where a release directory keeps each kind of file."""

    root: Path

    def sequences(self) -> list[str]:
        nested = [p.stem for p in (self.root / 'dense_traj' / 'aea').glob('*.json')]
        flat = [p.stem[len('dense_traj_'):] for p in self.root.glob('dense_traj_*.json')]
        return sorted(set(nested) | set(flat))

    def trajectory(self, sequence: str) -> Path:
        return self._first(sequence, self.root / 'dense_traj' / 'aea' / f'{sequence}.json',
                           self.root / f'dense_traj_{sequence}.json')

    def audio_track(self, sequence: str) -> Path | None:
        candidates = sorted(self.root.glob(f'audio_tracks*/{sequence}/audio_track_results.json'))
        candidates.append(self.root / f'audio_track_results_{sequence}.json')
        return next((p for p in candidates if p.is_file()), None)

    def questions(self) -> Path | None:
        candidates = [self.root / 'gtavmap.json', self.root / 'savvy_bench.json',
                      *sorted(self.root.glob('gtavmap*.json'))]
        return next((p for p in candidates if p.is_file()), None)

    def kdrr(self) -> Path | None:
        path = self.root / 'kdrr.json'
        return path if path.is_file() else None

    def snapshot_outputs(self) -> list[Path]:
        return sorted(self.root.glob('sd_output_v2/*.json')) + sorted(self.root.glob('sd_*.json'))

    def _first(self, sequence: str, *candidates: Path) -> Path:
        for path in candidates:
            if path.is_file():
                return path
        raise ReleaseFormatError(f'{self.root}: no dense trajectory for sequence {sequence!r} '
                                 f'(looked for {", ".join(str(p) for p in candidates)})')


def sequence_of(video_id: str) -> str:
    """'aea/loc1_script2_seq1_rec1' (questions) or 'loc1_script2_seq1_rec1' (SD outputs) -> the sequence."""
    return video_id[len(VIDEO_PREFIX):] if video_id.startswith(VIDEO_PREFIX) else video_id


def questions_of(questions: list[dict[str, Any]], sequence: str) -> list[dict[str, Any]]:
    return [q for q in questions if sequence_of(str(q.get('video_id', ''))) == sequence]


def sequence_k_drr(kdrr: dict[str, float], questions: list[dict[str, Any]]) -> float | None:
    """One CDR-range constant for a clip: the median K of its questions, else of the whole file.

    The release calibrates K per question; a bag has one audio track per clip, so its range
    uses a clip-level value (the raw CDR stays in every bearing for re-calibration).
    """
    own = [float(kdrr[q['id']]) for q in questions if q.get('id') in kdrr]
    values = own or [float(v) for v in kdrr.values()]
    values = [v for v in values if math.isfinite(v) and v > 0]
    return float(np.median(values)) if values else None
