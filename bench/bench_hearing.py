"""Hearing benchmark: speech onset/offset error, ASR word error rate, top-3 sound-tag hit rate and
the real-time ratio of the whole pipeline, on seeded synthetic clips (espeak-ng speech and the
synthetic scenes' 11 sound kinds at known times; 48 kHz stereo in, as from an array). The sound
tags are measured twice: dry (in the clips) and in a room (each kind rendered by the scene
generator's room simulator, 1.5-4 m from the 7-microphone Aria array, RT60 0.3-0.8 s, diffuse
noise at 10-20 dB SNR, heard as the channel average like the node does).

    .venv/bin/python bench/bench_hearing.py [--clips N] [--rooms R] [--seed S] [--threads T]
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from savvy_ros.audio.mic_arrays import load_mic_array  # noqa: E402
from savvy_ros.hearing import HearingPipeline, HearingStream, load_models  # noqa: E402
from savvy_ros.hearing.asr import DEFAULT_MIN_WINDOW  # noqa: E402
from savvy_ros.hearing.files import hear_array  # noqa: E402
from savvy_ros.hearing.synthetic import make_sound, scene  # noqa: E402
from savvy_ros.hearing.word_errors import transcript_words as words  # noqa: E402,F401 (bench_beamforming)
from savvy_ros.hearing.word_errors import word_errors  # noqa: E402
from savvy_ros.synth.acoustics import AcousticSettings, RoomSimulator, Source  # noqa: E402
from savvy_ros.synth.diffuse_noise import diffuse_noise  # noqa: E402
from savvy_ros.synth.sounds import AUDIOSET_CLASSES as SOUND_CLASSES  # noqa: E402

SENTENCES = [
    'Would you like a cup of tea before we leave the kitchen',
    'Please close the window in the living room',
    'The dog is sleeping under the table',
    'I will put the keys on the shelf near the door',
    'Can you turn off the television',
    'Someone is knocking at the front door',
    'The music in the next room is too loud',
    'Let us meet at the station at seven',
]
RATE, CHUNK = 48000, 0.1


def overlap(a_start: float, a_end: float, b_start: float, b_end: float) -> float:
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))


def room_clip(kind: str, seed: int, settings: AcousticSettings, array: np.ndarray) -> tuple[np.ndarray, float, float]:
    """One sound in a random room: (samples, 7) at settings.sample_rate and the sound's [start, end) s.

    Room 5-9 x 4-7 x 2.5-3.2 m, RT60 0.3-0.8 s, the array 1.6 m high near the middle, the source
    1.5-4 m away at 0.3-1.6 m height, diffuse pink noise at 10-20 dB SNR (over the sound), 1 s lead-in."""
    rng = np.random.default_rng([seed, sorted(SOUND_CLASSES).index(kind)])
    fs = settings.sample_rate
    size = np.array([rng.uniform(5, 9), rng.uniform(4, 7), rng.uniform(2.5, 3.2)])
    rt60, snr_db = rng.uniform(0.3, 0.8), rng.uniform(10.0, 20.0)
    head = np.array([size[0] / 2 + rng.uniform(-1, 1), size[1] / 2 + rng.uniform(-0.8, 0.8), 1.6])
    while True:
        azimuth, distance = rng.uniform(0, 2 * np.pi), rng.uniform(1.5, 4.0)
        source = head + distance * np.array([np.cos(azimuth), np.sin(azimuth), 0.0])
        source[2] = rng.uniform(0.3, 1.6)
        if np.all(source[:2] > 0.3) and np.all(source[:2] < size[:2] - 0.3):
            break
    dry = make_sound(kind, fs, rng)
    lead, total = fs, fs + dry.size + int(1.5 * fs)
    padded = np.zeros(total)
    padded[lead:lead + dry.size] = dry
    simulator = RoomSimulator(tuple(size), rt60, settings, rng)
    still = Source(kind, padded, ((lead, lead + dry.size),), lambda t: np.tile(source, (len(t), 1)))
    mics = simulator.simulate([still], lambda t: np.broadcast_to(array + head, (len(t), *array.shape)), total)
    power = float(np.mean(mics[lead:lead + dry.size] ** 2))
    mics += diffuse_noise(array, total, fs, rng) * math.sqrt(power / 10 ** (snr_db / 10))
    return (0.5 * mics / np.max(np.abs(mics))).astype(np.float32), lead / fs, (lead + dry.size) / fs


def top3_hit(kind: str, events: list, start: float, end: float) -> bool:
    """A right class among the top 3 labels of the sound events overlapping [start, end)."""
    top3 = {label for e in events if e.kind == 'sound' and overlap(e.start, e.end, start, end) > 0
            for label in e.labels[:3]}
    return bool(top3 & set(SOUND_CLASSES[kind]))


def run_clip(models, clip: np.ndarray) -> tuple[list, float]:
    stream = HearingStream(HearingPipeline(models))
    stereo = np.stack([clip, 0.9 * clip], axis=1)
    began = time.process_time()
    events = hear_array(stream, stereo, RATE, CHUNK)
    return events, time.process_time() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--clips', type=int, default=4, help=f'clips of 2 sentences + {len(SOUND_CLASSES)} sounds each')
    parser.add_argument('--rooms', type=int, default=8, help='rooms per sound kind (room condition)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--asr-window', type=float, default=DEFAULT_MIN_WINDOW,
                        help="shortest Whisper encoder window [s] (the hearing node's asr_min_window)")
    parser.add_argument('--long', type=float, default=60.0, help='length of the real-time-ratio clip [s]')
    args = parser.parse_args()
    models = load_models(threads=args.threads, asr_min_window=args.asr_window)
    onset, offset, errors, ref_words, missed_speech = [], [], 0, 0, 0
    sound_onset, sound_offset, spurious, detected = [], [], 0, 0
    per_class = {name: [0, 0] for name in SOUND_CLASSES}  # hits, total
    for k in range(args.clips):
        sentences = [SENTENCES[(2 * k + i) % len(SENTENCES)] for i in range(2)]
        clip, truths = scene(sentences, list(SOUND_CLASSES), RATE, seed=args.seed + k)
        events, _ = run_clip(models, clip)
        detected += len(events)
        spurious += sum(not any(overlap(e.start, e.end, t.start, t.end) > 0 for t in truths) for e in events)
        for truth in truths:
            kind = 'speech' if truth.kind == 'speech' else 'sound'
            matched = [e for e in events if e.kind == kind and overlap(e.start, e.end, truth.start, truth.end) > 0]
            if truth.kind == 'speech':
                ref_words += len(words(truth.text))
                if not matched:
                    missed_speech += 1
                    errors += len(words(truth.text))
                    continue
                onset.append(abs(min(e.start for e in matched) - truth.start))
                offset.append(abs(max(e.end for e in matched) - truth.end))
                errors += word_errors(truth.text, ' '.join(e.text for e in matched))
            else:
                per_class[truth.kind][0] += top3_hit(truth.kind, events, truth.start, truth.end)
                per_class[truth.kind][1] += 1
                if matched:
                    sound_onset.append(abs(min(e.start for e in matched) - truth.start))
                    sound_offset.append(abs(max(e.end for e in matched) - truth.end))
    # Room condition: each kind in --rooms random rooms (16 kHz quick simulation, 7 channels in).
    in_room = {name: [0, 0] for name in SOUND_CLASSES}
    sounds_only = replace(models, transcriber=None)
    array = np.asarray(load_mic_array('aria').positions)
    settings = AcousticSettings.for_mode(quick=True)
    for name in SOUND_CLASSES:
        for r in range(args.rooms):
            mics, start, end = room_clip(name, args.seed + r, settings, array)
            events = hear_array(HearingStream(HearingPipeline(sounds_only)), mics, settings.sample_rate, CHUNK)
            in_room[name][0] += top3_hit(name, events, start, end)
            in_room[name][1] += 1
    # Real-time ratio on one long clip: sentences and sounds repeated to args.long seconds.
    long_clip = np.zeros(0, dtype=np.float32)
    k = 100
    while long_clip.size < args.long * RATE:
        part, _ = scene(SENTENCES[k % 4:k % 4 + 2], list(SOUND_CLASSES), RATE, seed=args.seed + k)
        long_clip = np.concatenate([long_clip, part])
        k += 1
    long_clip = long_clip[:int(args.long * RATE)]
    _, cpu = run_clip(models, long_clip)
    ratio = args.long / cpu
    hits, sounds = sum(h for h, _ in per_class.values()), sum(n for _, n in per_class.values())
    room_hits, room_sounds = sum(h for h, _ in in_room.values()), sum(n for _, n in in_room.values())
    rows = [
        ('speech onset error, median [s]', f'{np.median(onset):.3f}', '<= 0.3', np.median(onset) <= 0.3),
        ('speech offset error, median [s]', f'{np.median(offset):.3f}', '<= 0.3', np.median(offset) <= 0.3),
        ('speech segments missed', f'{missed_speech}/{len(onset) + missed_speech}', '-', None),
        ('ASR word error rate', f'{errors / max(ref_words, 1):.1%}', '<= 30 %', errors / max(ref_words, 1) <= 0.3),
        ('sound tag in top 3, dry', f'{hits}/{sounds} = {hits / max(sounds, 1):.0%}', '>= 80 %',
         hits / max(sounds, 1) >= 0.8),
        ('sound tag in top 3, in a room', f'{room_hits}/{room_sounds} = {room_hits / max(room_sounds, 1):.0%}',
         '-', None),
        (f'real-time ratio, {args.long:.0f} s clip, {args.threads} thread(s)', f'{ratio:.1f}x', '>= 5x', ratio >= 5),
    ]
    info = [(f'  {name} in top 3, dry / room', f'{h}/{n} / {in_room[name][0]}/{in_room[name][1]}', '-', None)
            for name, (h, n) in per_class.items()]
    info += [('sound onset error, median [s]', f'{np.median(sound_onset):.3f}', '-', None),
             ('sound offset error, median [s]', f'{np.median(sound_offset):.3f}', '-', None),
             ('events overlapping no true sound or speech', f'{spurious}/{detected}', '-', None)]
    rows = rows[:6] + info + rows[6:]
    print(f'hearing benchmark: {args.clips} clips (seed {args.seed}), 48 kHz stereo in 0.1 s chunks, CPU time; '
          f'{args.rooms} rooms per sound kind')
    print(f"{'metric':<44} {'value':>14} {'target':>9}  ok")
    for name, value, target, ok in rows:
        print(f'{name:<44} {value:>14} {target:>9}  {"" if ok is None else "yes" if ok else "NO"}')
    return 0 if all(r[3] is not False for r in rows) else 1


if __name__ == '__main__':
    raise SystemExit(main())
