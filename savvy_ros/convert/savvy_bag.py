"""Turn one SAVVY-Bench release sequence into a rosbag2 bag (+ its questions beside it).

Topics (REP 103/105; header stamps on the question clock, see `time origin` below):
  /tf              tf2_msgs/TFMessage       world -> body at 20 Hz (floor plane, yaw from forward_vec)
  /savvy/bearings  AudioBearingArray        the release's SRP-PHAT track, one per 0.25 s chunk, in the
                                            body frame, range = sqrt(K / CDR)
  /savvy/snapshots SnapshotDescriptor       AV-LLM snapshot descriptors of the sequence's questions
Time origin: the questions' `video_start_time` (absolute seconds) when known, so that their
`start_frame` / `end_frame` are bag times as they stand; otherwise `default_origin_s`.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from savvy_ros.bags import BagWriter
from savvy_ros.bags.message_builders import MessageBuilder, seconds_to_ns
from savvy_ros.convert.release_files import (TRACK_CHUNK_S, TRAJECTORY_RATE_HZ, FloorTrajectory, ReleaseLayout,
                                             TrackEntry, cdr_range_m, load_json, questions_of, read_audio_track,
                                             read_trajectory, sequence_k_drr)
from savvy_ros.convert.snapshot_outputs import SnapshotRecord, read_snapshot_outputs
from savvy_ros.qa.savvy_conventions import savvy_deg_to_rep103_azimuth

TF_TOPIC = '/tf'
BEARINGS_TOPIC = '/savvy/bearings'
SNAPSHOTS_TOPIC = '/savvy/snapshots'
BEARING_ALGORITHM = 'savvy_release'
QUESTIONS_FILE = 'questions.json'
BAG_DIR = 'bag'
SILENCE_ENERGY = 1e-10   # clip_energy floor: a silent chunk reads -200 dBFS rather than -inf


@dataclass(frozen=True)
class SavvyConversionOptions:
    world_frame: str = 'map'
    body_frame: str = 'head'
    body_height_m: float = 0.0        # the release's track is on the floor plane
    default_origin_s: float = 1.0     # bag time of clip time 0 when no question gives one (ROS time 0 = unset)
    k_drr: float | None = None        # CDR range constant; None: from kdrr.json
    storage: str = 'mcap'


@dataclass
class SequenceReport:
    sequence: str
    bag: Path
    origin_s: float
    k_drr: float | None
    counts: dict[str, int] = field(default_factory=dict)
    questions: int = 0
    notes: list[str] = field(default_factory=list)


def yaw_quaternions(yaw: np.ndarray) -> np.ndarray:
    """(n, 4) x, y, z, w of rotations by `yaw` about +z."""
    half = 0.5 * np.asarray(yaw, dtype=float)
    return np.stack([np.zeros_like(half), np.zeros_like(half), np.sin(half), np.cos(half)], axis=1)


class SavvyBagBuilder:
    """Messages of one sequence, as (topic, stamp_ns, message) in time order per topic."""

    def __init__(self, options: SavvyConversionOptions, origin_s: float, builder: MessageBuilder | None = None) -> None:
        self.options = options
        self.origin_ns = seconds_to_ns(origin_s)
        self.build = builder or MessageBuilder()

    def clip_ns(self, clip_time_s: float) -> int:
        return self.origin_ns + seconds_to_ns(clip_time_s)

    def tf_messages(self, trajectory: FloorTrajectory) -> Iterable[tuple[str, int, Any]]:
        quaternions = yaw_quaternions(trajectory.yaw)
        period_ns = seconds_to_ns(1.0 / TRAJECTORY_RATE_HZ)
        height = self.options.body_height_m
        for index, ((x, y), q) in enumerate(zip(trajectory.positions, quaternions)):
            stamp = self.origin_ns + index * period_ns
            transform = self.build.transform(stamp, self.options.world_frame, self.options.body_frame,
                                             (x, y, height), q)
            yield TF_TOPIC, stamp, self.build.tf_message([transform])

    def bearing_messages(self, track: list[TrackEntry], k_drr: float | None) -> Iterable[tuple[str, int, Any]]:
        window = self.build.duration(seconds_to_ns(TRACK_CHUNK_S))
        for entry in track:
            stamp = self.clip_ns(entry.clip_time_s)
            azimuth = savvy_deg_to_rep103_azimuth(entry.angle_deg)
            bearing = self.build.make(
                'savvy_ros/msg/AudioBearing',
                direction=self.build.vector3((math.cos(azimuth), math.sin(azimuth), 0.0)),
                azimuth=azimuth, elevation=0.0, power=max(entry.clip_energy, 0.0),
                # The release has no peak confidence; CDR / (1 + CDR), the coherent share of the
                # window's power, is the closest measure of a direct-path peak in [0, 1).
                confidence=entry.cdr / (1.0 + entry.cdr) if entry.cdr > 0 else 0.0,
                range=cdr_range_m(entry.cdr, k_drr), range_stddev=math.nan, cdr=entry.cdr, source_id=0)
            yield BEARINGS_TOPIC, stamp, self.build.make(
                'savvy_ros/msg/AudioBearingArray', header=self.build.header(stamp, self.options.body_frame),
                window=window, algorithm=BEARING_ALGORITHM,
                energy=20.0 * math.log10(max(entry.clip_energy, SILENCE_ENERGY)),
                noise_floor=math.nan, active=True, bearings=[bearing])

    def snapshot_message(self, record: SnapshotRecord, produced_s: float) -> tuple[str, int, Any]:
        stamp = self.clip_ns(produced_s)
        objects = []
        for obj in record.objects:
            keyframes = [self.build.make('savvy_ros/msg/SnapshotKeyframe',
                                         stamp=self.build.time(self.clip_ns(k.time_s)),
                                         distance=k.distance_m, azimuth=k.azimuth_rad) for k in obj.keyframes]
            objects.append(self.build.make('savvy_ros/msg/SnapshotObject', role=int(obj.role), description=obj.description,
                                           is_static=0 if obj.is_static is None else 1 if obj.is_static else 2,
                                           keyframes=keyframes))
        start = self.clip_ns(record.start_s) if math.isfinite(record.start_s) else stamp
        end = self.clip_ns(record.end_s) if math.isfinite(record.end_s) else start
        return SNAPSHOTS_TOPIC, stamp, self.build.make(
            'savvy_ros/msg/SnapshotDescriptor', header=self.build.header(stamp, self.options.body_frame),
            question_id=record.question_id, question=record.question, event=record.event,
            start=self.build.time(start), end=self.build.time(max(start, end)), mode=record.mode, objects=objects,
            prediction=record.prediction, model=record.model, raw_output=record.raw_output)


@dataclass
class ReleaseData:
    """Whatever the release holds besides the per-sequence tracks (loaded once for all sequences)."""

    questions: list[dict[str, Any]] = field(default_factory=list)
    kdrr: dict[str, float] = field(default_factory=dict)
    snapshots: list[SnapshotRecord] = field(default_factory=list)

    @classmethod
    def load(cls, layout: ReleaseLayout, questions: Path | None = None, snapshot_files: list[Path] | None = None,
             kdrr: Path | None = None) -> ReleaseData:
        questions = questions or layout.questions()
        kdrr = kdrr or layout.kdrr()
        files = layout.snapshot_outputs() if snapshot_files is None else snapshot_files
        items = load_json(questions) if questions else []
        if not isinstance(items, list):
            items = list(items.values()) if isinstance(items, dict) else []
        return cls(items, load_json(kdrr) if kdrr else {},
                   [record for path in files for record in read_snapshot_outputs(path)])


def convert_sequence(layout: ReleaseLayout, sequence: str, out_dir: Path, data: ReleaseData,
                     options: SavvyConversionOptions = SavvyConversionOptions()) -> SequenceReport:
    """Write <out_dir>/<sequence>/bag and <out_dir>/<sequence>/questions.json."""
    trajectory = read_trajectory(layout.trajectory(sequence))
    questions = questions_of(data.questions, sequence)
    starts = {float(q['video_start_time']) for q in questions if 'video_start_time' in q}
    origin = min(starts) if starts else options.default_origin_s
    k_drr = options.k_drr if options.k_drr is not None else sequence_k_drr(data.kdrr, questions)
    target = out_dir / sequence
    target.mkdir(parents=True, exist_ok=True)
    report = SequenceReport(sequence, target / BAG_DIR, origin, k_drr, questions=len(questions))
    if len(starts) > 1:
        report.notes.append(f'questions disagree on video_start_time {sorted(starts)}; using {origin}')
    track_path = layout.audio_track(sequence)
    raw_track = read_audio_track(track_path) if track_path else []
    if track_path is None:
        report.notes.append('no audio_track_results for this sequence: no bearings')
    track = [e for e in raw_track if math.isfinite(e.angle_deg) and math.isfinite(e.clip_energy)]
    if len(track) < len(raw_track):
        report.notes.append(f'{len(raw_track) - len(track)} track entries with a non-finite angle or energy '
                            f'dropped ({track_path})')
    if k_drr is None and track:
        report.notes.append('no CDR range constant (kdrr.json or --k-drr): bearing ranges are NaN')
    question_ids = {q.get('id') for q in questions}
    snapshots = [s for s in data.snapshots if s.sequence == sequence or s.question_id in question_ids]
    builder = SavvyBagBuilder(options, origin)
    produced = max(trajectory.duration_s, track[-1].clip_time_s if track else 0.0)  # the clip's end
    streams = {TF_TOPIC: list(builder.tf_messages(trajectory)),
               BEARINGS_TOPIC: list(builder.bearing_messages(track, k_drr)),
               SNAPSHOTS_TOPIC: [builder.snapshot_message(s, produced) for s in snapshots]}
    with BagWriter(report.bag, options.storage) as writer:  # type: ignore[arg-type]
        writer.set_custom_data('savvy_ros.sequence', sequence)
        writer.set_custom_data('savvy_ros.time_origin_s', repr(origin))
        writer.set_custom_data('savvy_ros.k_drr', repr(k_drr))
        for topic, msgtype in ((TF_TOPIC, 'tf2_msgs/msg/TFMessage'),
                               (BEARINGS_TOPIC, 'savvy_ros/msg/AudioBearingArray'),
                               (SNAPSHOTS_TOPIC, 'savvy_ros/msg/SnapshotDescriptor')):
            if streams[topic]:
                writer.add_topic(topic, msgtype)
        # Merged in time order (ties: topic order above) so that bag order is deterministic.
        merged = sorted((m for topic in streams for m in streams[topic]), key=lambda m: m[1])
        for topic, stamp, message in merged:
            writer.write(topic, stamp, message)
    report.counts = {topic: len(messages) for topic, messages in streams.items()}
    (target / QUESTIONS_FILE).write_text(json.dumps(questions, indent=1, ensure_ascii=False) + '\n')
    return report
