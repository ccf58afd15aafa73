r"""Japan Coast Guard notices in Japanese: 航行警報 (navigational warnings) and 水路通報 items.

The Japan Coast Guard (海上保安庁) and its regional headquarters (管区) publish their local
navigational warnings and notices to mariners in Japanese, times in Japan time (JST, UTC+9)::

    本州東岸、鹿島灘北東方において、令和7年7月1日〜31日(日曜日及び祝日を除く)の07:00〜17:00まで、…
    区域は、下記5地点を結ぶ線により囲まれる海域
    (1) 北緯36度38分36秒 東経141度20分48秒
    …

    ★元年379項 九州南岸 − 佐多岬西方  射撃訓練
     期 間  令和元年8月25日、0700〜1500
     区 域  31-01N 130-19Eを中心とする半径5海里の円内

What is read:

- years in the Japanese era (``令和7年`` = 2025, ``令和元年`` = 2019, ``平成30年`` = 2018) or
  written out (``2026年``); a notice whose dates have no year is an error naming the first,
  never this year;
- a day list ``7月2日、3日、8日〜10日`` (``から`` / ``まで`` too) with an optional time of day
  ``07:00〜17:00`` / ``0800〜1700`` / ``0900時から1200時まで`` (``毎日`` or not: one window a day,
  ending the next day when the end is not after the start) or without one (whole Japanese days:
  a range is one window); ``5月27日0時00分から6月4日0時00分まで`` is one window; ``(土曜、日曜及び祝日を除く)``
  drops Saturdays, Sundays and national holidays (:mod:`geowarn.sources.jp_holidays`);
  ``日出〜日没`` (sunrise to sunset) is read as the whole day, with a warning;
- corners ``北緯36度38分36秒 東経141度20分48秒`` and ``31-01N 130-19E`` / ``31-31-00N 131-23-18E``;
  ``N地点により囲まれる区域`` / ``…で囲まれる海面`` is a polygon whose corner count must be N;
  ``Pを中心とする半径5海里の円内`` a circle (海里, キロメートル, メートル); ``2地点を結ぶ線上、幅30m`` a
  swath of that width; each ``区域1``, ``区域2`` … and each named area on its own line
  (``1段目落下区域 北緯…``) its own corridor; several ``★…項`` items pasted, each its own message;
- a part of a circle cut by a meridian or a parallel (``…を中心とする半径15海里の円内のうち132-10E以西を除く
  区域``: the part east of 132°10'E; ``のうち…以北の区域``: the part kept), with a warning naming the side kept;
- an area closed by the coast (``4地点及び陸岸により囲まれる区域``, ``…を結ぶ線及び岸線により囲まれる区域``,
  first and last corner on the shore) is closed along the coast of the shipped land layer
  (:mod:`geowarn.sources.coast`), with a warning, when that coast lies close to the shore corners
  and closes it; otherwise an error naming the area and what was found, never the straight chord;
- an item that deletes an earlier one (``(十管区水路通報4年2号17項削除)``) lists it in ``meta["cancels"]``;
  a reference (``(四管区水路通報 30年132項 関連)``) is no cancellation.

Never silently wrong: a part of a circle not cut that way, a line without a width or a corner count
that does not match is an error naming the area; reserve days (``予備日``), a bracket not understood
(``(内7日間)``), a period with only its end (``令和4年1月20日まで``: read as that day) and every date,
time or coordinate not used are listed in ``warnings`` with their line and column. Chart numbers
(``海 図 W221−JP221``) and the source (``出 所``) are no coordinates.

>>> out = parse_jcg("★元年379項 九州南岸 − 佐多岬西方  射撃訓練\n 期 間  令和元年8月25日、0700〜1500\n"
...                 " 区 域  31-01N 130-19Eを中心とする半径5海里の円内")
>>> (c,) = out.corridors
>>> c.id, c.properties["radius_nm"], [(w.start.isoformat(), w.end.isoformat()) for w in c.windows]
('jcg-r1-379-1', 5.0, [('2019-08-24T22:00:00+00:00', '2019-08-25T06:00:00+00:00')])
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from geowarn.errors import ParseError
from geowarn.geodesy import NM
from geowarn.model import Corridor, TimeWindow
from geowarn.sources import rings
from geowarn.sources.cjk_text import Normalised, normalise
from geowarn.sources.cjk_time import unread_local_times
from geowarn.sources.coast import close_along_coast
from geowarn.sources.common import MAX_AREAS, ParsedInput, ParseWarning, as_text, assign_phases, mask
from geowarn.sources.coords import PointMatch, find_points
from geowarn.sources.jp_holidays import holidays

__all__ = ["is_jcg", "parse_jcg", "unused_lines"]

_KANA = re.compile(r"[\u3040-\u30ff]")
_ERA = r"(?:(?P<era>令和|平成)\s*(?P<ey>\d{1,2}|元)\s*年|(?P<gy>\d{4})\s*年)"
_MARKERS = re.compile(
    r"(?:令和|平成)\s*(?:\d{1,2}|元)\s*年|\d+\s*地点|を中心と(?:する|した)\s*半径|管区|海上保安|水路通報|航行警報"
)
_DAY = r"(?:\d{1,2}\s*月\s*)?\d{1,2}\s*日"
_TO = r"\s*(?:~|から)\s*"
_ITEM = rf"{_DAY}(?:{_TO}{_DAY})?(?:\s*まで)?"
_CLOCK = r"\d{1,2}:\d{2}|\d{4}(?:\s*時)?|\d{1,2}\s*時(?:\s*\d{1,2}\s*分)?"
_WINDOW = re.compile(
    rf"{_ERA}\s*(?P<days>{_ITEM}(?:\s*[、,]\s*{_ITEM})*)"
    r"(?:\s*\((?P<paren>[^()\n]{1,60})\))?"
    rf"(?:[\s、,のに]*(?:毎日\s*)?(?:(?P<t1>{_CLOCK}){_TO}"
    rf"(?:(?:(?P<tm>\d{{1,2}})\s*月\s*)?(?P<td>\d{{1,2}})\s*日\s*)?(?P<t2>{_CLOCK})(?:\s*まで)?"
    r"|(?P<sun>日出\s*~\s*日没)))?"
    r"(?P<zone>\s*\(?\s*(?:UTC|協定世界時)\s*\)?)?"
)
_ONE_ITEM = re.compile(
    r"(?:(?P<m1>\d{1,2})\s*月\s*)?(?P<d1>\d{1,2})\s*日(?:\s*(?:~|から)\s*(?:(?P<m2>\d{1,2})\s*月\s*)?(?P<d2>\d{1,2})\s*日)?"
)
_LABEL = re.compile(r"(?m)^[ \t]*区[ \t]*域(?P<n>\d{1,2}(?!\d|地点))?|区域は[、,]")
_NAMED_AREA = re.compile(  # 1段目落下区域 北緯36度04分 …: a named area on its own line
    r"(?m)^[ \t]*(?P<lab>[^\s(（:：][^\n:：]{0,24}?(?:区域|海域))[ \t]*[:：]?[ \t]*(?=北緯|南緯|\d{1,3}-\d)"
)
_SKIP_LINE = re.compile(r"(?m)^[ \t]*(?:海[ \t]*図|出[ \t]*所)[^\n]*(?:\n[ \t]+[−\-–W][^\n]*)*")
_REFERENCE = re.compile(r"\((?:参照|参考)[^()\n]*\)")
_CANCEL = re.compile(  # (十管区水路通報4年2号17項削除): this item replaces, and so cancels, an earlier one
    r"(?P<open>\(\s*)?(?P<ref>(?:第?[一二三四五六七八九十]{1,3}管区|海上保安庁)?\s*水路通報\s*(?:元|\d{1,2})\s*年"
    r"(?:\s*\d{1,3}\s*号)?)\s*(?P<items>\d{1,4}\s*項(?:\s*[、,及び]+\s*\d{1,4}\s*項)*)\s*(?:削除|取消|取り消し)"
    r"(?(open)\s*\))"
)
_ITEM_HEAD = re.compile(r"★?\s*(?P<y>元|\d{1,2})年\s*(?P<n>\d{1,4})項")
_REGION = re.compile(r"第?(?P<r>[一二三四五六七八九十]{1,3}|\d{1,2})管区")
_NUMBER = re.compile(r"番号\s*(?P<n>\d{1,4})")
_CIRCLE = re.compile(
    r"を中心と(?:する|した)\s*半径\s*(?P<r>\d+(?:\.\d+)?)\s*(?P<u>海里|マイル|キロメートル|km|KM|メートル|m|M)"
)
_LINE = re.compile(r"(?P<k>\d+)\s*地点を結ぶ線上")
_WIDTH = re.compile(r"幅\s*(?P<w>\d+(?:\.\d+)?)\s*(?P<u>海里|キロメートル|km|KM|メートル|m|M)")
_POLYGON = re.compile(
    r"(?:(?P<k>\d+)\s*地点(?:を結ぶ線)?(?:\s*(?:及び|と)\s*(?:陸岸|岸線|海岸線))?\s*(?:により|で|とで)\s*)?囲まれる"
)
_COAST = re.compile(r"(?:及び|と)\s*(?:陸岸|岸線|海岸線)\s*(?:により|で|とで)?\s*囲まれ")  # closed along the shore
_ON_SHORE = re.compile(r"\s*\(\s*(?:岸線上|陸岸上|海岸線上)\s*\)")
_PART = re.compile(r"のうち|を除く")
_CUT = re.compile(  # …の円内のうち132-10E以西を除く区域: a circle cut by a meridian (or a parallel, 以北/以南)
    r"のうち\s*(?P<v>\d{1,3}-\d{1,2}(?:\.\d+)?(?:-\d{1,2}(?:\.\d+)?)?)\s*(?P<h>[NSEW])\s*"
    r"(?P<side>以西|以東|以北|以南)\s*(?:の(?:海域|区域|海面))?\s*(?P<drop>を除く)?"
)
_SIDES = {"以西": "west", "以東": "east", "以北": "north", "以南": "south"}
_OPPOSITE = {"west": "east", "east": "west", "north": "south", "south": "north"}
_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_JST = ZoneInfo("Asia/Tokyo")


@dataclass
class _Area:
    label: str
    kind: str  # polygon | circle | swath
    points: list[PointMatch]
    start: int
    end: int
    block: int  # where its 区域 block starts
    radius_m: float = 0.0
    cut: tuple[float, str] | None = None  # a circle's part: (the meridian or parallel in degrees, the side kept)


def is_jcg(text: str) -> bool:
    """Whether ``text`` is a Japan Coast Guard notice in Japanese (kana and a JCG form: era year, 地点, 管区 …).

    >>> is_jcg("区域は、下記5地点を結ぶ線により囲まれる海域"), is_jcg("北朝鮮の人工衛星打ち上げ通報 北緯36度04分")
    (True, False)
    """
    n = normalise(text).text
    return bool(_KANA.search(n) and _MARKERS.search(n))


def unused_lines(text: str) -> str:
    r"""Blank the chart-number and source lines of ``text`` (same length): they hold no coordinate.

    >>> unused_lines(" 海 図  W221−JP221\n 区 域  31-01N 130-19E").strip()
    '区 域  31-01N 130-19E'
    """
    return mask(text, [(m.start(), m.end()) for m in _SKIP_LINE.finditer(text)])


def cancelled(norm: str) -> tuple[list[str], list[tuple[int, int]]]:
    r"""Return the items ``norm`` deletes (``(十管区水路通報4年2号17項削除)``) and the spans that say so.

    >>> cancelled("(十管区水路通報4年2号17項削除)\n作業船による海底線修理作業")[0]
    ['十管区水路通報4年2号17項']
    >>> cancelled("(四管区水路通報 30年132項 関連)")[0], cancelled("(四管区水路通報 30年132項、133項 削除)")[0]
    ([], ['四管区水路通報30年132項', '四管区水路通報30年133項'])
    >>> cancelled(" 五管区水路通報元年35号861項削除\n 西川において、")[0]  # 五管区 2年473項: without brackets
    ['五管区水路通報元年35号861項']
    """
    ids: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _CANCEL.finditer(norm):
        ref = re.sub(r"\s+", "", m["ref"])
        ids += [f"{ref}{int(k)}項" for k in re.findall(r"\d+(?=\s*項)", m["items"])]
        spans.append((m.start(), m.end()))
    return ids, spans


def _era_year(m: re.Match[str]) -> int:
    if m["gy"]:
        return int(m["gy"])
    y = 1 if m["ey"] == "元" else int(m["ey"])
    return (2018 if m["era"] == "令和" else 1988) + y


def _clock(token: str) -> tuple[int, int]:
    """``07:00``, ``0700``, ``0700時``, ``7時``, ``0時00分`` → ``(hour, minute)``."""
    digits = re.findall(r"\d+", token)
    if len(digits) == 1 and len(digits[0]) == 4:
        return int(digits[0][:2]), int(digits[0][2:])
    return int(digits[0]), int(digits[1]) if len(digits) > 1 else 0


def _error(n: Normalised, index: int, message: str) -> ParseError:
    line, col = n.line_col(index)
    return ParseError(message, line=line, column=col)


def _days(n: Normalised, m: re.Match[str], year: int) -> tuple[list[tuple[date, date]], list[date]]:
    """Read the day list of ``m``: its items as ``(first, last)`` ranges, and every day they hold."""
    if not 1900 <= year <= 2200:
        raise _error(n, m.start(), f"window {' '.join(m.group(0).split())!r}: year {year} is out of range")
    ranges: list[tuple[date, date]] = []
    month: int | None = None
    prev: date | None = None
    for it in _ONE_ITEM.finditer(m["days"]):
        try:
            m1 = int(it["m1"]) if it["m1"] else month
            if m1 is None:
                raise ValueError("no month")
            d1 = date(year, m1, int(it["d1"]))
            if prev is not None and d1 < prev:
                year += 1
                d1 = date(year, m1, d1.day)
            m2 = int(it["m2"]) if it["m2"] else m1
            d2 = date(year, m2, int(it["d2"])) if it["d2"] else d1
            if d2 < d1:
                d2 = date(year + 1, m2, d2.day)
        except ValueError as exc:
            raise _error(n, m.start(), f"window {' '.join(m.group(0).split())!r}: {exc}") from None
        ranges.append((d1, d2))
        month, prev, year = d2.month, d2, d2.year
    days = [a + timedelta(days=k) for a, b in ranges for k in range((b - a).days + 1)]
    if len(days) > 400:
        raise _error(n, m.start(), f"window {' '.join(m.group(0).split())!r}: more than 400 days")
    return ranges, days


def _kept(
    n: Normalised, m: re.Match[str], days: list[date], warn: Callable[[int, str, str], None]
) -> tuple[list[date], bool]:
    """Drop the days a bracket such as ``(土曜、日曜及び祝日を除く)`` excludes; warn about other brackets."""
    paren = m["paren"] or ""
    if not re.fullmatch(r"[土日曜祝及びを、,・\s]*除く", paren):
        if paren:
            warn(m.start("paren") - 1, f"({paren})", "reserve_days" if "予備" in paren else "bracket_not_understood")
        return days, False
    off: set[date] = set()
    if "祝" in paren:
        try:
            off = set().union(*(holidays(y) for y in {d.year for d in days}))
        except ValueError as exc:
            raise _error(n, m.start(), f"window {' '.join(m.group(0).split())!r}: {exc}") from None
    sat, sun = "土" in paren, "日曜" in paren
    return [d for d in days if not ((sat and d.weekday() == 5) or (sun and d.weekday() == 6) or d in off)], True


def _through(
    n: Normalised,
    m: re.Match[str],
    ranges: list[tuple[date, date]],
    kept: list[date],
    tz: Any,
    start: tuple[int, int],
    end: tuple[int, int],
) -> TimeWindow:
    """One window from the single listed day at ``start`` to the day written after the connector at ``end``."""
    token = " ".join(m.group(0).split())
    if len(ranges) != 1 or ranges[0][0] != ranges[0][1] or len(kept) != 1:
        raise _error(n, m.start(), f"window {token!r}: a time range to a later day after a list of days")
    first = kept[0]
    try:
        last = date(first.year, int(m["tm"]) if m["tm"] else first.month, int(m["td"]))
    except ValueError as exc:
        raise _error(n, m.start(), f"window {token!r}: {exc}") from None
    if last < first:
        last = date(last.year + 1, last.month, last.day)
    s = datetime(first.year, first.month, first.day, tzinfo=tz) + timedelta(hours=start[0], minutes=start[1])
    e = datetime(last.year, last.month, last.day, tzinfo=tz) + timedelta(hours=end[0], minutes=end[1])
    if e <= s:
        raise _error(n, m.start(), f"window {token!r} ends before it starts")
    return TimeWindow(s.astimezone(UTC), e.astimezone(UTC))


def _windows(n: Normalised, work: str) -> tuple[list[tuple[int, int]], list[TimeWindow], list[ParseWarning]]:
    """Read every JCG window expression in ``work``: the spans read, the windows, the warnings."""
    spans: list[tuple[int, int]] = []
    out: list[TimeWindow] = []
    warns: list[ParseWarning] = []

    def warn(index: int, token: str, code: str) -> None:
        line, col = n.line_col(index)
        warns.append(ParseWarning.of(line, col, token, code))

    for m in _WINDOW.finditer(work):
        ranges, days = _days(n, m, _era_year(m))
        if re.fullmatch(r"\s*(?:\d{1,2}\s*月\s*)?\d{1,2}\s*日\s*まで\s*", m["days"]):
            warn(m.start(), " ".join(work[m.start() : m.end("days")].split()), "end_without_start")
        kept, skipping = _kept(n, m, days, warn)
        tz = UTC if m["zone"] else _JST
        if m["t1"]:
            (h1, i1), (h2, i2) = _clock(m["t1"]), _clock(m["t2"])
            if h1 > 23 or i1 > 59 or h2 > 24 or i2 > 59 or (h2 == 24 and i2):
                raise _error(n, m.start("t1"), f"window {m['t1']}~{m['t2']}: not a time of day")
            if m["td"]:  # 5月27日0時00分から6月4日0時00分まで: one window from the first day to the date written
                out.append(_through(n, m, ranges, kept, tz, (h1, i1), (h2, i2)))
                spans.append((m.start(), m.end()))
                continue
            for d in kept:
                s = datetime(d.year, d.month, d.day, tzinfo=tz) + timedelta(hours=h1, minutes=i1)
                e = datetime(d.year, d.month, d.day, tzinfo=tz) + timedelta(hours=h2, minutes=i2)
                if e <= s:
                    e += timedelta(days=1)
                out.append(TimeWindow(s.astimezone(UTC), e.astimezone(UTC)))
        else:
            if m["sun"]:
                warn(m.start("sun"), m["sun"], "sunrise_whole_day")
            whole = [(d, d) for d in kept] if skipping else ranges
            for a, b in whole:
                s = datetime(a.year, a.month, a.day, tzinfo=tz)
                e = datetime(b.year, b.month, b.day, tzinfo=tz) + timedelta(days=1)
                out.append(TimeWindow(s.astimezone(UTC), e.astimezone(UTC)))
        spans.append((m.start(), m.end()))
    return spans, out, warns


def _to_m(value: str, unit: str) -> float:
    v = float(value)
    if unit in ("海里", "マイル"):
        return v * NM
    if unit in ("キロメートル", "km", "KM"):
        return v * 1000.0
    return v


def _blocks(work: str) -> list[tuple[str, int, int]]:
    """``(label, start, end)`` of each area block: from one ``区域``/``区域N`` label to the next."""
    found = [(m.start(), m["n"] or "") for m in _LABEL.finditer(work)]
    found += [(m.start(), m["lab"]) for m in _NAMED_AREA.finditer(work) if not any(s == m.start() for s, _ in found)]
    found.sort()
    if not found:
        return [("1", 0, len(work))]
    out = []
    for i, (start, name) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(work)
        out.append((name or str(i + 1), start, end))
    return out


def _areas(n: Normalised, work: str) -> list[_Area]:
    """Read the areas of one notice (``work``: normalised, windows and chart lines masked)."""
    areas: list[_Area] = []
    for label, start, end in _blocks(work):
        block = work[start:end]
        found = find_points(block, bare_decimal=False)
        points = [PointMatch(p.lat, p.lon, p.start + start, p.end + start, p.text) for p in found]
        if not points:
            continue
        name = f"区域{label}" if label.isdigit() else label.strip()
        circle = _CIRCLE.search(block)
        line_m = _LINE.search(block)
        if circle:
            centre = [p for p in points if p.end <= start + circle.start()]
            if not centre:
                raise _error(n, start + circle.start(), f"area {name}: a radius without a centre")
            cut, end = None, start + circle.end()
            if _PART.search(block, circle.end()):
                cut, end = _circle_cut(n, name, block, start, circle.end())
            areas.append(
                _Area(
                    name,
                    "circle" if cut is None else "circle-part",
                    [centre[-1]],
                    centre[-1].start,
                    end,
                    start,
                    _to_m(circle["r"], circle["u"]),
                    cut,
                )
            )
            continue
        if line_m:
            width = _WIDTH.search(block)
            if width is None:
                raise _error(n, start + line_m.start(), f"area {name}: a line without a width is no area")
            _check_count(n, name, line_m, points, start)
            half = _to_m(width["w"], width["u"]) / 2
            areas.append(_Area(name, "swath", points, points[0].start, points[-1].end, start, half))
            continue
        area = _polygon(n, name, block, points, start)
        if area is not None:
            areas.append(area)
        if len(areas) > MAX_AREAS:
            raise _error(n, start, f"more than {MAX_AREAS} areas in one notice")
    return areas


def _polygon(n: Normalised, name: str, block: str, points: list[PointMatch], start: int) -> _Area | None:
    """Read the corners of one block as a polygon, or one closed by the coast (``4地点及び陸岸により囲まれる``)."""
    poly = _POLYGON.search(block)
    if poly and poly["k"]:
        _check_count(n, name, poly, points, start)
    if len(points) == 2:
        raise _error(n, points[0].start, f"area {name}: two corners do not make an area")
    if len(points) < 3:
        return None
    kind = "polygon"
    if _COAST.search(block):
        _check_shore(n, name, points)
        kind = "coast"
    return _Area(name, kind, points, points[0].start, points[-1].end, start)


def _circle_cut(n: Normalised, name: str, block: str, start: int, after: int) -> tuple[tuple[float, str], int]:
    """Read ``のうち132-10E以西を除く`` after a circle: ``((degrees, side kept), end of the clause)``.

    A part this grammar does not read (``のうち…灯台から…`` …) is an error naming the area, never the whole circle.
    """
    m = _CUT.search(block, after)
    if m is None or re.sub(r"\s+", "", block[after : m.start()]) not in ("", "の円内", "の円", "円内"):
        raise _error(
            n,
            start + after,
            f"area {name}: a part of a circle (のうち…) not read (expected e.g. のうち132-10E以西を除く区域)",
        )
    v = [float(x) for x in m["v"].split("-")]
    deg = v[0] + v[1] / 60 + (v[2] / 3600 if len(v) > 2 else 0.0)
    side = _SIDES[m["side"]]
    if (m["h"] in "EW") != (side in ("east", "west")) or deg > (180 if m["h"] in "EW" else 90):
        raise _error(n, start + m.start(), f"area {name}: {m['v']}{m['h']}{m['side']} is no meridian or parallel")
    if m["h"] in "WS":
        deg = -deg
    return (deg, _OPPOSITE[side] if m["drop"] else side), start + m.end()


def _check_shore(n: Normalised, name: str, points: list[PointMatch]) -> None:
    """Check that the corners marked on the shore (``(岸線上)``), if any, are the first and the last."""
    marked = [i for i, p in enumerate(points) if _ON_SHORE.match(n.text, p.end)]
    if marked and marked != [0, len(points) - 1]:
        which = ", ".join(f"({i + 1})" for i in marked)
        raise _error(
            n,
            points[0].start,
            f"area {name}: closed by the coast, but its shore corners are {which}, not the first and the last",
        )


def _coast_warning(n: Normalised, a: _Area, props: dict[str, Any]) -> ParseWarning:
    """Warn that an area was closed along the land layer's coast: the operator checks it on the map."""
    line, col = n.line_col(a.block)
    d1, d2 = props["shore_m"]
    values = {
        "last": str(len(a.points)),
        "d1": f"{d1:.0f}",
        "d2": f"{d2:.0f}",
        "area": f"{props['area_m2'] / 1e6:.3f}",
        "chord": f"{props['chord_area_m2'] / 1e6:.3f}",
    }
    return ParseWarning.of(line, col, a.label, "coast_closed", **values)


def _shape_warnings(n: Normalised, areas: list[_Area], corridors: list[Corridor]) -> list[ParseWarning]:
    """Warn once per part of a circle (the side kept) and per area closed along the coast (how)."""
    out = [_coast_warning(n, a, c.properties) for a, c in zip(areas, corridors, strict=True) if a.kind == "coast"]
    for a in areas:
        if a.cut is not None:
            line, col = n.line_col(a.start)
            hemi = ("EW" if a.cut[1] in ("east", "west") else "NS")[a.cut[0] < 0]
            cut = f"{abs(a.cut[0]):.4f}°{hemi}"
            out.append(ParseWarning.of(line, col, a.label, f"circle_part_{a.cut[1]}", cut=cut))
    return out


def _check_count(n: Normalised, name: str, m: re.Match[str], points: list[PointMatch], start: int) -> None:
    if int(m["k"]) != len(points):
        raise _error(n, start + m.start(), f"area {name}: the text gives {m['k']} points, {len(points)} were read")


def _region_number(r: str) -> int:
    """``三`` → 3, ``十一`` → 11, ``7`` → 7 (the 11 JCG regions)."""
    if r.isdigit():
        return int(r)
    if r.startswith("十"):
        return 10 + sum(_KANJI_DIGITS[c] for c in r[1:])
    return _KANJI_DIGITS[r[0]] * (10 if r.endswith("十") and len(r) > 1 else 1)


def _ident(norm: str, text: str) -> str:
    head = _ITEM_HEAD.search(norm)
    region = _REGION.search(norm)
    kan = f"-kan{_region_number(region['r'])}" if region else ""
    if head:
        return f"jcg{kan}-r{1 if head['y'] == '元' else int(head['y'])}-{int(head['n'])}"
    number = _NUMBER.search(norm)
    if number:
        return f"jcg{kan}-nw{int(number['n'])}"
    return f"jcg{kan}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


def _raw(text: str, n: Normalised, a: _Area, areas: list[_Area]) -> str:
    """Return the source lines of area ``a``.

    The whole notice when it has one area, else the lines before the first area block and those of ``a``'s block.
    """
    if len(areas) == 1:
        return text.strip("\n")
    first_block = text.rfind("\n", 0, n.origin(areas[0].block)) + 1
    start = text.rfind("\n", 0, n.origin(a.block)) + 1
    end = text.find("\n", n.origin(max(a.end - 1, a.start)))
    head = text[:first_block].rstrip("\n")
    return "\n".join(x for x in (head, text[start : len(text) if end < 0 else end]) if x)


def _shape(n: Normalised, a: _Area) -> tuple[Any, dict[str, Any]]:
    """Build the geometry of area ``a`` and its shape properties."""
    line = n.line_col(a.start)[0]
    props: dict[str, Any] = {"area": a.label, "shape": a.kind}
    latlon = [(p.lat, p.lon) for p in a.points]
    if a.kind == "polygon":
        geom, reordered = rings.polygon_from_corners(latlon, a.label, line=line)
        props["corners"] = len(latlon)
        if reordered:
            props["reordered"] = True
    elif a.kind == "coast":
        geom, info = close_along_coast(latlon, a.label, line=line)
        props.update(
            shape="polygon-coast", corners=len(latlon), shore_corners=[list(latlon[0]), list(latlon[-1])], **info
        )
    elif a.kind == "circle":
        geom = rings.circle(latlon[0][0], latlon[0][1], a.radius_m, a.label, line=line)
        props.update(radius_nm=round(a.radius_m / NM, 3), centre=[latlon[0][0], latlon[0][1]])
    elif a.kind == "circle-part":
        assert a.cut is not None
        geom = rings.circle_part(latlon[0][0], latlon[0][1], a.radius_m, *a.cut, a.label, line=line)
        props.update(radius_nm=round(a.radius_m / NM, 3), centre=[latlon[0][0], latlon[0][1]])
        props["kept"] = {"side": a.cut[1], ("lon" if a.cut[1] in ("east", "west") else "lat"): a.cut[0]}
    else:
        geom = rings.track_buffer(latlon, a.radius_m, a.label, line=line)
        props["half_width_m"] = round(a.radius_m, 1)
    return geom, props


def _parse_one(text: str, *, name: str | None, in_paste: bool = False) -> ParsedInput:
    n = normalise(text)
    cancels, cancel_spans = cancelled(n.text)
    norm = mask(n.text, cancel_spans)
    ident = _ident(norm, text)
    refs = [(m.start(), m.end()) for m in _REFERENCE.finditer(norm)]
    heads = [(m.start(), m.end()) for m in _ITEM_HEAD.finditer(norm)]
    work = mask(norm, [*refs, *heads, *((m.start(), m.end()) for m in _SKIP_LINE.finditer(norm))])
    spans, windows, warns = _windows(n, work)
    areas = _areas(n, mask(work, spans))
    title = next((line.strip() for line in text.splitlines() if line.strip()), ident)
    meta: dict[str, Any] = {"message_id": ident, "title": title, "time_zone": "Asia/Tokyo"}
    if refs:
        meta["reference"] = [norm[s + 1 : e - 1] for s, e in refs]
    if cancels:
        meta["cancels"] = cancels
    if name:
        meta["name"] = name
    for offset, token in unread_local_times(work, spans):
        line, col = n.line_col(offset)
        if not windows and "月" in token:  # 期間 6月27日〜30日: the period of the notice, without its year
            why = f"window from {token!r} has no year (write it, e.g. 令和8年{token})"
            raise ParseError(why, line=line, column=col)
        warns.append(ParseWarning.of(line, col, token, "date_no_window"))
    if not areas and in_paste and not find_points(work, bare_decimal=False):
        # a 水路通報 page pasted whole: an item without any position (灯台光達距離変更 …) holds no area
        first = title if len(title) <= 40 else title[:40] + "…"
        warns.append(ParseWarning.of(1, 1, first, "no_position"))
        return ParsedInput("jcg", [], meta, warns)
    if not areas and cancels and not find_points(work, bare_decimal=False):
        return ParsedInput("jcg", [], meta, sorted(warns, key=lambda w: (w.line, w.column)))
    if not areas:
        raise ParseError(
            "no area found (expected e.g. 下記5地点により囲まれる区域 or …を中心とする半径5海里の円内)",
            line=1,
            column=1,
        )
    all_windows = tuple(sorted(set(windows), key=lambda w: (w.start, w.end)))
    context = mask(work, [(a.block, a.end) for a in areas])
    phases, how = assign_phases([work[a.block : a.end] for a in areas], context)
    corridors = []
    for i, (a, phase) in enumerate(zip(areas, phases, strict=True)):
        geom, props = _shape(n, a)
        if how != "text":
            props["phase_rule"] = how
        raw = _raw(text, n, a, areas)
        corridors.append(
            Corridor(
                id=f"{ident}-{i + 1}",
                geometry=geom,
                phase=phase,
                label=f"{ident} {a.label}",
                windows=all_windows,
                source=title,
                raw=raw,
                properties=props,
            )
        )
    warns += _shape_warnings(n, areas, corridors)
    meta["areas"] = [a.label for a in areas]
    if not re.search(r"日本時間|日本標準時|JST|UTC|協定世界時", norm):
        meta["time_zone_assumed"] = "Asia/Tokyo"
    return ParsedInput("jcg", corridors, meta, sorted(warns, key=lambda w: (w.line, w.column)))


def parse_jcg(data: str | bytes, *, name: str | None = None) -> ParsedInput:
    """Parse a Japan Coast Guard notice in Japanese, or a paste of several ``★…項`` items (module docstring).

    Parameters
    ----------
    data
        The notice text.
    name
        A name for the input (kept in ``meta["name"]``).

    Returns
    -------
    ParsedInput
        Format ``"jcg"``, with ``warnings`` for what was seen but not used.
    """
    from geowarn.sources.messages import parse_each

    text = as_text(data, "Japan Coast Guard notice")
    starts = [m.start() for m in re.finditer(r"(?m)^[ \t]*★", text)]
    if len(starts) <= 1:
        return _parse_one(text, name=name)
    starts[0] = 0
    spans = list(zip(starts, [*starts[1:], len(text)], strict=True))
    warns: list[ParseWarning] = []

    def one(part: str) -> ParsedInput:
        out = _parse_one(part, name=name, in_paste=True)
        base = text.count("\n", 0, spans[len(warns_seen)][0])
        warns_seen.append(part)
        warns.extend(replace(w, line=w.line + base) for w in out.warnings)
        return out

    warns_seen: list[str] = []
    out = parse_each(text, spans, one, fmt="jcg", name=name)
    out.warnings = sorted(warns, key=lambda w: (w.line, w.column))
    return out
