"""China MSA warnings (geowarn.sources.msa): real texts from the corpus, and edits of them.

Expectations are worked out by hand from the texts (Beijing time is UTC+8).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from geowarn.errors import ParseError
from geowarn.geodesy import GEOD, NM
from geowarn.sources import detect_format, parse

CORPUS = Path(__file__).parent.parent / "data" / "notices"


def _text(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8").strip()


ZJ841 = _text("msa-zhe-841-26-rocket-debris.txt")
HN182 = _text("msa-hn-182-26-rocket-firing-en.txt")
HU722 = _text("msa-hu-722-26-rocket-launch-sector.txt")


def _t(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def test_chinese_and_english_twins_pasted_together_are_two_warnings_with_their_own_ids() -> None:
    twin = _text("msa-qiong-190-26-rocket-launch-daily.txt")
    out = parse(twin + "\n" + HN182)
    assert out.format == "msa"
    assert [c.id for c in out.corridors] == ["msa-hn-190-26-1", "msa-hn182-26-1"]
    # 10 and 11 Oct 0230-0430 Beijing time == 9 and 10 Oct 1830-2030 UTC: the twins agree
    for c in out.corridors:
        assert [(w.start, w.end) for w in c.windows] == [
            (_t("2026-10-09 18:30"), _t("2026-10-09 20:30")),
            (_t("2026-10-10 18:30"), _t("2026-10-10 20:30")),
        ]
    assert [c.raw for c in out.corridors] == [twin, HN182]


def test_full_width_digits_and_punctuation_read_like_ascii() -> None:
    table = str.maketrans("0123456789.-,", "０１２３４５６７８９．－，")
    wide = ZJ841.replace("，", ",").translate(table)
    (a,) = parse(ZJ841).corridors
    (b,) = parse(wide).corridors
    assert np.allclose(np.asarray(a.geometry.exterior.coords), np.asarray(b.geometry.exterior.coords))
    assert a.windows == b.windows
    assert b.raw == wide


def test_a_circle_and_a_sector_round_one_centre() -> None:
    circle, sector = parse(HU722).corridors
    lat, lon = 31 + 12.18 / 60, 123 + 42.69 / 60
    assert circle.properties["shape"] == "circle" and sector.properties["bearings"] == [162.0, 198.0]
    xy = np.asarray(sector.geometry.exterior.coords)
    az, _, dist = GEOD.inv(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    far = dist > 1.0
    assert dist.max() == pytest.approx(5000.0, rel=1e-3)
    assert np.all(((az[far] - 162.0) % 360.0) <= 36.0 + 1e-6)
    assert circle.windows == sector.windows == (parse(HU722).corridors[0].windows)


def test_a_centre_without_a_radius_is_an_error_naming_the_area() -> None:
    with pytest.raises(ParseError, match=r"area 1: centre '19-35\.85N 110-56\.18E' without a radius"):
        parse(HN182.replace("WITHIN 5.4 SEA MILES RADIUS OF", "CENTERED ON"))


def test_two_corners_are_an_error_not_a_merge() -> None:
    text = ZJ841.replace("、27-45.40N 123-48.83E、27-45.95N 123-24.48E", "")
    with pytest.raises(ParseError, match=r"line 1, column 32: area 1: two corners do not make an area"):
        parse(text)


def test_a_position_that_is_no_area_and_a_time_not_read_are_warnings() -> None:
    out = parse(_text("msa-yue-691-26-cancel-wreck-position.txt"))
    assert out.corridors == [] and out.meta["cancels"] == ["粤航警504/26"]
    assert [(w.line, w.column, w.token) for w in out.warnings] == [(1, 30, "21-53.0N 113-25.0E")]
    # an open-ended start ("from 0900 on 16 Sep") is no window: said, not dropped
    edited = ZJ841.replace("9月16日0000时至0800时", "自9月16日0900时起")
    out = parse(edited)
    assert out.corridors[0].windows == ()
    assert [w.token for w in out.warnings] == ["9月16日", "0900时"]


def test_an_english_overnight_daily_window_runs_from_the_first_day_to_the_last() -> None:
    (c,) = parse(_text("msa-hn-166-26-rocket-firing-overnight-en.txt")).corridors
    assert [(w.start, w.end) for w in c.windows] == [
        (_t("2026-09-16 23:30"), _t("2026-09-17 01:30")),
        (_t("2026-09-17 23:30"), _t("2026-09-18 01:30")),
    ]
    assert c.properties["radius_nm"] == 5.4


def test_an_english_range_into_the_next_month() -> None:
    text = _text("msa-sh-15-26-rocket-launch-sector-en.txt").replace(
        "141400UTC TO 161500UTC SEP", "301400UTC TO 011500UTC SEP"
    )
    windows = parse(text).corridors[0].windows
    assert [(w.start, w.end) for w in windows] == [(_t("2026-09-30 14:00"), _t("2026-10-01 15:00"))]


def test_english_radius_units() -> None:
    (c,) = parse(HN182.replace("5.4 SEA MILES", "10 KM")).corridors
    assert c.properties["radius_nm"] == pytest.approx(10_000 / NM, abs=1e-3)


def test_cancellations_only_are_no_corridor_but_are_read() -> None:
    for name, cancels in [
        ("msa-liao-382-26-cancel.txt", ["辽航警381/26"]),
        ("msa-ln-329-26-cancel-en.txt", ["LN328/26"]),
    ]:
        text = _text(name)
        assert detect_format(text) == "msa"
        out = parse(text)
        assert out.corridors == [] and out.meta["cancels"] == cancels and out.warnings == []


def test_a_warning_without_area_or_cancellation_is_an_error() -> None:
    with pytest.raises(ParseError, match="no areas found"):
        parse("琼航警194/26，北部湾，作业结束。")


def test_lettered_corners_and_two_labelled_areas() -> None:
    lettered = ZJ841.replace("在28-29.06N", "在A.28-29.06N").replace("、28-28.50N", "、B.28-28.50N")
    (c,) = parse(lettered).corridors
    assert c.properties["corners"] == 4 and parse(lettered).warnings == []
    two = ZJ841.replace("、27-45.40N", "；区域二：27-45.40N").replace(
        "27-45.95N 123-24.48E", "27-45.95N 123-24.48E、27-30.00N 123-30.00E"
    )
    with pytest.raises(ParseError, match="area 1: two corners do not make an area"):
        parse(two)
    three = two.replace("28-28.50N 123-50.18E", "28-28.50N 123-50.18E、28-10.00N 123-40.00E")
    assert [c.properties["corners"] for c in parse(three).corridors] == [3, 3]


def test_bearings_beyond_360_are_an_error_naming_the_area() -> None:
    with pytest.raises(ParseError, match=r"column 78: area 2: bearings '方位162°-398°' beyond 360°"):
        parse(HU722.replace("162°-198°", "162°-398°"))
