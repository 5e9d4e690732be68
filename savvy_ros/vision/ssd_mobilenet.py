"""SSD-MobileNet-v2 (COCO) for the wanted classes only: the backbone and the predictor heads (the class
heads of those classes and the box regressors) run in OpenVINO (openvino_ssd.py, 2x faster) or in
cv2.dnn (backbone) + numpy (heads); cv2.dnn gives the prior boxes, numpy the SSD box decoding and
per-class NMS.

The class heads (3x3 convolutions to anchors x 91 classes on six feature maps) cost about half of
the whole network in cv2.dnn. Scores are per-class sigmoids, so the logits of a class subset are
exactly those of the full network: with a class filter only that subset is computed. The box
regressors (4 x anchors outputs) ride along in the same convolution (in numpy, the same matrix product,
which is cheaper than cv2.dnn's thin 3x3 convolutions). Results match the stock graph's DetectionOutput
(test_coco_detector.py compares them).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from savvy_ros.vision.prior_boxes import PriorBoxSpec, prior_boxes

NUM_CLASSES = 91                      # TF Object Detection API ids incl. background 0
BACKGROUND = 0
NMS_IOU = 0.6                         # the stock graph's DetectionOutput settings
MAX_CANDIDATES, KEEP_TOP_K = 400, 100
_HEAD = re.compile(r'^BoxPredictor_(\d+)/(ClassPredictor|BoxEncodingPredictor)/Conv2D$')


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


def _float_list(block: str, key: str) -> list[float]:
    """The float_val list of attribute `key` in a text-graph node block."""
    match = re.search(r'key: "' + re.escape(key) + r'"(.*?)(?=key: "|\Z)', block, re.S)
    return [float(v) for v in re.findall(r'float_val: ([-+0-9.eE]+)', match.group(1))] if match else []


def _prior_box_spec(block: str) -> PriorBoxSpec:
    """A PriorBox node's box sizes, variances and clipping, from its text-graph block."""
    widths, heights = np.array(_float_list(block, 'width')), np.array(_float_list(block, 'height'))
    if widths.size == 0 or widths.shape != heights.shape:
        raise ValueError(f'PriorBox node without matching width / height lists: {block[:80]!r}')
    variance = _float_list(block, 'variance') or [0.1, 0.1, 0.2, 0.2]
    clip = re.search(r'key: "clip"\s*value \{\s*b: true', block) is not None
    return PriorBoxSpec(widths, heights, tuple(variance), clip)


def _square_iou(side: float, widths: np.ndarray, heights: np.ndarray) -> np.ndarray:
    """IoU of a side x side square with centred boxes widths x heights."""
    inter = np.minimum(side, widths) * np.minimum(side, heights)
    return inter / (side * side + widths * heights - inter)


@dataclass(frozen=True)
class _Head:
    """One feature map's predictors: 3x3 kernels as (outputs, C*9) rows, biases, anchors per location."""

    feature: str                 # the trunk output both predictors read
    class_weights: np.ndarray    # (anchors * NUM_CLASSES, C*9), rows ordered (anchor, class)
    class_bias: np.ndarray
    box_weights: np.ndarray      # (anchors * 4, C*9), rows ordered (anchor, coordinate)
    box_bias: np.ndarray
    anchors: int


def _taps(weights: np.ndarray) -> np.ndarray:
    """(K, C*9) 3x3 kernels -> (9*K, C): one (K, C) matrix per kernel tap, tap-major."""
    k = weights.shape[0]
    return np.ascontiguousarray(weights.reshape(k, -1, 3, 3).transpose(2, 3, 0, 1).reshape(9 * k, -1))


BACKENDS = ('auto', 'openvino', 'opencv')


def resolve_backend(backend: str) -> str:
    """'openvino' or 'opencv' for a backend setting; 'auto' = OpenVINO where it is installed."""
    from savvy_ros.vision.openvino_ssd import openvino_available

    if backend not in BACKENDS:
        raise ValueError(f'backend must be one of {", ".join(BACKENDS)}, got {backend!r}')
    if backend == 'auto':
        return 'openvino' if openvino_available() else 'opencv'
    return backend


class SsdMobileNetV2:
    def __init__(self, graph_file: Path, text_graph_file: Path, backend: str = 'auto', threads: int = 0,
                 precision: str = 'f32') -> None:
        """`backend` runs the network, backbone and heads (see resolve_backend); `threads`: OpenVINO's inference
        threads, 0 = its default (cv2.dnn follows cv2.setNumThreads, numpy its BLAS); `precision`: 'f32' or
        'int8' (OpenVINO only: quantized, see int8_quantization.py)."""
        self.backend = resolve_backend(backend)
        if precision != 'f32' and self.backend != 'openvino':
            raise ValueError(f'precision {precision!r} needs the openvino backend; cv2.dnn runs f32 only')
        graph, text = graph_file.read_bytes(), text_graph_file.read_text()
        full = cv2.dnn.readNetFromTensorflow(_buffer(graph), _buffer(text.encode()))
        features: dict[int, str] = {}
        prior_specs: dict[int, PriorBoxSpec] = {}
        trunk_blocks = []
        for block in _node_blocks(text):
            name = re.search(r'name: "([^"]+)"', block)
            name = name.group(1) if name else ''
            match = _HEAD.match(name)
            if match:
                features[int(match.group(1))] = re.findall(r'input: "([^"]+)"', block)[0]
            match = re.match(r'^PriorBox_(\d+)$', name)
            if match:
                prior_specs[int(match.group(1))] = _prior_box_spec(block)
            if 'ClassPredictor' not in name and 'BoxEncodingPredictor' not in name and name != 'detection_out':
                trunk_blocks.append(block)
        if not features:
            raise ValueError(f'{text_graph_file}: no BoxPredictor_N/ClassPredictor nodes; not an SSD text graph')
        self.heads: list[_Head] = []
        for index in sorted(features):
            params = []
            for kind in ('ClassPredictor', 'BoxEncodingPredictor'):
                layer = full.getLayerId(f'BoxPredictor_{index}/{kind}/Conv2D')
                weights, bias = full.getParam(layer, 0), full.getParam(layer, 1).ravel()
                if weights.shape[2:] != (3, 3):
                    raise ValueError(f'{kind} {index}: expected 3x3 kernels, got {weights.shape}')
                params += [weights.reshape(weights.shape[0], -1), bias]
            self.heads.append(_Head(features[index], *params, anchors=params[0].shape[0] // NUM_CLASSES))
        del full
        # [px] anchor widths and heights per feature map: fixed pixel sizes whatever the input size.
        missing = sorted(set(features) - set(prior_specs))
        if missing:
            raise ValueError(f'{text_graph_file}: no PriorBox_N for the heads on feature maps {missing}')
        self.prior_specs = [prior_specs[index] for index in sorted(features)]
        self.anchor_sizes = [np.array([spec.widths, spec.heights]) for spec in self.prior_specs]
        self._graph_file = graph_file
        # The prior boxes only need the feature map's size: read it from the feature itself.
        self._trunk_text = re.sub(r'input: "BoxPredictor_(\d+)/BoxEncodingPredictor/BiasAdd"',
                                  lambda m: f'input: "{features[int(m.group(1))]}"', ''.join(trunk_blocks)).encode()
        # Feature maps the heads read, each once, in head order: the OpenVINO model's outputs.
        self._features = list(dict.fromkeys(head.feature for head in self.heads))
        self._openvino = None
        if self.backend == 'openvino':
            from savvy_ros.vision.openvino_ssd import OpenVinoSsd
            self._openvino = OpenVinoSsd(graph_file, graph, self._features, threads, precision)
        self._trunks: dict[int, cv2.dnn.Net] = {} if self._openvino else {300: self._read_trunk(graph)}
        self._priors: dict[int, tuple[np.ndarray, np.ndarray]] = {}   # input size -> (prior boxes, variances)
        self._kernels: dict[tuple[int, ...], list[tuple[np.ndarray, np.ndarray]]] = {}
        self._subsets: dict[tuple[int, ...], list[tuple[np.ndarray, np.ndarray]]] = {}
        self._lock = threading.Lock()

    @property
    def precision(self) -> str:
        """What the network runs in: 'int8' only where it was asked for and NNCF could quantize, naming the
        input sizes whose networks NNCF could not quantize (they run in f32)."""
        return self._openvino.precision_note() if self._openvino else 'f32'

    def _read_trunk(self, graph: bytes | None = None) -> cv2.dnn.Net:
        graph = self._graph_file.read_bytes() if graph is None else graph
        return cv2.dnn.readNetFromTensorflow(_buffer(graph), _buffer(self._trunk_text))

    def _trunk(self, input_size: int) -> cv2.dnn.Net:
        """The trunk for one input size: cv2.dnn re-plans a net whenever its input shape changes (about a
        third of a forward pass), so full frames and zoomed crops each keep their own net. Under the lock."""
        if input_size not in self._trunks:
            self._trunks[input_size] = self._read_trunk()
        return self._trunks[input_size]

    def maps_for_object(self, side: float) -> int:
        """How many of the lowest feature maps can detect a side x side [px] object: up to the last one with
        an anchor that SSD training would match to it (IoU >= 0.5); the maps above only see larger things."""
        useful = [i for i, (w, h) in enumerate(self.anchor_sizes) if w.size and _square_iou(side, w, h).max() >= 0.5]
        return useful[-1] + 1 if useful else len(self.heads)

    def _wanted(self, maps: int | None) -> list[str]:
        """The feature maps the lowest `maps` heads read (None: all), a prefix of self._features."""
        return list(dict.fromkeys(head.feature for head in self.heads[:maps]))

    def _prior_boxes(self, input_size: int) -> tuple[np.ndarray, np.ndarray]:
        """(prior boxes, variances) for an input size, made once (prior_boxes.py: the graph's PriorBox layers'
        own numbers). Under the lock."""
        if input_size not in self._priors:
            self._priors[input_size] = prior_boxes(self.prior_specs, input_size)
        return self._priors[input_size]

    def prepare(self, input_size: int, maps: int | None = None, class_ids: tuple[int, ...] | None = None) -> None:
        """Load the network for `input_size`, predicting `class_ids` from the lowest `maps` feature maps, now
        rather than on the first frame that needs it."""
        with self._lock:
            self._prior_boxes(input_size)
            if self._openvino and class_ids is not None:
                self._openvino.prepare_heads(input_size, (class_ids, maps), self._openvino_heads(class_ids, maps))
            elif not self._openvino:
                self._trunk(input_size)

    def _head_kernels(self, class_ids: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per head: (K, C, 3, 3) kernels and (K,) bias of the `class_ids` logits followed by the box
        encodings (K = anchors * (len(class_ids) + 4)); cached per class subset."""
        if class_ids not in self._kernels:
            ids = np.asarray(class_ids)
            subset = []
            for head in self.heads:
                rows = (np.arange(head.anchors)[:, None] * NUM_CLASSES + ids[None, :]).ravel()
                weights = np.vstack([head.class_weights[rows], head.box_weights])
                subset.append((weights.reshape(weights.shape[0], -1, 3, 3),
                               np.concatenate([head.class_bias[rows], head.box_bias])))
            self._kernels[class_ids] = subset
        return self._kernels[class_ids]

    def _head_weights(self, class_ids: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
        """_head_kernels as tap-major weights (9*K, C) for numpy's convolution; cached per class subset."""
        if class_ids not in self._subsets:
            self._subsets[class_ids] = [(_taps(kernels.reshape(kernels.shape[0], -1)), bias)
                                        for kernels, bias in self._head_kernels(class_ids)]
        return self._subsets[class_ids]

    def _openvino_heads(self, class_ids: tuple[int, ...], maps: int | None) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(feature index, kernels, bias) of the lowest `maps` heads, for OpenVinoSsd.predict."""
        return [(self._features.index(head.feature), kernels, bias)
                for head, (kernels, bias) in list(zip(self.heads, self._head_kernels(class_ids)))[:maps]]

    def _predict(self, features: dict[str, np.ndarray], class_ids: tuple[int, ...],
                 maps: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(images, priors, len(class_ids)) logits and (images, priors, 4) box encodings, priors ordered like
        the graph's (location, anchor); with `maps`, only those of the lowest `maps` feature maps (a prefix).

        A 3x3 'SAME' convolution as one product of every tap's weights with the unpadded feature maps of
        all images, then the nine (K, H, W) results summed shifted: no 9x im2col copy of the features.
        """
        outputs = []
        for head, (weights, bias) in list(zip(self.heads, self._head_weights(class_ids)))[:maps]:
            feature = features[head.feature]
            images, channels, height, width = feature.shape
            k = bias.size
            columns = feature.transpose(1, 0, 2, 3).reshape(channels, images * height * width)
            taps = (weights @ columns).reshape(3, 3, k, images, height, width)
            padded = np.zeros((k, images, height + 2, width + 2), np.float32)
            for dy in range(3):
                for dx in range(3):   # tap (dy, dx) at input (i, j) feeds output (i + 1 - dy, j + 1 - dx)
                    padded[..., 2 - dy:2 - dy + height, 2 - dx:2 - dx + width] += taps[dy, dx]
            outputs.append(padded[..., 1:height + 1, 1:width + 1].reshape(k, images, height * width).transpose(1, 2, 0)
                           + bias)
        return self._split(outputs, class_ids)

    def _split(self, outputs: list[np.ndarray], class_ids: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Per head (images, locations, K) outputs -> (images, priors, classes) logits and (images, priors, 4)
        box encodings, priors ordered like the graph's (location, anchor)."""
        logits, encodings = [], []
        for head, out in zip(self.heads, outputs):
            images, locations, _ = out.shape
            n_class = head.anchors * len(class_ids)
            logits.append(out[..., :n_class].reshape(images, locations * head.anchors, len(class_ids)))
            encodings.append(out[..., n_class:].reshape(images, locations * head.anchors, 4))
        return np.concatenate(logits, axis=1), np.concatenate(encodings, axis=1)

    def detect(self, rgb: np.ndarray, class_ids: tuple[int, ...], score_threshold: float,
               input_size: int = 300) -> list[RawDetection]:
        return self.detect_many([rgb], class_ids, score_threshold, input_size)[0]

    def detect_with_objects(self, rgb: np.ndarray, class_ids: tuple[int, ...], score_threshold: float,
                            objectness: float, input_size: int = 300) -> tuple[list[RawDetection], list[RawDetection]]:
        """Detections of `class_ids`, and class-agnostic boxes (class_id BACKGROUND) where the network sees
        *something*: its background score is per-prior sigmoid like the others, so 1 - background >=
        `objectness` marks objects it cannot (yet) name. A small object far away often scores low on every
        class but clearly not as background: these boxes are where a closer look pays."""
        logits, encodings, prior_boxes, variances = self._forward([rgb], (BACKGROUND,) + class_ids, input_size)
        detections = self._postprocess(logits[0, :, 1:], encodings[0], prior_boxes, variances, class_ids,
                                       score_threshold)
        # sigmoid(-x) = 1 - sigmoid(x): "not background" needs no second head.
        objects = self._postprocess(-logits[0, :, :1], encodings[0], prior_boxes, variances, (BACKGROUND,),
                                    objectness)
        return detections, objects

    def detect_many(self, images: list[np.ndarray], class_ids: tuple[int, ...], score_threshold: float,
                    input_size: int = 300, maps: int | None = None) -> list[list[RawDetection]]:
        """Detections of each image, the heads run once for all; `maps`: predict from the lowest `maps`
        feature maps only (see maps_for_object), None = all."""
        if not images:
            return []
        logits, encodings, prior_boxes, variances = self._forward(images, class_ids, input_size, maps)
        return [self._postprocess(lg, enc, prior_boxes, variances, class_ids, score_threshold)
                for lg, enc in zip(logits, encodings)]

    def _forward(self, images: list[np.ndarray], class_ids: tuple[int, ...], input_size: int,
                 maps: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Trunk and heads: logits (images, priors, classes), box encodings (images, priors, 4), prior boxes
        and their variances (priors, 4)."""
        with self._lock:  # the nets may be shared by nodes on a multi-threaded executor
            # The prior boxes depend on the input size alone and are read once per size.
            prior_boxes, variances = self._prior_boxes(input_size)
            if self._openvino:
                logits, encodings = self._predict_openvino(images, class_ids, input_size, maps)
            else:
                logits, encodings = self._predict(self._features_opencv(images, input_size, maps), class_ids, maps)
        return logits, encodings, prior_boxes, variances

    def _features_opencv(self, images: list[np.ndarray], input_size: int, maps: int | None) -> dict[str, np.ndarray]:
        """The feature maps the lowest `maps` heads read, from cv2.dnn (crops use the lowest few: the layers above
        are skipped), all images stacked. Under the lock."""
        wanted = self._wanted(maps)
        trunk = self._trunk(input_size)
        outputs = []
        for image in images:   # one at a time: a batch size change would re-plan the net too
            # The graph normalises internally and expects RGB in 0..255 (OpenCV's ssd_tf settings).
            trunk.setInput(cv2.dnn.blobFromImage(image, size=(input_size, input_size), swapRB=False, crop=False))
            outputs.append(trunk.forward(wanted))
        return {name: np.concatenate([out[i] for out in outputs]) for i, name in enumerate(wanted)}

    def _predict_openvino(self, images: list[np.ndarray], class_ids: tuple[int, ...], input_size: int,
                          maps: int | None) -> tuple[np.ndarray, np.ndarray]:
        """_predict's outputs with backbone and heads in OpenVINO. Under the lock."""
        heads = self._openvino_heads(class_ids, maps)
        per_image = [self._openvino.predict(image, input_size, (class_ids, maps), heads) for image in images]
        # Per head (1, K, H, W) per image -> (images, H * W, K), the numpy path's layout.
        outputs = [np.concatenate([out[i].reshape(1, out[i].shape[1], -1) for out in per_image]).transpose(0, 2, 1)
                   for i in range(len(heads))]
        return self._split(outputs, class_ids)

    def _postprocess(self, logits: np.ndarray, encodings: np.ndarray, prior_boxes: np.ndarray, variances: np.ndarray,
                     class_ids: tuple[int, ...], score_threshold: float) -> list[RawDetection]:
        # sigmoid(logit) >= t  <=>  logit >= log(t / (1 - t)): no exp over every prior and class.
        threshold_logit = np.log(score_threshold / (1.0 - score_threshold)) if 0 < score_threshold < 1 else -np.inf
        prior_index, column = np.nonzero(logits >= threshold_logit)
        if prior_index.size == 0:
            return []
        scores = 1.0 / (1.0 + np.exp(-logits[prior_index, column]))
        if scores.size > MAX_CANDIDATES:
            top = np.argsort(-scores, kind='stable')[:MAX_CANDIDATES]
            prior_index, column, scores = prior_index[top], column[top], scores[top]
        boxes = self._decode(encodings[prior_index], prior_boxes[prior_index], variances[prior_index])
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
