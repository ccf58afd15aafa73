"""Skeletons of the common notice kinds, selectable on the operator page (issue 13).

Each is a real layout with placeholder serials, times and corners that the parsers read as they
stand (``tests/webapp/test_desk.py`` checks it), so the officer replaces values instead of
typing a layout from memory.

>>> [t.key for t in TEMPLATES]
['navarea', 'notam', 'china-msa', 'profile']
>>> template("notam").mode
'text'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geowarn.errors import NotFound


@dataclass(frozen=True)
class Template:
    """One notice skeleton: ``mode`` (``text`` or ``profile``), ``format`` and the text or profile fields."""

    key: str
    title: str
    mode: str
    format: str
    text: str = ""
    profile: dict[str, str] = field(default_factory=dict)


TEMPLATES: tuple[Template, ...] = (
    Template(
        "navarea",
        "NAVAREA / HYDROPAC warning",
        "text",
        "navwarn",
        "NAVAREA XI 0000/26\n"
        "EAST CHINA SEA.\n"
        "1. HAZARDOUS OPERATIONS, ROCKET LAUNCHING\n"
        "   010100Z TO 010300Z JAN 26\n"
        "   IN AREA BOUND BY:\n"
        "   30-00N 125-00E, 30-00N 126-00E,\n"
        "   29-00N 126-00E, 29-00N 125-00E.\n"
        "2. CANCEL THIS MSG 010400Z JAN 26.\n",
    ),
    Template(
        "notam",
        "ICAO NOTAM (danger area)",
        "text",
        "notam",
        "A0000/26 NOTAMN\n"
        "Q) ZSHA/QRDCA/IV/BO/W/000/999/\n"
        "A) ZSHA B) 2601010100 C) 2601010300\n"
        "E) A TEMPORARY DANGER AREA ESTABLISHED BOUNDED BY:\n"
        "N300000E1250000-N300000E1260000-N290000E1260000-N290000E1250000 BACK TO START.\n"
        "F) SFC G) UNL\n",
    ),
    Template(
        "china-msa",
        "China MSA navigational warning (航行警告)",
        "text",
        "navwarn",
        "沪航警0000/26\n"
        "东海 火箭发射\n"
        "2026年1月1日0900时至1100时，在下列各点连线范围内有航天发射活动，禁止驶入：\n"
        "30-00.00N 125-00.00E、30-00.00N 126-00.00E、29-00.00N 126-00.00E、29-00.00N 125-00.00E。\n",
    ),
    Template(
        "profile",
        "Launch profile (site, azimuth, stages)",
        "profile",
        "profile",
        profile={
            "site_lat": "39.660",
            "site_lon": "124.705",
            "azimuth": "180",
            "track_km": "3000",
            "half_width_km": "50",
            "stage1_km": "380",
            "stage2_km": "2950",
            "window_start": "2026-01-01T01:00:00Z",
            "window_end": "2026-01-01T03:00:00Z",
        },
    ),
)


def template(key: str) -> Template:
    """Look up the template ``key`` (:class:`NotFound` otherwise)."""
    for t in TEMPLATES:
        if t.key == key:
            return t
    raise NotFound(f"no notice template {key!r}; known: {', '.join(t.key for t in TEMPLATES)}")
