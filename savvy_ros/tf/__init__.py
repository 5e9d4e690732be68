"""Pure-Python TF: transform value type, time-stamped buffer and its errors.

No rclpy here; ROS adapters (e.g. a listener feeding the buffer from /tf and /tf_static)
live in separate modules of this package so this core stays importable anywhere.
"""

from .buffer import TransformBuffer
from .errors import (
    ConnectivityError,
    ExtrapolationError,
    InvalidTransformError,
    TransformError,
    UnknownFrameError,
)
from .transform import Transform

__all__ = [
    'Transform',
    'TransformBuffer',
    'TransformError',
    'UnknownFrameError',
    'ConnectivityError',
    'ExtrapolationError',
    'InvalidTransformError',
]
