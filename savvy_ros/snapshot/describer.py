"""Clip + question -> SnapshotDescription, around any backend: cache, retries, timeouts, concurrency.

* Cache keyed by (clip content hash, question, question id): a replay of the same data never
  re-queries. In memory (LRU, `cache_size` entries) and optionally in an SQLite file
  (`cache_path`), which keeps raw model outputs across runs; they are re-parsed on load.
* Retries with exponential backoff (deterministic: no jitter) on transient errors only.
* Each attempt gets `timeout` seconds (the backend enforces it: HTTP timeout, max_time).
* At most `max_concurrent` backend calls at once; a caller waits up to `queue_timeout` s for a
  slot, then gets BackendBusyError.
Parse failures are not cached and not retried: the same model would say the same thing.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from savvy_ros.qa.question_parser import normalise
from savvy_ros.snapshot.backends.base import (BackendError, BackendRequest, SnapshotBackend,
                                              TransientBackendError)
from savvy_ros.snapshot.clip import Clip
from savvy_ros.snapshot.descriptor import SnapshotDescription
from savvy_ros.snapshot.parsing import parse_model_output
from savvy_ros.snapshot.prompt import build_prompt


class BackendBusyError(TransientBackendError):
    """Every backend slot stayed taken for the whole queue timeout."""


@dataclass(frozen=True)
class DescriberConfig:
    timeout: float = 60.0          # [s] per attempt
    retries: int = 2               # extra attempts after a transient failure
    backoff: float = 1.0           # [s] first wait; doubles each retry
    max_backoff: float = 30.0      # [s]
    max_concurrent: int = 1        # backend calls at once
    queue_timeout: float = 120.0   # [s] wait for a free slot
    cache_size: int = 256          # in-memory entries
    cache_path: str = ''           # SQLite file of raw outputs; '' = memory only

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.retries < 0 or self.backoff < 0 or self.max_concurrent < 1:
            raise ValueError(f'bad describer settings: timeout {self.timeout} s (> 0), retries {self.retries} (>= 0), '
                             f'backoff {self.backoff} s (>= 0), max_concurrent {self.max_concurrent} (>= 1)')


@dataclass(frozen=True)
class DescribeOutcome:
    description: SnapshotDescription
    cached: bool
    attempts: int                  # backend calls made for this request (0 when cached)


def cache_key(clip: Clip | None, question: str, question_id: str) -> str:
    text = f'{clip.key if clip is not None else "-"}\n{normalise(question)}\n{question_id}'
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


class RawOutputStore:
    """Raw model outputs on disk, keyed by cache key and model (SQLite, one table)."""

    def __init__(self, path: str) -> None:
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(Path(path).expanduser()), check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.execute('CREATE TABLE IF NOT EXISTS outputs (key TEXT, model TEXT, question TEXT, raw TEXT, '
                             'PRIMARY KEY (key, model))')

    def get(self, key: str, model: str) -> str | None:
        with self._lock:
            row = self._db.execute('SELECT raw FROM outputs WHERE key = ? AND model = ?', (key, model)).fetchone()
        return row[0] if row else None

    def put(self, key: str, model: str, question: str, raw: str) -> None:
        with self._lock, self._db:
            self._db.execute('INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?)', (key, model, question, raw))

    def close(self) -> None:
        self._db.close()


class SnapshotDescriber:
    def __init__(self, backend: SnapshotBackend, config: DescriberConfig = DescriberConfig(),
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.backend, self.config, self._sleep = backend, config, sleep
        self._slots = threading.BoundedSemaphore(config.max_concurrent)
        self._memory: OrderedDict[str, SnapshotDescription] = OrderedDict()
        self._memory_lock = threading.Lock()
        self._store = RawOutputStore(config.cache_path) if config.cache_path else None
        self.backend_calls = 0

    def describe(self, question: str, clip: Clip | None, question_id: str = '') -> DescribeOutcome:
        """The descriptor for `question` over `clip`; raises BackendError or SnapshotParseError."""
        key = cache_key(clip, question, question_id)
        cached = self._cached(key, question)
        if cached is not None:
            return DescribeOutcome(cached, True, 0)
        request = BackendRequest(question, question_id, build_prompt(question, clip), clip, self.config.timeout)
        raw, attempts = self._call_with_retries(request)
        description = parse_model_output(raw, question)     # SnapshotParseError propagates, uncached
        self._remember(key, description)
        if self._store is not None:
            self._store.put(key, self.backend.model, question, raw)
        return DescribeOutcome(description, False, attempts)

    def _cached(self, key: str, question: str) -> SnapshotDescription | None:
        with self._memory_lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        raw = self._store.get(key, self.backend.model) if self._store is not None else None
        if raw is None:
            return None
        description = parse_model_output(raw, question)
        self._remember(key, description)
        return description

    def _remember(self, key: str, description: SnapshotDescription) -> None:
        with self._memory_lock:
            self._memory[key] = description
            self._memory.move_to_end(key)
            while len(self._memory) > max(0, self.config.cache_size):
                self._memory.popitem(last=False)

    def _call_with_retries(self, request: BackendRequest) -> tuple[str, int]:
        attempts = 0
        while True:
            attempts += 1
            try:
                return self._call_once(request), attempts
            except TransientBackendError as exc:
                if attempts > self.config.retries:
                    raise type(exc)(f'{exc} (gave up after {attempts} attempt(s))') from exc
                self._sleep(min(self.config.max_backoff, self.config.backoff * 2 ** (attempts - 1)))

    def _call_once(self, request: BackendRequest) -> str:
        if not self._slots.acquire(timeout=self.config.queue_timeout):
            raise BackendBusyError(f'{self.config.max_concurrent} {self.backend.name} call(s) already running; '
                                   f'no slot freed within {self.config.queue_timeout:g} s')
        try:
            self.backend_calls += 1
            text = self.backend.generate(request)
        finally:
            self._slots.release()
        if not isinstance(text, str):
            raise BackendError(f'{self.backend.name} returned {type(text).__name__}, not text')
        return text

    def close(self) -> None:
        self.backend.close()
        if self._store is not None:
            self._store.close()
