"""NOTAMs and press / civil-protection notices (Korean and Japanese included)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest

from geowarn.errors import ParseError
from geowarn.geodesy import geodesic_area_km2
from geowarn.model import Phase
from geowarn.sources import parse
from geowarn.sources.notam import parse_notam
from geowarn.sources.notice import parse_notice

DATA = Path(__file__).parent.parent / "data"

ICAO = """(A1234/23 NOTAMN
Q) RJJJ/QRDCA/IV/BO/W/000/999/2500N12500E100
A) RJJJ B) 2311211500 C) 2311301500
E) ROCKET LAUNCH, FIRST STAGE DROP AREA: 2600N12400E 2600N12500E 2500N12500E 2500N12400E BACK TO START.
AREA B: CIRCLE RADIUS 10NM CENTRED ON 240000N1243000E
F) SFC G) UNL)"""


def test_icao_items() -> None:
    out = parse_notam(ICAO)
    poly, circle = out.corridors
    assert out.meta["message_id"] == "A1234/23"
    assert poly.properties["shape"] == "polygon" and circle.properties["shape"] == "circle"
    assert poly.properties["lower"] == "SFC" and poly.properties["upper"] == "UNL"
    assert poly.windows[0].start == datetime(2023, 11, 21, 15, 0, tzinfo=UTC)
    assert poly.windows[0].end == datetime(2023, 11, 30, 15, 0, tzinfo=UTC)
    assert geodesic_area_km2(circle.geometry) == pytest.approx(math.pi * 18.52**2, rel=0.002)
    # the Q-line's approximate circle (2500N12500E, 100 NM) is not a corridor
    assert len(out.corridors) == 2
    assert poly.phase is Phase.STAGE1


def test_notam_example_items() -> None:
    out = parse((DATA / "notam-2016-kms4-stage2.txt").read_bytes())
    c = out.corridors[0]
    assert (c.properties["lower"], c.properties["upper"]) == ("SFC", "UNL")
    assert c.window_start == datetime(2016, 2, 6, 22, 30, tzinfo=UTC)
    assert c.window_end == datetime(2016, 2, 14, 3, 30, tzinfo=UTC)
    assert out.meta["issued"] == "2016-02-03T07:40:00Z"
    assert "#" not in c.raw and c.raw.startswith("A0419/16")


def test_notamc_cancels() -> None:
    out = parse_notam("A1240/23 NOTAMC A1234/23\nE) CANCELLED")
    assert out.corridors == [] and out.meta["cancels"] == ["A1234/23"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("A0001/23 - N194400E1235300-N194300E1245100 BACK TO START", "area 1: 2 point(s) do not make an area"),
        ("A0001/23 - CIRCLE RADIUS 5NM CENTRED ON NOWHERE", "a circle without a centre point"),
        (
            "A0001/23 - N994400E1235300-N194300E1245100-N170000E1244800 BACK TO START",
            "latitude N994400 is out of range",
        ),
        (
            "A0001/23 - AREA N194400E1235300-N194300E1245100-N170000E1244800. "
            "31 FEB 22:30 2016 UNTIL 14 FEB 03:30 2016",
            "day is out of range",
        ),
    ],
)
def test_notam_errors(text: str, message: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_notam(text)
    assert message in str(err.value)
    assert err.value.line == 1


KOREAN = (
    "북한 위성 발사 예고 (로켓 발사)\n"
    "1단 낙하구역: 북위 36도 04분 동경 124도 30분, 북위 36도 04분 동경 124도 54분, "
    "북위 35도 19분 동경 124도 30분, 북위 35도 19분 동경 124도 54분\n"
    "페어링 낙하구역: 북위 33도 16분 동경 124도 11분, 북위 33도 16분 동경 125도 09분, "
    "북위 32도 22분 동경 124도 11분, 북위 32도 21분 동경 125도 08분\n"
)

JAPANESE = (
    "北朝鮮の人工衛星打ち上げ通報\n"
    "1段目落下区域 北緯36度04分 東経124度30分、北緯36度04分 東経124度54分、"
    "北緯35度19分 東経124度30分、北緯35度19分 東経124度54分\n"
    "フェアリング落下区域 北緯33度16分 東経124度11分、北緯33度16分 東経125度09分、"
    "北緯32度22分 東経124度11分、北緯32度21分 東経125度08分\n"
)


@pytest.mark.parametrize("text", [KOREAN, JAPANESE])
def test_korean_and_japanese_notices(text: str) -> None:
    out = parse(text)
    assert out.format == "dms-notice"
    assert [c.phase for c in out.corridors] == [Phase.STAGE1, Phase.FAIRING]
    ref = parse((DATA / "imo-notice-2016-kms4-dms.txt").read_bytes()).corridors
    for c, r in zip(out.corridors, ref, strict=False):
        assert c.properties["reordered"]
        assert geodesic_area_km2(c.geometry) == pytest.approx(geodesic_area_km2(r.geometry), rel=1e-6)


def test_notice_continuation_lines_circles_and_notes() -> None:
    text = (
        "Splashdown notice\nArea 1: 36°04′N 124°30′E, 36°04′N 124°54′E,\n35°19′N 124°54′E, 35°19′N 124°30′E\n\n"
        "Debris area: radius 20 km around 30°00′N 130°00′E\n"
    )
    a, b = parse_notice(text).corridors
    assert a.properties["corners"] == 4 and a.raw.count("\n") == 2
    assert b.properties["shape"] == "circle"
    assert geodesic_area_km2(b.geometry) == pytest.approx(math.pi * 20**2, rel=0.002)
    assert b.phase is Phase.DEBRIS


def test_advisory_notes_and_default_phase() -> None:
    out = parse((DATA / "ocd-advisory-2016-kms4.txt").read_bytes())
    assert out.corridors[0].properties["note"] == "Approximate distance: 79 nautical miles from Gunsan"
    assert {c.properties["phase_rule"] for c in out.corridors} == {"default"}


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("Title\nZone A: N36 04 E124 30 N36 04 E124 54", "area Zone A: two points do not make an area", 2),
        ("Title\nZone A: N96 04 E124 30 N36 04 E124 54 N35 04 E124 54", "latitude N96 04 is out of range", 2),
        ("nothing to see", "no coordinates found", 1),
    ],
)
def test_notice_errors(text: str, message: str, line: int) -> None:
    with pytest.raises(ParseError) as err:
        parse_notice(text)
    assert message in str(err.value)
    assert err.value.line == line


def test_two_areas_on_one_line_stay_apart() -> None:
    line = (
        "Zone 1: N36 04 E124 30 N36 04 E124 54 N35 19 E124 54 N35 19 E124 30; "
        "Zone 2: N33 16 E124 11 N33 16 E125 09 N32 21 E125 08 N32 22 E124 11"
    )
    a, b = parse_notice(line, format="advisory").corridors
    assert (a.label, b.label) == ("Zone 1", "Zone 2")
    assert not a.geometry.intersects(b.geometry)


def test_notam_daily_schedule() -> None:
    text = ICAO.replace(
        "A) RJJJ B) 2311211500 C) 2311301500", "A) RJJJ B) 2311211500 C) 2311240300\nD) DAILY 1500-0300"
    )
    c = parse_notam(text).corridors[0]
    assert [(w.start.day, w.start.hour, w.end.day, w.end.hour) for w in c.windows] == [
        (21, 15, 22, 3),
        (22, 15, 23, 3),
        (23, 15, 24, 3),
    ]


def test_local_time_windows_use_the_zone_history() -> None:
    """DPRK's "7-14 February, 07:00-12:00 Pyongyang time" (UTC+8:30 in 2016) is 22:30-03:30 UTC."""
    ref = parse((DATA / "imo-notice-2016-kms4-dms.txt").read_bytes()).corridors[0].windows
    text = (DATA / "imo-notice-2016-kms4-dms.txt").read_text()
    local = text.replace("daily 22:30-03:30 UTC", "daily 07:00-12:00 Pyongyang time")
    assert local != text
    assert parse(local, "dms-notice").corridors[0].windows == ref
    # in 2023 Pyongyang was back on UTC+9
    w = parse_notice(
        "Launch 22-30 November 2023, daily 00:00-24:00 KST\nA: N36 04 E124 30 N36 04 E124 54 N35 19 E124 54"
    )
    assert w.corridors[0].windows[0].start == datetime(2023, 11, 21, 15, 0, tzinfo=UTC)
