"""ICAO NOTAMs (and the FAA domestic layout) carrying danger areas.

What is read: the NOTAM id (``A0419/16``, ``NOTAMR``/``NOTAMC`` with the id they replace or
cancel), items ``Q)`` … ``G)`` where present (the geometry comes from ``E)``, never from the
Q-line's approximate circle), polygons ``N194400E1235300-N194300E1245100-… BACK TO START``
(several per NOTAM, split at ``BACK TO START`` or ``AREA x:``), ``CIRCLE RADIUS 5NM CENTRED ON
…``, vertical limits (``F) SFC G) UNL``, ``SFC-UNL``, ``FL180-FL600``, ``5000FT AMSL``) kept as
``lower``/``upper`` properties, windows ``06 JUL 03:18 2023 UNTIL 06 JUL 04:45 2023`` and
``B) 2307060318 C) 2307060445`` (with ``D) DAILY 2230-0330`` or ``D) 0700-1300``: one window a
day), the FAA's ``EFFECTIVE 2304201300 UTC UNTIL 2304202300 UTC``, arcs ``CLOCKWISE ON A 30 NM
ARC CENTERED ON …`` (FAA TFRs, ``!FDC 3/1234``), and
``CREATED: 03 FEB 07:40 2016`` as the issue date.

>>> out = parse_notam("A0001/23 - CIRCLE RADIUS 5NM CENTRED ON N392852E0955438. SFC-UNL. "
...                   "06 JUL 03:18 2023 UNTIL 06 JUL 04:45 2023")
>>> c = out.corridors[0]
>>> c.id, c.properties["shape"], c.properties["upper"], c.window_end.isoformat()
('notam-a0001-23-1', 'circle', 'UNL', '2023-07-06T04:45:00+00:00')
>>> out = parse_notam("A0003/23 B) 2304190000 C) 2304202359 D) 0700-1300 E) CIRCLE RADIUS 5NM CENTRE N392852E0955438")
>>> [w.start.isoformat()[:16] for w in out.corridors[0].windows]
['2023-04-19T07:00', '2023-04-20T07:00']
>>> parse_notam("A0002/23 - WITHIN 5.4 SEA MILES RADIUS OF N392852E0955438.").corridors[0].properties["radius_nm"]
5.4
"""

from __future__ import annotations

import hashlib
import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from geowarn.errors import ParseError
from geowarn.geodesy import NM
from geowarn.model import Corridor, TimeWindow, format_time
from geowarn.sources import rings
from geowarn.sources.common import (
    MAX_AREAS,
    MONTH_RE,
    MONTHS,
    ParsedInput,
    as_text,
    assign_phases,
    mask,
    mask_comments,
    slug,
)
from geowarn.sources.coords import PointMatch, find_points, line_col

_ID = re.compile(
    r"^[ \t]*\(?\s*(?P<id>[A-Z]\d{4}/\d{2})\b(?:\s+NOTAM(?P<kind>[NRC])(?:\s+(?P<ref>[A-Z]\d{4}/\d{2}))?)?", re.M
)
_FDC = re.compile(r"!FDC\s+(?P<id>\d/\d{3,4})\b")
_ITEM = re.compile(r"(?:(?<=^)|(?<=\s))(?P<item>[QABCDEFG])\)\s*", re.M)
_TEXT_WIN = re.compile(
    rf"(?P<d1>\d{{2}})\s+(?P<m1>{MONTH_RE})\s+(?P<h1>\d{{2}}):?(?P<mi1>\d{{2}})\s+(?P<y1>\d{{4}})\s+(?:UNTIL|TO|-)\s+"
    rf"(?P<d2>\d{{2}})\s+(?P<m2>{MONTH_RE})\s+(?P<h2>\d{{2}}):?(?P<mi2>\d{{2}})\s+(?P<y2>\d{{4}})"
)
_CREATED = re.compile(
    rf"CREATED:\s*(?P<d>\d{{2}})\s+(?P<m>{MONTH_RE})\s+(?P<h>\d{{2}}):?(?P<mi>\d{{2}})\s+(?P<y>\d{{4}})"
)
_STAMP = re.compile(r"^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})")
_LIMIT = r"(?:SFC|GND|UNL|UNLTD|FL\s?\d{2,3}|\d{1,6}\s?FT(?:\s?(?:AMSL|AGL|MSL))?|\d{1,6}\s?M(?:\s?(?:AMSL|AGL|MSL))?)"
_VERTICAL = re.compile(rf"(?<![A-Z0-9])(?P<lo>{_LIMIT})\s*-\s*(?P<hi>{_LIMIT})(?![A-Z0-9])")
_CIRCLE_UNIT = r"NM|NMI|(?:NAUTICAL|SEA)\s+MILES?|KM|M"
_CIRCLE = re.compile(
    rf"(?:CIRCLE\s+)?(?:WITH\s+)?RADIUS(?:\s+OF)?\s+(?P<r>\d+(?:\.\d+)?)\s*(?P<u>{_CIRCLE_UNIT})\b\s*"
    r"(?:CENT(?:RE|ER)D?(?:\s+(?:ON|AT))?|AROUND|OF)\s+"
    rf"|WITHIN\s+(?:A\s+)?(?P<r2>\d+(?:\.\d+)?)\s*(?P<u2>{_CIRCLE_UNIT})\b\s*(?:RADIUS\s+)?(?:OF|AROUND|FROM)\s+"
    r"(?:(?:THE\s+)?(?:POINT|CENT(?:RE|ER))\s+)?"
)
_SPLIT = re.compile(
    r"BACK\s+TO\s+(?:THE\s+)?(?:START|BEGINNING|FIRST\s+POINT)|\bAREA\s+[A-Z0-9]{1,3}\s*:"
    r"|\bTO\s+(?:THE\s+)?POINT\s+OF\s+(?:ORIGIN|BEGINNING)\b"
)
_ARC = re.compile(
    r"(?P<dir>COUNTER[\s-]?CLOCKWISE|ANTI[\s-]?CLOCKWISE|CLOCKWISE|CCW|CW)\b(?P<body>[^\n]{0,80}?)"
    r"\bCENT(?:ERED|RED|RE|ER)(?:\s+(?:ON|AT))?\s+"
)
_ARC_RADIUS = re.compile(r"(?P<r>\d+(?:\.\d+)?)\s*(?P<u>NM|NMI|NAUTICAL\s+MILES?|KM)\b")


def _dt(text: str, offset: int, token: str, y: int, mon: int, d: int, h: int, mi: int) -> datetime:
    try:
        return datetime(y, mon, d, h, mi, tzinfo=UTC)
    except ValueError as exc:
        line, col = line_col(text, offset)
        raise ParseError(f"{token!r}: {exc}", line=line, column=col) from None


def _stamp(text: str, offset: int, value: str) -> datetime:
    m = _STAMP.match(value)
    if not m:
        line, col = line_col(text, offset)
        raise ParseError(f"{value!r} is not a YYMMDDHHMM time", line=line, column=col)
    y, mo, d, h, mi = (int(g) for g in m.groups())
    return _dt(text, offset, value, 2000 + y, mo, d, h, mi)


_D_DAILY = re.compile(r"\s*(?:(?:DAILY|DLY)\s+)?(?P<s>\d{4})\s*-\s*(?P<e>\d{4})\b(?!\s*\d)")
_EFFECTIVE = re.compile(
    r"\bEFFECTIVE\s+(?P<s>\d{10})\s*(?:UTC|Z)\b(?:\s*\([^)\n]{0,40}\))?\s+UNTIL\s+(?P<e>\d{10})\s*(?:UTC|Z)\b"
)


def _daily_schedule(
    text: str, work: str, items: dict[str, re.Match[str]], begin: datetime, finish: datetime
) -> list[TimeWindow]:
    """Item ``D) DAILY 2230-0330``: one window a day between B) and C) (overnight ends the next day)."""
    if "D" not in items:
        return []
    m = _D_DAILY.match(work, items["D"].end())
    if not m:
        return []
    sh, sm, eh, em = int(m["s"][:2]), int(m["s"][2:]), int(m["e"][:2]), int(m["e"][2:])
    if sh > 23 or eh > 23 or sm > 59 or em > 59:
        line, col = line_col(text, m.start())
        raise ParseError(f"item D) {m.group(0).strip()!r} is not HHMM-HHMM", line=line, column=col)
    out: list[TimeWindow] = []
    day = begin.replace(hour=0, minute=0)
    while day <= finish and len(out) <= 400:
        start = day.replace(hour=sh, minute=sm)
        end = day.replace(hour=eh, minute=em)
        if end <= start:
            end += timedelta(days=1)
        start, end = max(start, begin), min(end, finish)
        if start < end:
            out.append(TimeWindow(start, end))
        day += timedelta(days=1)
    return out


def _with_arcs(
    pts: list[PointMatch], arcs: list[tuple[int, tuple[float, float], float, bool]], a: int, label: str, line: int
) -> list[tuple[float, float]]:
    """Return the corners of one area with each arc's densified points after the corner it starts from."""
    after: dict[int, tuple[tuple[float, float], float, bool]] = {}
    for offset, centre, radius, cw in arcs:
        k = max((i for i, p in enumerate(pts) if a + p.end <= offset), default=-1)
        if k < 0:
            raise ParseError(f"area {label}: an arc with no corner before it to start from", line=line)
        after[k] = (centre, radius, cw)
    out: list[tuple[float, float]] = []
    for i, p in enumerate(pts):
        out.append((p.lat, p.lon))
        if i in after:
            centre, radius, cw = after[i]
            nxt = pts[i + 1] if i + 1 < len(pts) else pts[0]
            out.extend(rings.arc_points(centre, (p.lat, p.lon), (nxt.lat, nxt.lon), radius, cw, label, line=line))
    return out


def parse_notam(  # noqa: C901 - one scan of items Q/A-G sharing their offsets; being reworked in issue 12
    data: str | bytes, *, name: str | None = None
) -> ParsedInput:
    """Parse one NOTAM into corridors (see the module docstring)."""
    text = as_text(data, "NOTAM")
    work = mask_comments(text).upper()
    meta: dict[str, Any] = {}
    idm = _ID.search(work)
    notam_id = idm.group("id") if idm else None
    fdc = _FDC.search(work)
    if notam_id is None and fdc:
        notam_id = f"FDC {fdc['id']}"
    if idm and idm.group("kind") in ("R", "C") and idm.group("ref"):
        meta["replaces" if idm.group("kind") == "R" else "cancels"] = (
            [idm.group("ref")] if idm.group("kind") == "C" else idm.group("ref")
        )
    if notam_id:
        meta["message_id"] = notam_id
    items = {m.group("item"): m for m in _ITEM.finditer(work)}
    geo_start, geo_end = 0, len(work)
    masked = work
    if "E" in items:
        geo_start = items["E"].end()
        later = [m.start() for k, m in items.items() if m.start() > geo_start]
        geo_end = min(later) if later else len(work)
    if "Q" in items:
        qm = items["Q"]
        q_end = work.find("\n", qm.end())
        masked = mask(work, [(qm.start(), len(work) if q_end < 0 else q_end)])

    windows: list[TimeWindow] = []
    for m in _TEXT_WIN.finditer(work):
        tok = m.group(0)
        s = _dt(text, m.start(), tok, int(m["y1"]), MONTHS[m["m1"]], int(m["d1"]), int(m["h1"]), int(m["mi1"]))
        e = _dt(text, m.start(), tok, int(m["y2"]), MONTHS[m["m2"]], int(m["d2"]), int(m["h2"]), int(m["mi2"]))
        if e < s:
            line, col = line_col(text, m.start())
            raise ParseError(f"window {tok!r} ends before it starts", line=line, column=col)
        windows.append(TimeWindow(s, e))
    for m in _EFFECTIVE.finditer(work):  # FAA: EFFECTIVE 2304201300 UTC UNTIL 2304202300 UTC
        s, e = _stamp(text, m.start("s"), m["s"]), _stamp(text, m.start("e"), m["e"])
        if e < s:
            line, col = line_col(text, m.start())
            raise ParseError(f"window {m.group(0)!r} ends before it starts", line=line, column=col)
        windows.append(TimeWindow(s, e))
    if "B" in items:
        begin = _stamp(text, items["B"].end(), work[items["B"].end() :].split()[0] if work[items["B"].end() :] else "")
        c_text = work[items["C"].end() :].split()[0] if "C" in items and work[items["C"].end() :] else ""
        if c_text.startswith("PERM"):
            meta["permanent"] = True
        elif c_text:
            finish = _stamp(text, items["C"].end(), c_text)
            if finish < begin:
                raise ParseError("item C) ends before item B) starts", line=line_col(text, items["C"].start())[0])
            daily = _daily_schedule(text, work, items, begin, finish)
            windows.extend(daily or [TimeWindow(begin, finish)])
    created = _CREATED.search(work)
    if created:
        issued = _dt(
            text,
            created.start(),
            created.group(0),
            int(created["y"]),
            MONTHS[created["m"]],
            int(created["d"]),
            int(created["h"]),
            int(created["mi"]),
        )
        meta["issued"] = format_time(issued)

    props: dict[str, Any] = {}
    if "F" in items and "G" in items:
        props["lower"] = " ".join(work[items["F"].end() : items["G"].start()].split()) or None
        g_end = min([m.start() for m in items.values() if m.start() > items["G"].start()] or [len(work)])
        props["upper"] = " ".join(work[items["G"].end() : g_end].split()).rstrip(")").strip() or None
    else:
        vm = _VERTICAL.search(work)
        if vm:
            props["lower"], props["upper"] = " ".join(vm["lo"].split()), " ".join(vm["hi"].split())

    # shapes: circles first, then point lists split at BACK TO START / AREA x:
    shapes: list[tuple[str, int, int, Any, dict[str, Any]]] = []
    circle_spans: list[tuple[int, int]] = []
    arc_heads = [(m.start(), m.end()) for m in _ARC.finditer(masked, geo_start, geo_end)]
    for m in _CIRCLE.finditer(masked, geo_start, geo_end):
        if any(s <= m.start() < e for s, e in arc_heads):
            continue  # "CLOCKWISE ARC RADIUS 30NM CENTRED ON …" is an arc, read below
        pts = find_points(masked[m.end() : geo_end], bare_decimal=False)
        if not pts or pts[0].start > 3:
            line, col = line_col(text, m.start())
            raise ParseError("a circle without a centre point", line=line, column=col)
        p = pts[0]
        r = float(m["r"] or m["r2"])
        unit = m["u"] or m["u2"]
        rm = r * 1000.0 if unit == "KM" else (r if unit == "M" else r * NM)
        line, _ = line_col(text, m.start())
        label = str(len(shapes) + 1)
        geom = rings.circle(p.lat, p.lon, rm, label, line=line)
        shapes.append((label, m.start(), m.end() + p.end, geom, {"shape": "circle", "radius_nm": round(rm / NM, 3)}))
        circle_spans.append((m.start(), m.end() + p.end))
    # arcs (FAA TFR "THEN CLOCKWISE ON A 30 NM ARC CENTERED ON 283729N0803914W TO …"): the centre
    # is no corner; the arc joins the corner before it to the one after it (or the first one)
    arcs: list[tuple[int, tuple[float, float], float, bool]] = []
    for m in _ARC.finditer(masked, geo_start, geo_end):
        line, col = line_col(text, m.start())
        pts = find_points(masked[m.end() : geo_end], bare_decimal=False)
        if not pts or pts[0].start > 3:
            raise ParseError("an arc without a centre point", line=line, column=col)
        rm_ = _ARC_RADIUS.search(m["body"]) or _ARC_RADIUS.search(
            masked, m.end() + pts[0].end, m.end() + pts[0].end + 40
        )
        if rm_ is None:
            raise ParseError(
                "an arc without a radius (expected e.g. 'CLOCKWISE ON A 30 NM ARC')", line=line, column=col
            )
        r = float(rm_["r"])
        arcs.append(
            (
                m.start(),
                (pts[0].lat, pts[0].lon),
                r * 1000.0 if rm_["u"] == "KM" else r * NM,
                m["dir"][:5] == "CLOCK" or m["dir"] == "CW",
            )
        )
        circle_spans.append((m.start(), m.end() + pts[0].end))
    rest = mask(masked, circle_spans)
    cuts = [geo_start] + [m.end() for m in _SPLIT.finditer(rest, geo_start, geo_end)] + [geo_end]
    for a, b in itertools.pairwise(cuts):
        try:
            pts = find_points(rest[a:b], strict=True, bare_decimal=False)
        except ParseError as exc:
            from geowarn.sources.common import shift_error

            raise shift_error(exc, text, a, prefix=f"area {len(shapes) + 1}: ") from None
        if not pts:
            continue
        line, _ = line_col(text, a + pts[0].start)
        label = str(len(shapes) + 1)
        own_arcs = [arc for arc in arcs if a <= arc[0] < b]
        if len(pts) < 3 and not (own_arcs and len(pts) >= 2):
            raise ParseError(f"area {label}: {len(pts)} point(s) do not make an area", line=line)
        corners = [(p.lat, p.lon) for p in pts]
        if own_arcs:
            corners = _with_arcs(pts, own_arcs, a, label, line)
        geom, reordered = rings.polygon_from_corners(corners, label, line=line)
        extra: dict[str, Any] = {"shape": "polygon", "corners": len(pts)}
        if own_arcs:
            extra["arcs"] = len(own_arcs)
        if reordered:
            extra["reordered"] = True
        shapes.append((label, a + pts[0].start, a + pts[-1].end, geom, extra))
        if len(shapes) > MAX_AREAS:
            raise ParseError(f"more than {MAX_AREAS} areas in one NOTAM", line=line)
    if not shapes:
        if meta.get("cancels"):
            return ParsedInput("notam", [], meta)
        raise ParseError("no area found (expected N392852E0955438-… BACK TO START or CIRCLE RADIUS …)", line=1)
    shapes.sort(key=lambda s: s[1])
    phases, how = assign_phases([work[s[1] : s[2]] for s in shapes], work)
    base = f"notam-{slug(notam_id)}" if notam_id else "notam-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    raw = "\n".join(ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#"))
    corridors = []
    for i, ((_, _, _, geom, extra), phase) in enumerate(zip(shapes, phases, strict=True)):
        cprops = {**props, **extra}
        if how != "text":
            cprops["phase_rule"] = how
        corridors.append(
            Corridor(
                id=f"{base}-{i + 1}",
                geometry=geom,
                phase=phase,
                label=f"NOTAM {notam_id or ''} area {i + 1}".replace("  ", " "),
                windows=tuple(sorted(set(windows), key=lambda w: (w.start, w.end))),
                source=f"NOTAM {notam_id}" if notam_id else "NOTAM",
                raw=raw,
                properties=cprops,
            )
        )
    if name:
        meta["name"] = name
    return ParsedInput("notam", corridors, meta)
