"""Never silently wrong: list every coordinate and window in a text that no corridor used.

After a text parser has run, :func:`with_warnings` looks at the input again, independently of
the parser: each latitude/longitude pair must be a corner of a polygon (a point inside one that is
none of its corners is listed), a circle's or arc's centre or inside a circle or track; each
date-time group (``191218Z``; one with a digit missing, ``17212Z``, is always listed), time of
day (``1200Z``), time range (``0231-0328``) and NOTAM stamp (``2304191215``) must start or end one
of the windows, be the issue or cancel time, or sit in a ``CANCEL`` sentence. Whatever is left
over, and every lone latitude or longitude, becomes a
:class:`~geowarn.sources.common.ParseWarning` naming its line and column. The Q) line of a
NOTAM (an approximate circle only) is not checked.

>>> from geowarn.sources import parse
>>> out = parse("A0001/23 - N392852E0955438-N385637E0955854-N385000E0960000 BACK TO START. "
...             "ROUTES N895 AND W66 CLOSED")
>>> [str(w) for w in out.warnings]
["line 1, column 91: 'W66' looks like a route or label, not a coordinate; not read"]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from shapely.geometry import Point

from geowarn.errors import ParseError
from geowarn.model import Corridor, parse_time
from geowarn.sources.common import ParsedInput, ParseWarning, mask, mask_comments, repair_dtg
from geowarn.sources.coords import Component, find_components, line_col, rejoin_broken_points

__all__ = ["collect_warnings", "with_warnings"]

_TOLERANCE_DEG = 1e-5
_Q_LINE = re.compile(r"(?m)(?:^|(?<=\s))Q\)[^\n]*")
_NOTAM_ID = re.compile(r"(?<![A-Za-z0-9/])[A-Z]\d{4}/\d{2}(?![\d/])")  # E3847/25 is no longitude
_CANCEL = re.compile(r"(?i)\bCANCEL[^\n]*")
_DTG = re.compile(r"(?<![\d/])(?P<d>\d{2})(?P<h>\d{2})(?P<mi>\d{2})Z(?![A-Z0-9])")
_GARBLED_END = re.compile(r"\s+(?:TO|UNTIL)\s+(?P<e>\d{6})Z")
_GARBLED = re.compile(r"(?<![\d/])(?:\d{5}|\d{7})Z(?![A-Z0-9])")
_CLOCK_RANGE = re.compile(r"(?<![\d/.:-])(?P<h1>[0-2]\d)(?P<m1>[0-5]\d) ?- ?(?P<h2>[0-2]\d)(?P<m2>[0-5]\d)(?![\d/.:-])")
_SUN = re.compile(r"(?i)\b(?:SUNRISE|SUNSET|SR-SS)\b")
_HHMM = re.compile(r"(?<![\d/])(?P<h>\d{2})(?P<mi>\d{2})Z(?![A-Z0-9])")
_STAMP = re.compile(r"(?<![\d/])\d{2}(?P<mo>\d{2})(?P<d>\d{2})(?P<h>\d{2})(?P<mi>\d{2})(?![\d])")


def _centres(props: dict[str, object]) -> list[tuple[float, float]]:
    """Return the points a corridor was drawn from but not through, as ``(lat, lon)``.

    A circle's or an arc's centre, and the shore corners an area closed along the coast starts and
    ends at (on the land layer's coast they may lie a few metres inland, outside the sea area).
    """
    out: list[tuple[float, float]] = []
    for key in ("centre", "arc_centres", "shore_corners"):
        v = props.get(key)
        if not isinstance(v, list) or not v:
            continue
        for c in v if isinstance(v[0], list) else [v]:
            if isinstance(c, list) and len(c) == 2:
                out.append((float(c[0]), float(c[1])))
    return out


def _unused(corridors: list[Corridor], lat: float, lon: float) -> tuple[str, dict[str, str]] | None:
    """Tell why a point is used by no corridor: a warning code and its values (``None``: it is used).

    Used means a corner, a centre, inside a circle or track. A point inside a polygon but on none of
    its edges is no corner of it: the polygon was drawn without it (NOTAM A0215/24's expected fall
    point), which the operator must see.
    """
    inside: str | None = None
    for c in corridors:
        if any(
            abs(clat - lat) <= _TOLERANCE_DEG and abs(((clon - lon + 180) % 360) - 180) <= _TOLERANCE_DEG
            for clat, clon in _centres(c.properties)
        ):
            return None
        for x in (lon, lon - 360.0, lon + 360.0):
            pt = Point(x, lat)
            if c.geometry.distance(pt) > _TOLERANCE_DEG:
                continue
            if c.properties.get("shape") != "polygon" or c.geometry.boundary.distance(pt) <= _TOLERANCE_DEG:
                return None
            inside = inside or c.id
    if inside:
        return "inside_not_corner", {"corridor": inside}
    return "not_in_corridor", {}


def _is_cut(corridors: list[Corridor], axis: str, value: float) -> bool:
    """Whether a lone latitude or longitude is the parallel or meridian some corridor's circle is cut by."""
    for c in corridors:
        kept = c.properties.get("kept")
        if isinstance(kept, dict) and isinstance(kept.get(axis), float) and abs(kept[axis] - value) < 1e-6:
            return True
    return False


def _times(out: ParsedInput) -> set[tuple[int, int, int]]:
    """(day, hour, minute) of every window edge and of the issue/cancel times in the metas."""
    keys: set[tuple[int, int, int]] = set()
    for c in out.corridors:
        for w in c.windows:
            for t in (w.start, w.end):
                keys.add((t.day, t.hour, t.minute))
    metas = [out.meta, *[m for m in out.meta.get("messages", []) if isinstance(m, dict)]]
    for m in metas:
        for k in ("issued", "cancel_at"):
            v = m.get(k)
            if isinstance(v, str):
                try:
                    when = parse_time(v)
                except ParseError:
                    continue
                if isinstance(when, datetime):
                    keys.add((when.day, when.hour, when.minute))
    return keys


def collect_warnings(out: ParsedInput, text: str) -> list[ParseWarning]:
    """Warn about what in ``text`` looks like a coordinate or a window-time but no corridor of ``out`` used."""
    work = rejoin_broken_points(mask_comments(text))
    work = mask(work, [(m.start(), m.end()) for m in (*_Q_LINE.finditer(work), *_NOTAM_ID.finditer(work))])
    found: list[ParseWarning] = []

    def add(offset: int, token: str, code: str, **values: str) -> None:
        line, col = line_col(text, offset)
        found.append(ParseWarning.of(line, col, token, code, **values))

    try:
        comps = find_components(work)
    except ParseError as exc:
        return [ParseWarning(exc.extra.get("line", 1), exc.extra.get("column", 1), "", exc.detail)]
    _coordinate_warnings(comps, work, text, out.corridors, add)
    _time_warnings(_times(out), work, add)
    found.sort(key=lambda w: (w.line, w.column))
    return found


def _coordinate_warnings(
    comps: list[Component], work: str, text: str, corridors: list[Corridor], add: Callable[..., None]
) -> None:
    """Report (via ``add``) each lat/lon pair no corridor uses (:func:`_unused`) and each unpaired or weak component."""
    i = 0
    while i < len(comps):
        c = comps[i]
        nxt = comps[i + 1] if i + 1 < len(comps) else None
        gap = work[c.end : nxt.start] if nxt is not None else ""
        if c.axis == "lat" and nxt is not None and nxt.axis == "lon" and re.fullmatch(r"[\s,/;:、，]{0,10}", gap):
            why = _unused(corridors, c.value, nxt.value)
            if why:
                add(c.start, text[c.start : nxt.end], why[0], **why[1])
            i += 2
            continue
        if _is_cut(corridors, c.axis, c.value):
            i += 1  # the meridian or parallel that cuts a circle (…のうち132-10E以西を除く)
            continue
        if c.weak:
            add(c.start, c.text, "weak_coordinate")
        else:
            add(c.start, c.text, "lone_latitude" if c.axis == "lat" else "lone_longitude")
        i += 1


def _time_warnings(keys: set[tuple[int, int, int]], work: str, add: Callable[..., None]) -> None:
    """Report (via ``add``) each date-time group or time of day outside ``CANCEL`` lines that starts or ends no window.

    ``keys`` are the ``(day, hour, minute)`` of the window edges and issue/cancel times (:func:`_times`).
    A date-time group with a digit missing and ``SUNRISE``/``SUNSET`` are always reported.
    """
    cancels = [(m.start(), m.end()) for m in _CANCEL.finditer(work)]

    def in_cancel(m: re.Match[str]) -> bool:
        return any(s <= m.start() < e for s, e in cancels)

    for pat in (_DTG, _STAMP):
        for m in pat.finditer(work):
            if not in_cancel(m) and (int(m["d"]), int(m["h"]), int(m["mi"])) not in keys:
                add(m.start(), m.group(0), "time_no_window")
    for m in _GARBLED.finditer(work):  # HYDROPAC 3317/25: "17212Z TO 170325Z DEC"
        end = _GARBLED_END.match(work, m.end())
        to = end.group("e") if end else ""
        fixed = repair_dtg(m.group(0)[:-1], to) if to and len(m.group(0)) == 6 else None
        if fixed is not None and (int(fixed[:2]), int(fixed[2:4]), int(fixed[4:])) in keys:
            add(m.start(), m.group(0), "dtg_repaired", fixed=fixed, to=to)
        else:
            add(m.start(), m.group(0), "dtg_garbled")
    clock = {(h, mi) for _, h, mi in keys}
    for m in _CLOCK_RANGE.finditer(work):  # NOTAM D) and E) schedules: D) 0231-0328, (2200-0200 NEXT DAY)
        if not in_cancel(m) and not {(int(m["h1"]), int(m["m1"])), (int(m["h2"]), int(m["m2"]))} <= clock:
            add(m.start(), m.group(0), "range_no_window")
    for m in _SUN.finditer(work):  # GREEK NAVTEX: HAZARDOUS OPERATIONS SUNRISE TO SUNSET 01 JAN THRU 14 JUN
        add(m.start(), m.group(0), "sun_time")
    for m in _HHMM.finditer(work):
        if not in_cancel(m) and (int(m["h"]), int(m["mi"])) not in clock:
            add(m.start(), m.group(0), "clock_no_window")


def with_warnings(out: ParsedInput, text: str) -> ParsedInput:
    """``out`` with :func:`collect_warnings` in ``out.warnings`` and (when any) ``meta["warnings"]``."""
    out.warnings = collect_warnings(out, text)
    if out.warnings:
        out.meta["warnings"] = [w.to_dict() for w in out.warnings]
    return out
