"""One place that opens ONNX models for the hearing stage: CPU, a fixed thread count."""
from __future__ import annotations

from pathlib import Path

from savvy_ros.hearing.errors import ModelFileError


def open_session(path: Path, threads: int = 1):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # keep onnxruntime's optimiser chatter off the console
    try:
        return ort.InferenceSession(str(path), options, providers=['CPUExecutionProvider'])
    except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
        raise ModelFileError(path, f'onnxruntime cannot load it: {exc}') from exc
