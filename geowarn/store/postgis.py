"""The PostgreSQL + PostGIS backend (psycopg 3): geometry(Geometry, 4326) with GiST indexes.

Connections come from a real pool (``psycopg_pool.ConnectionPool``) that checks a
connection idle for more than :data:`POOL_CHECK_IDLE_S` before handing it out, so after a
database restart the dead connections are replaced instead of failing one request per
thread (issue 14 #4); a connection handed back moments ago is not checked again (issue 16:
the check's round trip cost ~11 ms per transaction of a busy worker under load). A request that arrives
while the database is down waits up to :data:`POOL_TIMEOUT_S` for it. Each process has its
own pool (gunicorn workers fork after the app factory). Spatial filters run in SQL with
``ST_Intersects`` against ``ST_MakeEnvelope``; an antimeridian-crossing bbox
becomes two envelopes. The connection URL may carry a schema through libpq
``options`` (``?options=-csearch_path%3Dmyschema,public``).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import weakref
from collections.abc import Iterator
from typing import Any

from geowarn.errors import StoreError
from geowarn.store.base import SQLStore
from geowarn.store.tx import Tx

#: Most connections of one process (threads of ``geowarn serve`` plus the worker's deliveries).
POOL_MAX = 32
#: How long a request waits for a connection (the database restarting) before 503.
POOL_TIMEOUT_S = 15.0
#: A pooled connection idle for longer than this is checked (one round trip) before it is handed out.
POOL_CHECK_IDLE_S = 0.5

#: When each pooled connection was last handed back (``time.monotonic()``).
_RETURNED: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()


def _stamp(conn: Any) -> None:
    """``reset`` callback of the pool: note when ``conn`` came back."""
    _RETURNED[conn] = time.monotonic()


def _check_if_idle(conn: Any) -> None:
    """Check a pooled connection before it is handed out (the pool's ``check`` callback).

    A closed or broken connection fails at once; one idle for longer than :data:`POOL_CHECK_IDLE_S`
    (0: always) is checked with a round trip (:meth:`psycopg_pool.ConnectionPool.check_connection`).
    """
    from psycopg_pool import ConnectionPool

    if conn.closed or conn.broken:
        raise StoreError("pooled connection closed")
    if time.monotonic() - _RETURNED.get(conn, 0.0) > POOL_CHECK_IDLE_S:
        ConnectionPool.check_connection(conn)


class PostGISStore(SQLStore):
    """A store in a PostgreSQL database with the PostGIS extension."""

    dialect = "postgis"
    geom_param = "ST_SetSRID(ST_GeomFromGeoJSON(?), 4326)"

    def __init__(self, url: str) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError:  # pragma: no cover - the postgis extra is missing
            raise StoreError("PostgreSQL needs psycopg: pip install 'geowarn[postgis]'") from None
        self.url = url
        self._pool: Any = None
        self._pool_pid = 0
        self._pool_lock = threading.Lock()
        try:
            self._ensure_postgis()
            self.migrate()
        except BaseException:
            self.close()
            raise

    def _ensure_postgis(self) -> None:
        with self.transaction() as tx:
            if not tx.scalar("SELECT 1 AS ok FROM pg_extension WHERE extname = 'postgis'"):
                try:
                    tx.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                except Exception as exc:
                    raise StoreError(f"the database lacks PostGIS and it cannot be created: {exc}") from None

    def __repr__(self) -> str:
        """Return a representation that does not show the database URL (it may hold a password)."""
        return "PostGISStore(…)"

    def _pool_here(self) -> Any:
        """Return this process's pool (a forked child opens its own; the parent's stays the parent's)."""
        pool = self._pool
        if pool is not None and self._pool_pid == os.getpid():
            return pool
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        with self._pool_lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ConnectionPool(
                    self.url,
                    kwargs={"row_factory": dict_row, "autocommit": True, "connect_timeout": 10},
                    min_size=1,
                    max_size=POOL_MAX,
                    timeout=POOL_TIMEOUT_S,
                    check=_check_if_idle,
                    reset=_stamp,
                    name="geowarn",
                    open=True,
                )
                self._pool_pid = os.getpid()
            return self._pool

    def close(self) -> None:
        """Close this process's pool and its connections."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None and self._pool_pid == os.getpid():
            pool.close()

    @contextlib.contextmanager
    def _open_tx(self, write: bool) -> Iterator[Tx]:
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._pool_here().connection() as conn, conn.transaction(), conn.cursor() as cur:
                if not write:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield Tx("postgis", cur)
        except PoolTimeout as exc:
            raise StoreError(f"PostgreSQL unavailable: {exc}") from None
        except psycopg.OperationalError as exc:
            raise StoreError(f"PostgreSQL: {exc}") from None

    def _lock_migrations(self, tx: Tx) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?)", [0x6765_6F77])

    def _spatial_filter(self, bbox: tuple[float, float, float, float]) -> tuple[str, list[Any]]:
        return ("ST_Intersects(t.geom, ST_MakeEnvelope(?, ?, ?, ?, 4326))", list(bbox))
