"""The two-person rule (``GEOWARN_APPROVAL=2``): a publish, update or cancel waits for a second token.

A request is stored as *pending* with what it will do (``action`` and its JSON ``payload``);
a different token approves it — then it runs, as that second operator confirmed it — or
rejects it. The token that asked can neither approve nor reject its own request.

>>> Actor("a1", "duty officer").label
'duty officer'
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from geowarn.errors import Conflict, Forbidden, GeowarnError, InvalidParameter, NotFound
from geowarn.model import format_time, parse_time
from geowarn.store import Store
from geowarn.store import desk as repo

ACTIONS = ("publish", "update", "cancel", "patch")
PENDING, APPROVED, REJECTED, FAILED = "pending", "approved", "rejected", "failed"


@dataclass(frozen=True)
class Actor:
    """Who acts: an API token's id and name."""

    token_id: str
    name: str

    @property
    def label(self) -> str:
        """Return the name shown in the history (the token's name, else its id)."""
        return self.name or self.token_id

    @classmethod
    def of_token(cls, store: Store, token_id: str) -> Actor:
        """Look up the actor of a verified token id."""
        with store.snapshot() as tx:
            name = repo.token_name(tx, token_id)
        return cls(token_id, name or token_id)


@dataclass(frozen=True)
class Approval:
    """One request for the two-person rule."""

    id: str
    event_id: str
    action: str
    summary: str
    payload: dict[str, Any]
    status: str
    requested_by: str
    requested_name: str
    requested: datetime | None
    decided_name: str = ""
    decided: datetime | None = None
    result: str = ""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Approval:
        """Read a stored row."""
        return cls(
            id=row["id"],
            event_id=row["event_id"],
            action=row["action"],
            summary=row["summary"],
            payload=json.loads(row["payload"]),
            status=row["status"],
            requested_by=row["requested_by"],
            requested_name=row["requested_name"],
            requested=parse_time(row["requested"]),
            decided_name=row.get("decided_name") or "",
            decided=parse_time(row["decided"]) if row.get("decided") else None,
            result=row.get("result") or "",
        )

    def to_json(self) -> dict[str, Any]:
        """Return the request as JSON (with the payload's notice text: the approver reviews it)."""
        return {
            "id": self.id,
            "event_id": self.event_id,
            "action": self.action,
            "summary": self.summary,
            "status": self.status,
            "requested_by": self.requested_name,
            "requested": format_time(self.requested),
            "decided_by": self.decided_name or None,
            "decided": format_time(self.decided),
            "result": self.result,
            "payload": self.payload,
        }


def request(
    store: Store, *, action: str, event_id: str, payload: dict[str, Any], actor: Actor, summary: str
) -> Approval:
    """Store a pending request (one per event at a time: :class:`Conflict` otherwise).

    Parameters
    ----------
    store
        The store.
    action
        ``publish``, ``update`` or ``cancel``.
    event_id
        The event concerned.
    payload
        What :func:`geowarn.desk.actions.run` needs to carry it out.
    actor
        Who asks.
    summary
        One line for the approver.

    Returns
    -------
    Approval
        The pending request.
    """
    if action not in ACTIONS:
        raise InvalidParameter(f"action must be one of {', '.join(ACTIONS)}")
    now = datetime.now(UTC)
    aid = f"apr-{secrets.token_hex(6)}"
    with store.transaction() as tx:
        waiting = repo.approvals(tx, status=PENDING, event_id=event_id)
        if waiting:
            raise Conflict(
                f"event {event_id!r} already has a request awaiting approval ({waiting[0]['id']}: "
                f"{waiting[0]['action']}); approve or reject it first"
            )
        repo.insert_approval(
            tx,
            id=aid,
            event_id=event_id,
            action=action,
            summary=summary,
            payload=json.dumps(payload, ensure_ascii=False),
            requested_by=actor.token_id,
            requested_name=actor.label,
            requested=now,
        )
    return get(store, aid)


def get(store: Store, approval_id: str) -> Approval:
    """Read one request (:class:`NotFound` when unknown)."""
    with store.snapshot() as tx:
        row = repo.approval(tx, approval_id)
    if row is None:
        raise NotFound(f"no approval request {approval_id!r}")
    return Approval.from_row(row)


def pending(store: Store, event_id: str | None = None) -> list[Approval]:
    """List the requests awaiting a second token, newest first."""
    with store.snapshot() as tx:
        return [Approval.from_row(r) for r in repo.approvals(tx, status=PENDING, event_id=event_id)]


def _claim(store: Store, approval_id: str, actor: Actor, status: str) -> Approval:
    item = get(store, approval_id)
    if item.status != PENDING:
        raise Conflict(f"request {approval_id} is {item.status}, not pending")
    if item.requested_by == actor.token_id:
        raise Forbidden(f"request {approval_id} was made with this token: a second, different token must decide it")
    with store.transaction() as tx:
        ok = repo.decide_approval(
            tx,
            approval_id,
            status=status,
            decided_by=actor.token_id,
            decided_name=actor.label,
            decided=datetime.now(UTC),
        )
    if not ok:
        raise Conflict(f"request {approval_id} was decided concurrently")
    return item


def approve(store: Store, approval_id: str, actor: Actor, execute: Callable[[Approval], Any]) -> Any:
    """Approve a pending request with a second token and run it.

    Parameters
    ----------
    store
        The store.
    approval_id
        The pending request.
    actor
        The approver: not the requester (:class:`Forbidden`).
    execute
        Carries the request out; its failure marks the request ``failed`` and propagates.

    Returns
    -------
    object
        What ``execute`` returned.
    """
    item = _claim(store, approval_id, actor, APPROVED)
    try:
        out = execute(item)
    except GeowarnError as exc:
        with store.transaction() as tx:
            repo.set_result(tx, approval_id, status=FAILED, result=str(exc))
        raise
    with store.transaction() as tx:
        repo.set_result(tx, approval_id, status=APPROVED, result="done")
    return out


def reject(store: Store, approval_id: str, actor: Actor) -> Approval:
    """Reject a pending request (with a token other than the requester's)."""
    _claim(store, approval_id, actor, REJECTED)
    return get(store, approval_id)
