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

from geowarn.alerts.rules import Channel, Subscription, channel_from_storage, stored_channel
from geowarn.errors import StoreError
from geowarn.model import parse_time, utc
from geowarn.store import alerts as repo

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
    #: Why it cannot be sent at all (its webhook secret cannot be decrypted): parked at once.
    error: str | None = None


def rows_for(message_id: str, sub: Subscription, now: datetime, tx: Any, *, suffix: str = "") -> list[repo.OutboxRow]:
    """Return the outbox rows queueing ``message_id`` on every channel of ``sub`` (a snapshot of each channel).

    ``suffix`` makes the row ids unique when a message is queued again (a region topic's
    standing warning re-retained after another event's all-clear). ``tx`` seals webhook secrets.
    """
    out = []
    for i, ch in enumerate(sub.channels):
        channel = json.dumps(stored_channel(ch, tx))
        out.append(repo.OutboxRow(f"{message_id}#{i}{suffix}", message_id, sub.id, f"{sub.id}#{i}", channel, now, now))
    return out


def enqueue(tx: Any, message_id: str, sub: Subscription, now: datetime, *, suffix: str = "") -> list[str]:
    """Queue ``message_id`` on every channel of ``sub`` (:func:`rows_for`); return the row ids."""
    rows = rows_for(message_id, sub, now, tx, suffix=suffix)
    repo.insert_outbox_rows(tx, rows)
    return [r.id for r in rows]


def claim(
    store: Any, worker: str, *, limit: int = 10, lease_s: float = LEASE_S, now: datetime | None = None
) -> list[Delivery]:
    """Lease up to ``limit`` due rows to ``worker`` (attempt counters are bumped at claim time)."""
    return settle(store, worker, [], claim=limit, lease_s=lease_s, now=now)[1]


def _deliveries(tx: Any, rows: list[dict[str, Any]], msgs: dict[str, dict[str, Any]]) -> list[Delivery]:
    """Return the claimed ``rows`` with their messages ``msgs``, by row id (``tx`` opens the webhook secrets)."""
    out = []
    for r in sorted(rows, key=lambda r: r["id"]):
        m = msgs[r["message_id"]]
        ch = json.loads(r["channel"])
        error = None
        try:
            channel = channel_from_storage(ch, tx)
        except StoreError as exc:
            channel, error = Channel(ch["kind"], ch["target"], None), str(exc)
        out.append(
            Delivery(
                id=r["id"],
                message_id=r["message_id"],
                subscription_id=r["subscription_id"],
                channel=channel,
                error=error,
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
        return repo.has_due(tx, now)


@dataclass(frozen=True)
class Outcome:
    """How one attempt at a claimed row went (see :func:`record`)."""

    delivery: Delivery
    started: datetime
    finished: datetime
    ok: bool
    code: int | None = None
    error: str = ""
    permanent: bool = False


def complete(store: Any, d: Delivery, worker: str, started: datetime, code: int | None = None) -> None:
    """Record a successful attempt and mark the row delivered (even if its lease has passed)."""
    record(store, worker, [Outcome(d, started, datetime.now(UTC), True, code)])


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
    failed = Outcome(d, started, datetime.now(UTC), False, code, error, permanent)
    return record(store, worker, [failed], base=base, cap=cap, max_attempts=max_attempts)[0]


def record(
    store: Any,
    worker: str,
    outcomes: list[Outcome],
    *,
    base: float = RETRY_BASE_S,
    cap: float = RETRY_CAP_S,
    max_attempts: int = MAX_ATTEMPTS,
) -> list[str]:
    """Record attempts in one transaction: delivered rows are marked, failed ones rescheduled or parked.

    Returns each row's new status (``delivered``, ``pending`` or ``parked``), in order. A success
    marks its row delivered even if the lease has passed meanwhile.
    """
    return settle(store, worker, outcomes, base=base, cap=cap, max_attempts=max_attempts)[0]


def settle(
    store: Any,
    worker: str,
    outcomes: list[Outcome],
    *,
    claim: int = 0,
    lease_s: float = LEASE_S,
    now: datetime | None = None,
    base: float = RETRY_BASE_S,
    cap: float = RETRY_CAP_S,
    max_attempts: int = MAX_ATTEMPTS,
) -> tuple[list[str], list[Delivery]]:
    """Record ``outcomes`` (see :func:`record`) and lease up to ``claim`` due rows, in one transaction.

    A worker's round trip (issue 16): what finished is written and what comes next is claimed
    with one commit. Returns the new statuses of ``outcomes`` and the rows claimed.
    """
    if not outcomes and claim <= 0:
        return [], []
    now = utc(now or datetime.now(UTC))
    rows: list[dict[str, Any]] = []
    msgs: dict[str, dict[str, Any]] = {}
    with store.transaction() as tx:
        out = _record(tx, worker, outcomes, base=base, cap=cap, max_attempts=max_attempts)
        if claim > 0:
            rows = repo.claim_due(tx, worker, until=now + timedelta(seconds=lease_s), now=now, limit=claim)
            if rows:
                msgs = repo.message_bodies(tx, [r["message_id"] for r in rows])
    return out, _deliveries(tx, rows, msgs)


def _record(tx: Any, worker: str, outcomes: list[Outcome], *, base: float, cap: float, max_attempts: int) -> list[str]:
    out = []
    attempts, delivered = [], []
    for o in outcomes:
        d = o.delivery
        attempts.append(
            repo.AttemptRow(d.id, d.attempt, worker, o.started, o.finished, int(o.ok), o.code, o.error or None)
        )
        if o.ok:
            delivered.append((o.finished, d.id))
            out.append("delivered")
            continue
        park = o.permanent or d.attempt >= max_attempts
        if park:
            reason = o.error if o.permanent else f"gave up after {d.attempt} attempts: {o.error}"
            repo.park(tx, d.id, reason[:2000])
            out.append("parked")
            continue
        nxt = o.finished + timedelta(seconds=backoff(d.attempt, base=base, cap=cap))
        repo.reschedule(tx, d.id, worker, next_attempt=nxt, error=o.error[:2000])
        out.append("pending")
    repo.insert_attempts(tx, attempts)
    repo.mark_delivered(tx, delivered)
    return out


def requeue(store: Any, outbox_id: str) -> None:
    """Put a parked row back in the queue (after the subscriber fixed the endpoint)."""
    from geowarn.errors import NotFound

    with store.transaction() as tx:
        if not repo.requeue(tx, outbox_id, datetime.now(UTC)):
            raise NotFound(f"no parked outbox row {outbox_id!r}")


def stats(store: Any) -> dict[str, int]:
    """Row counts by status (``pending``, ``delivered``, ``parked``)."""
    with store.snapshot() as tx:
        return repo.outbox_counts(tx)


def rows(store: Any, *, subscription_id: str | None = None) -> list[dict[str, Any]]:
    """Return the outbox rows (newest last), for the CLI and the API."""
    with store.snapshot() as tx:
        out = repo.outbox_rows(tx, subscription_id=subscription_id)
    for r in out:
        for k in ("next_attempt", "delivered"):
            r[k] = parse_time(r[k]) if r[k] is not None else None
    return out
