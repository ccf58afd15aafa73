"""The alerts' SQL, in one place: subscriptions, alert states and messages, outbox rows, claims, deliveries.

Every function works inside the caller's :class:`~geowarn.store.tx.Tx` and speaks in rows
(dicts) and plain values; :mod:`geowarn.alerts` turns them into subscriptions, states and
deliveries. Times are passed as aware datetimes (the Tx stores them per dialect).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from geowarn.store.notify import notify
from geowarn.store.tx import Tx

#: PostgreSQL channel the outbox workers LISTEN on.
NOTIFY_CHANNEL = "geowarn_outbox"

# --------------------------------------------------------------------------- subscriptions


def subscription_exists(tx: Tx, sub_id: str) -> bool:
    """Whether a subscription (active or removed) has the id ``sub_id``."""
    return tx.fetchone("SELECT id FROM subscriptions WHERE id = ?", [sub_id]) is not None


def insert_subscription(
    tx: Tx,
    *,
    id: str,
    name: str,
    selector: str,
    margin_km: float,
    min_severity: str,
    phases: str,
    languages: str,
    channels: str,
    created: datetime,
) -> None:
    """Insert an active subscription (``selector``, ``phases``, ``languages``, ``channels``: JSON text)."""
    tx.execute(
        "INSERT INTO subscriptions (id, name, selector, margin_km, min_severity, phases, languages, channels, "
        "created, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
        [id, name, selector, margin_km, min_severity, phases, languages, channels, created],
    )


def active_subscriptions(tx: Tx) -> list[dict[str, Any]]:
    """Rows of every active subscription, oldest first."""
    return tx.fetchall("SELECT * FROM subscriptions WHERE active = 1 ORDER BY created, id")


def active_subscription(tx: Tx, sub_id: str) -> dict[str, Any] | None:
    """Return the row of the active subscription ``sub_id`` (``None`` when unknown or removed)."""
    return tx.fetchone("SELECT * FROM subscriptions WHERE id = ? AND active = 1", [sub_id])


def deactivate_subscription(tx: Tx, sub_id: str) -> bool:
    """Mark an active subscription removed; ``False`` when there was none."""
    cur = tx.execute("UPDATE subscriptions SET active = 0 WHERE id = ? AND active = 1", [sub_id])
    return bool(cur.rowcount)


# --------------------------------------------------------------------------- shared texts (migration 0420)

#: Stands for the subscription id in a CAP body stored once for many subscribers (``alert_texts``):
#: a message with a ``body_ref`` is that text with this mark replaced by its subscription id.
SUBSCRIBER_MARK = "geowarnSubscriberPlaceholder7f3a9c"
_MARK = SUBSCRIBER_MARK.encode()

#: Texts read or written by this process, by digest (content-addressed: never stale).
_TEXTS: dict[str, bytes] = {}
_TEXTS_MAX = 256


def text_digest(content: bytes) -> str:
    """Return the key of ``content`` in ``alert_texts`` (sha256, hex).

    >>> text_digest(b"[]")[:12]
    '4f53cda18c2b'
    """
    return hashlib.sha256(content).hexdigest()


def _remember(digest: str, content: bytes) -> None:
    if len(_TEXTS) >= _TEXTS_MAX:
        _TEXTS.clear()
    _TEXTS[digest] = content


def insert_texts(tx: Tx, texts: Mapping[str, bytes]) -> None:
    """Store each ``digest → content`` of ``texts`` once (a text already stored is left as it is)."""
    if not texts:
        return
    tx.executemany(
        "INSERT INTO alert_texts (digest, content) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING",
        sorted(texts.items()),
    )
    for digest, content in texts.items():
        _remember(digest, content)


def texts(tx: Tx, digests: Iterable[str]) -> dict[str, bytes]:
    """Return the stored texts of ``digests`` (read once per process; a digest not stored is absent)."""
    want = set(digests)
    out = {d: _TEXTS[d] for d in want if d in _TEXTS}
    missing = sorted(want - set(out))
    if missing:
        marks = ", ".join("?" for _ in missing)
        for r in tx.fetchall(f"SELECT digest, content FROM alert_texts WHERE digest IN ({marks})", missing):
            content = bytes(r["content"])
            out[r["digest"]] = content
            _remember(r["digest"], content)
    return out


def resolve_bodies(tx: Tx, rows: Sequence[dict[str, Any]]) -> None:
    """Give each ``alert_messages`` row (``body, body_ref, subscription_id``) its CAP bytes in ``body``, in place.

    A shared body is the stored text with :data:`SUBSCRIBER_MARK` replaced by the row's
    subscription id; a row without ``body_ref`` keeps its own.
    """
    shared = texts(tx, {r["body_ref"] for r in rows if r.get("body_ref")})
    for r in rows:
        if r.get("body_ref"):
            r["body"] = shared[r["body_ref"]].replace(_MARK, str(r["subscription_id"]).encode())
        else:
            r["body"] = bytes(r["body"])


def resolve_zones(tx: Tx, rows: Sequence[dict[str, Any]]) -> None:
    """Give each ``alert_state`` row (``zones, zones_ref``) its zones JSON in ``zones``, in place."""
    shared = texts(tx, {r["zones_ref"] for r in rows if r.get("zones_ref")})
    for r in rows:
        if r.get("zones_ref"):
            r["zones"] = shared[r["zones_ref"]].decode("utf-8")


# --------------------------------------------------------------------------- alert states and messages


def alert_state(tx: Tx, event_id: str, sub_id: str) -> dict[str, Any] | None:
    """``status, seq, summary, window_end, expires, zones`` of (event, subscription), or ``None``."""
    row = tx.fetchone(
        "SELECT status, seq, summary, window_end, expires, zones, zones_ref FROM alert_state "
        "WHERE event_id = ? AND subscription_id = ?",
        [event_id, sub_id],
    )
    if row is not None:
        resolve_zones(tx, [row])
    return row


class StateRow(NamedTuple):
    """The state of one (event, subscription), in the order :func:`insert_states` and :func:`update_states` bind it."""

    status: str
    seq: int
    summary: str  # JSON text
    window_end: datetime | None
    expires: datetime | None
    zones: str | None  # JSON text, or None when stored once in alert_texts
    zones_ref: str | None  # its digest there
    updated: datetime
    event_id: str
    subscription_id: str


def alert_states(tx: Tx, event_id: str, sub_ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """:func:`alert_state` of many subscriptions of one event at once, by subscription id (absent: no state).

    ``sub_ids=None``: every state of the event, in one scan. Issue 16: reading 100,000 states by
    batches of ``IN (…1,000 ids)`` was quadratic on PostgreSQL (the prepared statement's generic
    plan scanned every state of the event so far and compared each with the 1,000 parameters).
    """
    if sub_ids is not None and not sub_ids:
        return {}
    sql = "SELECT subscription_id, status, seq, summary, window_end, expires, zones, zones_ref FROM alert_state "
    if sub_ids is None:
        rows = tx.fetchall(sql + "WHERE event_id = ?", [event_id])
    else:
        marks = ", ".join("?" for _ in sub_ids)
        rows = tx.fetchall(sql + f"WHERE event_id = ? AND subscription_id IN ({marks})", [event_id, *sub_ids])
    resolve_zones(tx, rows)
    return {r["subscription_id"]: r for r in rows}


def insert_states(tx: Tx, rows: Sequence[StateRow]) -> None:
    """Insert the first state of each (event, subscription) of ``rows``."""
    tx.executemany(
        "INSERT INTO alert_state (status, seq, summary, window_end, expires, zones, zones_ref, updated, event_id, "
        "subscription_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def update_states(tx: Tx, rows: Sequence[StateRow]) -> None:
    """Replace the state of each (event, subscription) of ``rows``."""
    tx.executemany(
        "UPDATE alert_state SET status = ?, seq = ?, summary = ?, window_end = ?, expires = ?, zones = ?, "
        "zones_ref = ?, updated = ? WHERE event_id = ? AND subscription_id = ?",
        rows,
    )


def expire_alert_state(tx: Tx, event_id: str, sub_id: str, now: datetime) -> None:
    """Close the state of (event, subscription) silently (its event or subscription is gone)."""
    tx.execute(
        "UPDATE alert_state SET status = 'expired', updated = ? WHERE event_id = ? AND subscription_id = ?",
        [now, event_id, sub_id],
    )


def due_alert_states(tx: Tx, now: datetime) -> list[tuple[str, str]]:
    """(event, subscription) pairs whose window has passed or whose all-clear has expired."""
    rows = tx.fetchall(
        "SELECT event_id, subscription_id FROM alert_state WHERE "
        "(status = 'active' AND window_end IS NOT NULL AND window_end < ?) "
        "OR (status = 'allclear' AND expires IS NOT NULL AND expires <= ?) ORDER BY event_id, subscription_id",
        [now, now],
    )
    return [(r["event_id"], r["subscription_id"]) for r in rows]


def open_states_with_prefix(tx: Tx, event_id: str, prefix: str) -> list[str]:
    """Subscription ids starting with ``prefix`` whose state about ``event_id`` is active or all-clear."""
    rows = tx.fetchall(
        "SELECT subscription_id FROM alert_state WHERE event_id = ? AND status IN ('active', 'allclear') "
        "AND substr(subscription_id, 1, ?) = ? ORDER BY subscription_id",
        [event_id, len(prefix), prefix],
    )
    return [r["subscription_id"] for r in rows]


def latest_active_message(tx: Tx, sub_id: str, other_than_event: str) -> str | None:
    """Id of the newest message to ``sub_id`` about an event other than ``other_than_event`` still active."""
    row = tx.fetchone(
        "SELECT m.id FROM alert_messages m JOIN alert_state s ON s.event_id = m.event_id "
        "AND s.subscription_id = m.subscription_id WHERE s.subscription_id = ? AND s.event_id <> ? "
        "AND s.status = 'active' ORDER BY m.created DESC, m.seq DESC LIMIT 1",
        [sub_id, other_than_event],
    )
    return str(row["id"]) if row else None


def message_references(tx: Tx, event_id: str, sub_ids: Sequence[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """``msg_type, reference`` of every message to (event, subscription) of each of ``sub_ids``, in sequence.

    ``sub_ids=None``: of every subscription the event was sent to, in one scan (see :func:`alert_states`).
    """
    if sub_ids is not None and not sub_ids:
        return {}
    sql = "SELECT subscription_id, msg_type, reference FROM alert_messages WHERE event_id = ?"
    params: list[Any] = [event_id]
    if sub_ids is not None:
        sql += f" AND subscription_id IN ({', '.join('?' for _ in sub_ids)})"
        params += sub_ids
    out: dict[str, list[dict[str, Any]]] = {}
    for r in tx.fetchall(sql + " ORDER BY subscription_id, seq", params):
        out.setdefault(r["subscription_id"], []).append(r)
    return out


class MessageRow(NamedTuple):
    """One CAP message, in the order :func:`insert_messages` binds it."""

    id: str
    event_id: str
    subscription_id: str
    seq: int
    event_version: int
    msg_type: str
    response: str | None
    reference: str
    reason: str
    body: bytes  # the XML (empty when shared)
    body_ref: str | None  # the digest of the shared XML in alert_texts (SUBSCRIBER_MARK for the subscription id)
    created: datetime


def insert_messages(tx: Tx, rows: Sequence[MessageRow]) -> None:
    """Insert CAP messages."""
    tx.executemany(
        "INSERT INTO alert_messages (id, event_id, subscription_id, seq, event_version, msg_type, response, "
        "reference, reason, body, body_ref, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


@contextlib.contextmanager
def savepoint(tx: Tx, name: str = "geowarn_alert") -> Iterator[None]:
    """Run the block in a savepoint: an exception rolls the block back (and propagates)."""
    tx.execute(f"SAVEPOINT {name}")
    try:
        yield
    except Exception:
        tx.execute(f"ROLLBACK TO SAVEPOINT {name}")
        tx.execute(f"RELEASE SAVEPOINT {name}")
        raise
    tx.execute(f"RELEASE SAVEPOINT {name}")


def notify_outbox(tx: Tx) -> None:
    """On PostgreSQL, wake the workers listening on :data:`NOTIFY_CHANNEL` at commit (SQLite: nothing)."""
    notify(tx, NOTIFY_CHANNEL)


# --------------------------------------------------------------------------- the outbox

#: A pending row is due when its time has come, it is not leased, and no earlier row of its channel waits.
_DUE = (
    "o.status = 'pending' AND o.next_attempt <= ? AND (o.lease_until IS NULL OR o.lease_until < ?) "
    "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.channel_key = o.channel_key AND p.status = 'pending' "
    "AND p.num < o.num)"
)


class OutboxRow(NamedTuple):
    """One (message, channel) row, in the order :func:`insert_outbox_rows` binds it."""

    id: str
    message_id: str
    subscription_id: str
    channel_key: str
    channel: str  # the channel's JSON
    next_attempt: datetime
    created: datetime


def insert_outbox_rows(tx: Tx, rows: Sequence[OutboxRow]) -> None:
    """Queue (message, channel) rows, pending (their ``num`` follows the order of ``rows``)."""
    tx.executemany(
        "INSERT INTO outbox (id, message_id, subscription_id, channel_key, channel, status, attempts, "
        "next_attempt, created) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
        rows,
    )


def claim_due(tx: Tx, worker: str, *, until: datetime, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Lease up to ``limit`` due rows to ``worker`` until ``until`` and bump their attempt counters.

    Returns ``id, message_id, subscription_id, channel, attempts`` of the claimed rows (PostgreSQL:
    rows locked by another claimer are skipped).
    """
    lock = " FOR UPDATE OF o SKIP LOCKED" if tx.dialect == "postgis" else ""
    return tx.fetchall(
        "UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE num IN "
        f"(SELECT o.num FROM outbox o WHERE {_DUE} ORDER BY o.num LIMIT ?{lock}) "
        "RETURNING id, message_id, subscription_id, channel, attempts",
        [worker, until, now, now, limit],
    )


def message_bodies(tx: Tx, message_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``id, subscription_id, body, msg_type, event_id`` of the given messages, by id (``body``: the CAP bytes)."""
    if not message_ids:
        return {}
    marks = ", ".join("?" for _ in message_ids)
    rows = tx.fetchall(
        f"SELECT id, subscription_id, body, body_ref, msg_type, event_id FROM alert_messages WHERE id IN ({marks})",
        list(message_ids),
    )
    resolve_bodies(tx, rows)
    return {r["id"]: r for r in rows}


def has_due(tx: Tx, now: datetime) -> bool:
    """Whether an outbox row is due at ``now``."""
    return tx.fetchone(f"SELECT o.num FROM outbox o WHERE {_DUE} LIMIT 1", [now, now]) is not None


class AttemptRow(NamedTuple):
    """One delivery attempt, in the order :func:`insert_attempts` binds it (``error``: ``None`` when none)."""

    outbox_id: str
    attempt: int
    worker: str
    started: datetime
    finished: datetime
    ok: int  # 1 or 0
    status_code: int | None
    error: str | None


def insert_attempts(tx: Tx, rows: Sequence[AttemptRow]) -> None:
    """Record delivery attempts."""
    tx.executemany(
        "INSERT INTO delivery_attempts (outbox_id, attempt, worker, started, finished, ok, status_code, error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def mark_delivered(tx: Tx, rows: Sequence[tuple[datetime, str]]) -> None:
    """Mark pending rows delivered (whoever holds their lease); ``rows``: (delivery time, outbox id)."""
    tx.executemany(
        "UPDATE outbox SET status = 'delivered', delivered = ?, lease_owner = NULL, lease_until = NULL, "
        "last_error = NULL WHERE id = ? AND status = 'pending'",
        rows,
    )


def park(tx: Tx, outbox_id: str, reason: str) -> None:
    """Take a pending row out of the queue with ``reason``."""
    tx.execute(
        "UPDATE outbox SET status = 'parked', last_error = ?, lease_owner = NULL, lease_until = NULL "
        "WHERE id = ? AND status = 'pending'",
        [reason, outbox_id],
    )


def reschedule(tx: Tx, outbox_id: str, worker: str, *, next_attempt: datetime, error: str) -> None:
    """Release ``worker``'s lease on a pending row and make it due again at ``next_attempt``."""
    tx.execute(
        "UPDATE outbox SET next_attempt = ?, last_error = ?, lease_owner = NULL, lease_until = NULL "
        "WHERE id = ? AND status = 'pending' AND lease_owner = ?",
        [next_attempt, error, outbox_id, worker],
    )


def requeue(tx: Tx, outbox_id: str, now: datetime) -> bool:
    """Put a parked row back in the queue, due ``now``; ``False`` when there was no such parked row."""
    cur = tx.execute(
        "UPDATE outbox SET status = 'pending', next_attempt = ?, attempts = 0 WHERE id = ? AND status = 'parked'",
        [now, outbox_id],
    )
    return bool(cur.rowcount)


def outbox_counts(tx: Tx) -> dict[str, int]:
    """Outbox row counts by status."""
    rows = tx.fetchall("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    return {r["status"]: int(r["n"]) for r in rows}


def outbox_rows(tx: Tx, *, subscription_id: str | None = None) -> list[dict[str, Any]]:
    """Outbox rows with their message's type and event, oldest first (times as stored)."""
    sql = (
        "SELECT o.id, o.message_id, o.subscription_id, o.status, o.attempts, o.next_attempt, o.last_error, "
        "o.delivered, m.msg_type, m.event_id FROM outbox o JOIN alert_messages m ON m.id = o.message_id"
    )
    params: list[Any] = []
    if subscription_id:
        sql += " WHERE o.subscription_id = ?"
        params.append(subscription_id)
    return tx.fetchall(sql + " ORDER BY o.num", params)
