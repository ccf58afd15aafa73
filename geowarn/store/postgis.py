"""The PostgreSQL + PostGIS backend (psycopg 3): geometry(Geometry, 4326) with GiST indexes.

One connection per thread and process (gunicorn workers fork after the app
factory, so connections are opened lazily). Spatial filters run in SQL with
``ST_Intersects`` against ``ST_MakeEnvelope``; an antimeridian-crossing bbox
becomes two envelopes. The connection URL may carry a schema through libpq
``options`` (``?options=-csearch_path%3Dmyschema,public``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from geowarn.errors import StoreError
from geowarn.store.base import SQLStore
from geowarn.store.connections import ConnectionRegistry
from geowarn.store.tx import Tx


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
        self._connections: ConnectionRegistry[Any] = ConnectionRegistry(
            self._connect, usable=lambda conn: not (conn.closed or conn.broken)
        )
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

    def _connect(self) -> Any:
        import psycopg
        from psycopg.rows import dict_row

        try:
            return psycopg.connect(self.url, row_factory=dict_row, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL: {exc}") from None

    @contextlib.contextmanager
    def _open_tx(self, write: bool) -> Iterator[Tx]:
        import psycopg

        conn = self._connections.get()
        try:
            with conn.transaction(), conn.cursor() as cur:
                if not write:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield Tx("postgis", cur)
        except psycopg.OperationalError as exc:
            raise StoreError(f"PostgreSQL: {exc}") from None

    def _lock_migrations(self, tx: Tx) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?)", [0x6765_6F77])

    def _spatial_filter(self, bbox: tuple[float, float, float, float]) -> tuple[str, list[Any]]:
        return ("ST_Intersects(t.geom, ST_MakeEnvelope(?, ?, ?, ?, 4326))", list(bbox))
