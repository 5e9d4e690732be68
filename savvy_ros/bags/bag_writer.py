"""Write rosbag2 bags (MCAP by default, sqlite3 accepted) from rosbags message dataclasses."""
from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from rosbags.interfaces import Connection, Qos, QosDurability, QosHistory, QosLiveliness, QosReliability, QosTime
from rosbags.rosbag2 import StoragePlugin, Writer, WriterError
from rosbags.typesys.store import Typestore

from savvy_ros.bags.typestore import savvy_typestore

Storage = Literal['mcap', 'sqlite3']
_PLUGINS = {'mcap': StoragePlugin.MCAP, 'sqlite3': StoragePlugin.SQLITE3}
BAG_VERSION = 9  # rosbag2 metadata version written by Jazzy and later
_INFINITE = QosTime(sec=0, nsec=0)  # rosbag2's encoding of "no deadline / lifespan / lease"


class BagWriteError(RuntimeError):
    """A bag cannot be created or a message cannot be written to it."""


def offered_qos(latched: bool) -> Qos:
    """What a recorder saw offered: reliable, and transient-local for latched topics (/tf_static)."""
    return Qos(history=QosHistory.KEEP_LAST, depth=1 if latched else 10,
               reliability=QosReliability.RELIABLE,
               durability=QosDurability.TRANSIENT_LOCAL if latched else QosDurability.VOLATILE,
               deadline=_INFINITE, lifespan=_INFINITE, liveliness=QosLiveliness.AUTOMATIC,
               liveliness_lease_duration=_INFINITE, avoid_ros_namespace_conventions=False)


class BagWriter:
    """A rosbag2 bag being written; use as a context manager.

    The output is a directory (metadata.yaml + one storage file). The same topics and messages
    in the same order give the same bytes: rosbags writes no wall-clock time, and its version
    string in the MCAP header is pinned by requirements.lock.
    """

    def __init__(self, path: str | Path, storage: Storage = 'mcap', typestore: Typestore | None = None) -> None:
        if storage not in _PLUGINS:
            raise BagWriteError(f'unknown bag storage {storage!r} for {path}: use one of {sorted(_PLUGINS)}')
        self.path = Path(path)
        self.storage = storage
        self.typestore = typestore or savvy_typestore()
        try:
            self._writer = Writer(self.path, version=BAG_VERSION, storage_plugin=_PLUGINS[storage])
        except WriterError as exc:  # e.g. the path exists: rosbag2 never overwrites a bag
            raise BagWriteError(f'cannot create bag {self.path}: {exc}') from exc
        self._connections: dict[str, Connection] = {}
        self._open = False

    def __enter__(self) -> BagWriter:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        # Close even after an error so that everything written so far stays readable.
        self.close()

    def open(self) -> None:
        try:
            self._writer.open()
        except WriterError as exc:
            raise BagWriteError(f'cannot create bag {self.path}: {exc}') from exc
        self._open = True

    def close(self) -> None:
        if self._open:
            self._open = False
            self._writer.close()

    def set_custom_data(self, key: str, value: str) -> None:
        """A key/value pair for metadata.yaml's custom_data (e.g. the time origin of a converted clip)."""
        self._writer.set_custom_data(key, value)

    @property
    def topics(self) -> dict[str, str]:
        """topic -> message type of the topics added so far."""
        return {topic: conn.msgtype for topic, conn in self._connections.items()}

    def add_topic(self, topic: str, msgtype: str, latched: bool = False) -> None:
        """Declare a topic; `latched` offers transient-local durability (for /tf_static)."""
        if not self._open:
            raise BagWriteError(f'bag {self.path} is not open')
        if topic in self._connections:
            raise BagWriteError(f'topic {topic} is already in bag {self.path} '
                                f'(as {self._connections[topic].msgtype})')
        if msgtype not in self.typestore.types:
            raise BagWriteError(f'message type {msgtype!r} of topic {topic} is not in the type store')
        self._connections[topic] = self._writer.add_connection(
            topic, msgtype, typestore=self.typestore, offered_qos_profiles=[offered_qos(latched)])

    def write(self, topic: str, stamp_ns: int, message: Any) -> None:
        """Serialise `message` (a rosbags dataclass of the topic's type) at `stamp_ns` (log time)."""
        connection = self._connection(topic)
        msgtype = getattr(message, '__msgtype__', None)
        if msgtype != connection.msgtype:
            raise BagWriteError(f'topic {topic} of bag {self.path} carries {connection.msgtype}, '
                                f'got a message of type {msgtype!r}')
        self.write_raw(topic, stamp_ns, self.typestore.serialize_cdr(message, msgtype))

    def write_raw(self, topic: str, stamp_ns: int, data: bytes | memoryview) -> None:
        """Write an already CDR-serialised message."""
        connection = self._connection(topic)
        if stamp_ns < 0:
            raise BagWriteError(f'negative time stamp {stamp_ns} ns for topic {topic} of bag {self.path}')
        self._writer.write(connection, int(stamp_ns), data)

    def _connection(self, topic: str) -> Connection:
        if not self._open:
            raise BagWriteError(f'bag {self.path} is not open')
        try:
            return self._connections[topic]
        except KeyError:
            raise BagWriteError(f'topic {topic} was not added to bag {self.path} (call add_topic first)') from None
