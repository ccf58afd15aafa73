"""Publish, update and cancel as an operator: now, or — with ``GEOWARN_APPROVAL=2`` — once a second token approves.

The page and the API call :func:`perform`; it returns the :class:`~geowarn.service.EventResult`
of the write, or the pending :class:`~geowarn.desk.approvals.Approval`. :func:`approve` runs an
approved request; the history records both operators (``"alice, approved by bob"``).
"""

from __future__ import annotations

from typing import Any

from geowarn import service
from geowarn.desk import approvals
from geowarn.desk.approvals import Actor, Approval
from geowarn.desk.submission import Submission, publish, read
from geowarn.errors import Conflict, InvalidParameter
from geowarn.model import Event
from geowarn.service import EventResult, Options
from geowarn.store import Store


def run(
    store: Store,
    action: str,
    payload: dict[str, Any],
    options: Options | None,
    operator: str,
    *,
    read_as: tuple[Event, list[dict[str, Any]]] | None = None,
) -> EventResult:
    """Execute one action now: ``publish``/``update`` a :class:`Submission`, ``cancel`` or ``patch`` an event.

    ``read_as`` is the submission already read by the caller (not read a second time).
    """
    if action in ("publish", "update"):
        sub = Submission.from_json(payload["submission"])
        return publish(store, sub, options, operator=operator, read_as=read_as)
    if action == "cancel":
        return service.cancel_event(
            store,
            str(payload["event_id"]),
            name=payload.get("name"),
            if_version=payload.get("if_version"),
            options=options,
            operator=operator,
            note="cancelled by an operator",
        )
    if action == "patch":
        return service.update_event(
            store,
            str(payload["event_id"]),
            name=payload.get("name"),
            status=payload.get("status"),
            if_version=payload.get("if_version"),
            note="patched",
            options=options,
            operator=operator,
        )
    raise InvalidParameter(f"unknown action {action!r}")


def perform(
    store: Store, action: str, payload: dict[str, Any], *, actor: Actor, options: Options | None
) -> EventResult | Approval:
    """Do ``action`` now, or (two-person rule) store it for a second token and return the pending request."""
    read_as = None
    if action in ("publish", "update"):
        sub = Submission.from_json(payload["submission"])
        read_as = read(sub, store=store)  # bad input fails now, not when the second operator approves
        event = read_as[0]
        event_id = event.id
        summary = f"{action} {event.name!r}: {len(event.corridors)} corridor(s)"
        if store.event_exists(event_id) and not sub.update:
            raise Conflict(f"event {event_id!r} exists: tick 'update the existing event' or choose another id")
    elif action == "cancel":
        event_id = str(payload["event_id"])
        current = store.get_event(event_id)
        summary = f"cancel {current.name!r} (version {current.version})"
    elif action == "patch":
        event_id = str(payload["event_id"])
        current = store.get_event(event_id)
        changes = ", ".join(f"{k} → {payload[k]!r}" for k in ("name", "status") if payload.get(k) is not None)
        summary = f"change {current.name!r}: {changes}"
    else:
        raise InvalidParameter(f"unknown action {action!r}")
    if options is not None and options.approval >= 2:
        return approvals.request(store, action=action, event_id=event_id, payload=payload, actor=actor, summary=summary)
    return run(store, action, payload, options, actor.label, read_as=read_as)  # read once (issue 16)


def approve(store: Store, approval_id: str, *, actor: Actor, options: Options | None) -> EventResult:
    """Approve a pending request with a second token and execute it."""

    def execute(item: Approval) -> EventResult:
        return run(store, item.action, item.payload, options, f"{item.requested_name}, approved by {actor.label}")

    result: EventResult = approvals.approve(store, approval_id, actor, execute)
    return result
