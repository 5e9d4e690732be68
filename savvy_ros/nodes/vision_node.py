"""Stage 1 vision: camera images (+ CameraInfo, + optional depth) -> /savvy/objects in the optical frame."""
from __future__ import annotations

import time
from pathlib import Path

import cv2
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy, qos_profile_sensor_data
from sensor_msgs.msg import CameraInfo, Image

from savvy_ros.cpu_priority import check_niceness
from savvy_ros.cpu_threads import thread_count
from savvy_ros.monitoring.stream_stats import StreamStats
from savvy_ros.msg import ObjectObservationArray
from savvy_ros.ros.diagnostics import node_status
from savvy_ros.ros.input_reliability import input_reliability
from savvy_ros.ros.node_main import NICENESS_PARAMETER, run_node
from savvy_ros.ros.parameters import ParameterSpec, declare_parameters
from savvy_ros.ros.time_conversion import stamp_to_seconds
from savvy_ros.ros.vision_messages import (camera_model_from_msg, depth_from_msg, image_msg, observation_array_msg,
                                           rgb_from_msg)
from savvy_ros.vision.camera_model import CameraInfoError
from savvy_ros.vision.debug_image import draw_estimates
from savvy_ros.vision.detector import (RUNTIME_PRECISION, DetectorConfig, DetectorUnavailableError,
                                      format_class_thresholds, parse_class_thresholds)
from savvy_ros.ros.drop_counter import DropCounter
from savvy_ros.vision.image_encoding import ImageDataError, UnsupportedEncodingError
from savvy_ros.vision.frame_rate import FrameRateLimiter
from savvy_ros.vision.pipeline import FrameError, build_pipeline
from savvy_ros.vision.stamp_sync import MatchedFrame, StampSynchronizer
from savvy_ros.vision.tracker import ObjectTracker
from savvy_ros.replay.acknowledgement import create_acked_subscription

PARAMETERS = [
    ParameterSpec('detector', 'coco', "Detector backend: 'coco' (SSD-MobileNet-v2), 'aruco', 'open_vocab', "
                  "or several separated by commas ('coco,aruco')"),
    ParameterSpec('score_threshold', 0.3, 'Detections scoring less are dropped [0..1]'),
    ParameterSpec('classes', 'indoor', 'Comma-separated labels to keep (e.g. "person,cat,cup"; coco also takes '
                  'the set "indoor"); empty = all (slower: the coco heads are computed per class)'),
    ParameterSpec('input_size', 300, 'Network input side of the coco detector [px]'),
    ParameterSpec('coco_backend', DetectorConfig.backend,
                  "What runs the coco network: 'openvino' (about 2x faster on CPU), 'opencv' (backbone in cv2.dnn, "
                  "heads in numpy) or 'auto' (openvino where installed); both give the same detections"),
    ParameterSpec('coco_precision', RUNTIME_PRECISION,
                  "coco network: 'f32' (the graph's own), 'int8' (OpenVINO, quantized once by NNCF, ~2.7x faster "
                  "with VNNI; detections differ near the thresholds; f32 where NNCF is missing) or 'auto' (int8 "
                  'where OpenVINO runs the network, f32 on cv2.dnn)'),
    ParameterSpec('class_thresholds', format_class_thresholds(DetectorConfig.class_thresholds),
                  'Per-label score thresholds overriding score_threshold, "label: score" pairs separated by '
                  'commas (coco; e.g. "cat: 0.2, cup: 0.2"); empty = score_threshold for all'),
    ParameterSpec('zoom_crops', DetectorConfig.zoom_crops,
                  'coco: small regions looked at again in a zoomed crop, at most this many per frame (each costs '
                  'about a sixth of a frame), taking doubtful detections and unnamed objects in turn; 0 = off'),
    ParameterSpec('zoom_input_size', DetectorConfig.zoom_input_size, 'Network input side of a zoomed crop [px]'),
    ParameterSpec('zoom_context', DetectorConfig.zoom_context,
                  'Zoomed crop side / the longer side of the box it looks at again (>= 1)'),
    ParameterSpec('zoom_min_score', DetectorConfig.zoom_min_score,
                  'Full-frame detections scoring at least this may get a zoomed look [0..1]'),
    ParameterSpec('zoom_max_height', DetectorConfig.zoom_max_height,
                  'Only boxes at most this tall get a zoomed look [fraction of the image height]'),
    ParameterSpec('zoom_objectness', DetectorConfig.zoom_objectness,
                  'Regions the network finds at least this object-like (1 - its background score) but names as '
                  'no kept class get a zoomed look too [0..1]; 1 = only doubtful detections'),
    ParameterSpec('aruco_table', '', 'ArUco marker table YAML (id -> label, size [m]); '
                  'empty = config/vision/aruco_markers.yaml'),
    ParameterSpec('open_vocab_model', '', 'open_vocab weights: local directory or hub id in the HF cache; '
                  'empty = none'),
    ParameterSpec('open_vocab_queries', '', 'Comma-separated phrases the open_vocab detector looks for'),
    ParameterSpec('size_priors', '', 'Per-class size prior YAML [m]; empty = config/vision/size_priors.yaml'),
    ParameterSpec('use_depth', False, 'Subscribe to the depth image and use it for range when it matches the image'),
    ParameterSpec('sync_tolerance', 0.002, 'Image, CameraInfo and depth stamps closer than this match [s]'),
    ParameterSpec('sync_queue_size', 5, 'Images waiting for their CameraInfo / depth [frames]'),
    ParameterSpec('max_frame_rate', 0.0, 'Frames looked at per second of capture time, chosen by stamp (the same '
                  'frames live and in every replay); the rest are skipped and counted [Hz]; 0 = every frame'),
    ParameterSpec('track_max_age', 1.0, 'A track unseen for this long is removed [s]'),
    ParameterSpec('track_min_iou', 0.0, 'Box overlap needed to continue a track [0..1]'),
    ParameterSpec('track_motion_sigma', 1.5, 'Object speed allowed by the 3D association gate [m/s]'),
    ParameterSpec('publish_debug_image', False, 'Also publish the image with boxes, labels and ranges'),
    ParameterSpec('num_threads', 1, 'OpenCV, OpenVINO and BLAS threads of the detector [count]; 0 = the '
                  'libraries\' default (every core); one leaves a small machine\'s other cores to the other nodes'),
    NICENESS_PARAMETER,
    ParameterSpec('diagnostics_period', 1.0, 'Period of the /diagnostics status [s]'),
    ParameterSpec('input_reliability', 'best_effort',
                  "Camera inputs: 'best_effort' (matches every camera driver) or 'reliable' (replays: a large "
                  "frame is never lost to a dropped fragment)"),
]


OUTPUT_DEPTH = 100   # [messages] of /savvy/objects kept for slow reliable readers (~7 s at 15 frames a second)


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(',') if part.strip())


class VisionNode(Node):
    def __init__(self, **kwargs) -> None:
        super().__init__(kwargs.pop('node_name', 'savvy_vision'), **kwargs)
        self.params = p = declare_parameters(self, PARAMETERS)
        # Applied by run_node when the node has its own process; checked here for bringup too.
        self.process_threads = thread_count(p['num_threads'], 'num_threads')
        self.process_niceness = check_niceness(p['niceness'])  # run_node applies it
        config = DetectorConfig(score_threshold=p['score_threshold'], classes=_names(p['classes']),
                                input_size=p['input_size'], backend=p['coco_backend'], precision=p['coco_precision'],
                                num_threads=self.process_threads,
                                aruco_table=Path(p['aruco_table']) if p['aruco_table'] else None,
                                model_path=p['open_vocab_model'], queries=_names(p['open_vocab_queries']),
                                class_thresholds=parse_class_thresholds(p['class_thresholds']),
                                zoom_crops=p['zoom_crops'], zoom_input_size=p['zoom_input_size'],
                                zoom_context=p['zoom_context'], zoom_min_score=p['zoom_min_score'],
                                zoom_max_height=p['zoom_max_height'], zoom_objectness=p['zoom_objectness'])
        tracker = ObjectTracker(max_age=p['track_max_age'], min_iou=p['track_min_iou'],
                                motion_sigma=p['track_motion_sigma'])
        try:
            self.pipeline = build_pipeline(p['detector'], config, p['size_priors'] or None, tracker)
        except DetectorUnavailableError as exc:
            raise FileNotFoundError(str(exc)) from exc  # run_node reports it in one line
        self.stats = StreamStats()
        self.drops = DropCounter(self.get_logger().warning, counts=self.stats.dropped)
        self.frame_rate = FrameRateLimiter(p['max_frame_rate'])
        self.sync = StampSynchronizer(p['sync_tolerance'], p['sync_queue_size'], p['use_depth'], self.drops.drop)
        # Deep: a reliable reader (the map in a replay) that falls behind for a while loses none of them.
        self.objects_pub = self.create_publisher(ObjectObservationArray, '/savvy/objects', OUTPUT_DEPTH)
        self.debug_pub = (self.create_publisher(Image, '/savvy/objects/debug_image', qos_profile_sensor_data)
                          if p['publish_debug_image'] else None)
        reliability = input_reliability(p['input_reliability'])
        qos = qos_profile_sensor_data if reliability == ReliabilityPolicy.BEST_EFFORT else QoSProfile(
            depth=10, reliability=reliability)
        # Acknowledged inputs: a flow-controlled replay waits for each frame to be processed.
        create_acked_subscription(self, Image, '/camera/image_raw', self._on_image, qos)
        create_acked_subscription(self, CameraInfo, '/camera/camera_info', self._on_info, qos)
        if p['use_depth']:
            create_acked_subscription(self, Image, '/camera/depth/image_raw', self._on_depth, qos)
        self.diagnostics_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_timer(p['diagnostics_period'], self._publish_diagnostics)
        self.get_logger().info(f"detector {self.pipeline.detector.describe()}; depth {'on' if p['use_depth'] else 'off'}")

    def _on_image(self, msg: Image) -> None:
        self._process(self.sync.add_image(stamp_to_seconds(msg.header.stamp), msg))

    def _on_info(self, msg: CameraInfo) -> None:
        self._process(self.sync.add_info(stamp_to_seconds(msg.header.stamp), msg))

    def _on_depth(self, msg: Image) -> None:
        self._process(self.sync.add_depth(stamp_to_seconds(msg.header.stamp), msg))

    def _process(self, frames: list[MatchedFrame]) -> None:
        for frame in frames:
            self._process_frame(frame)

    def _process_frame(self, frame: MatchedFrame) -> None:
        if not self.frame_rate.take(frame.stamp):
            return
        started = time.perf_counter()
        image = frame.image
        if not image.header.frame_id:
            self.drops.drop('image without frame_id', 'positions need the camera optical frame id')
            return
        try:
            rgb = rgb_from_msg(image)
            camera = camera_model_from_msg(frame.info)
        except (UnsupportedEncodingError, ImageDataError, CameraInfoError) as exc:
            self.drops.drop(type(exc).__name__, str(exc))
            return
        depth = None
        if frame.depth is not None:
            try:
                depth = depth_from_msg(frame.depth)
            except (UnsupportedEncodingError, ImageDataError) as exc:
                self.drops.drop('depth image', f'{exc}; using size priors for this frame')
        try:
            estimates = self.pipeline.process(rgb, camera, frame.stamp, depth)
        except FrameError as exc:
            self.drops.drop('mismatched CameraInfo', str(exc))
            return
        except (cv2.error, ValueError, RuntimeError) as exc:  # a backend failing on one frame
            self.drops.drop('detector failure', str(exc))
            return
        self.objects_pub.publish(observation_array_msg(estimates, image.header, camera.width, camera.height))
        self.stats.count('frames')
        self.stats.count('objects', len(estimates))
        self.stats.latency(time.perf_counter() - started)   # processing time of a frame
        if self.debug_pub is not None:
            self.debug_pub.publish(image_msg(draw_estimates(rgb, estimates), image.header))

    def _publish_diagnostics(self) -> None:
        level, message, values = self.stats.report(time.monotonic())
        values['detector'] = self.params['detector']
        if self.frame_rate.max_rate > 0.0:
            values['frames skipped (max_frame_rate)'] = str(self.frame_rate.skipped)
        crops = zoomed_crops(self.pipeline.detector)
        if crops is not None:
            values['zoomed crops'] = str(crops)
        if self.sync.skipped_at_start:
            values['images before the first CameraInfo match'] = str(self.sync.skipped_at_start)
        if not self.sync.matched and self.sync.skipped_at_start and level == DiagnosticStatus.OK[0]:
            level, message = DiagnosticStatus.WARN[0], (
                f'{self.sync.skipped_at_start} image(s) but no CameraInfo stamped like them on /camera/camera_info')
        elif not self.stats.counts['frames'] and level == DiagnosticStatus.OK[0]:
            level, message = DiagnosticStatus.WARN[0], 'no images processed yet (/camera/image_raw + camera_info)'
        self.diagnostics_pub.publish(node_status(self, 'objects', level, message, values))


def zoomed_crops(detector) -> int | None:
    """Zoomed second looks run so far by the coco backend (alone or among several), None without one."""
    counts = [getattr(d, 'crops_run', None) for d in getattr(detector, 'detectors', [detector])]
    counts = [c for c in counts if c is not None]
    return sum(counts) if counts else None


NODE_CLASS = VisionNode


def main(args: list[str] | None = None) -> int:
    return run_node(VisionNode, args)


if __name__ == '__main__':
    raise SystemExit(main())
