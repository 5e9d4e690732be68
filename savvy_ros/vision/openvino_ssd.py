"""SSD-MobileNet-v2 run by OpenVINO instead of cv2.dnn + numpy: the same frozen graph, cut to the six
feature maps the predictor heads read, converted once to OpenVINO IR (cached on disk), with the heads
of the wanted classes appended as convolutions, compiled per input size and class subset.

Why: the network is most of the vision node's CPU. On this project's 2-core Xeon one 300 px frame's
backbone takes 36 ms in cv2.dnn and 12 ms here, the 35 indoor classes' heads 14 ms in numpy and
9 ms here (the whole detector: bench/bench_vision.py); outputs agree to 1e-5 relative, so the
detections are the same. Weights stay float32 (OpenVINO would
otherwise store them as fp16 and, on CPUs with bf16 support, infer in bf16: a few percent off,
and slower without AMX).

Conversion reads the TF graph with OpenVINO's TensorFlow frontend (no TensorFlow needed) and takes
~5 s; its IR is kept in resources.cache_dir() (~/.cache/savvy_ros), keyed by the graph's hash and the
OpenVINO version. An unwritable cache only costs the conversion at each start.

With precision 'int8' each compiled network (input size x head set) is first quantized by NNCF
(savvy_ros/vision/int8_quantization.py: ~5 s once, kept in the same cache): ~2.7x faster again, with
detections that differ from float32's near the score thresholds.
"""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from savvy_ros.resources import cache_dir
from savvy_ros.vision.int8_quantization import (CALIBRATION_VERSION, QuantizationUnavailableError, nncf_available,
                                                quantize)
from savvy_ros.vision.unasked_telemetry import decline_unasked_telemetry

decline_unasked_telemetry()   # before openvino is imported (below, lazily): no usage events sent unasked

INPUT_TENSOR = 'Preprocessor/sub:0'  # the normalised image: the graph's own resize loop is cut away
IR_FORMAT = 1                         # bump when the cut or the saved model changes
PRECISIONS = ('f32', 'int8')
_LOG = logging.getLogger(__name__)


class OpenVinoUnavailableError(RuntimeError):
    """The openvino package is not installed, or cannot convert the graph."""


def openvino_available() -> bool:
    return importlib.util.find_spec('openvino') is not None


def _convert(graph_file: Path, features: list[str]):
    """The frozen graph cut between the normalised image and `features` (NHWC -> NCHW outputs, u8 RGB
    NHWC input with the graph's x / 127.5 - 1 folded in)."""
    import openvino as ov
    from openvino.frontend import FrontEndManager
    from openvino.preprocess import PrePostProcessor

    frontend = FrontEndManager().load_by_framework('tf')
    model = frontend.load(str(graph_file))
    outputs = [model.get_place_by_tensor_name(name + ':0') for name in features]
    image = model.get_place_by_tensor_name(INPUT_TENSOR)
    missing = [name for name, place in zip(features + [INPUT_TENSOR], outputs + [image]) if place is None]
    if missing:
        raise OpenVinoUnavailableError(f'{graph_file}: tensors not in the graph: {", ".join(missing)}')
    model.override_all_outputs(outputs)
    model.override_all_inputs([image])
    model.set_partial_shape(image, ov.PartialShape([1, -1, -1, 3]))
    converted = frontend.convert(model)
    # The frontend keeps the graph's unused image_tensor placeholder as an input: drop it.
    parameter = next(p for p in converted.get_parameters() if INPUT_TENSOR in p.output(0).get_names())
    cut = ov.Model(list(converted.outputs), [parameter], 'ssd_mobilenet_v2_trunk')
    steps = PrePostProcessor(cut)
    steps.input().tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout('NHWC'))
    steps.input().model().set_layout(ov.Layout('NHWC'))
    steps.input().preprocess().convert_element_type(ov.Type.f32).mean(127.5).scale(127.5)
    for index in range(len(features)):
        steps.output(index).model().set_layout(ov.Layout('NHWC'))
        steps.output(index).tensor().set_layout(ov.Layout('NCHW'))
    return steps.build()


def _read_cached(core, xml: Path):
    """The IR at `xml`, or None when it is missing or damaged (made again and replaced then)."""
    if xml.is_file() and xml.with_suffix('.bin').is_file():
        try:
            return core.read_model(str(xml))
        except RuntimeError as exc:
            _LOG.warning('cached OpenVINO model %s unreadable (%s); making it again', xml, exc)
    return None


def _write_cached(model, xml: Path) -> None:
    import openvino as ov

    try:
        xml.parent.mkdir(parents=True, exist_ok=True)
        # Written beside, then renamed: nodes starting together never read a half-written file.
        with tempfile.TemporaryDirectory(dir=xml.parent) as scratch:
            tmp = Path(scratch) / xml.name
            ov.save_model(model, str(tmp), compress_to_fp16=False)
            os.replace(tmp.with_suffix('.bin'), xml.with_suffix('.bin'))
            os.replace(tmp, xml)
    except OSError as exc:
        _LOG.warning('cannot cache the OpenVINO model in %s (%s): it is made again at every start', xml.parent, exc)


def _cached_model(core, graph_file: Path, graph: bytes, features: list[str]) -> tuple[object, str]:
    """The converted trunk and its cache key."""
    import openvino as ov

    key = hashlib.sha256(graph + '\n'.join(features).encode() + f'{ov.__version__}/{IR_FORMAT}'.encode()).hexdigest()
    xml = cache_dir() / f'ssd_mobilenet_v2_trunk-{key[:16]}.xml'
    model = _read_cached(core, xml)
    if model is None:
        _LOG.info('converting the SSD backbone for OpenVINO (once, ~5 s) into %s', xml.parent)
        model = _convert(graph_file, features)
        _write_cached(model, xml)
    return model, key


class OpenVinoSsd:
    """The backbone, and the predictor heads for a class subset, compiled per input size (and subset).

    features(image, input_size, count): the first `count` feature maps, NCHW float32, like cv2.dnn's
    trunk.forward for the same names. predict(image, input_size, key, heads): 3x3 'SAME' convolutions
    (the heads' kernels for some classes) on those maps, run inside the same network.
    """

    def __init__(self, graph_file: Path, graph: bytes, features: list[str], threads: int = 0,
                 precision: str = 'f32') -> None:
        """`precision`: 'f32' (the graph's own) or 'int8' (quantized; f32 with a warning where NNCF is missing)."""
        if precision not in PRECISIONS:
            raise ValueError(f'precision must be one of {", ".join(PRECISIONS)}, got {precision!r}')
        if not openvino_available():
            raise OpenVinoUnavailableError('the openvino backend needs the openvino package '
                                           '(pip install openvino; see requirements.lock) or backend: opencv')
        import openvino as ov

        self._core = ov.Core()
        try:
            self._model, self._key = _cached_model(self._core, graph_file, graph, features)
        except (RuntimeError, StopIteration) as exc:
            raise OpenVinoUnavailableError(f'OpenVINO cannot convert {graph_file}: {exc}') from exc
        self._threads = threads
        if precision == 'int8' and not nncf_available():
            _LOG.warning('int8 precision needs the nncf package (see requirements.lock): the coco network runs in f32')
            precision = 'f32'
        self.precision = precision
        self.f32_fallbacks: set[int] = set()   # input sizes [px] of int8 networks NNCF could not quantize
        self._compiled: dict[tuple, object] = {}
        self._lock = threading.Lock()

    def _network(self, input_size: int, key: tuple, outputs: Callable[[list], list]):
        """The compiled network for an input size whose outputs are `outputs(feature ports)`; cached by
        (input_size, key). Under the lock."""
        if (input_size, key) not in self._compiled:
            import openvino as ov
            import openvino.opset13 as ops

            model = self._model.clone()
            model.reshape({model.inputs[0]: ov.PartialShape([1, input_size, input_size, 3])})
            features = [result.input_value(0) for result in model.get_results()]
            # Only what the outputs need is run: crops reading the low maps skip the layers above.
            model = ov.Model([ops.result(port) for port in outputs(features)], model.get_parameters(),
                             f'ssd_mobilenet_v2_{input_size}')   # a fixed name: the same IR bytes every time
            if self.precision == 'int8':
                model = self._int8(model, input_size, key)
            # float32 as in the graph; no pinning: the graph's nodes share the cores.
            config = {'INFERENCE_PRECISION_HINT': 'f32', 'PERFORMANCE_HINT': 'LATENCY', 'NUM_STREAMS': 1,
                      'ENABLE_CPU_PINNING': False}
            if self._threads > 0:
                config['INFERENCE_NUM_THREADS'] = self._threads
            try:
                self._compiled[(input_size, key)] = self._core.compile_model(model, 'CPU', config)
            except RuntimeError as exc:   # e.g. a CPU the plugin does not support
                raise OpenVinoUnavailableError(f'OpenVINO cannot compile the network for the CPU: {exc}') from exc
        return self._compiled[(input_size, key)]

    def _int8(self, model, input_size: int, key: tuple):
        """`model` quantized, from the cache when it was quantized before. Under the lock."""
        import nncf

        digest = hashlib.sha256(f'{self._key}/{input_size}/{key!r}/{nncf.__version__}/{CALIBRATION_VERSION}'.encode())
        xml = cache_dir() / f'ssd_mobilenet_v2_int8-{digest.hexdigest()[:16]}.xml'
        quantized = _read_cached(self._core, xml)
        if quantized is None:
            _LOG.info('quantizing the SSD network for %d px input to int8 (once, ~5 s) into %s', input_size, xml.parent)
            try:
                quantized = quantize(model, input_size)
            except QuantizationUnavailableError as exc:
                _LOG.warning('%s: this network runs in f32', exc)
                self.f32_fallbacks.add(input_size)
                return model
            _write_cached(quantized, xml)
        return quantized

    def precision_note(self) -> str:
        """What runs: 'f32', 'int8', or 'int8 (f32 at 128 px: not quantized)' when NNCF failed on some network."""
        if self.precision != 'int8' or not self.f32_fallbacks:
            return self.precision
        sizes = ', '.join(f'{size} px' for size in sorted(self.f32_fallbacks))
        return f'int8 (f32 at {sizes}: not quantized)'

    def _features_network(self, input_size: int, count: int):
        return self._network(input_size, ('features', count), lambda features: features[:count])

    def _heads_network(self, input_size: int, key: tuple, heads: Sequence[tuple[int, np.ndarray, np.ndarray]]):
        import openvino.opset13 as ops

        def convolutions(features: list) -> list:
            return [ops.add(ops.convolution(features[index], ops.constant(np.ascontiguousarray(kernels, np.float32)),
                                            [1, 1], [1, 1], [1, 1], [1, 1]),
                            ops.constant(np.asarray(bias, np.float32).reshape(1, -1, 1, 1)))
                    for index, kernels, bias in heads]
        return self._network(input_size, ('heads', key), convolutions)

    def prepare_heads(self, input_size: int, key: tuple, heads: Sequence[tuple[int, np.ndarray, np.ndarray]]) -> None:
        with self._lock:
            self._heads_network(input_size, key, heads)

    def features(self, image: np.ndarray, input_size: int, count: int) -> list[np.ndarray]:
        with self._lock:
            return self._run(self._features_network(input_size, count), image, input_size)

    def predict(self, image: np.ndarray, input_size: int, key: tuple,
                heads: Sequence[tuple[int, np.ndarray, np.ndarray]]) -> list[np.ndarray]:
        """Per head (feature index, (K, C, 3, 3) kernels, (K,) bias): its (1, K, H, W) output; `key` names
        the head set (the compiled network is kept under it)."""
        with self._lock:
            return self._run(self._heads_network(input_size, key, heads), image, input_size)

    @staticmethod
    def _run(compiled, image: np.ndarray, input_size: int) -> list[np.ndarray]:
        # cv2.dnn.blobFromImage's resize (bilinear), so both backends see the same pixels.
        resized = cv2.resize(image, (input_size, input_size), interpolation=cv2.INTER_LINEAR)
        result = compiled(resized[None])
        return [np.asarray(result[port]) for port in compiled.outputs]
