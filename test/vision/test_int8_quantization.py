"""The coco network quantized to int8 by NNCF: convolutions really run in 8 bits, detections stay those of
float32 on a clear scene, the quantized model is deterministic and cached, and a missing NNCF or a
precision cv2.dnn cannot run are reported clearly."""
from __future__ import annotations

import logging
import re
from collections import Counter

import numpy as np
import pytest
from scenes import background, paste

from savvy_ros.vision import int8_quantization, openvino_ssd
from savvy_ros.vision.coco_detector import CocoSsdDetector, ssd_model_files
from savvy_ros.vision.detector import DetectorConfig, create_detector
from savvy_ros.vision.ssd_mobilenet import SsdMobileNetV2

CROP_KEY = ('heads', ((1, 17), 2))   # a zoomed crop's network: person and cat from the two lowest maps


def _scene() -> np.ndarray:
    image = background(5)
    paste(image, 'person', (40, 100), 250)
    paste(image, 'cat', (380, 280), 110)
    return image


def _convolution_precisions(model: SsdMobileNetV2, input_size: int, key: tuple) -> Counter:
    compiled = model._openvino._compiled[(input_size, key)]
    return Counter(op.get_rt_info()['runtimePrecision'].astype(str) for op in compiled.get_runtime_model().get_ops()
                   if op.get_rt_info()['layerType'].astype(str) == 'Convolution')


def test_calibration_images_are_fixed_photographs_at_the_input_size():
    first, again = int8_quantization.calibration_images(64), int8_quantization.calibration_images(64)
    assert len(first) == 35 and all(s.shape == (1, 64, 64, 3) and s.dtype == np.uint8 for s in first)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))


def test_int8_convolutions_run_in_8_bits_and_f32_ones_do_not():
    files = ssd_model_files()
    for precision, expected in (('f32', 'f32'), ('int8', 'u8')):
        model = SsdMobileNetV2(*files, backend='openvino', threads=1, precision=precision)
        model.prepare(128, 2, (1, 17))
        precisions = _convolution_precisions(model, 128, CROP_KEY)
        assert model.precision == precision and set(precisions) == {expected} and sum(precisions.values()) > 40


def test_int8_detections_are_float32_ones_on_a_clear_scene():
    config = DetectorConfig(classes=('indoor',), backend='openvino', num_threads=1)
    f32 = create_detector('coco', config)
    int8 = create_detector('coco', DetectorConfig(**{**config.__dict__, 'precision': 'int8'}))
    assert 'int8' in int8.describe() and 'f32' in f32.describe()
    a, b = f32.detect(_scene()), int8.detect(_scene())
    assert {d.label for d in a} >= {'person', 'cat'}
    for label in ('person', 'cat'):
        (one,), (other,) = [d for d in a if d.label == label], [d for d in b if d.label == label]
        assert abs(one.score - other.score) < 0.15   # measured: cat 0.85 -> 0.72
        np.testing.assert_allclose(one.box, other.box, atol=8.0)   # [px] of a 640 x 480 frame


def test_the_quantized_model_is_deterministic_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    graph_file, _ = ssd_model_files()
    reference = SsdMobileNetV2(*ssd_model_files(), backend='opencv')
    features, crop_heads = reference._features, reference._openvino_heads(*CROP_KEY[1])
    image = _scene()[100:300, 300:500]

    def quantized_files() -> dict[str, bytes]:
        network = openvino_ssd.OpenVinoSsd(graph_file, graph_file.read_bytes(), features, 1, 'int8')
        outputs = network.predict(image, 128, CROP_KEY[1], crop_heads)
        files = sorted((tmp_path / 'savvy_ros').glob('ssd_mobilenet_v2_int8-*'))
        assert [f.suffix for f in files] == ['.bin', '.xml']
        return {f.suffix: f.read_bytes() for f in files}, outputs

    first, outputs = quantized_files()
    for f in (tmp_path / 'savvy_ros').glob('ssd_mobilenet_v2_int8-*'):
        f.unlink()
    again, _ = quantized_files()
    # The same calibration, the same weights byte for byte; the XML differs only in OpenVINO's automatic
    # layer names (Convert_150363: a process-wide counter).
    def unnamed(xml: bytes) -> bytes:
        return re.sub(rb' (output_)?names?="[^"]*"', b'', xml)
    assert first['.bin'] == again['.bin'] and unnamed(first['.xml']) == unnamed(again['.xml'])

    def no_quantization(*args):
        raise AssertionError('quantized again although the cache holds the model')
    monkeypatch.setattr(openvino_ssd, 'quantize', no_quantization)
    _, cached_outputs = quantized_files()
    for a, b in zip(outputs, cached_outputs):
        np.testing.assert_array_equal(a, b)


def test_without_nncf_int8_runs_as_f32_with_a_warning(monkeypatch, caplog):
    monkeypatch.setattr(openvino_ssd, 'nncf_available', lambda: False)
    graph_file, _ = ssd_model_files()
    features = SsdMobileNetV2(*ssd_model_files(), backend='opencv')._features
    with caplog.at_level(logging.WARNING, logger=openvino_ssd.__name__):
        network = openvino_ssd.OpenVinoSsd(graph_file, graph_file.read_bytes(), features, 1, 'int8')
    assert network.precision == 'f32' and 'needs the nncf package' in caplog.text
    monkeypatch.setattr(int8_quantization, 'nncf_available', lambda: False)
    with pytest.raises(int8_quantization.QuantizationUnavailableError, match='pip install nncf'):
        int8_quantization.quantize(None, 64)


def test_precision_settings_cv2_dnn_cannot_run_are_refused():
    with pytest.raises(ValueError, match='precision must be one of f32, int8'):
        CocoSsdDetector(precision='fp16')
    with pytest.raises(ValueError, match='needs the openvino backend'):
        CocoSsdDetector(precision='int8', backend='opencv')
    with pytest.raises(ValueError, match='needs the openvino backend'):
        SsdMobileNetV2(*ssd_model_files(), backend='opencv', precision='int8')


def test_a_network_nncf_cannot_quantize_runs_in_f32_with_a_warning(tmp_path, monkeypatch, caplog):
    import nncf

    def failing(*args, **kwargs):
        raise RuntimeError('unsupported operation (test)')
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    monkeypatch.setattr(nncf, 'quantize', failing)
    with pytest.raises(int8_quantization.QuantizationUnavailableError, match='NNCF could not quantize'):
        int8_quantization.quantize(None, 64)
    model = SsdMobileNetV2(*ssd_model_files(), backend='openvino', threads=1, precision='int8')
    with caplog.at_level(logging.WARNING, logger=openvino_ssd.__name__):
        model.prepare(128, 2, (1, 17))
    assert 'this network runs in f32' in caplog.text
    assert set(_convolution_precisions(model, 128, CROP_KEY)) == {'f32'}
    assert model.precision == 'int8 (f32 at 128 px: not quantized)'   # what describe() and the start-up log say
    assert not list((tmp_path / 'savvy_ros').glob('ssd_mobilenet_v2_int8-*'))   # nothing cached
