"""Persistence on SQLite (default) or PostgreSQL + PostGIS.

The store keeps events (with versions and history), corridors, raw inputs, alert zones per event
version, published artifacts and API tokens.

>>> import tempfile
>>> store = open_store(data_dir=tempfile.mkdtemp())
>>> store.dialect, store.schema_versions()[:1]
('sqlite', [1])
>>> with store.transaction() as tx:
...     tx.scalar("SELECT COUNT(*) AS n FROM events")
0
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from geowarn.errors import InvalidParameter
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


#: The store contract: what the service, the web app and the alerts module may rely on. It is
#: declared once, by :class:`SQLStore` (the SQLite and PostGIS backends implement its hooks).
Store = SQLStore


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
