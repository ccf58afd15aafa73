"""ICAO NOTAMs (and the FAA domestic layout) carrying danger areas.

What is read: the NOTAM id (``A0419/16``, ``NOTAMR``/``NOTAMC`` with the id they replace or
cancel), items ``Q)`` … ``G)`` where present (the geometry comes from ``E)``, never from the
Q-line's approximate circle), polygons ``N194400E1235300-N194300E1245100-… BACK TO START``
(several per NOTAM: split at ``BACK TO START``, ``AREA x:``, or where prose, not a separator,
stands between two points; a point alone inside an area, such as an expected fall point, is no
corner and is warned), ``CIRCLE RADIUS 5NM CENTRED ON …`` and the FAA's ``1.7NM RADIUS OF …``,
sectors ``SECTOR CENTRE … AZM 321-144 DEG RADIUS 8KM`` (clockwise from the first azimuth), lines
with a width ``WI 1KM EITHER SIDE OF LINE JOINING POINTS: …`` (a geodesic swath),
vertical limits (``F) SFC G) UNL``, ``SFC-UNL``, ``FL180-FL600``, ``5000FT AMSL``) kept as
``lower``/``upper`` properties, windows ``06 JUL 03:18 2023 UNTIL 06 JUL 04:45 2023`` and
``B) 2307060318 C) 2307060445`` with item ``D)`` read by :func:`_schedule` (``DAILY 2230-0330``,
several ranges, days, months and weekdays; the year and month from item B)), the FAA's
``EFFECTIVE 2304201300 UTC UNTIL 2304202300 UTC`` and the domestic layout's closing
``2104101600-2104102000``, arcs ``CLOCKWISE ON A 30 NM ARC CENTERED ON …`` (FAA TFRs, ``!FDC
3/1234``) drawn at their stated radius, and ``CREATED: 03 FEB 07:40 2016`` as the issue date. A
compact point that the NOTAM's fixed line width cut in two (``N39`` / ``5205E1020948``) is read
whole. ``raw`` is the NOTAM's lines before its first area, the area's own lines and the lines
after its last area.

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

import calendar
import hashlib
import itertools
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shapely.geometry import Point

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
    shift_error,
    slug,
)
from geowarn.sources.coords import PointMatch, find_points, line_col, rejoin_broken_points

_ID = re.compile(
    r"^[ \t]*\(?\s*(?P<id>[A-Z]\d{4}/\d{2})\b(?:\s+NOTAM(?P<kind>[NRC])(?:\s+(?P<ref>[A-Z]\d{4}/\d{2}))?)?", re.M
)
NOTAM_ID = re.compile(r"(?<![A-Z0-9/])[A-Z]\d{4}/\d{2}(?![\d/])")
"""A NOTAM id anywhere in a text (``E3847/25``): never read as a coordinate (``E3847``)."""
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
    r"(?:CENT(?:RED?|ER(?:E?D)?)(?:\s+(?:ON|AT))?|AROUND|OF)\s+"
    rf"|WITHIN\s+(?:A\s+)?(?P<r2>\d+(?:\.\d+)?)\s*(?P<u2>{_CIRCLE_UNIT})\b\s*(?:RADIUS\s+)?(?:OF|AROUND|FROM)\s+"
    r"(?:(?:THE\s+)?(?:POINT|CENT(?:RE|ER))\s+)?"
    rf"|(?<![\d.])(?P<r3>\d+(?:\.\d+)?)\s*(?P<u3>{_CIRCLE_UNIT})\s+RADIUS\s+(?:OF|AROUND|CENT(?:RED?|ER(?:E?D)?)\s+(?:ON|AT))\s+"
)
_SPLIT = re.compile(
    r"BACK\s+TO\s+(?:THE\s+)?(?:START|BEGINNING|FIRST\s+POINT)|\bAREA\s+[A-Z0-9]{1,3}\s*:"
    r"|\bTO\s+(?:THE\s+)?POINT\s+OF\s+(?:ORIGIN|BEGINNING)\b"
)
_ARC = re.compile(
    r"(?P<dir>COUNTER[\s-]?CLOCKWISE|ANTI[\s-]?CLOCKWISE|CLOCKWISE|CCW|CW)\b(?P<body>[^\n]{0,80}?)"
    r"\bCENT(?:ERED|RED|RE|ER)(?:\s+(?:ON|AT))?\s+"
)
_SECTOR = re.compile(
    r"\bSECTOR\s+CENT(?:RED?|ER(?:E?D)?)(?:\s+(?:ON|AT))?\s+(?P<pt>[^A-Z]{0,3}\S+(?:\s\d\S*)?)\s+AZM\s+(?P<a1>\d{1,3})\s*-\s*"
    r"(?P<a2>\d{1,3})\s*DEG\s+RADIUS\s+(?P<r>\d+(?:\.\d+)?)\s*(?P<u>KM|NM|M)\b"
)
_ELLIPSE = re.compile(
    r"\bELLIPSE\s+CENT(?:RED?|ER(?:E?D)?)(?:\s+(?:ON|AT))?\s+(?P<pt>[^A-Z]{0,3}\S+(?:\s\d\S*)?)\s+WITH\s+AXES?\s+"
    r"DIMENSIONS?\s+(?P<a>\d+(?:\.\d+)?)\s*X\s*(?P<b>\d+(?:\.\d+)?)\s*(?P<u>KM|NM|M)\b[\s,]*"
    r"AZM\s+OF\s+(?:THE\s+)?MAJOR\s+AXIS\s+(?P<az>\d{1,3}(?:\.\d+)?)\s*DEG\b"
)
_WIDE_LINE = re.compile(
    r"\bW(?:I|ITHIN)\s+(?P<w>\d+(?:\.\d+)?)\s*(?P<u>KM|NM|M)\s+(?:EITHER|EACH)\s+SIDE\s+OF\s+(?:THE\s+)?LINE"
    r"(?:\s+JOINING(?:\s+POINTS)?)?\s*:?\s*"
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


_EFFECTIVE = re.compile(
    r"\bEFFECTIVE\s+(?P<s>\d{10})\s*(?:UTC|Z)\b(?:\s*\([^)\n]{0,40}\))?\s+UNTIL\s+(?P<e>\d{10})\s*(?:UTC|Z)\b"
)
_FAA_RANGE = re.compile(r"(?<![\d-])(?P<s>\d{10})-(?P<e>\d{10})(?:EST)?(?![\d-])")
_D_TOKEN = re.compile(
    rf"(?P<t>(?P<sh>\d{{2}})(?P<sm>\d{{2}})\s*-\s*(?P<eh>\d{{2}})(?P<em>\d{{2}}))(?!\d)"
    rf"|(?P<dr>(?P<d1>\d{{1,2}})\s*-\s*(?P<d2>\d{{1,2}}))(?!\d)"
    rf"|(?P<d>\d{{1,2}})(?!\d)"
    rf"|(?P<mon>{MONTH_RE})\b"
    r"|(?P<wr>(?P<w1>MON|TUE|WED|THU|FRI|SAT|SUN)\s*-\s*(?P<w2>MON|TUE|WED|THU|FRI|SAT|SUN))\b"
    r"|(?P<w>MON|TUE|WED|THU|FRI|SAT|SUN)\b"
    r"|(?P<on>ON)\b"
    r"|(?P<skip>DAILY|DLY|AND|EVERY\s+DAY|[,.;]+)"
    r"|(?P<other>\S+)"
)
_WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
_MAX_SCHEDULE_WINDOWS = 400


_DGroup = tuple[list[tuple[int, int]] | None, set[int] | None, list[tuple[int, int, int, int]]]
"""One part of item D): its ``(month, day)`` list (``None``: every day), weekdays, ``(sh, sm, eh, em)`` ranges."""


def _d_time(m: re.Match[str], fail: Callable[[int, str], ParseError]) -> tuple[int, int, int, int]:
    """Return the ``(sh, sm, eh, em)`` of one ``HHMM-HHMM`` of item D)."""
    sh, sm, eh, em = (int(m[k]) for k in ("sh", "sm", "eh", "em"))
    if sh > 24 or eh > 24 or sm > 59 or em > 59 or (sh == 24 and sm) or (eh == 24 and em):
        raise fail(m.start(), f"{m['t']!r} is not HHMM-HHMM")
    return sh, sm, eh, em


def _d_days(
    m: re.Match[str], month: int, fail: Callable[[int, str], ParseError]
) -> tuple[int, list[tuple[int, int]], set[int]]:
    """Read one month, day, day range or weekday token of item D): ``(month, days, weekdays)`` it adds."""
    if m["mon"]:
        return MONTHS[m["mon"]], [], set()
    if m["dr"] or m["d"]:
        d1, d2 = (int(m["d1"]), int(m["d2"])) if m["dr"] else (int(m["d"]), int(m["d"]))
        if not (1 <= d1 <= d2 <= 31):
            raise fail(m.start(), f"{m.group(0)!r} is not a day or range of days of the month")
        return month, [(month, d) for d in range(d1, d2 + 1)], set()
    if m["wr"]:
        i1, i2 = _WEEKDAYS.index(m["w1"]), _WEEKDAYS.index(m["w2"])
        return month, [], set(range(i1, i2 + 1) if i1 <= i2 else [*range(i1, 7), *range(0, i2 + 1)])
    if m["w"]:
        return month, [], {_WEEKDAYS.index(m["w"])}
    raise fail(m.start(), f"{m.group(0)!r} is not read (give the windows by hand)")


def _d_groups(body: str, month: int, fail: Callable[[int, str], ParseError]) -> list[_DGroup]:
    """Split item D) into its parts: the days (or weekdays) listed, then the time ranges for them.

    The days may also follow their times after ``ON``: ``0253-0403 AND 0729-0839 ON 04,0613-0723
    ON 05`` (NOTAM A4531/25, Urumqi FIR).
    """
    groups: list[_DGroup] = []
    days: list[tuple[int, int]] | None = None
    weekdays: set[int] | None = None
    times: list[tuple[int, int, int, int]] = []
    on = False  # the days being read belong to the time ranges before them
    for m in _D_TOKEN.finditer(body):
        if m["t"] and on:  # "… ON 04, 0613-0723": a new part starts with its times
            groups.append((days, weekdays, times))
            days, weekdays, times, on = None, None, [_d_time(m, fail)], False
        elif m["t"]:
            times.append(_d_time(m, fail))
        elif m["on"] and not times:
            raise fail(m.start(), "'ON' without a time range before it")
        elif m["on"]:
            on = True
        elif not m["skip"]:
            if times and not on:  # a new day list starts after the time ranges of the previous one
                groups.append((days, weekdays, times))
                days, weekdays, times = None, None, []
            month, more_days, more_week = _d_days(m, month, fail)
            days = days + more_days if days is not None else (more_days or None)
            weekdays = (weekdays or set()) | more_week if (weekdays or more_week) else None
    if not times:
        if days is not None or weekdays is not None:
            raise fail(len(body.rstrip()), "days without a time range")
        return groups
    return [*groups, (days, weekdays, times)]


def _d_dates(
    days: list[tuple[int, int]] | None, begin: datetime, finish: datetime, fail: Callable[[int, str], ParseError]
) -> list[datetime]:
    """Return the dates (midnight UTC) a part of item D) covers: its listed days, or every day from B) to C)."""
    if days is None:
        first = begin.replace(hour=0, minute=0)
        return [first + timedelta(days=i) for i in range((finish - first).days + 1)]
    out = []
    for mon, d in days:
        year = begin.year + (1 if mon < begin.month else 0)
        try:
            out.append(datetime(year, mon, d, tzinfo=UTC))
        except ValueError:
            raise fail(0, f"day {d:02d} is not in {calendar.month_abbr[mon].upper()} {year}") from None
    return out


def _schedule(
    text: str, work: str, items: dict[str, re.Match[str]], begin: datetime, finish: datetime
) -> list[TimeWindow]:
    r"""Read item ``D)``: the windows it gives between items B) and C) (empty when there is no D)).

    Read: ``DAILY 2230-0330`` or ``0700-1300`` (every day; an end before its start is the next
    day), several ranges (``0231-0328 0417-0532 0603-0725``), days of the month with or without
    their month (``01 05 07 0100-0300``, ``MAR 01-05 0700-1300``; the year and month come from
    item B)), times before the days they fall on (``0253-0403 AND 0729-0839 ON 04,0613-0723 ON
    05``), weekdays (``MON-FRI 0800-1700``). Anything else in D) (``SR-SS``, ``HJ``, ``EXC``)
    is an error naming it: a schedule is never read in part.

    NOTAM A3520/24 (ZLHW, 2024), ``B) 2410250231 C) 2410250725 D) 0231-0328 0417-0532 0603-0725``:

    >>> b, c = datetime(2024, 10, 25, 2, 31, tzinfo=UTC), datetime(2024, 10, 25, 7, 25, tzinfo=UTC)
    >>> d = "D) 0231-0328 0417-0532 0603-0725\nE) "
    >>> ws = _schedule(d, d, {m["item"]: m for m in _ITEM.finditer(d)}, b, c)
    >>> [f"{w.start:%H%M}-{w.end:%H%M}" for w in ws]
    ['0231-0328', '0417-0532', '0603-0725']
    """
    if "D" not in items:
        return []
    start = items["D"].end()
    end = min([m.start() for m in items.values() if m.start() > start] or [len(work)])
    body = work[start:end]

    def fail(offset: int, problem: str) -> ParseError:
        line, col = line_col(text, start + offset)
        return ParseError(f"item D) {' '.join(body.split())!r}: {problem}", line=line, column=col)

    out: list[TimeWindow] = []
    for gdays, gweek, gtimes in _d_groups(body, begin.month, fail):
        dates = [d for d in _d_dates(gdays, begin, finish, fail) if gweek is None or d.weekday() in gweek]
        for day, (sh, sm, eh, em) in itertools.product(dates, gtimes):
            w_start, w_end = day + timedelta(hours=sh, minutes=sm), day + timedelta(hours=eh, minutes=em)
            if w_end <= w_start:
                w_end += timedelta(days=1)
            w_start, w_end = max(w_start, begin), min(w_end, finish)
            if w_start < w_end:
                out.append(TimeWindow(w_start, w_end))
            elif gdays is not None:
                raise fail(0, f"the window on {day:%d %b} is outside items B) and C)")
            if len(out) > _MAX_SCHEDULE_WINDOWS:
                raise fail(0, f"more than {_MAX_SCHEDULE_WINDOWS} windows")
    return sorted(out, key=lambda w: (w.start, w.end))


_JOINER = re.compile(r"(?:[\s,;:/.\u2013-]|\([^()\n]{0,40}\)|\b(?:TO|THEN|THENCE|AND|POINTS?|PSN|FM|FROM)\b)*")


def _point_groups(segment: str, pts: list[PointMatch]) -> list[list[PointMatch]]:
    """Split the points of one E) segment where prose, not a separator, stands between two of them.

    ``N1718E09338, THE POSSIBLE FALLING AREA WILL NOT EXCEED … N1657E09348-N1703E09320-…``: the
    first point is not a corner of the area that follows (NOTAM A0215/24, Yangon FIR):

    >>> seg = "FALL IN THE N1718E09338, THE POSSIBLE AREA N1657E09348-N1703E09320-N1744E09330"
    >>> [len(g) for g in _point_groups(seg, find_points(seg))]
    [1, 3]
    """
    groups: list[list[PointMatch]] = []
    for p in pts:
        if groups and _JOINER.fullmatch(segment, groups[-1][-1].end, p.start):
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


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


_Shape = tuple[str, int, int, Any, dict[str, Any]]
"""One area: label, start and end offsets of its text, geometry, properties."""
_Arc = tuple[int, tuple[float, float], float, bool]
"""One arc: offset of its ``CLOCKWISE``, centre ``(lat, lon)``, radius (m), clockwise."""


def _identity(work: str, meta: dict[str, Any]) -> str | None:
    """Return the NOTAM's id (``A0419/16``, ``FDC 1/4530``); what it replaces or cancels goes into ``meta``."""
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
    return notam_id


def _geometry_text(work: str, all_items: list[re.Match[str]]) -> tuple[str, int, int]:
    """Return ``work`` with all but the E) items blanked (and Q) lines), and the span the E) items cover.

    A NOTAM in parts (``PART 1 OF 2`` …) has one E) item per part: they are read together.
    """
    geo_start, geo_end = 0, len(work)
    hidden: list[tuple[int, int]] = []
    e_ranges = [
        (m.end(), all_items[k + 1].start() if k + 1 < len(all_items) else len(work))
        for k, m in enumerate(all_items)
        if m.group("item") == "E"
    ]
    if e_ranges:
        geo_start, geo_end = e_ranges[0][0], e_ranges[-1][1]
        hidden += [(b, c) for (_, b), (c, _) in itertools.pairwise(e_ranges)]
    for qm in (m for m in all_items if m.group("item") == "Q"):
        q_end = work.find("\n", qm.end())
        hidden.append((qm.start(), len(work) if q_end < 0 else q_end))
    hidden += [(m.start(), m.end()) for m in NOTAM_ID.finditer(work)]  # REF NOTAM E3847/25: no longitude
    return mask(work, hidden), geo_start, geo_end


def _ordered(text: str, offset: int, token: str, start: datetime, end: datetime) -> TimeWindow:
    if end < start:
        line, col = line_col(text, offset)
        raise ParseError(f"window {token!r} ends before it starts", line=line, column=col)
    return TimeWindow(start, end)


def _text_windows(text: str, work: str, items: dict[str, re.Match[str]]) -> list[TimeWindow]:
    """Return the windows written out in the text: ``06 JUL 03:18 2023 UNTIL …``, FAA ``EFFECTIVE … UNTIL …``.

    The FAA domestic layout (no item B)) closes with its validity, ``2104101600-2104102000``.
    """
    out: list[TimeWindow] = []
    for m in _TEXT_WIN.finditer(work):
        tok = m.group(0)
        s = _dt(text, m.start(), tok, int(m["y1"]), MONTHS[m["m1"]], int(m["d1"]), int(m["h1"]), int(m["mi1"]))
        e = _dt(text, m.start(), tok, int(m["y2"]), MONTHS[m["m2"]], int(m["d2"]), int(m["h2"]), int(m["mi2"]))
        out.append(_ordered(text, m.start(), tok, s, e))
    stamps = [*_EFFECTIVE.finditer(work), *([] if "B" in items else _FAA_RANGE.finditer(work))]
    for m in stamps:
        s, e = _stamp(text, m.start("s"), m["s"]), _stamp(text, m.start("e"), m["e"])
        out.append(_ordered(text, m.start(), m.group(0), s, e))
    return out


def _item_windows(text: str, work: str, items: dict[str, re.Match[str]], meta: dict[str, Any]) -> list[TimeWindow]:
    """Return the windows of items B), C) and D) (``C) PERM`` and ``C) … EST`` noted in ``meta``)."""
    if "B" not in items:
        return []
    after_b = work[items["B"].end() :]
    begin = _stamp(text, items["B"].end(), after_b.split()[0] if after_b.split() else "")
    after_c = work[items["C"].end() :] if "C" in items else ""
    c_text = after_c.split()[0] if after_c.split() else ""
    if c_text.startswith("PERM"):
        meta["permanent"] = True
        return []
    if not c_text:
        return []
    if re.match(r"\s*\d{10}\s*EST\b", after_c):
        meta["end_estimated"] = True  # C) 2509301459 EST: the end is an estimate
    finish = _stamp(text, items["C"].end(), c_text)
    if finish < begin:
        raise ParseError("item C) ends before item B) starts", line=line_col(text, items["C"].start())[0])
    return _schedule(text, work, items, begin, finish) or [TimeWindow(begin, finish)]


def _issued(text: str, work: str, meta: dict[str, Any]) -> None:
    """Record ``CREATED: 03 FEB 07:40 2016`` as ``meta["issued"]``."""
    created = _CREATED.search(work)
    if created:
        g = created
        when = _dt(text, g.start(), g.group(0), int(g["y"]), MONTHS[g["m"]], int(g["d"]), int(g["h"]), int(g["mi"]))
        meta["issued"] = format_time(when)


def _limits(work: str, items: dict[str, re.Match[str]]) -> dict[str, Any]:
    """Return the vertical limits (``lower``/``upper``) from items F) and G), or ``SFC-UNL`` in the text."""
    props: dict[str, Any] = {}
    if "F" in items and "G" in items:
        props["lower"] = " ".join(work[items["F"].end() : items["G"].start()].split()) or None
        g_end = min([m.start() for m in items.values() if m.start() > items["G"].start()] or [len(work)])
        props["upper"] = " ".join(work[items["G"].end() : g_end].split()).rstrip(")").strip() or None
    else:
        vm = _VERTICAL.search(work)
        if vm:
            props["lower"], props["upper"] = " ".join(vm["lo"].split()), " ".join(vm["hi"].split())
    return props


def _area_limits(work: str, shapes: list[_Shape], geo_end: int) -> list[dict[str, Any]]:
    """Each area's own vertical limits, written after it in E) (``1. AREA: … 250M AMSL-290M AMSL.``).

    NOTAM Q1579/25 gives its polygon 250M AMSL-290M AMSL and its circles SFC-290M AMSL, items F)
    and G) only the envelope (SFC, 290M AMSL): an area with its own limits has them as
    ``lower``/``upper`` (``limits: "area"``), the others keep F) and G).
    """
    out: list[dict[str, Any]] = []
    for i, shape in enumerate(shapes):
        nxt = shapes[i + 1][1] if i + 1 < len(shapes) else geo_end
        m = _VERTICAL.search(work, shape[2], max(shape[2], nxt))
        if m:
            out.append({"lower": " ".join(m["lo"].split()), "upper": " ".join(m["hi"].split()), "limits": "area"})
        else:
            out.append({})
    return out


def _circles(text: str, masked: str, geo: tuple[int, int], shapes: list[_Shape], spans: list[tuple[int, int]]) -> None:
    """Append each ``CIRCLE RADIUS … CENTRED ON …`` (and the other circle phrasings) to ``shapes``."""
    geo_start, geo_end = geo
    arc_heads = [(m.start(), m.end()) for m in _ARC.finditer(masked, geo_start, geo_end)]
    for m in _CIRCLE.finditer(masked, geo_start, geo_end):
        if any(s <= m.start() < e for s, e in arc_heads):
            continue  # "CLOCKWISE ARC RADIUS 30NM CENTRED ON …" is an arc, read by _arcs
        pts = find_points(masked[m.end() : geo_end], bare_decimal=False)
        if not pts or pts[0].start > 3:
            line, col = line_col(text, m.start())
            raise ParseError("a circle without a centre point", line=line, column=col)
        p = pts[0]
        r = float(m["r"] or m["r2"] or m["r3"])
        unit = m["u"] or m["u2"] or m["u3"]
        rm = r * 1000.0 if unit == "KM" else (r if unit == "M" else r * NM)
        line, _ = line_col(text, m.start())
        label = str(len(shapes) + 1)
        geom = rings.circle(p.lat, p.lon, rm, label, line=line)
        props_c = {"shape": "circle", "radius_nm": round(rm / NM, 3), "centre": [p.lat, p.lon]}
        shapes.append((label, m.start(), m.end() + p.end, geom, props_c))
        spans.append((m.start(), m.end() + p.end))


def _metres(value: str, unit: str) -> float:
    return float(value) * (1000.0 if unit == "KM" else 1.0 if unit == "M" else NM)


def _centre(text: str, m: re.Match[str], what: str) -> PointMatch:
    """Return the one centre point of the shape ``m`` (its ``pt`` group), or raise a ParseError naming ``what``.

    >>> m = re.search(r"CENTRE (?P<pt>.+)", "SECTOR CENTRE 4530N03310E AZM 321-144 DEG")
    >>> _centre(m.string, m, "a sector").lat
    45.5
    """
    pts = find_points(m["pt"], bare_decimal=False)
    if len(pts) != 1:
        line, col = line_col(text, m.start())
        raise ParseError(f"{what} whose centre {m['pt'].strip()!r} is not one point", line=line, column=col)
    return pts[0]


def _sectors(text: str, masked: str, geo: tuple[int, int], shapes: list[_Shape], spans: list[tuple[int, int]]) -> None:
    """Append each ``SECTOR CENTRE … AZM 321-144 DEG RADIUS 8KM`` (clockwise from the first bearing)."""
    for m in _SECTOR.finditer(masked, *geo):
        line = line_col(text, m.start())[0]
        p, label = _centre(text, m, "a sector"), str(len(shapes) + 1)
        a1, a2, rm = float(m["a1"]), float(m["a2"]), _metres(m["r"], m["u"])
        geom = rings.sector(p.lat, p.lon, rm, a1, a2, label, line=line)
        props = {"shape": "sector", "centre": [p.lat, p.lon], "radius_nm": round(rm / NM, 3), "azimuths": [a1, a2]}
        shapes.append((label, m.start(), m.end(), geom, props))
        spans.append((m.start(), m.end()))


def _ellipses(text: str, masked: str, geo: tuple[int, int], shapes: list[_Shape], spans: list[tuple[int, int]]) -> None:
    """Append each ``ELLIPSE CENTRE … WITH AXES DIMENSIONS 2.8X1.3KM AZM OF MAJOR AXIS 141DEG``.

    The dimensions are the full lengths of the major and minor axes (the Russian ``РАЗМЕРАМИ ОСЕЙ``
    of the ellipse), so the semi-axes are half of them. An ``ELLIPSE`` this grammar does not read
    is an error naming it, never another shape.
    """
    for m in _ELLIPSE.finditer(masked, *geo):
        line = line_col(text, m.start())[0]
        p, label = _centre(text, m, "an ellipse"), str(len(shapes) + 1)
        major, minor = sorted((_metres(m["a"], m["u"]), _metres(m["b"], m["u"])), reverse=True)
        geom = rings.ellipse(p.lat, p.lon, major / 2, minor / 2, float(m["az"]), label, line=line)
        props = {
            "shape": "ellipse",
            "centre": [p.lat, p.lon],
            "axes_m": [major, minor],
            "azimuth": float(m["az"]),
        }
        shapes.append((label, m.start(), m.end(), geom, props))
        spans.append((m.start(), m.end()))
    for m in re.finditer(r"\bELLIPSE\b", mask(masked, spans)[: geo[1]]):
        if m.start() >= geo[0]:
            line, col = line_col(text, m.start())
            want = "ELLIPSE CENTRE P WITH AXES DIMENSIONS 2.8X1.3KM AZM OF MAJOR AXIS 141DEG"
            raise ParseError(f"an ELLIPSE not read (expected e.g. {want})", line=line, column=col)


def _wide_lines(
    text: str, masked: str, geo: tuple[int, int], shapes: list[_Shape], spans: list[tuple[int, int]]
) -> None:
    """Append each ``WI 1KM EITHER SIDE OF LINE JOINING POINTS: …-…`` as a geodesic swath."""
    for m in _WIDE_LINE.finditer(masked, *geo):
        line, col = line_col(text, m.start())
        pts = find_points(masked[m.end() : geo[1]], bare_decimal=False)
        group = _point_groups(masked[m.end() : geo[1]], pts)[0] if pts and pts[0].start <= 3 else []
        if len(group) < 2:
            raise ParseError("a line with a width but fewer than two points", line=line, column=col)
        label, half = str(len(shapes) + 1), _metres(m["w"], m["u"])
        geom = rings.track_buffer([(q.lat, q.lon) for q in group], half, label, line=line)
        props = {"shape": "track", "half_width_nm": round(half / NM, 3), "points": len(group)}
        shapes.append((label, m.start(), m.end() + group[-1].end, geom, props))
        spans.append((m.start(), m.end() + group[-1].end))


def _arcs(text: str, masked: str, geo: tuple[int, int], spans: list[tuple[int, int]]) -> list[_Arc]:
    """Return the arcs (FAA TFR ``THEN CLOCKWISE ON A 30 NM ARC CENTERED ON 283729N0803914W TO …``).

    The centre is no corner; the arc joins the corner before it to the one after it (or the first).
    """
    geo_start, geo_end = geo
    arcs: list[_Arc] = []
    for m in _ARC.finditer(masked, geo_start, geo_end):
        line, col = line_col(text, m.start())
        pts = find_points(masked[m.end() : geo_end], bare_decimal=False)
        if not pts or pts[0].start > 3:
            raise ParseError("an arc without a centre point", line=line, column=col)
        after_centre = m.end() + pts[0].end
        rm_ = _ARC_RADIUS.search(m["body"]) or _ARC_RADIUS.search(masked, after_centre, after_centre + 40)
        if rm_ is None:
            raise ParseError(
                "an arc without a radius (expected e.g. 'CLOCKWISE ON A 30 NM ARC')", line=line, column=col
            )
        r = float(rm_["r"]) * (1000.0 if rm_["u"] == "KM" else NM)
        arcs.append((m.start(), (pts[0].lat, pts[0].lon), r, m["dir"][:5] == "CLOCK" or m["dir"] == "CW"))
        spans.append((m.start(), after_centre))
    return arcs


def _groups(text: str, rest: str, geo: tuple[int, int]) -> list[tuple[int, int, list[PointMatch]]]:
    """Return the point groups of the E) text: ``(offset of their cut, end of the cut, points)``.

    Cuts are ``BACK TO START``, ``AREA x:`` …; within a cut, prose between two points starts a
    new group (:func:`_point_groups`).
    """
    geo_start, geo_end = geo
    cuts = [geo_start] + [m.end() for m in _SPLIT.finditer(rest, geo_start, geo_end)] + [geo_end]
    groups: list[tuple[int, int, list[PointMatch]]] = []
    for a, b in itertools.pairwise(cuts):
        try:
            pts = find_points(rest[a:b], strict=True, bare_decimal=False)
        except ParseError as exc:
            raise shift_error(exc, text, a, prefix=f"area {len(groups) + 1}: ") from None
        groups.extend((a, b, g) for g in _point_groups(rest[a:b], pts))
    return groups


def _polygons(text: str, rest: str, geo: tuple[int, int], arcs: list[_Arc], shapes: list[_Shape]) -> None:
    """Append each polygon (with its arcs) to ``shapes``; a lone point must be a reference, else an error.

    A point alone inside an area (an expected fall point) or in parentheses (a waypoint) is no
    corner and not an area: the warnings list it. Any other lone point is an error naming it.
    """
    groups = _groups(text, rest, geo)
    singles: list[tuple[int, PointMatch]] = []
    for gi, (a, b, pts) in enumerate(groups):
        line, _ = line_col(text, a + pts[0].start)
        label = str(len(shapes) + 1)
        nxt = a + groups[gi + 1][2][0].start if gi + 1 < len(groups) and groups[gi + 1][0] == a else b
        own_arcs = [arc for arc in arcs if a + pts[0].start <= arc[0] < nxt]
        if len(pts) == 1 and not own_arcs:
            singles.append((a, pts[0]))
            continue
        if len(pts) < 3 and not (own_arcs and len(pts) >= 2):
            raise ParseError(f"area {label}: {len(pts)} point(s) do not make an area", line=line)
        corners = _with_arcs(pts, own_arcs, a, label, line) if own_arcs else [(p.lat, p.lon) for p in pts]
        geom, reordered = rings.polygon_from_corners(corners, label, line=line)
        extra: dict[str, Any] = {"shape": "polygon", "corners": len(pts)}
        if own_arcs:
            extra["arcs"] = len(own_arcs)
            extra["arc_centres"] = [[c[0], c[1]] for _, c, _, _ in own_arcs]
        if reordered:
            extra["reordered"] = True
        shapes.append((label, a + pts[0].start, a + pts[-1].end, geom, extra))
        if len(shapes) > MAX_AREAS:
            raise ParseError(f"more than {MAX_AREAS} areas in one NOTAM", line=line)
    for a, p in singles:
        before, after = rest[max(0, a + p.start - 8) : a + p.start], rest[a + p.end : a + p.end + 8]
        aside = before.rstrip().endswith("(") and after.lstrip().startswith(")")
        if not aside and not any(shape[3].covers(Point(p.lon, p.lat)) for shape in shapes):
            line, _ = line_col(text, a + p.start)
            label = str(1 + sum(1 for shape in shapes if shape[1] < a + p.start))
            raise ParseError(f"area {label}: 1 point(s) do not make an area", line=line)


def _raws(text: str, shapes: list[_Shape]) -> list[str]:
    """Return each area's ``raw``: the lines before the first area, its own lines, the lines after the last."""
    lines = text.splitlines()
    first_line = line_col(text, shapes[0][1])[0] - 1
    last_line = max(line_col(text, sh[2])[0] for sh in shapes)

    def keep(chunk: list[str]) -> list[str]:
        return [ln for ln in chunk if ln.strip() and not ln.lstrip().startswith("#")]

    head, tail = keep(lines[:first_line]), keep(lines[last_line:])
    return [
        "\n".join(head + keep(lines[line_col(text, start)[0] - 1 : line_col(text, end)[0]]) + tail)
        for _, start, end, _, _ in shapes
    ]


def parse_notam(data: str | bytes, *, name: str | None = None) -> ParsedInput:
    """Parse one NOTAM into corridors (see the module docstring)."""
    text = as_text(data, "NOTAM")
    work = rejoin_broken_points(mask_comments(text).upper())
    meta: dict[str, Any] = {}
    notam_id = _identity(work, meta)
    all_items = list(_ITEM.finditer(work))
    items = {m.group("item"): m for m in all_items}
    masked, geo_start, geo_end = _geometry_text(work, all_items)
    windows = _text_windows(text, work, items) + _item_windows(text, work, items, meta)
    _issued(text, work, meta)
    props = _limits(work, items)

    # shapes: circles first, then arcs, then point lists split at BACK TO START / AREA x: / prose
    shapes: list[_Shape] = []
    spans: list[tuple[int, int]] = []
    _sectors(text, masked, (geo_start, geo_end), shapes, spans)
    _ellipses(text, mask(masked, spans), (geo_start, geo_end), shapes, spans)
    _wide_lines(text, masked, (geo_start, geo_end), shapes, spans)
    _circles(text, mask(masked, spans), (geo_start, geo_end), shapes, spans)
    arcs = _arcs(text, masked, (geo_start, geo_end), spans)
    _polygons(text, mask(masked, spans), (geo_start, geo_end), arcs, shapes)
    if not shapes:
        if meta.get("cancels"):
            return ParsedInput("notam", [], meta)
        raise ParseError("no area found (expected N392852E0955438-… BACK TO START or CIRCLE RADIUS …)", line=1)
    shapes.sort(key=lambda s: s[1])
    phases, how = assign_phases([work[s[1] : s[2]] for s in shapes], work)
    base = f"notam-{slug(notam_id)}" if notam_id else "notam-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    corridors = []
    own_limits = _area_limits(work, shapes, geo_end)
    for i, ((_, _, _, geom, extra), phase, raw) in enumerate(zip(shapes, phases, _raws(text, shapes), strict=True)):
        cprops = {**props, **extra, **own_limits[i]}
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
