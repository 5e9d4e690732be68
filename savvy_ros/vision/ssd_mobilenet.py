"""SSD-MobileNet-v2 (COCO) split in two: cv2.dnn runs the backbone and box regressors, numpy runs
the class heads for the wanted classes only, then SSD box decoding and per-class NMS.

The class heads (3x3 convolutions to anchors x 91 classes on six feature maps) cost about half of
the whole network in cv2.dnn. Scores are per-class sigmoids, so the logits of a class subset are
exactly those of the full network: with a class filter only that subset is computed. Results
match the stock graph's DetectionOutput (test_coco_detector.py compares them).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

NUM_CLASSES = 91                      # TF Object Detection API ids incl. background 0
NMS_IOU = 0.6                         # the stock graph's DetectionOutput settings
MAX_CANDIDATES, KEEP_TOP_K = 400, 100
_HEAD = re.compile(r'^BoxPredictor_(\d+)/ClassPredictor/Conv2D$')


@dataclass(frozen=True)
class RawDetection:
    class_id: int
    score: float
    box: tuple[float, float, float, float]   # x_min, y_min, x_max, y_max normalised to [0, 1]


def _node_blocks(text: str) -> list[str]:
    """Top-level `node { ... }` blocks of a TensorFlow text graph."""
    blocks, current, depth = [], [], 0
    for line in text.splitlines(keepends=True):
        current.append(line)
        depth += line.count('{') - line.count('}')
        if depth == 0:
            blocks.append(''.join(current))
            current = []
    return blocks


def _buffer(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.uint8)


class SsdMobileNetV2:
    def __init__(self, graph_file: Path, text_graph_file: Path) -> None:
        graph, text = graph_file.read_bytes(), text_graph_file.read_text()
        full = cv2.dnn.readNetFromTensorflow(_buffer(graph), _buffer(text.encode()))
        head_inputs: dict[int, str] = {}
        trunk_blocks = []
        for block in _node_blocks(text):
            name = re.search(r'name: "([^"]+)"', block)
            name = name.group(1) if name else ''
            match = _HEAD.match(name)
            if match:
                head_inputs[int(match.group(1))] = re.findall(r'input: "([^"]+)"', block)[0]
            if 'ClassPredictor' not in name and name != 'detection_out':
                trunk_blocks.append(block)
        if not head_inputs:
            raise ValueError(f'{text_graph_file}: no BoxPredictor_N/ClassPredictor nodes; not an SSD text graph')
        self.heads = []   # (weights (K, C*9), bias (K,), anchors) per feature map
        for index in sorted(head_inputs):
            layer = full.getLayerId(f'BoxPredictor_{index}/ClassPredictor/Conv2D')
            weights, bias = full.getParam(layer, 0), full.getParam(layer, 1).ravel()
            if weights.shape[2:] != (3, 3):
                raise ValueError(f'class head {index}: expected 3x3 kernels, got {weights.shape}')
            self.heads.append((weights.reshape(weights.shape[0], -1), bias, weights.shape[0] // NUM_CLASSES))
        del full
        self.trunk = cv2.dnn.readNetFromTensorflow(_buffer(graph), _buffer(''.join(trunk_blocks).encode()))
        self.outputs = [head_inputs[i] for i in sorted(head_inputs)] + ['BoxEncodingPredictor/concat',
                                                                       'PriorBox/concat']
        self._subsets: dict[tuple[int, ...], list[tuple[np.ndarray, np.ndarray]]] = {}
        self._lock = threading.Lock()

    def _head_weights(self, class_ids: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(weights, bias) of each head restricted to `class_ids`, rows ordered (anchor, class); cached."""
        if class_ids not in self._subsets:
            ids = np.asarray(class_ids)
            subset = []
            for weights, bias, anchors in self.heads:
                rows = (np.arange(anchors)[:, None] * NUM_CLASSES + ids[None, :]).ravel()
                subset.append((np.ascontiguousarray(weights[rows]), bias[rows]))
            self._subsets[class_ids] = subset
        return self._subsets[class_ids]

    def _class_logits(self, features: list[np.ndarray], class_ids: tuple[int, ...]) -> np.ndarray:
        """(priors, len(class_ids)) logits, priors ordered like the graph's (location, anchor)."""
        out = []
        for feature, (_, _, anchors), (weights, bias) in zip(features, self.heads, self._head_weights(class_ids)):
            channels, height, width = feature.shape[1:]
            padded = np.pad(feature[0], ((0, 0), (1, 1), (1, 1)))        # 'SAME' padding of a 3x3 kernel
            # im2col as (C*9, H*W): rows copied along W, 3x cheaper than the (H*W, C*9) layout.
            columns = sliding_window_view(padded, (3, 3), axis=(1, 2)).transpose(0, 3, 4, 1, 2)
            logits = (weights @ columns.reshape(channels * 9, height * width)).T + bias
            out.append(logits.reshape(height * width * anchors, len(class_ids)))
        return np.concatenate(out)

    def detect(self, rgb: np.ndarray, class_ids: tuple[int, ...], score_threshold: float,
               input_size: int = 300) -> list[RawDetection]:
        # The graph normalises internally and expects RGB in 0..255 (OpenCV's ssd_tf settings).
        blob = cv2.dnn.blobFromImage(rgb, size=(input_size, input_size), swapRB=False, crop=False)
        with self._lock:  # one cv2.dnn.Net, possibly shared by nodes on a multi-threaded executor
            self.trunk.setInput(blob)
            *features, encodings, priors = self.trunk.forward(self.outputs)
            logits = self._class_logits(features, class_ids)
        # sigmoid(logit) >= t  <=>  logit >= log(t / (1 - t)): no exp over every prior and class.
        threshold_logit = np.log(score_threshold / (1.0 - score_threshold)) if 0 < score_threshold < 1 else -np.inf
        prior_index, column = np.nonzero(logits >= threshold_logit)
        if prior_index.size == 0:
            return []
        scores = 1.0 / (1.0 + np.exp(-logits[prior_index, column]))
        if scores.size > MAX_CANDIDATES:
            top = np.argsort(-scores, kind='stable')[:MAX_CANDIDATES]
            prior_index, column, scores = prior_index[top], column[top], scores[top]
        boxes = self._decode(encodings.reshape(-1, 4)[prior_index], priors[0, 0].reshape(-1, 4)[prior_index],
                             priors[0, 1].reshape(-1, 4)[prior_index])
        classes = np.asarray(class_ids)[column]
        xywh = np.column_stack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]]).astype(np.float64)
        keep = np.asarray(cv2.dnn.NMSBoxesBatched(xywh.tolist(), scores.astype(float).tolist(), classes.tolist(),
                                                  float(score_threshold), NMS_IOU), dtype=int).ravel()
        keep = sorted(keep.tolist(), key=lambda i: (-scores[i], i))[:KEEP_TOP_K]
        return [RawDetection(int(classes[i]), float(scores[i]), tuple(float(v) for v in boxes[i])) for i in keep]

    @staticmethod
    def _decode(encodings: np.ndarray, prior_boxes: np.ndarray, variances: np.ndarray) -> np.ndarray:
        """CENTER_SIZE decoding of the stock DetectionOutput: (x_min, y_min, x_max, y_max) normalised."""
        size = prior_boxes[:, 2:] - prior_boxes[:, :2]
        centre = (prior_boxes[:, :2] + prior_boxes[:, 2:]) / 2 + variances[:, :2] * encodings[:, :2] * size
        extent = np.exp(variances[:, 2:] * encodings[:, 2:]) * size
        return np.hstack([centre - extent / 2, centre + extent / 2])
