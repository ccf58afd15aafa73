"""A database transaction with one SQL dialect for callers: ``?`` placeholders, dict rows.

Both backends hand out :class:`Tx` objects. SQL uses ``?`` positional (or
``:name`` named) placeholders; for PostgreSQL they are translated to psycopg's
``%s`` / ``%(name)s``. Rows come back as dicts keyed by column name.

>>> translate_placeholders("SELECT * FROM t WHERE a = ? AND b LIKE 'x%'", ())
"SELECT * FROM t WHERE a = %s AND b LIKE 'x%%'"
>>> translate_placeholders("SELECT ?::text, :name", {"name": 1})
'SELECT ?::text, %(name)s'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from geowarn.model import utc

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def translate_placeholders(sql: str, params: Sequence[Any] | Mapping[str, Any]) -> str:
    """Translate ``?`` (or ``:name`` for a mapping) into psycopg placeholders.

    A literal ``%`` is doubled. Placeholders inside quoted SQL strings are not
    supported (pass values as parameters instead).
    """
    sql = sql.replace("%", "%%")
    if isinstance(params, Mapping):
        return _NAMED.sub(lambda m: f"%({m.group(1)})s", sql)
    return sql.replace("?", "%s")


def sqlite_time(value: datetime) -> str:
    """Format a time in the sortable text form of SQLite: ``YYYY-MM-DDTHH:MM:SS.ffffffZ``.

    >>> from datetime import UTC
    >>> sqlite_time(datetime(2016, 2, 6, 22, 30, tzinfo=UTC))
    '2016-02-06T22:30:00.000000Z'
    """
    return utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_no_nul(values: Iterable[Any]) -> None:
    """Raise :class:`~geowarn.errors.InvalidParameter` when a text value holds U+0000.

    >>> check_no_nul(["a", 1, None])
    >>> check_no_nul(["ev" + chr(0) + "1"])
    Traceback (most recent call last):
    ...
    geowarn.errors.InvalidParameter: a text value contains a NUL character (U+0000); it is refused
    """
    for v in values:
        if isinstance(v, str) and "\x00" in v:
            from geowarn.errors import InvalidParameter

            raise InvalidParameter("a text value contains a NUL character (U+0000); it is refused")


class Tx:
    """One open transaction (commit on leaving the ``with`` block, rollback on an exception)."""

    def __init__(self, dialect: str, cursor: Any) -> None:
        self.dialect = dialect
        self._cur = cursor
        self.store: Any = None  # the store that opened it (for its secret box)

    def secret_box(self) -> Any:
        """Return the :class:`geowarn.secretbox.SecretBox` of the store (``None`` for a bare Tx: secrets stay clear)."""
        return self.store.secrets if self.store is not None else None

    def _adapt(self, params: Sequence[Any] | Mapping[str, Any]) -> Any:
        if self.dialect != "sqlite":
            return params
        if isinstance(params, Mapping):
            return {k: sqlite_time(v) if isinstance(v, datetime) else v for k, v in params.items()}
        return [sqlite_time(v) if isinstance(v, datetime) else v for v in params]

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        """Run one statement; return the DB-API cursor (``rowcount``, ``fetchall`` → dict rows).

        A text parameter with a NUL character is refused on both backends (PostgreSQL cannot
        store it, SQLite would): :class:`~geowarn.errors.InvalidParameter`, 400 (issue 14 #8).
        """
        check_no_nul(params.values() if isinstance(params, Mapping) else params)
        if self.dialect == "postgis":
            sql = translate_placeholders(sql, params)
        self._cur.execute(sql, self._adapt(params))
        return self._cur

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement once per row of parameters (``?`` placeholders), each row checked like :meth:`execute`.

        psycopg sends the rows pipelined (no round trip per row); SQLite steps one prepared statement.
        """
        if not rows:
            return
        for r in rows:
            check_no_nul(r)
        if self.dialect == "postgis":
            sql = translate_placeholders(sql, rows[0])
        self._cur.executemany(sql, [self._adapt(r) for r in rows])

    def fetchall(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[dict[str, Any]]:
        """Run a query and return every row as a dict."""
        return [dict(r) for r in self.execute(sql, params).fetchall()]

    def fetchone(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> dict[str, Any] | None:
        """Run a query and return its first row as a dict (or ``None``)."""
        row = self.execute(sql, params).fetchone()
        return None if row is None else dict(row)

    def scalar(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        """Run a query and return the first column of its first row (or ``None``)."""
        row = self.fetchone(sql, params)
        return None if row is None else next(iter(row.values()))
