"""Message conversion of the vision stage (no DDS): CameraInfo, Image and ObjectObservation."""
from __future__ import annotations

import numpy as np
import pytest
from scenes import pinhole

from savvy_ros.vision.camera_model import CameraInfoError, CameraModel
from savvy_ros.vision.detection import DepthSource, Detection, ObjectEstimate
from savvy_ros.vision.lifting import ray_covariance


def test_camera_info_round_trip_and_rejections():
    from sensor_msgs.msg import CameraInfo
    from std_msgs.msg import Header

    from savvy_ros.ros.vision_messages import camera_info_msg, camera_model_from_msg

    camera = CameraModel(800, 600, np.array([[500.0, 0, 401], [0, 502, 299], [0, 0, 1]]),
                         d=np.array([-0.2, 0.05, 0.001, -0.001, 0.0]))
    msg = camera_info_msg(camera, Header(frame_id='cam_optical'))
    back = camera_model_from_msg(msg)
    np.testing.assert_array_equal(back.k, camera.k)
    np.testing.assert_array_equal(back.d, camera.d)
    assert (back.width, back.height, msg.header.frame_id) == (800, 600, 'cam_optical')
    with pytest.raises(CameraInfoError, match='focal lengths must be > 0'):
        camera_model_from_msg(CameraInfo(width=640, height=480))
    msg.binning_x = 2
    with pytest.raises(CameraInfoError, match='binned or ROI'):
        camera_model_from_msg(msg)


def test_image_round_trip_keeps_colours():
    from std_msgs.msg import Header

    from savvy_ros.ros.vision_messages import image_msg, rgb_from_msg

    rgb = np.random.default_rng(2).integers(0, 256, (6, 7, 3), dtype=np.uint8)
    for encoding in ('rgb8', 'bgr8'):
        msg = image_msg(rgb, Header(frame_id='f'), encoding)
        assert (msg.encoding, msg.step, msg.width, msg.height) == (encoding, 21, 7, 6)
        np.testing.assert_array_equal(rgb_from_msg(msg), rgb)


def test_observation_fields_units_and_orientation():
    from std_msgs.msg import Header

    from savvy_ros.msg import ObjectObservation
    from savvy_ros.ros.vision_messages import observation_array_msg

    position = np.array([0.5, -0.2, 2.5])
    tag = ObjectEstimate(Detection('door', 1.0, (10.0, 20.0, 50.0, 70.0), 'aruco'), position,
                         ray_covariance(position, 0.02, 0.005), DepthSource.FIDUCIAL,
                         orientation=np.array([1.0, 0.0, 0.0, 0.0]), track_id=7)
    cup = ObjectEstimate(Detection('cup', 0.6, (100.0, 120.0, 140.0, 160.0), 'coco'), position * 2,
                         ray_covariance(position, 0.5, 0.01), DepthSource.SIZE_PRIOR)
    msg = observation_array_msg([tag, cup], Header(frame_id='camera_optical'), *(pinhole().width, pinhole().height))
    assert (msg.header.frame_id, msg.image_width, msg.image_height) == ('camera_optical', 640, 480)
    first, second = msg.observations
    assert (first.track_id, first.label, first.detector, first.depth_source) == (7, 'door', 'aruco',
                                                                                ObjectObservation.DEPTH_FIDUCIAL)
    assert first.has_orientation and first.orientation.x == 1.0
    assert (first.position.x, first.position.y, first.position.z) == (0.5, -0.2, 2.5)
    np.testing.assert_allclose(np.reshape(first.position_covariance, (3, 3)), tag.covariance)
    assert (first.x_min, first.y_min, first.x_max, first.y_max) == (10.0, 20.0, 50.0, 70.0)
    assert not second.has_orientation and second.depth_source == ObjectObservation.DEPTH_SIZE_PRIOR
    assert second.score == pytest.approx(0.6)
