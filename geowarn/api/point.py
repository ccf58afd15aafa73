"""The point query (``GET /api/affected``) and the place search (``GET /api/places``), framework-free.

``/api/affected?lat=26.21&lon=127.68`` answers the verdict of
:func:`geowarn.verdict.point_verdict` for the point: its state, a headline in
the reader's language, the worst severity, the deciding window and every zone
covering the point with its own state and windows. ``place=JPM-4721400``
judges a whole municipality (:func:`geowarn.verdict.area_verdict`) instead.

>>> parse_coordinate("26.21", "lat", 90.0), parse_coordinate(None, "lon", 180.0) is None
(26.21, True)
>>> try:
...     parse_coordinate("91", "lat", 90.0)
... except InvalidParameter as exc:
...     print(exc)
lat: 91 is outside -90..90
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from geowarn.current import statuses
from geowarn.errors import InvalidParameter, NotFound
from geowarn.i18n import pick_language
from geowarn.model import AlertZone, Event, format_time, parse_time, utc
from geowarn.publish.localtime import region_timezone
from geowarn.service import Options
from geowarn.store import Store
from geowarn.verdict import (
    State,
    Verdict,
    area_verdict,
    headline,
    normalise_lon,
    point_region_ids,
    point_verdict,
    schedule,
)

Response = tuple[dict[str, str], int, Any]
JSON = "application/json"


def parse_coordinate(text: str | None, name: str, bound: float) -> float | None:
    """Read a finite number in ``-bound..bound`` from a query parameter (``None`` when absent).

    Parameters
    ----------
    text
        The parameter's value, or ``None``.
    name
        The parameter's name (for the error).
    bound
        The largest magnitude allowed (90 for a latitude, 180 for a longitude).

    Returns
    -------
    float or None
        The value; an :class:`InvalidParameter` (400) when it is not a number or out of range.
    """
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise InvalidParameter.of("error.not_a_number", init={"field": name}, name=name, value=repr(text)) from None
    if not math.isfinite(value):
        raise InvalidParameter(f"{name}: must be a finite number", field=name)
    if not -bound <= value <= bound:
        raise InvalidParameter.of(
            "error.out_of_range", init={"field": name}, name=name, value=f"{value:g}", bound=f"{bound:g}"
        )
    return value


def parse_at(text: str | None) -> datetime:
    """Return the time to judge at (``at=``, RFC 3339), else the clock."""
    if text is None:
        return datetime.now(UTC)
    try:
        value = parse_time(text, field_name="at")
    except Exception:
        value = None
    if value is None:
        raise InvalidParameter(f"at: {text!r} is not an RFC 3339 time", field="at")
    return utc(value)


def _window_json(start: datetime | None, end: datetime | None) -> dict[str, str | None]:
    return {"start": format_time(start) if start else None, "end": format_time(end) if end else None}


def verdict_json(v: Verdict, lang: str, tz: str, now: datetime) -> dict[str, Any]:
    """Render a verdict as JSON: state, headline (``lang``, times in ``tz``), windows, countdown, zones.

    ``window_text`` (the verdict's and each zone's) says the windows in local time with the zone named,
    a daily schedule as daily (:func:`geowarn.views.windows_text`, judged at ``now``).
    """
    from geowarn.views import windows_text

    zones = []
    for item in v.items:
        z: AlertZone = item.zone
        zones.append(
            {
                "zone_id": z.id,
                "event_id": item.event.id,
                "event_name": item.event.name,
                "event_status": str(item.lifecycle),
                "state": str(item.state),
                "region_id": z.region_id,
                "region_name": z.region_name,
                "region_name_ja": z.region_name_ja or None,
                "phase": str(z.phase),
                "severity": str(z.severity),
                "response": str(z.response),
                "starts_at": format_time(item.starts_at) if item.starts_at else None,
                "ends_at": format_time(item.ends_at) if item.ends_at else None,
                "windows": [_window_json(w.start, w.end) for w in sorted(z.windows, key=lambda w: w.start)],
                "window_text": windows_text(z.windows, now, region_timezone(z.region_id, default=tz), lang),
            }
        )
    return {
        "state": str(v.state),
        "affected": v.state in (State.AFFECTED_NOW, State.WARNING, State.EXPECTED_LATER),
        "headline": headline(v, lang, tz),
        "schedule": schedule(v, lang, tz),
        "severity": str(v.severity) if v.severity else None,
        "starts_at": format_time(v.starts_at) if v.starts_at else None,
        "ends_at": format_time(v.ends_at) if v.ends_at else None,
        "countdown_s": v.countdown_s,
        "daily": v.daily,
        "windows": [_window_json(w.start, w.end) for w in v.windows],
        "window_text": windows_text(v.windows, now, tz, lang) if v.windows else None,
        "events": [e.id for e in v.events],
        "zones": zones,
    }


def _alert_layers(options: Options) -> list[Any]:
    from geowarn.layers import load_layers

    return load_layers(options.layer_ids, layers_dir=options.layers_dir)


def _pairs(store: Store, region_ids: list[str]) -> list[tuple[Event, AlertZone]]:
    pairs: list[tuple[Event, AlertZone]] = []
    for rid in region_ids:
        pairs += store.region_zones(rid)
    return pairs


def affected(
    store: Store,
    options: Options,
    args: dict[str, str | None],
    *,
    accept_language: str | None = None,
) -> Response:
    """Answer ``GET /api/affected``: the verdict at ``lat``/``lon`` (or for ``place``) at ``at`` (default now).

    Parameters
    ----------
    store
        The events and zones.
    options
        The alert layers (``options.layer_ids``) whose regions hold the candidate zones.
    args
        The query parameters ``lat``, ``lon``, ``place``, ``at``, ``lang``.
    accept_language
        The request's ``Accept-Language`` (used when ``lang`` is absent).

    Returns
    -------
    tuple
        ``(headers, 200, body)``; bad parameters raise :class:`InvalidParameter` (400).
    """
    lat = parse_coordinate(args.get("lat"), "lat", 90.0)
    lon = parse_coordinate(args.get("lon"), "lon", 180.0)
    place_id = args.get("place")
    if place_id is not None and (lat is not None or lon is not None):
        raise InvalidParameter.of("error.point_or_place", init={"field": "place"})
    if place_id is None and (lat is None or lon is None):
        raise InvalidParameter.of("error.point_needed", init={"field": "lat" if lat is None else "lon"})
    now = parse_at(args.get("at"))
    layers = _alert_layers(options)
    body: dict[str, Any]
    if place_id is not None:
        from geowarn.layers import find_region

        try:
            _layer, region = find_region(place_id, options.layers_dir)
        except NotFound:
            raise NotFound.of("error.no_place", id=repr(place_id)) from None
        area = region.geometry
        ids = list(dict.fromkeys(r.id for ly in layers for r in ly.query(area, predicate="intersects")))
        pairs = _pairs(store, ids)
        v = area_verdict(area, pairs, now, statuses=statuses(store, now, (e.id for e, _ in pairs)))
        page = region.parent or region.id
        tz = region_timezone(page)
        lang = pick_language(args.get("lang"), accept_language, page)
        body = {"place": {"id": region.id, "name": region.name, "name_ja": region.name_ja or None}}
    else:
        assert lat is not None and lon is not None
        ids = point_region_ids(lon, lat, layers)
        pairs = _pairs(store, ids)
        v = point_verdict(lon, lat, pairs, now, statuses=statuses(store, now, (e.id for e, _ in pairs)))
        home = next((r for r in ids if not r.startswith(("TS-", "EEZ-"))), ids[0] if ids else None)
        tz = region_timezone(home) if home else "UTC"
        lang = pick_language(args.get("lang"), accept_language, home)
        body = {"lat": lat, "lon": normalise_lon(lon) if lon != 180.0 else lon}
    body.update(
        {
            "at": format_time(now),
            "lang": lang,
            "timezone": tz,
            "regions": ids,
            **verdict_json(v, lang, tz, now),
        }
    )
    return {"Content-Type": JSON, "Vary": "Accept-Language"}, 200, body


def places(args: dict[str, str | None], *, layers_dir: str | None = None) -> Response:
    """Answer ``GET /api/places?q=…``: places whose names match, best first (at most ``limit``, default 10)."""
    from geowarn.places import search

    q = args.get("q")
    if q is None:
        raise InvalidParameter("q: give a place name", field="q")
    limit_text = args.get("limit") or "10"
    try:
        limit = int(limit_text)
    except ValueError:
        raise InvalidParameter(f"limit: {limit_text!r} is not an integer", field="limit") from None
    if not 1 <= limit <= 50:
        raise InvalidParameter("limit: must be between 1 and 50", field="limit")
    found = search(q, limit, layers_dir)
    body = {
        "query": q,
        "places": [
            {
                "id": p.id,
                "name": p.name,
                "name_ja": p.name_ja or None,
                "layer": p.layer,
                "page": f"/regions/{p.page}",
                "page_name": p.page_name or p.page,
                "page_name_ja": p.page_name_ja or None,
                "municipality": p.page != p.id,
                "lat": p.lat,
                "lon": p.lon,
            }
            for p in found
        ],
    }
    return {"Content-Type": JSON}, 200, body
