"""Notifications relayed by the press or a civil-protection agency.

One area per labelled line (``First stage drop area: 36°04′N 124°30′E, …``, ``DROP ZONE 1: N36
04 E124 30 …``, ``1단 낙하구역: 북위 …``); lines that hold only coordinates continue the area
above; a ``:`` or ``;`` between two points on one line starts a new area (``Zone 1: …; Zone 2:
…``). Corner lists out of ring order are re-ordered (:mod:`geowarn.sources.rings`); one point
with ``radius n NM|km`` is a circle. Text after the last corner (``Approximate distance: 79
nautical miles from Gunsan.``) is kept as the ``note`` property. ``#`` lines are comments.

Windows: ``7-14 February 2016, daily 22:30-03:30 UTC`` and ISO ranges
``2023-11-22T15:00Z to 2023-11-30T15:00Z``. In a daily window that crosses midnight UTC the
listed dates are the notifying state's local dates, i.e. the UTC dates on which each window
*ends* (the DPRK's "7-14 February, 07:00-12:00 Pyongyang time" is 22:30 UTC on the 6th to 03:30
UTC on the 14th). Times given in a named local time (``07:00-12:00 Pyongyang time``, ``KST``,
``JST``, ``Beijing time``, ``PHT`` …) are converted with the IANA time-zone history (Pyongyang was
UTC+8:30 from 2015 to 2018), the dates then being local start dates; ``24:00`` ends at midnight.
NAVAREA-style ``DAILY 07 THRU 13 FEB`` lists start dates instead (see :mod:`geowarn.sources.navwarn`).

>>> out = parse_notice("Stage 2 drop area: N19 44 E123 53 N19 43 E124 51 N17 01 E123 52 N17 00 E124 48")
>>> c = out.corridors[0]
>>> c.phase.value, c.geometry.is_valid, c.properties["reordered"]
('stage2', True, True)
"""

from __future__ import annotations

import hashlib
import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geowarn.errors import ParseError
from geowarn.geodesy import NM
from geowarn.model import Corridor, TimeWindow, parse_time
from geowarn.sources import rings
from geowarn.sources.common import (
    MAX_AREAS,
    MONTH_RE,
    MONTHS,
    ParsedInput,
    as_text,
    assign_phases,
    mask_comments,
    shift_error,
)
from geowarn.sources.coords import PointMatch, find_points, line_col

_DAILY = re.compile(
    rf"(?P<d1>\d{{1,2}})\s*[-–]\s*(?P<d2>\d{{1,2}})\s+(?P<mon>{MONTH_RE})\b,?\s+(?P<y>\d{{4}}),?\s+DAILY\s+"
    r"(?P<sh>\d{1,2}):?(?P<sm>\d{2})\s*[-–]\s*(?P<eh>\d{1,2}):?(?P<em>\d{2})\s*"
    r"(?P<tz>UTC|Z|GMT|KST|JST|PYT|PHT|PYONGYANG\s+TIME|SEOUL\s+TIME|TOKYO\s+TIME|BEIJING\s+TIME|MANILA\s+TIME)\b"
)
_ZONES = {
    "KST": "Asia/Seoul",
    "JST": "Asia/Tokyo",
    "PYT": "Asia/Pyongyang",
    "PHT": "Asia/Manila",
    "PYONGYANG TIME": "Asia/Pyongyang",
    "SEOUL TIME": "Asia/Seoul",
    "TOKYO TIME": "Asia/Tokyo",
    "BEIJING TIME": "Asia/Shanghai",
    "MANILA TIME": "Asia/Manila",
}
_ISO_RANGE = re.compile(
    r"(?P<s>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)\s*(?:TO|UNTIL|[-–])\s*"
    r"(?P<e>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)"
)
_RADIUS = re.compile(
    r"(?:RADIUS|WITHIN|반경|半径)\D{0,12}?(?P<r>\d+(?:\.\d+)?)\s*(?P<u>NM|NAUTICAL\s+MILES?|KM|KILOMETRES?|KILOMETERS?|해리|海里|㎞|킬로미터)"
)


def _daily(text: str, work: str) -> list[TimeWindow]:
    out: list[TimeWindow] = []
    for m in _DAILY.finditer(work):
        line, col = line_col(text, m.start())
        try:
            year, mon = int(m.group("y")), MONTHS[m.group("mon")]
            first, last = int(m.group("d1")), int(m.group("d2"))
            sh, sm, eh, em = (int(m.group(k)) for k in ("sh", "sm", "eh", "em"))
            if sh > 23 or sm > 59 or em > 59 or eh > 24 or (eh == 24 and em):
                raise ValueError("the times must be HH:MM between 00:00 and 24:00")
            overnight = (eh, em) <= (sh, sm)
            zone = _ZONES.get(" ".join(m.group("tz").split()))
            t0, t1 = timedelta(hours=sh, minutes=sm), timedelta(hours=eh, minutes=em)
            for day in range(first, last + 1):
                if zone is None:  # UTC: the dates are the (local) end dates, see the module docstring
                    d = datetime(year, mon, day, tzinfo=UTC)
                    out.append(TimeWindow(d + t0 - (timedelta(days=1) if overnight else timedelta(0)), d + t1))
                else:  # local time: the dates are local start dates (history-aware offsets)
                    d = datetime(year, mon, day, tzinfo=ZoneInfo(zone))
                    start = (d + t0).astimezone(UTC)
                    end = (d + t1 + (timedelta(days=1) if overnight else timedelta(0))).astimezone(UTC)
                    out.append(TimeWindow(start, end))
        except ValueError as exc:
            raise ParseError(f"window {' '.join(m.group(0).split())!r}: {exc}", line=line, column=col) from None
        if last < first:
            raise ParseError(f"window {m.group(0)!r}: the last day is before the first", line=line, column=col)
    for m in _ISO_RANGE.finditer(work):
        line, col = line_col(text, m.start())
        try:
            s = parse_time(m.group("s").replace(" ", "T"))
            e = parse_time(m.group("e").replace(" ", "T"))
            assert s is not None and e is not None
            out.append(TimeWindow(s, e))
        except ParseError as exc:
            raise ParseError(f"window {m.group(0)!r}: {exc.detail}", line=line, column=col) from None
    return out


def parse_notice(  # noqa: C901 - line state machine: an area runs on over lines until a line without points
    data: str | bytes, *, format: str = "dms-notice", name: str | None = None
) -> ParsedInput:
    """Parse a press or civil-protection notice into one corridor per labelled area."""
    text = as_text(data, "notice")
    work = mask_comments(text)
    upper = work.upper()
    areas: list[dict[str, Any]] = []
    offset = 0
    header: list[str] = []
    for raw_line in work.split("\n"):
        start = offset
        offset += len(raw_line) + 1
        try:
            pts = find_points(raw_line, strict=True)
        except ParseError as exc:
            raise shift_error(exc, text, start) from None
        if not pts:
            if areas:
                areas[-1]["closed"] = True
            elif raw_line.strip():
                header.append(text[start : start + len(raw_line)])
            continue
        # several areas on one line: a ':' or ';' between two points starts a new one
        groups: list[list[PointMatch]] = [[pts[0]]]
        for prev, cur in itertools.pairwise(pts):
            if re.search(r"[:;]", raw_line[prev.end : cur.start]):
                groups.append([])
            groups[-1].append(cur)
        prev_end = 0
        for gi, group in enumerate(groups):
            lead = raw_line[prev_end : group[0].start].strip(" \t:-–,;.")
            points = [PointMatch(p.lat, p.lon, p.start + start, p.end + start, p.text) for p in group]
            tail = raw_line[group[-1].end :].strip(" \t,;.") if gi == len(groups) - 1 else ""
            prev_end = group[-1].end
            if gi == 0 and not lead and areas and not areas[-1].get("closed"):
                areas[-1]["points"].extend(points)
                areas[-1]["end"] = start + len(raw_line)
                areas[-1]["tail"] = " ".join(x for x in (areas[-1]["tail"], tail) if x)
                continue
            areas.append({"label": lead, "points": points, "start": start, "end": start + len(raw_line), "tail": tail})
            if len(areas) > MAX_AREAS:
                raise ParseError(f"more than {MAX_AREAS} areas in one notice", line=line_col(text, start)[0])
    if not areas:
        raise ParseError("no coordinates found (expected e.g. 36°04′N 124°30′E or N36 04 E124 30)", line=1, column=1)
    context = "\n".join(header)
    phases, how = assign_phases([f"{a['label']} {a['tail']}" for a in areas], context)
    windows = tuple(sorted(set(_daily(text, upper)), key=lambda w: (w.start, w.end)))
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    title = next((h.strip() for h in header), "") or (name or format)
    corridors = []
    for i, (a, phase) in enumerate(zip(areas, phases, strict=True)):
        label = a["label"] or f"area {i + 1}"
        line, _ = line_col(text, a["start"])
        latlon = [(p.lat, p.lon) for p in a["points"]]
        props: dict[str, Any] = {"area": label}
        radius = _RADIUS.search(f"{a['label']} {a['tail']}".upper())
        if len(latlon) == 1:
            if radius is None:
                raise ParseError(f"area {label}: a single point without a radius", line=line)
            r = float(radius.group("r"))
            unit = radius.group("u")
            rm = r * 1000.0 if unit.startswith("K") or unit in ("㎞", "킬로미터") else r * NM
            geom = rings.circle(latlon[0][0], latlon[0][1], rm, label, line=line)
            props.update(shape="circle", radius_nm=round(rm / NM, 3))
        else:
            if len(latlon) == 2:
                raise ParseError(f"area {label}: two points do not make an area", line=line)
            geom, reordered = rings.polygon_from_corners(latlon, label, line=line)
            props.update(shape="polygon", corners=len(latlon))
            if reordered:
                props["reordered"] = True
        if a["tail"]:
            props["note"] = a["tail"]
        if how != "text":
            props["phase_rule"] = how
        corridors.append(
            Corridor(
                id=f"{format}-{digest}-{i + 1}",
                geometry=geom,
                phase=phase,
                label=label,
                windows=windows,
                source=title,
                raw="\n".join([*header, text[a["start"] : a["end"]]]),
                properties=props,
            )
        )
    meta: dict[str, Any] = {"title": title, "areas": [c.label for c in corridors]}
    if name:
        meta["name"] = name
    return ParsedInput(format, corridors, meta)
