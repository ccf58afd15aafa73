"""Never silently wrong: several messages in one paste, arcs, warnings, unreadable areas (issue 12)."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from geowarn.errors import ParseError
from geowarn.geodesy import GEOD, NM, destination, geodesic_area_km2
from geowarn.sources import detect_format, parse

TWO_NOTAMS = """A1234/23 NOTAMN
Q) ZSHA/QRDCA/IV/BO/W/000/999/2839N12253E020
A) ZSHA B) 2304191215 C) 2304191655
E) A TEMPORARY DANGER AREA ESTABLISHED BOUNDED BY:
N284100E1224400-N283400E1230200-N284500E1231000-N285200E1225200 BACK TO START.
F) SFC G) UNL
A1235/23 NOTAMN
Q) ZSHA/QRDCA/IV/BO/W/000/999/2518N12620E030
A) ZSHA B) 2304201215 C) 2304201655
E) A TEMPORARY DANGER AREA ESTABLISHED BOUNDED BY:
N252000E1260000-N251000E1264000-N250000E1263000-N251000E1255000 BACK TO START.
F) SFC G) UNL
"""


def test_two_notams_in_one_paste_are_two_messages() -> None:
    out = parse(TWO_NOTAMS)
    assert out.format == "notam"
    assert [c.id for c in out.corridors] == ["notam-a1234-23-1", "notam-a1235-23-1"]
    first, second = out.corridors
    assert first.window_start is not None and first.window_start.isoformat() == "2023-04-19T12:15:00+00:00"
    assert second.window_start is not None and second.window_start.isoformat() == "2023-04-20T12:15:00+00:00"
    assert first.geometry.bounds[1] > 28.0 and second.geometry.bounds[3] < 25.6
    assert "A1235/23" not in first.raw and "A1234/23" not in second.raw
    assert [m["message_id"] for m in out.meta["messages"]] == ["A1234/23", "A1235/23"]
    assert out.warnings == []


def test_an_error_in_the_second_message_names_it() -> None:
    bad = TWO_NOTAMS.replace("N251000E1255000 BACK", "N251000E1955000X BACK").replace("N250000E1263000-", "")
    with pytest.raises(ParseError) as exc:
        parse(bad.replace("N252000E1260000-N251000E1264000-N251000E1955000X", "N252000E1260000-N251000E1264000"))
    assert "message 2" in exc.value.detail and exc.value.extra["line"] == 11


TWO_WARNINGS = """HYDROPAC 1234/23(91,92).
EAST CHINA SEA.
1. HAZARDOUS OPERATIONS, ROCKET LAUNCHING
   191218Z TO 191647Z APR
   IN AREA BOUND BY 28-41N 122-44E, 28-34N 123-02E,
   28-45N 123-10E, 28-52N 122-52E.
2. CANCEL THIS MSG 191747Z APR 23.
HYDROPAC 1235/23(91,92).
PHILIPPINE SEA.
1. HAZARDOUS OPERATIONS, SPACE DEBRIS
   191230Z TO 191730Z APR
   IN AREA BOUND BY 20-00N 128-00E, 20-00N 129-00E,
   19-00N 129-00E, 19-00N 128-00E.
2. CANCEL THIS MSG 191830Z APR 23.
"""


def test_two_warnings_in_one_paste_are_two_messages() -> None:
    out = parse(TWO_WARNINGS)
    assert [c.id for c in out.corridors] == ["hydropac-1234-23-1", "hydropac-1235-23-1"] or len(out.corridors) == 2
    a, b = out.corridors
    assert a.source == "HYDROPAC 1234/23" and b.source == "HYDROPAC 1235/23"
    assert a.window_end is not None and a.window_end.isoformat() == "2023-04-19T16:47:00+00:00"
    assert b.window_end is not None and b.window_end.isoformat() == "2023-04-19T17:30:00+00:00"
    assert a.geometry.bounds[1] > 28.0 and b.geometry.bounds[3] < 20.01


def _dms(v: float, width: int, pos: str, neg: str) -> str:
    h = pos if v >= 0 else neg
    s = round(abs(v) * 3600)
    return f"{s // 3600:0{width}d}{s % 3600 // 60:02d}{s % 60:02d}{h}"


def _pt(lat: float, lon: float) -> str:
    return _dms(lat, 2, "N", "S") + _dms(lon, 3, "E", "W")


CENTRE = (28.624722, -80.653889)  # 283729N0803914W


def _tfr(clockwise: bool) -> str:
    north = destination(*CENTRE, 0.0, 30 * NM)
    east = destination(*CENTRE, 90.0, 30 * NM)
    a, b = (north, east) if clockwise else (east, north)
    turn = "CLOCKWISE" if clockwise else "COUNTERCLOCKWISE"
    return (
        "!FDC 3/1234 ZMA FL..AIRSPACE CAPE CANAVERAL, FL..TEMPORARY FLIGHT RESTRICTIONS.\n"
        "PURSUANT TO 49 USC 40103(B)(3), THE FAA CLASSIFIES THE AIRSPACE DEFINED IN THIS NOTAM AS\n"
        "'NATIONAL DEFENSE AIRSPACE'. WI AN AREA DEFINED AS 283729N0803914W TO\n"
        f"{_pt(*a)} THEN {turn} ON A 30 NM ARC CENTERED ON 283729N0803914W TO\n"
        f"{_pt(*b)} TO POINT OF ORIGIN SFC-UNL. SPACE OPERATIONS.\n"
        "EFFECTIVE 2304201300 UTC UNTIL 2304202300 UTC.\n"
    )


def _sector_km2() -> float:
    """The quarter disc from north to east, densified to 0.01° with pyproj Geod."""
    az = np.linspace(0.0, 90.0, 9001)
    lon, lat, _ = GEOD.fwd(np.full_like(az, CENTRE[1]), np.full_like(az, CENTRE[0]), az, np.full_like(az, 30 * NM))
    area, _ = GEOD.polygon_area_perimeter(np.r_[CENTRE[1], lon], np.r_[CENTRE[0], lat])
    return abs(area) / 1e6


@pytest.mark.parametrize("clockwise", [True, False])
def test_tfr_arc_is_an_arc_not_a_chord(clockwise: bool) -> None:
    text = _tfr(clockwise)
    assert detect_format(text) == "notam"
    out = parse(text)
    (c,) = out.corridors
    expected = _sector_km2()
    assert expected == pytest.approx(math.pi * (30 * 1.852) ** 2 / 4, rel=2e-3)  # the flat formula agrees
    assert geodesic_area_km2(c.geometry) == pytest.approx(expected, rel=0.01)
    assert c.properties["arcs"] == 1
    assert c.source == "NOTAM FDC 3/1234"
    assert [(w.start.isoformat(), w.end.isoformat()) for w in c.windows] == [
        ("2023-04-20T13:00:00+00:00", "2023-04-20T23:00:00+00:00")
    ]
    assert out.warnings == []


def test_arc_whose_ends_are_off_its_radius_is_an_error() -> None:
    text = _tfr(True).replace("30 NM ARC", "20 NM ARC")
    with pytest.raises(ParseError, match=r"arc starts .* not at its radius 20\.00 NM"):
        parse(text)


def test_unused_coordinates_and_routes_are_warned() -> None:
    text = (
        "A0419/16 - A TEMPORARY DANGER AREA BOUNDED BY: N194400E1235300-N194300E1245100-N170000E1244800-\n"
        "N170100E1235200 BACK TO START. ROUTE N895 AND W66 CLOSED FROM 1602150000.\n"
        "SFC-UNL, 06 FEB 22:30 2016 UNTIL 14 FEB 03:30 2016"
    )
    out = parse(text)
    assert len(out.corridors) == 1
    got = [(w.line, w.column, w.token) for w in out.warnings]
    assert got == [(2, 47, "W66"), (2, 63, "1602150000")]  # N895 cannot be a latitude: skipped
    assert out.meta["warnings"][1]["reason"] == "looks like a time but starts or ends no window"
    assert "route" in out.warnings[0].reason


def test_a_lone_point_after_an_area_is_an_error() -> None:
    with pytest.raises(ParseError, match="area 2: 1 point"):
        parse("A0419/16 - N194400E1235300-N194300E1245100-N170000E1244800 BACK TO START. REF N200000E1300000.")


def test_unread_area_letter_is_an_error_not_a_merge() -> None:
    text = (
        "NAVAREA XI 0123/16\n1. HAZARDOUS OPERATIONS, ROCKET LAUNCHING\n   062230Z TO 070330Z FEB 16\n"
        "   A. 36-04N 124-30E, 36-04N 124-54E, 35-19N 124-54E, 35-19N 124-30E.\n"
        "   B. 33-16N 124-11E, 33-16N.\n"
    )
    with pytest.raises(ParseError) as exc:
        parse(text)
    assert exc.value.detail == "area B: latitude 33-16N has no longitude after it"


@pytest.mark.parametrize(
    ("text", "radius_nm"),
    [
        ("A0001/23 - WITHIN 5.4 SEA MILES RADIUS OF N392852E0955438. SFC-UNL.", 5.4),
        ("A0001/23 - CIRCLE RADIUS 30NM CENTRE N392852E0955438. SFC-UNL.", 30.0),
        ("NAVAREA XI 0123/16\n1. HAZARDOUS OPERATIONS\n A. WITHIN 5.4 SEA MILES RADIUS OF 24-00N 124-00E.\n", 5.4),
    ],
)
def test_circle_phrasings(text: str, radius_nm: float) -> None:
    (c,) = parse(text).corridors
    assert c.properties["shape"] == "circle" and c.properties["radius_nm"] == radius_nm
    assert geodesic_area_km2(c.geometry) == pytest.approx(math.pi * (radius_nm * 1.852) ** 2, rel=0.01)


def test_spaced_dms_with_hemisphere_after_and_a_trailing_e_dot() -> None:
    text = (
        "HYDROPAC 1234/23\n1. ROCKET LAUNCHING 191218Z TO 191647Z APR 23 IN AREA 44 30 00 S 173 21 36 E,\n"
        "   44 30 00 S 174 21 36 E, 45 30 00 S 174 21 36 E.\n"
    )
    (c,) = parse(text).corridors
    assert c.properties["corners"] == 3
    minx, miny, maxx, _ = c.geometry.bounds
    assert (round(minx, 2), round(miny, 2), round(maxx, 2)) == (173.36, -45.5, 174.36)


NGA_TEXT = """EAST CHINA SEA.
1. HAZARDOUS OPERATIONS, ROCKET LAUNCHING
   191218Z TO 191647Z, ALTERNATE 201153Z TO 201622Z AND 250947Z TO 251416Z APR
   IN AREA BOUND BY 28-41N 122-44E, 28-34N 123-02E,
   28-45N 123-10E, 28-52N 122-52E.
2. CANCEL THIS MSG 251516Z APR 23.
"""


def test_year_and_month_from_the_text_itself() -> None:
    out = parse(NGA_TEXT, format="navwarn")
    (c,) = out.corridors
    assert [(w.start.isoformat(), w.end.isoformat()) for w in c.windows] == [
        ("2023-04-19T12:18:00+00:00", "2023-04-19T16:47:00+00:00"),
        ("2023-04-20T11:53:00+00:00", "2023-04-20T16:22:00+00:00"),
        ("2023-04-25T09:47:00+00:00", "2023-04-25T14:16:00+00:00"),
    ]
    assert "year_assumed" not in out.meta and out.warnings == []


@pytest.mark.parametrize("clause", ["DAILY 19 AND 20 APR 1200Z TO 1600Z", "1200Z TO 1600Z DAILY 19 AND 20 APR"])
def test_daily_list_of_days(clause: str) -> None:
    text = (
        f"HYDROPAC 1234/23\n1. HAZARDOUS OPERATIONS, ROCKET LAUNCHING\n   {clause}\n"
        "   IN AREA BOUND BY 28-41N 122-44E, 28-34N 123-02E,\n   28-45N 123-10E, 28-52N 122-52E.\n"
    )
    out = parse(text)
    (c,) = out.corridors
    assert [(w.start.isoformat(), w.end.isoformat()) for w in c.windows] == [
        ("2023-04-19T12:00:00+00:00", "2023-04-19T16:00:00+00:00"),
        ("2023-04-20T12:00:00+00:00", "2023-04-20T16:00:00+00:00"),
    ]
    assert out.warnings == []


def test_an_unread_time_of_day_is_warned() -> None:
    text = NGA_TEXT.replace("IN AREA BOUND BY", "ALSO 0300Z TO 0500Z ON REQUEST, IN AREA BOUND BY")
    out = parse(text, format="navwarn")
    assert [(w.line, w.token) for w in out.warnings] == [(4, "0300Z"), (4, "0500Z")]


def test_icao_item_d_without_daily_gives_one_window_a_day_across_midnight() -> None:
    text = (
        "A0003/23 NOTAMN\nA) ZBPE B) 2304192200 C) 2304220300\nD) 2200-0300\n"
        "E) CIRCLE RADIUS 5NM CENTRE N392852E0955438\nF) SFC G) UNL\n"
    )
    (c,) = parse(text).corridors
    assert [(w.start.isoformat()[:16], w.end.isoformat()[:16]) for w in c.windows] == [
        ("2023-04-19T22:00", "2023-04-20T03:00"),
        ("2023-04-20T22:00", "2023-04-21T03:00"),
        ("2023-04-21T22:00", "2023-04-22T03:00"),
    ]


MSA = """沪航警238/23
东海 火箭残骸坠落
9月16日0000时至0800时，在下列各点连线范围内的海域有火箭残骸坠落，禁止驶入：
28-41.00N/122-44.00E，28-34.00N/123-02.00E，28-45.00N/123-10.00E，28-52.00N/122-52.00E。
"""


def test_china_msa_warning_in_chinese_beijing_time() -> None:
    assert detect_format(MSA) == "msa"
    out = parse(MSA)
    (c,) = out.corridors
    assert c.id == "msa-sh-238-23-1" and c.properties["corners"] == 4 and c.phase.value == "debris"
    assert [(w.start.isoformat(), w.end.isoformat()) for w in c.windows] == [
        ("2023-09-15T16:00:00+00:00", "2023-09-16T00:00:00+00:00")
    ]
    assert out.meta["message_id"] == "沪航警238/23" and out.warnings == []


def test_china_msa_daily_window_across_midnight() -> None:
    (c,) = parse(MSA.replace("9月16日0000时至0800时", "9月16日至9月18日每日2200时至0400时")).corridors
    assert [w.start.isoformat()[:16] for w in c.windows] == ["2023-09-16T14:00", "2023-09-17T14:00", "2023-09-18T14:00"]
    assert all(w.end - w.start == timedelta(hours=6) for w in c.windows)


def test_an_unreadable_notam_area_is_an_error_naming_it() -> None:
    text = (
        "A0419/16 - AREA A: N194400E1235300-N194300E1245100-N170000E1244800 "
        "AREA B: N194400E1235300-N19430E1245100-N170000E1244800 BACK TO START"
    )
    with pytest.raises(ParseError, match=r"area 2: 'N19430'"):
        parse(text)


def test_every_corpus_warning_has_a_code_whose_catalogue_text_is_its_reason() -> None:
    """Parser warnings carry stable codes (#13): the English catalogue text is the reason, the ja text Japanese."""
    import re
    from pathlib import Path

    from geowarn.i18n import CATALOGUE
    from geowarn.sources.common import warning_reason

    seen = []
    for path in sorted((Path(__file__).parent.parent / "data" / "notices").glob("*.txt")):
        for w in parse(path.read_bytes(), "auto").warnings:
            d = w.to_dict()
            assert f"warning.{d.get('code')}" in CATALOGUE, (path.name, d)
            assert warning_reason(d, "en") == w.reason, (path.name, d)
            ja = warning_reason(d, "ja")
            assert ja != w.reason and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", ja), (path.name, ja)
            assert all(v in ja for v in d.get("values", {}).values()), (path.name, ja)  # the input verbatim
            seen.append(d["code"])
    assert {"dtg_repaired", "inside_not_corner", "not_in_corridor", "circle_part_east", "sunrise_whole_day"} <= set(
        seen
    ), seen
    text = "A0001/23 - N392852E0955438-N385637E0955854-N385000E0960000 BACK TO START. ROUTES N895 AND W66 CLOSED"
    assert [w.code for w in parse(text).warnings] == ["weak_coordinate"]
