"""Open-vocabulary detection with a transformers zero-shot detector (OWLv2 / OWL-ViT).

Weights are never downloaded: `model_path` is a local directory, or a hub id already in the
Hugging Face cache (loaded with local_files_only). Without them the backend says what to provide.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from savvy_ros.vision.camera_model import CameraModel
from savvy_ros.vision.detection import Detection
from savvy_ros.vision.detector import Detector, DetectorConfig, DetectorUnavailableError

HOW_TO_GET_WEIGHTS = ('set model_path to a local directory holding an OWLv2 or OWL-ViT checkpoint (config.json, '
                      'weights, preprocessor and tokenizer files), or to a hub id already in the Hugging Face cache, '
                      'e.g. after `huggingface-cli download google/owlv2-base-patch16-ensemble` on a machine '
                      'with internet access')


def load_zero_shot_model(model_path: str):
    """(processor, model) from a local directory or the HF cache; DetectorUnavailableError if absent."""
    if not model_path:
        raise DetectorUnavailableError(f'the open_vocab detector has no weights: {HOW_TO_GET_WEIGHTS}')
    from transformers import AutoModelForZeroShotObjectDetection, AutoProcessor

    try:
        processor = AutoProcessor.from_pretrained(model_path, local_files_only=True)
        model = AutoModelForZeroShotObjectDetection.from_pretrained(model_path, local_files_only=True)
    except (OSError, ValueError) as exc:
        where = 'directory' if Path(model_path).is_dir() else 'hub id (not in the local cache)'
        raise DetectorUnavailableError(f'cannot load open_vocab weights from {where} {model_path!r}: {exc}; '
                                       f'{HOW_TO_GET_WEIGHTS}') from exc
    model.eval()
    return processor, model


class OpenVocabDetector(Detector):
    name = 'open_vocab'

    def __init__(self, processor, model, queries: tuple[str, ...], score_threshold: float = 0.1,
                 nms_iou: float = 0.5) -> None:
        if not queries:
            raise ValueError('the open_vocab detector needs text queries (e.g. ["a door", "a kettle"])')
        self.processor, self.model = processor, model
        self.queries = tuple(queries)
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou
        # OWLv2 pads to a square before resizing, so its boxes are relative to the padded square.
        self._pads_to_square = bool(getattr(processor.image_processor, 'do_pad', False))

    @classmethod
    def from_config(cls, config: DetectorConfig) -> OpenVocabDetector:
        processor, model = load_zero_shot_model(config.model_path)
        config = config.without_class_sets()
        return cls(processor, model, config.queries or config.classes, config.score_threshold, config.nms_iou)

    def detect(self, rgb: np.ndarray, camera: CameraModel | None = None) -> list[Detection]:
        import torch

        h, w = rgb.shape[:2]
        inputs = self.processor(text=[list(self.queries)], images=rgb, return_tensors='pt')
        with torch.no_grad():
            outputs = self.model(**inputs)
        logits = outputs.logits[0].float().numpy()          # (boxes, queries)
        boxes = outputs.pred_boxes[0].float().numpy()       # (boxes, 4) centre x, y, w, h in [0, 1]
        scores = 1.0 / (1.0 + np.exp(-logits.max(axis=1)))
        labels = logits.argmax(axis=1)
        scale = np.array([max(h, w), max(h, w)] * 2 if self._pads_to_square else [w, h, w, h], dtype=float)
        corners = np.column_stack([boxes[:, 0] - boxes[:, 2] / 2, boxes[:, 1] - boxes[:, 3] / 2,
                                   boxes[:, 0] + boxes[:, 2] / 2, boxes[:, 1] + boxes[:, 3] / 2]) * scale
        corners = np.clip(corners, 0, [w, h, w, h])
        keep = np.flatnonzero((scores >= self.score_threshold) & (corners[:, 2] - corners[:, 0] >= 1)
                              & (corners[:, 3] - corners[:, 1] >= 1))
        detections = []
        for query in np.unique(labels[keep]):
            members = keep[labels[keep] == query]
            xywh = [[float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])] for b in corners[members]]
            # The model does no suppression of its own: one box per object per query.
            for index in np.asarray(cv2.dnn.NMSBoxes(xywh, scores[members].tolist(), self.score_threshold,
                                                     self.nms_iou)).ravel():
                i = members[int(index)]
                detections.append(Detection(self.queries[int(query)], float(scores[i]),
                                            tuple(float(v) for v in corners[i]), self.name))
        return sorted(detections, key=lambda d: -d.score)
