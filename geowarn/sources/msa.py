"""China MSA navigational warnings (航行警告), in Chinese and in their English versions.

China's Maritime Safety Administration publishes each warning twice: ``浙航警841/26，东海，…`` in
Chinese (times in Beijing time) and ``HN182/26 SOUTH CHINA SEA …`` in English (times in UTC).
Both are one sentence, often one line, with the areas inline. What is read:

- the serial (``沪航警722/26`` → id ``msa-sh-722-26-…``; ``SH15/26`` → ``msa-sh15-26-…``), whose
  year is the year of every date without one;
- polygons: corners joined by ``、`` / ``,`` / ``和`` / ``AND`` (``…诸点连线水域范围内``, ``IN AREA
  BOUNDED BY …``), with or without a space or ``/`` between latitude and longitude
  (``31-12.18N123-42.69E``);
- circles: ``以P为圆心，半径3千米的圆形海域``, ``以P为中心，5.4海里为半径的圆形区域``, ``WITHIN 5.4 SEA
  MILES RADIUS OF P``, ``CENTERED OF P RADIUS 3KM``; sectors: ``以P为圆心，方位162°-198°，半径5千米的扇形``,
  ``AND COVERING BEARINGS FROM 162 DEGREE TO 198 DEGREE RADIUS 5KM`` (same centre, bearings
  clockwise from true north); several areas in one warning, each its own corridor;
- windows: Chinese ones via :mod:`geowarn.sources.cjk_time` (``9月16日0000时至0800时``,
  ``自10月10日至10月11日，每日0230时至0430时``, Beijing time); English ``FROM 141400UTC TO
  161500UTC SEP`` and ``FROM 1830 UTC TO 2030 UTC DAILY FROM 9 TO 10 OCT``. A daily window that
  crosses midnight, ``FROM 2330 UTC TO 0130 UTC DAILY FROM 16 TO 18 SEP``, runs from the first
  day's start to the last day's end (two windows here): the Chinese twin of HN166/26,
  琼航警174/26, gives 17 and 18 Sep 0730–0930 Beijing time;
- cancellations: ``撤销浙航警815/26``, ``CANCEL LN328/26`` → ``meta["cancels"]``; a warning that
  only cancels has no corridor.

The text is NFKC-normalised first (full-width digits and punctuation). A single position that
is no area (``沉没渔船…（概位21-53.0N 113-25.0E）``) is not a corridor and is listed in
``warnings``, as is every date or time not read as a window. A centre without a radius, or
two corners, is an error naming the area.

>>> out = parse_msa("浙航警841/26，东海，9月16日0000时至0800时，在28-29.06N 123-25.66E、28-28.50N 123-50.18E、"
...                 "27-45.40N 123-48.83E、27-45.95N 123-24.48E诸点连线水域范围内有火箭残骸掉落，禁止驶入。")
>>> (c,) = out.corridors
>>> c.id, c.properties["corners"], c.phase.value, c.windows[0].start.isoformat()
('msa-zj-841-26-1', 4, 'debris', '2026-09-15T16:00:00+00:00')
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shapely.geometry import Polygon

from geowarn.errors import ParseError
from geowarn.geodesy import NM, destination
from geowarn.model import Corridor, TimeWindow
from geowarn.sources import rings
from geowarn.sources.cjk_text import Normalised, normalise
from geowarn.sources.cjk_time import MSA_ID, find_cjk_windows
from geowarn.sources.common import (
    MAX_AREAS,
    MONTH_RE,
    MONTHS,
    ParsedInput,
    ParseWarning,
    as_text,
    assign_phases,
    mask,
)
from geowarn.sources.coords import PointMatch, find_points, line_col

__all__ = ["is_msa", "parse_msa", "split_msa", "window_warnings"]

_BUREAU = {
    "沪": "sh",
    "浙": "zj",
    "闽": "fj",
    "粤": "gd",
    "琼": "hn",
    "桂": "gx",
    "辽": "ln",
    "津": "tj",
    "冀": "hb",
    "鲁": "sd",
    "苏": "js",
    "云": "lyg",
    "深": "sz",
    "长": "cj",
}
_EN_ID = re.compile(r"(?m)^[ \t]*(?P<code>[A-Z]{2,3})(?P<num>\d{1,4})/(?P<year>\d{2})\b")
_EN_MSA = re.compile(r"\bMSA\s+CHINA\b")
_RELAY = re.compile(r"(?m)^[ \t]*(?:NAVAREA\s+[IVXL]{1,5}|HYDROPAC|HYDROLANT|HYDROARC|ZCZC)\b")
_HEAD = re.compile(r"(?m)^[ \t]*(?:[\u4e00-\u9fff]{1,3}航警\s*\d{1,4}/\d{2}|[A-Z]{2,3}\d{1,4}/\d{2}\b)")

_SERIAL = r"(?:[\u4e00-\u9fff]{1,3}航警\s*)?\d{1,4}/\d{2}|[A-Z]{2,3}\d{1,4}/\d{2}"
_CANCEL_ZH = re.compile(rf"撤销\s*(?P<ids>(?:{_SERIAL})(?:\s*[、,和及]\s*(?:{_SERIAL}))*)")
_CANCEL_EN = re.compile(rf"\bCANCEL\s+(?P<ids>(?:{_SERIAL})(?:\s*(?:,|AND)\s*(?:{_SERIAL}))*)")
_ONE_ID = re.compile(_SERIAL)

_UNIT_ZH = r"(?P<u>千米|公里|海里|米|KM|NM|M)"
_UNIT_EN = r"(?P<u>NM|NMI|(?:NAUTICAL|SEA)\s+MILES?|MILES?|KM|KILOMETERS?|KILOMETRES?|METERS?|METRES?|M)\b"
_NUM = r"(?P<r>\d+(?:\.\d+)?)"
_RADIUS_AFTER = [
    re.compile(rf"半径\s*{_NUM}\s*{_UNIT_ZH}"),
    re.compile(rf"{_NUM}\s*{_UNIT_ZH}\s*为半径"),
    re.compile(rf"\bRADIUS\s+(?:OF\s+)?{_NUM}\s*{_UNIT_EN}"),
]
_RADIUS_BEFORE = re.compile(
    rf"(?:WITHIN\s+{_NUM}\s*{_UNIT_EN}\s*(?:RADIUS\s+)?OF|RADIUS\s+(?:OF\s+)?{_NUM.replace('r>', 'r2>')}\s*"
    rf"{_UNIT_EN.replace('u>', 'u2>')}\s*(?:CENT(?:ERED|RED|ER|RE)\s+)?(?:ON|AT|OF))\s*$"
)
_BEARINGS = re.compile(
    r"(?:方位|BEARINGS?\s+(?:FROM\s+)?)(?P<b1>\d{1,3}(?:\.\d+)?)\s*(?:°|度|DEGREES?|DEG)?\s*(?:-|—|至|到|~|TO)\s*"
    r"(?P<b2>\d{1,3}(?:\.\d+)?)\s*(?:°|度|DEGREES?|DEG)?"
)
_CENTRE_AFTER = re.compile(r"\s*为\s*(?:圆心|中心)")
_CENTRE_BEFORE = re.compile(r"(?:CENT(?:ERED|RED|ER|RE)\s+(?:OF|ON|AT)|CIRCLE\s+OF|RADIUS\s+OF)\s*$")
_CORNER_GAP = re.compile(
    r"[\s,、;/和及与]*(?:AND)?[\s,、;/]*(?:[(（]?(?:[A-Z]|\d{1,2}|[一二三四五六七八九十]{1,2})\s*[.、:)）]\s*)?"
)  # between two corners of one area, maybe with a corner label (A. / (1) / 1、)
_SHAPE_SPLIT = re.compile(r"和|及|\bAND\b")

_EN_RANGE = re.compile(
    rf"\bFROM\s+(?P<s>\d{{6}})\s*(?:UTC|Z)\s+(?:TO|UNTIL)\s+(?P<e>\d{{6}})\s*(?:UTC|Z)(?:\s+(?P<mon>{MONTH_RE})\b)?"
)
_EN_DAILY = re.compile(
    r"\bFROM\s+(?P<s>\d{4})\s*(?:UTC|Z)\s+(?:TO|UNTIL)\s+(?P<e>\d{4})\s*(?:UTC|Z)\s+DAILY\s+(?:FROM\s+)?"
    rf"(?P<d1>\d{{1,2}})(?:\s+(?P<m1>{MONTH_RE})\b)?\s+(?:TO|THRU|THROUGH|-)\s+(?P<d2>\d{{1,2}})\s+(?P<m2>{MONTH_RE})\b"
)
_TIME_LIKE = re.compile(
    r"\d{1,2}月\d{1,2}日|(?<!\d)\d{1,2}日(?=\s*\d{3,4}时)|(?<!\d)\d{1,4}\s*时(?:\s*\d{1,2}\s*分)?"
    r"|(?<![\d.])\d{4,6}\s*(?:UTC|Z)\b"
)


@dataclass
class _Area:
    kind: str  # polygon | circle | sector
    points: list[PointMatch]
    start: int
    end: int
    radius_m: float = 0.0
    bearings: tuple[float, float] | None = None
    text: str = ""


def is_msa(text: str) -> bool:
    r"""Whether ``text`` is a China MSA warning (a Chinese serial, or an English one with ``MSA CHINA``).

    >>> is_msa("HN182/26 SOUTH CHINA SEA .ROCKET FIRING … HAINAN MSA CHINA."), is_msa("NAVAREA XI 12/26\nHN182/26")
    (True, False)
    """
    norm = normalise(text).text
    if _RELAY.search(norm.upper()):
        return False  # a NAVAREA / HYDROPAC relay of an MSA warning is read as that series' message
    return bool(MSA_ID.search(norm) or (_EN_ID.search(norm) and _EN_MSA.search(norm.upper())))


def split_msa(text: str) -> list[tuple[int, int]]:
    r"""Spans of the warnings of one paste: each starts at a line beginning with a serial.

    >>> split_msa("辽航警382/26，黄海北部，撤销辽航警381/26。\nLN329/26 NORTH YELLOW SEA CANCEL LN328/26.")
    [(0, 28), (28, 70)]
    """
    starts = [m.start() for m in _HEAD.finditer(text)]
    if len(starts) <= 1:
        return [(0, len(text))]
    starts[0] = 0
    return list(zip(starts, [*starts[1:], len(text)], strict=True))


def _to_m(value: str, unit: str) -> float:
    u = unit.upper()
    v = float(value)
    if u in ("千米", "公里") or u.startswith("K"):
        return v * 1000.0
    if u in ("米", "M") or u.startswith("MET"):
        return v
    return v * NM  # 海里, NM, nautical / sea miles (and "miles" in navigational warnings)


def _error(n: Normalised, index: int, message: str) -> ParseError:
    line, col = n.line_col(index)
    return ParseError(message, line=line, column=col)


def _serial(norm: str) -> tuple[str, str, int] | None:
    """``(display id, id slug, year)`` of the warning's own serial."""
    zh = MSA_ID.search(norm)
    en = _EN_ID.search(norm)
    if zh and (en is None or zh.start() <= en.start()):
        sid = re.sub(r"\s+", "", zh.group("id"))
        head = sid.split("航警")[0]
        code = _BUREAU.get(head[0], "".join(f"u{ord(c):x}" for c in head))
        return sid, f"msa-{code}-{int(zh.group('num'))}-{zh.group('year')}", 2000 + int(zh.group("year"))
    if en:
        sid = f"{en.group('code')}{en.group('num')}/{en.group('year')}"
        slug = f"msa-{en.group('code').lower()}{int(en.group('num'))}-{en.group('year')}"
        return sid, slug, 2000 + int(en.group("year"))
    return None


def _cancels(norm: str) -> tuple[list[str], list[tuple[int, int]]]:
    ids: list[str] = []
    spans: list[tuple[int, int]] = []
    for pat in (_CANCEL_ZH, _CANCEL_EN):
        for m in pat.finditer(norm.upper() if pat is _CANCEL_EN else norm):
            spans.append((m.start(), m.end()))
            prefix = ""
            for one in _ONE_ID.finditer(m.group("ids")):
                token = re.sub(r"\s+", "", one.group(0))
                if "航警" in token:
                    prefix = token.split("航警")[0] + "航警"
                elif prefix and token[:1].isdigit():
                    token = prefix + token
                ids.append(token)
    return ids, spans


def _radius(clause: str) -> tuple[float, re.Match[str]] | None:
    found = [m for pat in _RADIUS_AFTER for m in [pat.search(clause.upper())] if m]
    if not found:
        return None
    m = min(found, key=lambda x: x.start())
    return _to_m(m.group("r"), m.group("u")), m


def _centre_shapes(n: Normalised, work: str, points: list[PointMatch], i: int, count: int) -> list[_Area]:
    """Read the circle(s) and sector(s) round the centre ``points[i]`` (``count`` areas so far)."""
    p = points[i]
    up = work.upper()
    nxt = points[i + 1].start if i + 1 < len(points) else len(work)
    before = up[max(0, p.start - 60) : p.start]
    pre = _RADIUS_BEFORE.search(before)
    out: list[_Area] = []
    if pre:  # WITHIN 5.4 SEA MILES RADIUS OF P
        r, u = (pre.group("r"), pre.group("u")) if pre.group("r") else (pre.group("r2"), pre.group("u2"))
        out.append(_Area("circle", [p], p.start, p.end, _to_m(r, u), None, before[pre.start() :]))
    for part in _SHAPE_SPLIT.split(work[p.end : nxt]):  # 为圆心，半径3千米…和以 / RADIUS 3KM AND …
        found = _radius(part)
        if found is None:
            continue
        b = _BEARINGS.search(part.upper())
        bearings = (float(b.group("b1")), float(b.group("b2"))) if b else None
        if b and bearings and max(bearings) > 360.0:
            raise _error(n, p.start, f"area {count + len(out) + 1}: bearings {b.group(0)!r} beyond 360°")
        out.append(_Area("sector" if bearings else "circle", [p], p.start, p.end, found[0], bearings, part))
    if not out:
        raise _error(n, p.start, f"area {count + 1}: centre {p.text!r} without a radius")
    return out


def _areas(n: Normalised, work: str) -> list[_Area]:
    """Find the areas of one warning, in text order (``work``: normalised, serial and cancels masked)."""
    up = work.upper()
    points = find_points(work, bare_decimal=False)
    centre = [
        bool(_CENTRE_AFTER.match(work, p.end) or _CENTRE_BEFORE.search(up[max(0, p.start - 40) : p.start]))
        for p in points
    ]
    areas: list[_Area] = []
    i = 0
    while i < len(points):
        if len(areas) > MAX_AREAS:
            raise _error(n, points[i].start, f"more than {MAX_AREAS} areas in one warning")
        if centre[i]:
            areas += _centre_shapes(n, work, points, i, len(areas))
            i += 1
            continue
        j = i + 1
        while j < len(points) and not centre[j] and _CORNER_GAP.fullmatch(up, points[j - 1].end, points[j].start):
            j += 1
        group = points[i:j]
        if len(group) == 2:
            raise _error(n, group[0].start, f"area {len(areas) + 1}: two corners do not make an area")
        if len(group) >= 3:  # a lone position (概位 …) is no area: the warnings list it
            areas.append(_Area("polygon", group, group[0].start, group[-1].end))
        i = j
    if len(areas) > MAX_AREAS:
        raise _error(n, 0, f"more than {MAX_AREAS} areas in one warning")
    return areas


def _sector(lat: float, lon: float, radius_m: float, b1: float, b2: float, label: str, line: int) -> Any:
    """Build a geodesic sector: the centre, then the arc clockwise from bearing ``b1`` to ``b2``."""
    sweep = (b2 - b1) % 360.0 or 360.0
    length = math.radians(sweep) * radius_m
    steps = int(min(3600, max(8, math.ceil(sweep), math.ceil(length / (rings.MAX_SEGMENT_M / 4)))))
    arc = [destination(lat, lon, b1 + sweep * k / steps, radius_m) for k in range(steps + 1)]
    ring = [(lon, lat), *[(lon + ((x - lon + 180.0) % 360.0 - 180.0), y) for y, x in arc]]
    return rings.finish(Polygon(ring), label, line)


def _en_fail(n: Normalised, m: re.Match[str], why: str) -> ParseError:
    return _error(n, m.start(), f"window {' '.join(m.group(0).split())!r}: {why}")


def _en_clock(n: Normalised, m: re.Match[str], hhmm: str) -> timedelta:
    h, mi = int(hhmm[:2]), int(hhmm[2:])
    if h > 23 or mi > 59:
        raise _en_fail(n, m, f"{hhmm} is not a time of day")
    return timedelta(hours=h, minutes=mi)


def _en_day(n: Normalised, m: re.Match[str], y: int, mo: int, d: int) -> datetime:
    try:
        return datetime(y, mo, d, tzinfo=UTC)
    except ValueError as exc:
        raise _en_fail(n, m, str(exc)) from None


def _en_daily(n: Normalised, m: re.Match[str], year: int) -> list[TimeWindow]:
    """Read ``FROM hhmm UTC TO hhmm UTC DAILY FROM d TO d MON`` (overnight: first start to last end)."""
    m2 = MONTHS[m.group("m2")]
    m1 = MONTHS[m.group("m1")] if m.group("m1") else m2
    first = _en_day(n, m, year, m1, int(m.group("d1")))
    last = _en_day(n, m, year + (1 if m2 < m1 else 0), m2, int(m.group("d2")))
    s, e = _en_clock(n, m, m.group("s")), _en_clock(n, m, m.group("e"))
    overnight = e <= s
    count = (last - first).days + (0 if overnight else 1)
    if not 1 <= count <= 400:
        raise _en_fail(n, m, "the last day is before the first")
    return [TimeWindow(first + timedelta(days=k) + s, first + timedelta(days=k + overnight) + e) for k in range(count)]


def _en_range(n: Normalised, m: re.Match[str], year: int) -> TimeWindow:
    """Read ``FROM ddhhmmUTC TO ddhhmmUTC MON`` (an end day before the start day is in the next month)."""
    if not m.group("mon"):
        raise _en_fail(n, m, "no month")
    mo = MONTHS[m.group("mon")]
    sd, ed = m.group("s"), m.group("e")
    start = _en_day(n, m, year, mo, int(sd[:2])) + _en_clock(n, m, sd[2:])
    if int(ed[:2]) >= int(sd[:2]):
        end = _en_day(n, m, year, mo, int(ed[:2])) + _en_clock(n, m, ed[2:])
    else:  # 301400UTC TO 021500UTC JAN
        end = _en_day(n, m, year + (mo == 12), mo % 12 + 1, int(ed[:2])) + _en_clock(n, m, ed[2:])
    if end <= start:
        raise _en_fail(n, m, "it ends before it starts")
    return TimeWindow(start, end)


def _en_windows(n: Normalised, up: str, year: int) -> list[tuple[int, int, list[TimeWindow]]]:
    """Find the English windows of a warning (see :func:`_en_daily` and :func:`_en_range`)."""
    out = [(m.start(), m.end(), _en_daily(n, m, year)) for m in _EN_DAILY.finditer(up)]
    for m in _EN_RANGE.finditer(up):
        if not any(a <= m.start() < b for a, b, _ in out):
            out.append((m.start(), m.end(), [_en_range(n, m, year)]))
    return out


def _parse_one(text: str, *, name: str | None) -> ParsedInput:
    n = normalise(text)
    norm = n.text
    serial = _serial(norm)
    if serial is None:
        raise ParseError("no China MSA serial (such as 浙航警841/26 or HN182/26)", line=1, column=1)
    sid, base, year = serial
    meta: dict[str, Any] = {"message_id": sid, "title": sid}
    if name:
        meta["name"] = name
    own = MSA_ID.search(norm) or _EN_ID.search(norm)
    assert own is not None
    cancels, cancel_spans = _cancels(norm)
    if cancels:
        meta["cancels"] = cancels
    work = mask(norm, [(own.start(), own.end()), *cancel_spans])
    up = work.upper()
    windows = find_cjk_windows(work, year) + _en_windows(n, up, year)
    windows.sort(key=lambda w: w[0])
    win_spans = [(s, e) for s, e, _ in windows]
    areas = _areas(n, mask(work, win_spans))
    if not areas:
        if cancels:
            return ParsedInput("msa", [], meta)
        raise ParseError("no areas found (expected corners such as 28-29.06N 123-25.66E)", line=1, column=1)
    all_windows = tuple(sorted({w for _, _, ws in windows for w in ws}, key=lambda w: (w.start, w.end)))
    context = mask(work, [(a.start, a.end) for a in areas])
    phases, how = assign_phases([a.text for a in areas], context)
    corridors = []
    for i, (a, phase) in enumerate(zip(areas, phases, strict=True)):
        label = f"{sid} area {i + 1}"
        line = n.line_col(a.start)[0]
        props: dict[str, Any] = {"area": str(i + 1), "shape": a.kind}
        if a.kind == "polygon":
            geom, reordered = rings.polygon_from_corners([(p.lat, p.lon) for p in a.points], str(i + 1), line=line)
            props["corners"] = len(a.points)
            if reordered:
                props["reordered"] = True
        elif a.kind == "circle":
            geom = rings.circle(a.points[0].lat, a.points[0].lon, a.radius_m, str(i + 1), line=line)
            props["radius_nm"] = round(a.radius_m / NM, 3)
        else:
            assert a.bearings is not None
            c = a.points[0]
            geom = _sector(c.lat, c.lon, a.radius_m, a.bearings[0], a.bearings[1], str(i + 1), line)
            props.update(radius_nm=round(a.radius_m / NM, 3), bearings=list(a.bearings))
        if how != "text":
            props["phase_rule"] = how
        first, last = n.origin(a.start), n.origin(max(a.end - 1, a.start))
        ls = text.rfind("\n", 0, first) + 1
        le = text.find("\n", last)
        head = text[:ls].rstrip("\n")
        raw = "\n".join(x for x in (head, text[ls : len(text) if le < 0 else le]) if x)
        corridors.append(
            Corridor(
                id=f"{base}-{i + 1}",
                geometry=geom,
                phase=phase,
                label=label,
                windows=all_windows,
                source=sid,
                raw=raw,
                properties=props,
            )
        )
    meta["areas"] = [str(i + 1) for i in range(len(corridors))]
    return ParsedInput("msa", corridors, meta)


def window_warnings(text: str) -> list[ParseWarning]:
    """Dates and times in a China MSA paste that no window read (line and column of each).

    >>> text = ("宜宾海航警67/26，宜宾海事局航行警告：根据CCTV、现场观测，我局辖区吊鱼嘴至桌子角水域（长江上游航道里程"
    ...         "989KM-984KM）出现能见度不足500米的大雾，不满足通航条件。据此，宜宾海事局决定自2026年9月17日06时15分起"
    ...         "对上述水域实施临时交通管制。")
    >>> [(w.column, w.token) for w in window_warnings(text)]
    [(107, '9月17日'), (112, '06时15分')]
    """
    found: list[ParseWarning] = []
    for start, end in split_msa(text):
        n = normalise(text[start:end])
        serial = _serial(n.text)
        year = serial[2] if serial else 2000
        _, cancel_spans = _cancels(n.text)
        own = MSA_ID.search(n.text) or _EN_ID.search(n.text)
        spans = [*cancel_spans, *([(own.start(), own.end())] if own else [])]
        work = mask(n.text, spans)
        try:
            windows = find_cjk_windows(work, year) + _en_windows(n, work.upper(), year)
        except ParseError:
            windows = []
        rest = mask(work, [(s, e) for s, e, _ in windows])
        for m in _TIME_LIKE.finditer(rest):
            line, col = line_col(text, start + n.origin(m.start()))
            found.append(ParseWarning.of(line, col, m.group(0), "date_no_window"))
    return found


def parse_msa(data: str | bytes, *, name: str | None = None) -> ParsedInput:
    """Parse one China MSA warning, or a paste of several, into corridors (see the module docstring).

    Parameters
    ----------
    data
        The warning text(s), Chinese or English.
    name
        A name for the input (kept in ``meta["name"]``).

    Returns
    -------
    ParsedInput
        Format ``"msa"``; with several warnings, their metas are under ``meta["messages"]``.
    """
    from geowarn.sources.messages import parse_each

    text = as_text(data, "China MSA warning")
    spans = split_msa(text)
    if len(spans) == 1:
        return _parse_one(text, name=name)
    return parse_each(text, spans, lambda part: _parse_one(part, name=name), fmt="msa", name=name)
