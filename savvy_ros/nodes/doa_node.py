"""Direction of arrival: AudioChunk in (/mic_array/audio) -> AudioBearingArray out (/savvy/bearings).

One AudioBearingArray per analysis window, stamped with the capture time of the window centre,
in the microphone-array frame; `active` is false (no bearings) when the activity gate rejects
the window. Each bearing's source_id follows one sound across windows (bearing tracker). Bad
chunks are counted by kind, logged once per kind, and dropped.
"""
from __future__ import annotations

import math
import time

import numpy as np
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy

from savvy_ros.ros.diagnostics import node_status
from savvy_ros.audio.chunk_stream import ChunkRejected, ChunkStream
from savvy_ros.cpu_priority import check_niceness
from savvy_ros.cpu_threads import thread_count
from savvy_ros.audio.mic_arrays import MicArrayGeometry, load_mic_array
from savvy_ros.audio.processor import DoaConfig, DoaProcessor, WindowResult, parse_channels
from savvy_ros.monitoring.stream_stats import StreamStats
from savvy_ros.msg import AudioBearing, AudioBearingArray, AudioChunk
from savvy_ros.ros.node_main import NICENESS_PARAMETER, run_node
from savvy_ros.ros.parameters import ParameterSpec, declare_parameters
from savvy_ros.ros.time_conversion import seconds_to_duration, seconds_to_stamp, stamp_to_seconds
from savvy_ros.ros.drop_counter import DropCounter
from savvy_ros.replay.acknowledgement import create_acked_subscription  # paces flow-controlled replay

OUTPUT_DEPTH = 100   # [messages] of bearings kept for slow reliable readers (10 s at 10 windows a second)

PARAMETERS = [
    ParameterSpec('input_topic', '/mic_array/audio', 'AudioChunk input (stamped at the first sample)'),
    ParameterSpec('output_topic', '/savvy/bearings', 'AudioBearingArray output, one per analysis window'),
    ParameterSpec('mic_array', 'aria', 'Array geometry: a name in config/mic_arrays/ or a YAML path'),
    ParameterSpec('doa_channels', 'auto',
                  "Microphones used for DoA: 'auto' (the geometry's doa_channels, else all), 'all', or '3,4,5,6'"),
    ParameterSpec('method', 'srp_phat', "DoA algorithm: 'srp_phat', 'music' or 'normmusic'"),
    ParameterSpec('window', 0.25, 'Analysis window length [s]'),
    ParameterSpec('hop', 0.25, 'Step between analysis windows [s]'),
    ParameterSpec('stft_frame', 0.02, 'STFT frame length, rounded up to a power of two in samples [s]'),
    ParameterSpec('freq_min', 300.0, 'Lowest frequency used [Hz]'),
    ParameterSpec('freq_max', 4000.0, 'Highest frequency used [Hz]'),
    ParameterSpec('azimuth_step_deg', 1.0, 'Azimuth grid step [deg]'),
    ParameterSpec('elevations_deg', [0.0], 'Elevation grid [deg]; [0.0] = azimuth only (planar arrays)'),
    ParameterSpec('max_sources', 2, 'Most bearings per window [count]'),
    ParameterSpec('min_separation_deg', 25.0, 'Smallest angle between two bearings of one window [deg]'),
    ParameterSpec('min_relative_height', 0.25,
                  'MUSIC/NormMUSIC: a further peak must rise this fraction of the first one above the '
                  'spectrum median [0, 1]'),
    ParameterSpec('min_residual_coherence', 0.04,
                  'SRP-PHAT: a further source must rise this far above the median of the SRP of the '
                  'time-frequency bins the sources already found leave [mean PHAT coherence, 0-1]'),
    ParameterSpec('gate_threshold_db', 4.0, 'A window is active this far above the noise floor [dB]'),
    ParameterSpec('coherent_confidence', 0.6,
                  'A window above the noise floor but under gate_threshold_db still gives the bearings whose '
                  'peak confidence reaches this (a talker under a steady TV) [0-1]; above 1 = the energy gate alone'),
    ParameterSpec('focus_margin_db', 6.0,
                  'SRP-PHAT searches the time-frequency bins this far over their own noise floor (a talker '
                  'or a beep under a steady louder sound) [dB]; 0 = the whole band'),
    ParameterSpec('min_focus_share', 0.05,
                  "Fewer of a window's time-frequency bins standing out than this share: the whole band [0-1]"),
    ParameterSpec('initial_noise_floor_db', 0.0,
                  "The floor starts at the first window's energy, at most this [dBFS]"),
    ParameterSpec('noise_floor_rise_db_per_s', 3.0, 'How fast the noise floor rises to a steady sound [dB/s]'),
    ParameterSpec('min_energy_db', -90.0, 'Windows quieter than this are never active [dBFS]'),
    ParameterSpec('cdr_constant', 0.0, 'K of the range model d = sqrt(K / CDR) [m^2]; 0 = no range (default: '
                  'on the Aria array the CDR barely follows distance, bench/bench_doa.py --only-range)'),
    ParameterSpec('max_range', 10.0, 'Range estimates are capped here [m]'),
    ParameterSpec('speed_of_sound', 343.0, 'Speed of sound [m/s]'),
    ParameterSpec('track_gate_deg', 20.0,
                  "A bearing keeps a source's id when within this angle of the source's predicted direction [deg]"),
    ParameterSpec('track_max_silence', 2.0,
                  'A source not heard for longer than this gets a new id when it returns [s]'),
    ParameterSpec('stamp_tolerance', 0.005, 'Chunk stamp jitter accepted on the sample timeline [s]'),
    ParameterSpec('input_queue_depth', 50, 'Chunks queued for the DoA [count]'),
    ParameterSpec('num_threads', 1, 'BLAS / OpenMP threads of the process (SRP-PHAT on a few microphones) '
                  '[count]; 0 = the libraries\' default (every core, idle threads spinning)'),
    NICENESS_PARAMETER,
    ParameterSpec('diagnostics_period', 1.0, 'Period of the /diagnostics status [s]'),
]


def config_from_parameters(p: dict, geometry: MicArrayGeometry) -> DoaConfig:
    return DoaConfig(method=p['method'], window_s=p['window'], hop_s=p['hop'], frame_s=p['stft_frame'],
                     band_hz=(p['freq_min'], p['freq_max']), azimuth_step_deg=p['azimuth_step_deg'],
                     elevations_deg=tuple(p['elevations_deg']),
                     channels=parse_channels(p['doa_channels'], geometry), max_sources=p['max_sources'],
                     min_separation_deg=p['min_separation_deg'], min_relative_height=p['min_relative_height'],
                     min_residual_coherence=p['min_residual_coherence'],
                     gate_threshold_db=p['gate_threshold_db'], coherent_confidence=p['coherent_confidence'],
                     focus_margin_db=p['focus_margin_db'], min_focus_share=p['min_focus_share'],
                     initial_noise_floor_db=p['initial_noise_floor_db'],
                     noise_floor_rise_db_per_s=p['noise_floor_rise_db_per_s'], min_energy_db=p['min_energy_db'],
                     cdr_constant=p['cdr_constant'], max_range_m=p['max_range'], speed_of_sound=p['speed_of_sound'],
                     track_gate_deg=p['track_gate_deg'], track_max_silence_s=p['track_max_silence'])


def result_to_msg(result: WindowResult, frame_id: str) -> AudioBearingArray:
    msg = AudioBearingArray(window=seconds_to_duration(result.window_s), algorithm=result.algorithm,
                            energy=float(result.energy_db), noise_floor=float(result.noise_floor_db),
                            active=result.active)
    msg.header.stamp, msg.header.frame_id = seconds_to_stamp(result.stamp), frame_id
    for b in result.bearings:
        bearing = AudioBearing(azimuth=float(b.azimuth), elevation=float(b.elevation), power=float(b.power),
                               confidence=float(b.confidence), range=float(b.range),
                               range_stddev=float(b.range_stddev), cdr=float(b.cdr), source_id=b.source_id)
        bearing.direction.x, bearing.direction.y, bearing.direction.z = b.direction
        msg.bearings.append(bearing)
    return msg


class DoaNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__(kwargs.pop('node_name', 'savvy_doa'), **kwargs)
        p = self.params = declare_parameters(self, PARAMETERS)
        self.process_threads = thread_count(p['num_threads'], 'num_threads')  # run_node applies it
        self.process_niceness = check_niceness(p['niceness'])  # run_node applies it
        self.geometry = load_mic_array(p['mic_array'])
        self.processor = DoaProcessor(self.geometry, config_from_parameters(p, self.geometry))
        self.stream = ChunkStream(self.geometry.num_channels, p['window'], p['hop'], p['stamp_tolerance'])
        self.stats = StreamStats()
        self.drops = DropCounter(lambda text: self.get_logger().warning(text), counts=self.stats.dropped)
        # Deep: reliable readers (the hearing node; the map in a replay) that fall behind a while lose none.
        self.bearings_pub = self.create_publisher(AudioBearingArray, p['output_topic'], OUTPUT_DEPTH)
        self.diagnostics_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        # Best effort accepts every audio publisher (reliable or not); the queue absorbs bursts.
        create_acked_subscription(self, AudioChunk, p['input_topic'], self._on_chunk, QoSProfile(
            depth=p['input_queue_depth'], reliability=ReliabilityPolicy.BEST_EFFORT, history=HistoryPolicy.KEEP_LAST))
        self.create_timer(p['diagnostics_period'], self._publish_diagnostics)
        self.get_logger().info(
            f"{p['input_topic']} -> {p['output_topic']}: {self.processor.algorithm.name} on {self.geometry.name} "
            f"mics {self.processor.channels}, {p['window']} s windows every {p['hop']} s")

    def _on_chunk(self, msg: AudioChunk) -> None:
        arrived = time.perf_counter()
        self.stats.count('chunks')
        frame_id = msg.header.frame_id
        if frame_id and frame_id != self.geometry.frame_id:
            self.drops.drop('frame_id', f'chunk in frame {frame_id!r}, the {self.geometry.name} geometry is in '
                                        f'{self.geometry.frame_id!r}')
            return
        if not frame_id:  # still usable: the geometry says which frame it is
            self.stats.count('chunks without frame_id')
        data = np.frombuffer(msg.data, dtype=np.float32) if len(msg.data) else np.zeros(0, np.float32)
        try:
            windows = self.stream.push(data, msg.channels, msg.sample_rate, stamp_to_seconds(msg.header.stamp),
                                       msg.sequence)
        except ChunkRejected as exc:
            self.drops.drop(exc.kind, str(exc))
            return
        for window in windows:
            try:
                result = self.processor.process(window)
            except ValueError as exc:  # e.g. a sample rate whose spectrum misses the analysis band
                self.drops.drop('unusable_window', str(exc))
                continue
            self.bearings_pub.publish(result_to_msg(result, self.geometry.frame_id))
            self.stats.count('windows')
            self.stats.count('active windows', int(result.active))
            self.stats.count('bearings', len(result.bearings))
            self.stats.latency(time.perf_counter() - arrived)

    def _publish_diagnostics(self) -> None:
        level, message, values = self.stats.report(time.monotonic())
        values['lost chunks'] = str(self.stream.lost_chunks)
        values['stamp gaps'] = str(self.stream.gaps)
        values['tracked sources'] = str(len(self.processor.tracker.tracks))
        values['noise floor [dBFS]'] = f'{self.processor.gate.floor_db:.1f}' \
            if math.isfinite(self.processor.gate.floor_db) else 'unknown'
        if not self.stats.counts['chunks']:
            level, message = DiagnosticStatus.WARN[0], f"no audio on {self.params['input_topic']} yet"
        self.diagnostics_pub.publish(node_status(self, 'bearings', level, message, values))


NODE_CLASS = DoaNode


def main(args: list[str] | None = None) -> int:
    return run_node(DoaNode, args)


if __name__ == '__main__':
    raise SystemExit(main())
