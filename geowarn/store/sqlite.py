"""The embedded SQLite backend: WAL journal, busy timeout, one connection per thread and process.

Write transactions start with ``BEGIN IMMEDIATE`` so concurrent writers (threads
or processes) queue on the database lock instead of failing on upgrade; a
reader sees a consistent snapshot. Geometry is GeoJSON text with bbox columns;
the bbox prefilter runs in SQL and the exact test with shapely.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import shapely
import shapely.errors

from geowarn.errors import StoreError
from geowarn.store.base import SQLStore
from geowarn.store.connections import ConnectionRegistry
from geowarn.store.tx import Tx

BUSY_TIMEOUT_MS = 30_000


@functools.lru_cache(maxsize=512)
def _geometry(text: str) -> shapely.Geometry:
    return shapely.from_geojson(text)


def _intersects(geom: str | None, west: float, south: float, east: float, north: float) -> int:
    """Test exactly whether ``geom`` meets the bbox: the check behind the SQL prefilter (``geowarn_intersects``)."""
    if geom is None:
        return 0
    try:
        return int(shapely.intersects(_geometry(geom), shapely.box(west, south, east, north)))
    except shapely.errors.GEOSException:
        return 0


def _dict_row(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    return {d[0]: v for d, v in zip(cursor.description, row, strict=True)}


class SQLiteStore(SQLStore):
    """A store in one SQLite file (``geowarn.sqlite3`` in the data directory)."""

    dialect = "sqlite"
    geom_param = "?"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data directory {self.path.parent}: {exc.strerror}") from None
        self._connections = ConnectionRegistry(self._connect)
        try:
            self.migrate()
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        """Return a representation naming the database file."""
        return f"SQLiteStore({str(self.path)!r})"

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = _dict_row
            conn.create_function("geowarn_intersects", 5, _intersects, deterministic=True)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {self.path}: {exc}") from None
        return conn

    @contextlib.contextmanager
    def _open_tx(self, write: bool) -> Iterator[Tx]:
        conn = self._connections.get()
        cur = conn.cursor()
        try:
            cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot begin a transaction: {exc}") from None
        try:
            yield Tx("sqlite", cur)
        except BaseException:
            conn.rollback()
            raise
        else:
            try:
                conn.commit()
            except sqlite3.Error as exc:
                conn.rollback()
                raise StoreError(f"{self.path}: commit failed: {exc}") from None
        finally:
            cur.close()

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """One row of one autocommit statement (the hot path of published files)."""
        row: dict[str, Any] | None = self._connections.get().execute(sql, list(params)).fetchone()
        return row

    def _lock_migrations(self, tx: Tx) -> None:
        """``BEGIN IMMEDIATE`` already holds the write lock."""

    def _spatial_filter(self, bbox: tuple[float, float, float, float]) -> tuple[str, list[Any]]:
        west, south, east, north = bbox
        return (
            "(t.geom IS NOT NULL AND t.maxx >= ? AND t.minx <= ? AND t.maxy >= ? AND t.miny <= ? "
            "AND geowarn_intersects(t.geom, ?, ?, ?, ?))",
            [west, east, south, north, west, south, east, north],
        )
