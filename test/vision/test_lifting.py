"""3D lifting: size priors, depth images and fiducial poses, with range-dependent uncertainty."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scenes import pinhole

from savvy_ros.vision.detection import DepthSource, Detection
from savvy_ros.vision.lifting import ObjectLifter
from savvy_ros.vision.pipeline import default_config_path
from savvy_ros.vision.size_priors import SizePriorError, load_size_priors

CAMERA = pinhole()
PRIORS = load_size_priors(default_config_path('size_priors.yaml'))


def projected_box(centre: np.ndarray, height: float, width: float) -> tuple[float, float, float, float]:
    """Box of an upright, camera-facing rectangle centred at `centre` (optical frame)."""
    corners = centre + np.array([[-width / 2, -height / 2, 0], [width / 2, height / 2, 0]])
    (x0, y0), (x1, y1) = CAMERA.project(corners)
    return (x0, y0, x1, y1)


def test_size_prior_recovers_position_of_a_prior_sized_person():
    lifter = ObjectLifter(PRIORS)
    truth = np.array([0.4, -0.1, 3.5])
    box = projected_box(truth, 1.70, 0.50)
    estimate = lifter.lift(Detection('person', 0.9, box, 'coco'), CAMERA)
    assert estimate.depth_source == DepthSource.SIZE_PRIOR
    np.testing.assert_allclose(estimate.position, truth, rtol=1e-6)


def test_size_prior_uncertainty_grows_with_range_and_is_along_the_ray():
    lifter = ObjectLifter(PRIORS)
    sigmas = []
    for z in (1.0, 2.0, 4.0, 8.0):
        truth = np.array([0.3 * z, 0.0, z])
        estimate = lifter.lift(Detection('cat', 0.8, projected_box(truth, 0.30, 0.45), 'coco'), CAMERA)
        eigenvalues, vectors = np.linalg.eigh(estimate.covariance)
        sigmas.append(np.sqrt(eigenvalues[-1]))
        ray = truth / np.linalg.norm(truth)
        assert abs(vectors[:, -1] @ ray) == pytest.approx(1.0, abs=1e-9)  # largest spread along the ray
        assert sigmas[-1] >= 0.25 * z  # at least the class's size spread
    assert all(b > 1.9 * a for a, b in zip(sigmas, sigmas[1:]))


def test_box_cut_at_the_image_edge_uses_the_other_dimension():
    lifter = ObjectLifter(PRIORS)
    truth = np.array([0.0, 0.2, 1.2])   # a person this close is cut at the top and bottom
    x0, _, x1, _ = projected_box(truth, 1.70, 0.50)
    estimate = lifter.lift(Detection('person', 0.9, (x0, 0.0, x1, 479.0), 'coco'), CAMERA)
    assert estimate.position[2] == pytest.approx(1.2, rel=1e-6)


def test_unknown_label_uses_the_default_prior():
    estimate = ObjectLifter(PRIORS).lift(Detection('spaceship', 0.5, projected_box(np.array([0, 0, 2.0]), 0.5, 0.5),
                                                   'open_vocab'), CAMERA)
    assert estimate.position[2] == pytest.approx(2.0, rel=1e-6)


def test_depth_median_ignores_background_and_holes():
    lifter = ObjectLifter(PRIORS)
    depth = np.full((480, 640), 6.0, np.float32)       # wall behind
    depth[100:300, 200:400] = 2.0                      # the object
    depth[150:170, 250:350] = np.nan                   # holes
    depth[200:205, 250:350] = 0.3                      # a few outliers
    estimate = lifter.lift(Detection('chair', 0.7, (190.0, 90.0, 410.0, 310.0), 'coco'), CAMERA, depth)
    assert estimate.depth_source == DepthSource.DEPTH_IMAGE
    assert estimate.position[2] == pytest.approx(2.0)
    near = lifter.lift(Detection('chair', 0.7, (190.0, 90.0, 410.0, 310.0), 'coco'), CAMERA, depth * 0.5)
    assert np.trace(near.covariance) < np.trace(estimate.covariance)


def test_half_resolution_depth_is_scaled_to_the_image():
    depth = np.full((240, 320), 5.0, np.float32)
    depth[50:150, 100:200] = 1.5
    estimate = ObjectLifter(PRIORS).lift(Detection('tv', 0.7, (200.0, 100.0, 400.0, 300.0), 'coco'), CAMERA, depth)
    assert estimate.position[2] == pytest.approx(1.5)


def test_empty_depth_falls_back_to_the_size_prior():
    depth = np.full((480, 640), np.nan, np.float32)
    truth = np.array([0.0, 0.0, 3.0])
    estimate = ObjectLifter(PRIORS).lift(Detection('person', 0.9, projected_box(truth, 1.7, 0.5), 'coco'),
                                         CAMERA, depth)
    assert estimate.depth_source == DepthSource.SIZE_PRIOR and estimate.position[2] == pytest.approx(3.0)


def test_fiducial_pose_is_used_as_is():
    detection = Detection('door', 1.0, (0, 0, 10, 10), 'aruco', translation=np.array([0.1, 0.2, 2.0]),
                          rotation=np.array([0, 0, 0, 1.0]), position_sigma=(0.02, 0.005))
    estimate = ObjectLifter(PRIORS).lift(detection, CAMERA)
    assert estimate.depth_source == DepthSource.FIDUCIAL
    np.testing.assert_array_equal(estimate.position, [0.1, 0.2, 2.0])
    assert np.sqrt(np.linalg.eigvalsh(estimate.covariance)[-1]) == pytest.approx(0.02)


def test_bad_prior_tables(tmp_path):
    path = tmp_path / 'priors.yaml'
    path.write_text('classes: {cup: {height: 0.1, width: 0.1, rel_sigma: 0.2}}\n')
    with pytest.raises(SizePriorError, match='missing the default'):
        load_size_priors(path)
    path.write_text('default: {height: 0.5, width: 0.5, rel_sigma: 0.5}\nclasses: {cup: {height: -1, width: 0.1, '
                    'rel_sigma: 0.2}}\n')
    with pytest.raises(SizePriorError, match='cup: height, width and rel_sigma must be finite and > 0'):
        load_size_priors(path)
    with pytest.raises(FileNotFoundError, match='size prior table not found'):
        load_size_priors(tmp_path / 'none.yaml')


@settings(max_examples=60, deadline=None)
@given(label=st.sampled_from(sorted(PRIORS.classes)), z=st.floats(0.5, 12.0),
       u=st.floats(-0.6, 0.6), v=st.floats(-0.45, 0.45))
def test_size_prior_lifting_inverts_the_projection(label, z, u, v):
    prior = PRIORS.prior(label)
    truth = np.array([u * z, v * z, z])
    box = projected_box(truth, prior.height, prior.width)
    assume(box[0] > 3 and box[1] > 3 and box[2] < CAMERA.width - 3 and box[3] < CAMERA.height - 3)
    estimate = ObjectLifter(PRIORS).lift(Detection(label, 0.9, box, 'coco'), CAMERA)
    np.testing.assert_allclose(estimate.position, truth, rtol=1e-6, atol=1e-9)
    covariance = estimate.covariance
    np.testing.assert_allclose(covariance, covariance.T, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(covariance) > 0)
