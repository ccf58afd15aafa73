"""Navigational warnings: shapes, windows, cancels, phases, raw lines and error messages."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
import shapely

from geowarn.errors import ParseError
from geowarn.geodesy import GEOD, NM, geodesic_area_km2, geodesic_distance_m
from geowarn.model import Phase
from geowarn.sources.navwarn import DEFAULT_TRACK_HALF_WIDTH_NM, parse_navwarn, parse_nga_json


def t(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


HEAD = "NAVAREA IV 1170/22 181200Z NOV 22\nWESTERN NORTH ATLANTIC.\n1. HAZARDOUS OPERATIONS, ROCKET LAUNCHING\n"


def test_windows_with_alternates_and_daily() -> None:
    text = HEAD + (
        "   121606Z TO 121854Z NOV, ALTERNATE\n   131606Z TO 131854Z NOV AND 1607Z TO 1854Z DAILY 14 THRU 18 NOV\n"
        "   IN AREA BOUND BY 28-30N 080-30W, 28-30N 079-30W, 27-30N 079-30W, 27-30N 080-30W.\n"
        "2. CANCEL NAVAREA IV 1165/22.\n3. CANCEL THIS MSG 181954Z NOV 22.\n"
    )
    out = parse_navwarn(text)
    c = out.corridors[0]
    assert c.windows[0].start == t(2022, 11, 12, 16, 6) and c.windows[0].end == t(2022, 11, 12, 18, 54)
    assert c.windows[1].start == t(2022, 11, 13, 16, 6)
    assert [w.start.day for w in c.windows[2:]] == [14, 15, 16, 17, 18]
    assert c.windows[-1].end == t(2022, 11, 18, 18, 54)
    assert out.meta["cancels"] == ["NAVAREA IV 1165/22"]
    assert out.meta["cancel_at"] == "2022-11-18T19:54:00Z"
    assert out.meta["message_id"] == "NAVAREA IV 1170/22"
    assert out.meta["issued"] == "2022-11-18T12:00:00Z"
    assert c.id == "navarea-iv-1170-22-1"


def test_month_and_year_rollover_from_issue_date() -> None:
    text = (
        "NAVAREA XI 0900/22 281200Z DEC 22\n1. SPACE DEBRIS\n   302200Z TO 010400Z JAN\n"
        "   IN AREA BOUND BY 10-00N 130-00E, 10-00N 131-00E, 09-00N 131-00E.\n"
    )
    c = parse_navwarn(text).corridors[0]
    assert c.windows[0].start == t(2022, 12, 30, 22, 0)
    assert c.windows[0].end == t(2023, 1, 1, 4, 0)


def test_daily_window_across_months_and_issued_argument() -> None:
    text = (
        "HYDROPAC 0100/24\n1. ROCKET LAUNCHING\n   2230Z TO 0330Z DAILY 30 JAN THRU 02 FEB\n"
        "   A. 10-00N 130-00E, 10-00N 131-00E, 09-00N 131-00E.\n"
    )
    c = parse_navwarn(text, issued=datetime(2024, 1, 28, tzinfo=UTC)).corridors[0]
    assert [w.start for w in c.windows] == [
        t(2024, 1, 30, 22, 30),
        t(2024, 1, 31, 22, 30),
        t(2024, 2, 1, 22, 30),
        t(2024, 2, 2, 22, 30),
    ]
    assert c.windows[-1].end == t(2024, 2, 3, 3, 30)


def test_circle_is_geodesic() -> None:
    text = "NAVAREA XI 0123/16\n1. SPACE DEBRIS\n   A. CIRCLE RADIUS 20 NM CENTERED ON 24-00N 124-00E.\n"
    c = parse_navwarn(text).corridors[0]
    assert c.properties["shape"] == "circle" and c.properties["radius_nm"] == 20
    assert geodesic_area_km2(c.geometry) == pytest.approx(math.pi * (20 * 1.852) ** 2, rel=0.002)
    centre = shapely.Point(124, 24)
    for x, y in list(c.geometry.exterior.coords)[::17]:
        assert geodesic_distance_m(centre, shapely.Point(x, y)) == pytest.approx(20 * NM, rel=1e-3)


def test_trackline_default_and_stated_half_width() -> None:
    base = (
        "NAVAREA XI 0200/23\n1. CABLE OPERATIONS\n"
        "   A. {} TRACKLINE JOINING 30-00N 130-00E, 31-00N 131-00E, 32-00N 131-00E.\n"
    )
    c = parse_navwarn(base.format("")).corridors[0]
    assert c.properties["half_width_nm"] == DEFAULT_TRACK_HALF_WIDTH_NM and c.properties["half_width_default"]
    wide = parse_navwarn(base.format("WITHIN 10 MILES OF")).corridors[0]
    assert wide.properties["half_width_nm"] == 10
    # a swath with round caps: area = 2 r L + pi r^2 (L = geodesic track length)
    length_km = GEOD.line_length([130, 131, 131], [30, 31, 32]) / 1000
    for corridor, r_nm in ((c, DEFAULT_TRACK_HALF_WIDTH_NM), (wide, 10)):
        r = r_nm * 1.852
        assert geodesic_area_km2(corridor.geometry) == pytest.approx(2 * r * length_km + math.pi * r * r, rel=0.01)


def test_lettered_areas_raw_lines_and_phases() -> None:
    text = (
        "NAVAREA XI 0300/23\nEAST CHINA SEA.\n1. ROCKET LAUNCHING\n   IN AREAS BOUND BY:\n"
        "   A. FIRST STAGE 30-00N 125-00E, 30-00N 126-00E,\n      29-00N 126-00E, 29-00N 125-00E.\n"
        "   B. FAIRING 28-00N 125-00E, 28-00N 126-00E, 27-00N 126-00E.\n"
        "2. CANCEL THIS MSG 010000Z JAN 24.\n"
    )
    out = parse_navwarn(text)
    a, b = out.corridors
    assert (a.phase, b.phase) == (Phase.STAGE1, Phase.FAIRING)
    assert a.raw.splitlines() == [
        "NAVAREA XI 0300/23",
        "EAST CHINA SEA.",
        "1. ROCKET LAUNCHING",
        "   IN AREAS BOUND BY:",
        "   A. FIRST STAGE 30-00N 125-00E, 30-00N 126-00E,",
        "      29-00N 126-00E, 29-00N 125-00E.",
    ]
    assert b.raw.splitlines()[-1] == "   B. FAIRING 28-00N 125-00E, 28-00N 126-00E, 27-00N 126-00E."


def test_three_areas_without_rocket_words_are_debris() -> None:
    text = (
        "NAVAREA XI 0301/23\n1. HAZARDOUS OPERATIONS\n"
        "   A. 30-00N 125-00E, 30-00N 126-00E, 29-00N 126-00E.\n"
        "   B. 28-00N 125-00E, 28-00N 126-00E, 27-00N 126-00E.\n"
        "   C. 26-00N 125-00E, 26-00N 126-00E, 25-00N 126-00E.\n"
    )
    assert {c.phase for c in parse_navwarn(text).corridors} == {Phase.DEBRIS}


def test_cancel_only_message() -> None:
    out = parse_navwarn("NAVAREA XI 0125/16\n1. CANCEL NAVAREA XI 0123/16, 0124/16 AND THIS MSG.\n")
    assert out.corridors == []
    assert out.meta["cancels"] == ["NAVAREA XI 0123/16", "NAVAREA XI 0124/16"]


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ("   A. 95-10N 124-30E, 36-04N 124-54E, 35-19N 124-54E.", "area A: latitude 95-10N is out of range", 4),
        (
            "   TO 121854Z NOV\n   A. 36-04N 124-30E, 36-04N 124-54E, 35-19N 124-54E.",
            "window 'TO 121854Z NOV' has no start",
            4,
        ),
        ("   121606Z TO\n   A. 36-04N 124-30E, 36-04N 124-54E, 35-19N 124-54E.", "window '121606Z TO' has no end", 4),
        (
            "   311606Z TO 311854Z NOV\n   A. 36-04N 124-30E, 36-04N 124-54E, 35-19N 124-54E.",
            "day 31 is not in NOV 2016",
            4,
        ),
        ("   B. 36-04N 124-30E, 36-04N 124-54E.", "area B: two points do not make an area", 4),
        ("   C. 36-04N 124-30E.", "area C: a single point without a radius", 4),
        (
            "   D. 36-04N 124-30E, 36-04N 124-54E, 35-19N 124-30E, 35-19N 124-54E, 35-40N 124-40E.",
            "area D: the corners as listed cross each other",
            4,
        ),
        ("   E. 36-04N 124-30E, 36-04E 124-54N, 35-19N 124-54E.", "area E: latitude 124-54N is out of range", 4),
        ("   NOTHING HERE", "no areas found", 1),
        (
            "   F. CIRCLE RADIUS 200 NM CENTERED ON 89-00N 000-00E.",
            "area F: the circle reaches within 112 km of a pole",
            4,
        ),
    ],
)
def test_errors_are_human_and_located(body: str, message: str, line: int) -> None:
    text = "NAVAREA XI 0123/16\nEAST CHINA SEA.\n1. ROCKET LAUNCHING\n" + body + "\n"
    with pytest.raises(ParseError) as err:
        parse_navwarn(text)
    assert message in str(err.value)
    assert err.value.line == line


def test_nga_json_errors_carry_a_json_path() -> None:
    rec = {
        "msgYear": 2016,
        "msgNumber": 1,
        "navArea": "P",
        "text": "1. ROCKET\n A. 95-00N 124-00E, 1-00N 2-00E, 3-00N 4-00E.",
    }
    with pytest.raises(ParseError) as err:
        parse_nga_json(json.dumps({"broadcast-warn": [rec]}))
    assert err.value.path == "$['broadcast-warn'][0].text"
    assert err.value.line == 2
    with pytest.raises(ParseError) as err:
        parse_nga_json('{"broadcast-warn": [{"msgYear": 2016}]}')
    assert err.value.path == "$['broadcast-warn'][0]"
    with pytest.raises(ParseError) as err:
        parse_nga_json('{"broadcast-warn": [')
    assert err.value.line == 1


def test_navtex_header() -> None:
    text = (
        "ZCZC JA12\n110900 UTC FEB 16\nJAPANESE NAVTEX.\n"
        "SPACE DEBRIS IN AREA BOUND BY 30-00N 130-00E, 30-00N 131-00E, 29-00N 131-00E.\nNNNN\n"
    )
    out = parse_navwarn(text)
    assert out.meta["message_id"] == "NAVTEX JA12"
    assert out.corridors[0].phase is Phase.DEBRIS


def test_area_labels_and_daily_first() -> None:
    text = (
        "NAVAREA XI 0400/24 100000Z MAR 24\n1. ROCKET LAUNCHING\n   DAILY 2230Z TO 0330Z 11 THRU 12 MAR\n"
        "   AREA 1: 30-00N 125-00E, 30-00N 126-00E, 29-00N 126-00E.\n"
        "   AREA 2: 28-00N 125-00E, 28-00N 126-00E, 27-00N 126-00E.\n"
    )
    out = parse_navwarn(text)
    assert [c.id for c in out.corridors] == ["navarea-xi-0400-24-1", "navarea-xi-0400-24-2"]
    assert [(w.start, w.end) for w in out.corridors[0].windows] == [
        (t(2024, 3, 11, 22, 30), t(2024, 3, 12, 3, 30)),
        (t(2024, 3, 12, 22, 30), t(2024, 3, 13, 3, 30)),
    ]


def test_trailing_window_is_shared_and_repeated_labels_get_unique_ids() -> None:
    text = (
        "NAVAREA XI 0500/24\n1. ROCKET LAUNCHING IN AREAS BOUND BY\n"
        "   A. 30-00N 125-00E, 30-00N 126-00E, 29-00N 126-00E.\n"
        "   B. 28-00N 125-00E, 28-00N 126-00E, 27-00N 126-00E.\n"
        "   121606Z TO 121854Z NOV.\n"
        "2. SPACE DEBRIS IN AREA BOUND BY\n"
        "   A. 20-00N 125-00E, 20-00N 126-00E, 19-00N 126-00E.\n"
    )
    out = parse_navwarn(text)
    assert [c.id for c in out.corridors] == ["navarea-xi-0500-24-a", "navarea-xi-0500-24-b", "navarea-xi-0500-24-a-2"]
    a, b, _ = out.corridors
    assert a.windows == b.windows and len(a.windows) == 1


def test_windows_written_inside_an_area_are_its_own() -> None:
    text = (
        "NAVAREA XI 0501/24 100000Z NOV 24\n1. ROCKET LAUNCHING IN AREAS BOUND BY\n"
        "   A. 121606Z TO 121854Z NOV 30-00N 125-00E, 30-00N 126-00E, 29-00N 126-00E.\n"
        "   B. 131606Z TO 131854Z NOV 28-00N 125-00E, 28-00N 126-00E, 27-00N 126-00E.\n"
    )
    a, b = parse_navwarn(text).corridors
    assert [w.start.day for w in a.windows] == [12]
    assert [w.start.day for w in b.windows] == [13]
