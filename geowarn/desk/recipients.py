"""Who would receive Alert / Update / Cancel if this event version were written: a dry run.

The alert rules (:func:`geowarn.alerts.lifecycle.plan_event`) run against the stored
subscriptions and their states in a read-only snapshot; nothing is written or sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from geowarn.alerts.lifecycle import Planned, plan_event
from geowarn.model import AlertZone, Event, EventStatus
from geowarn.store import Store


def recipients(store: Store, event: Event, zones: Sequence[AlertZone], *, now: datetime | None = None) -> list[Planned]:
    """Plan the messages the alert lifecycle would write for ``event`` (with ``zones``) now.

    Parameters
    ----------
    store
        The store (a read-only snapshot).
    event
        The event version as it would be written.
    zones
        Its alert zones.
    now
        The time of the dry run (default: now).

    Returns
    -------
    list of Planned
        One per subscription that would receive a message.
    """
    with store.snapshot() as tx:
        return plan_event(tx, event, zones, now or datetime.now(UTC))


def cancel_recipients(store: Store, event_id: str, *, now: datetime | None = None) -> list[Planned]:
    """Plan who would receive a Cancel if ``event_id`` were cancelled now."""
    current = store.get_event(event_id)
    cancelled = current.replace(version=current.version + 1, status=EventStatus.CANCELLED)
    return recipients(store, cancelled, store.zones(event_id), now=now)
