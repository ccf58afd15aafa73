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
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from geowarn.errors import ParseError
from geowarn.model import TimeWindow
from geowarn.sources.coords import line_col

__all__ = ["MSA_ID", "find_cjk_windows"]

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
