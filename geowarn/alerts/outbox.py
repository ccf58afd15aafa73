"""The outbox: CAP messages waiting for delivery, one row per (message, channel).

Rows are written in the same transaction as the lifecycle state change (:func:`enqueue`). Workers
:func:`claim` due rows with a lease (SQLite: one ``UPDATE … RETURNING`` under the write lock;
PostgreSQL: ``FOR UPDATE SKIP LOCKED``), deliver them outside any transaction, and record the
outcome (:func:`complete` / :func:`fail`). A row whose lease expires (its worker died) is claimed
again, so delivery is at least once; the stable message id lets receivers drop duplicates.

Per channel the rows go out in order: a row is not claimed while an earlier row of the same
subscription channel is still pending (an Update never overtakes its Alert).

>>> [round(backoff(n, base=1.0, cap=60.0, jitter=0.0), 1) for n in (1, 2, 3, 8)]
[1.0, 2.0, 4.0, 60.0]
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geowarn.alerts.rules import Channel, Subscription
from geowarn.model import parse_time, utc

#: Defaults of the delivery policy (the worker's options override them).
RETRY_BASE_S = 2.0
RETRY_CAP_S = 600.0
MAX_ATTEMPTS = 50
LEASE_S = 60.0


def backoff(attempt: int, *, base: float = RETRY_BASE_S, cap: float = RETRY_CAP_S, jitter: float = 0.5) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): exponential, capped, jittered.

    With ``jitter=j`` the delay is drawn uniformly from ``[(1 - j) · d, d]`` where ``d = min(cap, base · 2^(n-1))``.
    """
    d = min(cap, base * (2.0 ** max(0, attempt - 1)))
    return d * (1.0 - jitter * random.random())


@dataclass(frozen=True)
class Delivery:
    """One claimed outbox row with what is needed to send it."""

    id: str
    message_id: str
    subscription_id: str
    channel: Channel
    attempt: int
    body: bytes
    msg_type: str
    event_id: str


def enqueue(tx: Any, message_id: str, sub: Subscription, now: datetime) -> list[str]:
    """Queue ``message_id`` on every channel of ``sub`` (a snapshot of the channel is kept)."""
    ids = []
    for i, ch in enumerate(sub.channels):
        oid = f"{message_id}#{i}"
        tx.execute(
            "INSERT INTO outbox (id, message_id, subscription_id, channel_key, channel, status, attempts, "
            "next_attempt, created) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
            [oid, message_id, sub.id, f"{sub.id}#{i}", json.dumps(ch.to_json()), now, now],
        )
        ids.append(oid)
    return ids


_DUE = (
    "o.status = 'pending' AND o.next_attempt <= ? AND (o.lease_until IS NULL OR o.lease_until < ?) "
    "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.channel_key = o.channel_key AND p.status = 'pending' "
    "AND p.num < o.num)"
)


def claim(
    store: Any, worker: str, *, limit: int = 10, lease_s: float = LEASE_S, now: datetime | None = None
) -> list[Delivery]:
    """Lease up to ``limit`` due rows to ``worker`` (attempt counters are bumped at claim time)."""
    now = utc(now or datetime.now(UTC))
    until = now + timedelta(seconds=lease_s)
    lock = " FOR UPDATE OF o SKIP LOCKED" if store.dialect == "postgis" else ""
    with store.transaction() as tx:
        rows = tx.fetchall(
            "UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE num IN "
            f"(SELECT o.num FROM outbox o WHERE {_DUE} ORDER BY o.num LIMIT ?{lock}) "
            "RETURNING id, message_id, subscription_id, channel, attempts",
            [worker, until, now, now, limit],
        )
        if not rows:
            return []
        marks = ", ".join("?" for _ in rows)
        msgs = {
            r["id"]: r
            for r in tx.fetchall(
                f"SELECT id, body, msg_type, event_id FROM alert_messages WHERE id IN ({marks})",
                [r["message_id"] for r in rows],
            )
        }
    out = []
    for r in sorted(rows, key=lambda r: r["id"]):
        m = msgs[r["message_id"]]
        ch = json.loads(r["channel"])
        out.append(
            Delivery(
                id=r["id"],
                message_id=r["message_id"],
                subscription_id=r["subscription_id"],
                channel=Channel(ch["kind"], ch["target"], ch.get("secret")),
                attempt=int(r["attempts"]),
                body=bytes(m["body"]),
                msg_type=m["msg_type"],
                event_id=m["event_id"],
            )
        )
    return out


def has_due(store: Any, now: datetime | None = None) -> bool:
    """Whether a row is due (a cheap check for the polling loop)."""
    now = utc(now or datetime.now(UTC))
    with store.snapshot() as tx:
        return tx.fetchone(f"SELECT o.num FROM outbox o WHERE {_DUE} LIMIT 1", [now, now]) is not None


def _attempt(
    tx: Any, d: Delivery, worker: str, started: datetime, finished: datetime, ok: bool, code: int | None, error: str
) -> None:
    tx.execute(
        "INSERT INTO delivery_attempts (outbox_id, attempt, worker, started, finished, ok, status_code, error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [d.id, d.attempt, worker, started, finished, 1 if ok else 0, code, error or None],
    )


def complete(store: Any, d: Delivery, worker: str, started: datetime, code: int | None = None) -> None:
    """Record a successful attempt and mark the row delivered (even if its lease has passed)."""
    now = datetime.now(UTC)
    with store.transaction() as tx:
        _attempt(tx, d, worker, started, now, True, code, "")
        tx.execute(
            "UPDATE outbox SET status = 'delivered', delivered = ?, lease_owner = NULL, lease_until = NULL, "
            "last_error = NULL WHERE id = ? AND status = 'pending'",
            [now, d.id],
        )


def fail(
    store: Any,
    d: Delivery,
    worker: str,
    started: datetime,
    error: str,
    *,
    permanent: bool,
    code: int | None = None,
    base: float = RETRY_BASE_S,
    cap: float = RETRY_CAP_S,
    max_attempts: int = MAX_ATTEMPTS,
) -> str:
    """Record a failed attempt: reschedule with backoff, or park it. Returns the new status."""
    now = datetime.now(UTC)
    park = permanent or d.attempt >= max_attempts
    reason = error if permanent else (f"gave up after {d.attempt} attempts: {error}" if park else error)
    with store.transaction() as tx:
        _attempt(tx, d, worker, started, now, False, code, error)
        if park:
            tx.execute(
                "UPDATE outbox SET status = 'parked', last_error = ?, lease_owner = NULL, lease_until = NULL "
                "WHERE id = ? AND status = 'pending'",
                [reason[:2000], d.id],
            )
            return "parked"
        nxt = now + timedelta(seconds=backoff(d.attempt, base=base, cap=cap))
        tx.execute(
            "UPDATE outbox SET next_attempt = ?, last_error = ?, lease_owner = NULL, lease_until = NULL "
            "WHERE id = ? AND status = 'pending' AND lease_owner = ?",
            [nxt, error[:2000], d.id, worker],
        )
    return "pending"


def requeue(store: Any, outbox_id: str) -> None:
    """Put a parked row back in the queue (after the subscriber fixed the endpoint)."""
    from geowarn.errors import NotFound

    with store.transaction() as tx:
        cur = tx.execute(
            "UPDATE outbox SET status = 'pending', next_attempt = ?, attempts = 0 WHERE id = ? AND status = 'parked'",
            [datetime.now(UTC), outbox_id],
        )
        if not cur.rowcount:
            raise NotFound(f"no parked outbox row {outbox_id!r}")


def stats(store: Any) -> dict[str, int]:
    """Row counts by status (``pending``, ``delivered``, ``parked``)."""
    with store.snapshot() as tx:
        rows = tx.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    return {r["status"]: int(r["n"]) for r in rows}


def rows(store: Any, *, subscription_id: str | None = None) -> list[dict[str, Any]]:
    """The outbox rows (newest last), for the CLI and the API."""
    sql = (
        "SELECT o.id, o.message_id, o.subscription_id, o.status, o.attempts, o.next_attempt, o.last_error, "
        "o.delivered, m.msg_type, m.event_id FROM outbox o JOIN alert_messages m ON m.id = o.message_id"
    )
    params: list[Any] = []
    if subscription_id:
        sql += " WHERE o.subscription_id = ?"
        params.append(subscription_id)
    with store.snapshot() as tx:
        out = tx.fetchall(sql + " ORDER BY o.num", params)
    for r in out:
        for k in ("next_attempt", "delivered"):
            r[k] = parse_time(r[k]) if r[k] is not None else None
    return out
