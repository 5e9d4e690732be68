"""Generate one synthetic episode: dry sounds -> motion -> room audio -> rendered frames -> bag,
plus the questions file (SAVVY-Bench schema) and the ground-truth file beside the bag.

Bag topics: /camera/image_raw (rgb8), /camera/camera_info, optional /camera/depth/image_raw
(32FC1, m), /mic_array/audio (savvy_ros/AudioChunk, stamp = first sample), /tf (map -> head at
TF_RATE), /tf_static (head -> camera_optical, head -> mic_array). Bag time = EPOCH_NS + scene
time; storage time stamps equal header stamps. Same scene + seed + mode -> identical bytes.
"""
from __future__ import annotations

import math
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from savvy_ros.bags.bag_writer import BagWriter
from savvy_ros.synth.acoustics import AcousticSettings, RoomSimulator, Source
from savvy_ros.synth.bag_messages import MessageFactory
from savvy_ros.synth.diffuse_noise import diffuse_noise
from savvy_ros.synth.episode_layout import BAG_NAME, GROUND_TRUTH_NAME, QUESTIONS_NAME
from savvy_ros.synth.ground_truth import build_ground_truth, write_json
from savvy_ros.synth.motion import WearerTrajectory, object_centres, wearer_trajectory
from savvy_ros.synth.questions import build_questions
from savvy_ros.synth.frames import render_frames
from savvy_ros.synth.renderer import Intrinsics
from savvy_ros.synth.rig import CAMERA_FRAME, HEAD_FRAME, WORLD_FRAME, Rig
from savvy_ros.synth.scene import Scene, SceneError
from savvy_ros.synth.sounds import synthesise_sound
from savvy_ros.synth.speech import synthesise

EPOCH_NS = 1_700_000_000 * 10**9   # bag time of t = 0: fixed, so replays are repeatable
TF_RATE = 50.0                     # Hz
CHUNK_S = 0.1                      # s of audio per AudioChunk
REFERENCE_RMS = 0.05               # dry level of every event at level_db = 0
OUTPUT_PEAK = 0.7                  # the microphone signals are scaled to this peak (full scale 1.0)
TOPIC_IMAGE, TOPIC_INFO, TOPIC_DEPTH = '/camera/image_raw', '/camera/camera_info', '/camera/depth/image_raw'
TOPIC_AUDIO, TOPIC_TF, TOPIC_TF_STATIC = '/mic_array/audio', '/tf', '/tf_static'

Progress = Callable[[str, float], None]   # (stage name, fraction done 0..1)


@dataclass(frozen=True)
class EpisodeSummary:
    directory: Path
    bag: Path
    questions: Path
    ground_truth: Path
    frames: int
    audio_chunks: int
    tf_messages: int
    question_count: int
    skipped_questions: tuple[str, ...]
    seconds: float


@dataclass(frozen=True)
class DryEvent:
    index: int
    start: int              # sample
    samples: np.ndarray     # dry mono, level applied


def _generators(scene: Scene, seed: int) -> dict[str, np.random.Generator]:
    root = np.random.SeedSequence([seed, zlib.crc32(scene.name.encode())])
    names = ('sounds', 'room', 'noise', 'questions')
    return {name: np.random.default_rng(child) for name, child in zip(names, root.spawn(len(names)))}


def synthesise_events(scene: Scene, sample_rate: int, rng: np.random.Generator) -> list[DryEvent]:
    events = []
    for index, event in enumerate(scene.events):
        if event.kind == 'speech':
            voice = scene.objects_by_id[event.object].voice
            samples = synthesise(event.text, voice, sample_rate).astype(float)
        else:
            samples = synthesise_sound(event.kind, event.duration, sample_rate, rng).astype(float)
        end = event.start + len(samples) / sample_rate
        if end > scene.duration:
            raise SceneError(f'{scene.source_file}: events[{index}] ({event.kind} from {event.object!r}) lasts '
                             f'{len(samples) / sample_rate:.2f} s and ends at {end:.2f} s, after the scene '
                             f'({scene.duration} s): start it earlier')
        rms = float(np.sqrt(np.mean(samples ** 2)))
        samples *= REFERENCE_RMS * 10 ** (event.level_db / 20.0) / max(rms, 1e-12)
        events.append(DryEvent(index, int(round(event.start * sample_rate)), samples))
    return events


def _event_records(scene: Scene, dry: list[DryEvent], sample_rate: int) -> list[dict[str, Any]]:
    records = []
    for item in dry:
        event = scene.events[item.index]
        start = item.start / sample_rate
        record: dict[str, Any] = {'index': item.index, 'object': event.object,
                                  'kind': 'speech' if event.kind == 'speech' else 'sound',
                                  'start_s': round(start, 4), 'end_s': round(start + len(item.samples) / sample_rate, 4),
                                  'ask': event.ask, 'level_db': event.level_db}
        if event.kind == 'speech':
            record.update(text=event.text, topic=event.topic)
        else:
            record.update(sound=event.kind, label=event.label)
        records.append(record)
    return records


def _merge_spans(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((a, b) for a, b in merged)


def simulate_audio(scene: Scene, dry: list[DryEvent], trajectory: WearerTrajectory, rig: Rig,
                   settings: AcousticSettings, rngs: dict[str, np.random.Generator],
                   progress: Progress | None = None) -> np.ndarray:
    """(samples, channels) float32 microphone signals: sources in the room plus diffuse noise."""
    fs = settings.sample_rate
    total = int(round(scene.duration * fs))
    sources = []
    for obj in scene.objects:
        mine = [d for d in dry if scene.events[d.index].object == obj.id]
        if not mine:
            continue
        dry_signal = np.zeros(total)
        for item in mine:
            end = min(item.start + len(item.samples), total)
            dry_signal[item.start:end] += item.samples[:end - item.start]
        spans = _merge_spans([(d.start, min(d.start + len(d.samples), total)) for d in mine])
        sources.append(Source(obj.id, dry_signal, spans, lambda t, o=obj: object_centres(o, t)))
    simulator = RoomSimulator(scene.room.size, scene.room.rt60, settings, rngs['room'])
    mics = simulator.simulate(sources, lambda t: rig.mic_positions(trajectory, t), total,
                              None if progress is None else (lambda f: progress('audio', f)))
    active = np.zeros(total, bool)
    for source in sources:
        for start, end in source.spans:
            active[start:end] = True
    signal_power = float(np.mean(mics[active] ** 2)) if active.any() else REFERENCE_RMS ** 2 * 1e-4
    noise = diffuse_noise(np.asarray(rig.mic_array.positions), total, fs, rngs['noise'])
    mics += noise * math.sqrt(signal_power / 10 ** (scene.room.snr_db / 10.0))
    return (mics * (OUTPUT_PEAK / max(float(np.max(np.abs(mics))), 1e-12))).astype(np.float32)


def _schedule(scene: Scene, frames: int, chunks: int, tf_count: int) -> list[tuple[int, int, int]]:
    """(stamp_ns, kind, index) in bag order; kind 0 = tf, 1 = audio, 2 = camera."""
    items = [(round(k * 1e9 / TF_RATE), 0, k) for k in range(tf_count)]
    items += [(round(j * CHUNK_S * 1e9), 1, j) for j in range(chunks)]
    items += [(round(i * 1e9 / scene.camera.fps), 2, i) for i in range(frames)]
    return sorted(items)


def write_bag(path: Path, scene: Scene, trajectory: WearerTrajectory, rig: Rig, audio: np.ndarray,
              sample_rate: int, progress: Progress | None = None, workers: int = 1) -> tuple[int, int, int]:
    """Write the episode bag; returns (frames, audio chunks, tf messages)."""
    intrinsics = Intrinsics.from_spec(scene.camera)
    frames = int(math.floor(scene.duration * scene.camera.fps - 1e-9)) + 1
    chunk = int(round(CHUNK_S * sample_rate))
    chunks = len(audio) // chunk
    tf_count = int(math.floor(scene.duration * TF_RATE - 1e-9)) + 1
    schedule = _schedule(scene, frames, chunks, tf_count)
    rendered = render_frames(scene, trajectory, rig, np.arange(frames) / scene.camera.fps, workers)
    mic_frame = rig.mic_array.frame_id
    with BagWriter(path) as bag:
        make = MessageFactory(bag.typestore)
        bag.add_topic(TOPIC_TF_STATIC, 'tf2_msgs/msg/TFMessage', latched=True)
        bag.add_topic(TOPIC_TF, 'tf2_msgs/msg/TFMessage')
        bag.add_topic(TOPIC_AUDIO, 'savvy_ros/msg/AudioChunk')
        bag.add_topic(TOPIC_IMAGE, 'sensor_msgs/msg/Image')
        bag.add_topic(TOPIC_INFO, 'sensor_msgs/msg/CameraInfo')
        if scene.camera.depth:
            bag.add_topic(TOPIC_DEPTH, 'sensor_msgs/msg/Image')
        bag.write(TOPIC_TF_STATIC, EPOCH_NS, make.tf([
            make.transform(EPOCH_NS, HEAD_FRAME, CAMERA_FRAME, rig.head_camera.translation, rig.head_camera.rotation),
            make.transform(EPOCH_NS, HEAD_FRAME, mic_frame, rig.head_mics.translation, rig.head_mics.rotation)]))
        for offset_ns, kind, index in schedule:
            stamp = EPOCH_NS + offset_ns
            t = offset_ns / 1e9
            if kind == 0:
                position, _ = trajectory.sample(t)
                rotation = trajectory.rotations(t)[0].as_quat()
                bag.write(TOPIC_TF, stamp, make.tf([make.transform(stamp, WORLD_FRAME, HEAD_FRAME, position[0], rotation)]))
            elif kind == 1:
                bag.write(TOPIC_AUDIO, stamp, make.audio(stamp, mic_frame, sample_rate,
                                                         audio[index * chunk:(index + 1) * chunk], index))
            else:
                image, depth = next(rendered)
                bag.write(TOPIC_IMAGE, stamp, make.image(stamp, CAMERA_FRAME, image))
                bag.write(TOPIC_INFO, stamp, make.camera_info(stamp, CAMERA_FRAME, intrinsics))
                if depth is not None:
                    bag.write(TOPIC_DEPTH, stamp, make.image(stamp, CAMERA_FRAME, depth))
                if progress is not None:
                    progress('frames', (index + 1) / frames)
    rendered.close()
    return frames, chunks, tf_count


def generate_episode(scene: Scene, out_dir: str | Path, seed: int | None = None, quick: bool = False,
                     progress: Progress | None = None, workers: int = 1) -> EpisodeSummary:
    """Write `out_dir`/bag, questions.json and ground_truth.json for `scene` (seed: scene's default).
    `workers` > 1 renders frames in that many processes (same bytes as 1)."""
    began = time.perf_counter()
    seed = scene.seed if seed is None else seed
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    settings = AcousticSettings.for_mode(quick)
    fs = settings.sample_rate
    rngs = _generators(scene, seed)
    rig = Rig.aria()

    dry = synthesise_events(scene, fs, rngs['sounds'])
    records = _event_records(scene, dry, fs)
    trajectory = wearer_trajectory(scene, {r['index']: r['end_s'] for r in records})
    audio = simulate_audio(scene, dry, trajectory, rig, settings, rngs, progress)
    frames, chunks, tf_count = write_bag(out / BAG_NAME, scene, trajectory, rig, audio, fs, progress, workers)

    intrinsics = Intrinsics.from_spec(scene.camera)
    gt = build_ground_truth(scene, seed, quick, EPOCH_NS / 1e9, trajectory, records, rig, intrinsics, fs, CHUNK_S)
    items, links, skipped = build_questions(gt, rngs['questions'])
    gt['questions'] = links
    gt['skipped_questions'] = skipped
    write_json(out / QUESTIONS_NAME, items)
    write_json(out / GROUND_TRUTH_NAME, gt)
    return EpisodeSummary(out, out / BAG_NAME, out / QUESTIONS_NAME, out / GROUND_TRUTH_NAME, frames, chunks,
                          tf_count, len(items), tuple(skipped), time.perf_counter() - began)
