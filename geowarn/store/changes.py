"""The change log's SQL: one ``event_changes`` row per event version written, read back in order.

:func:`record` runs inside the writer's transaction right after the store
generation was bumped, so a change is numbered by the generation it committed
(``seq``) and appears atomically with the version it is about; it also
notifies :data:`CHANNEL` (PostgreSQL) at commit. :func:`since` is what a live
client that reconnects with ``Last-Event-ID`` reads (:mod:`geowarn.live`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from geowarn.store.notify import notify
from geowarn.store.tx import Tx

#: PostgreSQL channel notified at the commit of every change (the payload is its ``seq``).
CHANNEL = "geowarn_events"


def action_of(version: int, status: str) -> str:
    """Name what a version did: ``published`` (version 1), ``cancelled`` or ``updated``.

    >>> action_of(1, "active"), action_of(3, "cancelled"), action_of(2, "active")
    ('published', 'cancelled', 'updated')
    """
    if version == 1:
        return "published"
    return "cancelled" if status == "cancelled" else "updated"


def record(tx: Tx, *, event_id: str, version: int, status: str, regions: Iterable[str], changed: datetime) -> int:
    """Log the version just written in ``tx`` under the current generation; return that ``seq``.

    Parameters
    ----------
    tx
        The write transaction that wrote the version and bumped the generation.
    event_id, version, status
        The version written.
    regions
        Region ids of its zones; the previous version's are added here.
    changed
        When the version was written (its ``updated`` time).

    Returns
    -------
    int
        The change's ``seq`` (the generation of ``tx``).
    """
    seq = int(tx.scalar("SELECT value FROM store_meta WHERE key = 'generation'") or 0)
    touched = set(regions)
    if version > 1:
        rows = tx.fetchall(
            "SELECT DISTINCT region_id FROM zones WHERE event_id = ? AND version = ?", [event_id, version - 1]
        )
        touched.update(r["region_id"] for r in rows)
    tx.execute(
        "INSERT INTO event_changes (seq, event_id, version, action, status, regions, changed) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [seq, event_id, version, action_of(version, status), status, json.dumps(sorted(touched)), changed],
    )
    notify(tx, CHANNEL, str(seq))
    return seq


def since(tx: Tx, seq: int, *, limit: int) -> list[dict[str, Any]]:
    """Read the changes after ``seq``, oldest first, at most ``limit`` (rows with ``regions`` decoded)."""
    rows = tx.fetchall(
        "SELECT seq, event_id, version, action, status, regions, changed FROM event_changes "
        "WHERE seq > ? ORDER BY seq LIMIT ?",
        [seq, limit],
    )
    for r in rows:
        r["seq"] = int(r["seq"])
        r["regions"] = json.loads(r["regions"])
    return rows
