"""sensor_msgs Image / CameraInfo and ObjectObservationArray <-> the vision stage's numpy types."""
from __future__ import annotations

import numpy as np
from geometry_msgs.msg import Point, Quaternion
from sensor_msgs.msg import CameraInfo, Image
from std_msgs.msg import Header

from savvy_ros.msg import ObjectObservation, ObjectObservationArray
from savvy_ros.vision.camera_model import CameraInfoError, CameraModel
from savvy_ros.vision.detection import ObjectEstimate
from savvy_ros.vision.image_encoding import rgb8_payload, to_depth_meters, to_rgb8


def camera_model_from_msg(msg: CameraInfo) -> CameraModel:
    """Raises CameraInfoError for an uncalibrated or malformed CameraInfo."""
    if msg.binning_x > 1 or msg.binning_y > 1 or msg.roi.width or msg.roi.height:
        raise CameraInfoError('binned or ROI CameraInfo is not supported (publish the full-resolution calibration)')
    return CameraModel(width=int(msg.width), height=int(msg.height), k=np.array(msg.k, dtype=float).reshape(3, 3),
                       d=np.array(msg.d, dtype=float) if len(msg.d) else np.zeros(5),
                       distortion_model=msg.distortion_model or 'plumb_bob',
                       r=np.array(msg.r, dtype=float).reshape(3, 3), p=np.array(msg.p, dtype=float).reshape(3, 4))


def camera_info_msg(camera: CameraModel, header: Header) -> CameraInfo:
    return CameraInfo(header=header, width=camera.width, height=camera.height,
                      distortion_model=camera.distortion_model, d=[float(v) for v in camera.d],
                      k=[float(v) for v in camera.k.ravel()], r=[float(v) for v in camera.r.ravel()],
                      p=[float(v) for v in camera.p.ravel()])


def image_msg(rgb: np.ndarray, header: Header, encoding: str = 'rgb8') -> Image:
    height, width, step, data = rgb8_payload(rgb, encoding)
    return Image(header=header, height=height, width=width, encoding=encoding, is_bigendian=0, step=step, data=data)


def rgb_from_msg(msg: Image) -> np.ndarray:
    """RGB uint8 (H, W, 3); raises UnsupportedEncodingError / ImageDataError."""
    return to_rgb8(msg.encoding, msg.height, msg.width, msg.step, msg.data, bool(msg.is_bigendian))


def depth_from_msg(msg: Image) -> np.ndarray:
    """float32 metres, NaN = no measurement; raises UnsupportedEncodingError / ImageDataError."""
    return to_depth_meters(msg.encoding, msg.height, msg.width, msg.step, msg.data, bool(msg.is_bigendian))


def observation_msg(estimate: ObjectEstimate) -> ObjectObservation:
    detection = estimate.detection
    msg = ObjectObservation(track_id=int(estimate.track_id), label=detection.label, score=float(detection.score),
                            detector=detection.detector, depth_source=int(estimate.depth_source),
                            position=Point(x=float(estimate.position[0]), y=float(estimate.position[1]),
                                           z=float(estimate.position[2])),
                            position_covariance=[float(v) for v in estimate.covariance.ravel()],
                            x_min=float(detection.box[0]), y_min=float(detection.box[1]),
                            x_max=float(detection.box[2]), y_max=float(detection.box[3]))
    if estimate.orientation is not None:
        x, y, z, w = (float(v) for v in estimate.orientation)
        msg.has_orientation, msg.orientation = True, Quaternion(x=x, y=y, z=z, w=w)
    return msg


def observation_array_msg(estimates: list[ObjectEstimate], header: Header, width: int,
                          height: int) -> ObjectObservationArray:
    return ObjectObservationArray(header=header, image_width=width, image_height=height,
                                  observations=[observation_msg(e) for e in estimates])
