r"""Migrations: one SQL source per schema change, expanded per dialect, applied once and checksummed.

A migration ``geowarn/store/migrations/NNNN_name.sql`` is written once for both backends. Column
types that differ are placeholders, expanded by :data:`DIALECT_TYPES`; statements only one backend
has (GiST or bbox indexes) sit in a ``-- dialect: sqlite`` / ``-- dialect: postgis`` block that
ends at ``-- dialect: all``.

>>> expand("CREATE TABLE t (at {TIME}, g {GEOM});", "postgis")
'CREATE TABLE t (at TIMESTAMPTZ, g geometry(Geometry, 4326));'
>>> expand("-- dialect: postgis\nCREATE INDEX i ON t USING GIST (g);\n-- dialect: all\nSELECT 1;", "sqlite")
'SELECT 1;'

``schema_migrations`` records each applied migration with the sha256 of its source: a store whose
applied migration no longer matches its file refuses to open (:func:`check_ledger`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from geowarn.errors import StoreError
from geowarn.model import format_time
from geowarn.store.tx import Tx

DIALECTS = ("sqlite", "postgis")

#: What each type placeholder of a migration becomes, per dialect.
DIALECT_TYPES: dict[str, dict[str, str]] = {
    "TIME": {"sqlite": "TEXT", "postgis": "TIMESTAMPTZ"},  # SQLite: sortable ISO 8601 UTC text
    "GEOM": {"sqlite": "TEXT", "postgis": "geometry(Geometry, 4326)"},  # SQLite: GeoJSON text
    "REAL": {"sqlite": "REAL", "postgis": "DOUBLE PRECISION"},
    "BIGINT": {"sqlite": "INTEGER", "postgis": "BIGINT"},
    "BLOB": {"sqlite": "BLOB", "postgis": "BYTEA"},
    "SERIAL": {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgis": "BIGSERIAL PRIMARY KEY"},
}

_PLACEHOLDER = re.compile(r"\{([A-Z_]+)\}")
_DIALECT_MARK = re.compile(r"^--\s*dialect:\s*(\w+)\s*$")

LEDGER_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_migrations "
    "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL, checksum TEXT)"
)


def expand(source: str, dialect: str) -> str:
    """Return the SQL of ``source`` for ``dialect``: other dialects' blocks dropped, type placeholders expanded.

    Raises :class:`ValueError` on an unknown dialect or placeholder (a bug in a migration file).
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}")
    keep: list[str] = []
    block = "all"
    for line in source.splitlines():
        mark = _DIALECT_MARK.match(line.strip())
        if mark:
            block = mark.group(1)
            if block != "all" and block not in DIALECTS:
                raise ValueError(f"unknown dialect block {block!r}")
            continue
        if block in ("all", dialect):
            keep.append(line)

    def _type(m: re.Match[str]) -> str:
        types = DIALECT_TYPES.get(m.group(1))
        if types is None:
            raise ValueError(f"unknown type placeholder {m.group(0)}")
        return types[dialect]

    return "\n".join(_PLACEHOLDER.sub(_type, line) if not line.lstrip().startswith("--") else line for line in keep)


def split_statements(sql: str) -> list[str]:
    r"""Split a migration into statements: each ends with ``;`` at the end of a line.

    >>> split_statements("-- c\nCREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);\n")
    ['CREATE TABLE a (x INT)', 'INSERT INTO a VALUES (1)']
    """
    stmts: list[str] = []
    buf: list[str] = []
    for line in sql.splitlines():
        if line.strip().startswith("--") and not buf:
            continue
        buf.append(line)
        if line.rstrip().endswith(";"):
            text = "\n".join(buf).strip().rstrip(";").strip()
            if text:
                stmts.append(text)
            buf = []
    tail = "\n".join(buf).strip()
    if tail:
        stmts.append(tail)
    return stmts


@dataclass(frozen=True)
class Migration:
    """One schema change: ``number``, ``name`` (the file stem), its ``source`` and the source's sha256."""

    number: int
    name: str
    source: str
    checksum: str

    def statements(self, dialect: str) -> list[str]:
        """Return the statements to run on ``dialect``, in order."""
        return split_statements(expand(self.source, dialect))


def migrations() -> list[Migration]:
    """Return the migrations shipped in ``geowarn.store.migrations``, in order.

    >>> [(m.number, m.name) for m in migrations()][:1]
    [(1, '0001_core')]
    """
    out = []
    for entry in resources.files("geowarn.store.migrations").iterdir():
        if entry.name.endswith(".sql"):
            stem = entry.name[: -len(".sql")]
            raw = entry.read_bytes()
            number = int(stem.split("_", 1)[0])
            out.append(Migration(number, stem, raw.decode("utf-8"), hashlib.sha256(raw).hexdigest()))
    return sorted(out, key=lambda m: m.number)


def prepare_ledger(tx: Tx, known: list[Migration]) -> None:
    """Create ``schema_migrations`` if needed and give it a ``checksum`` column.

    A ledger of the old code (no ``checksum`` column) gets the column, filled from the current
    files. Run under the migration lock.
    """
    tx.execute(LEDGER_DDL)
    columns = [d[0] for d in tx.execute("SELECT * FROM schema_migrations WHERE 1 = 0").description]
    if "checksum" not in columns:
        tx.execute("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT")
    for m in known:
        tx.execute(
            "UPDATE schema_migrations SET checksum = ? WHERE version = ? AND checksum IS NULL", [m.checksum, m.number]
        )


def check_ledger(tx: Tx, known: list[Migration]) -> None:
    """Raise :class:`StoreError` naming the first applied migration whose file has changed since."""
    stored = {int(r["version"]): r["checksum"] for r in tx.fetchall("SELECT version, checksum FROM schema_migrations")}
    for m in known:
        have = stored.get(m.number)
        if have is not None and have != m.checksum:
            raise StoreError(
                f"migration {m.name} was changed after it was applied to this database "
                f"(sha256 {have[:12]}… recorded, {m.checksum[:12]}… in {m.name}.sql): "
                "restore the file and put the change in a new migration"
            )


def is_applied(tx: Tx, migration: Migration) -> bool:
    """Whether ``migration`` is recorded in ``schema_migrations``."""
    return tx.fetchone("SELECT version FROM schema_migrations WHERE version = ?", [migration.number]) is not None


def record(tx: Tx, migration: Migration) -> None:
    """Record ``migration`` as applied now, with its checksum."""
    tx.execute(
        "INSERT INTO schema_migrations (version, name, applied, checksum) VALUES (?, ?, ?, ?)",
        [migration.number, migration.name, format_time(datetime.now(UTC)), migration.checksum],
    )
