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

import os
from pathlib import Path

from geowarn.errors import InvalidParameter
from geowarn.store.base import COLLECTIONS, Artifact, FeaturePage, SQLStore, TokenInfo
from geowarn.store.tx import Tx

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


def open_store(url: str | None = None, *, data_dir: str | Path | None = None) -> Store:
    """Open (and migrate) the store.

    ``url``: ``None`` or ``sqlite:///path/to/file`` → SQLite; ``postgresql://…`` → PostGIS.
    Without a URL, ``GEOWARN_DATABASE_URL`` is used, else SQLite in ``data_dir`` (default
    ``GEOWARN_DATA`` or ``./instance``).
    """
    url = url or os.environ.get("GEOWARN_DATABASE_URL") or None
    if url is None:
        directory = Path(data_dir or os.environ.get("GEOWARN_DATA") or "instance")
        from geowarn.store.sqlite import SQLiteStore

        return SQLiteStore(directory / SQLITE_FILE)
    if url.startswith("sqlite:///"):
        from geowarn.store.sqlite import SQLiteStore

        return SQLiteStore(url[len("sqlite:///") :])
    if url.startswith(("postgresql://", "postgres://")):
        from geowarn.store.postgis import PostGISStore

        return PostGISStore(url)
    raise InvalidParameter(f"unsupported database URL {url.split(':', 1)[0]!r}: use sqlite:/// or postgresql://")
