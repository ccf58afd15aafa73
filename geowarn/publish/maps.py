r"""The event map: an interactive Leaflet page (folium) that works with the network off.

One function, :func:`render_event_map`, draws an event's corridors (styled by
phase) and its alert zones (coloured by CAP severity), outlines the regions
hit, adds the reference layers as toggles (heavy ones off), a legend, a
timeline of the event's windows in local time, a fullscreen button and a km
scale. Every asset is vendored (:mod:`geowarn.publish.assets`); with no tile
URL the background is drawn from the shipped land layer on a sea-coloured
map. Every string that reaches the page is HTML-escaped in Python and handed
to the browser as JSON (``<``, ``>``, ``&`` as ``\u`` escapes).

>>> from shapely import box
>>> from geowarn.model import Corridor, Event, Phase
>>> ev = Event(id="e1", name="<b>demo</b>", corridors=[
...     Corridor(id="c1", geometry=box(124.5, 35.3, 124.9, 36.1), phase=Phase.STAGE1, label="A")])
>>> page = render_event_map(ev, [])
>>> "<b>demo</b>" in page, "&lt;b&gt;demo&lt;/b&gt;" in page, "https://cdn" in page
(False, True, False)
"""

from __future__ import annotations

import html
import json
import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import branca.element
import folium
import folium.plugins
import numpy as np
import shapely
import shapely.geometry
from cachetools import LRUCache
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geowarn.geodesy import geodesic_area_km2
from geowarn.i18n import CATALOGUE, DEFAULT_LANGUAGE, LANGUAGES, label, message, normalise_language, zone_label
from geowarn.model import AlertZone, Corridor, Event, EventStatus, Phase, RegionKind, Severity, TimeWindow
from geowarn.publish import assets
from geowarn.publish.localtime import format_span, region_timezone, to_local
from geowarn.publish.mapcontrols import Banner, Legend, MapReady, PageStyle, Timeline, bind_popups
from geowarn.simplify import display_copy

#: Fill colours by CAP severity (ColorBrewer-like, dark = severe).
SEVERITY_COLORS: dict[Severity, str] = {
    Severity.EXTREME: "#67000d",
    Severity.SEVERE: "#d7301f",
    Severity.MODERATE: "#fc8d59",
    Severity.MINOR: "#fdcc8a",
    Severity.UNKNOWN: "#969696",
}

#: Outline colour and dash pattern of corridors by phase.
PHASE_STYLES: dict[Phase, tuple[str, str | None]] = {
    Phase.STAGE1: ("#1f4e9c", None),
    Phase.FAIRING: ("#7b3294", "2 4"),
    Phase.STAGE2: ("#006d2c", None),
    Phase.STAGE3: ("#01665e", None),
    Phase.REENTRY: ("#8c510a", None),
    Phase.OVERFLIGHT: ("#c51b7d", "8 6"),
    Phase.DEBRIS: ("#543005", "4 4"),
    Phase.OTHER: ("#404040", "6 3"),
}

#: Reference layers: plain outlines; the regions hit: darker, dashed.
REFERENCE_STYLE = {"color": "#6b6b6b", "weight": 0.8, "opacity": 0.8, "fill": False}
HIT_STYLE = {"color": "#222", "weight": 1.6, "opacity": 0.9, "fill": False, "dashArray": "5 4"}

#: A cancelled event's corridors and zones: grey, so that nothing of it looks dangerous.
CANCELLED_COLOR = "#8a8a8a"
#: The outline of the region a region page is about.
OUTLINE_STYLE = {"color": "#13294b", "weight": 3, "opacity": 1.0, "fill": False}

SEA_COLOR = "#d5e8f5"
LAND_COLOR = "#f4f1e8"
BORDER_COLOR = "#8a8a8a"

#: Decimal places kept in the page: event data ≈ 1 m; reference layers ≈ 100 m (their display copies are
#: simplified at ≈ 1 km, so this loses nothing visible).
EVENT_DECIMALS = 5
LAYER_DECIMALS = 3
#: Simplification tolerance (degrees) of event geometries for display only (≈ 100 m).
EVENT_SIMPLIFY_DEG = 0.001
#: A reference layer with more vertices than this (after clipping to the view) starts hidden.
HEAVY_VERTICES = 20_000
#: Reference layers are clipped to the event's bounds widened by this many degrees.
VIEW_MARGIN_DEG = 8.0
#: Heavy layers' regions hit are clipped closer to the event.
NEAR_MARGIN_DEG = 3.0
#: Reference layers are simplified again for the page (≈ 2 km: below a pixel at the initial zoom).
REFERENCE_SIMPLIFY_DEG = 0.02
#: Islands and holes smaller than this (deg², ≈ 1 km²) are left out of reference layers (not of zones).
SPECK_DEG2 = 1e-4
#: Bytes of reference-layer data one page may carry; past it a layer shows only the regions hit.
LAYER_BUDGET_BYTES = 700_000
MAX_TIMELINE_ROWS = 12


# --------------------------------------------------------------------------- helpers


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def display_geometry(
    geom: BaseGeometry | None, decimals: int, simplify_deg: float = 0.0, *, pacific: bool = False
) -> dict[str, Any] | None:
    """Return a light GeoJSON geometry for display: optionally simplified, coordinates rounded.

    ``pacific`` shifts western longitudes by +360° so that data cut at 180°
    draws as one piece around the Pacific (Leaflet accepts longitudes > 180).

    >>> from shapely import Point
    >>> g = display_geometry(Point(124.123456789, 24.5).buffer(0.5, quad_segs=64), 3, 0.01)
    >>> len(g["coordinates"][0]) < 60, g["coordinates"][0][0][0] == round(g["coordinates"][0][0][0], 3)
    (True, True)
    """
    if geom is None or geom.is_empty:
        return None
    if pacific:
        geom = shift_east(geom)
    if simplify_deg > 0:
        simplified = display_copy(np.array([geom], dtype=object), simplify_deg, coverage=False)[0]
        if not simplified.is_empty:
            geom = simplified
    mapping = shapely.geometry.mapping(_round(geom, decimals))
    return {"type": mapping["type"], "coordinates": mapping["coordinates"]}


def _east(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    out = xy.copy()
    out[:, 0] = np.where(out[:, 0] < 0, out[:, 0] + 360.0, out[:, 0])
    return out


def shift_east(geom: Any) -> Any:
    """Longitudes < 0 moved to (180, 360): a geometry (or array of them) for a Pacific-centred view.

    >>> shift_east(shapely.box(-180, 0, -170, 5)).bounds
    (180.0, 0.0, 190.0, 5.0)
    """
    return shapely.transform(geom, _east)


def needs_pacific_view(geoms: Sequence[BaseGeometry | None]) -> bool:
    """Whether the data is narrower when drawn around 180° than around 0° (e.g. cut at the antimeridian).

    >>> needs_pacific_view([shapely.box(175, 0, 180, 5), shapely.box(-180, 0, -175, 5)])
    True
    >>> needs_pacific_view([shapely.box(124, 20, 125, 30)])
    False
    """
    coords = [shapely.get_coordinates(g) for g in geoms if g is not None and not g.is_empty]
    if not coords:
        return False
    x = np.concatenate(coords)[:, 0]
    shifted = np.where(x < 0, x + 360.0, x)
    return bool(shifted.max() - shifted.min() < x.max() - x.min() - 1e-9)


def _round(geom: BaseGeometry, decimals: int) -> BaseGeometry:
    """``geom`` in 2D with its coordinates rounded to ``decimals`` (any geometry type, any ring counts).

    >>> from shapely import MultiPolygon, box
    >>> _round(MultiPolygon([box(0.123456, 0, 1, 1), box(2, 0, 3, 1.987654)]), 2).bounds
    (0.12, 0.0, 3.0, 1.99)
    """
    return shapely.transform(geom, lambda xy: np.round(xy, decimals))


def _vertex_count(geoms: Iterable[BaseGeometry | None]) -> int:
    return int(sum(shapely.get_num_coordinates(g) for g in geoms if g is not None))


def both(msgid: str, **values: object) -> str:
    """Return ``msgid`` in every language of the catalogue as escaped ``<span lang>`` HTML; the page shows one.

    A published map is one file per event version, linked from CAP and the feeds: it carries every
    language and shows the reader's (``?lang=``, then the browser's languages, then the event's region;
    see :class:`~geowarn.publish.mapcontrols.page.PageStyle`). A value that is a callable is called
    with each language (a zone's name: ``JST`` / ``日本時間``).

    >>> both("map.severity")
    '<span class="gw-t" lang="en">Severity</span><span class="gw-t" lang="ja">深刻度</span>'
    """
    out = []
    for lang in LANGUAGES:
        filled = {k: v(lang) if callable(v) else v for k, v in values.items()}
        out.append(f'<span class="gw-t" lang="{lang}">{_esc(message(msgid, lang, **filled))}</span>')
    return "".join(out)


def _zone_name(tz: str) -> Callable[[str], str]:
    """Return the reader's name of ``tz`` per language (for :func:`both`): ``JST`` / ``日本時間``."""
    return lambda lang: zone_label(tz, lang, tz)


def _both_label(prefix: str, value: object) -> str:
    """Return an enum value (``severity.Extreme``) in every language (:func:`both`), else the value escaped."""
    return both(f"{prefix}.{value}") if f"{prefix}.{value}" in CATALOGUE else _esc(value)


def window_html(window: TimeWindow, tz: str) -> str:
    """Format one window in local time with the zone named in every language (:func:`both`).

    >>> from datetime import UTC, datetime
    >>> w = TimeWindow(datetime(2026, 12, 2, 22, tzinfo=UTC), datetime(2026, 12, 3, 1, tzinfo=UTC))
    >>> print(window_html(w, "Asia/Tokyo"))  # doctest: +NORMALIZE_WHITESPACE
    <span class="gw-t" lang="en">2026-12-03 07:00–10:00 JST</span><span class="gw-t"
        lang="ja">2026-12-03 07:00–10:00（日本時間）</span>
    >>> "2026-12-03 06:00–09:00 HKT" in window_html(w, "Asia/Hong_Kong")  # a zone the catalogue does not name
    True
    """
    fallback = to_local(window.start, tz).tzname() or tz
    span = format_span(window.start, window.end, tz)
    return both("time.with_zone", time=span, zone=lambda lang: zone_label(tz, lang, fallback))


def _windows_html(windows: Sequence[TimeWindow], tz: str, limit: int = 3) -> str:
    """Format the windows in ``tz`` as HTML (every language, :func:`both`): the first ``limit``, then a count."""
    if not windows:
        return both("map.not_given")
    shown = [window_html(w, tz) for w in sorted(windows, key=lambda w: w.start)[:limit]]
    more = len(windows) - len(shown)
    return "; ".join(shown) + (" " + both("map.alternates", n=more) if more > 0 else "")


def _table(rows: Sequence[tuple[str, str]]) -> str:
    """Build a key/value table of HTML cells (both already escaped), leaving out rows with an empty value."""
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows if v not in ("", None))
    return f'<table class="gw-kv">{cells}</table>'


# --------------------------------------------------------------------------- feature content


def zone_popup(zone: AlertZone, tz: str) -> str:
    """Render the popup HTML of one alert zone (every value escaped)."""
    ztz = region_timezone(zone.region_id, tz)
    title = f"<b>{_esc(zone.region_name)}</b>"
    if zone.region_name_ja:
        title += f' <span lang="ja">{_esc(zone.region_name_ja)}</span>'
    rows = [
        (both("map.region"), _esc(f"{zone.region_id} ({zone.layer}, {zone.region_kind})")),
        (both("map.severity"), _both_label("severity", zone.severity)),
        (both("map.urgency"), _both_label("urgency", zone.urgency)),
        (both("map.certainty"), _both_label("certainty", zone.certainty)),
        (both("map.response"), _both_label("response", zone.response)),
        (both("map.phase"), _both_label("phase", zone.phase)),
        (both("map.area"), _esc(f"{zone.area_km2:,.1f} km²")),
        (both("map.distance"), _esc(f"{zone.distance_km:,.1f} km") if zone.distance_km > 0 else ""),
        (both("map.window", tz=_zone_name(ztz)), _windows_html(zone.windows, ztz)),
        (both("map.corridor"), _esc(zone.corridor_id)),
    ]
    return f'<div class="gw-popup">{title}{_table(rows)}</div>'


def zone_tooltip(zone: AlertZone) -> str:
    """Return the tooltip HTML of one alert zone: region names and severity (escaped)."""
    name = _esc(zone.region_name)
    if zone.region_name_ja:
        name += f" / {_esc(zone.region_name_ja)}"
    return f"{name} — {_both_label('severity', zone.severity)}"


def corridor_popup(corridor: Corridor, tz: str) -> str:
    """Render the popup HTML of one corridor (every value escaped)."""
    rows = [
        (both("map.phase"), _both_label("phase", corridor.phase)),
        (both("map.source"), _esc(corridor.source)),
        (both("map.area"), _esc(f"{geodesic_area_km2(corridor.geometry):,.0f} km²")),
        (both("map.window", tz=_zone_name(tz)), _windows_html(corridor.windows, tz)),
        (both("map.probability"), _esc(f"{corridor.probability:g}") if corridor.probability is not None else ""),
        (both("map.id"), _esc(corridor.id)),
    ]
    return f'<div class="gw-popup"><b>{_esc(corridor.label or corridor.id)}</b>{_table(rows)}</div>'


def _window_ms(windows: Sequence[TimeWindow]) -> list[list[int]]:
    return [[int(w.start.timestamp() * 1000), int(w.end.timestamp() * 1000)] for w in windows]


def corridor_features(corridors: Sequence[Corridor], tz: str, *, pacific: bool = False) -> list[dict[str, Any]]:
    """Return the display features of the corridors, styled by phase, with popups and tooltips."""
    feats = []
    for c in corridors:
        geom = display_geometry(c.geometry, EVENT_DECIMALS, EVENT_SIMPLIFY_DEG, pacific=pacific)
        if geom is None:
            continue
        color, dash = PHASE_STYLES.get(c.phase, PHASE_STYLES[Phase.OTHER])
        style = {"color": color, "weight": 2, "opacity": 0.9, "fillColor": color, "fillOpacity": 0.08}
        if dash:
            style["dashArray"] = dash
        feats.append(
            {
                "type": "Feature",
                "geometry": geom,
                "properties": {
                    "kind": "corridor",
                    "id": _esc(c.id),
                    "style": style,
                    "popup": corridor_popup(c, tz),
                    "tip": f"{_esc(c.label or c.id)} ({_both_label('phase', c.phase)})",
                    "windows": _window_ms(c.windows),
                },
            }
        )
    return feats


def zone_features(zones: Sequence[AlertZone], tz: str, *, pacific: bool = False) -> list[dict[str, Any]]:
    """Return the display features of the alert zones, coloured by severity, most severe drawn last."""
    feats = []
    # least severe first so the most severe are drawn on top
    for z in sorted(zones, key=lambda z: (-z.severity.rank, -z.area_km2)):
        geom = display_geometry(z.geometry, EVENT_DECIMALS, EVENT_SIMPLIFY_DEG, pacific=pacific)
        if geom is None:
            continue
        color = SEVERITY_COLORS[z.severity]
        style = {"color": color, "weight": 1.5, "opacity": 1.0, "fillColor": color, "fillOpacity": 0.45}
        feats.append(
            {
                "type": "Feature",
                "geometry": geom,
                "properties": {
                    "kind": "zone",
                    "id": _esc(z.id),
                    "region_id": _esc(z.region_id),
                    "style": style,
                    "popup": zone_popup(z, tz),
                    "tip": zone_tooltip(z),
                    "windows": _window_ms(z.windows),
                },
            }
        )
    return feats


def _legend_html(
    event: Event,
    zones: Sequence[AlertZone],
    corridors: Sequence[Corridor],
    notes: Sequence[str],
    details: Sequence[str],
    over: bool = False,
) -> str:
    """Return the legend's HTML; an event that is ``over`` (cancelled, ended) has grey swatches, as on its map."""
    parts = [f"<h4>{_esc(event.name)}</h4>"]
    sevs = sorted({z.severity for z in zones}, key=lambda s: s.rank)
    if sevs:
        parts.append(f"<div><b>{both('map.legend_zones')}</b></div>")
        parts += [
            f'<div><i style="background:{CANCELLED_COLOR if over else SEVERITY_COLORS[s]}"></i>'
            f"{_both_label('severity', s)}</div>"
            for s in sevs
        ]
    phases = sorted({c.phase for c in corridors}, key=lambda p: list(Phase).index(p))
    if phases:
        parts.append(f"<div><b>{both('map.legend_corridors')}</b></div>")
        for p in phases:
            color, dash = PHASE_STYLES[p]
            color = CANCELLED_COLOR if over else color
            style = "dashed" if dash else "solid"
            swatch = f'<i class="gw-line" style="border-top-color:{color};border-top-style:{style}"></i>'
            parts.append(f"<div>{swatch}{_both_label('phase', p)}</div>")
    parts += [f"<div><small>{n}</small></div>" for n in notes]
    if details:
        items = "".join(f"<div><small>{d}</small></div>" for d in details)
        parts.append(f"<details><summary><small>{both('map.layers_sources')}</small></summary>{items}</details>")
    return "".join(parts)


def _timeline_data(corridors: Sequence[Corridor], tz: str) -> dict[str, Any] | None:
    windows = sorted({w for c in corridors for w in c.windows}, key=lambda w: (w.start, w.end))
    if not windows:
        return None
    shown = windows[:MAX_TIMELINE_ROWS]
    spans = _window_ms(shown)
    rows = [{"label": window_html(w, tz), "w": ms} for w, ms in zip(shown, spans, strict=True)]
    more = len(windows) - len(rows)
    return {
        "title": both("map.windows", tz=_zone_name(tz)),
        "rows": rows,
        "tmin": min(ms[0] for ms in spans),
        "tmax": max(ms[1] for ms in spans),
        "more": both("map.more", n=more) if more > 0 else "",
    }


# --------------------------------------------------------------------------- reference layers


#: Coarse display copies of the reference layers, per loaded layer object and view (issue 16): simplified once
#: per process instead of once per map. Keyed by ``id(layer)`` with the layer kept, so the id is not reused;
#: least recently used copies go first when layers are reloaded many times (user layers).
_COARSE: LRUCache[tuple[int, bool], tuple[Any, NDArray[Any]]] = LRUCache(maxsize=64)
_COARSE_LOCK = threading.Lock()


def coarse_display(layer: Any, pacific: bool = False) -> NDArray[Any]:
    """Return ``layer``'s display copy simplified at :data:`REFERENCE_SIMPLIFY_DEG`, specks dropped (cached).

    The layer's display copy (``layer.display``, else its geometries) gets a second, coarser,
    coverage-preserving simplification for regional maps; that is done once per layer object
    (:func:`geowarn.layers.load_layer` returns the same one until its file changes) and view
    (``pacific`` shifts western longitudes by +360°), then each map only clips it.

    >>> from types import SimpleNamespace
    >>> square = shapely.box(0, 0, 1, 1).segmentize(0.001)
    >>> ly = SimpleNamespace(display=None, regions=[SimpleNamespace(geometry=square)])
    >>> out = coarse_display(ly)
    >>> int(shapely.get_num_coordinates(out[0])), coarse_display(ly) is out
    (5, True)
    """
    key = (id(layer), pacific)
    with _COARSE_LOCK:
        hit = _COARSE.get(key)
    if hit is not None and hit[0] is layer:
        return hit[1]
    display = getattr(layer, "display", None)
    if display is None or len(display) == 0:
        display = [r.geometry for r in layer.regions]
    display = np.asarray(display, dtype=object)
    if pacific:
        display = shift_east(display)
    out = display_copy(display, REFERENCE_SIMPLIFY_DEG, min_area=SPECK_DEG2)
    with _COARSE_LOCK:
        _COARSE[key] = (layer, out)
    return out


def _layer_features(
    layer: Any, view: BaseGeometry, hit: set[str], pacific: bool = False, only_hit: bool = False
) -> tuple[list[dict[str, Any]], list[bool], int]:
    """Features of ``layer`` clipped to the view (coarse display geometry), whether each is a region hit, vertices."""
    display = coarse_display(layer, pacific)
    near = shapely.intersects(display, view)
    if only_hit:
        near &= np.asarray([r.id in hit for r in layer.regions], dtype=bool)
    clipped = np.full(len(display), None, dtype=object)
    if near.any():
        clipped[near] = shapely.clip_by_rect(display[near], *view.bounds)
    feats: list[dict[str, Any]] = []
    is_hit: list[bool] = []
    vertices = 0
    for region, geom in zip(layer.regions, clipped, strict=True):
        if geom is None or geom.is_empty:
            continue
        gj = display_geometry(geom, LAYER_DECIMALS)
        if gj is None:
            continue
        vertices += int(shapely.get_num_coordinates(geom))
        feats.append({"type": "Feature", "geometry": gj, "properties": {}})
        is_hit.append(region.id in hit)
    return feats, is_hit, vertices


def _view_box(west: float, south: float, east: float, north: float) -> BaseGeometry:
    """Return the area reference layers are clipped to: the data's bounds, widened to about a screen, plus a margin.

    >>> [round(v) for v in _view_box(124.0, 17.0, 125.0, 36.0).bounds]
    [93, 9, 156, 44]
    """
    cx, cy = (west + east) / 2, (south + north) / 2
    half_h = (north - south) / 2 + VIEW_MARGIN_DEG
    half_w = max((east - west) / 2 + VIEW_MARGIN_DEG, 1.6 * half_h / max(math.cos(math.radians(cy)), 0.2))
    return shapely.box(cx - half_w, max(cy - half_h, -90.0), cx + half_w, min(cy + half_h, 90.0))


def _event_bounds(geoms: Sequence[BaseGeometry]) -> tuple[float, float, float, float]:
    valid = [g for g in geoms if g is not None and not g.is_empty]
    if not valid:
        return (122.0, 20.0, 146.0, 46.0)  # Japan and its neighbours
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(valid, dtype=object))
    return float(minx), float(miny), float(maxx), float(maxy)


# --------------------------------------------------------------------------- the map


def grey(features: list[dict[str, Any]]) -> None:
    """Paint ``features`` (corridor or zone features of this module) grey: a cancelled event's look."""
    for f in features:
        style = dict(f["properties"].get("style") or {})
        style.update(color=CANCELLED_COLOR, fillColor=CANCELLED_COLOR, fillOpacity=0.2)
        style.pop("dashArray", None)
        f["properties"]["style"] = style


def cancelled_text(event: Event, tz: str) -> str:
    """Say, in every language (:func:`both`), when a cancelled event was cancelled (its last update).

    >>> from datetime import UTC, datetime
    >>> html = cancelled_text(Event("e", "e", updated=datetime(2026, 12, 2, 20, tzinfo=UTC)), "Asia/Tokyo")
    >>> '<span class="gw-t" lang="en">Cancelled at 2026-12-03 05:00 JST</span>' in html
    True
    >>> '<span class="gw-t" lang="ja">2026-12-03 05:00（日本時間）に取消</span>' in html
    True
    """
    from geowarn.i18n import with_zone
    from geowarn.publish.localtime import to_local

    t = to_local(event.updated, tz)
    return both("banner.cancelled", time=lambda lang: with_zone(f"{t:%Y-%m-%d %H:%M}", tz, lang, t.tzname() or tz))


def ended_text(end: datetime, tz: str) -> str:
    """Say, in every language (:func:`both`), that the event is over: ``All clear: ended at 2026-12-03 10:00 JST``.

    >>> from datetime import UTC
    >>> ended_text(datetime(2026, 12, 3, 1, tzinfo=UTC), "Asia/Tokyo").count("2026-12-03 10:00")
    2
    """
    from geowarn.i18n import with_zone
    from geowarn.publish.localtime import to_local

    t = to_local(end, tz)
    return both("banner.ended", time=lambda lang: with_zone(f"{t:%Y-%m-%d %H:%M}", tz, lang, t.tzname() or tz))


def render_event_map(
    event: Event,
    zones: Sequence[AlertZone],
    *,
    layers: Sequence[Any] | None = None,
    asset_base: str | None = None,
    tile_url: str | None = None,
    tile_attribution: str = "",
    tz: str = "Asia/Tokyo",
    outline: Sequence[BaseGeometry] = (),
    frame: Sequence[BaseGeometry | None] | None = None,
    banner: tuple[str, str] | None = None,
    lang: str = "en",
    ended_at: datetime | None = None,
) -> str:
    """Render the event map as a complete HTML page.

    Parameters
    ----------
    event
        The event; its corridors are drawn, styled by phase.
    zones
        Its alert zones, coloured by CAP severity (proximity zones without a
        geometry appear only in the legend's counts).
    layers
        Reference layers (:class:`geowarn.layers.Layer`). A layer of kind
        ``land`` becomes the offline base map; the others become toggleable
        overlays of their display geometry clipped near the event, with the
        regions hit outlined (dashed). Heavy layers (territorial seas, 200 NM
        zones, many vertices, or past the page budget) carry only their regions
        hit and start hidden. ``None`` draws the event only.
    asset_base
        ``None`` inlines the vendored JS/CSS (a standalone file that works from
        ``file://``); a path such as ``"/static/vendor"`` links them instead.
    tile_url, tile_attribution
        An optional XYZ tile server (``GEOWARN_TILE_URL``) offered as an
        alternative base layer.
    tz
        The zone for windows (zones in a country use that country's zone).
    outline
        Geometries drawn as a bold outline (the region of a region page).
    frame
        Geometries the initial view fits (the current warning's zones); ``None`` or
        nothing drawable: every corridor and zone of the event.
    banner
        ``(state, text)`` shown over the map (``"cancelled"``/``"ended"``); by default a
        cancelled event gets ``Cancelled at … / …に取消`` (its last update, in ``tz``) and
        its corridors and zones are drawn grey.
    ended_at
        The event is over (its last window ended, or its notice's ``CANCEL THIS MSG`` time passed) at
        this time: its corridors and zones are drawn grey under an all-clear banner, as a cancelled
        event's are (the web service re-renders a published map so when it is read after that time).
    lang
        The language shown when the page's URL (``?lang=``) and the browser's languages name none the
        catalogue has; the page carries every language (:func:`both`) and shows one.
    """
    corridors = list(event.corridors)
    zones = list(zones)
    event_geoms = [c.geometry for c in corridors] + [z.geometry for z in zones]
    pacific = needs_pacific_view(event_geoms + list(outline))
    framed = [g for g in frame or [] if g is not None and not g.is_empty]
    west, south, east, north = _event_bounds([shift_east(g) if pacific else g for g in framed or event_geoms])
    cancelled = event.status == EventStatus.CANCELLED
    banner_html: tuple[str, str] | None = (banner[0], _esc(banner[1])) if banner is not None else None
    if banner_html is None and cancelled:
        banner_html = ("cancelled", cancelled_text(event, tz))  # HTML: one span per language
    elif banner_html is None and ended_at is not None:
        banner_html = ("ended", ended_text(ended_at, tz))
    # an event that is over looks over: grey, nothing of it dangerous (cancelled or ended)
    over = cancelled or ended_at is not None or (banner_html is not None and banner_html[0] in ("cancelled", "ended"))

    figure = branca.element.Figure(title=_esc(f"{event.name} — geowarn"))
    fmap = folium.Map(location=None, tiles=None, control_scale=False, zoom_start=5, world_copy_jump=False)
    fmap.default_js = []
    fmap.default_css = []
    figure.add_child(fmap)
    header = figure.header
    for i, tag in enumerate(assets.links(asset_base)):
        header.add_child(branca.element.Element(tag), name=f"geowarn_asset_{i}")
    fmap.add_child(PageStyle(SEA_COLOR, lang=normalise_language(lang) or DEFAULT_LANGUAGE))

    notes: list[str] = []
    details: list[str] = []
    sources: list[str] = []
    budget = LAYER_BUDGET_BYTES
    land_layers = [ly for ly in layers or [] if str(getattr(ly, "kind", "")) == RegionKind.LAND or ly.id == "land"]
    ref_layers = [ly for ly in layers or [] if ly not in land_layers]
    view = _view_box(west, south, east, north)
    near_view = shapely.box(
        west - NEAR_MARGIN_DEG, south - NEAR_MARGIN_DEG, east + NEAR_MARGIN_DEG, north + NEAR_MARGIN_DEG
    )

    budget -= _add_base_maps(fmap, land_layers, view, pacific, tile_url, tile_attribution, notes, sources)
    hit = {z.region_id for z in zones}
    _add_reference_layers(fmap, ref_layers, view, near_view, hit, pacific, budget, details, sources)

    corridor_layer, zone_layer = _add_event_layers(fmap, corridors, zones, tz, pacific, grey_out=over)
    if sources:
        parts = dict.fromkeys(p.strip() for a in sources for p in re.split(r";\s*|\s+/\s+", a) if p.strip())
        details.append(both("map.sources", sources="; ".join(parts)))
    notes += _proximity_notes(zones)
    _add_outline(fmap, outline, pacific)

    fullscreen = folium.plugins.Fullscreen(position="topleft")
    fullscreen.default_js = []
    fullscreen.default_css = []
    fullscreen.add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)

    timeline = _timeline_data(corridors, tz)
    if timeline is not None:
        fmap.add_child(Timeline(timeline, [corridor_layer, zone_layer]))
    legend = Legend(_legend_html(event, zones, corridors, notes, details, over), summary_html=both("map.legend"))
    fmap.add_child(legend)
    if banner_html is not None:
        fmap.add_child(Banner(banner_html[1], banner_html[0]))
    pad = 0.5
    fmap.add_child(MapReady([[south - pad, west - pad], [north + pad, east + pad]]))
    return str(figure.render())


def _add_event_layers(
    fmap: folium.Map,
    corridors: Sequence[Corridor],
    zones: Sequence[AlertZone],
    tz: str,
    pacific: bool,
    *,
    grey_out: bool,
) -> tuple[folium.GeoJson, folium.GeoJson]:
    """Add the corridors and the alert zones (grey when ``grey_out``: a cancelled event); return both layers."""
    bind = bind_popups()
    layers = []
    for name, feats in (
        (both("map.layer_corridors"), corridor_features(corridors, tz, pacific=pacific)),
        (both("map.layer_zones"), zone_features(zones, tz, pacific=pacific)),
    ):
        if grey_out:
            grey(feats)
        group = folium.FeatureGroup(name=name)
        layer = folium.GeoJson({"type": "FeatureCollection", "features": feats}, on_each_feature=bind)
        layer.add_to(group)
        group.add_to(fmap)
        layers.append(layer)
    return layers[0], layers[1]


def _add_outline(fmap: folium.Map, outline: Sequence[BaseGeometry], pacific: bool) -> None:
    """Add ``outline`` (the region of a region page) as a bold, non-interactive line."""
    drawn = [display_geometry(g, EVENT_DECIMALS, EVENT_SIMPLIFY_DEG, pacific=pacific) for g in outline]
    feats = [{"type": "Feature", "geometry": g, "properties": {"style": OUTLINE_STYLE}} for g in drawn if g]
    if feats:
        group = folium.FeatureGroup(name=both("map.layer_region"))
        folium.GeoJson({"type": "FeatureCollection", "features": feats}, interactive=False).add_to(group)
        group.add_to(fmap)


def _add_base_maps(
    fmap: folium.Map,
    land_layers: Sequence[Any],
    view: BaseGeometry,
    pacific: bool,
    tile_url: str | None,
    tile_attribution: str,
    notes: list[str],
    sources: list[str],
) -> int:
    """Add the optional tile layer and the offline land layers to ``fmap``; return the bytes of features added.

    A note goes to ``notes`` when there is no base map at all, each land layer's attribution to ``sources``.
    """
    used = 0
    if tile_url:
        folium.TileLayer(
            tiles=tile_url, attr=_esc(tile_attribution) or "tiles", name=both("map.layer_tiles"), overlay=False
        ).add_to(fmap)
    if land_layers:
        base = folium.FeatureGroup(name=both("map.layer_base"), overlay=False, control=bool(tile_url))
        for ly in land_layers:
            feats, _, _ = _layer_features(ly, view, set(), pacific)
            used += len(json.dumps(feats))
            style = {"color": BORDER_COLOR, "weight": 0.6, "fillColor": LAND_COLOR, "fillOpacity": 1.0}
            for f in feats:
                f["properties"]["style"] = style
            folium.GeoJson({"type": "FeatureCollection", "features": feats}, interactive=False).add_to(base)
            attribution = (getattr(ly, "meta", {}) or {}).get("attribution")
            if attribution:
                sources.append(attribution)
        base.add_to(fmap)
    elif not tile_url:
        notes.append(both("map.no_base"))
    return used


def _add_reference_layers(
    fmap: folium.Map,
    ref_layers: Sequence[Any],
    view: BaseGeometry,
    near_view: BaseGeometry,
    hit: set[str],
    pacific: bool,
    budget: int,
    details: list[str],
    sources: list[str],
) -> None:
    """Add each reference layer as a toggleable overlay within ``budget`` bytes, its regions in ``hit`` outlined.

    Heavy layers (and any past the budget) carry only their regions hit near the event and start hidden (a line
    in ``details`` says so); each layer's attribution goes to ``sources``.
    """
    for ly in ref_layers:
        feats, is_hit, vertices = _layer_features(ly, view, hit, pacific)
        if not feats:
            continue
        title = str(getattr(ly, "title", ly.id))
        heavy = vertices > HEAVY_VERTICES or str(ly.kind) in (RegionKind.TERRITORIAL_SEA, RegionKind.EEZ_LIKE)
        if heavy or budget - len(json.dumps(feats)) < 0:
            # heavy layers (and any past the page budget) carry only their regions hit, near the event, hidden
            feats, is_hit, _ = _layer_features(ly, near_view, hit, pacific, only_hit=True)
            heavy = True
            details.append(both("map.only_hit", layer=title))
            if not feats:
                continue
        budget -= len(json.dumps(feats))
        for f, h in zip(feats, is_hit, strict=True):
            f["properties"]["style"] = HIT_STYLE if h else REFERENCE_STYLE
        group = folium.FeatureGroup(name=_esc(title), show=not heavy)
        folium.GeoJson({"type": "FeatureCollection", "features": feats}, interactive=False).add_to(group)
        group.add_to(fmap)
        attribution = (getattr(ly, "meta", {}) or {}).get("attribution")
        if attribution:
            sources.append(attribution)


def _proximity_notes(zones: Sequence[AlertZone]) -> list[str]:
    """Return the legend notes (HTML, :func:`both`) of proximity zones (no overlap): three, then a count of the rest."""
    proximity = [z for z in zones if z.geometry is None or z.geometry.is_empty]
    notes = []
    for z in proximity[:3]:
        notes.append(
            both(
                "map.within",
                km=f"{z.distance_km:.0f}",
                name=lambda lang, z=z: z.region_name_ja if lang == "ja" and z.region_name_ja else z.region_name,
                severity=lambda lang, z=z: label("severity", z.severity, lang),
            )
        )
    if len(proximity) > 3:
        notes.append(both("map.more_regions", n=len(proximity) - 3))
    return notes
