"""The coordinate grammar shared by every text parser.

Recognised forms (latitude first; the hemisphere letter decides the axis):

==========================  ==========================================
``36-04N 124-30E``           navigational warnings, also ``36-04.25N``
                             and ``36-04-30N`` (seconds)
``36°04′N 124°30′E``         DMS with ``° ′ ″``, ASCII ``' "``, curly
                             quotes (``35° 44’06 “N``), hemisphere before
                             or after
``N392852E0955438``          compact NOTAM DDMMSS/DDDMMSS (also DDMM)
``3430N12400E``              compact, hemisphere after (also ``3604.25N/12430.50E``)
``36 04.2N 124 30.5E``       degree–minute with spaces, hemisphere after
``N11 54 E116 48``           degree–minute(–second) pairs (civil protection)
``36.0667N 124.5E``          decimal degrees with hemisphere (before/after)
``36.0667, 124.5``           bare decimal degrees (only as a lat, lon pair)
``28 DEG 41.5 MIN N``         degrees (and minutes, seconds) in words
``북위 40도 41분 44초``       Korean (북위/남위/동경/서경, 도 분 초)
``北緯40度41分44秒``          Japanese (北緯/南緯/東経/西経, 度 分 秒)
``北纬36°04′ 东经124°30′``   Chinese (北纬/南纬/东经/西经, ° ′ ″ or 度 分 秒)
==========================  ==========================================

:func:`find_points` returns the latitude/longitude pairs of a text with the
character span each came from; :func:`parse_point` reads exactly one point.
Out-of-range values raise :class:`~geowarn.errors.ParseError` naming the
token, its line and column.

>>> [(p.lat, p.lon) for p in find_points("36-04N 124-30E, 35-19.5N 124-54E")]
[(36.066667, 124.5), (35.325, 124.9)]
>>> parse_point("北緯40度41分44秒 東経124度30分")
(40.695556, 124.5)
>>> parse_point("28 DEG 41.50 MIN N 122.75 DEG E")
(28.691667, 122.75)
>>> [(p.lat, p.lon) for p in find_points("在28-29.06N/122-10.50E、44 30 00 S 173 21 36 E")]
[(28.484333, 122.175), (-44.5, 173.36)]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from geowarn.errors import ParseError

__all__ = [
    "STYLES",
    "Component",
    "PointMatch",
    "find_components",
    "find_points",
    "format_point",
    "line_col",
    "parse_point",
]

_FULLWIDTH = str.maketrans("０１２３４５６７８９．，：－", "0123456789.,:-")

_NUM = r"\d{1,3}(?:\.\d+)?"
_MIN = r"\d{1,2}(?:\.\d+)?"
_DEG_MARK = "[°º˚]"
_MIN_MARK = "[′'’‘`´]"
_SEC_MARK = "(?:″|\"|”|“|′′|''|’’|‘‘)"

_CJK_HEMI = {
    "북위": "N",
    "남위": "S",
    "동경": "E",
    "서경": "W",
    "北緯": "N",
    "南緯": "S",
    "東経": "E",
    "東經": "E",
    "西経": "W",
    "西經": "W",
    "北纬": "N",
    "南纬": "S",
    "东经": "E",
    "西经": "W",
}
_CJK_WORDS = "|".join(_CJK_HEMI)

# Each pattern yields the groups h (hemisphere, prefix or suffix), d, m, s; or num for compact digits.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "cjk",
        re.compile(
            rf"(?P<h>{_CJK_WORDS})[ \t]{{0,3}}(?P<d>{_NUM})[ \t]{{0,3}}(?:도|度|{_DEG_MARK})"
            rf"(?:[ \t]{{0,3}}(?P<m>{_MIN})[ \t]{{0,3}}(?:분|分|{_MIN_MARK}))?"
            rf"(?:[ \t]{{0,3}}(?P<s>{_MIN})[ \t]{{0,3}}(?:초|秒|{_SEC_MARK}))?"
        ),
    ),
    (
        "symbol",
        re.compile(
            r"(?<![A-Za-z])(?:(?P<hp>[NSEW])[ \t]{0,2})?(?<![\d.])(?P<d>"
            + _NUM
            + r")[ \t]{0,2}"
            + _DEG_MARK
            + r"[ \t]{0,2}"
            r"(?:(?P<m>" + _MIN + r")[ \t]{0,2}" + _MIN_MARK + r"?[ \t]{0,2}"
            r"(?:(?P<s>" + _MIN + r")[ \t]{0,2}" + _SEC_MARK + r"[ \t]{0,2})?)?"
            r"(?(hp)|(?P<h>[NSEW](?![A-Za-z]))?)"
        ),
    ),
    (
        "words",
        re.compile(
            r"(?i)(?<![A-Za-z0-9_.\-])(?P<d>" + _NUM + r")[ \t]{0,2}DEG(?:REES?|S)?\.?"
            r"(?:[ \t]{0,2}(?P<m>" + _MIN + r")[ \t]{0,2}MIN(?:UTES?|S)?\.?)?"
            r"(?:[ \t]{0,2}(?P<s>" + _MIN + r")[ \t]{0,2}SEC(?:ONDS?|S)?\.?)?[ \t]{0,2}(?P<h>[NSEW])(?![A-Za-z])"
        ),
    ),
    (
        "dash",
        re.compile(
            r"(?<![A-Za-z0-9_.\-])(?P<d>\d{1,3})-(?P<m>"
            + _MIN
            + r")(?:-(?P<s>"
            + _MIN
            + r"))?[ \t]?(?P<h>[NSEW])(?![A-Za-z])"
        ),
    ),
    ("compact_prefix", re.compile(r"(?<![A-Za-z])(?P<hp>[NSEW])(?P<num>\d{4,7}(?:\.\d+)?)(?!\d|\.\d)")),
    (
        "spaced_prefix",
        re.compile(
            r"(?<![A-Za-z])(?P<hp>[NSEW])[ \t]?(?P<d>" + _NUM + r")"
            r"(?:[ \t]{1,2}(?P<m>" + _MIN + r")(?:[ \t]{1,2}(?P<s>" + _MIN + r"))?)?(?!\d|\.\d|[°º˚])"
        ),
    ),
    (
        "spaced_suffix",
        re.compile(
            r"(?<![A-Za-z0-9_.\-])(?P<d>\d{1,3})[ \t](?P<m>" + _MIN + r")(?:[ \t](?P<s>" + _MIN + r"))?[ \t]?"
            r"(?P<h>[NSEW])(?![A-Za-z])"
        ),
    ),
    (
        "suffix",
        re.compile(
            r"(?<![\d.\-])(?:(?P<num>\d{4,7}(?:\.\d+)?|\d{1,3})|(?P<dec>\d{1,3}\.\d+)[ \t]?)(?P<h>[NSEW])(?![A-Za-z])"
        ),
    ),
]
_BARE_PAIR = re.compile(
    r"(?<![\w.\-+])(?P<lat>[-+]?\d{1,2}\.\d+)\s{0,3}[,;]?\s{0,3}(?P<lon>[-+]?\d{1,3}\.\d+)(?!\w|\.\d)"
)
# Separators allowed between the latitude and the longitude of one point.
_PAIR_GAP = re.compile(r"[\s,/;:、，]{0,10}")


@dataclass(frozen=True)
class Component:
    """One latitude or longitude found in a text."""

    axis: str  # "lat" | "lon"
    value: float
    start: int
    end: int
    text: str
    weak: bool = False
    """A lone letter and integer (``N36``, ``W66``): a coordinate only next to its partner."""


@dataclass(frozen=True)
class PointMatch:
    """A latitude/longitude pair and the character span ``[start, end)`` it came from."""

    lat: float
    lon: float
    start: int
    end: int
    text: str


def line_col(text: str, offset: int) -> tuple[int, int]:
    r"""1-based line and column of a character offset.

    >>> line_col("ab\ncd", 4)
    (2, 2)
    """
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def _error(text: str, offset: int, message: str) -> ParseError:
    line, col = line_col(text, offset)
    return ParseError(message, line=line, column=col)


def _dms(d: str, m: str | None, s: str | None, token: str, text: str, offset: int) -> float:
    deg = float(d)
    mins = float(m) if m else 0.0
    secs = float(s) if s else 0.0
    if m is not None and ("." in d):
        raise _error(text, offset, f"{token!r}: decimal degrees cannot be followed by minutes")
    if s is not None and m is not None and "." in m:
        raise _error(text, offset, f"{token!r}: decimal minutes cannot be followed by seconds")
    if mins >= 60:
        raise _error(text, offset, f"{token!r}: minutes {m} must be below 60")
    if secs >= 60:
        raise _error(text, offset, f"{token!r}: seconds {s} must be below 60")
    return deg + mins / 60.0 + secs / 3600.0


def _compact(num: str, axis: str, token: str, text: str, offset: int) -> float:
    whole, _, frac = num.partition(".")
    n = len(whole)
    if n <= 3 and not frac:
        return float(whole)
    if n <= 3:
        return float(num)
    width = 2 if axis == "lat" else 3
    if n not in (width + 2, width + 4):
        what = "DDMM or DDMMSS" if axis == "lat" else "DDDMM or DDDMMSS"
        raise _error(text, offset, f"{token!r}: a compact {'latitude' if axis == 'lat' else 'longitude'} has {what}")
    d, m = whole[:width], whole[width : width + 2]
    s = whole[width + 2 :] or None
    if s is not None and frac:
        s = f"{s}.{frac}"
    elif frac:
        m = f"{m}.{frac}"
    return _dms(d, m, s, token, text, offset)


def _check_range(axis: str, value: float, token: str, text: str, offset: int) -> None:
    limit = 90.0 if axis == "lat" else 180.0
    if value > limit:
        what = "latitude" if axis == "lat" else "longitude"
        raise _error(text, offset, f"{what} {token.strip()} is out of range")


def _component(style: str, m: re.Match[str], text: str) -> Component | None:
    g = m.groupdict()
    token = m.group(0)
    hp, hs = g.get("hp"), g.get("h")
    if style == "cjk":
        hemi = _CJK_HEMI[hs or ""]
    else:
        if hp and hs:
            return None  # "N 36°04′ E": the suffix letter belongs to the next component
        if not (hp or hs):
            return None
        hemi = str(hp or hs)
    axis = "lat" if hemi in "NS" else "lon"
    weak = style == "spaced_prefix" and g.get("m") is None and "." not in g["d"]
    if weak and axis == "lat" and len(g["d"]) == 3:
        return None  # air route N895: never a latitude
    if g.get("num") is not None:
        value = _compact(g["num"], axis, token, text, m.start())
    elif g.get("dec") is not None:
        value = float(g["dec"])
    else:
        value = _dms(g["d"], g.get("m"), g.get("s"), token, text, m.start())
    _check_range(axis, value, token, text, m.start())
    if hemi in "SW":
        value = -value
    return Component(axis, round(value, 9), m.start(), m.end(), token, weak)


def _normalise(text: str) -> str:
    # a 1:1 character translation keeps offsets valid for the original text
    return text.translate(_FULLWIDTH)


def find_components(text: str) -> list[Component]:
    """Every latitude and longitude in ``text``, in order, non-overlapping.

    Where two forms overlap the leftmost (then the longest) match wins.
    """
    norm = _normalise(text)
    cands: list[tuple[int, int, int, str, re.Match[str]]] = []
    for prio, (style, pat) in enumerate(_PATTERNS):
        for m in pat.finditer(norm):
            if m.end() > m.start():
                cands.append((m.start(), -(m.end() - m.start()), prio, style, m))
    # leftmost first, then longest, then the earlier pattern
    cands.sort(key=lambda c: (c[0], c[1], c[2]))
    out: list[Component] = []
    last_end = -1
    for start, _, _, style, m in cands:
        if start < last_end:
            continue
        comp = _component(style, m, norm)
        if comp is None:
            continue
        last_end = m.end()
        lead = len(comp.text) - len(comp.text.lstrip())
        token = comp.text.strip()
        out.append(
            Component(comp.axis, comp.value, comp.start + lead, comp.start + lead + len(token), token, comp.weak)
        )
    return out


def find_points(text: str, *, strict: bool = False, bare_decimal: bool = True) -> list[PointMatch]:
    """Latitude/longitude pairs in ``text`` (a latitude directly followed by a longitude).

    With ``strict=True`` a latitude without a longitude after it (or a stray
    longitude) is an error, which catches swapped hemispheres and truncated
    lists. ``bare_decimal`` also reads ``36.07, 124.5`` pairs without letters.

    Examples
    --------
    >>> [(p.lat, p.lon) for p in find_points("N392852E0955438-N385637E0955854")]
    [(39.481111, 95.910556), (38.943611, 95.981667)]
    >>> [(p.lat, p.lon) for p in find_points("DROP ZONE 1: N36 04 E124 30 N36 04 E124 54")]
    [(36.066667, 124.5), (36.066667, 124.9)]
    >>> find_points("ROUTE N895 AND W66 CLOSED, N36 04 E124 30", strict=True)[0].text
    'N36 04 E124 30'
    >>> find_points("124-30E 36-04N", strict=True)
    Traceback (most recent call last):
    ...
    geowarn.errors.ParseError: line 1, column 1: longitude 124-30E has no latitude before it
    """
    norm = _normalise(text)
    comps = find_components(text)
    points: list[PointMatch] = []
    i = 0
    while i < len(comps):
        c = comps[i]
        nxt = comps[i + 1] if i + 1 < len(comps) else None
        if (
            c.axis == "lat"
            and nxt is not None
            and nxt.axis == "lon"
            and _PAIR_GAP.fullmatch(norm, c.end, nxt.start) is not None
        ):
            points.append(PointMatch(round(c.value, 6), round(nxt.value, 6), c.start, nxt.end, text[c.start : nxt.end]))
            i += 2
            continue
        if strict and not c.weak:
            if c.axis == "lat":
                raise _error(text, c.start, f"latitude {c.text} has no longitude after it")
            raise _error(text, c.start, f"longitude {c.text} has no latitude before it")
        i += 1
    if bare_decimal:
        taken = [(p.start, p.end) for p in points] + [(c.start, c.end) for c in comps]
        for m in _BARE_PAIR.finditer(norm):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            lat, lon = float(m.group("lat")), float(m.group("lon"))
            if abs(lat) > 90:
                raise _error(text, m.start(), f"latitude {m.group('lat')} is out of range")
            if abs(lon) > 180:
                raise _error(text, m.start("lon"), f"longitude {m.group('lon')} is out of range")
            points.append(PointMatch(round(lat, 6), round(lon, 6), m.start(), m.end(), text[m.start() : m.end()]))
        points.sort(key=lambda p: p.start)
    return points


def parse_point(text: str) -> tuple[float, float]:
    """Read exactly one point from ``text``; returns ``(lat, lon)``.

    >>> parse_point("35° 44’06 “N 139°41′30″E")
    (35.735, 139.691667)
    >>> parse_point("36.5, -170.25")
    (36.5, -170.25)
    """
    points = find_points(text, strict=True)
    if len(points) != 1:
        raise ParseError(f"expected one point in {text.strip()[:60]!r}, found {len(points)}", line=1, column=1)
    p = points[0]
    rest = (text[: p.start] + text[p.end :]).strip(" \t\r\n,;")
    if rest:
        raise ParseError(f"unexpected text {rest[:40]!r} around the point {p.text!r}", line=1, column=1)
    return p.lat, p.lon


# --------------------------------------------------------------------------- formatting (round-trip tests, output)


def _split(value: float, decimals: int, with_seconds: bool) -> tuple[int, int, float]:
    """Degrees, minutes, seconds (or decimal minutes) of ``abs(value)`` with carries."""
    v = abs(value)
    if with_seconds:
        total = round(v * 3600.0, decimals)
        d = int(total // 3600)
        m = int((total - d * 3600) // 60)
        s = round(total - d * 3600 - m * 60, decimals)
        return d, m, s
    total_m = round(v * 60.0, decimals)
    d = int(total_m // 60)
    return d, 0, round(total_m - d * 60, decimals)


def _fmt_num(x: float, width: int, decimals: int) -> str:
    if decimals <= 0:
        return f"{round(x):0{width}d}"
    return f"{x:0{width + 1 + decimals}.{decimals}f}"


def _hemi(value: float, axis: str) -> str:
    if axis == "lat":
        return "S" if value < 0 else "N"
    return "W" if value < 0 else "E"


def _fmt_navwarn(v: float, axis: str, dec: int) -> str:
    d, _, m = _split(v, dec, False)
    return f"{d:0{2 if axis == 'lat' else 3}d}-{_fmt_num(m, 2, dec)}{_hemi(v, axis)}"


def _fmt_dm_dash(v: float, axis: str, dec: int) -> str:
    return _fmt_navwarn(v, axis, 0)


def _fmt_dms(v: float, axis: str, dec: int, marks: tuple[str, str, str] = ("°", "′", "″")) -> str:
    d, m, s = _split(v, dec, True)
    return f"{d}{marks[0]}{m:02d}{marks[1]}{_fmt_num(s, 2, dec)}{marks[2]}{_hemi(v, axis)}"


def _fmt_compact_prefix(v: float, axis: str, dec: int) -> str:
    d, m, s = _split(v, 0, True)
    return f"{_hemi(v, axis)}{d:0{2 if axis == 'lat' else 3}d}{m:02d}{round(s):02d}"


def _fmt_compact_suffix(v: float, axis: str, dec: int) -> str:
    d, _, m = _split(v, 0, False)
    return f"{d:0{2 if axis == 'lat' else 3}d}{round(m):02d}{_hemi(v, axis)}"


def _fmt_spaced(v: float, axis: str, dec: int) -> str:
    d, _, m = _split(v, dec, False)
    return f"{_hemi(v, axis)}{d} {_fmt_num(m, 2, dec)}"


def _fmt_decimal(v: float, axis: str, dec: int) -> str:
    return f"{abs(v):.{dec}f}{_hemi(v, axis)}"


def _fmt_cjk(v: float, axis: str, dec: int, lang: str) -> str:
    d, m, s = _split(v, dec, True)
    names = {
        "ko": ({"N": "북위", "S": "남위", "E": "동경", "W": "서경"}, "도", "분", "초", " "),
        "ja": ({"N": "北緯", "S": "南緯", "E": "東経", "W": "西経"}, "度", "分", "秒", ""),
    }[lang]
    hemis, dm, mm, sm, sp = names
    return f"{hemis[_hemi(v, axis)]}{sp}{d}{dm}{sp}{m}{mm}{sp}{_fmt_num(s, 2, dec)}{sm}"


STYLES: dict[str, Callable[[float, str, int], str]] = {
    "navwarn": _fmt_navwarn,
    "dm-dash": _fmt_dm_dash,
    "dms": _fmt_dms,
    "dms-ascii": lambda v, a, d: _fmt_dms(v, a, d, ("°", "'", '"')),
    "dms-curly": lambda v, a, d: _fmt_dms(v, a, d, ("° ", "’", " “")),
    "notam": _fmt_compact_prefix,
    "compact": _fmt_compact_suffix,
    "spaced": _fmt_spaced,
    "decimal": _fmt_decimal,
    "bare": lambda v, a, d: f"{v:.{d}f}",
    "ko": lambda v, a, d: _fmt_cjk(v, a, d, "ko"),
    "ja": lambda v, a, d: _fmt_cjk(v, a, d, "ja"),
}
"""Formatters by style name (``format_point`` uses them; tests round-trip them)."""


def format_point(lat: float, lon: float, style: str = "navwarn", decimals: int = 2) -> str:
    """Write a point in one of :data:`STYLES` (``decimals`` of the last unit).

    Styles ``notam``, ``compact`` and ``dm-dash`` are whole seconds/minutes.

    >>> format_point(36.0667, 124.5, "navwarn")
    '36-04.00N 124-30.00E'
    >>> format_point(-33.5, -70.25, "notam")
    'S333000W0701500'
    """
    fmt = STYLES[style]
    sep = "" if style == "notam" or style == "compact" else (", " if style == "bare" else " ")
    return f"{fmt(lat, 'lat', decimals)}{sep}{fmt(lon, 'lon', decimals)}"
