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


@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
def test_the_pool_checks_only_connections_idle_for_a_while(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: a check round trip per borrowed connection cost ~11 ms per transaction of a busy worker
    under load; a connection handed back moments ago is lent again unchecked, one idle longer is checked,
    and one that is gone is replaced (the restart resilience of issue 14)."""
    import time

    from psycopg_pool import ConnectionPool

    from geowarn.store import open_store, postgis

    checks: list[object] = []
    real = ConnectionPool.check_connection

    def counting(conn: object) -> None:
        checks.append(conn)
        real(conn)  # type: ignore[arg-type]

    monkeypatch.setattr(ConnectionPool, "check_connection", staticmethod(counting))
    store = open_store(store_url)
    try:

        def pid() -> int:
            with store.transaction() as tx:
                return int(tx.scalar("SELECT pg_backend_pid() AS p"))

        seen = {pid() for _ in range(5)}  # the pool's connections, each used once (a fresh one is checked)
        n = len(checks)
        seen |= {pid() for _ in range(5)}
        assert len(checks) == n  # busy: no check
        time.sleep(postgis.POOL_CHECK_IDLE_S + 0.2)
        seen.add(pid())
        assert len(checks) == n + 1  # idle a while: checked once
        with open_store(store_url).snapshot() as tx:  # the connections are cut while idle
            for p in seen:
                tx.execute("SELECT pg_terminate_backend(?)", [p])
        time.sleep(postgis.POOL_CHECK_IDLE_S + 0.2)
        assert pid() not in seen  # checked, found dead, replaced: no failed transaction
    finally:
        store.close()
