"""Japanese national holidays (国民の祝日), for Japan Coast Guard schedules that skip them.

A Japanese notice to mariners says ``令和7年7月1日〜31日(日曜日及び祝日を除く)``: the days are
every day of July but Sundays and national holidays. The rules are those of the Act on National
Holidays (祝日法) as amended up to 2019, for 2007 to 2099:

- fixed days: 1 Jan, 11 Feb, 23 Feb (from 2020; 23 Dec until 2018), 29 Apr, 3–5 May, 11 Aug
  (from 2016), 3 Nov, 23 Nov;
- Mondays: 2nd of January and October, 3rd of July and September;
- the equinoxes, by the usual formula (day of March ``20.8431 + 0.242194 (y − 1980) − ⌊(y −
  1980) / 4⌋``, of September ``23.2488 + …``), as the National Astronomical Observatory
  announces them for these years;
- a holiday on a Sunday moves to the next day that is not a holiday (振替休日), and a day between
  two holidays is one (国民の休日);
- the exceptions of 2019 (enthronement) and 2020–2021 (Olympic Games).

Years outside 2007–2099 raise :class:`ValueError`: the caller then cannot skip holidays and must
say so.

>>> sorted(d.isoformat() for d in holidays(2018) if d.month == 9)
['2018-09-17', '2018-09-23', '2018-09-24']
>>> date(2025, 7, 21) in holidays(2025), date(2026, 3, 20) in holidays(2026)
(True, True)
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

__all__ = ["FIRST_YEAR", "LAST_YEAR", "holidays"]

FIRST_YEAR = 2007
LAST_YEAR = 2099

_OLYMPIC = {
    2020: {"umi": date(2020, 7, 23), "sports": date(2020, 7, 24), "yama": date(2020, 8, 10)},
    2021: {"umi": date(2021, 7, 22), "sports": date(2021, 7, 23), "yama": date(2021, 8, 8)},
}


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def _equinox(year: int, base: float) -> int:
    return int(base + 0.242194 * (year - 1980) - (year - 1980) // 4)


@lru_cache(maxsize=128)
def holidays(year: int) -> frozenset[date]:
    """Every national holiday of ``year`` in Japan, substitute and in-between days included.

    Parameters
    ----------
    year
        A year from :data:`FIRST_YEAR` to :data:`LAST_YEAR`.

    Returns
    -------
    frozenset of datetime.date
        The days off.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"Japanese holidays are known here for {FIRST_YEAR}–{LAST_YEAR}, not {year}")
    special = _OLYMPIC.get(year, {})
    days = {
        date(year, 1, 1),
        _nth_monday(year, 1, 2),
        date(year, 2, 11),
        date(year, 3, _equinox(year, 20.8431)),
        date(year, 4, 29),
        date(year, 5, 3),
        date(year, 5, 4),
        date(year, 5, 5),
        special.get("umi", _nth_monday(year, 7, 3)),
        _nth_monday(year, 9, 3),
        date(year, 9, _equinox(year, 23.2488)),
        special.get("sports", _nth_monday(year, 10, 2)),
        date(year, 11, 3),
        date(year, 11, 23),
    }
    if year >= 2016:
        days.add(special.get("yama", date(year, 8, 11)))
    if year >= 2020:
        days.add(date(year, 2, 23))
    elif year <= 2018:
        days.add(date(year, 12, 23))
    if year == 2019:
        days |= {date(2019, 4, 30), date(2019, 5, 1), date(2019, 5, 2), date(2019, 10, 22)}
    for d in sorted(days):  # 振替休日: a holiday on a Sunday moves to the next day that is none
        if d.weekday() == 6:
            nxt = d + timedelta(days=1)
            while nxt in days:
                nxt += timedelta(days=1)
            days.add(nxt)
    for d in sorted(days):  # 国民の休日: a weekday between two holidays
        between = d + timedelta(days=1)
        if between not in days and d + timedelta(days=2) in days and between.weekday() != 6:
            days.add(between)
    return frozenset(days)
