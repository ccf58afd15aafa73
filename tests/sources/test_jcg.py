"""Japan Coast Guard notices in Japanese (geowarn.sources.jcg) on real items the corpus does not score.

Every text is verbatim from a public Japan Coast Guard page (URL with each), as the search tool's
pages corpus stores it. Expected values are worked out by hand: Japan time is UTC+9; the era
year 令和元年 is 2019, 令和2年 2020; the area of a swath is 2 w L + pi w^2, L computed here with
pyproj; the holidays of 2025 are those the Cabinet Office (内閣府「国民の祝日について」) lists.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from pyproj import Geod

from geowarn.errors import ParseError
from geowarn.sources import detect_format, parse
from geowarn.sources.jp_holidays import holidays

# https://www1.kaiho.mlit.go.jp/KAN10/koukai/CGI/html/1931.html (十管区水路通報 元年31号)
ITEM_380 = (
    "★元年380項 九州南岸 − 鹿児島港、外港及び付近  特殊小型船舶操縦訓練\n\n"
    "特殊小型船舶操縦訓練(水上オートバイ)が実施される。\n"
    " 期 間  令和元年8月22日、24日(予備日31日)、0830〜1630\n"
    "区 域  2地点を結ぶ線上、幅30m\n"
    "(1) 31-27-00N 130-31-12E\n"
    "(2) 31-26-55N 130-31-12E\n"
    " 備 考  区域内に浮標6基を設置\n"
    " 海 図  W214B−JP214B−W1248−JP1248\n"
    " 出 所  鹿児島港長\n"
)
ITEM_381 = (
    "★元年381項 豊後水道及び付近 −   救難訓練\n\n"
    "自衛隊救難飛行艇による離着水を伴う救難訓練が実施される。\n"
    " 期 間  令和元年9月1日〜30日(予備日を含む)、日出〜日没\n"
    " 区域1   32-40N 132-20Eを中心とする半径15海里の円内のうち\n"
    "      132-10E以西を除く区域\n"
    " 区域2  4地点により囲まれる区域\n"
    "   (1) 32-44N 132-10E\n"
    "  (2) 32-30N 132-10E\n"
    "  (3) 32-30N 131-50E\n"
    "  (4) 32-34N 131-50E\n"
    " 海 図  W151−JP151−W1220−JP1220−W157\n"
    " 出 所  海上自衛隊第31航空群\n"
)
ITEM_379 = (
    "★元年379項 九州南岸 − 佐多岬西方  射撃訓練\n\n"
    "巡視船による射撃訓練が実施される。\n"
    " 期 間  令和元年8月25日、0700〜1500\n"
    " 区 域  31-01N 130-19Eを中心とする半径5海里の円内\n"
    " 備 考  訓練中、紅色閃光灯を点灯し、国際信号旗「UY」及び「NE4」旗を掲揚\n"
    " 海 図  W221−JP221−W1222−JP1222−W180−W182A\n"
    " 出 所  十本部警備救難部\n"
)
# https://www1.kaiho.mlit.go.jp/KAN10/koukai/CGI/html/2024.html (十管区水路通報 2年24号)
ITEM_366 = (
    "★2年366項 九州西岸 − 甑島列島西北西方  フレア発射訓練\n\n"
    "フォックストロット区域において、自衛隊航空機によるフレア発射訓練が実施される。\n"
    " 期 間  令和2年7月14日(予備日15日、16日)、1000〜1700\n"
    "区 域  4地点で囲まれる区域\n"
    "(1) 32-20-12N 128-45-52E\n"
    "(2) 32-20-12N 129-09-52E\n"
    "(3) 31-47-12N 129-09-52E\n"
    "(4) 31-47-12N 128-45-52E\n"
    " 海 図  W213−JP213−W187−JP187−W180−W437\n"
    " 出 所  防衛省防衛政策局\n"
)
# https://www1.kaiho.mlit.go.jp/KAN3/tuho/1998_o/tuho_NO/k98_0401.html (三管区水路通報 1998)
ITEM_401_NO_YEAR = (
    "第401項 南方諸島 青ヶ島南方 水路測量 海底活火山危険区域内において、測量船「昭洋」により、特殊搭載艇を使用"
    " して測深及び水質調査を実施する。 期間 6月27日〜30日 区域 明神礁(31−55N 140−01E)を中心とした半径3海里の"
    " 円内海面 備考 上記期間中、測量船は白紅白の燕尾旗を掲げる。 海図 81 出所 海上保安庁水路部"
)
# https://www1.kaiho.mlit.go.jp/KAN10/koukai/CGI/html/2203.html (十管区水路通報 4年3号)
ITEM_28 = (
    "★4年28項 東シナ海 −   海底線修理作業\n\n"
    "(十管区水路通報4年2号17項削除)\n"
    "作業船「CS SEGERO」(8323トン)による海底線修理作業が実施されている。\n"
    " 期 間  令和4年1月20日まで(予備日21日〜30日)\n"
    " 区 域  4地点により囲まれる区域\n"
    "(1) 29-53.5N 125-19.5E\n"
    "(2) 29-53.1N 125-18.5E\n"
    "(3) 29-33.3N 125-42.1E\n"
    "(4) 29-34.3N 125-42.6E\n"
    " 海 図  W1002−W210−FW210\n"
    " 出 所  海上保安庁海洋情報部\n"
)
# http://www1.kaiho.mlit.go.jp/KAN4/koukai/tuho/CGI/html/2018/300473.html (四管区水路通報 30年473項)
ITEM_473_RELATED = (
    "四管区水路通報473項\n"
    " 30年473項      本州南岸 − 衣浦港  掘下げ作業\n"
    " (四管区水路通報 30年132項 関連)\n"
    " 1号地東方海域において、作業船、起重機船による堀下げ作業が実施されている。\n"
    " 期 間  平成30年9月30日までの日出〜日没\n"
    " 区 域  下記3地点を結ぶ線により囲まれる区域\n"
    "      (1) 34-49-39N 136-56-13E \n"
    "      (2) 34-49-39N 136-56-21E \n"
    "      (3) 34-49-29N 136-56-19E \n"
    " 備 考  警戒船が配備される。\n"
    " 海 図  W1056\n"
    " 出 所  衣浦港長"
)
# https://www1.kaiho.mlit.go.jp/KAN10/koukai/CGI/html/1917.html (十管区水路通報 元年17号)
ITEM_194_COAST = (
    "★元年194項 九州東岸 − 宮崎港  カッター訓練\n\n"
    "カッター訓練が実施される。\n"
    " 期 間  令和元年9月30日まで(毎週月曜日または予備日)、1100〜1250\n"
    " 区 域  4地点及び陸岸により囲まれる区域\n"
    "(1) 31-54-48.4N 131-27-55.1E(岸線上)\n"
    "(2) 31-54-52.0N 131-27-56.1E\n"
    "(3) 31-54-47.5N 131-28-21.8E\n"
    "(4) 31-54-43.7N 131-28-21.0E(岸線上)\n"
    " 備 考  付近に警戒船を配備\n"
    " 海 図  W1272\n"
    " 出 所  宮崎海上保安部\n"
)
# https://www1.kaiho.mlit.go.jp/KAN4/koukai/tuho/CGI/html/2024/060123.html (四管区水路通報 6年123項, one line as stored)
ITEM_123_COAST = (
    "6年123項 伊勢湾 − 四日市港、第3区 小型船舶操縦訓練 富双ふ頭西側において、小型船舶操縦訓練が実施される。"
    " 期 間 令和6年4月1日〜令和7年3月31日の0900〜日没 区 域 下記4地点を結ぶ線及び岸線により囲まれる区域"
    " (1) 35-00-02.6N 136-39-36.6E (岸線上) (2) 34-59-59.0N 136-39-40.3E (3) 34-59-53.8N 136-39-32.7E"
    " (4) 34-59-57.4N 136-39-29.1E (岸線上) 標 識 訓練実施日には区域内にコースを示す浮標が設置される。 海 図 W94"
    " 出 所 四日市港長"
)
_WGS84 = Geod(ellps="WGS84")


def _t(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def test_a_line_with_a_width_is_a_swath_and_reserve_days_are_a_warning() -> None:
    out = parse(ITEM_380)
    assert out.format == "jcg"
    (c,) = out.corridors
    assert c.id == "jcg-r1-380-1" and c.properties["shape"] == "swath"
    # 8月22日 and 24日 08:30〜16:30 Japan time; the reserve day 31日 is no window
    assert [(w.start, w.end) for w in c.windows] == [
        (_t("2019-08-21 23:30"), _t("2019-08-22 07:30")),
        (_t("2019-08-23 23:30"), _t("2019-08-24 07:30")),
    ]
    (w,) = [w for w in out.warnings if "reserve" in w.reason]
    assert (w.line, w.token) == (4, "(予備日31日)")
    half = 15.0  # 幅30m
    length = _WGS84.inv(130 + 31 / 60 + 12 / 3600, 31 + 27 / 60, 130 + 31 / 60 + 12 / 3600, 31 + 26 / 60 + 55 / 3600)[2]
    area = abs(_WGS84.geometry_area_perimeter(c.geometry)[0])
    assert area == pytest.approx(2 * half * length + math.pi * half**2, rel=0.01)
    assert not [w for w in out.warnings if w.token.startswith("W")]  # chart numbers are no coordinates


def test_a_part_of_a_circle_is_read_and_warned() -> None:
    out = parse(ITEM_381)
    part, box = out.corridors
    assert part.properties["shape"] == "circle-part"
    assert part.properties["kept"] == {"side": "east", "lon": 132 + 10 / 60}
    assert part.geometry.bounds[0] == pytest.approx(132 + 10 / 60)  # cut at the meridian 132-10E
    # the part east of 132-10E is most of the circle: 10 of its 15 NM radius lie east of the cut
    whole = math.pi * (15 * 1852.0) ** 2
    r, d = 15.0, 10 / 60 * 60 * math.cos(math.radians(32 + 40 / 60))  # NM: radius, centre to the cut
    segment = (r * r * math.acos(d / r) - d * math.sqrt(r * r - d * d)) * 1852.0**2  # the plane segment west
    assert abs(_WGS84.geometry_area_perimeter(part.geometry)[0]) == pytest.approx(whole - segment, rel=0.01)
    assert box.properties["corners"] == 4
    reasons = {w.token: w.reason for w in out.warnings}
    assert "east of 132.1667°E" in reasons["区域1"] and "132-10E" not in reasons  # the cut is used, not lost


def test_a_part_of_a_circle_not_understood_is_an_error_naming_the_area() -> None:
    text = ITEM_381.replace("132-10E以西を除く区域", "佐賀関灯台の西側を除く区域")
    with pytest.raises(ParseError, match=r"line 5, column \d+: area 区域1: a part of a circle \(のうち…\) not read"):
        parse(text)
    with pytest.raises(ParseError, match=r"area 区域1: 32-10N以西 is no meridian or parallel"):
        parse(ITEM_381.replace("132-10E以西", "32-10N以西"))


def test_an_item_that_deletes_an_earlier_one_lists_it_in_cancels() -> None:
    out = parse(ITEM_28)
    (c,) = out.corridors
    assert out.meta["cancels"] == ["十管区水路通報4年2号17項"] and c.id == "jcg-r4-28-1"
    assert c.properties["corners"] == 4
    assert [(w.line, w.token) for w in out.warnings] == [(5, "令和4年1月20日まで"), (5, "(予備日21日~30日)")]
    assert "without a start" in out.warnings[0].reason  # only its end is written: the operator is told
    # the cancelled item's year and number are no window and no item head of this one
    assert [(w.start, w.end) for w in c.windows] == [(_t("2022-01-19 15:00"), _t("2022-01-20 15:00"))]


def test_a_related_item_is_no_cancellation() -> None:
    out = parse(ITEM_473_RELATED)
    assert "cancels" not in out.meta and out.corridors[0].properties["corners"] == 3


def test_reserve_days_in_brackets_and_a_polygon_in_dms() -> None:
    out = parse(ITEM_366)
    (c,) = out.corridors
    assert c.properties["corners"] == 4
    assert [(w.start, w.end) for w in c.windows] == [(_t("2020-07-14 01:00"), _t("2020-07-14 08:00"))]
    assert [(w.line, w.token) for w in out.warnings] == [(4, "(予備日15日、16日)")]


def test_two_items_pasted_are_two_corridors_with_their_own_ids_and_windows() -> None:
    out = parse(ITEM_379 + "\n\n" + ITEM_366)
    a, b = out.corridors
    assert (a.id, b.id) == ("jcg-r1-379-1", "jcg-r2-366-1")
    assert [(w.start, w.end) for w in a.windows] == [(_t("2019-08-24 22:00"), _t("2019-08-25 06:00"))]
    assert [(w.start, w.end) for w in b.windows] == [(_t("2020-07-14 01:00"), _t("2020-07-14 08:00"))]
    assert b.raw.startswith("★2年366項") and "区域1" not in a.raw
    # the reserve-day warning of the second item names its line in the whole paste
    assert [(w.line, w.token) for w in out.warnings] == [(ITEM_379.count("\n") + 2 + 4, "(予備日15日、16日)")]


def test_a_notice_whose_dates_have_no_year_is_an_error_not_this_year() -> None:
    assert detect_format(ITEM_401_NO_YEAR) == "jcg"
    with pytest.raises(ParseError, match=r"line 1, column \d+: window from '6月27日' has no year"):
        parse(ITEM_401_NO_YEAR)


def test_a_corner_count_that_does_not_match_is_an_error() -> None:
    text = ITEM_366.replace("(4) 31-47-12N 128-45-52E\n", "")  # one corner lost in the paste
    with pytest.raises(ParseError, match=r"area 区域1: the text gives 4 points, 3 were read"):
        parse(text)


def test_japanese_holidays_of_2025_and_the_years_known() -> None:
    cabinet_office_2025 = {
        (1, 1), (1, 13), (2, 11), (2, 23), (2, 24), (3, 20), (4, 29), (5, 3), (5, 4), (5, 5), (5, 6),
        (7, 21), (8, 11), (9, 15), (9, 23), (10, 13), (11, 3), (11, 23), (11, 24),
    }  # fmt: skip
    assert {(d.month, d.day) for d in holidays(2025)} == cabinet_office_2025
    assert date(2026, 9, 22) in holidays(2026)  # 国民の休日 between 敬老の日 (21) and 秋分の日 (23)
    with pytest.raises(ValueError, match="2007–2099"):
        holidays(2006)


def test_press_notices_in_japanese_stay_dms_notices() -> None:
    assert detect_format("北朝鮮の人工衛星打ち上げ通報\n落下区域 北緯36度04分 東経124度30分") == "dms-notice"


def test_an_item_without_a_position_in_a_pasted_page_is_warned_not_fatal() -> None:
    # https://www1.kaiho.mlit.go.jp/KAN10/koukai/CGI/html/1931.html opens with an item that has no area
    page = "★元年378項 事項消滅\n\n事項消滅\n\n\n" + ITEM_379
    out = parse(page)
    assert [c.id for c in out.corridors] == ["jcg-r1-379-1"]
    assert [(w.line, w.token, w.reason) for w in out.warnings] == [
        (1, "★元年378項 事項消滅", "an item without any position; no corridor from it")
    ]
    with pytest.raises(ParseError, match="cannot tell the format"):
        parse("★元年378項 事項消滅\n\n事項消滅\n")  # alone, it is no notice geowarn can read


AREA = " 区 域  31-01N 130-19Eを中心とする半径5海里の円内\n"


@pytest.mark.parametrize(
    ("period", "expected"),
    [  # forms of the Japanese warnings written for the test (no real text of them was found); JST = UTC+9
        ("令和6年5月27日0時00分から6月4日0時00分まで", [("2024-05-26 15:00", "2024-06-03 15:00")]),
        (
            "令和6年5月27日から5月29日まで毎日0900時から1200時まで",
            [
                ("2024-05-27 00:00", "2024-05-27 03:00"),
                ("2024-05-28 00:00", "2024-05-28 03:00"),
                ("2024-05-29 00:00", "2024-05-29 03:00"),
            ],
        ),
        ("令和6年12月31日2200〜0400", [("2024-12-31 13:00", "2024-12-31 19:00")]),
        ("令和6年12月30日〜1月2日", [("2024-12-29 15:00", "2025-01-02 15:00")]),
        ("2024年5月27日07:00〜12:00(UTC)", [("2024-05-27 07:00", "2024-05-27 12:00")]),
    ],
)
def test_window_forms(period: str, expected: list[tuple[str, str]]) -> None:
    out = parse(f"★6年1項 九州南岸 − 佐多岬西方  射撃訓練\n 期 間  {period}\n{AREA}")
    assert out.format == "jcg" and out.warnings == []
    assert [(w.start, w.end) for w in out.corridors[0].windows] == [(_t(a), _t(b)) for a, b in expected]


def test_named_areas_on_their_own_lines_stay_apart() -> None:
    # the press form of tests/sources/test_notam_notice.py with a JCG word in its title: read as jcg,
    # its two named areas must stay two corridors, never one merged polygon
    text = (
        "海上保安庁 航行警報 北朝鮮の人工衛星打ち上げ通報\n"
        "1段目落下区域 北緯36度04分 東経124度30分、北緯36度04分 東経124度54分、"
        "北緯35度19分 東経124度30分、北緯35度19分 東経124度54分\n"
        "フェアリング落下区域 北緯33度16分 東経124度11分、北緯33度16分 東経125度09分、"
        "北緯32度22分 東経124度11分、北緯32度21分 東経125度08分\n"
    )
    out = parse(text)
    assert out.format == "jcg"
    assert [(c.properties["area"], c.phase.value, c.properties["corners"]) for c in out.corridors] == [
        ("1段目落下区域", "stage1", 4),
        ("フェアリング落下区域", "fairing", 4),
    ]


def test_an_area_closed_by_the_coast_is_never_closed_by_the_chord() -> None:
    """Miyazaki port: the land layer's coast is 3 m and 9 m from the shore corners but does not follow the quay."""
    with pytest.raises(
        ParseError, match=r"line 6: area 区域1: closed by the coast .*shore corner \(4\) does not reach"
    ):
        parse(ITEM_194_COAST)
    # Yokkaichi port: the reclaimed quay is not in the land layer at all
    with pytest.raises(ParseError, match=r"area 区域1: closed by the coast .* no coast within 500 m"):
        parse(ITEM_123_COAST)


def test_the_shore_corners_of_an_area_closed_by_the_coast_are_its_first_and_last() -> None:
    text = ITEM_194_COAST.replace("21.0E(岸線上)", "21.0E").replace("21.8E\n", "21.8E(岸線上)\n")
    with pytest.raises(ParseError, match=r"its shore corners are \(1\), \(3\), not the first and the last"):
        parse(text)


def test_an_area_closed_along_a_coast_the_land_layer_draws_well_is_read() -> None:
    """Made up in 元年194項's form (not a real notice): two corners on Kujukuri beach, two 1.3 km out at sea."""
    text = ITEM_194_COAST.replace("宮崎港", "九十九里浜")
    for old, new in (
        ("31-54-48.4N 131-27-55.1E", "35-35-52.4N 140-31-30.7E"),
        ("31-54-52.0N 131-27-56.1E", "35-35-16.4N 140-32-06.7E"),
        ("31-54-47.5N 131-28-21.8E", "35-36-09.4N 140-33-16.2E"),
        ("31-54-43.7N 131-28-21.0E", "35-36-45.4N 140-32-40.2E"),
    ):
        text = text.replace(old, new)
    out = parse(text)
    (c,) = out.corridors
    assert c.properties["shape"] == "polygon-coast" and c.properties["corners"] == 4
    assert max(c.properties["shore_m"]) < 25
    (warn,) = [w for w in out.warnings if w.token == "区域1"]
    assert warn.line == 5 and "closed along the coast of the shipped land layer" in warn.reason
    from shapely.geometry import Point, Polygon

    from geowarn.layers import load_layer

    land = load_layer("land").geometries[0]
    corners = [
        (140 + 31 / 60 + 30.7 / 3600, 35 + 35 / 60 + 52.4 / 3600),
        (140 + 32 / 60 + 6.7 / 3600, 35 + 35 / 60 + 16.4 / 3600),
    ]
    corners += [
        (140 + 33 / 60 + 16.2 / 3600, 35 + 36 / 60 + 9.4 / 3600),
        (140 + 32 / 60 + 40.2 / 3600, 35 + 36 / 60 + 45.4 / 3600),
    ]
    assert c.geometry.intersection(land).area < 1e-9 * c.geometry.area  # no land in it
    sea_in_chord = Polygon(corners).difference(land)
    assert sea_in_chord.difference(c.geometry).area < 1e-4 * sea_in_chord.area  # the sea the corners enclose
    assert all(c.geometry.boundary.distance(Point(p)) < 1e-6 for p in corners[1:3])  # the sea corners are corners


def test_a_pasted_page_gathers_the_cancellations_of_its_items() -> None:
    out = parse(ITEM_28 + "\n\n" + ITEM_379)
    assert [c.id for c in out.corridors] == ["jcg-r4-28-1", "jcg-r1-379-1"]
    assert out.meta["cancels"] == ["十管区水路通報4年2号17項"]
