"""Post-training int8 quantization of the OpenVINO SSD networks with NNCF, calibrated on photographs.

Why: on CPUs with VNNI (this project's Xeon has it) the int8 network runs a frame, its zoomed crops
included, in ~9 ms where float32 takes ~25 ms (bench/bench_vision.py), which is what lets a replay
of the whole graph run several times faster than real time on 2 cores.

Calibration: NNCF measures every layer's activation range on sample inputs and rounds the weights
per output channel. The samples are the colour photographs shipped inside the scikit-image wheel
(an astronaut, a cat, a cup of coffee, a rocket, a motorbike in a garage, a deep field, a cameraman),
each whole, mirrored and cropped: nothing the user records, nothing downloaded, the same on every
machine. MobileNet's ReLU6 bounds its activations, so a few dozen natural images set the ranges well;
the detections differ from float32 near the score thresholds (tests compare them).
Statistics on fixed inputs make the result deterministic: the same IR bytes on every run.
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import logging

import cv2
import numpy as np

from savvy_ros.vision.unasked_telemetry import decline_unasked_telemetry

decline_unasked_telemetry()   # before nncf (and openvino) are imported, lazily below: no usage events sent unasked

CALIBRATION_VERSION = 2   # bump when the images or the quantization settings change (cache key)


class QuantizationUnavailableError(RuntimeError):
    """NNCF is not installed, or the calibration photographs cannot be read."""


def nncf_available() -> bool:
    return importlib.util.find_spec('nncf') is not None


def _photographs() -> list[np.ndarray]:
    try:
        import skimage.data as data
        photos = [data.astronaut(), data.chelsea(), data.coffee(), data.rocket(), data.stereo_motorcycle()[0],
                  data.hubble_deep_field(), np.repeat(data.camera()[..., None], 3, axis=2)]
    except (ImportError, AttributeError, OSError, ValueError) as exc:
        raise QuantizationUnavailableError(f'int8 calibration needs the photographs of scikit-image: {exc}') from exc
    return [np.ascontiguousarray(photo[..., :3], dtype=np.uint8) for photo in photos]


def calibration_images(input_size: int) -> list[np.ndarray]:
    """(1, input_size, input_size, 3) uint8 RGB samples: each photograph whole, mirrored, its lower-right
    three quarters, its upper-left three quarters mirrored and its centre third, resized as frames are."""
    samples = []
    for photo in _photographs():
        h, w = photo.shape[:2]
        views = [photo, photo[:, ::-1], photo[h // 4:, w // 4:], photo[:h * 3 // 4, :w * 3 // 4][:, ::-1],
                 photo[h // 3:h * 2 // 3, w // 3:w * 2 // 3]]
        samples += [cv2.resize(np.ascontiguousarray(view), (input_size, input_size),
                               interpolation=cv2.INTER_LINEAR)[None] for view in views]
    return samples


def quantize(model, input_size: int):
    """`model` (an ov.Model with a (1, input_size, input_size, 3) u8 input) with int8 weights and activations."""
    if not nncf_available():
        raise QuantizationUnavailableError('int8 precision needs the nncf package (pip install nncf; see '
                                           'requirements.lock), or precision f32')
    import nncf

    # Its logger only: nncf.set_log_level also sets the level of every handler on that logger.
    logging.getLogger('nncf').setLevel(logging.ERROR)
    samples = calibration_images(input_size)
    try:
        with contextlib.redirect_stdout(io.StringIO()):   # NNCF's progress bars: not for a node's log
            # Full bias correction (not the fast one): on the demo's frames the int8 scores then lean 0.001
            # above float32's instead of 0.007, and boxes 0.6 % taller instead of 1 %.
            return nncf.quantize(model, nncf.Dataset(samples), subset_size=len(samples),
                                 preset=nncf.QuantizationPreset.MIXED, fast_bias_correction=False)
    except (RuntimeError, ValueError, TypeError, KeyError) as exc:   # e.g. a model NNCF does not support
        raise QuantizationUnavailableError(f'NNCF could not quantize the network: {exc!r}') from exc
