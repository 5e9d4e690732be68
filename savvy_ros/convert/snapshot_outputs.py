"""Read the release's snapshot-descriptor outputs (sd_output_v2/<model>.json) into records.

Each entry goes through the snapshot stage's own parser (savvy_ros.snapshot.parsing: loose numbers,
"m:ss" times, empty or "N/A" objects, SAVVY degrees -> REP 103), so a released descriptor and a
live model's answer are read by the same code; this module only adds the release's bookkeeping
(question id, sequence, model name).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from savvy_ros.convert.release_files import ReleaseFormatError, load_json, sequence_of
from savvy_ros.snapshot.descriptor import DescribedObject
from savvy_ros.snapshot.parsing import parse_descriptor_dict


@dataclass(frozen=True)
class SnapshotRecord:
    question_id: str
    sequence: str
    question: str
    event: str
    start_s: float              # clip time; NaN when unreadable
    end_s: float
    mode: int                   # 0 unknown, 1 egocentric, 2 allocentric (SnapshotDescriptor.MODE_*)
    objects: tuple[DescribedObject, ...]
    prediction: str
    model: str
    raw_output: str             # the entry as JSON, keys sorted (for audit and re-parsing)
    warnings: tuple[str, ...] = ()


def parse_snapshot(question_id: str, entry: dict[str, Any], model: str) -> SnapshotRecord:
    raw = json.dumps(entry, sort_keys=True, ensure_ascii=False)
    description = parse_descriptor_dict(entry, raw_output=raw)
    return SnapshotRecord(
        question_id=str(entry.get('qid') or question_id), sequence=sequence_of(str(entry.get('video_id', ''))),
        question=description.question, event=description.event, start_s=description.start_s,
        end_s=description.end_s, mode=int(description.mode), objects=description.objects,
        prediction=description.prediction, model=model, raw_output=raw, warnings=description.warnings)


def read_snapshot_outputs(path: Path, model: str | None = None) -> list[SnapshotRecord]:
    """Every descriptor in one model's output file; the model name defaults to the file name."""
    data = load_json(path)
    if not isinstance(data, dict):
        raise ReleaseFormatError(f'{path}: expected {{"<question id>": {{descriptor}}, ..}}')
    name = model or Path(path).stem.removeprefix('sd_')
    return [parse_snapshot(qid, entry, name) for qid, entry in data.items() if isinstance(entry, dict)]
