"""One small detector interface and a registry of backends chosen by name.

Backends are imported only when created, so choosing 'coco' never imports transformers.
"""
from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from savvy_ros.vision.camera_model import CameraModel
from savvy_ros.vision.coco_labels import CLASS_SETS
from savvy_ros.vision.detection import Detection


class DetectorUnavailableError(RuntimeError):
    """The backend cannot run here (model files or weights missing); the message says what to provide."""


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

    def keeps(self, label: str) -> bool:
        return not self.classes or label in self.classes

    def without_class_sets(self) -> DetectorConfig:
        """The config with COCO set names ('indoor') removed from `classes`: for non-COCO backends."""
        return replace(self, classes=tuple(c for c in self.classes if c not in CLASS_SETS))


class Detector(ABC):
    """Finds objects in one RGB image; `camera` is needed by backends that measure pose."""

    name: str = ''

    @abstractmethod
    def detect(self, rgb: np.ndarray, camera: CameraModel | None = None) -> list[Detection]:
        """rgb: (H, W, 3) uint8. Returns detections sorted by score, best first."""


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
    """Several backends on the same image (e.g. 'coco,aruco': COCO objects and tagged ones)."""

    def __init__(self, detectors: list[Detector]) -> None:
        self.detectors = detectors
        self.name = ','.join(d.name for d in detectors)

    def detect(self, rgb: np.ndarray, camera: CameraModel | None = None) -> list[Detection]:
        merged = [d for detector in self.detectors for d in detector.detect(rgb, camera)]
        return sorted(merged, key=lambda d: -d.score)   # stable: backend order breaks ties


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
