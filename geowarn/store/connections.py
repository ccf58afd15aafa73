"""One database connection per thread and process, opened lazily, all closable at once.

Both backends keep their connections here: a thread reuses its connection; a forked process
(gunicorn workers fork after the app factory) or a dead connection gets a fresh one.

>>> import sqlite3
>>> reg = ConnectionRegistry(lambda: sqlite3.connect(":memory:"))
>>> reg.get() is reg.get()
True
>>> reg.close()
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar


class _Closable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=_Closable)


class ConnectionRegistry(Generic[C]):
    """Connections made by ``connect``, one per (thread, process).

    ``usable(conn)`` says whether a thread's connection may be reused (e.g. not closed or broken).
    """

    def __init__(self, connect: Callable[[], C], usable: Callable[[C], bool] | None = None) -> None:
        self._connect = connect
        self._usable = usable
        self._local = threading.local()
        self._all: list[C] = []
        self._all_lock = threading.Lock()

    def get(self) -> C:
        """Return this thread's connection (a new one in a new thread or a forked process)."""
        conn: Any = getattr(self._local, "conn", None)
        if (
            conn is None
            or getattr(self._local, "pid", None) != os.getpid()
            or (self._usable is not None and not self._usable(conn))
        ):
            conn = self._connect()
            self._local.conn = conn
            self._local.pid = os.getpid()
            with self._all_lock:
                self._all.append(conn)
        out: C = conn
        return out

    def close(self) -> None:
        """Close every connection opened through this registry (any thread)."""
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            with contextlib.suppress(Exception):
                conn.close()
        self._local = threading.local()
