"""Windows written in Chinese, as China MSA navigational warnings give them (Beijing time).

``9月16日0000时至0800时`` is one window, ``9月16日2200时至9月17日0400时`` one across midnight,
``9月16日至9月20日每日0000时至0800时`` one window a day. Times are Beijing time (UTC+8) unless
``UTC`` / ``世界时`` / ``协调世界时`` follows. The year is the one written (``2023年``) or the
message's (its serial ``沪航警238/23``).

>>> [(w.start.isoformat(), w.end.isoformat()) for _, _, ws in find_cjk_windows("9月16日0000时至0800时", 2023)
...  for w in ws]
[('2023-09-15T16:00:00+00:00', '2023-09-16T00:00:00+00:00')]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from geowarn.errors import ParseError
from geowarn.model import TimeWindow
from geowarn.sources.common import ParseWarning
from geowarn.sources.coords import line_col

__all__ = [
    "MSA_ID",
    "default_zone",
    "find_cjk_windows",
    "find_local_windows",
    "local_time_warnings",
    "unread_local_times",
]

MSA_ID = re.compile(r"(?P<id>[\u4e00-\u9fff]{1,3}航警\s*(?P<num>\d{1,4})/(?P<year>\d{2}))")
"""A China MSA warning serial such as ``沪航警238/23`` or ``琼航警0123/24``."""

_T = r"(?P<{h}>\d{{1,2}}):?(?P<{mi}>\d{{2}})(?:时|時|分)?"
_UTC = r"(?P<utc>\s*(?:\(|（)?\s*(?:UTC|世界时|协调世界时|北京时间)?)"
_DAILY = re.compile(
    r"(?:(?P<y>\d{4})年)?(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日\s*(?:至|到|-|—)\s*(?:(?P<m2>\d{1,2})月)?(?P<d2>\d{1,2})日"
    r"[，,、\s]*(?:每日|每天)\s*"
    + _T.format(h="h1", mi="mi1")
    + r"\s*(?:至|到|-|—)\s*"
    + _T.format(h="h2", mi="mi2")
    + _UTC
)
_SINGLE = re.compile(
    r"(?:(?P<y>\d{4})年)?(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日\s*" + _T.format(h="h1", mi="mi1") + r"\s*(?:至|到|-|—)\s*"
    r"(?:(?:(?P<m2>\d{1,2})月)?(?P<d2>\d{1,2})日\s*)?" + _T.format(h="h2", mi="mi2") + _UTC
)
_BEIJING = ZoneInfo("Asia/Shanghai")


def _at(text: str, m: re.Match[str], y: int, mo: int, d: int, h: int, mi: int, tz: object) -> datetime:
    try:
        if h == 24 and mi == 0:
            return datetime(y, mo, d, tzinfo=tz).astimezone(UTC) + timedelta(days=1)  # type: ignore[arg-type]
        return datetime(y, mo, d, h, mi, tzinfo=tz).astimezone(UTC)  # type: ignore[arg-type]
    except ValueError as exc:
        line, col = line_col(text, m.start())
        raise ParseError(f"window {m.group(0).strip()!r}: {exc}", line=line, column=col) from None


def find_cjk_windows(text: str, year: int) -> list[tuple[int, int, list[TimeWindow]]]:
    """``(start, end, windows)`` of every Chinese window expression in ``text``."""
    found: list[tuple[int, int, list[TimeWindow]]] = []
    taken: list[tuple[int, int]] = []
    for pat, daily in ((_DAILY, True), (_SINGLE, False)):
        for m in pat.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            tz = UTC if "UTC" in m["utc"] or "世界时" in m["utc"] else _BEIJING
            y = int(m["y"]) if m["y"] else year
            m1, d1 = int(m["m1"]), int(m["d1"])
            m2 = int(m["m2"]) if m["m2"] else m1
            d2 = int(m["d2"]) if m["d2"] else d1
            h1, mi1, h2, mi2 = int(m["h1"]), int(m["mi1"]), int(m["h2"]), int(m["mi2"])
            out: list[TimeWindow] = []
            if daily:
                first = _at(text, m, y, m1, d1, 0, 0, tz)
                last = _at(text, m, y + (1 if m2 < m1 else 0), m2, d2, 0, 0, tz)
                if last < first or (last - first).days > 400:
                    line, col = line_col(text, m.start())
                    raise ParseError(f"window {m.group(0).strip()!r}: the last day is before the first", line=line)
                day = datetime(y, m1, d1)
                for _ in range((last - first).days + 1):
                    s = _at(text, m, day.year, day.month, day.day, h1, mi1, tz)
                    e = _at(text, m, day.year, day.month, day.day, h2, mi2, tz)
                    out.append(TimeWindow(s, e if e > s else e + timedelta(days=1)))
                    day += timedelta(days=1)
            else:
                s = _at(text, m, y, m1, d1, h1, mi1, tz)
                e = _at(text, m, y + (1 if m2 < m1 else 0), m2, d2, h2, mi2, tz)
                if e <= s and not m["d2"]:
                    e += timedelta(days=1)  # 2200时至0400时: ends the next day
                if e <= s:
                    line, col = line_col(text, m.start())
                    raise ParseError(f"window {m.group(0).strip()!r} ends before it starts", line=line, column=col)
                out.append(TimeWindow(s, e))
            found.append((m.start(), m.end(), out))
            taken.append((m.start(), m.end()))
    found.sort(key=lambda f: f[0])
    return found


# --------------------------------------------------------------------------- Japanese / Korean windows

_LOCAL_ZONES = {
    "日本時間": "Asia/Tokyo",
    "日本標準時": "Asia/Tokyo",
    "JST": "Asia/Tokyo",
    "한국시간": "Asia/Seoul",
    "한국표준시": "Asia/Seoul",
    "KST": "Asia/Seoul",
    "北京时间": "Asia/Shanghai",
    "北京時間": "Asia/Shanghai",
    "UTC": "UTC",
    "協定世界時": "UTC",
    "世界時": "UTC",
    "世界时": "UTC",
    "협정세계시": "UTC",
}
_ZONE_RE = (
    r"(?:\s*[(（]?\s*(?P<zone>"
    + "|".join(sorted((re.escape(k).replace("시간", r"\s?시간") for k in _LOCAL_ZONES), key=len, reverse=True))
    + r")\s*[)）]?)?"
)
_CLOCK_RE = r"\d{1,2}\s*[時时시]\s*(?:\d{1,2}\s*[分분])?|\d{1,2}:\d{2}|\d{4}\s*[時时시]?"
_CONN = r"\s*(?:~|から|부터|至|到|-|—)\s*"
_UNTIL = r"(?:\s*(?:まで|까지))?"
_WEEKDAY = r"(?:\s*\([月火水木金土日월화수목금토일]\))?"


def _date_re(p: str, month_optional: bool = False) -> str:
    month = rf"(?:(?P<{p}m>\d{{1,2}})\s*[月월]\s*)" + ("?" if month_optional else "")
    return (
        rf"(?:(?:(?P<{p}y>\d{{4}})\s*[年년]\s*)?{month}(?P<{p}d>\d{{1,2}})\s*[日일]"
        rf"|(?P<{p}dy>\d{{4}})\.\s*(?P<{p}dm>\d{{1,2}})\.\s*(?P<{p}dd>\d{{1,2}})\.?){_WEEKDAY}"
    )


_LOCAL_DAILY = re.compile(
    _date_re("a")
    + _CONN
    + _date_re("b", month_optional=True)
    + _UNTIL
    + r"[,、\s]*(?:毎日|每日|每天|매일)\s*"
    + rf"(?P<c1>{_CLOCK_RE}){_CONN}(?P<c2>{_CLOCK_RE}){_UNTIL}"
    + _ZONE_RE
)
_LOCAL_SINGLE = re.compile(
    _date_re("a")
    + rf"\s*(?P<c1>{_CLOCK_RE}){_CONN}(?:{_date_re('b', month_optional=True)}\s*)?(?P<c2>{_CLOCK_RE}){_UNTIL}"
    + _ZONE_RE
)


def _clock(token: str) -> tuple[int, int]:
    digits = re.findall(r"\d+", token)
    if len(digits) == 1 and len(digits[0]) == 4:
        return int(digits[0][:2]), int(digits[0][2:])
    return int(digits[0]), int(digits[1]) if len(digits) > 1 else 0


def _ymd(m: re.Match[str], p: str, year: int | None, month: int | None) -> tuple[int | None, int | None, int]:
    if m[f"{p}dy"]:
        return int(m[f"{p}dy"]), int(m[f"{p}dm"]), int(m[f"{p}dd"])
    y = int(m[f"{p}y"]) if m[f"{p}y"] else year
    mo = int(m[f"{p}m"]) if m[f"{p}m"] else month
    return y, mo, int(m[f"{p}d"])


def default_zone(text: str) -> str:
    """Name the local zone of a CJK notice's times when it names none: by its script.

    >>> default_zone("북위 36도"), default_zone("北緯36度 ロケット"), default_zone("北纬36度")
    ('Asia/Seoul', 'Asia/Tokyo', 'Asia/Shanghai')
    """
    if re.search(r"[\uac00-\ud7a3]", text):
        return "Asia/Seoul"
    if re.search(r"[\u3040-\u30ff]", text):
        return "Asia/Tokyo"
    return "Asia/Shanghai"


def _local_days(
    m: re.Match[str], year: int | None, fail: Callable[[str], ParseError]
) -> tuple[datetime, datetime, bool]:
    """Read the first and last day of a local window match, and whether the last was written."""
    y1, m1, d1 = _ymd(m, "a", year, None)
    b_written = bool(m["bd"] or m["bdd"])
    y2, m2, d2 = _ymd(m, "b", y1, m1) if b_written else (y1, m1, d1)
    if y1 is None or m1 is None or y2 is None or m2 is None:
        raise fail("has no year (write it, e.g. 2026年)")
    if b_written and not (m["by"] or m["bdy"]) and (m2, d2) < (m1, d1):
        y2 += 1
    try:
        return datetime(y1, m1, d1), datetime(y2, m2, d2), b_written
    except ValueError as exc:
        raise fail(f": {exc}") from None


def _local_windows(text: str, m: re.Match[str], daily: bool, year: int | None, zone: str | None) -> list[TimeWindow]:
    """Turn one local window match into UTC windows (one a day when ``daily``)."""
    token = " ".join(m.group(0).split())
    line, col = line_col(text, m.start())

    def fail(why: str) -> ParseError:
        return ParseError(f"window {token!r}{'' if why.startswith(':') else ' '}{why}", line=line, column=col)

    written = m["zone"]
    name = _LOCAL_ZONES.get(re.sub(r"\s+", "", written)) if written else zone
    if name is None:
        raise fail(": in which time zone?")
    tz = UTC if name == "UTC" else ZoneInfo(name)
    first, last, b_written = _local_days(m, year, fail)
    (h1, i1), (h2, i2) = _clock(m["c1"]), _clock(m["c2"])
    if h1 > 23 or h2 > 24 or i1 > 59 or i2 > 59 or (h2 == 24 and i2):
        raise fail(": the times must be between 00:00 and 24:00")
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)] if daily else [first]
    if not days or len(days) > 400:
        raise fail(": the last day is before the first")
    out: list[TimeWindow] = []
    for day in days:
        s = datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(hours=h1, minutes=i1)
        end_day = day if daily else last
        e = datetime(end_day.year, end_day.month, end_day.day, tzinfo=tz) + timedelta(hours=h2, minutes=i2)
        if e <= s and (daily or not b_written):
            e += timedelta(days=1)  # 22:00~04:00: ends the next day
        if e <= s:
            raise fail("ends before it starts")
        out.append(TimeWindow(s.astimezone(UTC), e.astimezone(UTC)))
    return out


def find_local_windows(
    text: str, year: int | None = None, zone: str | None = None
) -> list[tuple[int, int, list[TimeWindow], bool]]:
    """``(start, end, windows, zone_assumed)`` of Japanese, Korean and Chinese window expressions.

    Reads ``2026年5月27日0時00分から6月4日0時00分まで``, ``2026년 5월 27일 09:00 ~ 12:00``,
    ``2026.5.27.(수) 09:00~12:00``, and daily ``5月27日から5月29日まで毎日0900時から1200時まで`` /
    ``5월 27일 ~ 29일 매일 09:00~12:00``. The zone is the one written (``日本時間``, ``JST``,
    ``한국시간``, ``KST``, ``北京时间``, ``UTC``) or else ``zone`` (``zone_assumed`` is then true); the
    year is the one written or ``year``: a window with neither is an error naming it, never the
    current year. ``text`` should be NFKC-normalised (:mod:`geowarn.sources.cjk_text`).

    >>> [(w.start.isoformat(), w.end.isoformat()) for _, _, ws, _ in
    ...  find_local_windows("2026년 5월 27일 09:00 ~ 12:00 (한국시간)") for w in ws]
    [('2026-05-27T00:00:00+00:00', '2026-05-27T03:00:00+00:00')]
    """
    found: list[tuple[int, int, list[TimeWindow], bool]] = []
    for pat, daily in ((_LOCAL_DAILY, True), (_LOCAL_SINGLE, False)):
        for m in pat.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e, _, _ in found):
                found.append((m.start(), m.end(), _local_windows(text, m, daily, year, zone), m["zone"] is None))
    found.sort(key=lambda f: f[0])
    return found


_LOCAL_TIME_LIKE = re.compile(
    r"\d{1,2}\s*[月월]\s*\d{1,2}\s*[日일]|\d{4}\.\s*\d{1,2}\.\s*\d{1,2}\.?|(?<!\d)\d{1,4}\s*[時时시](?:\s*\d{1,2}\s*[分분])?"
    r"|(?<![\d.:])\d{1,2}:\d{2}(?=\s*(?:부터|까지|から|まで|~))"
)


def unread_local_times(text: str, read: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """``(offset, token)`` of every date or time of day in ``text`` outside the ``read`` spans.

    >>> unread_local_times("5월 27일 09:00부터", [])
    [(0, '5월 27일'), (7, '09:00')]
    """
    out = []
    for m in _LOCAL_TIME_LIKE.finditer(text):
        if not any(s <= m.start() < e for s, e in read):
            out.append((m.start(), m.group(0)))
    return out


def local_time_warnings(text: str) -> list[ParseWarning]:
    r"""List the Japanese, Korean and Chinese dates and times in ``text`` that no window expression holds.

    >>> [(w.line, w.column, w.token) for w in local_time_warnings("北緯36度04分 東経124度30分\n5月27日0時から")]
    [(2, 1, '5月27日'), (2, 6, '0時')]
    """
    from geowarn.sources.cjk_text import normalise

    n = normalise(text)
    try:
        read = [(s, e) for s, e, _, _ in find_local_windows(n.text, 2000, "UTC")]
    except ParseError:
        read = []
    out = []
    for offset, token in unread_local_times(n.text, read):
        line, col = n.line_col(offset)
        out.append(ParseWarning.of(line, col, token, "date_no_window"))
    return out
