"""Replays the SAVVY release's snapshot-descriptor outputs (sd_output_v2/<model>.json).

This is how the released Gemini 2.5 Pro descriptors enter a replay: the entry for the request's
question id (else for its exact question text) is served as the model's raw text.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from savvy_ros.qa.question_parser import normalise
from savvy_ros.snapshot.backends.base import BackendError, BackendOptions, BackendRequest, BackendUnavailableError
from savvy_ros.snapshot.backends.base import SnapshotBackend


class ReplayBackend(SnapshotBackend):
    name = 'replay'

    def __init__(self, options: BackendOptions) -> None:
        path = Path(options.replay_file).expanduser() if options.replay_file else None
        if path is None or not path.is_file():
            raise BackendUnavailableError(f'the replay backend needs replay_file, a release sd_output JSON file '
                                          f'(got {options.replay_file!r}, which is not a file)')
        try:
            data = json.loads(path.read_text(encoding='utf-8'))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BackendUnavailableError(f'{path}: not a readable JSON file: {exc}') from None
        if not isinstance(data, dict):
            raise BackendUnavailableError(f'{path}: expected {{"<question id>": {{descriptor}}, ...}}')
        self.path = path
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_question: dict[str, dict[str, Any]] = {}
        for key, entry in data.items():
            if isinstance(entry, dict):
                self.by_id[str(key)] = entry
                self.by_id.setdefault(str(entry.get('qid') or key), entry)
                if entry.get('question'):
                    self.by_question.setdefault(normalise(str(entry['question'])), entry)
        self.label = options.model or path.stem.removeprefix('sd_')

    @property
    def model(self) -> str:
        return f'replay:{self.label}'

    def generate(self, request: BackendRequest) -> str:
        entry = self.by_id.get(request.question_id) if request.question_id else None
        if entry is None:
            entry = self.by_question.get(normalise(request.question))
        if entry is None:
            raise BackendError(f'{self.path.name} has no output for question id {request.question_id!r} nor for the '
                               f'question text ({len(self.by_id)} entries)')
        return json.dumps(entry, ensure_ascii=False)
