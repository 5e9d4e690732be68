"""SSD prior boxes made in numpy are the bits cv2.dnn's PriorBox layers make, for any input size."""
from __future__ import annotations

import numpy as np
import pytest

from savvy_ros.vision.coco_detector import ssd_model_files
from savvy_ros.vision.prior_boxes import PriorBoxSpec, feature_sides, prior_boxes
from savvy_ros.vision.ssd_mobilenet import SsdMobileNetV2


@pytest.fixture(scope='module')
def model():
    return SsdMobileNetV2(*ssd_model_files(), backend='opencv')


@pytest.mark.parametrize('input_size', [300, 128, 256, 301, 97])
def test_numpy_priors_are_cv2_dnn_priors_bit_for_bit(model, input_size):
    trunk = model._read_trunk()
    trunk.setInput(np.zeros((1, 3, input_size, input_size), np.float32))
    reference = trunk.forward('PriorBox/concat')   # (1, 2, N * 4): boxes, then variances
    boxes, variances = prior_boxes(model.prior_specs, input_size)
    assert boxes.dtype == variances.dtype == np.float32
    np.testing.assert_array_equal(boxes, reference[0, 0].reshape(-1, 4))
    np.testing.assert_array_equal(variances, reference[0, 1].reshape(-1, 4))


def test_feature_map_sides_and_the_graphs_anchor_sizes(model):
    assert feature_sides(300, 6) == [19, 10, 5, 3, 2, 1] and feature_sides(128, 6) == [8, 4, 2, 1, 1, 1]
    assert [len(spec.widths) for spec in model.prior_specs] == [3, 6, 6, 6, 6, 6]
    assert model.prior_specs[0].variance == (pytest.approx(0.1), pytest.approx(0.1), pytest.approx(0.2),
                                             pytest.approx(0.2)) and not model.prior_specs[0].clip


def test_clipped_priors_stay_inside_the_image():
    spec = PriorBoxSpec(np.array([200.0]), np.array([50.0]), clip=True)
    boxes, variances = prior_boxes([spec], 100)
    assert boxes.min() >= 0.0 and boxes.max() <= 1.0 and variances.shape == boxes.shape
