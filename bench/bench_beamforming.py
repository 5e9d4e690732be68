"""Steered-beam benchmark: what the hearing's models hear from a 7-microphone Aria array in a room.

Seeded scenes: an espeak-ng sentence from 1.5-4 m at a random azimuth, rendered by the synthetic
scenes' room simulator (image sources + diffuse tail) in three rooms, plus diffuse pink noise.
Each recording goes through the hearing stream three ways (the channel average, channel 0, and the
beam steered to the loudest direction) with VAD + Whisper tiny.en, and the word error rates are
compared; also the beam's steering error on the frames where the talker speaks and its CPU cost.
Target: the beam's word error rate below the channel average's.

    .venv/bin/python bench/bench_beamforming.py [--per-room N] [--seed S]
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_hearing import SENTENCES, word_errors, words  # noqa: E402

from savvy_ros.audio.beamforming import SteeredBeamformer  # noqa: E402
from savvy_ros.audio.mic_arrays import load_mic_array  # noqa: E402
from savvy_ros.hearing.asr import DEFAULT_MIN_WINDOW  # noqa: E402
from savvy_ros.hearing import HearingPipeline, HearingStream, StreamConfig, load_models  # noqa: E402
from savvy_ros.hearing.events import SPEECH  # noqa: E402
from savvy_ros.hearing.files import hear_array  # noqa: E402
from savvy_ros.synth.acoustics import AcousticSettings, RoomSimulator, Source  # noqa: E402
from savvy_ros.synth.diffuse_noise import diffuse_noise  # noqa: E402
from savvy_ros.synth.speech import espeak_available, synthesise  # noqa: E402

RATE, CHUNK = 48000, 0.1
ROOMS = [  # size [m], RT60 [s], SNR [dB]
    ((5.0, 4.5, 2.7), 0.3, 10.0),
    ((7.0, 5.5, 3.0), 0.5, 5.0),
    ((11.0, 8.0, 3.5), 0.8, 10.0),
]
VOICES = ['en-us+m2', 'en-us+f3', 'en-gb+m4', 'en-us+f1']
LEAD, TAIL = 0.5, 0.8   # [s] silence before and after the sentence


def render(room: tuple, sentence: str, voice: str, rng: np.random.Generator, positions: np.ndarray):
    """(samples, 7) recording, the talker's azimuth in the array frame, and its span [s]."""
    size, rt60, snr_db = room
    dry = synthesise(sentence, voice, RATE).astype(float)
    total = int((LEAD + TAIL) * RATE) + len(dry)
    signal = np.zeros(total)
    start = int(LEAD * RATE)
    signal[start:start + len(dry)] = dry
    size_a = np.array(size)
    centre = np.array([rng.uniform(1.5, size_a[0] - 1.5), rng.uniform(1.5, size_a[1] - 1.5), 1.6])
    yaw = rng.uniform(-math.pi, math.pi)
    rotation = np.array([[math.cos(yaw), -math.sin(yaw), 0.0], [math.sin(yaw), math.cos(yaw), 0.0], [0, 0, 1]])
    mics = centre + positions @ rotation.T
    while True:   # a talker 1.5-4 m away, inside the room
        azimuth, distance = rng.uniform(-math.pi, math.pi), rng.uniform(1.5, 4.0)
        talker = centre + distance * np.array([math.cos(yaw + azimuth), math.sin(yaw + azimuth), 0.0])
        talker[2] = 1.6
        if np.all(talker[:2] > 0.3) and np.all(talker[:2] < size_a[:2] - 0.3):
            break
    simulator = RoomSimulator(size, rt60, AcousticSettings(RATE), rng)
    source = Source('talker', signal, ((start, start + len(dry)),), lambda t: np.tile(talker, (len(t), 1)))
    wet = simulator.simulate([source], lambda t: np.repeat(mics[None], len(t), axis=0), total)[:total]
    power = float(np.mean(wet[start:start + len(dry)] ** 2))
    wet += diffuse_noise(positions, total, RATE, rng) * math.sqrt(power / 10 ** (snr_db / 10.0))
    return (0.5 * wet / np.max(np.abs(wet))).astype(np.float32), azimuth, (LEAD, LEAD + len(dry) / RATE)


def transcript(events) -> str:
    return ' '.join(e.text for e in events if e.kind == SPEECH)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--per-room', type=int, default=4, help='sentences per room')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--asr-window', type=float, default=DEFAULT_MIN_WINDOW,
                        help="shortest Whisper encoder window [s] (the hearing node's asr_min_window)")
    args = parser.parse_args()
    if not espeak_available():
        print('bench_beamforming: espeak-ng is not installed (make setup installs it)', file=sys.stderr)
        return 2
    aria = load_mic_array('aria')
    positions = np.asarray(aria.positions)
    models = load_models(asr_min_window=args.asr_window)
    ways = {'channel average': lambda: HearingStream(HearingPipeline(models)),
            'channel 0': lambda: HearingStream(HearingPipeline(models), StreamConfig(reference_channel=0)),
            'steered beam': lambda: HearingStream(HearingPipeline(models), steering_array=aria)}
    errors = {name: 0 for name in ways}
    reference_words = 0
    steering_errors: list[float] = []
    for r, room in enumerate(ROOMS):
        for k in range(args.per_room):
            rng = np.random.default_rng([args.seed, r, k])
            sentence = SENTENCES[(r * args.per_room + k) % len(SENTENCES)]
            recording, azimuth, (t0, t1) = render(room, sentence, VOICES[k % len(VOICES)], rng, positions)
            reference_words += len(words(sentence))
            for name, make in ways.items():
                errors[name] += min(word_errors(sentence, transcript(hear_array(make(), recording, RATE, CHUNK))),
                                    len(words(sentence)))
            beam = SteeredBeamformer(positions, RATE)
            beam.process(recording)
            frame_times = (np.arange(len(beam.steered)) * beam.hop + beam.nfft / 2 - beam.hop) / RATE
            talking = (frame_times > t0) & (frame_times < t1)
            steered = beam.grid.azimuths[np.asarray(beam.steered)[talking]]
            steering_errors += list(np.degrees(np.abs(np.angle(np.exp(1j * (steered - azimuth))))))
    # CPU cost of the beam alone: 20 s of 7-channel audio in 0.1 s chunks.
    noise = np.random.default_rng(args.seed).standard_normal((20 * RATE, positions.shape[0])).astype(np.float32)
    beam = SteeredBeamformer(positions, RATE)
    began = time.process_time()
    for k in range(0, len(noise), int(CHUNK * RATE)):
        beam.process(noise[k:k + int(CHUNK * RATE)])
    speed = 20.0 / (time.process_time() - began)
    wer = {name: count / max(reference_words, 1) for name, count in errors.items()}
    print(f'steered-beam benchmark: {len(ROOMS)} rooms x {args.per_room} sentences (seed {args.seed}), '
          f'{reference_words} words, Aria array, 48 kHz in 0.1 s chunks')
    print(f"{'input to VAD + Whisper tiny.en':<44} {'word error rate':>16}")
    for name, value in wer.items():
        print(f'{name:<44} {value:>16.1%}')
    ratio = wer['steered beam'] / max(wer['channel average'], 1e-9)
    print(f"{'beam / channel average (target < 1)':<44} {ratio:>16.2f}  {'yes' if ratio < 1 else 'NO'}")
    within = float(np.mean(np.array(steering_errors) <= 15.0)) if steering_errors else 0.0
    print(f"{'steering error while talking, median [deg]':<44} {np.median(steering_errors):>16.1f}")
    print(f"{'  frames within 15 deg':<44} {within:>16.0%}")
    print(f"{'beam alone, x real time (one core)':<44} {speed:>16.0f}")
    return 0 if ratio < 1 else 1


if __name__ == '__main__':
    raise SystemExit(main())
