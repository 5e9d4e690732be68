"""SSD-MobileNet-v2 through OpenVINO: the same feature maps, head outputs and detections as cv2.dnn +
numpy, its converted model cached on disk, and clear errors when it cannot run."""
from __future__ import annotations

import logging

import numpy as np
import pytest
from scenes import background, paste

from savvy_ros.vision import openvino_ssd
from savvy_ros.vision.coco_detector import CocoSsdDetector, ssd_model_files
from savvy_ros.vision.detector import DetectorConfig, DetectorUnavailableError, create_detector
from savvy_ros.vision.ssd_mobilenet import SsdMobileNetV2, resolve_backend


def _scene() -> np.ndarray:
    image = background(3)
    paste(image, 'person', (30, 120), 260)
    paste(image, 'cat', (400, 300), 90)
    paste(image, 'cup', (300, 80), 60)
    return image


@pytest.fixture(scope='module')
def models():
    files = ssd_model_files()
    return SsdMobileNetV2(*files, backend='opencv'), SsdMobileNetV2(*files, backend='openvino', threads=1)


def test_feature_maps_match_cv2_dnn(models):
    """Every feature map the heads read, full frame and a crop's low maps: equal to float32 rounding."""
    import cv2

    cv, ov = models
    image = _scene()
    for size, maps in ((300, None), (128, 3)):
        wanted = cv._wanted(maps)
        trunk = cv._trunk(size)
        trunk.setInput(cv2.dnn.blobFromImage(image, size=(size, size), swapRB=False, crop=False))
        expected = trunk.forward(wanted)
        got = ov._openvino.features(image, size, len(wanted))
        assert len(got) == len(wanted) == (len(cv._features) if maps is None else 3)
        for e, g in zip(expected, got):
            assert g.shape == e.shape and g.dtype == np.float32
            np.testing.assert_allclose(g, e, rtol=0, atol=1e-4 * np.abs(e).max())


def test_head_outputs_match_numpy(models):
    """Logits and box encodings of a class subset, full frame and a crop's lowest maps."""
    cv, ov = models
    image = _scene()
    for size, maps, ids in ((300, None, (0, 1, 17, 47)), (128, 2, (1, 17))):
        expected = cv._forward([image, image[::-1]], ids, size, maps)
        got = ov._forward([image, image[::-1]], ids, size, maps)
        for e, g in zip(expected, got):
            assert g.shape == e.shape
            np.testing.assert_allclose(g, e, rtol=0, atol=1e-4 * np.abs(e).max())


def test_detections_match_cv2_dnn():
    """The whole detector (full frame, zoomed crops) gives the same detections with either backbone."""
    image = _scene()
    config = DetectorConfig(classes=('indoor',), score_threshold=0.2)
    cv = create_detector('coco', DetectorConfig(**{**config.__dict__, 'backend': 'opencv'}))
    ov = create_detector('coco', DetectorConfig(**{**config.__dict__, 'backend': 'openvino'}))
    a, b = cv.detect(image), ov.detect(image)
    assert {d.label for d in a} >= {'person', 'cat'} and cv.crops_run == ov.crops_run > 0
    assert [d.label for d in a] == [d.label for d in b]
    np.testing.assert_allclose([d.score for d in a], [d.score for d in b], atol=1e-4)
    np.testing.assert_allclose([d.box for d in a], [d.box for d in b], atol=0.05)


def test_backend_setting():
    assert resolve_backend('auto') == 'openvino'   # installed by make setup (requirements.lock)
    assert resolve_backend('opencv') == 'opencv'
    with pytest.raises(ValueError, match='backend must be one of auto, openvino, opencv'):
        resolve_backend('tensorrt')
    with pytest.raises(ValueError, match='backend must be one of'):
        CocoSsdDetector(backend='cuda')
    with pytest.raises(ValueError, match='num_threads must be >= 0'):
        CocoSsdDetector(num_threads=-1)


def test_auto_precision_is_int8_in_openvino_and_f32_on_cv2_dnn():
    """The node's default: a parameter file choosing coco_backend opencv alone must still start (f32, the
    only precision cv2.dnn runs); int8 asked for on cv2.dnn stays an error."""
    assert 'OpenVINO, int8' in CocoSsdDetector(backend='openvino', zoom_crops=0, precision='auto').describe()
    assert CocoSsdDetector(backend='opencv', zoom_crops=0, precision='auto').describe() == \
        'coco (SSD-MobileNet-v2 in cv2.dnn + numpy, f32, 80 classes)'
    with pytest.raises(ValueError, match='precision int8 needs the openvino backend'):
        CocoSsdDetector(backend='opencv', precision='int8')
    with pytest.raises(ValueError, match="precision must be one of f32, int8 or auto, got 'fp16'"):
        CocoSsdDetector(precision='fp16')


def test_thread_count_reaches_the_compiled_model(models):
    _, ov = models
    ov.prepare(300, None, (1, 2))
    compiled = ov._openvino._compiled[(300, ('heads', ((1, 2), None)))]
    assert compiled.get_property('INFERENCE_NUM_THREADS') == 1
    assert str(compiled.get_property('INFERENCE_PRECISION_HINT')) in ('<Type: \'float32\'>', 'f32')


def test_converted_model_is_cached_and_a_damaged_cache_is_replaced(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    graph_file, _ = ssd_model_files()
    graph = graph_file.read_bytes()
    features = SsdMobileNetV2(*ssd_model_files(), backend='opencv')._features
    image = _scene()

    first = openvino_ssd.OpenVinoSsd(graph_file, graph, features, threads=1)
    cached = sorted((tmp_path / 'savvy_ros').glob('ssd_mobilenet_v2_trunk-*'))
    assert [p.suffix for p in cached] == ['.bin', '.xml'] and cached[0].stat().st_size > 10_000_000
    reference = first.features(image, 300, len(features))

    def no_conversion(*args):
        raise AssertionError('converted again although the cache holds the model')
    monkeypatch.setattr(openvino_ssd, '_convert', no_conversion)
    again = openvino_ssd.OpenVinoSsd(graph_file, graph, features, threads=1)
    for a, b in zip(reference, again.features(image, 300, len(features))):
        np.testing.assert_array_equal(a, b)

    monkeypatch.undo()
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path))
    cached[1].write_text('<not a model')
    with caplog.at_level(logging.WARNING, logger=openvino_ssd.__name__):
        mended = openvino_ssd.OpenVinoSsd(graph_file, graph, features, threads=1)
    assert 'unreadable' in caplog.text and cached[1].read_text().startswith('<?xml')
    np.testing.assert_array_equal(reference[0], mended.features(image, 300, len(features))[0])


def test_unwritable_cache_still_runs(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / 'file'
    blocker.write_text('a file where the cache directory would go')
    monkeypatch.setenv('XDG_CACHE_HOME', str(blocker))
    graph_file, _ = ssd_model_files()
    features = SsdMobileNetV2(*ssd_model_files(), backend='opencv')._features
    with caplog.at_level(logging.WARNING, logger=openvino_ssd.__name__):
        network = openvino_ssd.OpenVinoSsd(graph_file, graph_file.read_bytes(), features)
    assert 'made again at every start' in caplog.text
    assert len(network.features(_scene(), 300, 2)) == 2


def test_missing_openvino_is_a_clear_unavailable_error(monkeypatch):
    monkeypatch.setattr(openvino_ssd, 'openvino_available', lambda: False)
    graph_file, _ = ssd_model_files()
    with pytest.raises(openvino_ssd.OpenVinoUnavailableError, match='pip install openvino'):
        openvino_ssd.OpenVinoSsd(graph_file, b'', ['x'])
    assert resolve_backend('auto') == 'opencv'     # auto falls back to cv2.dnn
    from savvy_ros.vision import coco_detector
    coco_detector.shared_ssd_model.cache_clear()
    try:
        with pytest.raises(DetectorUnavailableError, match='backend: opencv'):
            CocoSsdDetector(backend='openvino')
    finally:
        coco_detector.shared_ssd_model.cache_clear()


def test_auto_falls_back_to_cv2_dnn_when_openvino_cannot_run(monkeypatch, caplog):
    """'auto' takes the best backend that runs here: a failing conversion leaves the cv2.dnn path, with a
    warning; asked for explicitly, openvino fails with a clear error instead."""
    from savvy_ros.vision import coco_detector

    def broken(*args, **kwargs):
        raise openvino_ssd.OpenVinoUnavailableError('OpenVINO cannot convert the graph: test')
    monkeypatch.setattr(openvino_ssd, 'OpenVinoSsd', broken)
    coco_detector.shared_ssd_model.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=coco_detector.__name__):
            detector = CocoSsdDetector(backend='auto', zoom_crops=0)
        assert detector.model.backend == 'opencv' and 'runs in cv2.dnn + numpy (f32) instead' in caplog.text
        assert detector.describe() == 'coco (SSD-MobileNet-v2 in cv2.dnn + numpy, f32, 80 classes)'
        assert {d.label for d in detector.detect(_scene())} >= {'person'}
        # int8, and the vision node's default (auto: int8 in OpenVINO), fall back the same way (cv2.dnn runs f32 only).
        for precision in ('int8', 'auto'):
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger=coco_detector.__name__):
                detector = CocoSsdDetector(backend='auto', zoom_crops=0, precision=precision)
            assert detector.describe() == 'coco (SSD-MobileNet-v2 in cv2.dnn + numpy, f32, 80 classes)'
            assert 'runs in cv2.dnn + numpy (f32) instead' in caplog.text
        with pytest.raises(DetectorUnavailableError, match='cannot convert the graph'):
            CocoSsdDetector(backend='openvino')
    finally:
        coco_detector.shared_ssd_model.cache_clear()
    monkeypatch.undo()
    # Converted but not compiled (a CPU the plugin refuses): the same fallback.
    import openvino as ov

    def refuse(self, *args, **kwargs):
        raise RuntimeError('Exception from src/inference: unsupported CPU (test)')
    monkeypatch.setattr(ov.Core, 'compile_model', refuse)
    coco_detector.shared_ssd_model.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=coco_detector.__name__):
            detector = CocoSsdDetector(backend='auto', zoom_crops=0)
        assert detector.model.backend == 'opencv' and 'cannot compile the network for the CPU' in caplog.text
    finally:
        coco_detector.shared_ssd_model.cache_clear()
    monkeypatch.undo()
    from savvy_ros.vision.pipeline import default_config_path
    combined = create_detector('coco,aruco', DetectorConfig(classes=('indoor',),
                                                            aruco_table=default_config_path('aruco_markers.yaml')))
    assert combined.describe() == 'coco (SSD-MobileNet-v2 in OpenVINO, f32, 35 classes), aruco'
