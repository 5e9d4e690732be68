"""AV-LLM snapshot descriptors: /savvy/describe cuts a clip from the rolling buffer, asks the
backend, parses the answer and publishes SnapshotDescriptor on /savvy/snapshots."""
from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor

from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy, qos_profile_sensor_data
from rclpy.task import Future
from sensor_msgs.msg import Image

from savvy_ros.hearing.resample import mono_mix
from savvy_ros.msg import AudioChunk, SnapshotDescriptor, SnapshotKeyframe, SnapshotObject
from savvy_ros.ros.node_main import run_node
from savvy_ros.ros.parameters import ParameterSpec, declare_parameters
from savvy_ros.ros.time_conversion import seconds_to_stamp, stamp_to_seconds
from savvy_ros.snapshot.backends import BackendError, BackendOptions, BackendUnavailableError, create_backend
from savvy_ros.snapshot.clip import Clip, ClipError, RollingBuffer
from savvy_ros.snapshot.describer import DescribeOutcome, DescriberConfig, SnapshotDescriber
from savvy_ros.snapshot.descriptor import SnapshotDescription
from savvy_ros.snapshot.parsing import SnapshotParseError
from savvy_ros.srv import DescribeSnapshot
from savvy_ros.ros.drop_counter import DropCounter
from savvy_ros.vision.image_encoding import ImageDataError, UnsupportedEncodingError, to_rgb8

PARAMETERS = [
    ParameterSpec('backend', '', "AV-LLM backend: 'openai', 'gemini', 'transformers', 'replay'; '' = none (idle)"),
    ParameterSpec('model', '', "Model name at the endpoint / SDK ('' = the backend's default)"),
    ParameterSpec('base_url', 'http://127.0.0.1:8080/v1', 'openai: OpenAI-compatible endpoint base URL'),
    ParameterSpec('api_key_env', '', "Environment variable holding the API key ('' = OPENAI_API_KEY / GEMINI_API_KEY)"),
    ParameterSpec('model_path', '', 'transformers: local model directory (AutoProcessor + model_class)'),
    ParameterSpec('model_class', 'AutoModelForImageTextToText', 'transformers: class that loads model_path'),
    ParameterSpec('replay_file', '', 'replay: SAVVY release sd_output JSON file (descriptors by question id)'),
    ParameterSpec('send_audio', False, 'Send the clip audio to the model (only for models that take audio)'),
    ParameterSpec('max_tokens', 1024, 'Generation limit [tokens]'),
    ParameterSpec('temperature', 0.0, 'Sampling temperature (0 = greedy) [1]'),
    ParameterSpec('seed', 0, 'Seed passed to backends that take one [1]'),
    ParameterSpec('timeout', 60.0, 'Time limit of one backend call [s]'),
    ParameterSpec('retries', 2, 'Extra attempts after a transient backend error [count]'),
    ParameterSpec('backoff', 1.0, 'First wait before a retry, doubled each time [s]'),
    ParameterSpec('max_concurrent', 1, 'Backend calls running at once [count]'),
    ParameterSpec('cache_size', 256, 'Descriptors cached in memory by (clip, question) [entries]'),
    ParameterSpec('cache_path', '', "SQLite file keeping raw model outputs across runs; '' = memory only"),
    ParameterSpec('image_topic', '/camera/image_raw', 'sensor_msgs/Image input (capture-stamped)'),
    ParameterSpec('audio_topic', '/mic_array/audio', 'AudioChunk input (capture-stamped)'),
    ParameterSpec('snapshot_topic', '/savvy/snapshots', 'SnapshotDescriptor output'),
    ParameterSpec('service_name', '/savvy/describe', 'Name of the DescribeSnapshot service'),
    ParameterSpec('body_frame', 'head', 'Body frame the key-frame directions are expressed in (REP 105)'),
    ParameterSpec('buffer_duration', 120.0, 'Rolling buffer length behind the newest data [s]'),
    ParameterSpec('buffer_frame_rate', 1.0, 'Frames kept per second in the buffer [Hz]'),
    ParameterSpec('frame_max_side', 512, 'Buffered frames are downscaled to this longer side [px]'),
    ParameterSpec('clip_max_frames', 8, 'Frames sent per request, sampled evenly over the clip [count]'),
    ParameterSpec('audio_channel', -1, 'Audio channel buffered; -1 = average of all channels'),
    ParameterSpec('audio_rate', 16000, 'Sample rate of the audio sent to the model [Hz]'),
]

SNAPSHOT_QOS = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE, history=HistoryPolicy.KEEP_LAST)
_STATIC = {True: SnapshotObject.STATIC_YES, False: SnapshotObject.STATIC_NO, None: SnapshotObject.STATIC_UNKNOWN}


def _stamp(seconds: float):
    return seconds_to_stamp(max(0.0, seconds))


def description_to_msg(description: SnapshotDescription, clip: Clip, body_frame: str, question_id: str,
                       model: str) -> tuple[SnapshotDescriptor, list[str]]:
    """Clip times -> capture stamps; a missing window becomes the whole clip (noted)."""
    notes = []
    start, end = description.start_s, description.end_s
    if not (math.isfinite(start) and math.isfinite(end)):
        start, end = 0.0, clip.duration
        notes.append('no event window in the output: the descriptor covers the whole clip')
    msg = SnapshotDescriptor(question_id=question_id, question=description.question, event=description.event,
                             start=_stamp(clip.start + start), end=_stamp(clip.start + end), mode=int(description.mode),
                             prediction=description.prediction, model=model, raw_output=description.raw_output)
    msg.header.stamp, msg.header.frame_id = _stamp(clip.end), body_frame
    msg.objects = [SnapshotObject(role=int(o.role), description=o.description, is_static=_STATIC[o.is_static],
                                  keyframes=[SnapshotKeyframe(stamp=_stamp(clip.start + k.time_s),
                                                              distance=k.distance_m, azimuth=k.azimuth_rad)
                                             for k in o.keyframes])
                   for o in description.objects]
    return msg, notes


def backend_options(params: dict) -> BackendOptions:
    return BackendOptions(model=params['model'], base_url=params['base_url'], api_key_env=params['api_key_env'],
                          model_path=params['model_path'], model_class=params['model_class'],
                          replay_file=params['replay_file'], send_audio=params['send_audio'],
                          max_tokens=params['max_tokens'], temperature=params['temperature'], seed=params['seed'])


class SnapshotNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__(kwargs.pop('node_name', 'savvy_snapshot'), **kwargs)
        self.params = p = declare_parameters(self, PARAMETERS)
        self.drops = DropCounter(lambda text: self.get_logger().warning(text))
        self.buffer = RollingBuffer(p['buffer_duration'], p['buffer_frame_rate'], 100_000, p['frame_max_side'],
                                    p['audio_rate'])
        self.describer: SnapshotDescriber | None = None
        self.unavailable = "no AV-LLM backend configured (set the 'backend' parameter)"
        if p['backend']:
            try:
                backend = create_backend(p['backend'], backend_options(p))   # UnknownBackendError: config error
                self.describer = SnapshotDescriber(backend, DescriberConfig(
                    timeout=p['timeout'], retries=p['retries'], backoff=p['backoff'], max_concurrent=p['max_concurrent'],
                    cache_size=p['cache_size'], cache_path=p['cache_path']))
            except BackendUnavailableError as exc:
                # Stay up: the service tells every caller what is missing.
                self.unavailable = f"backend '{p['backend']}' unavailable: {exc}"
                self.get_logger().error(self.unavailable)
        self.workers = ThreadPoolExecutor(max_workers=max(1, p['max_concurrent']), thread_name_prefix='snapshot')
        self.publisher = self.create_publisher(SnapshotDescriptor, p['snapshot_topic'], SNAPSHOT_QOS)
        # Sensors and requests in separate groups: a request awaiting its backend call must not
        # hold up the buffer (the lock keeps the two apart on a multi-threaded executor).
        self._buffer_lock = threading.Lock()
        sensors = MutuallyExclusiveCallbackGroup()
        if self.describer is not None:   # an idle node does not pay for decoding frames
            self.create_subscription(Image, p['image_topic'], self._on_image, qos_profile_sensor_data,
                                     callback_group=sensors)
            self.create_subscription(AudioChunk, p['audio_topic'], self._on_audio, qos_profile_sensor_data,
                                     callback_group=sensors)
        self.create_service(DescribeSnapshot, p['service_name'], self._on_describe,
                            callback_group=ReentrantCallbackGroup())
        model = self.describer.backend.model if self.describer else 'none'
        self.get_logger().info(f"describing on {p['service_name']} with {model}, publishing {p['snapshot_topic']}")

    def _on_image(self, msg: Image) -> None:
        try:
            rgb = to_rgb8(msg.encoding, msg.height, msg.width, msg.step, msg.data, bool(msg.is_bigendian))
            with self._buffer_lock:
                self.buffer.add_frame(stamp_to_seconds(msg.header.stamp), rgb)
        except (UnsupportedEncodingError, ImageDataError, ClipError) as exc:
            self.drops.drop('image', str(exc))

    def _on_audio(self, msg: AudioChunk) -> None:
        try:
            if msg.channels == 0 or len(msg.data) % msg.channels:
                raise ClipError(f'{len(msg.data)} samples do not split into {msg.channels} channels')
            if self.params['audio_channel'] >= msg.channels:
                raise ClipError(f"audio_channel {self.params['audio_channel']} but the chunk has {msg.channels}")
            mono = mono_mix(msg.data, msg.channels, self.params['audio_channel'])
            with self._buffer_lock:
                self.buffer.add_audio(stamp_to_seconds(msg.header.stamp), msg.sample_rate, mono)
        except ClipError as exc:
            self.drops.drop('audio chunk', str(exc))

    def _cut_clip(self, request: DescribeSnapshot.Request) -> Clip:
        start, end = stamp_to_seconds(request.clip_start), stamp_to_seconds(request.clip_end)
        with self._buffer_lock:
            return self.buffer.clip(start if start > 0 else None, end if end > 0 else None,
                                    self.params['clip_max_frames'])

    async def _on_describe(self, request: DescribeSnapshot.Request,
                           response: DescribeSnapshot.Response) -> DescribeSnapshot.Response:
        if self.describer is None:
            response.error = self.unavailable
            return response
        if not request.question.strip():
            response.error = 'the question is empty'
            return response
        try:
            clip = self._cut_clip(request)
        except ClipError as exc:
            response.error = f'no clip to describe: {exc}'
            return response
        response.frames, response.audio_duration = len(clip.frames), clip.audio_duration
        job = self.workers.submit(self.describer.describe, request.question, clip, request.question_id)
        await self._finished(job)
        try:
            outcome: DescribeOutcome = job.result()
        except (BackendError, SnapshotParseError) as exc:
            response.error = f'{self.describer.backend.model}: {exc}'
            self.get_logger().warning(f'describe failed: {response.error}', throttle_duration_sec=5.0)
            return response
        msg, notes = description_to_msg(outcome.description, clip, self.params['body_frame'], request.question_id,
                                        self.describer.backend.model)
        msg.question = request.question    # the QA node matches descriptors by the asked question
        self.publisher.publish(msg)
        response.success, response.descriptor, response.cached = True, msg, outcome.cached
        response.warnings = [*outcome.description.warnings, *notes]
        return response

    async def _finished(self, job) -> None:
        """Wait for a worker without blocking the executor (frames and audio keep arriving)."""
        executor = self.executor
        if executor is None:
            job.result()
            return
        done: Future = Future(executor=executor)
        done.add_done_callback(lambda _: None)   # completing it then wakes the executor
        job.add_done_callback(lambda _: done.set_result(None))
        await done

    def destroy_node(self) -> None:
        # Also runs on a node whose constructor failed (configuration error): check what exists.
        if getattr(self, 'workers', None) is not None:
            self.workers.shutdown(wait=False, cancel_futures=True)
        if getattr(self, 'describer', None) is not None:
            self.describer.close()
        super().destroy_node()


NODE_CLASS = SnapshotNode


def main(args: list[str] | None = None) -> int:
    return run_node(SnapshotNode, args)


if __name__ == '__main__':
    raise SystemExit(main())
