"""Local time of a region, for maps and CAP (Japan shows Asia/Tokyo, +09:00).

>>> from datetime import datetime, UTC
>>> region_timezone("JP-47"), region_timezone("TS-JP-47"), region_timezone("KR-11")
('Asia/Tokyo', 'Asia/Tokyo', 'Asia/Seoul')
>>> region_timezone("CN-HK"), region_timezone("TS-CN-MO"), region_timezone("RU-KAM"), region_timezone("TS-RUS")
('Asia/Hong_Kong', 'Asia/Macau', 'Asia/Kamchatka', 'Asia/Vladivostok')
>>> region_timezone("SEA-yellow-sea", default="Asia/Tokyo")
'Asia/Tokyo'
>>> iso_local(datetime(2016, 2, 6, 22, 30, tzinfo=UTC), "Asia/Tokyo")
'2016-02-07T07:30:00+09:00'
>>> format_window(datetime(2016, 2, 6, 22, 30, tzinfo=UTC), datetime(2016, 2, 7, 3, 30, tzinfo=UTC), "Asia/Tokyo")
'2016-02-07 07:30–12:30 JST'
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from geowarn.model import utc

#: Country (ISO 3166-1 alpha-2 or alpha-3) → IANA zone.
COUNTRY_ZONES: dict[str, str] = {
    "JP": "Asia/Tokyo",
    "JPN": "Asia/Tokyo",
    "KR": "Asia/Seoul",
    "KOR": "Asia/Seoul",
    "KP": "Asia/Pyongyang",
    "PRK": "Asia/Pyongyang",
    "CN": "Asia/Shanghai",
    "CHN": "Asia/Shanghai",
    "TW": "Asia/Taipei",
    "TWN": "Asia/Taipei",
    "PH": "Asia/Manila",
    "PHL": "Asia/Manila",
    "RU": "Asia/Vladivostok",
    "RUS": "Asia/Vladivostok",
}

#: Admin-1 regions whose zone is not their country's (IANA tzdb zone.tab): the SARs, and Russia's
#: subjects, which span five zones in the layers' window.
REGION_ZONES: dict[str, str] = {
    "CN-HK": "Asia/Hong_Kong",
    "CN-MO": "Asia/Macau",
    "RU-SAK": "Asia/Sakhalin",
    "RU-KAM": "Asia/Kamchatka",
    "RU-MAG": "Asia/Magadan",
    "RU-KHA": "Asia/Vladivostok",
    "RU-PRI": "Asia/Vladivostok",
    "RU-YEV": "Asia/Vladivostok",
    "RU-AMU": "Asia/Yakutsk",
    "RU-ZAB": "Asia/Chita",
    "RU-BU": "Asia/Irkutsk",
    "RU-IRK": "Asia/Irkutsk",
}


def region_timezone(region_id: str, default: str = "Asia/Tokyo") -> str:
    """Give the IANA zone of a region id (``JP-47``, ``TS-JPN``, ``EEZ-JP-47``, ``KR-11`` …); seas get ``default``."""
    parts = region_id.split("-")
    if parts[0] in ("TS", "EEZ") and len(parts) > 1:
        parts = parts[1:]
    return REGION_ZONES.get("-".join(parts).upper()) or COUNTRY_ZONES.get(parts[0].upper(), default)


def to_local(value: datetime, tz: str) -> datetime:
    """``value`` converted to the zone ``tz``."""
    return utc(value).astimezone(ZoneInfo(tz))


def iso_local(value: datetime, tz: str) -> str:
    """ISO 8601 with the zone's offset, seconds precision, never ``Z`` (CAP 1.2 dateTime)."""
    return to_local(value, tz).replace(microsecond=0).isoformat()


def format_span(start: datetime, end: datetime, tz: str) -> str:
    """Format a window in local time without naming the zone, e.g. ``2016-02-07 07:30–12:30``.

    The end's date is given only when it is not the start's (``2016-02-07 23:00–2016-02-08 01:00``).
    A reader's language names the zone around it (:func:`geowarn.i18n.with_zone`).
    """
    a, b = to_local(start, tz), to_local(end, tz)
    tail = f"{b:%H:%M}" if a.date() == b.date() else f"{b:%Y-%m-%d %H:%M}"
    return f"{a:%Y-%m-%d %H:%M}–{tail}"


def window_text(start: datetime, end: datetime, tz: str, lang: str) -> str:
    """Format a window in local time with the zone named in the reader's language (:func:`geowarn.i18n.with_zone`).

    >>> from datetime import UTC
    >>> a, b = datetime(2016, 2, 6, 22, 30, tzinfo=UTC), datetime(2016, 2, 7, 3, 30, tzinfo=UTC)
    >>> window_text(a, b, "Asia/Tokyo", "ja"), window_text(a, b, "Asia/Hong_Kong", "en")
    ('2016-02-07 07:30–12:30（日本時間）', '2016-02-07 06:30–11:30 HKT')
    """
    from geowarn.i18n import with_zone

    return with_zone(format_span(start, end, tz), tz, lang, to_local(start, tz).tzname() or tz)


def format_window(start: datetime | None, end: datetime | None, tz: str) -> str:
    """Format a compact human window in local time, e.g. ``2016-02-07 07:30–12:30 JST``."""
    if start is None or end is None:
        return "not given"
    return f"{format_span(start, end, tz)} {to_local(start, tz).tzname()}"
