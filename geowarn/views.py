"""Data for the HTML pages (framework-free): dashboard, event and region pages (operator: geowarn.desk.pages).

Each function returns plain values that a template renders (the templates
escape every string).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from geowarn import rendering
from geowarn.current import is_current, statuses
from geowarn.errors import InvalidParameter, NotFound
from geowarn.i18n import label, message, pick_language, with_zone, zone_label
from geowarn.model import AlertZone, Corridor, Event, Severity, TimeWindow, utc
from geowarn.publish.localtime import region_timezone, to_local
from geowarn.service import Options
from geowarn.store import Store
from geowarn.verdict import (
    Lifecycle,
    State,
    Verdict,
    ZoneVerdict,
    daily_schedule,
    ended_at,
    event_lifecycle,
    event_verdict,
    headline,
    is_daily,
    local_time,
    region_verdict,
    schedule,
)

RECENT = 20
#: The zone of the dashboard's and the event page's times (the service watches Japan's neighbourhood).
TZ = "Asia/Tokyo"


def windows_text(windows: Sequence[TimeWindow], now: datetime, tz: str, lang: str, limit: int = 3) -> str:
    """Write windows in local time with the zone named: a daily schedule as daily, else the open/next ones.

    >>> from datetime import timedelta
    >>> t = datetime(2016, 2, 6, 22, 30, tzinfo=UTC)
    >>> ws = [TimeWindow(t + timedelta(days=d), t + timedelta(days=d, hours=5)) for d in range(8)]
    >>> windows_text(ws, t, "Asia/Tokyo", "ja")
    '2016-02-07から2016-02-14まで毎日07:30〜12:30（日本時間）'
    >>> windows_text(ws[:1], t, "Asia/Tokyo", "en"), windows_text(ws[:1], t - timedelta(days=1), "Asia/Tokyo", "en")
    ('07:30–12:30 JST', '2016-02-07 07:30–12:30 JST')
    >>> windows_text([], t, "Asia/Tokyo", "en")
    '—'
    """
    ordered = sorted(set(windows), key=lambda w: (w.start, w.end))
    if not ordered:
        return "—"
    daily = daily_schedule(ordered, lang, tz)
    if daily:
        return daily
    shown = [w for w in ordered if w.end >= now] or ordered[-1:]
    text = " · ".join(local_window(w.start, w.end, now, tz, lang) for w in shown[:limit])
    return text + (" …" if len(shown) > limit else "")


def zone_rows(
    zones: list[AlertZone], now: datetime | None = None, lang: str = "en", cancelled: bool = False
) -> list[dict[str, Any]]:
    """Build the rows of the alert-zone table (texts in ``lang``, windows in each region's local time)."""
    now = utc(now or datetime.now(UTC))
    rows = []
    for z in zones:
        tz = region_timezone(z.region_id)
        rows.append(
            {
                "id": z.id,
                "region_id": z.region_id,
                "region_name": z.region_name,
                "region_name_ja": z.region_name_ja or "",
                "layer": z.layer,
                "kind": str(z.region_kind),
                "phase": _label("phase", z.phase, lang),
                "severity": str(z.severity),
                "severity_text": _label("severity", z.severity, lang),
                "urgency": _label("urgency", z.urgency, lang),
                "certainty": _label("certainty", z.certainty, lang),
                "response": _label("response", z.response, lang),
                "all_clear": str(z.response) == "AllClear",
                "area_km2": f"{z.area_km2:,.0f}",
                "distance_km": f"{z.distance_km:,.1f}",
                "window": windows_text(z.windows, now, tz, lang)
                if z.windows
                else local_window(z.window_start, z.window_end, now, tz, lang),
                "link": f"/regions/{z.region_id.removeprefix('TS-').removeprefix('EEZ-')}",
                "cancelled": cancelled,
            }
        )
    return rows


def event_card(
    event: Event,
    zones: list[AlertZone] | None = None,
    *,
    lifecycle: Lifecycle | None = None,
    now: datetime | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Summarise one event for the lists and the event page; ``status`` is its lifecycle status at ``now``."""
    now = utc(now or datetime.now(UTC))
    status = lifecycle or event_lifecycle(event, now)
    windows = [w for c in event.corridors for w in c.windows]
    card = {
        "id": event.id,
        "name": event.name,
        "status": str(status),
        "status_text": message(f"lifecycle.{status}", lang),
        "stored_status": str(event.status),
        "kind": _label("kind", event.kind, lang),
        "version": event.version,
        "updated": local_time(event.updated, now, TZ, lang) if event.updated else "",
        "window": windows_text(windows, now, TZ, lang, limit=1),
    }
    if zones is not None:
        card["zone_count"] = len(zones)
        worst = min(zones, key=lambda z: z.severity.rank).severity if zones else None
        card["worst"] = str(worst) if worst else "—"
        card["worst_text"] = _label("severity", worst, lang) if worst else "—"
    return card


def banner(event: Event, status: Lifecycle, now: datetime, lang: str, tz: str = "Asia/Tokyo") -> dict[str, str]:
    """Describe an event that is over: ``Cancelled at 05:00 JST`` or ``All clear: ended at …``; ``{}`` if active.

    >>> t = datetime(2026, 12, 2, 20, tzinfo=UTC)
    >>> banner(Event("e", "e", updated=t), Lifecycle.CANCELLED, t, "en")["text"]
    'Cancelled at 05:00 JST'
    """
    if status == Lifecycle.CANCELLED:
        text = message("banner.cancelled", lang, time=local_time(event.updated, now, tz, lang))
        return {"state": "cancelled", "text": text, "note": message("banner.cancelled_note", lang)}
    if status == Lifecycle.ENDED:
        end = ended_at(event)
        text = (
            message("banner.ended", lang, time=local_time(end, now, tz, lang))
            if end is not None and end <= now
            else message("banner.ended_untimed", lang)
        )
        return {"state": "ended", "text": text, "note": message("banner.ended_note", lang)}
    return {}


def dashboard(store: Store, *, now: datetime | None = None, lang: str = "en") -> dict[str, Any]:
    """Collect the current (lifecycle ``active``) and recent (ended or cancelled) events, newest first."""
    now = utc(now or datetime.now(UTC))
    cards = []
    lifecycles = statuses(store, now)
    for e in store.list_events(limit=RECENT):
        full = store.get_event(e.id)
        cards.append(event_card(full, store.zones(e.id), lifecycle=lifecycles.get(e.id), now=now, lang=lang))
    active = [c for c in cards if is_current(c["status"])]
    recent = [c for c in cards if not is_current(c["status"])]
    zone = zone_label(TZ, lang, "JST")
    return {"active": active, "recent": recent, "count": store.count_events(), "lang": lang, "zone": zone}


def event_page(store: Store, event_id: str, *, now: datetime | None = None, lang: str | None = None) -> dict[str, Any]:
    """Collect the event, its verdict and banner, zones, corridors, inputs and history (``lang`` None: by region)."""
    now = utc(now or datetime.now(UTC))
    event = store.get_event(event_id)
    zones = store.zones(event_id)
    lang = lang or pick_language(None, None, zones[0].region_id if zones else None)
    status = event_lifecycle(event, now)
    history = store.history(event_id)
    alternates = [
        message("event.alternates", lang, n=len(c.windows) - 1) if len(c.windows) > 1 else "" for c in event.corridors
    ]
    v = event_verdict(event, zones, now, status)
    current = v.state in (State.AFFECTED_NOW, State.WARNING, State.EXPECTED_LATER)
    return {
        "lang": lang,
        "verdict": {
            "state": str(v.state),
            "headline": headline(v, lang, TZ) if current else "",
            "countdown": countdown_text(v.countdown_s, lang) if current else "",
        },
        "event": event_card(event, zones, lifecycle=status, now=now, lang=lang),
        "banner": banner(event, status, now, lang),
        "zones": zone_rows(zones, now, lang, cancelled=status == Lifecycle.CANCELLED),
        "corridors": [
            {
                "id": c.id,
                "phase": _label("phase", c.phase, lang),
                "label": c.label,
                "source": c.source,
                "window": windows_text(c.windows, now, TZ, lang, limit=1)
                if c.windows
                else local_window(c.window_start, c.window_end, now, TZ, lang),
                "alternates": alt if not is_daily(c.windows) else "",
            }
            for c, alt in zip(event.corridors, alternates, strict=True)
        ],
        "inputs": event.inputs,
        "history": [
            {
                **h,
                "status": _label("lifecycle", h["status"], lang),
                "note": note_text(h["note"] or "", lang),
                "updated": local_time(h["updated"], now, TZ, lang) if h["updated"] else "",
            }
            for h in reversed(history)
        ],
        "zone": zone_label(TZ, lang, "JST"),
        "tz": TZ,
        "map_title": message("event.map_title", lang, event=event.name),
        "render_failures": [r for r in rendering.status(store, event_id, event.version) if r["status"] == "failed"],
    }


def overview_map(store: Store, options: Options, *, now: datetime | None = None) -> str:
    """Draw one map of the current events' corridors and zones (the dashboard's overview), land drawn."""
    from geowarn.publish.commands import reference_layers
    from geowarn.publish.maps import render_event_map

    now = utc(now or datetime.now(UTC))
    corridors = []
    zones: list[AlertZone] = []
    for event_id, status in statuses(store, now).items():
        if not is_current(status):
            continue
        full = store.get_event(event_id)
        for c in full.corridors:
            c.label = f"{full.name}: {c.label}"
        corridors += full.corridors
        zones += store.zones(event_id)
    overview = Event(id="overview", name="Active events", corridors=corridors)
    return render_event_map(
        overview,
        zones,
        layers=reference_layers([], zones),
        asset_base=options.asset_base,
        tile_url=options.tile_url,
        tile_attribution=options.tile_attribution,
    )


def parse_now(value: str | None) -> datetime | None:
    """Parse an ISO 8601 time (``2026-12-02T20:12:00Z``) for a test-only ``?now=``; ``None`` when absent.

    >>> parse_now("2026-12-02T20:12:00Z").isoformat(), parse_now(None)
    ('2026-12-02T20:12:00+00:00', None)
    """
    if not value:
        return None
    try:
        return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        raise InvalidParameter.of("error.now_value", value=repr(value)) from None


def countdown_text(seconds: int | None, lang: str) -> str:
    """``in 1 h 48 min`` / ``あと1時間48分`` (whole minutes, rounded up); ``""`` without a countdown.

    >>> countdown_text(6480, "en"), countdown_text(6480, "ja"), countdown_text(59, "en")
    ('in 1 h 48 min', 'あと1時間48分', 'in 1 min')
    >>> countdown_text(90000, "en"), countdown_text(None, "en")
    ('in 1 d 1 h', '')
    """
    if seconds is None or seconds < 0:
        return ""
    minutes = -(-seconds // 60)
    d, rest = divmod(minutes, 24 * 60)
    h, m = divmod(rest, 60)
    if d:
        return message("countdown.days", lang, d=d, h=h)
    if h:
        return message("countdown.hours", lang, h=h, m=m)
    return message("countdown.minutes", lang, m=m)


def _label(prefix: str, value: object, lang: str) -> str:
    """Return the catalogue's text for an enum value (``severity.Extreme``), else the value itself."""
    return label(prefix, value, lang)


#: The notes the service and the desk write (their English text) → their catalogue id; others are shown as given.
_NOTES = {
    "created": "note.created",
    "updated": "note.updated",
    "cancelled": "note.cancelled",
    "patched": "note.patched",
    "cancelled by an operator": "note.operator_cancel",
    "published": "note.published_drawn",  # the desk's note when no notice text came with the corridors
    "corridors replaced": "note.replaced_drawn",
}
_NOTE_FROM = re.compile(r"(published|corridors replaced) from (\S+)")
_NOTE_DRAWN = " (corridors drawn on the map)"


def note_text(note: str, lang: str) -> str:
    """Read a version's note in ``lang`` when it is one the service or the desk writes, else as given.

    >>> note_text("published from navwarn (corridors drawn on the map)", "ja")
    'navwarnから発表（落下区域は地図上で作図）'
    >>> note_text("patched", "ja"), note_text("patched", "en"), note_text("NAVAREA XI 0123/16", "ja")
    ('修正', 'patched', 'NAVAREA XI 0123/16')
    >>> note_text("published (corridors drawn on the map)", "ja")
    '発表（落下区域は地図上で作図）'
    """
    if note.endswith(_NOTE_DRAWN) and note != _NOTE_DRAWN:
        return message("note.drawn", lang, note=note_text(note.removesuffix(_NOTE_DRAWN), lang))
    if note in _NOTES:
        return message(_NOTES[note], lang)
    found = _NOTE_FROM.fullmatch(note)
    if found:
        kind = "note.published" if found.group(1) == "published" else "note.replaced"
        return message(kind, lang, format=found.group(2))
    return note


def local_window(start: datetime | None, end: datetime | None, now: datetime, tz: str, lang: str) -> str:
    """Format a window in local time with its zone named once: ``07:00–10:00 JST`` (dates when not today).

    >>> t = datetime(2026, 12, 2, 22, tzinfo=UTC)
    >>> local_window(t, t.replace(day=3, hour=1), t.replace(hour=20), "Asia/Tokyo", "ja")
    '07:00–10:00（日本時間）'
    >>> local_window(None, None, t, "Asia/Tokyo", "en")
    '—'
    """
    if start is None or end is None:
        return "—"
    a, b, n = to_local(start, tz), to_local(end, tz), to_local(now, tz)
    head = f"{a:%H:%M}" if a.date() == n.date() else f"{a:%Y-%m-%d %H:%M}"
    tail = f"{b:%H:%M}" if b.date() == a.date() else f"{b:%Y-%m-%d %H:%M}"
    return with_zone(f"{head}–{tail}", tz, lang, a.tzname() or tz)


def _verdict_row(item: ZoneVerdict, now: datetime, lang: str) -> dict[str, Any]:
    z = item.zone
    tz = region_timezone(z.region_id)
    windows = sorted(z.windows, key=lambda w: w.start)
    shown = [w for w in windows if w.end >= now] or windows[-1:]
    window = " · ".join(local_window(w.start, w.end, now, tz, lang) for w in shown[:3])
    if len(shown) > 3:
        window += " …"
    note = ""
    if item.state == State.CANCELLED and item.ends_at is not None:
        note = message("row.cancelled_at", lang, time=local_time(item.ends_at, now, tz, lang))
    name = (z.region_name_ja or z.region_name) if lang == "ja" else z.region_name
    return {
        "event_id": item.event.id,
        "event_name": item.event.name,
        "state": str(item.state),
        "state_text": message(f"state.{item.state}", lang),
        "note": note,
        "phase": _label("phase", z.phase, lang),
        "region_name": name,
        "severity": str(z.severity),
        "severity_text": _label("severity", z.severity, lang),
        "response": _label("response", z.response, lang),
        "window": window or "—",
    }


@dataclass(frozen=True)
class RegionState:
    """A region, its display outline and its verdict at ``now`` (shared by the page and its map)."""

    region_id: str
    name: str
    name_ja: str
    outline: Any  # the region's display geometry, or None
    verdict: Verdict
    events: dict[str, Event]
    lifecycles: dict[str, Lifecycle]
    now: datetime


def region_state(
    store: Store, region_id: str, *, layers_dir: str | None = None, now: datetime | None = None
) -> RegionState:
    """Judge a region: its names, outline and verdict (:class:`NotFound` when no layer and no zone knows it)."""
    now = utc(now or datetime.now(UTC))
    name, name_ja, outline = region_id, "", None
    try:
        from geowarn.layers import find_region

        layer, region = find_region(region_id, layers_dir)  # type: ignore[arg-type,unused-ignore]
        name, name_ja = region.name, region.name_ja or ""
        index = [r.id for r in layer.regions].index(region_id)
        outline = layer.display[index] if len(layer.display) else region.geometry
    except ImportError:
        pass
    except NotFound:
        if not store.region_zones(region_id):
            raise
    pairs = store.region_zones(region_id)
    events = {e.id: e for e, _ in pairs}
    lifecycles = statuses(store, now, events)
    v = region_verdict(region_id, pairs, now, statuses=lifecycles)
    return RegionState(region_id, name, name_ja, outline, v, events, lifecycles, now)


def _map_events(st: RegionState) -> list[str]:
    """Choose the events the region's map shows: the current ones, else the most recent of the history."""
    v = st.verdict
    if v.current:
        return list(dict.fromkeys(i.event.id for i in v.current))
    if v.events:
        return [v.events[0].id]
    return [v.history[0].event.id] if v.history else []


def region_page(
    store: Store,
    region_id: str,
    *,
    layers_dir: str | None = None,
    now: datetime | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Gather the region's verdict (:func:`geowarn.verdict.region_verdict`), its current zones and its history.

    ``lang`` is the page language (``en``/``ja``, see :func:`geowarn.i18n.pick_language`);
    every text is in it and every time is in the region's local time with its zone named.
    """
    st = region_state(store, region_id, layers_dir=layers_dir, now=now)
    now, v, events = st.now, st.verdict, st.events
    name, name_ja = st.name, st.name_ja
    tz = region_timezone(region_id)
    display = (name_ja or name) if lang == "ja" else name
    current = [_verdict_row(i, now, lang) for i in v.current]
    history = [_verdict_row(i, now, lang) for i in v.history]
    shown = _map_events(st)
    map_event = shown[0] if shown else None
    is_current = v.state in (State.AFFECTED_NOW, State.WARNING, State.EXPECTED_LATER)
    zone = zone_label(tz, lang, to_local(now, tz).tzname() or tz)
    return {
        "lang": lang,
        "lang_switch": True,
        "region": {"id": region_id, "name": name, "name_ja": name_ja, "display": display, "tz": tz, "zone": zone},
        "verdict": {
            "state": str(v.state),
            "current": is_current,
            "lead": "" if is_current else message("region.not_affected_now", lang),
            "headline": (
                message("region.no_warning", lang, region=display)
                if v.state == State.NOT_AFFECTED
                else headline(v, lang, tz)
            ),
            "schedule": schedule(v, lang, tz) or "",
            "countdown": countdown_text(v.countdown_s, lang) if is_current else "",
            "severity": str(v.severity) if v.severity else "",
        },
        "current": current,
        "history": history,
        "map_event": map_event,
        "map_title": message(
            "region.map_title", lang, event=" · ".join(events[e].name for e in shown) if shown else display
        ),
        "now": message("region.checked_at", lang, time=local_time(now, now, tz, lang)),
        "severities": {str(s): _label("severity", s, lang) for s in Severity},
    }


def region_map(
    store: Store, region_id: str, options: Options, *, now: datetime | None = None, lang: str = "en"
) -> tuple[tuple[Any, ...], Callable[[], str]]:
    """Plan the region page's map: ``(key, render)``, a cache key of what it shows and the function drawing it.

    The map draws land, the region outlined, the current events' corridors and zones
    framed on the region's current zones (else the most recent past event, grey with its
    banner when cancelled, with an all-clear banner when ended; else the region alone).
    """
    st = region_state(store, region_id, layers_dir=options.layers_dir, now=now)
    shown = _map_events(st)
    v = st.verdict
    framed = [i.zone.id for i in (v.current or [i for i in v.history if i.event.id in shown])]
    state = tuple((e, str(st.lifecycles.get(e, "")), st.events[e].version) for e in shown)
    day = to_local(st.now, region_timezone(region_id)).date()  # banner times name the date when not today
    key = ("region-map", region_id, lang, state, tuple(framed), day)

    def render() -> str:
        from geowarn.publish.commands import reference_layers
        from geowarn.publish.maps import render_event_map

        tz = region_timezone(region_id)
        corridors: list[Corridor] = []
        zones: list[AlertZone] = []
        fulls = [store.get_event(e) for e in shown]
        for full in fulls:
            if len(fulls) > 1:
                for c in full.corridors:
                    c.label = f"{full.name}: {c.label}"
            corridors += full.corridors
            zones += store.zones(full.id)
        if len(fulls) == 1:
            event = fulls[0]
        else:
            display = (st.name_ja or st.name) if lang == "ja" else st.name
            event = Event(id=f"region-{region_id}", name=display, corridors=corridors)
        banner_ = None
        if len(fulls) == 1:
            b = banner(fulls[0], st.lifecycles.get(fulls[0].id, Lifecycle.ACTIVE), st.now, lang, tz)
            if b:
                banner_ = (b["state"], b["text"])
        wanted = set(framed)
        frame = [z.geometry for z in zones if z.id in wanted] or ([st.outline] if st.outline is not None else [])
        return render_event_map(
            event,
            zones,
            layers=reference_layers([], zones),
            asset_base=options.asset_base,
            tile_url=options.tile_url,
            tile_attribution=options.tile_attribution,
            tz=tz,
            outline=[st.outline] if st.outline is not None else [],
            frame=frame,
            banner=banner_,
            lang=lang,
        )

    return key, render
