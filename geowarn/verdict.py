"""One verdict per region and per point: is it affected now, warned, later, over, or not at all.

The web pages, the point query and the feeds ask this module instead of
judging windows in templates. Everything here is pure: the inputs are events,
their alert zones and ``now``; nothing is read from a store or a clock.

Lifecycle of an event (:func:`effective_status`)
------------------------------------------------
``active`` → ``ended`` (``now`` is after the last window of every corridor, or at
or after the notice's own ``CANCEL THIS MSG ddhhmmZ MON YY`` time) → ``cancelled``
(stored status, set by an operator or a cancelling notice). A *replaced* event
version is not judged at all: the store only returns the zones of an event's
current version. An event with a corridor or zone without windows never ends by
time (its danger has no known end).

State of one zone (:func:`zone_state`)
--------------------------------------
For a zone of an ``active`` event: ``affected_now`` when a window contains
``now``; ``warning`` when the next window opens within :data:`SOON` (24 h —
windows are hints, launches come early, so an upcoming warning IS a warning);
``expected_later`` when it opens later; ``ended`` when every window of that zone
is over. A zone without windows counts as ``affected_now`` when its urgency is
``Immediate`` (the rule of :func:`geowarn.views.region_page`), else as an
untimed ``warning`` (never as not affected). A zone of an ended or cancelled
event is ``ended`` or ``cancelled``.

Precedence (:data:`PRECEDENCE`)
-------------------------------
``affected_now`` > ``warning`` > ``expected_later`` > history (``ended`` /
``cancelled``: the most recent one wins, a tie goes to ``cancelled``) >
``not_affected`` (no zone at all). A cancelled event therefore never outranks
an active warning. The verdict's zones and events are those of the winning
state; ``items`` keeps every zone's own state so a page can list current zones
first and put the history under a fold.

Points (:func:`point_verdict`)
------------------------------
A point is affected by a zone whose geometry covers it (boundary included;
longitudes normalised, zones cut at ±180° handled). Proximity zones (no
geometry: the corridor passes within ``distance_km`` of the region without
overlapping it) do NOT claim a point — the point is outside every corridor;
such a zone still counts in :func:`region_verdict` for its region. The candidate
zones for a point are those of the regions covering it (:func:`point_region_ids`).

>>> from datetime import UTC, datetime
>>> from shapely import box
>>> from geowarn.model import (AlertZone, Certainty, Event, Phase, RegionKind, ResponseType,
...     Severity, TimeWindow, Urgency)
>>> w = TimeWindow(datetime(2026, 12, 2, 22, 0, tzinfo=UTC), datetime(2026, 12, 3, 1, 0, tzinfo=UTC))
>>> z = AlertZone("z1", "e1", "c1", Phase.STAGE1, "jp-prefectures", "JP-47", "Okinawa",
...     RegionKind.ADMIN, box(125, 24.5, 125.5, 25), 10.0, 0.01, 0.1, 0.0, Severity.EXTREME,
...     Urgency.EXPECTED, Certainty.LIKELY, ResponseType.SHELTER, windows=(w,))
>>> v = region_verdict("JP-47", [(Event("e1", "Launch"), z)], datetime(2026, 12, 2, 20, 12, tzinfo=UTC))
>>> v.state.value, v.severity, v.countdown_s, headline(v, "en", "Asia/Tokyo")
('warning', <Severity.EXTREME: 'Extreme'>, 6480, 'Warning from 07:00 JST')
>>> point_verdict(125.2, 24.7, [(Event("e1", "Launch"), z)], datetime(2026, 12, 2, 23, 0, tzinfo=UTC)).state.value
'affected_now'
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from geowarn.errors import InvalidParameter
from geowarn.i18n import message, with_zone
from geowarn.model import AlertZone, Event, EventStatus, Region, Severity, TimeWindow, Urgency, utc
from geowarn.publish.localtime import to_local

#: A window opening within this time makes a warning (same horizon as CAP urgency ``Expected``).
SOON = timedelta(hours=24)

#: Formats whose parser reads ``CANCEL THIS MSG`` into ``meta["cancel_at"]``.
NOTICE_FORMATS = frozenset({"navwarn", "navtex", "navarea", "hydropac"})


class Lifecycle(StrEnum):
    """An event's effective status at a time (see :func:`effective_status`)."""

    ACTIVE = "active"
    ENDED = "ended"
    CANCELLED = "cancelled"


class State(StrEnum):
    """The verdict for a region or a point."""

    AFFECTED_NOW = "affected_now"
    WARNING = "warning"
    EXPECTED_LATER = "expected_later"
    ENDED = "ended"
    CANCELLED = "cancelled"
    NOT_AFFECTED = "not_affected"


#: Strongest first; ``ENDED`` and ``CANCELLED`` share a rank (the more recent wins).
PRECEDENCE: dict[State, int] = {
    State.AFFECTED_NOW: 0,
    State.WARNING: 1,
    State.EXPECTED_LATER: 2,
    State.CANCELLED: 3,
    State.ENDED: 3,
    State.NOT_AFFECTED: 4,
}


class _Windowed(Protocol):
    @property
    def windows(self) -> tuple[TimeWindow, ...]: ...


@dataclass(frozen=True)
class ZoneVerdict:
    """The state of one (event, zone) pair at ``now``; ``starts_at``/``ends_at`` is the window that decides it."""

    event: Event
    zone: AlertZone
    lifecycle: Lifecycle
    state: State
    starts_at: datetime | None
    ends_at: datetime | None


@dataclass(frozen=True)
class Verdict:
    """The verdict for a region or a point at ``now``.

    Attributes
    ----------
    state
        One of :class:`State` (a ``StrEnum``: compares equal to ``"warning"`` …).
    severity
        Worst severity of the zones behind the verdict (``None`` when not affected).
    starts_at, ends_at
        UTC. ``affected_now``: the open window (``ends_at`` is the latest end of the
        open windows; both ``None`` for a zone without windows). ``warning`` /
        ``expected_later``: the next window. ``ended``: the last window (``None`` when the
        event ended before its last window, at its notice's cancel time, or has no window).
        ``cancelled``: ``ends_at`` is the cancellation (the cancelled event's ``updated`` time).
    countdown_s
        Whole seconds from ``now`` to ``starts_at`` when that is in the future, else ``None``.
    zones, events
        The zones of the winning state and their events (each once). For ``ended`` /
        ``cancelled`` only the zones of the most recent such event.
    windows
        The distinct windows of ``zones``, sorted.
    daily
        ``True`` when ``windows`` are a daily schedule (two or more windows of the same
        length, each starting 24 h after the previous one).
    items
        Every input zone's own :class:`ZoneVerdict`, strongest first (current zones,
        then history).
    now
        The time judged at (UTC).
    """

    state: State
    severity: Severity | None
    starts_at: datetime | None
    ends_at: datetime | None
    countdown_s: int | None
    zones: tuple[AlertZone, ...]
    events: tuple[Event, ...]
    windows: tuple[TimeWindow, ...]
    daily: bool
    items: tuple[ZoneVerdict, ...]
    now: datetime

    @property
    def current(self) -> tuple[ZoneVerdict, ...]:
        """Items that are affected now, warned or expected later (the page's main list)."""
        return tuple(i for i in self.items if PRECEDENCE[i.state] < PRECEDENCE[State.ENDED])

    @property
    def history(self) -> tuple[ZoneVerdict, ...]:
        """Ended and cancelled items (the page's collapsed history)."""
        return tuple(i for i in self.items if i.state in (State.ENDED, State.CANCELLED))


# --------------------------------------------------------------------------- lifecycle


def notice_cancel_at(event: Event) -> datetime | None:
    """Return the latest ``CANCEL THIS MSG`` time in the event's raw notices (re-parsed), or ``None``.

    The service does not keep a parser's ``meta``; the raw inputs are kept, so the
    time is read again from them. Inputs of other formats, or that fail to parse,
    are skipped.

    >>> from geowarn.model import RawInput
    >>> text = '''NAVAREA XI 0123/16
    ... 1. ROCKET LAUNCHING 062230Z TO 070330Z FEB
    ...    A. 36-04N 124-30E, 36-04N 124-54E, 35-19N 124-54E, 35-19N 124-30E.
    ... 2. CANCEL THIS MSG 140430Z FEB 16.'''
    >>> notice_cancel_at(Event("e", "e", inputs=[RawInput("navwarn", text)])).isoformat()
    '2016-02-14T04:30:00+00:00'
    """
    from geowarn.errors import GeowarnError
    from geowarn.sources import parse

    found: list[datetime] = []
    for raw in event.inputs:
        if raw.format not in NOTICE_FORMATS:
            continue
        try:
            meta = parse(raw.text, raw.format).meta
        except GeowarnError:
            continue
        at = meta.get("cancel_at")
        if at:
            found.append(utc(datetime.fromisoformat(str(at).replace("Z", "+00:00"))))
    return max(found, default=None)


def last_window_end(items: Iterable[_Windowed]) -> datetime | None:
    """End of the last window of ``items`` (zones or corridors); ``None`` if any item has no window.

    >>> from datetime import UTC
    >>> from shapely import box
    >>> from geowarn.model import Corridor
    >>> w = TimeWindow(datetime(2016, 2, 6, 22, 30, tzinfo=UTC), datetime(2016, 2, 7, 3, 30, tzinfo=UTC))
    >>> last_window_end([Corridor("a", box(0, 0, 1, 1), windows=(w,))]).isoformat()
    '2016-02-07T03:30:00+00:00'
    >>> last_window_end([Corridor("a", box(0, 0, 1, 1), windows=(w,)), Corridor("b", box(0, 0, 1, 1))]) is None
    True
    """
    ends: list[datetime] = []
    for item in items:
        if not item.windows:
            return None
        ends.append(max(w.end for w in item.windows))
    return max(ends, default=None)


def ended_at(event: Event) -> datetime | None:
    """Return when an event is over: its notice's ``CANCEL THIS MSG`` time or its last window's end, the earlier.

    ``None`` when neither is known (a corridor without a window never ends by time).

    >>> from datetime import UTC
    >>> from shapely import box
    >>> from geowarn.model import Corridor
    >>> w = TimeWindow(datetime(2016, 2, 6, 22, 30, tzinfo=UTC), datetime(2016, 2, 7, 3, 30, tzinfo=UTC))
    >>> ended_at(Event("e", "e", corridors=[Corridor("a", box(0, 0, 1, 1), windows=(w,))])).isoformat()
    '2016-02-07T03:30:00+00:00'
    """
    return min([t for t in (last_window_end(event.corridors), notice_cancel_at(event)) if t is not None], default=None)


def effective_status(
    event: Event, zones_or_corridors: Iterable[_Windowed], now: datetime, cancel_at: datetime | None = None
) -> Lifecycle:
    """Return the event's lifecycle status at ``now``: ``active``, ``ended`` or ``cancelled`` (pure).

    ``cancelled`` when the stored status is cancelled; ``ended`` when the stored
    status is ended, when ``now`` is at or after ``cancel_at`` (the notice's own
    ``CANCEL THIS MSG`` time, see :func:`notice_cancel_at`), or when ``now`` is after
    the last window of every one of ``zones_or_corridors``; else ``active``
    (a draft counts as active: it is not yet over). With no item and no
    ``cancel_at`` the stored status decides.

    >>> from datetime import UTC
    >>> from shapely import box
    >>> from geowarn.model import Corridor
    >>> w = TimeWindow(datetime(2016, 2, 6, 22, 30, tzinfo=UTC), datetime(2016, 2, 7, 3, 30, tzinfo=UTC))
    >>> cs = [Corridor("a", box(0, 0, 1, 1), windows=(w,))]
    >>> e = Event("e", "Launch")
    >>> [effective_status(e, cs, datetime(2016, 2, d, tzinfo=UTC)).value for d in (6, 7, 8)]
    ['active', 'active', 'ended']
    >>> effective_status(e, cs, datetime(2016, 2, 7, 1, tzinfo=UTC), cancel_at=w.start).value
    'ended'
    >>> effective_status(e.replace(status=EventStatus.CANCELLED), cs, datetime(2016, 2, 6, tzinfo=UTC)).value
    'cancelled'
    """
    if event.status == EventStatus.CANCELLED:
        return Lifecycle.CANCELLED
    if event.status == EventStatus.ENDED:
        return Lifecycle.ENDED
    now = utc(now)
    if cancel_at is not None and now >= utc(cancel_at):
        return Lifecycle.ENDED
    end = last_window_end(zones_or_corridors)
    if end is not None and now > end:
        return Lifecycle.ENDED
    return Lifecycle.ACTIVE


def event_lifecycle(event: Event, now: datetime) -> Lifecycle:
    """:func:`effective_status` of a full event (as ``store.get_event`` returns it: corridors and inputs).

    Uses every corridor's windows and the notices' own cancel time (:func:`notice_cancel_at`);
    the value to pass in ``statuses`` of :func:`region_verdict` / :func:`point_verdict`.
    """
    return effective_status(event, event.corridors, now, notice_cancel_at(event))


# --------------------------------------------------------------------------- one zone


def zone_state(event: Event, zone: AlertZone, lifecycle: Lifecycle, now: datetime) -> ZoneVerdict:
    """Return the state of one zone of an event whose lifecycle status is ``lifecycle`` (see the module notes).

    >>> from datetime import UTC
    >>> from geowarn.model import Certainty, Phase, RegionKind, ResponseType
    >>> w = TimeWindow(datetime(2016, 2, 6, 22, 30, tzinfo=UTC), datetime(2016, 2, 7, 3, 30, tzinfo=UTC))
    >>> z = AlertZone("z", "e", "c", Phase.STAGE1, "l", "JP-47", "Okinawa", RegionKind.ADMIN, None,
    ...     0.0, 0.0, 0.0, 5.0, Severity.MODERATE, Urgency.EXPECTED, Certainty.LIKELY,
    ...     ResponseType.PREPARE, windows=(w,))
    >>> [zone_state(Event("e", "e"), z, Lifecycle.ACTIVE, datetime(2016, 2, d, h, tzinfo=UTC)).state.value
    ...  for d, h in [(5, 0), (6, 0), (7, 0), (7, 4)]]
    ['expected_later', 'warning', 'affected_now', 'ended']
    >>> zone_state(Event("e", "e"), z, Lifecycle.CANCELLED, datetime(2016, 2, 7, tzinfo=UTC)).state.value
    'cancelled'
    """
    now = utc(now)
    windows = sorted(zone.windows, key=lambda w: (w.start, w.end))
    if lifecycle == Lifecycle.CANCELLED:
        return ZoneVerdict(event, zone, lifecycle, State.CANCELLED, None, utc(event.updated))
    if not windows:
        if lifecycle == Lifecycle.ENDED:
            return ZoneVerdict(event, zone, lifecycle, State.ENDED, None, None)
        state = State.AFFECTED_NOW if zone.urgency == Urgency.IMMEDIATE else State.WARNING
        return ZoneVerdict(event, zone, lifecycle, state, None, None)
    last = max(windows, key=lambda w: w.end)
    if lifecycle == Lifecycle.ENDED:
        if last.end > now:  # ended early (the notice's cancel time): the end is not a window's
            return ZoneVerdict(event, zone, lifecycle, State.ENDED, None, None)
        return ZoneVerdict(event, zone, lifecycle, State.ENDED, last.start, last.end)
    open_now = [w for w in windows if w.contains(now)]
    if open_now:
        return ZoneVerdict(
            event,
            zone,
            lifecycle,
            State.AFFECTED_NOW,
            min(w.start for w in open_now),
            max(w.end for w in open_now),
        )
    upcoming = [w for w in windows if w.start > now]
    if not upcoming:
        return ZoneVerdict(event, zone, lifecycle, State.ENDED, last.start, last.end)
    nxt = upcoming[0]
    state = State.WARNING if nxt.start - now <= SOON else State.EXPECTED_LATER
    return ZoneVerdict(event, zone, lifecycle, state, nxt.start, nxt.end)


# --------------------------------------------------------------------------- combining


def is_daily(windows: Sequence[TimeWindow]) -> bool:
    """Two or more windows of one length, each starting exactly 24 h after the previous one.

    >>> from datetime import UTC
    >>> t = datetime(2016, 2, 6, 22, 30, tzinfo=UTC)
    >>> is_daily([TimeWindow(t + timedelta(days=d), t + timedelta(days=d, hours=5)) for d in range(3)])
    True
    >>> is_daily([TimeWindow(t, t + timedelta(hours=5))])
    False
    """
    ws = sorted(set(windows), key=lambda w: w.start)
    if len(ws) < 2:
        return False
    length = ws[0].end - ws[0].start
    return all(b.start - a.start == timedelta(days=1) for a, b in itertools.pairwise(ws)) and all(
        w.end - w.start == length for w in ws
    )


def _order_key(item: ZoneVerdict) -> tuple[int, float, int, int, str]:
    rank = PRECEDENCE[item.state]
    if item.state in (State.ENDED, State.CANCELLED):
        when = -(item.ends_at.timestamp() if item.ends_at else float("-inf"))  # most recent first
    else:
        when = item.starts_at.timestamp() if item.starts_at else float("-inf")  # open-ended / soonest first
    tie = 0 if item.state == State.CANCELLED else 1
    return (rank, when, tie, item.zone.severity.rank, item.zone.id)


def combine(items: Iterable[ZoneVerdict], now: datetime) -> Verdict:
    """Combine zone states into a verdict by :data:`PRECEDENCE` (pure; used by both verdict functions)."""
    now = utc(now)
    ordered = tuple(sorted(items, key=_order_key))
    if not ordered:
        return Verdict(State.NOT_AFFECTED, None, None, None, None, (), (), (), False, (), now)
    best = ordered[0]
    if best.state in (State.ENDED, State.CANCELLED):
        # the most recent history item decides; its event's zones of the same state stand behind it
        behind = [i for i in ordered if i.state == best.state and i.event.id == best.event.id]
    else:
        behind = [i for i in ordered if i.state == best.state]
    zones = tuple(dict.fromkeys(i.zone.id for i in behind))
    by_id = {i.zone.id: i.zone for i in behind}
    events = tuple({i.event.id: i.event for i in behind}.values())
    windows = tuple(sorted({w for i in behind for w in i.zone.windows}, key=lambda w: (w.start, w.end)))
    if best.state == State.AFFECTED_NOW:
        starts = [i.starts_at for i in behind if i.starts_at is not None]
        ends = [i.ends_at for i in behind if i.ends_at is not None]
        open_ended = len(ends) < len(behind)  # a zone without windows: no known end
        starts_at = None if open_ended else min(starts)
        ends_at = None if open_ended else max(ends)
    else:
        starts_at, ends_at = best.starts_at, best.ends_at
    countdown = int((starts_at - now).total_seconds()) if starts_at and starts_at > now else None
    return Verdict(
        state=best.state,
        severity=min((by_id[z].severity for z in zones), key=lambda s: s.rank),
        starts_at=starts_at,
        ends_at=ends_at,
        countdown_s=countdown,
        zones=tuple(by_id[z] for z in zones),
        events=events,
        windows=windows,
        daily=is_daily(windows),
        items=ordered,
        now=now,
    )


def _judge(
    pairs: Iterable[tuple[Event, AlertZone]],
    now: datetime,
    statuses: Mapping[str, Lifecycle] | None,
) -> list[ZoneVerdict]:
    pairs = list(pairs)
    per_event: dict[str, list[AlertZone]] = {}
    for event, zone in pairs:
        per_event.setdefault(event.id, []).append(zone)
    lifecycle: dict[str, Lifecycle] = {}
    for event, _zone in pairs:
        if event.id not in lifecycle:
            given = (statuses or {}).get(event.id)
            lifecycle[event.id] = Lifecycle(given) if given else effective_status(event, per_event[event.id], now)
    seen: set[str] = set()
    out = []
    for event, zone in pairs:
        if zone.id in seen:
            continue
        seen.add(zone.id)
        out.append(zone_state(event, zone, lifecycle[event.id], now))
    return out


def region_verdict(
    region_id: str,
    pairs: Iterable[tuple[Event, AlertZone]],
    now: datetime,
    *,
    statuses: Mapping[str, Lifecycle] | None = None,
) -> Verdict:
    """Return the verdict for ``region_id`` (and its ``TS-``/``EEZ-`` belts) from ``store.region_zones(region_id)``.

    Parameters
    ----------
    region_id
        The region (``JP-47``); pairs of other regions are ignored.
    pairs
        ``(Event, AlertZone)`` pairs as :meth:`geowarn.store.base.SqlStore.region_zones` returns them.
    now
        The time judged at.
    statuses
        Event id → lifecycle status computed with the whole event (all its corridors
        and :func:`notice_cancel_at`); missing events are judged from their zones here.
    """
    ids = {region_id, f"TS-{region_id}", f"EEZ-{region_id}"}
    return combine(_judge(((e, z) for e, z in pairs if z.region_id in ids), now, statuses), now)


def event_verdict(event: Event, zones: Iterable[AlertZone], now: datetime, lifecycle: Lifecycle) -> Verdict:
    """Judge one event over all its zones (its page's headline): when it warns, strikes or ended.

    ``lifecycle`` is the event's status at ``now`` (:func:`event_lifecycle`).
    """
    return combine((zone_state(event, z, lifecycle, now) for z in zones), now)


def normalise_lon(lon: float) -> float:
    """Longitude in [-180, 180).

    >>> normalise_lon(190.0), normalise_lon(-181.0), normalise_lon(180.0)
    (-170.0, 179.0, -180.0)
    """
    return ((lon + 180.0) % 360.0) - 180.0


def covers_point(zone: AlertZone, lon: float, lat: float) -> bool:
    """Whether ``zone``'s geometry covers the point (boundary in); ``False`` for a proximity zone.

    The point is tried at its normalised longitude and ±360° of it, so zones cut at
    180° (parts ending at 180 and starting at -180) and zones drawn past 180° both work.
    """
    geom = zone.geometry
    if geom is None or geom.is_empty:
        return False
    base = normalise_lon(lon)
    candidates = [base, base + 360.0, base - 360.0]
    if base == -180.0:
        candidates.append(180.0)
    return any(shapely.covers(geom, Point(x, lat)) for x in candidates)


class _Queryable(Protocol):
    def query(self, geometry: BaseGeometry, predicate: str = ...) -> list[Region]: ...


def _check_point(lon: float, lat: float) -> None:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidParameter(f"coordinates must be finite numbers, got lon={lon!r} lat={lat!r}")
    if not -90.0 <= lat <= 90.0:
        raise InvalidParameter(f"latitude {lat:g} is outside -90..90")


def point_region_ids(lon: float, lat: float, layers: Iterable[_Queryable]) -> list[str]:
    """Ids of the regions of ``layers`` (e.g. :func:`geowarn.layers.load_layers`) that cover the point.

    A zone is clipped to its region, so the zones that can cover a point are the
    zones of these regions: ``store.region_zones(id)`` for each id gives the
    candidates for :func:`point_verdict`.

    >>> from geowarn.layers import load_layers
    >>> point_region_ids(127.68, 26.21, load_layers(["jp-prefectures"]))
    ['JP-47']
    """
    _check_point(lon, lat)
    base = normalise_lon(lon)
    xs = [base, 180.0] if base == -180.0 else [base]
    out: dict[str, None] = {}
    for layer in layers:
        for x in xs:
            for region in layer.query(Point(x, lat), predicate="intersects"):
                out.setdefault(region.id, None)
    return list(out)


def point_verdict(
    lon: float,
    lat: float,
    pairs: Iterable[tuple[Event, AlertZone]],
    now: datetime,
    *,
    statuses: Mapping[str, Lifecycle] | None = None,
) -> Verdict:
    """Return the verdict at a point from candidate ``(Event, AlertZone)`` pairs (duplicates ignored).

    Only zones whose geometry covers the point count (see :func:`covers_point`);
    a proximity zone never claims a point. ``statuses`` as in :func:`region_verdict`.
    """
    _check_point(lon, lat)
    hits = [(e, z) for e, z in pairs if covers_point(z, lon, lat)]
    return combine(_judge(hits, now, statuses), now)


def area_verdict(
    area: BaseGeometry,
    pairs: Iterable[tuple[Event, AlertZone]],
    now: datetime,
    *,
    statuses: Mapping[str, Lifecycle] | None = None,
) -> Verdict:
    """Judge an area (a municipality): the zones whose geometry intersects it (boundary in).

    Like :func:`point_verdict`, proximity zones (no geometry) do not claim the area.
    ``area`` and the zones are compared as drawn (no ±360° shift; areas of the
    shipped municipality layer do not cross 180°).

    >>> from datetime import UTC
    >>> from shapely import box
    >>> from geowarn.model import Certainty, Phase, RegionKind, ResponseType
    >>> w = TimeWindow(datetime(2026, 12, 2, 22, 0, tzinfo=UTC), datetime(2026, 12, 3, 1, 0, tzinfo=UTC))
    >>> z = AlertZone("z1", "e1", "c1", Phase.STAGE1, "jp-prefectures", "JP-47", "Okinawa",
    ...     RegionKind.ADMIN, box(125, 24.5, 125.5, 25), 10.0, 0.01, 0.1, 0.0, Severity.EXTREME,
    ...     Urgency.EXPECTED, Certainty.LIKELY, ResponseType.SHELTER, windows=(w,))
    >>> now = datetime(2026, 12, 2, 20, 12, tzinfo=UTC)
    >>> areas = [box(125.4, 24.9, 126, 25.2), box(126, 26, 127, 27)]
    >>> [area_verdict(a, [(Event("e1", "L"), z)], now).state.value for a in areas]
    ['warning', 'not_affected']
    """
    hits = [
        (e, z)
        for e, z in pairs
        if z.geometry is not None and not z.geometry.is_empty and shapely.intersects(z.geometry, area)
    ]
    return combine(_judge(hits, now, statuses), now)


# --------------------------------------------------------------------------- text


def local_time(value: datetime, now: datetime, tz: str, lang: str) -> str:
    """``07:00 JST`` when ``value`` falls on ``now``'s local date, else ``2026-12-05 07:00 JST`` (ja: ``（日本時間）``).

    >>> from datetime import UTC
    >>> local_time(datetime(2026, 12, 2, 22, tzinfo=UTC), datetime(2026, 12, 2, 20, 12, tzinfo=UTC), "Asia/Tokyo", "ja")
    '07:00（日本時間）'
    >>> local_time(datetime(2016, 2, 14, 3, 30, tzinfo=UTC), datetime(2026, 12, 3, tzinfo=UTC), "Asia/Tokyo", "en")
    '2016-02-14 12:30 JST'
    """
    t, n = to_local(value, tz), to_local(now, tz)
    text = f"{t:%H:%M}" if t.date() == n.date() else f"{t:%Y-%m-%d %H:%M}"
    return with_zone(text, tz, lang, t.tzname() or tz)


def headline(verdict: Verdict, lang: str, tz: str) -> str:
    """Summarize the verdict in one line in ``lang`` (``en``/``ja``) with times in ``tz``.

    >>> from datetime import UTC
    >>> now = datetime(2026, 12, 3, tzinfo=UTC)
    >>> headline(Verdict(State.NOT_AFFECTED, None, None, None, None, (), (), (), False, (), now), "ja", "Asia/Tokyo")
    '影響なし'
    """

    def at(value: datetime) -> str:
        return local_time(value, verdict.now, tz, lang)

    s = verdict.state
    if s == State.AFFECTED_NOW:
        if verdict.ends_at is None:
            return message("verdict.affected_now", lang)
        return message("verdict.affected_now_until", lang, time=at(verdict.ends_at))
    if s == State.WARNING:
        if verdict.starts_at is None:
            return message("verdict.warning_untimed", lang)
        return message("verdict.warning", lang, time=at(verdict.starts_at))
    if s == State.EXPECTED_LATER and verdict.starts_at is not None:
        return message("verdict.expected_later", lang, time=at(verdict.starts_at))
    if s == State.ENDED:
        if verdict.ends_at is None:
            return message("verdict.ended_untimed", lang)
        return message("verdict.ended", lang, time=at(verdict.ends_at))
    if s == State.CANCELLED:
        if verdict.ends_at is None:
            return message("verdict.cancelled_untimed", lang)
        return message("verdict.cancelled", lang, time=at(verdict.ends_at))
    return message("verdict.not_affected", lang)


def schedule(verdict: Verdict, lang: str, tz: str) -> str | None:
    """Return the daily schedule (``Daily 07:30–12:30 JST, 2016-02-07 to 2016-02-14``), or ``None`` if not daily."""
    if not verdict.daily:
        return None
    return daily_schedule(verdict.windows, lang, tz)


def daily_schedule(windows: Sequence[TimeWindow], lang: str, tz: str) -> str | None:
    """Write ``windows`` as one daily schedule in ``tz``, or ``None`` when they are not daily (:func:`is_daily`).

    >>> from datetime import UTC
    >>> t = datetime(2016, 2, 6, 22, 30, tzinfo=UTC)
    >>> daily_schedule([TimeWindow(t + timedelta(days=d), t + timedelta(days=d, hours=5)) for d in range(8)],
    ...     "en", "Asia/Tokyo")
    'Daily 07:30–12:30 JST, 2016-02-07 to 2016-02-14'
    """
    if not is_daily(windows):
        return None
    ordered = sorted(set(windows), key=lambda w: (w.start, w.end))
    first, last = ordered[0], ordered[-1]
    a, b = to_local(first.start, tz), to_local(first.end, tz)
    zone = a.tzname() or tz
    return message(
        "schedule.daily",
        lang,
        start=f"{a:%H:%M}",
        end=with_zone(f"{b:%H:%M}", tz, lang, zone),
        first=f"{a:%Y-%m-%d}",
        last=f"{to_local(last.start, tz):%Y-%m-%d}",
    )
