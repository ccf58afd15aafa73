"""PostgreSQL + PostGIS for the tests (a real server, never mocked).

``GEOWARN_TEST_DATABASE_URL`` (default postgresql://postgres@127.0.0.1:5432/test); every store gets
a fresh schema (dropped afterwards), with the extension created in ``public``. The fixtures
``store_url`` and ``store`` of ``tests/conftest.py`` use it on their PostGIS side.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

PG_URL = os.environ.get("GEOWARN_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_admin() -> Any:
    psycopg = pytest.importorskip("psycopg")
    try:
        conn = psycopg.connect(PG_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.Error as exc:
        conn.close()
        pytest.skip(f"PostGIS not installed: {exc}")
    return conn


def pg_schema_url() -> Iterator[str]:
    """Yield a URL whose search_path is a fresh schema; drop the schema afterwards."""
    conn = _pg_admin()
    schema = f"gw_test_{uuid.uuid4().hex[:12]}"
    conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema},public"
    finally:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")
        conn.close()
