"""Forms seen in the real corpus (issue 12), each read on its real text (tests/data/notices).

Expected values are written from the text by hand; the corpus file names say where each came from.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from geowarn.errors import ParseError
from geowarn.geodesy import GEOD, NM
from geowarn.sources import parse
from geowarn.sources.coords import rejoin_broken_points

CORPUS = Path(__file__).parent.parent / "data" / "notices"


def _read(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def _utc(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def _windows(text: str) -> list[tuple[datetime, datetime]]:
    (c,) = parse(text).corridors
    return [(w.start, w.end) for w in c.windows]


AREA = "E) CIRCLE RADIUS 5NM CENTRE N392852E0955438\nF) SFC G) UNL\n"


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (  # NOTAM A3520/24 (ZLHW): three ranges on one day
            "B) 2410250231 C) 2410250725\nD) 0231-0328 0417-0532 0603-0725\n",
            [
                ("2024-10-25 02:31", "2024-10-25 03:28"),
                ("2024-10-25 04:17", "2024-10-25 05:32"),
                ("2024-10-25 06:03", "2024-10-25 07:25"),
            ],
        ),
        (  # NOTAM A4531/25 (ZWUQ): times first, then the days they fall on
            "B) 2512040253 C) 2512050723\nD) 0253-0403 AND 0729-0839 ON 04,0613-0723 ON 05\n",
            [
                ("2025-12-04 02:53", "2025-12-04 04:03"),
                ("2025-12-04 07:29", "2025-12-04 08:39"),
                ("2025-12-05 06:13", "2025-12-05 07:23"),
            ],
        ),
        (  # days of the month, the month and year from B)
            "B) 2503010000 C) 2503072359\nD) 01 05 07 0100-0300\n",
            [
                ("2025-03-01 01:00", "2025-03-01 03:00"),
                ("2025-03-05 01:00", "2025-03-05 03:00"),
                ("2025-03-07 01:00", "2025-03-07 03:00"),
            ],
        ),
        (
            "B) 2503010000 C) 2503032359\nD) MAR 01-03 0700-1300\n",
            [
                ("2025-03-01 07:00", "2025-03-01 13:00"),
                ("2025-03-02 07:00", "2025-03-02 13:00"),
                ("2025-03-03 07:00", "2025-03-03 13:00"),
            ],
        ),
        (  # a date list into the next year: JAN after a DEC B) is January of the next year
            "B) 2512300000 C) 2601022359\nD) DEC 31 JAN 02 2200-0200\n",
            [("2025-12-31 22:00", "2026-01-01 02:00"), ("2026-01-02 22:00", "2026-01-02 23:59")],
        ),
        (  # 3 MAR 2025 is a Monday
            "B) 2503030000 C) 2503092359\nD) MON-WED 0800-1700\n",
            [
                ("2025-03-03 08:00", "2025-03-03 17:00"),
                ("2025-03-04 08:00", "2025-03-04 17:00"),
                ("2025-03-05 08:00", "2025-03-05 17:00"),
            ],
        ),
    ],
)
def test_item_d_schedules(items: str, expected: list[tuple[str, str]]) -> None:
    text = f"A0001/25 NOTAMN\nA) ZBPE {items}{AREA}"
    assert _windows(text) == [(_utc(a), _utc(b)) for a, b in expected]


def test_an_item_d_that_cannot_be_read_is_an_error_naming_it() -> None:
    text = f"A0001/25 NOTAMN\nA) ZBPE B) 2503010000 C) 2503032359\nD) SR-SS\n{AREA}"
    with pytest.raises(ParseError, match=r"item D\) 'SR-SS': 'SR-SS' is not read") as exc:
        parse(text)
    assert exc.value.line == 3


def test_a_corner_cut_by_a_line_break_is_read_whole() -> None:
    text = _read("notam-a3520-24-zlhw-three-windows.txt")
    assert "N39\n5205E1020948" in text
    joined = rejoin_broken_points(text.upper())
    assert len(joined) == len(text) and joined.count("\n") == text.count("\n")
    out = parse(text)
    (c,) = out.corridors
    assert c.properties["corners"] == 5 and out.warnings == []
    lat, lon = 39 + 52 / 60 + 5 / 3600, 102 + 9 / 60 + 48 / 3600  # N395205E1020948
    assert any(abs(x - lon) < 1e-6 and abs(y - lat) < 1e-6 for x, y in c.geometry.exterior.coords)


def test_a_fall_point_inside_the_area_is_warned_not_used_as_a_corner() -> None:
    out = parse(_read("notam-a0215-24-vyyf-myanmar.txt"))
    (c,) = out.corridors
    assert c.properties["corners"] == 4
    assert [(w.line, w.column, w.token) for w in out.warnings] == [(10, 50, "N1718E09338")]
    assert "none of its corners" in out.warnings[0].reason
    # air routes P646 and N895/G472 in the same text are no coordinates and not warned either


def test_routes_and_flight_levels_are_no_coordinates() -> None:
    out = parse(_read("notam-a0333-25-vvhm-vietnam.txt"))  # M771, N500, N892, SFC-UNL
    assert [c.properties["corners"] for c in out.corridors] == [6] and out.warnings == []
    out = parse(_read("notam-b4786-24-rphi-dropsondes.txt"))  # B20001, DOTS100, 41000FT, FL410
    assert out.corridors[0].properties["upper"] == "FL410" and out.warnings == []


def test_several_areas_in_one_e_item_each_with_its_own_raw() -> None:
    text = (  # the numbered layout of Russian NOTAMs (form only; corners as published there)
        "X1926/26 NOTAMN\nA) ULLL B) 2607140900 C) 2607182059\nE) AIRSPACE CLSD WI AREA:\n"
        "1. 625500N0470000E-625000N0485000E-622500N0484500E-623000N0470000E-625500N0470000E.\n"
        "2. 621200N0510400E-615900N0522100E-622400N0524100E-623700N0512400E-621200N0510400E.\n"
        "F) GND G) UNL\n"
    )
    out = parse(text)
    a, b = out.corridors
    assert (a.id, b.id) == ("notam-x1926-26-1", "notam-x1926-26-2")
    assert "1. 625500N0470000E" in a.raw and "621200N0510400E" not in a.raw
    assert "2. 621200N0510400E" in b.raw and "625500N0470000E" not in b.raw
    assert a.raw.splitlines()[0] == "X1926/26 NOTAMN" and a.raw.splitlines()[-1] == "F) GND G) UNL"
    assert out.warnings == []


def test_faa_radius_of_a_point_and_the_validity_at_the_end() -> None:
    out = parse(_read("faa-tfr-fdc-1-6176-boise-rocket-circle.txt"))
    (c,) = out.corridors
    assert c.properties["shape"] == "circle" and c.properties["radius_nm"] == 1.7
    assert [(w.start, w.end) for w in c.windows] == [(_utc("2021-04-10 16:00"), _utc("2021-04-10 20:00"))]
    assert out.warnings == []


def test_an_arc_is_drawn_at_its_stated_radius() -> None:
    (c,) = parse(_read("faa-tfr-fdc-1-4530-cape-canaveral-arc.txt")).corridors
    clat, clon = 28 + 37 / 60 + 3 / 3600, -(80 + 36 / 60 + 47 / 3600)  # 283703N0803647W
    xs, ys = zip(*c.geometry.exterior.coords, strict=True)
    _, _, dist = GEOD.inv([clon] * len(xs), [clat] * len(xs), xs, ys)
    on_arc = [d for d in dist if abs(d - 30 * NM) < 1.0]
    assert len(on_arc) >= 90  # the densified arc, every point of it 30 NM from the centre
    assert c.properties["arc_centres"] == [[pytest.approx(clat, abs=1e-6), pytest.approx(clon, abs=1e-6)]]


def test_a_radius_in_words() -> None:
    a, b = parse(_read("nga-json-hydropac-1201-23-guam-circles.txt")).corridors
    assert a.properties["radius_nm"] == b.properties["radius_nm"] == 3.0


def test_the_date_time_group_above_the_id_is_the_issue_date() -> None:
    out = parse(_read("nga-navarea-xii-813-25-california-two-schedules.txt"))
    assert out.meta["issued"] == "2025-12-07T20:32:00Z" and out.warnings == []


def test_daily_days_before_the_areas_and_times_in_each_area() -> None:
    a, b, c = parse(_read("nga-navarea-iv-1370-25-debris-per-area-times.txt")).corridors
    assert len(a.windows) == len(b.windows) == len(c.windows) == 31  # 17 DEC THRU 16 JAN 26
    assert (c.windows[0].start, c.windows[-1].end) == (_utc("2025-12-17 04:58"), _utc("2026-01-16 06:55"))


def test_a_date_time_group_missing_a_digit_is_read_when_one_reading_fits_and_always_warned() -> None:
    text = _read("nga-hydropac-3317-25-japan-garbled-dtg.txt")
    out = parse(text)
    got = {(w.line, w.token): w.reason for w in out.warnings}
    assert set(got) == {(8, "17212Z"), (14, "17216Z")}
    assert "read as 170212Z" in got[(8, "17212Z")] and "read as 170216Z" in got[(14, "17216Z")]
    assert (out.corridors[0].windows[0].start, out.corridors[0].windows[0].end) == (
        _utc("2025-12-17 02:12"),
        _utc("2025-12-17 03:25"),
    )
    # a group two readings fit (02:12 or 12:12 both start before 23:59) stays unread, and warned
    ambiguous = parse(text.replace("170325Z DEC", "172359Z DEC", 1))
    assert len(ambiguous.corridors[0].windows) == 7  # the daily ones only
    assert "not read" in {(w.line, w.token): w.reason for w in ambiguous.warnings}[(8, "17212Z")]


def test_a_range_of_days_without_times() -> None:
    (c,) = parse(_read("nga-json-navarea-xii-762-23-trackline-antimeridian.txt")).corridors
    assert [(w.start, w.end) for w in c.windows] == [(_utc("2023-11-01 00:00"), _utc("2023-11-24 00:00"))]
    assert c.properties["shape"] == "track" and c.geometry.geom_type == "MultiPolygon"  # cut at 180°


def test_a_notam_in_two_parts_is_one_message_and_its_waypoint_no_corner() -> None:
    text = _read("paste-a0380-25-vvhm-two-parts.txt")
    assert text.count("A0380/25 NOTAMN") == 2
    out = parse(text)
    (c,) = out.corridors
    assert c.id == "notam-a0380-25-1" and c.properties["corners"] == 5
    assert [(w.line, w.token) for w in out.warnings] == [(18, "095500N1102000E"), (33, "095500N1102000E")]


def test_a_time_range_in_the_text_that_starts_or_ends_no_window_is_warned() -> None:
    text = _read("notam-a0215-24-vyyf-myanmar.txt")
    assert parse(text).warnings[0].token == "N1718E09338"  # E)'s "(2200-0200 NEXT DAY)" agrees with D) 2200-0200
    changed = text.replace("D) 2200-0200", "D) 2300-0300")
    got = [(w.line, w.token) for w in parse(changed).warnings]
    assert (8, "2200-0200") in got and (4, "2300-0300") not in got


def test_sunrise_and_sunset_are_warned() -> None:
    text = (  # HYDROLANT 13/23 (marlin-ios navwarnings.json): its window clause, its first three corners
        "HYDROLANT 13/23\n1. HAZARDOUS OPERATIONS SUNRISE TO SUNSET\n   01 JAN THRU 14 JUN AND 16 SEP THRU 31 DEC\n"
        "   IN AREA BOUND BY\n   38-16.00N 025-21.00E, 37-46.00N 025-49.00E,\n   37-34.00N 025-23.00E.\n"
    )
    out = parse(text)
    assert [(w.line, w.token) for w in out.warnings] == [(2, "SUNRISE"), (2, "SUNSET")]


def test_an_estimated_end_is_kept_in_meta() -> None:
    text = "A0001/25 NOTAMN\nA) ZBPE B) 2503010000 C) 2503032359 EST\n" + AREA
    out = parse(text)
    assert out.meta["end_estimated"] is True and out.corridors[0].window_end == _utc("2025-03-03 23:59")


def test_a_notam_id_is_no_coordinate() -> None:
    out = parse(_read("notam-e3847-25-ymmm-area-pi.txt"))  # E3847/25 is not a longitude E38°47'
    assert [c.properties["corners"] for c in out.corridors] == [5] and out.warnings == []
    # a NOTAM of series S or E referred to inside E) is no coordinate either
    text = _read("notam-a0511-25-wiif-indonesia.txt").replace("REF NOTAM YMMM F0727/25", "REF NOTAM YMMM E3772/25")
    out = parse(text)
    assert [c.properties["corners"] for c in out.corridors] == [6] and out.warnings == []


def test_compact_points_with_the_hemisphere_after_a_dash() -> None:
    (c,) = parse(_read("notam-e3928-25-ymmm-ddmm-dashes.txt")).corridors  # 3046S10344E -3327S10315E
    xs, ys = zip(*c.geometry.exterior.coords, strict=True)
    assert any(abs(y + (33 + 27 / 60)) < 1e-6 and abs(x - (103 + 15 / 60)) < 1e-6 for x, y in zip(xs, ys, strict=True))


def test_a_sector_and_a_line_with_a_width() -> None:
    (s,) = parse(_read("notam-q1507-25-ulll-sector.txt")).corridors
    assert s.properties["shape"] == "sector" and s.properties["azimuths"] == [321.0, 144.0]
    clat, clon = 61 + 4 / 60 + 24 / 3600, 33 + 10 / 60 + 23 / 3600  # 610424N0331023E
    xs, ys = zip(*s.geometry.exterior.coords, strict=True)
    az, _, dist = GEOD.inv([clon] * len(xs), [clat] * len(xs), xs, ys)
    rim = [a % 360 for a, d in zip(az, dist, strict=True) if abs(d - 8000.0) < 1.0]
    assert len(rim) >= 100 and max(dist) < 8001.0  # the arc, densified; the radial edges inside it
    assert all(a >= 321.0 - 1e-3 or a <= 144.0 + 1e-3 for a in rim)  # clockwise from 321 through north to 144
    (t,) = parse(_read("notam-q1423-25-ulll-line-with-width.txt")).corridors
    assert t.properties["shape"] == "track" and t.properties["half_width_nm"] == round(1000 / NM, 3)


def test_each_area_keeps_its_own_vertical_limits() -> None:
    # NOTAM Q1579/25: F) SFC G) 290M AMSL is only the envelope of its six areas
    out = parse(_read("notam-q1579-25-ulll-area-and-five-circles.txt"))
    got = [(c.properties["lower"], c.properties["upper"]) for c in out.corridors]
    assert got == [("250M AMSL", "290M AMSL")] + [("SFC", "290M AMSL")] * 5
    # NOTAM Q1654/25: five areas, five different layers between GND and FL200
    out = parse(_read("notam-q1654-25-ulll-five-areas.txt"))
    assert [(c.properties["lower"], c.properties["upper"]) for c in out.corridors] == [
        ("GND", "300M AMSL"),
        ("GND", "FL060"),
        ("2700M AMSL", "FL200"),
        ("1500M AMSL", "FL200"),
        ("GND", "400M AMSL"),
    ]
    # a NOTAM whose areas give no limits of their own keeps F) and G)
    (c,) = parse(_read("notam-q1507-25-ulll-sector.txt")).corridors
    assert (c.properties["lower"], c.properties["upper"]) == ("SFC", "1500M AMSL") and "limits" not in c.properties


def test_an_ellipse_is_read_with_its_full_axes_and_an_unread_one_is_an_error() -> None:
    text = _read("notam-q1760-25-ulll-ellipse.txt")
    (c,) = parse(text).corridors
    assert c.properties["shape"] == "ellipse" and c.properties["axes_m"] == [2800.0, 1300.0]
    # the area of an ellipse of semi-axes 1.4 km and 0.65 km is pi a b
    assert abs(GEOD.geometry_area_perimeter(c.geometry)[0]) == pytest.approx(3.141592653589793 * 1400 * 650, rel=0.005)
    # the far end of the major axis lies 1.4 km from the centre along 141 degrees
    lon, lat, _ = GEOD.fwd(30 + 44 / 60 + 38 / 3600, 58 + 46 / 60 + 22 / 3600, 141.0, 1400.0)
    xs, ys = c.geometry.exterior.xy
    assert min(GEOD.inv(lon, lat, x, y)[2] for x, y in zip(xs, ys, strict=True)) < 20.0
    with pytest.raises(ParseError, match=r"line 6, column 5: an ELLIPSE not read"):
        parse(text.replace("\n    AZM OF MAJOR AXIS 141DEG", ""))


def test_a_rocket_launching_area_is_not_given_its_neighbours_debris_phase() -> None:
    # HYDROPAC 3215/25: "A. ROCKET LAUNCHING IN AREA …" then "B. SPACE DEBRIS IN AREA …"
    a, b = parse(_read("nga-hydropac-3215-25-launch-and-debris.txt")).corridors
    assert (a.phase.value, b.phase.value) == ("other", "debris")


def test_a_chinese_window_in_a_warning_without_a_year_is_an_error_not_this_year() -> None:
    text = "HAZARDOUS OPERATIONS 9月16日0000时至0800时 IN AREA BOUND BY 36-04N 124-30E, 36-04N 124-54E, 35-19N 124-54E."
    with pytest.raises(ParseError, match=r"line 1, column 22: window '9月16日0000时至0800时' has no year"):
        parse(text, "navwarn")
    (c,) = parse("NAVAREA XI 0123/23\n" + text, "navwarn").corridors  # the serial's year: 2023, Beijing time
    assert [(w.start, w.end) for w in c.windows] == [(_utc("2023-09-15 16:00"), _utc("2023-09-16 00:00"))]
