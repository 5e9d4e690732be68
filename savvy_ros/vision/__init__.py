"""Stage 1 vision without rclpy: detectors -> 2D boxes -> 3D positions in the camera optical frame
-> short-term tracks.

`VisionPipeline` (pipeline.py) chains the parts; detector backends are chosen by name from the
registry in detector.py ('coco', 'aruco', 'open_vocab').
"""
from savvy_ros.vision.camera_model import CameraInfoError, CameraModel, load_camera_info_yaml
from savvy_ros.vision.detection import Detection, ObjectEstimate
from savvy_ros.vision.detector import (Detector, DetectorConfig, DetectorUnavailableError, available_detectors,
                                       create_detector, register_detector)

__all__ = ['CameraInfoError', 'CameraModel', 'Detection', 'Detector', 'DetectorConfig', 'DetectorUnavailableError',
           'ObjectEstimate', 'available_detectors', 'create_detector', 'load_camera_info_yaml',
           'register_detector']
