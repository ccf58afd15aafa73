"""Data for the HTML pages (framework-free): dashboard, event and region pages (operator: geowarn.desk.pages).

Each function returns plain values that a template renders (the templates
escape every string).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geowarn.errors import InvalidParameter, NotFound
from geowarn.i18n import CATALOGUE, message, with_zone, zone_label
from geowarn.model import AlertZone, Event, EventStatus, utc
from geowarn.publish.localtime import format_window, region_timezone, to_local
from geowarn.service import Options
from geowarn.store import Store
from geowarn.verdict import State, ZoneVerdict, event_lifecycle, headline, local_time, region_verdict, schedule

RECENT = 20


def _window(start: datetime | None, end: datetime | None, tz: str = "Asia/Tokyo") -> str:
    if start is None or end is None:
        return "—"
    return format_window(start, end, tz)


def zone_rows(zones: list[AlertZone]) -> list[dict[str, Any]]:
    """Rows of the alert-zone table."""
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
                "phase": str(z.phase),
                "severity": str(z.severity),
                "urgency": str(z.urgency),
                "certainty": str(z.certainty),
                "response": str(z.response),
                "area_km2": f"{z.area_km2:,.0f}",
                "distance_km": f"{z.distance_km:,.1f}",
                "window": _window(z.window_start, z.window_end, tz),
                "link": f"/regions/{z.region_id.removeprefix('TS-').removeprefix('EEZ-')}",
            }
        )
    return rows


def event_card(event: Event, zones: list[AlertZone] | None = None) -> dict[str, Any]:
    """Return the card of an event for the pages: names, status, window and, with ``zones``, their count and worst."""
    starts = [c.window_start for c in event.corridors if c.window_start]
    ends = [c.window_end for c in event.corridors if c.window_end]
    card = {
        "id": event.id,
        "name": event.name,
        "status": str(event.status),
        "kind": str(event.kind),
        "version": event.version,
        "updated": _window(event.updated, event.updated).split("–")[0] if event.updated else "",
        "window": _window(min(starts) if starts else None, max(ends) if ends else None),
    }
    if zones is not None:
        card["zone_count"] = len(zones)
        card["worst"] = str(min(zones, key=lambda z: z.severity.rank).severity) if zones else "—"
    return card


def dashboard(store: Store) -> dict[str, Any]:
    """Active and recent events (newest first) for the dashboard."""
    events = store.list_events(limit=RECENT)
    cards = []
    for e in events:
        full = store.get_event(e.id)
        cards.append(event_card(full, store.zones(e.id)))
    active = [c for c in cards if c["status"] == EventStatus.ACTIVE]
    recent = [c for c in cards if c["status"] != EventStatus.ACTIVE]
    return {"active": active, "recent": recent, "count": store.count_events()}


def event_page(store: Store, event_id: str) -> dict[str, Any]:
    """Return the template values of the event page: card, zone rows, corridors, history and inputs."""
    event = store.get_event(event_id)
    zones = store.zones(event_id)
    history = store.history(event_id)
    return {
        "event": event_card(event, zones),
        "zones": zone_rows(zones),
        "corridors": [
            {
                "id": c.id,
                "phase": str(c.phase),
                "label": c.label,
                "source": c.source,
                "window": _window(c.window_start, c.window_end),
                "windows": len(c.windows),
            }
            for c in event.corridors
        ],
        "inputs": event.inputs,
        "history": [{**h, "updated": _window(h["updated"], h["updated"]).split("–")[0]} for h in reversed(history)],
    }


def overview_map(store: Store, options: Options) -> str:
    """One map of every active event's corridors and zones (the dashboard's overview)."""
    from geowarn.publish.maps import render_event_map

    corridors = []
    zones: list[AlertZone] = []
    for e in store.list_events(status=[EventStatus.ACTIVE], limit=50):
        full = store.get_event(e.id)
        for c in full.corridors:
            c.label = f"{full.name}: {c.label}"
        corridors += full.corridors
        zones += store.zones(e.id)
    overview = Event(id="overview", name="Active events", corridors=corridors)
    return render_event_map(
        overview,
        zones,
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
        raise InvalidParameter(f"now must be an ISO 8601 time, got {value!r}") from None


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
    key = f"{prefix}.{value}"
    return message(key, lang) if key in CATALOGUE else str(value)


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
    now = utc(now or datetime.now(UTC))
    name, name_ja = region_id, ""
    try:
        from geowarn.layers import find_region

        _layer, region = find_region(region_id, layers_dir)  # type: ignore[arg-type,unused-ignore]
        name, name_ja = region.name, region.name_ja or ""
    except ImportError:
        pass
    except NotFound:
        pairs = store.region_zones(region_id)
        if not pairs:
            raise
    pairs = store.region_zones(region_id)
    tz = region_timezone(region_id)
    events = {e.id: e for e, _ in pairs}
    statuses = {eid: event_lifecycle(store.get_event(eid), now) for eid in events}
    v = region_verdict(region_id, pairs, now, statuses=statuses)
    display = (name_ja or name) if lang == "ja" else name
    current = [_verdict_row(i, now, lang) for i in v.current]
    history = [_verdict_row(i, now, lang) for i in v.history]
    if v.current:
        map_event: str | None = v.current[0].event.id
    else:
        map_event = v.events[0].id if v.events else (history[0]["event_id"] if history else None)
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
        "map_title": message("region.map_title", lang, event=events[map_event].name if map_event else ""),
        "now": message("region.checked_at", lang, time=local_time(now, now, tz, lang)),
    }
