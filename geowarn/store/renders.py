"""The render status of published files, in SQL: one row per (event version, kind) (issue 14).

An event version commits with its rows ``pending``; rendering after the commit marks each
``ok`` or ``failed`` (with the error, the attempt count and when to try again). Every function
works inside the caller's :class:`~geowarn.store.tx.Tx`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from geowarn.store.tx import Tx

PENDING, OK, FAILED = "pending", "ok", "failed"


def add_pending(tx: Tx, event_id: str, version: int, kinds: Sequence[str], now: datetime) -> None:
    """Record that the files ``kinds`` of ``event_id`` v``version`` are still to be rendered."""
    for kind in kinds:
        tx.execute(
            "INSERT INTO renders (event_id, version, kind, status, attempts, next_attempt, updated) "
            "VALUES (?, ?, ?, ?, 0, ?, ?)",
            [event_id, version, kind, PENDING, now, now],
        )


def mark_ok(tx: Tx, event_id: str, version: int, kind: str, now: datetime) -> None:
    """Record a rendered file (a row missing for an event of older code is inserted)."""
    cur = tx.execute(
        "UPDATE renders SET status = ?, attempts = attempts + 1, last_error = NULL, updated = ? "
        "WHERE event_id = ? AND version = ? AND kind = ?",
        [OK, now, event_id, version, kind],
    )
    if not cur.rowcount:
        tx.execute(
            "INSERT INTO renders (event_id, version, kind, status, attempts, next_attempt, updated) "
            "VALUES (?, ?, ?, ?, 1, ?, ?)",
            [event_id, version, kind, OK, now, now],
        )


def attempts(tx: Tx, event_id: str, version: int, kind: str) -> int:
    """Count the render attempts of one file so far (0 without a row)."""
    n = tx.scalar(
        "SELECT attempts FROM renders WHERE event_id = ? AND version = ? AND kind = ?", [event_id, version, kind]
    )
    return int(n or 0)


def mark_failed(
    tx: Tx, event_id: str, version: int, kind: str, error: str, *, now: datetime, next_attempt: datetime
) -> None:
    """Record a failed render attempt (a file already rendered by another process stays ``ok``)."""
    cur = tx.execute(
        "UPDATE renders SET status = ?, attempts = attempts + 1, last_error = ?, next_attempt = ?, updated = ? "
        "WHERE event_id = ? AND version = ? AND kind = ? AND status <> ?",
        [FAILED, error[:2000], next_attempt, now, event_id, version, kind, OK],
    )
    if not cur.rowcount:
        tx.execute(
            "INSERT INTO renders (event_id, version, kind, status, attempts, last_error, next_attempt, updated) "
            "SELECT ?, ?, ?, ?, 1, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM renders WHERE event_id = ? AND version = ? AND kind = ?)",
            [event_id, version, kind, FAILED, error[:2000], next_attempt, now, event_id, version, kind],
        )


def statuses(tx: Tx, event_id: str, version: int) -> list[dict[str, Any]]:
    """Return the render rows of one event version, by kind."""
    return tx.fetchall(
        "SELECT kind, status, attempts, last_error, next_attempt, updated FROM renders "
        "WHERE event_id = ? AND version = ? ORDER BY kind",
        [event_id, version],
    )


def due(tx: Tx, now: datetime, *, stale_before: datetime, max_attempts: int, limit: int = 20) -> list[dict[str, Any]]:
    """Return the renders to (re)try.

    Failed ones whose next attempt is due, and pending ones older than ``stale_before`` (their
    process died between the commit and the render).
    """
    return tx.fetchall(
        "SELECT event_id, version, kind, attempts FROM renders WHERE "
        "((status = ? AND next_attempt <= ? AND attempts < ?) OR (status = ? AND updated <= ?)) "
        "ORDER BY next_attempt LIMIT ?",
        [FAILED, now, max_attempts, PENDING, stale_before, limit],
    )


def failures(tx: Tx, *, limit: int = 20) -> list[dict[str, Any]]:
    """Return the failed renders of the current event versions, most recent first."""
    return tx.fetchall(
        "SELECT r.event_id, r.version, r.kind, r.attempts, r.last_error, r.updated FROM renders r "
        "JOIN events e ON e.id = r.event_id AND e.version = r.version WHERE r.status = ? "
        "ORDER BY r.updated DESC LIMIT ?",
        [FAILED, limit],
    )


def counts(tx: Tx) -> dict[str, int]:
    """Count the render rows of the current event versions, by status."""
    rows = tx.fetchall(
        "SELECT r.status AS status, COUNT(*) AS n FROM renders r "
        "JOIN events e ON e.id = r.event_id AND e.version = r.version GROUP BY r.status"
    )
    return {r["status"]: int(r["n"]) for r in rows}
