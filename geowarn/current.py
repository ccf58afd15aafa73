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

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from geowarn.errors import NotFound
from geowarn.model import Event, EventStatus, utc
from geowarn.store import Store
from geowarn.verdict import Lifecycle, last_window_end, notice_cancel_at

#: Page size used when every event is read.
_PAGE = 500


def is_current(status: Lifecycle | str) -> bool:
    """Tell whether an event with this lifecycle status belongs in the "current" lists (only ``active``)."""
    return Lifecycle(status) == Lifecycle.ACTIVE


@dataclass(frozen=True)
class _Ends:
    """What decides an event version's lifecycle besides the clock (versions never change once written)."""

    stored: EventStatus
    cancel_at: datetime | None
    last_end: datetime | None  # None: some corridor has no window (never ends by time)
    has_corridors: bool


#: store → (event id, version, updated) → :class:`_Ends`: the notices are read and parsed once per version.
_MEMO: weakref.WeakKeyDictionary[Store, OrderedDict[tuple[str, int, str], _Ends]] = weakref.WeakKeyDictionary()
_MEMO_SIZE = 4096
_LOCK = threading.Lock()


def _ends(store: Store, event: Event) -> _Ends:
    key = (event.id, event.version, event.updated.isoformat())
    with _LOCK:
        memo = _MEMO.setdefault(store, OrderedDict())
        hit = memo.get(key)
        if hit is not None:
            memo.move_to_end(key)
            return hit
    full = store.get_event(event.id)
    ends = _Ends(full.status, notice_cancel_at(full), last_window_end(full.corridors), bool(full.corridors))
    with _LOCK:
        memo[key] = ends
        while len(memo) > _MEMO_SIZE:
            memo.popitem(last=False)
    return ends


def _judge(ends: _Ends, now: datetime) -> Lifecycle:
    """Apply the rules of :func:`geowarn.verdict.effective_status` to the memoised inputs."""
    if ends.stored == EventStatus.CANCELLED:
        return Lifecycle.CANCELLED
    if ends.stored == EventStatus.ENDED:
        return Lifecycle.ENDED
    if ends.cancel_at is not None and now >= ends.cancel_at:
        return Lifecycle.ENDED
    if ends.has_corridors and ends.last_end is not None and now > ends.last_end:
        return Lifecycle.ENDED
    return Lifecycle.ACTIVE


def statuses(store: Store, now: datetime | None = None, ids: Iterable[str] | None = None) -> dict[str, Lifecycle]:
    """Map event ids to their lifecycle status at ``now`` (default: the clock), every event or ``ids``.

    The same answer as :func:`geowarn.verdict.event_lifecycle` of each full event; what it
    needs of an event version (stored status, the notice's cancel time, the end of the last
    window) is read once per version and kept in memory.

    Parameters
    ----------
    store
        The store the events are read from.
    now
        The time judged at.
    ids
        The events to judge; unknown ids are left out.

    Returns
    -------
    dict
        ``{event_id: Lifecycle}``.
    """
    now = utc(now or datetime.now(UTC))
    events: list[Event] = []
    while True:
        page = store.list_events(limit=_PAGE, offset=len(events))
        events += page
        if len(page) < _PAGE:
            break
    wanted = None if ids is None else set(ids)
    out: dict[str, Lifecycle] = {}
    for event in events:
        if wanted is not None and event.id not in wanted:
            continue
        try:
            out[event.id] = _judge(_ends(store, event), now)
        except NotFound:
            continue
    return out
