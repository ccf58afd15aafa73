"""The connection registry both backends share: one connection per thread, all closed at once."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from geowarn.store.connections import ConnectionRegistry


def test_one_connection_per_thread_and_close_closes_all() -> None:
    reg = ConnectionRegistry(lambda: sqlite3.connect(":memory:", check_same_thread=False))
    mine = reg.get()
    other: list[sqlite3.Connection] = []
    t = threading.Thread(target=lambda: other.append(reg.get()))
    t.start()
    t.join()
    assert reg.get() is mine and other[0] is not mine
    reg.close()
    for conn in (mine, other[0]):
        with pytest.raises(sqlite3.ProgrammingError):
            conn.execute("SELECT 1")
    assert reg.get() is not mine  # a fresh connection after close
    reg.close()


def test_an_unusable_connection_is_replaced() -> None:
    dead: set[int] = set()
    reg = ConnectionRegistry(lambda: sqlite3.connect(":memory:"), usable=lambda c: id(c) not in dead)
    first = reg.get()
    dead.add(id(first))
    assert reg.get() is not first
    reg.close()


def test_every_store_closes_its_connections(store) -> None:  # type: ignore[no-untyped-def]
    store.generation()
    store.close()
    if store.dialect == "sqlite":
        assert store._connections._all == []
    else:  # a psycopg_pool pool per process (issue 14 #4)
        assert store._pool is None
    assert store.generation() == 0  # reopens lazily
