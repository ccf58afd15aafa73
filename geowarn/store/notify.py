"""PostgreSQL ``NOTIFY`` / ``LISTEN``: wake other processes when a transaction commits.

:func:`notify` queues a notification inside the writer's transaction (PostgreSQL
delivers it at commit, and not at all on rollback); a :class:`Listener` is one
autocommit connection that ``LISTEN``s on a channel and waits for the next
notification. On SQLite both are no-ops: the waiting side polls instead. The
alert worker (channel ``geowarn_outbox``) and the live page updates
(``geowarn_events``, :mod:`geowarn.live`) use them.

>>> from geowarn.store.tx import Tx
>>> notify(Tx("sqlite", None), "geowarn_events")  # nothing to do on SQLite
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from typing import Any

from geowarn.store.tx import Tx

_CHANNEL = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _check(channel: str) -> str:
    if not _CHANNEL.match(channel):
        raise ValueError(f"bad notification channel name {channel!r}")
    return channel


def notify(tx: Tx, channel: str, payload: str = "") -> None:
    """On PostgreSQL, notify the listeners of ``channel`` when ``tx`` commits (SQLite: nothing).

    Parameters
    ----------
    tx
        The writer's open transaction.
    channel
        A lower-case SQL identifier such as ``geowarn_events``.
    payload
        Optional text handed to the listeners (PostgreSQL limits it to 8000 bytes).
    """
    if tx.dialect != "postgis":
        return
    if payload:
        tx.execute("SELECT pg_notify(?, ?)", [_check(channel), payload])
    else:
        tx.execute(f"NOTIFY {_check(channel)}")


class Listener:
    """One connection ``LISTEN``-ing on a PostgreSQL channel, opened lazily and reopened after a failure.

    Parameters
    ----------
    url
        The PostgreSQL URL of the store.
    channel
        The channel to listen on.
    stop
        Optional callable; :meth:`wait` returns early once it answers true.
    """

    def __init__(self, url: str, channel: str, *, stop: Callable[[], bool] | None = None) -> None:
        self.url = url
        self.channel = _check(channel)
        self._stop = stop or (lambda: False)
        self._conn: Any = None

    def _connection(self) -> Any:
        if self._conn is None:
            import psycopg

            self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
            self._conn.execute(f"LISTEN {self.channel}")
        return self._conn

    def wait(self, seconds: float, *, slice_s: float = 0.5) -> bool:
        """Wait up to ``seconds`` for a notification; return whether one came.

        Connection errors propagate (after closing the connection, so the next call reconnects);
        the caller falls back to polling.

        Parameters
        ----------
        seconds
            The longest wait.
        slice_s
            How often the ``stop`` callable is consulted while waiting.

        Returns
        -------
        bool
            ``True`` when a notification arrived (all pending ones are consumed).
        """
        try:
            conn = self._connection()
            deadline = time.monotonic() + seconds
            while not self._stop():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                got = False
                for _ in conn.notifies(timeout=min(left, slice_s), stop_after=1):
                    got = True
                if got:
                    for _ in conn.notifies(timeout=0):  # drain what queued meanwhile
                        pass
                    return True
            return False
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        """Close the connection (the next :meth:`wait` reconnects)."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
