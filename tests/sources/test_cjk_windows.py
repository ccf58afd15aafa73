"""Japanese, Korean and Chinese windows in notices (geowarn.sources.cjk_time.find_local_windows).

No real Japan Coast Guard or KHOA text was found in public archives for the corpus, so these
inputs are written for the test (the forms of date, time, zone and daily schedule that such
notices use); the coordinates are the KMS-4 drop area of the shared examples. Every expected
UTC time below is worked out by hand: JST and KST are UTC+9, Beijing time UTC+8.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from geowarn.errors import ParseError
from geowarn.geodesy import NM, geodesic_area_km2
from geowarn.sources import parse
from geowarn.sources.cjk_text import normalise
from geowarn.sources.cjk_time import find_local_windows

AREA_JA = (
    "落下区域 北緯36度04分 東経124度30分、北緯36度04分 東経124度54分、"
    "北緯35度19分 東経124度54分、北緯35度19分 東経124度30分\n"
)
AREA_KO = "낙하구역: 북위 36도 04분 동경 124도 30분, 북위 36도 04분 동경 124도 54분, 북위 35도 19분 동경 124도 54분\n"


def _t(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def _windows(text: str) -> list[tuple[datetime, datetime]]:
    (c,) = parse(text).corridors
    return [(w.start, w.end) for w in c.windows]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("期間 2026年5月27日0時00分から6月4日0時00分まで（日本時間）", [("2026-05-26 15:00", "2026-06-03 15:00")]),
        (
            "２０２６年５月２７日から５月２８日まで毎日０９００時から１２００時まで（ＪＳＴ）",
            [("2026-05-27 00:00", "2026-05-27 03:00"), ("2026-05-28 00:00", "2026-05-28 03:00")],
        ),
        ("2026年5月27日22時00分から04時00分まで（日本時間）", [("2026-05-27 13:00", "2026-05-27 19:00")]),
    ],
)
def test_japanese_windows(when: str, expected: list[tuple[str, str]]) -> None:
    out = parse("北朝鮮の人工衛星打ち上げ通報\n" + when + "\n" + AREA_JA)
    assert out.format == "dms-notice" and out.warnings == []
    assert _windows("北朝鮮の人工衛星打ち上げ通報\n" + when + "\n" + AREA_JA) == [(_t(a), _t(b)) for a, b in expected]
    assert "time_zone_assumed" not in out.meta


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026년 5월 27일 09:00 ~ 12:00 (한국시간)", [("2026-05-27 00:00", "2026-05-27 03:00")]),
        (
            "2026년 12월 31일 ~ 1월 1일 매일 23:00 ~ 01:00 KST",
            [("2026-12-31 14:00", "2026-12-31 16:00"), ("2027-01-01 14:00", "2027-01-01 16:00")],
        ),
        ("2026.5.27.(수) 07:00~12:00 KST", [("2026-05-26 22:00", "2026-05-27 03:00")]),
    ],
)
def test_korean_windows(when: str, expected: list[tuple[str, str]]) -> None:
    text = "위성 발사 예고\n" + when + "\n" + AREA_KO
    assert _windows(text) == [(_t(a), _t(b)) for a, b in expected]
    assert parse(text).warnings == []


def test_a_window_without_a_zone_takes_the_scripts_and_says_so() -> None:
    out = parse("위성 발사 예고\n2026년 5월 27일 09:00 ~ 12:00\n" + AREA_KO)
    assert [(w.start, w.end) for w in out.corridors[0].windows] == [(_t("2026-05-27 00:00"), _t("2026-05-27 03:00"))]
    assert out.meta["time_zone_assumed"] == "Asia/Seoul"


def test_a_window_without_a_year_is_an_error_naming_it_not_this_year() -> None:
    with pytest.raises(ParseError, match=r"line 2, column 1: window '5月27日0時00分から12時00分まで' has no year"):
        parse("通報\n5月27日0時00分から12時00分まで\n" + AREA_JA)


def test_an_open_ended_time_is_a_warning() -> None:
    out = parse("통보\n2026년 5월 27일 09:00부터\n" + AREA_KO)
    assert out.corridors[0].windows == ()
    assert [(w.line, w.column, w.token) for w in out.warnings] == [(2, 7, "5월 27일"), (2, 14, "09:00")]


def test_korean_radius_in_miles_is_nautical() -> None:
    (c,) = parse("경보\n위험구역: 북위 36도 04분 동경 124도 30분 중심 반경 5마일\n").corridors
    assert c.properties["radius_nm"] == 5.0
    assert geodesic_area_km2(c.geometry) == pytest.approx(3.14159265 * (5 * NM / 1000) ** 2, rel=0.01)


def test_zone_written_wins_over_the_default() -> None:
    ((_, _, (w,), assumed),) = find_local_windows(normalise("9月16日0000时至0800时 UTC").text, 2026, "Asia/Shanghai")
    assert (w.start, w.end, assumed) == (_t("2026-09-16 00:00"), _t("2026-09-16 08:00"), False)
