"""Which stored events are current: the lifecycle status of every event at a time.

Pages, the Atom feed, the OGC API items and the point query ask this module
instead of reading the stored ``status`` flag: an event whose windows are all
over, or whose notice said ``CANCEL THIS MSG`` at a time now past, is ``ended``
although its stored status still says ``active`` (see
:func:`geowarn.verdict.event_lifecycle`).

>>> from geowarn.verdict import Lifecycle
>>> is_current(Lifecycle.ACTIVE), is_current(Lifecycle.ENDED)
(True, False)
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from geowarn.errors import NotFound
from geowarn.store import Store
from geowarn.verdict import Lifecycle, event_lifecycle

#: Page size used when every event is read.
_PAGE = 500


def is_current(status: Lifecycle | str) -> bool:
    """Whether an event with this lifecycle status belongs in the "current" lists (only ``active``)."""
    return Lifecycle(status) == Lifecycle.ACTIVE


def statuses(store: Store, now: datetime | None = None, ids: Iterable[str] | None = None) -> dict[str, Lifecycle]:
    """Event id → lifecycle status at ``now`` (default: the clock) for ``ids`` (default: every event).

    Parameters
    ----------
    store
        The store the events are read from (each event in full: corridors and raw notices).
    now
        The time judged at.
    ids
        The events to judge; unknown ids are left out.

    Returns
    -------
    dict
        ``{event_id: Lifecycle}``.
    """
    now = now or datetime.now(UTC)
    if ids is None:
        found: list[str] = []
        while True:
            page = store.list_events(limit=_PAGE, offset=len(found))
            found += [e.id for e in page]
            if len(page) < _PAGE:
                break
        ids = found
    out: dict[str, Lifecycle] = {}
    for event_id in dict.fromkeys(ids):
        try:
            out[event_id] = event_lifecycle(store.get_event(event_id), now)
        except NotFound:
            continue
    return out
