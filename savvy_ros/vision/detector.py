"""One small detector interface and a registry of backends chosen by name.

Backends are imported only when created, so choosing 'coco' never imports transformers.
"""
from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from savvy_ros.vision.camera_model import CameraModel
from savvy_ros.vision.coco_labels import CLASS_SETS
from savvy_ros.vision.detection import Detection


class DetectorUnavailableError(RuntimeError):
    """The backend cannot run here (model files or weights missing); the message says what to provide."""


# What the vision node and `savvy-ros detect` run by default: 'auto', int8 wherever the network runs in
# OpenVINO, f32 on cv2.dnn (which runs nothing else), so that a parameter file choosing coco_backend opencv
# alone still starts. DetectorConfig keeps the graph's own f32 (the reference the int8 network is tested
# against). int8 with the zoomed crops takes ~9 ms a frame where f32 takes ~25 ms: on the synthetic bench
# (`savvy-ros eval --bench`, 2026-11-29) the whole-graph replay went from 2.70x to 4.91-4.98x real time for
# 37.4 / 55.3 against 37.7 / 56.5 (vision / all runs), and the demo episode scores 75.8 against 70.8.
AUTO_PRECISION = 'auto'   # int8 when the network runs in OpenVINO, f32 on cv2.dnn
RUNTIME_PRECISION = AUTO_PRECISION


@dataclass(frozen=True)
class DetectorConfig:
    """Every backend's options; each backend reads the fields it needs."""

    score_threshold: float = 0.3
    classes: tuple[str, ...] = ()                 # keep only these labels; empty = all
    input_size: int = 300                         # [px] network input side (coco)
    aruco_table: Path | None = None               # YAML: dictionary + marker id -> label, size (aruco)
    model_path: str = ''                          # local directory or HF hub id in the cache (open_vocab)
    queries: tuple[str, ...] = ()                 # phrases to look for (open_vocab)
    nms_iou: float = 0.5                          # boxes of one label overlapping more are merged
    # (label, threshold) pairs overriding score_threshold for those labels (coco)
    class_thresholds: tuple[tuple[str, float], ...] = (('cat', 0.2), ('cup', 0.2))
    zoom_crops: int = 2                           # zoomed second looks per frame, 0 = off (coco; zoom.py)
    zoom_input_size: int = 128                    # [px] network input side of a zoomed crop
    zoom_context: float = 1.5                     # crop side / the proposal box's longer side
    zoom_min_score: float = 0.05                  # full-frame detections scoring less propose no crop
    zoom_max_height: float = 0.3                  # taller proposals (fraction of the image height) get none
    zoom_objectness: float = 0.15                 # unnamed regions this object-like propose crops; 1 = off
    backend: str = 'auto'                         # coco network: openvino | opencv | auto (openvino if installed)
    num_threads: int = 0                          # coco network's OpenVINO threads, 0 = every core
    precision: str = 'f32'                        # coco network: f32 | int8 (OpenVINO only) | auto (int8 there)

    def keeps(self, label: str) -> bool:
        return not self.classes or label in self.classes

    def threshold(self, label: str) -> float:
        """The score a detection of `label` needs."""
        return dict(self.class_thresholds).get(label, self.score_threshold)

    def without_class_sets(self) -> DetectorConfig:
        """The config with COCO set names ('indoor') removed from `classes`: for non-COCO backends."""
        return replace(self, classes=tuple(c for c in self.classes if c not in CLASS_SETS))


def parse_class_thresholds(text: str) -> tuple[tuple[str, float], ...]:
    """'cat: 0.2, cup: 0.25' -> (('cat', 0.2), ('cup', 0.25)); empty text -> ()."""
    pairs = []
    for item in (part.strip() for part in text.split(',')):
        if not item:
            continue
        label, sep, value = item.rpartition(':')
        try:
            threshold = float(value)
        except ValueError:
            threshold = float('nan')
        if not sep or not label.strip() or not 0.0 < threshold < 1.0:
            raise ValueError(f'class threshold {item!r}: expected "label: score" with the score in (0, 1)')
        pairs.append((label.strip(), threshold))
    return tuple(pairs)


def format_class_thresholds(pairs: tuple[tuple[str, float], ...]) -> str:
    """The inverse of parse_class_thresholds (parameter defaults, CLI help)."""
    return ', '.join(f'{label}: {threshold:g}' for label, threshold in pairs)


class Detector(ABC):
    """Finds objects in one RGB image; `camera` is needed by backends that measure pose."""

    name: str = ''

    @abstractmethod
    def detect(self, rgb: np.ndarray, camera: CameraModel | None = None) -> list[Detection]:
        """rgb: (H, W, 3) uint8. Returns detections sorted by score, best first."""

    def describe(self) -> str:
        """What runs, for the node's start-up log."""
        return self.name


DetectorFactory = Callable[[DetectorConfig], Detector]
_FACTORIES: dict[str, str | DetectorFactory] = {
    'coco': 'savvy_ros.vision.coco_detector:CocoSsdDetector',
    'aruco': 'savvy_ros.vision.aruco_detector:ArucoDetector',
    'open_vocab': 'savvy_ros.vision.open_vocab_detector:OpenVocabDetector',
}


def register_detector(name: str, factory: DetectorFactory) -> None:
    """Add a backend: `factory(config)` returns a Detector."""
    _FACTORIES[name] = factory


def available_detectors() -> list[str]:
    return sorted(_FACTORIES)


class CombinedDetector(Detector):
    """Several backends on the same image (e.g. 'coco,aruco': COCO objects and tagged ones).

    The backends after the first run on worker threads while the first runs in the caller's: the
    networks and OpenCV release the GIL, so on the demo's frames ArUco's ~2.7 ms hides behind the
    coco network's ~16 ms (a frame took 16.3 ms instead of 19.4 ms, the same CPU). The vision node
    is the slowest link of a replay, so its latency is the replay's speed. Each backend still sees
    one frame at a time, and the result does not depend on which finished first.
    """

    def __init__(self, detectors: list[Detector]) -> None:
        self.detectors = detectors
        self.name = ','.join(d.name for d in detectors)
        self._pool = ThreadPoolExecutor(max_workers=len(detectors) - 1, thread_name_prefix='detector') \
            if len(detectors) > 1 else None

    def detect(self, rgb: np.ndarray, camera: CameraModel | None = None) -> list[Detection]:
        futures = [self._pool.submit(d.detect, rgb, camera) for d in self.detectors[1:]] if self._pool else []
        try:
            first = self.detectors[0].detect(rgb, camera)
        finally:
            # Even when the first backend failed: no backend may start the next frame before it ends this one.
            wait(futures)
        merged = first + [d for future in futures for d in future.result()]
        return sorted(merged, key=lambda d: -d.score)   # stable: backend order breaks ties

    def describe(self) -> str:
        return ', '.join(d.describe() for d in self.detectors)


def create_detector(name: str, config: DetectorConfig | None = None) -> Detector:
    """`name`: a backend, or several separated by commas ('coco,aruco')."""
    names = [part.strip() for part in name.split(',') if part.strip()]
    unknown = [n for n in names if n not in _FACTORIES]
    if unknown or not names:
        raise ValueError(f'unknown detector backend {name!r}; known: {", ".join(available_detectors())}')
    detectors = []
    for backend in dict.fromkeys(names):
        factory = _FACTORIES[backend]
        if isinstance(factory, str):
            module, attribute = factory.split(':')
            factory = getattr(importlib.import_module(module), attribute).from_config
        detectors.append(factory(config or DetectorConfig()))
    return detectors[0] if len(detectors) == 1 else CombinedDetector(detectors)
