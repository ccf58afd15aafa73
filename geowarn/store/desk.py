"""The operator desk's SQL: token names, published notice texts, two-person approvals (issues 12/13).

Every function works inside the caller's :class:`~geowarn.store.tx.Tx` and speaks in rows
(dicts) and plain values; :mod:`geowarn.desk` gives them their meaning.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geowarn.store.tx import Tx

#: How many of the most recent raw inputs the duplicate check reads.
RECENT_INPUTS = 2000


def token_name(tx: Tx, token_id: str) -> str | None:
    """Look up the name of the API token ``token_id`` (``None`` when unknown)."""
    row = tx.fetchone("SELECT name FROM api_tokens WHERE id = ?", [token_id])
    return None if row is None else str(row["name"])


def recent_notices(tx: Tx, limit: int = RECENT_INPUTS) -> list[dict[str, Any]]:
    """List ``event_id``, ``version``, ``format``, ``text`` of the most recent raw inputs (drawings left out)."""
    return tx.fetchall(
        "SELECT r.event_id AS event_id, r.version AS version, r.format AS format, r.text AS text, e.name AS name, "
        "e.status AS status FROM raw_inputs r JOIN events e ON e.id = r.event_id "
        "WHERE r.format <> 'drawn' ORDER BY r.id DESC LIMIT ?",
        [limit],
    )


def insert_approval(
    tx: Tx,
    *,
    id: str,
    event_id: str,
    action: str,
    summary: str,
    payload: str,
    requested_by: str,
    requested_name: str,
    requested: datetime,
) -> None:
    """Insert a pending approval request."""
    tx.execute(
        "INSERT INTO approvals (id, event_id, action, summary, payload, status, requested_by, requested_name, "
        "requested) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
        [id, event_id, action, summary, payload, requested_by, requested_name, requested],
    )


def approval(tx: Tx, approval_id: str) -> dict[str, Any] | None:
    """Read one approval row."""
    return tx.fetchone("SELECT * FROM approvals WHERE id = ?", [approval_id])


def approvals(tx: Tx, *, status: str | None = None, event_id: str | None = None) -> list[dict[str, Any]]:
    """List approval rows, newest first, optionally of one status and/or one event."""
    sql, params = "SELECT * FROM approvals WHERE 1 = 1", []
    if status is not None:
        sql += " AND status = ?"
        params.append(status)
    if event_id is not None:
        sql += " AND event_id = ?"
        params.append(event_id)
    return tx.fetchall(sql + " ORDER BY requested DESC, id", params)


def decide_approval(
    tx: Tx, approval_id: str, *, status: str, decided_by: str, decided_name: str, decided: datetime, result: str = ""
) -> bool:
    """Move a *pending* approval to ``status``; ``False`` when it was no longer pending."""
    cur = tx.execute(
        "UPDATE approvals SET status = ?, decided_by = ?, decided_name = ?, decided = ?, result = ? "
        "WHERE id = ? AND status = 'pending'",
        [status, decided_by, decided_name, decided, result, approval_id],
    )
    return bool(cur.rowcount == 1)


def set_result(tx: Tx, approval_id: str, *, status: str, result: str) -> None:
    """Record what executing an approved request gave (``approved`` or ``failed``)."""
    tx.execute("UPDATE approvals SET status = ?, result = ? WHERE id = ?", [status, result, approval_id])
