"""Read ahead of the player on a thread, so that bag I/O overlaps the wait for the graph."""
from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar('T')
_END = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetched(items: Iterable[T], depth: int = 64) -> Iterator[T]:
    """Yield `items` in order while a thread reads up to `depth` of them ahead; errors re-raise here."""
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def fill() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_END)
        except BaseException as exc:  # handed to the consumer's thread, where it is raised
            buffer.put(_Failure(exc))

    reader = threading.Thread(target=fill, name='bag_prefetch', daemon=True)
    reader.start()
    try:
        while True:
            item = buffer.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()  # the consumer stopped early (Ctrl-C, end of the graph): let the reader go
        reader.join(timeout=1.0)
