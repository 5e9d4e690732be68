"""DoA benchmark: azimuth accuracy (one and two sources), speed and node latency, on seeded
pyroomacoustics ShoeBox simulations with the Project Aria geometry (48 kHz), comparing our numpy
SRP-PHAT / MUSIC / NormMUSIC with pyroomacoustics' own implementations on the same windows.

    .venv/bin/python bench/bench_doa.py [--scenes N] [--pairs N] [--range-scenes N] [--seed S]
                                        [--no-latency] [--only-range]
                                        [--sections accuracy,two,speed,latency,range]

Single-threaded BLAS (set below) so "x real time" is per core. Targets (issue 3): median error
<= 5 deg and p90 <= 15 deg at SNR >= 10 dB; two sources >= 40 deg apart both within 10 deg in
>= 80 % of active windows; >= 50x real time for 7 channels, 0.25 s windows, 1 deg grid;
median latency chunk arrival -> bearing publish <= 30 ms. The "range from CDR" section fits
K of d = sqrt(K / CDR) on ShoeBox rooms and on the synthetic episode generator's responses and
prints the range error per distance and RT60 band beside a constant-distance guess.
"""
from __future__ import annotations

import os

for _var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

import argparse  # noqa: E402
import math  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field, replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from savvy_ros.audio.activity import ActivityGate, energy_dbfs  # noqa: E402
from savvy_ros.audio.cdr import cdr_range, fit_cdr_constant  # noqa: E402
from savvy_ros.audio.chunk_stream import AudioWindow, ChunkStream  # noqa: E402
from savvy_ros.audio.mic_arrays import MicArrayGeometry, load_mic_array  # noqa: E402
from savvy_ros.audio.peaks import pick_peaks  # noqa: E402
from savvy_ros.audio.processor import DoaConfig, DoaProcessor  # noqa: E402
from savvy_ros.audio.room_simulation import (RoomScene, add_sensor_noise, espeak_speech, noise_burst,  # noqa: E402
                                             simulate_clean)
from savvy_ros.audio.spectra import stft  # noqa: E402
from savvy_ros.synth.sounds import beep  # noqa: E402

RATE = 48000
LEAD_IN, SOURCE_SECONDS = 0.5, 2.5  # [s] quiet lead-in (the gate learns the floor), then the source
SNRS = (0.0, 5.0, 10.0, 20.0)
OWN = {'srp_phat': 'ours SRP-PHAT', 'music': 'ours MUSIC', 'normmusic': 'ours NormMUSIC'}
PRA = {'SRP': 'pra SRP-PHAT', 'MUSIC': 'pra MUSIC', 'NormMUSIC': 'pra NormMUSIC'}
FULL_BAND = 'ours SRP-PHAT, full-band peaks only (before TF bins)'
SENTENCES = ['Would you like a cup of tea before we leave the kitchen',
             'Please close the window in the living room, it is getting cold',
             'The dog is sleeping under the table next to the sofa',
             'Someone is knocking at the front door, can you open it',
             'I will put the keys on the shelf near the door',
             'Let us meet at the station at seven tomorrow evening']


def angle_error_deg(a: float, b: float) -> float:
    return abs(math.degrees((a - b + math.pi) % (2.0 * math.pi) - math.pi))


def random_scene(rng: np.random.Generator, sources: int, min_separation_deg: float = 0.0) -> RoomScene:
    """Room 4-10 m, RT60 0.2-0.6 s, sources 1-4 m away inside the room (0.5 m from the walls)."""
    while True:
        dim = (rng.uniform(4.0, 10.0), rng.uniform(4.0, 10.0), rng.uniform(2.5, 3.5))
        centre = (rng.uniform(1.0, dim[0] - 1.0), rng.uniform(1.0, dim[1] - 1.0), 1.6)
        first = rng.uniform(-math.pi, math.pi)
        azimuths = [first] + [first + math.radians(rng.uniform(min_separation_deg, 180.0)) * rng.choice([-1, 1])
                              for _ in range(sources - 1)]
        azimuths = [math.atan2(math.sin(a), math.cos(a)) for a in azimuths]
        scene = RoomScene(dim, rng.uniform(0.2, 0.6), centre, tuple(azimuths),
                          tuple(rng.uniform(1.0, 4.0) for _ in azimuths), 0.0)
        inside = [(0.5 <= p[0] <= dim[0] - 0.5) and (0.5 <= p[1] <= dim[1] - 0.5) for p in scene.source_positions()]
        if all(inside):
            return scene


def source_signal(kind: str, rng: np.random.Generator, speech: list[np.ndarray]) -> np.ndarray:
    """'speech' (one of `speech`), 'beep' (the episode generator's 2.7 kHz beeper) or else pink-ish noise."""
    length = int(SOURCE_SECONDS * RATE)
    if kind == 'speech':
        body = speech[rng.integers(len(speech))][:length]
    elif kind == 'beep':
        body = beep(SOURCE_SECONDS, RATE, rng)
        body = body / np.abs(body).max()
    else:
        body = noise_burst(SOURCE_SECONDS, RATE, rng)
    body = np.pad(body, (0, max(0, length - len(body))))
    return np.concatenate([np.zeros(int(LEAD_IN * RATE)), body])


@dataclass
class Windows:
    """The analysis windows of one recording, the gate's decisions, and whether the source really
    sounds in each (clean energy within 20 dB of the loudest window: speech pauses are not)."""
    windows: list[AudioWindow]
    active: list[bool]
    sounding: list[bool]


def windows_of(recording: np.ndarray, clean: np.ndarray, channels: list[int]) -> Windows:
    def split(samples: np.ndarray) -> list[AudioWindow]:
        return ChunkStream(samples.shape[1], 0.25, 0.25).push(samples, samples.shape[1], RATE, 0.0)

    windows = split(recording)
    gate = ActivityGate()
    active = [gate.update(energy_dbfs(w.samples[:, channels]), 0.25) for w in windows]
    clean_db = np.array([energy_dbfs(w.samples) for w in split(clean.astype(np.float32))])
    return Windows(windows, active, list(clean_db >= clean_db.max() - 20.0))


class PraMethod:
    """pyroomacoustics' DOA object on our STFT of the same window, same band bins and grid."""

    def __init__(self, name: str, geometry: MicArrayGeometry, processor: DoaProcessor, num_src: int) -> None:
        import pyroomacoustics as pra

        _, self.bins, self.nfft = processor.estimator(RATE)
        positions = geometry.positions - geometry.centre
        self.doa = pra.doa.algorithms[name](positions[:, :2].T, RATE, self.nfft, c=343.0, num_src=num_src,
                                             azimuth=processor.grid.azimuths.copy())
        self.num_src = num_src

    def azimuths(self, window: np.ndarray) -> list[float]:
        spectra = stft(window, self.nfft)  # (T, F, M) -> pyroomacoustics wants (M, F, T)
        self.doa.locate_sources(spectra.transpose(2, 1, 0), num_src=self.num_src, freq_bins=self.bins)
        return [float(a) for a in np.atleast_1d(self.doa.azimuth_recon)]


def own_azimuths(processor: DoaProcessor, window: AudioWindow) -> list[float]:
    """What the DoA node finds in the window (its gate aside)."""
    return [p.azimuth for p in processor.locate(window)]


def full_band_peak_azimuths(processor: DoaProcessor, window: AudioWindow) -> list[float]:
    """The previous SRP-PHAT search, for comparison: peaks of the full-band spectrum only."""
    spectrum = processor.spatial_spectrum(window)
    cfg = processor.config
    peaks = pick_peaks(spectrum, processor.grid, cfg.max_sources, math.radians(cfg.min_separation_deg),
                       cfg.min_relative_height)
    return [p.azimuth for p in peaks]


def estimators(geometry: MicArrayGeometry, channels: list[int], max_sources: int, with_all_mics: bool = False):
    """name -> (azimuths(window) callable) for ours and pyroomacoustics'."""
    table = {}
    for method, label in OWN.items():
        processor = DoaProcessor(geometry, DoaConfig(method=method, channels=tuple(channels), max_sources=max_sources))
        table[label] = lambda w, p=processor: own_azimuths(p, w)
        if method == 'srp_phat' and max_sources > 1:
            table[FULL_BAND] = lambda w, p=processor: full_band_peak_azimuths(p, w)
    if with_all_mics:
        for method in ('srp_phat', 'normmusic'):
            processor = DoaProcessor(geometry, DoaConfig(method=method, channels=(), max_sources=max_sources))
            table[f'{OWN[method]}, all 7 mics'] = lambda w, p=processor: own_azimuths(p, w)
    reference = DoaProcessor(geometry, DoaConfig(channels=tuple(channels)))
    subset = geometry.subset(channels)
    for name, label in PRA.items():
        pra_method = PraMethod(name, subset, reference, max_sources)
        table[label] = lambda w, m=pra_method: m.azimuths(w.samples[:, channels])
    return table


def accuracy(args, geometry: MicArrayGeometry, channels: list[int], speech: list[np.ndarray]) -> None:
    rng = np.random.default_rng(args.seed)
    methods = estimators(geometry, channels, 1, with_all_mics=True)
    errors = {(label, snr): [] for label in methods for snr in SNRS}
    gated = {snr: [0, 0, 0, 0] for snr in SNRS}  # sounding & active, sounding, quiet & active, quiet
    # The node's default: up to 2 bearings. With one source, a second one is spurious (a reflection).
    two_bearings = DoaProcessor(geometry, DoaConfig(channels=tuple(channels), max_sources=2))
    searches = {'ours SRP-PHAT (node default)': own_azimuths, FULL_BAND: full_band_peak_azimuths}
    spurious = {(label, snr): [0, 0] for label in searches for snr in SNRS}
    for index in range(args.scenes):
        scene = random_scene(rng, 1)
        signal = source_signal('speech' if index % 2 == 0 else 'noise', rng, speech)
        clean = simulate_clean(geometry, scene, [signal], RATE)
        for snr in SNRS:
            recording = add_sensor_noise(clean, snr, np.random.default_rng([args.seed, index, int(snr)]),
                                         slice(int(LEAD_IN * RATE), None))
            w = windows_of(recording, clean, channels)
            for window, active, sounding in zip(w.windows, w.active, w.sounding):
                gated[snr][0 if sounding else 2] += int(active)
                gated[snr][1 if sounding else 3] += 1
                if not sounding:
                    continue
                for label, locate in methods.items():
                    found = locate(window)
                    errors[(label, snr)].append(angle_error_deg(found[0], scene.azimuths[0]) if found else 180.0)
                if active:
                    for label, search in searches.items():
                        spurious[(label, snr)][0] += int(len(search(two_bearings, window)) >= 2)
                        spurious[(label, snr)][1] += 1
    print(f'\n## Azimuth error, one source, windows where it sounds ({args.scenes} scenes: rooms 4-10 m, RT60 0.2-0.6 s, source 1-4 m, '
          f'speech/noise alternating; Aria mics {",".join(map(str, channels))}; 0.25 s windows, 1 deg grid)\n')
    print('| method | ' + ' | '.join(f'SNR {snr:.0f} dB median / p90 [deg]' for snr in SNRS) + ' |')
    print('|---|' + '---|' * len(SNRS))
    for label in methods:
        cells = [f'{np.median(errors[(label, snr)]):.1f} / {np.percentile(errors[(label, snr)], 90):.1f}'
                 for snr in SNRS]
        print(f'| {label} | ' + ' | '.join(cells) + ' |')
    print('\nActivity gate (default 4 dB over the adaptive floor), windows passed:\n')
    print('| | ' + ' | '.join(f'SNR {snr:.0f} dB' for snr in SNRS) + ' |')
    print('|---|' + '---|' * len(SNRS))
    print('| source sounding | ' + ' | '.join(f'{g[0]}/{g[1]}' for g in gated.values()) + ' |')
    print('| quiet (lead-in, pauses) | ' + ' | '.join(f'{g[2]}/{g[3]}' for g in gated.values()) + ' |')
    print('\nOne source, up to 2 bearings per window (SRP-PHAT, mics as above): active windows where it sounds '
          'with a second, spurious bearing:\n')
    print('| search | ' + ' | '.join(f'SNR {snr:.0f} dB' for snr in SNRS) + ' |')
    print('|---|' + '---|' * len(SNRS))
    for label in searches:
        cells = [f'{100.0 * spurious[(label, snr)][0] / max(spurious[(label, snr)][1], 1):.0f} % of '
                 f'{spurious[(label, snr)][1]}' for snr in SNRS]
        print(f'| {label} | ' + ' | '.join(cells) + ' |')


def two_sources(args, geometry: MicArrayGeometry, channels: list[int]) -> None:
    """Equal-level sources (same distance: the usual two-talker test, the issue's target) and
    sources at independent distances 1-4 m (up to 12 dB apart at the array)."""
    rng = np.random.default_rng(args.seed + 1)
    methods = estimators(geometry, channels, 2, with_all_mics=True)
    kinds = ('same distance', 'independent distances')
    hits = {(label, kind): [0, 0] for label in methods for kind in kinds}
    for kind in kinds:
        made = 0
        while made < args.pairs:
            scene = random_scene(rng, 2, min_separation_deg=40.0)
            if kind == 'same distance':
                scene = replace(scene, distances=(scene.distances[0],) * 2)
                if not all(0.5 <= p[0] <= scene.room_dim[0] - 0.5 and 0.5 <= p[1] <= scene.room_dim[1] - 0.5
                           for p in scene.source_positions()):
                    continue
            signals = [source_signal('noise', rng, []) for _ in scene.azimuths]
            clean = simulate_clean(geometry, scene, signals, RATE)
            recording = add_sensor_noise(clean, 20.0, np.random.default_rng([args.seed, 1000 + made]),
                                         slice(int(LEAD_IN * RATE), None))
            made += 1
            w = windows_of(recording, clean, channels)
            for window, active, sounding in zip(w.windows, w.active, w.sounding):
                if not (active and sounding):
                    continue
                for label, locate in methods.items():
                    found = locate(window)
                    ok = len(found) >= 2 and all(any(angle_error_deg(f, truth) <= 10.0 for f in found)
                                                 for truth in scene.azimuths)
                    hits[(label, kind)][0] += int(ok)
                    hits[(label, kind)][1] += 1
    print(f'\n## Two simultaneous noise sources >= 40 deg apart ({args.pairs} scenes each, SNR 20 dB, '
          f'max 2 bearings): windows with both found within 10 deg\n')
    print('| method | ' + ' | '.join(kinds) + ' |')
    print('|---|' + '---|' * len(kinds))
    for label in methods:
        cells = [f'{100.0 * hits[(label, k)][0] / max(hits[(label, k)][1], 1):.1f} % of {hits[(label, k)][1]}'
                 for k in kinds]
        print(f'| {label} | ' + ' | '.join(cells) + ' |')


def speed(args, geometry: MicArrayGeometry) -> None:
    rng = np.random.default_rng(args.seed + 2)
    scene = random_scene(rng, 1)
    recording = add_sensor_noise(simulate_clean(geometry, scene, [noise_burst(8.0, RATE, rng)], RATE), 20.0, rng)
    windows = ChunkStream(7, 0.25, 0.25).push(recording, 7, RATE, 0.0)
    methods = estimators(geometry, list(range(geometry.num_channels)), 1)
    times = {}
    for label, locate in methods.items():
        locate(windows[0])  # build caches outside the timing
        began = time.process_time()
        for window in windows:
            locate(window)
        times[label] = (time.process_time() - began) / len(windows)
    print(f'\n## Speed: 7 channels, 48 kHz, 0.25 s windows, 360 azimuths, STFT included, one thread '
          f'({len(windows)} windows, CPU time)\n')
    print('| method | ms per window | x real time | pyroomacoustics time / ours |')
    print('|---|---|---|---|')
    for (own, own_label), pra_label in zip(OWN.items(), PRA.values()):
        for label in (own_label, pra_label):
            ratio = f'{times[pra_label] / times[own_label]:.1f}' if label == own_label else ''
            print(f'| {label} | {times[label] * 1000:.2f} | {0.25 / times[label]:.0f} | {ratio} |')
    # The node's default search for up to 2 sources, timed where it does the most work: two
    # sources sounding, so the second one is found and both are refined.
    scene = random_scene(rng, 2, min_separation_deg=40.0)
    clean = simulate_clean(geometry, scene, [noise_burst(8.0, RATE, rng) for _ in range(2)], RATE)
    windows = ChunkStream(7, 0.25, 0.25).push(add_sensor_noise(clean, 20.0, rng), 7, RATE, 0.0)
    for label, channels in (('7 mics', ()), (f'mics {",".join(map(str, geometry.doa_channels))} (node default)',
                                              geometry.doa_channels)):
        processor = DoaProcessor(geometry, DoaConfig(channels=tuple(channels), max_sources=2))
        processor.locate(windows[0])
        began = time.process_time()
        for window in windows:
            processor.locate(window)
        seconds = (time.process_time() - began) / len(windows)
        print(f'| ours SRP-PHAT, up to 2 sources, two sounding, {label} | {seconds * 1000:.2f} | '
              f'{0.25 / seconds:.0f} | |')


def latency(args, geometry: MicArrayGeometry) -> None:
    """The capture node (file mode, own process) -> DDS -> DoA node -> DDS -> probe, 7 ch at 48 kHz."""
    import rclpy
    import soundfile as sf
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.parameter import Parameter

    from savvy_ros.msg import AudioBearingArray
    from savvy_ros.nodes.doa_node import DoaNode
    from savvy_ros.ros.time_conversion import stamp_to_seconds

    rng = np.random.default_rng(args.seed + 3)
    scene = random_scene(rng, 1)
    signal = np.concatenate([np.zeros(RATE // 2), noise_burst(args.latency_seconds, RATE, rng)])
    recording = add_sensor_noise(simulate_clean(geometry, scene, [signal], RATE), 20.0, rng)
    block = 2400  # 0.05 s chunks
    os.environ['ROS_DOMAIN_ID'] = str(150 + os.getpid() % 80)  # away from the test sessions' 1..100
    os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / 'aria.flac'
        sf.write(str(path), recording, RATE, subtype='PCM_24')
        rclpy.init()
        # A floor below the recording's noise: every window is analysed even if the node joins late.
        node = DoaNode(parameter_overrides=[Parameter('initial_noise_floor_db', value=-60.0)])
        probe = Node('latency_probe')
        bearing_latency: list[float] = []

        def on_bearings(msg) -> None:
            # The file source stamps sample i at start + i / rate and publishes a chunk when its last
            # sample is due, so "now - window end" is capture-to-receipt of the window's last sample.
            window_end = stamp_to_seconds(msg.header.stamp) + 0.125
            bearing_latency.append(time.time() - window_end)

        probe.create_subscription(AudioBearingArray, '/savvy/bearings', on_bearings, 100)
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        executor.add_node(probe)
        capture = subprocess.Popen([sys.executable, '-m', 'savvy_ros.nodes.audio_capture_node', '--ros-args',
                                    '-p', f'file:={path}', '-p', f'block_size:={block}',
                                    '-p', 'file_wait_for_subscribers:=1'],  # the DoA node
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + args.latency_seconds + 8.0
        try:
            while time.monotonic() < deadline:
                executor.spin_once(timeout_sec=0.05)
        finally:
            capture.terminate()
            capture.wait(10)
        in_node = np.array(node.stats.latencies) * 1000.0
        active = node.stats.counts['active windows']
        end_to_end = np.array(bearing_latency) * 1000.0
        executor.shutdown()
        node.destroy_node()
        probe.destroy_node()
        rclpy.try_shutdown()
    print(f'\n## Latency: capture node (file, 7 ch, 48 kHz, 0.05 s chunks) -> DoA node (SRP-PHAT, mics 3-6, '
          f'0.25 s windows, {active} of them active) over Fast DDS\n')
    print('| measured | windows | median [ms] | p95 [ms] | max [ms] |')
    print('|---|---|---|---|---|')
    for label, values in (('chunk arrival -> bearing publish (in the DoA node)', in_node),
                          ("window's last sample due -> bearing received by a probe node", end_to_end)):
        if values.size:
            print(f'| {label} | {values.size} | {np.median(values):.2f} | {np.percentile(values, 95):.2f} | '
                  f'{values.max():.2f} |')
        else:
            print(f'| {label} | 0 | - | - | - |')


RANGE_SIMULATORS = {'shoebox': 'ShoeBox', 'synth': 'synth generator'}
DISTANCE_BANDS = ((1.0, 2.0), (2.0, 3.0), (3.0, 4.0), (4.0, 5.1))  # [m] source to array centre, 3-D
RT60_BANDS = ((0.2, 0.33), (0.33, 0.47), (0.47, 0.6))
RANGE_KINDS = ('speech', 'noise', 'beep')


@dataclass(frozen=True)
class RangeScene:
    room_dim: tuple[float, float, float]  # [m]
    rt60: float                           # [s]
    mics: np.ndarray                      # (M, 3) [m] room coordinates, the array yawed at random
    source: np.ndarray                    # (3,) [m]
    snr_db: float                         # diffuse noise below the source's mean power at the array

    @property
    def distance(self) -> float:
        return float(np.linalg.norm(self.source - self.mics.mean(axis=0)))


def random_range_scene(rng: np.random.Generator, geometry: MicArrayGeometry) -> RangeScene:
    """Room 4-10 m, RT60 0.2-0.6 s, the array 1.6 m high with a random yaw, the source 1-5 m away
    (horizontally) at 0.8-1.8 m height and >= 0.4 m from the walls, diffuse-noise SNR 10-20 dB."""
    while True:
        dim = (rng.uniform(4.0, 10.0), rng.uniform(4.0, 10.0), rng.uniform(2.5, 3.5))
        centre = np.array([rng.uniform(0.7, dim[0] - 0.7), rng.uniform(0.7, dim[1] - 0.7), 1.6])
        distance, azimuth = rng.uniform(1.0, 5.0), rng.uniform(-math.pi, math.pi)
        source = np.array([centre[0] + distance * math.cos(azimuth), centre[1] + distance * math.sin(azimuth),
                           rng.uniform(0.8, 1.8)])
        rt60, yaw, snr = rng.uniform(0.2, 0.6), rng.uniform(-math.pi, math.pi), rng.uniform(10.0, 20.0)
        if 0.4 <= source[0] <= dim[0] - 0.4 and 0.4 <= source[1] <= dim[1] - 0.4:
            c, s = math.cos(yaw), math.sin(yaw)
            rotation = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
            mics = (geometry.positions - geometry.centre) @ rotation.T + centre
            return RangeScene(dim, rt60, mics, source, snr)


def range_recording(simulator: str, scene: RangeScene, signal: np.ndarray,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(recording float32, clean) of a static source and array: pyroomacoustics' ShoeBox, or the
    synthetic episode generator's RoomSimulator (image-source early part + diffuse tail); plus
    pink diffuse noise at the scene's SNR, as the generator adds it."""
    import pyroomacoustics as pra

    from savvy_ros.synth.acoustics import AcousticSettings, RoomSimulator, Source
    from savvy_ros.synth.diffuse_noise import diffuse_noise

    if simulator == 'shoebox':
        absorption, order = pra.inverse_sabine(scene.rt60, list(scene.room_dim))
        room = pra.ShoeBox(list(scene.room_dim), fs=RATE, materials=pra.Material(absorption), max_order=min(order, 50))
        room.add_microphone_array(scene.mics.T)
        room.add_source(scene.source, signal=signal)
        room.simulate()
        clean = room.mic_array.signals.T[:len(signal)]
    else:
        room = RoomSimulator(scene.room_dim, scene.rt60, AcousticSettings.for_mode(False), rng)
        source = Source('source', signal, ((0, len(signal)),), lambda t: np.repeat(scene.source[None], len(t), 0))
        clean = room.simulate([source], lambda t: np.repeat(scene.mics[None], len(t), 0), len(signal))
    noise = diffuse_noise(scene.mics - scene.mics.mean(axis=0), len(clean), RATE, rng)
    power = float(np.mean(clean[int(LEAD_IN * RATE):] ** 2))
    noisy = clean + noise * math.sqrt(power / 10.0 ** (scene.snr_db / 10.0))
    return (0.25 * noisy / np.abs(noisy).max()).astype(np.float32), clean


@dataclass
class RangeWindows:
    """Per analysis window that the gate passes while the source sounds: its scene and truth and
    the band-mean CDR of every microphone pair (what the DoA node ranges from)."""
    scene: list[int] = field(default_factory=list)
    distance: list[float] = field(default_factory=list)
    rt60: list[float] = field(default_factory=list)
    pair_cdrs: list[np.ndarray] = field(default_factory=list)


@dataclass(frozen=True)
class RangeErrors:
    constant: float        # K fitted on all windows [m^2] (the one to configure)
    exponent: float        # b of a free fit log d = a + b log CDR on all windows (the model says -0.5)
    rank_correlation: float
    distance: np.ndarray   # every window, ranged with the K of the other half of the scenes: true distance [m]
    rt60: np.ndarray       # [s]
    relative: np.ndarray   # d_hat / d - 1
    guess: np.ndarray      # the same for a constant d_hat, the other half's median distance (no CDR)
    covered: np.ndarray    # |d_hat - d| <= range_stddev


def range_errors(windows: RangeWindows, max_range: float = 10.0) -> RangeErrors:
    """Two-fold by scene: K fitted on the even scenes ranges the odd ones' windows (sqrt(K / CDR),
    capped as the node does) and the other way round."""
    scene, distance, rt60 = (np.array(v) for v in (windows.scene, windows.distance, windows.rt60))
    cdr = np.array([np.median(p) for p in windows.pair_cdrs])
    ranges, stds, guess = (np.full(scene.size, math.nan) for _ in range(3))
    for parity in (0, 1):
        fit, test = scene % 2 == parity, scene % 2 != parity
        constant = fit_cdr_constant(cdr[fit], distance[fit])
        for i in np.flatnonzero(test):
            estimate = cdr_range(windows.pair_cdrs[i], constant, max_range)
            ranges[i], stds[i] = estimate.range, estimate.range_stddev
        guess[test] = np.median(distance[fit])
    positive = cdr > 0.0
    exponent = float(np.polyfit(np.log(cdr[positive]), np.log(distance[positive]), 1)[0])
    ranks = np.corrcoef(np.argsort(np.argsort(distance)), np.argsort(np.argsort(cdr)))[0, 1]
    return RangeErrors(fit_cdr_constant(cdr, distance), exponent, float(ranks), distance, rt60,
                       ranges / distance - 1.0, guess / distance - 1.0, np.abs(ranges - distance) <= stds)


def cdr_range_section(args, geometry: MicArrayGeometry, speech: list[np.ndarray]) -> None:
    """Range d = sqrt(K / CDR) on static scenes like the synthetic episodes', two simulators; the
    node's mics (3-6) and all 7; one K for all rooms (the SAVVY release fits K per room)."""
    mic_sets = {f'mics {",".join(map(str, geometry.doa_channels))} (node default)': tuple(geometry.doa_channels),
                'all 7 mics': ()}
    processors = {label: DoaProcessor(geometry, DoaConfig(channels=channels)) for label, channels in mic_sets.items()}
    collected = {(sim, label): RangeWindows() for sim in RANGE_SIMULATORS for label in mic_sets}
    for offset, simulator in enumerate(RANGE_SIMULATORS):
        rng = np.random.default_rng([args.seed, 4, offset])
        for index in range(args.range_scenes):
            scene = random_range_scene(rng, geometry)
            signal = source_signal(RANGE_KINDS[index % len(RANGE_KINDS)], rng, speech)
            recording, clean = range_recording(simulator, scene, signal, rng)
            for label, processor in processors.items():
                w = windows_of(recording, clean, processor.channels)
                store = collected[(simulator, label)]
                for window, active, sounding in zip(w.windows, w.active, w.sounding):
                    if active and sounding:
                        store.scene.append(index)
                        store.distance.append(scene.distance)
                        store.rt60.append(scene.rt60)
                        store.pair_cdrs.append(processor.pair_cdrs(window))
    results = {key: range_errors(windows) for key, windows in collected.items()}

    def cell(values: np.ndarray) -> str:
        a = np.abs(values)
        return f'{np.median(values):+.2f} / {np.median(a):.2f} / {np.percentile(a, 90):.2f}' if values.size else '-'

    print(f'\n## Range from CDR, d = sqrt(K / CDR) ({args.range_scenes} static scenes per simulator: rooms 4-10 m, '
          f'RT60 0.2-0.6 s, pink diffuse noise at SNR 10-20 dB, speech / noise / 2.7 kHz beep 1-5 m away; '
          f'windows the gate passes while the source sounds; errors two-fold by scene: each half ranged with the K '
          f'fitted on the other half)\n')
    print('Relative error d_hat / d - 1: median signed (bias) / median |.| / p90 |.|. "Constant guess": every '
          'window ranged at the other half\'s median distance, no CDR. "Within std": |d_hat - d| <= range_stddev '
          '(68 % for an honest 1-sigma).\n')
    print('| simulator | mics | windows | K (all windows) [m^2] | free-fit exponent (model -0.5) | rank corr. with d '
          '| CDR range error | constant guess | within std |')
    print('|---|---|---|---|---|---|---|---|---|')
    for (simulator, label), r in results.items():
        print(f'| {RANGE_SIMULATORS[simulator]} | {label} | {r.distance.size} | {r.constant:.2f} | '
              f'{r.exponent:+.2f} | {r.rank_correlation:+.2f} | {cell(r.relative)} | {cell(r.guess)} | '
              f'{100.0 * r.covered.mean():.0f} % |')
    default = next(iter(mic_sets))
    print(f'\nPer band, {default}: CDR range bias / median / p90 (constant guess median |.|) [windows]\n')
    print('| band | ' + ' | '.join(RANGE_SIMULATORS.values()) + ' |')
    print('|---|' + '---|' * len(RANGE_SIMULATORS))
    bands = [(f'd {lo:g}-{hi:g} m', 'distance', lo, hi) for lo, hi in DISTANCE_BANDS]
    bands += [(f'RT60 {lo:.2f}-{hi:.2f} s', 'rt60', lo, hi) for lo, hi in RT60_BANDS]
    for name, attribute, lo, hi in bands:
        cells = []
        for simulator in RANGE_SIMULATORS:
            r = results[(simulator, default)]
            values = getattr(r, attribute)
            inside = (values >= lo) & (values < hi)
            cells.append(f'{cell(r.relative[inside])} ({np.median(np.abs(r.guess[inside])):.2f}) [{inside.sum()}]'
                         if inside.any() else '-')
        print(f'| {name} | ' + ' | '.join(cells) + ' |')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--scenes', type=int, default=24, help='one-source scenes (each at 4 SNRs)')
    parser.add_argument('--pairs', type=int, default=10, help='two-source scenes of each kind')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--latency-seconds', type=float, default=10.0, help='audio streamed for the latency run [s]')
    parser.add_argument('--no-latency', action='store_true', help='skip the DDS latency run')
    parser.add_argument('--range-scenes', type=int, default=60, help='static scenes per simulator, range from CDR')
    parser.add_argument('--sections', default='accuracy,two,speed,latency,range',
                        help='comma-separated subset of accuracy, two, speed, latency, range')
    parser.add_argument('--only-range', action='store_true', help='run only the range-from-CDR section')
    args = parser.parse_args()
    geometry = load_mic_array('aria')
    channels = list(geometry.doa_channels)
    sections = {'range'} if args.only_range else set(args.sections.split(','))
    sections -= {'latency'} if args.no_latency else set()
    speech = [espeak_speech(text, RATE) for text in SENTENCES] if sections & {'accuracy', 'range'} else []
    began = time.monotonic()
    if 'accuracy' in sections:
        accuracy(args, geometry, channels, speech)
    if 'two' in sections:
        two_sources(args, geometry, channels)
    if 'speed' in sections:
        speed(args, geometry)
    if 'latency' in sections:
        latency(args, geometry)
    if 'range' in sections:
        cdr_range_section(args, geometry, speech)
    print(f'\n(seed {args.seed}; {time.monotonic() - began:.0f} s wall; load average {os.getloadavg()[0]:.1f} '
          f'on {os.cpu_count()} cores)')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
