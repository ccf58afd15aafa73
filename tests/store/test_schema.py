"""Migrations: one source per change expanded per dialect, checksums of applied migrations, old ledgers."""

from __future__ import annotations

import pytest

from geowarn.errors import StoreError
from geowarn.store import open_store, schema


def _checksums(store) -> dict[int, str]:  # type: ignore[no-untyped-def]
    with store.snapshot() as tx:
        return {
            int(r["version"]): r["checksum"] for r in tx.fetchall("SELECT version, checksum FROM schema_migrations")
        }


def test_every_placeholder_and_block_expands_on_both_dialects() -> None:
    for m in schema.migrations():
        for dialect in schema.DIALECTS:
            sql = schema.expand(m.source, dialect)
            assert "{" not in "\n".join(line for line in sql.splitlines() if not line.startswith("--")), m.name
            assert "-- dialect:" not in sql
    core = next(m for m in schema.migrations() if m.name == "0001_core")
    assert any("USING GIST" in s for s in core.statements("postgis"))
    assert not any("USING GIST" in s for s in core.statements("sqlite"))
    assert any("corridors_bbox" in s for s in core.statements("sqlite"))


def test_unknown_placeholder_is_an_error() -> None:
    with pytest.raises(ValueError, match="VARCHAR"):
        schema.expand("CREATE TABLE t (a {VARCHAR});", "sqlite")
    with pytest.raises(ValueError, match="oracle"):
        schema.expand("-- dialect: oracle\nSELECT 1;", "sqlite")


def test_applied_migrations_carry_the_file_checksums(store) -> None:  # type: ignore[no-untyped-def]
    assert _checksums(store) == {m.number: m.checksum for m in schema.migrations()}


def test_large_alert_text_is_compressed_with_lz4_on_postgresql(store) -> None:  # type: ignore[no-untyped-def]
    lz4 = next(m for m in schema.migrations() if m.name == "0410_lz4_bodies")
    assert lz4.statements("sqlite") == []
    if store.dialect != "postgis":
        return
    with store.snapshot() as tx:
        rows = tx.fetchall(
            "SELECT c.relname, a.attname, a.attcompression FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relname IN ('alert_messages', 'alert_state', 'alert_texts') AND a.attname IN ('body', 'zones', "
            "'content') "
            "AND c.relnamespace = to_regnamespace(current_schema())::oid ORDER BY 1"
        )
    assert [(r["relname"], r["attname"], r["attcompression"]) for r in rows] == [
        ("alert_messages", "body", "l"),
        ("alert_state", "zones", "l"),
        ("alert_texts", "content", "l"),  # migration 0420: the texts shared by many subscribers
    ]


def test_a_changed_migration_refuses_to_open(store, store_url) -> None:  # type: ignore[no-untyped-def]
    with store.transaction() as tx:
        tx.execute("UPDATE schema_migrations SET checksum = ? WHERE version = 2", ["0" * 64])
    store.close()
    with pytest.raises(StoreError, match=r"migration 0002_order was changed .*0002_order\.sql"):
        open_store(store_url)


def test_a_ledger_of_the_old_code_gets_its_checksums(store, store_url) -> None:  # type: ignore[no-untyped-def]
    # the old code's schema_migrations had no checksum column
    with store.transaction() as tx:
        tx.execute("ALTER TABLE schema_migrations DROP COLUMN checksum")
        cols = [d[0] for d in tx.execute("SELECT * FROM schema_migrations WHERE 1 = 0").description]
    assert cols == ["version", "name", "applied"]
    store.close()
    again = open_store(store_url)
    try:
        assert again.schema_versions() == [m.number for m in schema.migrations()]
        assert _checksums(again) == {m.number: m.checksum for m in schema.migrations()}
        assert again.migrate() == []
    finally:
        again.close()
