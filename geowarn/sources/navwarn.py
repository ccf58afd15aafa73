"""Navigational warnings: NAVAREA / HYDROPAC / HYDROLANT / NAVTEX text and NGA's JSON record.

What is read
------------
- the message id (``NAVAREA XI 0123/16``, ``HYDROPAC 321/16``, NAVTEX ``ZCZC JA12``) and the
  date-time group after it (``060745Z FEB 16``), or alone on the line above it (NGA's printed
  layout), as the issue date;
- lettered areas (``A.``, ``B.`` …, ``AREA A:``, ``AREA 1:``) or, without letters, every paragraph with coordinates;
- polygons after ``BOUND(ED) BY`` / ``JOINING`` (corner lists out of ring order are re-ordered,
  see :mod:`geowarn.sources.rings`); ``CIRCLE RADIUS n NM CENTERED ON …`` and ``WITHIN n MILES
  OF …`` (one point; the radius in digits or words, ``WITHIN THREE MILES OF``) → a geodesic
  circle; ``TRACKLINE JOINING …`` → a swath either side of the
  line: the stated ``WITHIN n MILES`` / ``n NM EITHER SIDE``, else :data:`DEFAULT_TRACK_HALF_WIDTH_NM`;
- windows ``121606Z TO 121854Z NOV [22]``, ``302200Z NOV TO 010400Z DEC``, ``ALTERNATE …``,
  ``2230Z TO 0330Z DAILY 07 THRU 13 FEB`` and ``DAILY 2230Z TO 0330Z 07 THRU 13 FEB`` (a daily
  window whose end is before its start ends the next day). A window without month or year
  takes them from the issue date; a month more than six months before the issue month is in
  the next year. A window written inside an area before its last corner belongs to that area,
  any other window to every area;
- ``DAILY 19 AND 20 APR 1200Z TO 1600Z`` (one window on each listed day), ``13 TO 29 APR DAILY
  FROM 2100 TO 1600 UTC``; ``AREA 1`` on its own line with its corners lettered ``A.`` ``B.`` …
  below; a list of ranges whose
  month is written only at its end (``191218Z TO 191647Z, ALTERNATE … AND 250947Z TO 251416Z APR``)
  takes that month; NGA's ``text`` without a header takes its year and month from ``CANCEL THIS
  MSG 251516Z APR 23``; ``DAILY 17 DEC THRU 16 JAN 26:`` before lettered areas that each give
  their own ``0401Z TO 0612Z``; ``01 THRU 23 NOV`` without times (whole days);
- China MSA warnings (``沪航警238/23``, Chinese windows in Beijing time, see
  :mod:`geowarn.sources.cjk_time`);
- ``CANCEL THIS MSG 140430Z FEB 16`` → ``meta["cancel_at"]``; ``CANCEL NAVAREA IV 1165/22``,
  ``CANCEL HYDROPAC 298/16, 299/16`` → ``meta["cancels"]`` (for the alert lifecycle).

Phases come from :func:`geowarn.sources.common.assign_phases`. ``raw`` is the message
header (the lines before the first area) plus the exact lines of that area.

>>> text = '''NAVAREA XI 0123/16
... 1. HAZARDOUS OPERATIONS, SPACE DEBRIS
...    121606Z TO 121854Z NOV
...    A. CIRCLE RADIUS 5 NM CENTERED ON 24-00N 124-00E.
... 2. CANCEL THIS MSG 130000Z NOV 16.'''
>>> out = parse_navwarn(text)
>>> c = out.corridors[0]
>>> c.id, c.phase.value, c.window_start.isoformat(), out.meta["cancel_at"]
('navarea-xi-0123-16-a', 'debris', '2016-11-12T16:06:00+00:00', '2016-11-13T00:00:00Z')
>>> ws = parse_navwarn("1. ROCKET LAUNCHING 191218Z TO 191647Z, ALTERNATE 201153Z TO 201622Z APR "
...                   "IN AREA 28-41N 122-44E, 28-34N 123-02E, 28-45N 123-10E. 2. CANCEL THIS MSG 201722Z APR 23."
...                   ).corridors[0].windows
>>> [w.start.isoformat()[:16] for w in ws]
['2023-04-19T12:18', '2023-04-20T11:53']
"""

from __future__ import annotations

import bisect
import calendar
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geowarn.errors import ParseError
from geowarn.geodesy import NM
from geowarn.jsondepth import check_depth
from geowarn.model import Corridor, Phase, TimeWindow, format_time
from geowarn.sources import rings
from geowarn.sources.cjk_time import MSA_ID, find_cjk_windows
from geowarn.sources.common import (
    MAX_AREAS,
    MONTH_RE,
    MONTHS,
    ParsedInput,
    as_text,
    assign_phases,
    mask,
    mask_comments,
    repair_dtg,
    shift_error,
    slug,
)
from geowarn.sources.coords import PointMatch, find_points, line_col

DEFAULT_TRACK_HALF_WIDTH_NM = 5.0
"""Half-width of a ``TRACKLINE JOINING`` area when the warning states none (NM each side).

Warnings for cable-laying, towing or survey tracks usually say ``WITHIN n MILES OF``; when they
do not, 5 NM either side is used: wider than a ship's own safety zone, narrower than a fall
area, and stated in the corridor's ``half_width_nm`` property so a reader can see it."""

MAX_DAILY_WINDOWS = 400
MAX_WINDOWS = 1000

_SERIES = r"(?:NAVAREA\s+[IVXL]{1,5}|HYDROPAC|HYDROLANT|HYDROARC|NAVTEX(?:\s+[A-Z]{1,3})?|COASTAL\s+WARNING|NAVWARN)"
_MSG_ID = re.compile(rf"\b(?P<series>{_SERIES})\s+(?P<num>\d{{1,4}})/(?P<year>\d{{4}}|\d{{2}})\b")
_ZCZC = re.compile(r"\bZCZC\s+(?P<id>[A-Z]{2}\d{2})\b")
_DDHHMM = r"(?P<d>\d{2})(?P<h>\d{2})(?P<mi>\d{2})Z"
_DTG = re.compile(rf"\b{_DDHHMM}\s+(?P<mon>{MONTH_RE})\s+(?P<y>\d{{4}}|\d{{2}})(?![\dZ])")
_CANCEL = re.compile(r"\bCANCEL(?:LED)?\b(?P<body>[^\n]*?)(?:\.(?=\s|$)|(?=\n)|$)")
_CANCEL_ID = re.compile(rf"(?:(?P<series>{_SERIES})\s+)?(?P<num>\d{{1,4}})/(?P<year>\d{{4}}|\d{{2}})\b")
_THIS_MSG = re.compile(
    rf"\bTHIS\s+(?:MSG|MESSAGE)\b(?:\s+{_DDHHMM}(?:\s+(?P<mon>{MONTH_RE}))?"
    rf"(?:\s+(?P<y>\d{{4}}|\d{{2}})(?![\dZ]))?)?"
)

_YEAR = r"(?:\s+(?P<{n}>\d{{4}}|\d{{2}})(?![\dZ]))?"
_GARBLED_RANGE = re.compile(
    rf"(?<![\d/])(?P<g>\d{{5}})Z\s+(?:TO|UNTIL)\s+(?P<e>\d{{6}})Z(?:\s+(?P<m2>{MONTH_RE})\b{_YEAR.format(n='y2')})?"
)
_RANGE = re.compile(
    rf"(?P<s>\d{{6}})Z(?:\s+(?P<m1>{MONTH_RE})\b{_YEAR.format(n='y1')})?\s+(?:TO|UNTIL|-)\s+"
    rf"(?P<e>\d{{6}})Z(?:\s+(?P<m2>{MONTH_RE})\b{_YEAR.format(n='y2')})?"
)
_DAILY = re.compile(
    rf"(?P<s>\d{{4}})Z?\s+(?:TO|-)\s+(?P<e>\d{{4}})Z\s+DAILY\s+(?P<d1>\d{{1,2}})(?:\s+(?P<m1>{MONTH_RE})\b)?"
    rf"\s+(?:THRU|THROUGH|TO|-)\s+(?P<d2>\d{{1,2}})(?:\s+(?P<m2>{MONTH_RE})\b{_YEAR.format(n='y')})?"
)
_DAILY_FIRST = re.compile(
    rf"DAILY\s+(?P<s>\d{{4}})Z?\s+(?:TO|-)\s+(?P<e>\d{{4}})Z\s+(?:FROM\s+)?(?P<d1>\d{{1,2}})(?:\s+(?P<m1>{MONTH_RE})\b)?"
    rf"\s+(?:THRU|THROUGH|TO|-)\s+(?P<d2>\d{{1,2}})(?:\s+(?P<m2>{MONTH_RE})\b{_YEAR.format(n='y')})?"
)
_DAILY_DAYS_FIRST = re.compile(
    rf"(?P<d1>\d{{1,2}})(?:\s+(?P<m1>{MONTH_RE})\b)?\s+(?:TO|THRU|THROUGH|-)\s+(?P<d2>\d{{1,2}})\s+(?P<m2>{MONTH_RE})\b"
    rf"{_YEAR.format(n='y')}\s+DAILY\s+(?:FROM\s+)?(?P<s>\d{{4}})\s*(?:Z|UTC)?\s+(?:TO|-)\s+(?P<e>\d{{4}})\s*(?:Z|UTC)\b"
)
_DAYS_ONLY = re.compile(
    rf"\bDAILY\s+(?P<d1>\d{{1,2}})(?:\s+(?P<m1>{MONTH_RE})\b)?\s+(?:THRU|THROUGH|TO|-)\s+(?P<d2>\d{{1,2}})"
    rf"\s+(?P<m2>{MONTH_RE})\b{_YEAR.format(n='y')}(?!\s+\d{{4}}Z)"
)
_DATES_ONLY = re.compile(
    rf"(?<![\d/])(?P<d1>\d{{1,2}})(?:\s+(?P<m1>{MONTH_RE})\b{_YEAR.format(n='y1')})?\s+(?:THRU|THROUGH)\s+"
    rf"(?P<d2>\d{{1,2}})\s+(?P<m2>{MONTH_RE})\b{_YEAR.format(n='y')}(?!\s+\d{{4}}Z|\s+DAILY)"
)
_TIMES_ONLY = re.compile(r"(?<![\d/])(?P<s>\d{4})Z\s+(?:TO|-)\s+(?P<e>\d{4})Z")
_DAYS = r"(?P<days>\d{1,2}(?:(?:\s*,\s*|\s+AND\s+)\d{1,2})+)"
_DAILY_LIST = re.compile(
    rf"DAILY\s+{_DAYS}\s+(?P<mon>{MONTH_RE})\b{_YEAR.format(n='y')},?\s+(?:FROM\s+)?(?P<s>\d{{4}})Z?\s+(?:TO|-)\s+"
    rf"(?P<e>\d{{4}})Z"
    rf"|(?P<s2>\d{{4}})Z?\s+(?:TO|-)\s+(?P<e2>\d{{4}})Z\s+DAILY\s+"
    rf"(?P<days2>\d{{1,2}}(?:(?:\s*,\s*|\s+AND\s+)\d{{1,2}})+)\s+(?P<mon2>{MONTH_RE})\b{_YEAR.format(n='y2')}"
)
_RANGE_JOIN = re.compile(r"[\s,;]*(?:(?:ALTERNATE|AND|OR|ALSO)\b[\s,;]*)*")
_DANGLING_TO = re.compile(r"(?<![\dZ])(?<![\dZ]\s)\b(?:TO|UNTIL)\s+\d{4,6}Z(?:\s+" + MONTH_RE + r"\b)?")
_DANGLING_FROM = re.compile(r"\b\d{6}Z(?:\s+" + MONTH_RE + r")?\s+(?:TO|UNTIL)\b(?!\s+\d{4,6}Z)")

_LABEL = re.compile(
    r"(?:(?<=^)|(?<=[\s:]))(?<!\d[ \t])(?:(?P<label>[A-Z])\.(?=\s)"
    r"|AREA\s+(?P<label2>[A-Z]|\d{1,2})\s*(?:[:.)](?=\s)|(?=[ \t]*\n)))",
    re.M,
)
_PARAGRAPH = re.compile(r"(?m)^[ \t]*(?:\d{1,2}\.[ \t]|NNNN\b)")
_UNIT = r"(?P<u>NM|NMI|(?:NAUTICAL|SEA)\s+MILES?|MILES?|KM|KILOMETERS?|KILOMETRES?|METERS?|METRES?|M)\b"
_WORDS = "ONE TWO THREE FOUR FIVE SIX SEVEN EIGHT NINE TEN ELEVEN TWELVE THIRTEEN FOURTEEN FIFTEEN SIXTEEN"
NUMBER_WORDS = {w: i + 1 for i, w in enumerate([*_WORDS.split(), "SEVENTEEN", "EIGHTEEN", "NINETEEN", "TWENTY"])} | {
    "THIRTY": 30,
    "FORTY": 40,
    "FIFTY": 50,
}
"""Radii written in words (``WITHIN THREE MILES OF``), as NGA warnings write small numbers."""
_NUM_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_RADIUS = re.compile(
    r"(?:RADIUS(?:\s+OF)?\s+(?P<r>\d+(?:\.\d+)?)\s*" + _UNIT + r"|(?P<r2>\d+(?:\.\d+)?)\s*"
    r"(?P<u2>NM|NMI|(?:NAUTICAL|SEA)\s+MILES?|MILES?|KM|KILOMETERS?|KILOMETRES?|METERS?|METRES?|M)\s+RADIUS"
    r"|WITHIN\s+(?P<r3>\d+(?:\.\d+)?|(?:" + _NUM_WORD + r")(?=\s))\s*"
    r"(?P<u3>NM|NMI|(?:NAUTICAL|SEA)\s+MILES?|MILES?|KM|KILOMETERS?|KILOMETRES?|METERS?|METRES?|M)\b)"
)
_EITHER_SIDE = re.compile(
    r"(?P<r>\d+(?:\.\d+)?)\s*(?P<u>NM|NMI|(?:NAUTICAL|SEA)\s+MILES?|MILES?|KM|KILOMETERS?|KILOMETRES?)\s+(?:EITHER|EACH)\s+SIDE"
)
_TRACK = re.compile(r"\bTRACK\s*LINE\b|\bALONG\s+(?:THE\s+)?(?:TRACK|LINE)\b")
_CIRCLE = re.compile(r"\bCIRCLE\b|\bRADIUS\b|\bCENT(?:ER|RE)D?\s+(?:ON|AT)\b|\bWITHIN\b")


def _to_m(value: str, unit: str) -> float:
    """Convert a radius or width to metres: ``_to_m("THREE", "MILES")`` is 3 NM (miles are nautical here).

    >>> round(_to_m("THREE", "MILES"))
    5556
    """
    u = unit.upper()
    v = float(NUMBER_WORDS.get(value.upper(), 0) or value)
    if u.startswith("K"):
        return v * 1000.0
    if u.startswith("M") and not u.startswith("MI"):
        return v
    return v * NM  # NM, nautical or sea miles, and "miles" (nautical in navigational warnings)


@dataclass
class _Context:
    year: int | None
    month: int | None

    def year_for(self, month: int) -> int:
        if self.year is None:
            return datetime.now(UTC).year
        if self.month is not None:
            if month < self.month - 6:
                return self.year + 1
            if month > self.month + 6:
                return self.year - 1
        return self.year


def _year(y: str | None) -> int | None:
    if not y:
        return None
    v = int(y)
    return v + 2000 if v < 100 else v


def _when(text: str, offset: int, token: str, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    problem = None
    if not 1 <= month <= 12:
        problem = f"{token!r}: month {month} is not a month"
    elif not 1 <= day <= calendar.monthrange(year, month)[1]:
        problem = f"{token!r}: day {day} is not in {calendar.month_abbr[month].upper()} {year}"
    elif hour > 23 or minute > 59:
        problem = f"{token!r}: {hour:02d}{minute:02d}Z is not a time of day"
    if problem:
        line, col = line_col(text, offset)
        raise ParseError(problem, line=line, column=col)
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def _window(text: str, offset: int, token: str, start: datetime, end: datetime) -> TimeWindow:
    if end < start:
        line, col = line_col(text, offset)
        raise ParseError(f"window {token!r} ends before it starts", line=line, column=col)
    return TimeWindow(start, end)


def _parse_range(text: str, m: re.Match[str], ctx: _Context) -> list[TimeWindow]:
    token = " ".join(m.group(0).split())
    s, e = m.group("s"), m.group("e")
    m2 = MONTHS[m.group("m2")] if m.group("m2") else None
    m1 = MONTHS[m.group("m1")] if m.group("m1") else None
    end_month = m2 or m1 or ctx.month
    if end_month is None:
        line, col = line_col(text, m.start())
        raise ParseError(f"window {token!r} has no month and the message has no issue date", line=line, column=col)
    end_year = _year(m.group("y2")) or _year(m.group("y1")) or ctx.year_for(end_month)
    end = _when(text, m.start("e"), token, end_year, end_month, int(e[:2]), int(e[2:4]), int(e[4:]))
    if m1 is not None:
        start_year = _year(m.group("y1")) or (end_year - 1 if m1 > end_month else end_year)
        start_month = m1
    else:
        start_month, start_year = end_month, end_year
        if int(s[:2]) > int(e[:2]):  # 302200Z TO 010400Z DEC: the start is in the month before
            start_month, start_year = (12, end_year - 1) if end_month == 1 else (end_month - 1, end_year)
    start = _when(text, m.start("s"), token, start_year, start_month, int(s[:2]), int(s[2:4]), int(s[4:]))
    return [_window(text, m.start(), token, start, end)]


class _DaysAndTimes:
    """A days clause and a later time range read as one ``_DAILY`` match (same group names)."""

    def __init__(self, days: re.Match[str], times: re.Match[str]) -> None:
        self.days, self.times = days, times

    def group(self, name: str | int = 0) -> Any:
        if name == 0:
            return f"{self.times.group(0)} {self.days.group(0)}"
        return self.times.group(name) if name in ("s", "e") else self.days.group(name)

    def start(self, name: str | int = 0) -> int:
        return self.times.start(name) if name in ("s", "e") else self.days.start(name if name else 0)


def _parse_daily(text: str, m: re.Match[str] | _DaysAndTimes, ctx: _Context) -> list[TimeWindow]:
    token = " ".join(m.group(0).split())

    def fail(problem: str) -> ParseError:
        line, col = line_col(text, m.start())
        return ParseError(problem, line=line, column=col)

    m2 = MONTHS[m.group("m2")] if m.group("m2") else (MONTHS[m.group("m1")] if m.group("m1") else ctx.month)
    if m2 is None:
        raise fail(f"window {token!r} has no month and the message has no issue date")
    m1 = MONTHS[m.group("m1")] if m.group("m1") else m2
    y2 = _year(m.group("y")) or ctx.year_for(m2)
    y1 = y2 - 1 if m1 > m2 else y2
    s, e = m.group("s"), m.group("e")
    first = _when(text, m.start("d1"), token, y1, m1, int(m.group("d1")), int(s[:2]), int(s[2:]))
    last = _when(text, m.start("d2"), token, y2, m2, int(m.group("d2")), int(s[:2]), int(s[2:]))
    eh, emi = int(e[:2]), int(e[2:])
    if eh > 23 or emi > 59:
        raise fail(f"{token!r}: {e}Z is not a time of day")
    if last < first:
        raise fail(f"window {token!r}: the last day is before the first")
    if (last - first).days > MAX_DAILY_WINDOWS:
        raise fail(f"window {token!r} spans more than {MAX_DAILY_WINDOWS} days")
    out = []
    day = first
    while day <= last:
        end = day.replace(hour=eh, minute=emi)
        if end <= day:
            end += timedelta(days=1)  # 2230Z TO 0330Z: ends the next day
        out.append(TimeWindow(day, end))
        day += timedelta(days=1)
    return out


def _parse_dates_only(text: str, m: re.Match[str], ctx: _Context) -> list[TimeWindow]:
    """Read ``01 THRU 23 NOV`` without times: one window over the whole days (to 240000Z).

    NAVAREA XII 762/23: ``CABLE OPERATIONS 01 THRU 23 NOV`` (its cancel time 240001Z NOV agrees):

    >>> w = _parse_dates_only("", _DATES_ONLY.search("CABLE OPERATIONS 01 THRU 23 NOV"), _Context(2023, 10))[0]
    >>> w.start.isoformat(), w.end.isoformat()
    ('2023-11-01T00:00:00+00:00', '2023-11-24T00:00:00+00:00')
    """
    token = " ".join(m.group(0).split())
    m2 = MONTHS[m["m2"]]
    y2 = _year(m["y"]) or ctx.year_for(m2)
    m1 = MONTHS[m["m1"]] if m["m1"] else m2
    y1 = _year(m["y1"]) or (y2 - 1 if m1 > m2 else y2)
    start = _when(text, m.start("d1"), token, y1, m1, int(m["d1"]), 0, 0)
    last = _when(text, m.start("d2"), token, y2, m2, int(m["d2"]), 0, 0)
    return [_window(text, m.start(), token, start, last + timedelta(days=1))]


def _parse_daily_list(text: str, m: re.Match[str], ctx: _Context) -> list[TimeWindow]:
    """``DAILY 19 AND 20 APR 1200Z TO 1600Z`` (or the times first): one window on each listed day."""
    token = " ".join(m.group(0).split())
    days = [int(d) for d in re.findall(r"\d{1,2}", m["days"] or m["days2"])]
    mon = MONTHS[m["mon"] or m["mon2"]]
    year = _year(m["y"] or m["y2"]) or ctx.year_for(mon)
    s, e = m["s"] or m["s2"], m["e"] or m["e2"]
    out = []
    for d in days:
        start = _when(text, m.start(), token, year, mon, d, int(s[:2]), int(s[2:]))
        end = _when(text, m.start(), token, year, mon, d, int(e[:2]), int(e[2:]))
        if end <= start:
            end += timedelta(days=1)
        out.append(TimeWindow(start, end))
    return out


def _list_months(work: str, ranges: list[re.Match[str]]) -> list[int | None]:
    """For each range without a month, the month written at the end of its list, if any.

    ``191218Z TO 191647Z APR, ALTERNATE 201153Z TO 201622Z, … AND 250947Z TO 251416Z APR``: the
    ranges joined by commas, ``ALTERNATE`` or ``AND`` share the month of the last one.
    """
    out: list[int | None] = [None] * len(ranges)
    following: int | None = None
    for i in range(len(ranges) - 1, -1, -1):
        m = ranges[i]
        own = m.group("m2") or m.group("m1")
        if own:
            following = MONTHS[own]
            continue
        if i + 1 < len(ranges) and _RANGE_JOIN.fullmatch(work, m.end(), ranges[i + 1].start()) is None:
            following = None
        out[i] = following
    return out


def _days_then_times(text: str, work: str, ctx: _Context, taken: bytearray) -> list[tuple[int, int, list[TimeWindow]]]:
    """Read ``DAILY 17 DEC THRU 16 JAN 26:`` then each area's own ``A. 0401Z TO 0612Z IN AREA …``.

    NAVAREA IV 1370/25 gives the days once and the times per area; ``taken`` marks what is read.
    """
    found: list[tuple[int, int, list[TimeWindow]]] = []
    days_only = [m for m in _DAYS_ONLY.finditer(work) if not any(taken[m.start() : m.end()])]
    for k, dm in enumerate(days_only):
        stop = days_only[k + 1].start() if k + 1 < len(days_only) else len(work)
        for tm in _TIMES_ONLY.finditer(work, dm.end(), stop):
            if any(taken[tm.start() : tm.end()]):
                continue
            found.append((tm.start(), tm.end(), _parse_daily(text, _DaysAndTimes(dm, tm), ctx)))
            taken[tm.start() : tm.end()] = b"\x01" * (tm.end() - tm.start())
            taken[dm.start() : dm.end()] = b"\x01" * (dm.end() - dm.start())
    return found


def _whole_days(text: str, work: str, ctx: _Context, taken: bytearray) -> list[tuple[int, int, list[TimeWindow]]]:
    """Read ``CABLE OPERATIONS 01 THRU 23 NOV`` (no times) as whole days, 010000Z to 240000Z."""
    found: list[tuple[int, int, list[TimeWindow]]] = []
    for m in _DATES_ONLY.finditer(work):
        if any(taken[m.start() : m.end()]) or re.search(r"\bDAILY\s*$", work[max(0, m.start() - 8) : m.start()]):
            continue
        found.append((m.start(), m.end(), _parse_dates_only(text, m, ctx)))
        taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    return found


def _garbled_ranges(text: str, work: str, ctx: _Context, taken: bytearray) -> list[tuple[int, int, list[TimeWindow]]]:
    """Read ``17212Z TO 170325Z DEC`` (HYDROPAC 3317/25) with the digit put back, when one reading fits.

    The warnings (:mod:`geowarn.sources.warnings`) say what was read; any other garbled group stays unread.
    """
    found: list[tuple[int, int, list[TimeWindow]]] = []
    for g in _GARBLED_RANGE.finditer(work):
        fixed = repair_dtg(g.group("g"), g.group("e"))
        if fixed is None or any(taken[g.start() : g.end()]):
            continue
        m = _RANGE.match(work[: g.start()] + fixed + work[g.start() + 5 :], g.start())
        if m is None or m.end() != g.end() + 1:
            continue
        month = MONTHS[m.group("m2")] if m.group("m2") else ctx.month
        gctx = ctx if month is None or ctx.year is None else _Context(ctx.year_for(month), month)
        found.append((g.start(), g.end(), _parse_range(text, m, gctx)))
        taken[g.start() : g.end()] = b"\x01" * (g.end() - g.start())
    return found


def _find_windows(text: str, work: str, ctx: _Context) -> list[tuple[int, int, list[TimeWindow]]]:
    """``(start, end, windows)`` for every window expression in ``work`` (cancels masked)."""
    found: list[tuple[int, int, list[TimeWindow]]] = []
    taken = bytearray(len(work) + 1)
    for m in _DAILY_LIST.finditer(work):
        found.append((m.start(), m.end(), _parse_daily_list(text, m, ctx)))
        taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    for pat in (_DAILY, _DAILY_FIRST, _DAILY_DAYS_FIRST):
        for m in pat.finditer(work):
            if any(taken[m.start() : m.end()]):
                continue
            found.append((m.start(), m.end(), _parse_daily(text, m, ctx)))
            taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    found += _days_then_times(text, work, ctx, taken)
    found += _garbled_ranges(text, work, ctx, taken)
    ranges = [m for m in _RANGE.finditer(work) if not any(taken[m.start() : m.end()])]
    found += _whole_days(text, work, ctx, taken)
    for m, month in zip(ranges, _list_months(work, ranges), strict=True):
        rctx = ctx if month is None else _Context(ctx.year_for(month) if ctx.year is not None else None, month)
        found.append((m.start(), m.end(), _parse_range(text, m, rctx)))
        taken[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    for pat, what in ((_DANGLING_TO, "has no start"), (_DANGLING_FROM, "has no end")):
        for m in pat.finditer(work):
            if not taken[m.start()]:
                line, col = line_col(text, m.start())
                raise ParseError(f"window {' '.join(m.group(0).split())!r} {what}", line=line, column=col)
    if sum(len(ws) for _, _, ws in found) > MAX_WINDOWS:
        raise ParseError(f"more than {MAX_WINDOWS} windows in one warning", line=1, column=1)
    found.sort(key=lambda f: f[0])
    return found


def _norm_id(series: str, num: str, year: str) -> str:
    return f"{' '.join(series.split())} {num}/{year[-2:]}"


def _cancels(text: str, work: str, ctx: _Context, meta: dict[str, Any]) -> list[tuple[int, int]]:
    spans = []
    cancels: list[str] = []
    for m in _CANCEL.finditer(work):
        spans.append((m.start(), m.end()))
        body = m.group("body")
        series = None
        for cm in _CANCEL_ID.finditer(body):
            series = cm.group("series") or series
            if series is None:
                line, col = line_col(text, m.start("body") + cm.start())
                raise ParseError(f"cancel {cm.group(0)!r} does not say which series", line=line, column=col)
            cancels.append(_norm_id(series, cm.group("num"), cm.group("year")))
        tm = _THIS_MSG.search(body)
        if tm and tm.group("d"):
            token = " ".join(tm.group(0).split())
            mon = MONTHS[tm.group("mon")] if tm.group("mon") else ctx.month
            if mon is None:
                line, col = line_col(text, m.start("body") + tm.start())
                raise ParseError(f"{token!r} has no month", line=line, column=col)
            year = _year(tm.group("y")) or ctx.year_for(mon)
            at = _when(
                text,
                m.start("body") + tm.start(),
                token,
                year,
                mon,
                int(tm.group("d")),
                int(tm.group("h")),
                int(tm.group("mi")),
            )
            meta["cancel_at"] = format_time(at)
    if cancels:
        meta["cancels"] = list(dict.fromkeys(cancels))
    return spans


@dataclass
class _Area:
    label: str
    start: int
    end: int
    points: list[PointMatch]


def _areas(text: str, work: str) -> list[_Area]:
    paragraphs = [m.start() for m in _PARAGRAPH.finditer(work)] + [len(work)]
    labels = list(_LABEL.finditer(work))
    areas: list[_Area] = []
    cuts = sorted({m.start() for m in labels} | set(paragraphs))

    def seg_end(start: int) -> int:
        i = bisect.bisect_right(cuts, start)
        return cuts[i] if i < len(cuts) else len(work)

    def points_in(start: int, end: int, label: str) -> list[PointMatch]:
        try:
            pts = find_points(work[start:end], strict=True, bare_decimal=False)
        except ParseError as exc:
            raise shift_error(exc, text, start, f"area {label}: " if label else "") from None
        return [PointMatch(p.lat, p.lon, p.start + start, p.end + start, p.text) for p in pts]

    heading: tuple[str, int] | None = None  # "AREA 1" on its own line, corners lettered below it
    for m in labels:
        end = seg_end(m.start())
        label = m.group("label") or m.group("label2")
        pts = points_in(m.end(), end, label)
        if m.group("label2") and not pts:
            heading = (label, m.start())
            continue
        if heading is not None and m.group("label") and len(pts) == 1:
            if areas and areas[-1].label == heading[0] and areas[-1].start == heading[1]:
                areas[-1].points.extend(pts)
                areas[-1].end = end
            else:
                areas.append(_Area(heading[0], heading[1], end, pts))
                _check_count(text, areas, m.start())
            continue
        heading = None
        if pts:
            areas.append(_Area(label, m.start(), end, pts))
            _check_count(text, areas, m.start())
    if areas:
        return areas
    # no lettered areas: every paragraph with coordinates is one area
    starts = [0, *paragraphs[:-1]]
    for start in sorted(set(starts)):
        end = seg_end(start)
        pts = points_in(start, end, "")
        if pts:
            areas.append(_Area(str(len(areas) + 1), start, end, pts))
            _check_count(text, areas, start)
    return areas


def _check_count(text: str, areas: list[_Area], offset: int) -> None:
    if len(areas) > MAX_AREAS:
        line, col = line_col(text, offset)
        raise ParseError(f"more than {MAX_AREAS} areas in one warning", line=line, column=col)


def _shape(area: _Area, text: str, work: str, preamble: str) -> tuple[Any, dict[str, Any]]:
    seg = work[area.start : area.end].upper()
    line, _ = line_col(text, area.start)
    label = area.label
    latlon = [(p.lat, p.lon) for p in area.points]
    props: dict[str, Any] = {}
    side = _EITHER_SIDE.search(seg) or _EITHER_SIDE.search(preamble)
    radius = _RADIUS.search(seg) or (_RADIUS.search(preamble) if len(latlon) == 1 else None)
    if _TRACK.search(seg) or (_TRACK.search(preamble) and not re.search(r"\bBOUND", seg)):
        if side:
            half = _to_m(side.group("r"), side.group("u"))
        elif radius:
            r, u = _radius_value(radius)
            half = _to_m(r, u)
        else:
            half = DEFAULT_TRACK_HALF_WIDTH_NM * NM
            props["half_width_default"] = True
        props.update(shape="track", half_width_nm=round(half / NM, 3))
        return rings.track_buffer(latlon, half, label, line=line), props
    if len(latlon) == 1:
        if radius is None:
            raise ParseError(
                f"area {label}: a single point without a radius (expected 'CIRCLE RADIUS n NM CENTERED ON …')",
                line=line,
            )
        r, u = _radius_value(radius)
        rm = _to_m(r, u)
        props.update(shape="circle", radius_nm=round(rm / NM, 3), centre=[latlon[0][0], latlon[0][1]])
        return rings.circle(latlon[0][0], latlon[0][1], rm, label, line=line), props
    if len(latlon) == 2:
        raise ParseError(f"area {label}: two points do not make an area (is it a TRACKLINE?)", line=line)
    geom, reordered = rings.polygon_from_corners(latlon, label, line=line)
    props.update(shape="polygon", corners=len(latlon))
    if reordered:
        props["reordered"] = True
    return geom, props


def _radius_value(m: re.Match[str]) -> tuple[str, str]:
    for r, u in (("r", "u"), ("r2", "u2"), ("r3", "u3")):
        if m.group(r):
            return m.group(r), m.group(u)
    raise AssertionError("radius match without a value")  # pragma: no cover


def _line_span(text: str, start: int, end: int) -> tuple[int, int]:
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    return ls, (len(text) if le < 0 else le)


def _dtg_above(work: str, offset: int) -> re.Match[str] | None:
    r"""Find the date-time group standing alone on the line just above ``offset`` (``072032Z DEC 25``).

    >>> _dtg_above("072032Z DEC 25\nNAVAREA XII 813/25(18,21).", 15).group(0)
    '072032Z DEC 25'
    """
    line_start = work.rfind("\n", 0, offset) + 1
    if work[line_start:offset].strip():
        return None
    prev = work.rfind("\n", 0, max(0, line_start - 1)) + 1
    m = _DTG.match(work, prev + len(work[prev:line_start]) - len(work[prev:line_start].lstrip()))
    return m if m and not work[m.end() : line_start].strip(" \t\r\n.") else None


def _dtg_time(text: str, dtg: re.Match[str]) -> datetime:
    """Return the time of a date-time group ``072032Z DEC 25``."""
    g = dtg
    return _when(
        text, g.start(), g.group(0), _year(g["y"]) or 2000, MONTHS[g["mon"]], int(g["d"]), int(g["h"]), int(g["mi"])
    )


def _identify(
    text: str, work: str, cancel_spans: list[tuple[int, int]], issued: datetime | None, meta: dict[str, Any]
) -> tuple[str | None, datetime | None]:
    """Return the message id (the first series number outside a CANCEL sentence) and the issue time.

    The issue time is the date-time group after the id or alone on the line above it; without
    one, the id's year goes into ``meta["year_from_id"]``. NAVTEX ``ZCZC JA12`` and China MSA ids
    (``沪航警238/23``) are read when there is no series number.
    """
    for m in _MSG_ID.finditer(work):
        if any(s <= m.start() < e for s, e in cancel_spans):
            continue
        message_id = _norm_id(m.group("series"), m.group("num"), m.group("year"))
        dtg = _DTG.match(work, m.end() + len(work[m.end() :]) - len(work[m.end() :].lstrip()))
        dtg = dtg or _dtg_above(work, m.start())  # NGA's printed layout: the group on the line above the id
        if issued is None and dtg:
            issued = _dtg_time(text, dtg)
        if issued is None:
            meta.setdefault("year_from_id", _year(m.group("year")))
        return message_id, issued
    z = _ZCZC.search(work)
    msa = MSA_ID.search(text)
    if z:
        return f"NAVTEX {z.group('id')}", issued
    if msa:  # China MSA: 沪航警238/23
        meta.setdefault("year_from_id", _year(msa.group("year")))
        return re.sub(r"\s+", "", msa.group("id")), issued
    return None, issued


def _context(work: str, issued: datetime | None, meta: dict[str, Any]) -> _Context:
    """Return the year and month windows without them take: the issue date, the id's year, ``CANCEL THIS MSG``."""
    ctx = _Context(issued.year, issued.month) if issued else _Context(meta.pop("year_from_id", None), None)
    meta.pop("year_from_id", None)
    if ctx.month is None:  # NGA's text has no header: the message's own CANCEL THIS MSG date
        this = next((t for t in _THIS_MSG.finditer(work) if t.group("mon") and t.group("y")), None)
        if this is not None:
            year = ctx.year or _year(this.group("y"))
            ctx = _Context(year, MONTHS[this.group("mon")])
            meta["year_from"] = "cancel-this-msg"
    if ctx.year is None:
        meta["year_assumed"] = datetime.now(UTC).year
    return ctx


def _corridors(
    text: str,
    windowed: str,
    areas: list[_Area],
    windows: list[tuple[int, int, list[TimeWindow]]],
    message_id: str | None,
    meta: dict[str, Any],
) -> list[Corridor]:
    """Build one corridor per area, with its phase, windows and ``raw`` (the header lines and its own).

    A window written inside an area, before its last corner, is that area's own; any other (before
    the areas, or after an area's corners) applies to every area: more windows, not fewer.
    """
    first = areas[0].start
    header_end = text.rfind("\n", 0, first) + 1
    header_lines = [ln for ln in text[:header_end].splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    preamble = windowed[:first]
    context = windowed
    for a in areas:  # the message context without the areas' own text
        context = context[: a.start] + " " * (a.end - a.start) + context[a.end :]
    phases, how = assign_phases([windowed[a.start : a.end] for a in areas], context)
    base = (
        ("msa-" if message_id and not message_id.isascii() else "") + slug(message_id)
        if message_id
        else "navwarn-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    )
    title = next((ln.strip() for ln in header_lines if not _MSG_ID.search(ln.upper())), "")
    if title:
        meta.setdefault("title", title)
    owner = [
        next((i for i, a in enumerate(areas) if a.start <= s < max(p.end for p in a.points)), None)
        for s, _, _ in windows
    ]
    shared = [w for (_, _, ws), o in zip(windows, owner, strict=True) if o is None for w in ws]
    corridors: list[Corridor] = []
    used: dict[str, int] = {}
    for index, (area, phase) in enumerate(zip(areas, phases, strict=True)):
        own = [w for (_, _, ws), o in zip(windows, owner, strict=True) if o == index for w in ws]
        suffix = area.label.lower()
        used[suffix] = used.get(suffix, 0) + 1
        if used[suffix] > 1:  # "A." again in a later paragraph
            suffix = f"{suffix}-{used[suffix]}"
        geom, props = _shape(area, text, windowed, preamble.upper())
        ls, le = _line_span(text, area.start, max(p.end for p in area.points))
        props["area"] = area.label
        if how != "text" or phase is Phase.DEBRIS:
            props["phase_rule"] = how
        corridors.append(
            Corridor(
                id=f"{base}-{suffix}",
                geometry=geom,
                phase=phase,
                label=f"{message_id or 'warning'} area {area.label}",
                windows=tuple(sorted(set(own or shared), key=lambda w: (w.start, w.end))),
                source=message_id or "navigational warning",
                raw="\n".join([*header_lines, text[ls:le]]),
                properties=props,
            )
        )
    return corridors


def _cjk_windows(text: str, work: str, ctx: _Context) -> list[tuple[int, int, list[TimeWindow]]]:
    """Chinese windows in a warning (``9月16日0000时至0800时``): a year from the message, or written, never today's."""
    found = find_cjk_windows(work, ctx.year or 2000)
    if ctx.year is None:
        for start, end, _ in found:
            if not re.search(r"\d{4}\s*年", work[start:end]):
                line, col = line_col(text, start)
                token = " ".join(work[start:end].split())
                raise ParseError(f"window {token!r} has no year and the message gives none", line=line, column=col)
    return found


def parse_navwarn(
    data: str | bytes,
    *,
    issued: datetime | None = None,
    message_id: str | None = None,
    extra_meta: dict[str, Any] | None = None,
) -> ParsedInput:
    """Parse one navigational warning into corridors (see the module docstring)."""
    text = as_text(data, "navigational warning")
    work = mask_comments(text).upper()
    meta: dict[str, Any] = dict(extra_meta or {})
    cancel_spans = [(m.start(), m.end()) for m in _CANCEL.finditer(work)]
    if message_id is None:
        message_id, issued = _identify(text, work, cancel_spans, issued, meta)
    ctx = _context(work, issued, meta)
    if message_id:
        meta["message_id"] = message_id
    if issued:
        meta["issued"] = format_time(issued)

    _cancels(text, work, ctx, meta)
    windowed = mask(work, cancel_spans)
    windows = _find_windows(text, windowed, ctx)
    windows += _cjk_windows(text, windowed, ctx)
    windows.sort(key=lambda f: f[0])
    areas = _areas(text, windowed)
    if not areas:
        if meta.get("cancels") or meta.get("cancel_at"):
            return ParsedInput("navwarn", [], meta)
        raise ParseError("no areas found (expected coordinates such as 36-04N 124-30E)", line=1, column=1)
    corridors = _corridors(text, windowed, areas, windows, message_id, meta)
    meta["areas"] = [a.label for a in areas]
    return ParsedInput("navwarn", corridors, meta)


# --------------------------------------------------------------------------- NGA broadcast-warn JSON

_NAV_AREAS = {"P": "HYDROPAC", "A": "HYDROLANT", "C": "HYDROARC"}
_ROMAN = {4: "IV", 12: "XII"}


def _nga_issued(value: Any, path: str) -> datetime | None:
    if not value:
        return None
    m = re.fullmatch(rf"\s*(\d{{2}})(\d{{2}})(\d{{2}})Z\s+({MONTH_RE})\s+(\d{{4}}|\d{{2}})\s*", str(value).upper())
    if not m:
        raise ParseError(f"issueDate {value!r} is not like '060812Z FEB 2016'", path=path)
    try:
        return datetime(
            _year(m.group(5)) or 2000,
            MONTHS[m.group(4)],
            int(m.group(1)),
            int(m.group(2)),
            int(m.group(3)),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise ParseError(f"issueDate {value!r}: {exc}", path=path) from None


def _nga_message_id(rec: dict[str, Any], path: str) -> str | None:
    """Return the message id (``NAVAREA XI 123/26``) of an NGA record's navArea, msgNumber and msgYear, if given.

    >>> _nga_message_id({"navArea": "P", "msgNumber": 1140, "msgYear": 2025}, "$")
    'HYDROPAC 1140/25'
    """
    area = str(rec.get("navArea") or "").strip().upper()
    series = _NAV_AREAS.get(area) or (f"NAVAREA {_ROMAN.get(int(area), area)}" if area.isdigit() else None)
    try:
        if series and rec.get("msgNumber") is not None and rec.get("msgYear") is not None:
            return f"{series} {int(rec['msgNumber'])}/{int(rec['msgYear']) % 100:02d}"
    except (TypeError, ValueError):
        raise ParseError("msgNumber and msgYear must be numbers", path=path) from None
    return None


def _nga_records(text: str) -> tuple[list[Any], str | None]:
    """Return the records of an NGA JSON text and the JSON path of their list (``None`` for a single record)."""
    check_depth(text)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    if isinstance(obj, dict) and "broadcast-warn" in obj:
        records, root = obj["broadcast-warn"], "$['broadcast-warn']"
    elif isinstance(obj, list):
        records, root = obj, "$"
    else:
        records, root = [obj], None
    if not isinstance(records, list) or not records:
        raise ParseError("no warning records", path=root or "$")
    return records, root


def parse_nga_json(data: str | bytes, *, issued: datetime | None = None) -> ParsedInput:
    """NGA's broadcast-warn JSON (``{"broadcast-warn": [record, …]}``, a list, or one record)."""
    records, root = _nga_records(as_text(data, "NGA JSON"))
    corridors: list[Corridor] = []
    messages: list[dict[str, Any]] = []
    for i, rec in enumerate(records):
        path = f"{root}[{i}]" if root else "$"
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            raise ParseError("a warning record needs a 'text' string", path=path)
        mid = _nga_message_id(rec, path)
        when = issued or _nga_issued(rec.get("issueDate"), f"{path}.issueDate")
        extra: dict[str, Any] = {}
        for key in ("authority", "subregion", "status", "cancelDate"):
            if rec.get(key):
                extra[key] = rec[key]
        try:
            parsed = parse_navwarn(rec["text"], issued=when, message_id=mid, extra_meta=extra)
        except ParseError as exc:
            raise ParseError(exc.detail, line=exc.line, column=exc.column, path=f"{path}.text") from None
        if rec.get("authority"):
            auth = _MSG_ID.search(str(rec["authority"]).upper())
            if auth:
                parsed.meta["also_known_as"] = _norm_id(auth.group("series"), auth.group("num"), auth.group("year"))
        corridors.extend(parsed.corridors)
        messages.append(parsed.meta)
    meta = dict(messages[0]) if len(messages) == 1 else {"messages": messages}
    if len(messages) > 1:
        meta["cancels"] = [c for m in messages for c in m.get("cancels", [])]
    return ParsedInput("nga-json", corridors, meta)
