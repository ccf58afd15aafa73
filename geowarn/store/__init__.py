"""Persistence: events (with versions and history), corridors, raw inputs, alert zones per event
version, published artifacts, API tokens — on SQLite (default) or PostgreSQL + PostGIS.

>>> import tempfile
>>> store = open_store(data_dir=tempfile.mkdtemp())
>>> store.dialect, store.schema_versions()[:1]
('sqlite', [1])
>>> with store.transaction() as tx:
...     tx.scalar("SELECT COUNT(*) AS n FROM events")
0
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from geowarn.errors import InvalidParameter
from geowarn.model import AlertZone, Event, RawInput
from geowarn.store.base import COLLECTIONS, Artifact, FeaturePage, SQLStore, TokenInfo
from geowarn.store.tx import Tx

if TYPE_CHECKING:
    from geowarn.settings import Settings

__all__ = [
    "COLLECTIONS",
    "Artifact",
    "FeaturePage",
    "SQLStore",
    "Store",
    "TokenInfo",
    "Tx",
    "open_store",
]

SQLITE_FILE = "geowarn.sqlite3"


class Store(Protocol):
    """What the service, the web app and the alerts module may rely on."""

    dialect: str

    def transaction(self) -> AbstractContextManager[Tx]: ...
    def snapshot(self) -> AbstractContextManager[Tx]: ...
    def generation(self, tx: Tx | None = None) -> int: ...
    def read_one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None: ...
    def get_event(self, event_id: str, *, version: int | None = None, tx: Tx | None = None) -> Event: ...
    def event_exists(self, event_id: str, tx: Tx | None = None) -> bool: ...
    def list_events(
        self, *, status: Sequence[str] | None = None, limit: int = 100, offset: int = 0, tx: Tx | None = None
    ) -> list[Event]: ...
    def count_events(self, tx: Tx | None = None) -> int: ...
    def lock_event(self, tx: Tx, event_id: str) -> Event | None: ...
    def write_event_version(
        self,
        tx: Tx,
        event: Event,
        zones: Sequence[AlertZone],
        *,
        note: str = "",
        new_inputs: Sequence[RawInput] = (),
    ) -> None: ...
    def history(self, event_id: str, tx: Tx | None = None) -> list[dict[str, Any]]: ...
    def raw_inputs(
        self, event_id: str, *, up_to_version: int | None = None, tx: Tx | None = None
    ) -> list[RawInput]: ...
    def zones(self, event_id: str, *, version: int | None = None, tx: Tx | None = None) -> list[AlertZone]: ...
    def region_zones(self, region_id: str, *, tx: Tx | None = None) -> list[tuple[Event, AlertZone]]: ...
    def query_features(
        self,
        collection: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        interval: tuple[datetime | None, datetime | None] | None = None,
        filters: dict[str, str] | None = None,
        limit: int = 10,
        offset: int = 0,
        tx: Tx | None = None,
    ) -> FeaturePage: ...
    def get_feature(self, collection: str, fid: str, tx: Tx | None = None) -> str: ...
    def put_artifact(
        self, tx: Tx, event_id: str, version: int, kind: str, media_type: str, body: bytes
    ) -> Artifact: ...
    def get_artifact(
        self, event_id: str, kind: str, *, version: int | None = None, tx: Tx | None = None
    ) -> Artifact: ...
    def artifact_etags(self, kind: str, tx: Tx | None = None) -> list[tuple[str, int, str]]: ...
    def create_token(self, name: str) -> tuple[str, str]: ...
    def verify_token(self, token: str) -> str | None: ...
    def list_tokens(self) -> list[TokenInfo]: ...
    def revoke_token(self, token_id: str) -> None: ...
    def check(self) -> None: ...
    def close(self) -> None: ...


def open_store(
    url: str | None = None, *, data_dir: str | Path | None = None, settings: Settings | None = None
) -> Store:
    """Open (and migrate) the store.

    ``url``: ``None`` or ``sqlite:///path/to/file`` → SQLite; ``postgresql://…`` → PostGIS.
    Without a URL, SQLite in ``data_dir`` (default ``./instance``). ``settings`` (the
    entry points') supplies ``database_url`` and ``data_dir`` when they are not given.
    The environment is not read here (see :mod:`geowarn.settings`).
    """
    if settings is not None:
        url = url or settings.database_url
        data_dir = data_dir if data_dir is not None else settings.data_dir
    if not url:
        directory = Path(data_dir if data_dir is not None else "instance")
        from geowarn.store.sqlite import SQLiteStore

        return SQLiteStore(directory / SQLITE_FILE)
    if url.startswith("sqlite:///"):
        from geowarn.store.sqlite import SQLiteStore

        return SQLiteStore(url[len("sqlite:///") :])
    if url.startswith(("postgresql://", "postgres://")):
        from geowarn.store.postgis import PostGISStore

        return PostGISStore(url)
    raise InvalidParameter(f"unsupported database URL {url.split(':', 1)[0]!r}: use sqlite:/// or postgresql://")
