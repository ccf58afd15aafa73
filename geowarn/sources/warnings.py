"""Never silently wrong: list every coordinate and window in a text that no corridor used.

After a text parser has run, :func:`with_warnings` looks at the input again, independently of
the parser: each latitude/longitude pair must lie on or inside one of the corridors (a corner, a
circle's centre, a point of a track), each date-time group (``191218Z``), time of day (``1200Z``) and NOTAM stamp
(``2304191215``) must start or end one of the windows, be the issue or cancel time, or sit in a
``CANCEL`` sentence. Whatever is left over, and every lone latitude or longitude, becomes a
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
from shapely.geometry.base import BaseGeometry

from geowarn.errors import ParseError
from geowarn.model import parse_time
from geowarn.sources.common import ParsedInput, ParseWarning, mask, mask_comments
from geowarn.sources.coords import Component, find_components, line_col

__all__ = ["collect_warnings", "with_warnings"]

_TOLERANCE_DEG = 1e-5
_Q_LINE = re.compile(r"(?m)(?:^|(?<=\s))Q\)[^\n]*")
_CANCEL = re.compile(r"(?i)\bCANCEL[^\n]*")
_DTG = re.compile(r"(?<![\d/])(?P<d>\d{2})(?P<h>\d{2})(?P<mi>\d{2})Z(?![A-Z0-9])")
_HHMM = re.compile(r"(?<![\d/])(?P<h>\d{2})(?P<mi>\d{2})Z(?![A-Z0-9])")
_STAMP = re.compile(r"(?<![\d/])\d{2}(?P<mo>\d{2})(?P<d>\d{2})(?P<h>\d{2})(?P<mi>\d{2})(?![\d])")


def _covers(geoms: list[BaseGeometry], lat: float, lon: float) -> bool:
    for g in geoms:
        for x in (lon, lon - 360.0, lon + 360.0):
            if g.distance(Point(x, lat)) <= _TOLERANCE_DEG:
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
    work = mask_comments(text)
    work = mask(work, [(m.start(), m.end()) for m in _Q_LINE.finditer(work)])
    found: list[ParseWarning] = []

    def add(offset: int, token: str, reason: str) -> None:
        line, col = line_col(text, offset)
        found.append(ParseWarning(line, col, token, reason))

    try:
        comps = find_components(work)
    except ParseError as exc:
        return [ParseWarning(exc.extra.get("line", 1), exc.extra.get("column", 1), "", exc.detail)]
    _coordinate_warnings(comps, work, text, [c.geometry for c in out.corridors], add)
    _time_warnings(_times(out), work, add)
    found.sort(key=lambda w: (w.line, w.column))
    return found


def _coordinate_warnings(
    comps: list[Component], work: str, text: str, geoms: list[BaseGeometry], add: Callable[[int, str, str], None]
) -> None:
    """Report (via ``add``) each lat/lon pair no corridor in ``geoms`` covers and each unpaired or weak component."""
    i = 0
    while i < len(comps):
        c = comps[i]
        nxt = comps[i + 1] if i + 1 < len(comps) else None
        gap = work[c.end : nxt.start] if nxt is not None else ""
        if c.axis == "lat" and nxt is not None and nxt.axis == "lon" and re.fullmatch(r"[\s,/;:、，]{0,10}", gap):
            if not _covers(geoms, c.value, nxt.value):
                add(c.start, text[c.start : nxt.end], "is not part of any corridor")
            i += 2
            continue
        if c.weak:
            add(c.start, c.text, "looks like a route or label, not a coordinate; not read")
        else:
            what = "a latitude without a longitude after it" if c.axis == "lat" else "a longitude without a latitude"
            add(c.start, c.text, f"is {what}; not read")
        i += 1


def _time_warnings(keys: set[tuple[int, int, int]], work: str, add: Callable[[int, str, str], None]) -> None:
    """Report (via ``add``) each date-time group or time of day outside ``CANCEL`` lines that starts or ends no window.

    ``keys`` are the ``(day, hour, minute)`` of the window edges and issue/cancel times (:func:`_times`).
    """
    cancels = [(m.start(), m.end()) for m in _CANCEL.finditer(work)]
    for pat in (_DTG, _STAMP):
        for m in pat.finditer(work):
            if any(s <= m.start() < e for s, e in cancels):
                continue
            key = (int(m["d"]), int(m["h"]), int(m["mi"]))
            if key not in keys:
                add(m.start(), m.group(0), "looks like a time but starts or ends no window")
    clock = {(h, mi) for _, h, mi in keys}
    for m in _HHMM.finditer(work):
        if any(s <= m.start() < e for s, e in cancels):
            continue
        if (int(m["h"]), int(m["mi"])) not in clock:
            add(m.start(), m.group(0), "looks like a time of day but starts or ends no window")


def with_warnings(out: ParsedInput, text: str) -> ParsedInput:
    """``out`` with :func:`collect_warnings` in ``out.warnings`` and (when any) ``meta["warnings"]``."""
    out.warnings = collect_warnings(out, text)
    if out.warnings:
        out.meta["warnings"] = [w.to_dict() for w in out.warnings]
    return out
