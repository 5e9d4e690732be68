"""Read rosbag2 bags (MCAP or sqlite3 directories, or a bare .mcap file) in time order."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from rosbags.interfaces import Connection, MessageDefinitionFormat
from rosbags.rosbag2 import Reader
from rosbags.typesys import get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore

from savvy_ros.bags.typestore import base_store, savvy_type_definitions, savvy_typestore


class BagReadError(RuntimeError):
    """A bag is missing, corrupt, or holds something that cannot be decoded."""


@dataclass(frozen=True)
class BagMessage:
    topic: str
    msgtype: str            # "pkg/msg/Type"
    stamp_ns: int           # the bag's log time [ns]
    message: Any            # rosbags dataclass, or the CDR bytes when read raw


@dataclass(frozen=True)
class TopicSummary:
    topic: str
    msgtype: str
    count: int
    latched: bool           # offered transient-local (e.g. /tf_static)


class BagReader:
    """An open bag; iterate its messages with `messages()`. Use as a context manager."""

    def __init__(self, path: str | Path, typestore: Typestore | None = None) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise BagReadError(f'bag not found: {self.path}')
        self._reader: Reader | None = None
        self._given_store = typestore
        self.typestore = typestore or savvy_typestore()

    def __enter__(self) -> BagReader:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def open(self) -> None:
        try:
            reader = Reader(self.path)
            reader.open()
        except Exception as exc:  # rosbags raises several kinds (ReaderError, YAML, struct, OSError)
            raise BagReadError(f'cannot open bag {self.path}: {exc}') from exc
        self._reader = reader
        self.typestore = self._store_for(reader.connections)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @property
    def reader(self) -> Reader:
        if self._reader is None:
            raise BagReadError(f'bag {self.path} is not open')
        return self._reader

    @property
    def start_ns(self) -> int:
        return int(self.reader.start_time)

    @property
    def end_ns(self) -> int:
        """Log time of the last message [ns] (rosbags reports one past it)."""
        return int(self.reader.end_time) - 1 if self.reader.message_count else 0

    @property
    def custom_data(self) -> dict[str, str]:
        """metadata.yaml's custom_data (empty for bags without it, e.g. a bare .mcap file)."""
        return dict(self.reader.storage.metadata.custom or {})

    @property
    def message_count(self) -> int:
        return int(self.reader.message_count)

    def topics(self) -> dict[str, TopicSummary]:
        summaries: dict[str, TopicSummary] = {}
        for conn in self.reader.connections:
            qos = getattr(conn.ext, 'offered_qos_profiles', [])
            latched = any(q.durability.name == 'TRANSIENT_LOCAL' for q in qos)
            previous = summaries.get(conn.topic)
            count = conn.msgcount + (previous.count if previous else 0)
            summaries[conn.topic] = TopicSummary(conn.topic, conn.msgtype, count,
                                                 latched or bool(previous and previous.latched))
        return summaries

    def messages(self, topics: Iterable[str] | None = None, start_ns: int | None = None,
                 stop_ns: int | None = None, raw: bool = False) -> Iterator[BagMessage]:
        """Messages in log-time order; only `topics` when given; start <= t < stop."""
        connections = self.reader.connections
        if topics is not None:
            wanted = set(topics)
            unknown = wanted - {c.topic for c in connections}
            if unknown:
                raise BagReadError(f'bag {self.path} has no topic(s) {sorted(unknown)}')
            connections = [c for c in connections if c.topic in wanted]
        iterator = self.reader.messages(connections=connections, start=start_ns, stop=stop_ns)
        while True:
            try:
                conn, stamp, data = next(iterator)
            except StopIteration:
                return
            except Exception as exc:  # a truncated or corrupt chunk surfaces only while reading
                raise BagReadError(f'corrupt data in bag {self.path}: {exc}') from exc
            yield BagMessage(conn.topic, conn.msgtype, int(stamp), data if raw else self.decode(data, conn.msgtype))

    def decode(self, data: bytes | memoryview, msgtype: str) -> Any:
        try:
            return self.typestore.deserialize_cdr(data, msgtype)
        except Exception as exc:
            raise BagReadError(f'cannot decode a {msgtype} message of bag {self.path}: {exc}') from exc

    def _store_for(self, connections: list[Connection]) -> Typestore:
        """Our store, or, when the bag brings types it lacks, a private one with the bag's definitions."""
        if self._given_store is not None:
            return self._given_store
        store = savvy_typestore()
        missing = [c for c in connections if c.msgtype not in store.types]
        if not missing:
            return store
        private = get_typestore(base_store())
        private.register(savvy_type_definitions())
        for conn in missing:
            if conn.msgdef.format != MessageDefinitionFormat.MSG:
                raise BagReadError(f'bag {self.path}: topic {conn.topic} has unknown type {conn.msgtype} '
                                   'without a .msg definition')
            try:
                private.register(get_types_from_msg(conn.msgdef.data, conn.msgtype))
            except Exception as exc:
                raise BagReadError(f'bag {self.path}: cannot parse the definition of {conn.msgtype}: {exc}') from exc
        return private


def read_messages(path: str | Path, topics: Iterable[str] | None = None) -> Iterator[BagMessage]:
    """Every message of the bag at `path` in time order (a convenience over BagReader)."""
    with BagReader(path) as reader:
        yield from reader.messages(topics)
