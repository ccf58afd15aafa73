"""KML 2.2 for Google Earth: corridors (by phase) and alert zones (by CAP severity).

Coordinates are ``lon,lat`` (KML order), exteriors counter-clockwise, rings
closed, polygons tessellated so they follow the globe; windows become
``<TimeSpan>`` so Google Earth's time slider works. Balloon text is
HTML-escaped before it becomes XML text, because KML descriptions are HTML.

>>> from shapely import box
>>> from geowarn.model import Corridor, Phase
>>> kml = build_kml([Corridor(id="c1", geometry=box(124.5, 35.3, 124.9, 36.1), phase=Phase.STAGE1, label="<A>")], [])
>>> b"<coordinates>124.9,35.3 124.9,36.1 124.5,36.1 124.5,35.3 124.9,35.3</coordinates>" in kml
True
>>> b"<name>&lt;A&gt;</name>" in kml, b"&amp;lt;A&amp;gt;" in kml
(True, True)
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from lxml import etree
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from geowarn.geodesy import orient_ccw, split_antimeridian
from geowarn.i18n import label, message, normalise_language, pick_language, zone_label
from geowarn.model import AlertZone, Corridor, Severity, TimeWindow, format_time
from geowarn.publish.localtime import region_timezone, window_text
from geowarn.publish.xmltext import xml_safe

KML_NS = "http://www.opengis.net/kml/2.2"
MEDIA_TYPE = "application/vnd.google-earth.kml+xml"
DECIMALS = 6

#: KML colours are aabbggrr.
_SEVERITY_KML = {
    Severity.EXTREME: "0d0067",
    Severity.SEVERE: "1f30d7",
    Severity.MODERATE: "598dfc",
    Severity.MINOR: "8accfd",
    Severity.UNKNOWN: "969696",
}
_PHASE_KML = {
    "stage1": "9c4e1f",
    "fairing": "94327b",
    "stage2": "2c6d00",
    "stage3": "5e6601",
    "reentry": "0a518c",
    "overflight": "7d1bc5",
    "debris": "053054",
    "other": "404040",
}


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{KML_NS}}}{tag}")
    if text is not None:
        el.text = xml_safe(text)
    return el


def _xml_id(prefix: str, value: str) -> str:
    """Make an xs:ID (NCName) from an arbitrary id."""
    return f"{prefix}-" + re.sub(r"[^A-Za-z0-9._-]", "_", value)


def _coords(ring: Sequence[tuple[float, ...]]) -> str:
    return " ".join(f"{round(x, DECIMALS):g},{round(y, DECIMALS):g}" for x, y, *_ in ring)


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    geom = orient_ccw(split_antimeridian(geom))
    return [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]


def _geometry(parent: etree._Element, geom: BaseGeometry | None) -> None:
    if geom is None or geom.is_empty:
        return
    polys = _polygons(geom)
    container = _sub(parent, "MultiGeometry") if len(polys) > 1 else parent
    for poly in polys:
        p = _sub(container, "Polygon")
        _sub(p, "tessellate", "1")
        outer = _sub(_sub(p, "outerBoundaryIs"), "LinearRing")
        _sub(outer, "coordinates", _coords(list(poly.exterior.coords)))
        for hole in poly.interiors:
            inner = _sub(_sub(p, "innerBoundaryIs"), "LinearRing")
            _sub(inner, "coordinates", _coords(list(hole.coords)))


def _style(doc: etree._Element, style_id: str, line: str, fill: str, fill_alpha: str, width: str) -> None:
    style = _sub(doc, "Style")
    style.set("id", style_id)
    ls = _sub(style, "LineStyle")
    _sub(ls, "color", f"ff{line}")
    _sub(ls, "width", width)
    ps = _sub(style, "PolyStyle")
    _sub(ps, "color", f"{fill_alpha}{fill}")
    bs = _sub(style, "BalloonStyle")
    _sub(bs, "text", "$[description]")  # not $[name]: Google Earth would insert it as raw HTML


def _timespan(parent: etree._Element, windows: Sequence[TimeWindow]) -> None:
    if not windows:
        return
    span = _sub(parent, "TimeSpan")
    _sub(span, "begin", format_time(min(w.start for w in windows)))
    _sub(span, "end", format_time(max(w.end for w in windows)))


def _description(title: str, rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows if v)
    return f"<h3>{html.escape(title)}</h3><table>{body}</table>"


def _windows_text(windows: Sequence[TimeWindow], tz: str, lang: str) -> str:
    ordered = sorted(windows, key=lambda w: w.start)
    return message("kml.separator", lang).join(window_text(w.start, w.end, tz, lang) for w in ordered)


def _region_title(z: AlertZone, lang: str) -> str:
    """``Okinawa / 沖縄県`` for an English reader, ``沖縄県 / Okinawa`` for a Japanese one."""
    names = [z.region_name, z.region_name_ja] if z.region_name_ja else [z.region_name]
    return " / ".join(reversed(names) if lang == "ja" else names)


def build_kml(
    corridors: Sequence[Corridor],
    zones: Sequence[AlertZone],
    *,
    name: str = "geowarn",
    tz: str = "Asia/Tokyo",
    lang: str | None = None,
) -> bytes:
    """Build a KML document with a folder of corridors and a folder of alert zones (UTF-8 bytes).

    ``lang`` (``ja``, ``en``) is the language of the folder names and balloons, with times in
    each zone's local time and the zone named in it (``07:30–12:30（日本時間）``); default: the
    language of the zones' region (:func:`default_language`, ``ja`` for Japan).
    """
    lang = normalise_language(lang) or default_language(zones)
    root = etree.Element(f"{{{KML_NS}}}kml", nsmap={None: KML_NS})
    doc = _sub(root, "Document")
    _sub(doc, "name", name)
    for phase, color in _PHASE_KML.items():
        _style(doc, f"corridor-{phase}", color, color, "26", "2")
    for sev, color in _SEVERITY_KML.items():
        _style(doc, f"zone-{sev.value.lower()}", color, color, "80", "1.5")

    def window_row(zone_tz: str) -> str:
        return message("map.window", lang, tz=zone_label(zone_tz, lang, zone_tz))

    folder = _sub(doc, "Folder")
    _sub(folder, "name", message("map.layer_corridors", lang))
    for c in corridors:
        pm = _sub(folder, "Placemark")
        pm.set("id", _xml_id("c", c.id))
        _sub(pm, "name", c.label or c.id)
        rows = [
            (message("map.phase", lang), label("phase", c.phase, lang)),
            (message("map.source", lang), c.source),
            (window_row(tz), _windows_text(c.windows, tz, lang)),
        ]
        _sub(pm, "description", _description(c.label or c.id, rows))
        _timespan(pm, c.windows)
        _sub(pm, "styleUrl", f"#corridor-{c.phase.value}")
        _geometry(pm, c.geometry)

    folder = _sub(doc, "Folder")
    _sub(folder, "name", message("map.layer_zones", lang))
    for z in sorted(zones, key=lambda z: (z.severity.rank, -z.area_km2)):
        if z.geometry is None or z.geometry.is_empty:
            continue
        ztz = region_timezone(z.region_id, tz)
        pm = _sub(folder, "Placemark")
        pm.set("id", _xml_id("z", z.id))
        title = _region_title(z, lang)
        severity = label("severity", z.severity, lang)
        _sub(pm, "name", f"{title} — {severity}")
        levels = (severity, label("urgency", z.urgency, lang), label("certainty", z.certainty, lang))
        rows = [
            (message("map.region", lang), f"{z.region_id} ({z.layer})"),
            (message("map.severity", lang), " / ".join(levels)),
            (message("map.response", lang), label("response", z.response, lang)),
            (message("map.area", lang), f"{z.area_km2:,.1f} km²"),
            (window_row(ztz), _windows_text(z.windows, ztz, lang)),
            (message("map.corridor", lang), z.corridor_id),
        ]
        _sub(pm, "description", _description(title, rows))
        _timespan(pm, z.windows)
        _sub(pm, "styleUrl", f"#zone-{z.severity.value.lower()}")
        _geometry(pm, z.geometry)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def default_language(zones: Sequence[AlertZone]) -> str:
    """Return the language of an event's published files when no reader chose one: its first zone's region's.

    >>> default_language([])
    'en'
    """
    return pick_language(None, None, zones[0].region_id if zones else None)
