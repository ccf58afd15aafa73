"""Fuzzing every parser: only ParseError (or PayloadTooLarge) escapes, never an invalid geometry."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geowarn.errors import ParseError, PayloadTooLarge
from geowarn.sources import parse
from geowarn.sources.common import MAX_TEXT_CHARS
from geowarn.sources.reentry import parse_tle
from tests.examples import NAVAREA_XI_2016, PROFILE_2023

DATA = Path(__file__).parent.parent / "data"
EXAMPLES = {
    "navwarn": NAVAREA_XI_2016.read_text(),
    "nga-json": (DATA / "hydropac-2016-kms4.json").read_text(),
    "notam": (DATA / "notam-2016-kms4-stage2.txt").read_text(),
    "dms-notice": (DATA / "imo-notice-2016-kms4-dms.txt").read_text(),
    "advisory": (DATA / "ocd-advisory-2016-kms4.txt").read_text(),
    "profile": PROFILE_2023.read_text(),
    "msa": (DATA / "notices" / "msa-hu-722-26-rocket-launch-sector.txt").read_text()
    + (DATA / "notices" / "msa-qiong-182-26-rocket-debris-slash.txt").read_text()
    + (DATA / "notices" / "msa-hn-166-26-rocket-firing-overnight-en.txt").read_text(),
    "jcg": (DATA / "notices" / "jcg-kan3-227-25-kashima-bombing-dms.txt").read_text()
    + (DATA / "notices" / "jcg-kan10-r2-367-toura-circle-days.txt").read_text()
    + (DATA / "notices" / "jcg-kan10-r1-381-bungo-circle-part.txt").read_text(),
}
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALPHABET = st.sampled_from(
    [
        *list("0123456789NSEW-.,: \n°′″'\"ABCTOZ/()"),
        "BOUND BY ",
        "CIRCLE RADIUS 5 NM CENTERED ON ",
        "TRACKLINE JOINING ",
        " TO ",
        "Z ",
        " FEB ",
        "DAILY ",
        "BACK TO START",
        "ALTERNATE ",
        "CANCEL ",
        "为圆心，半径",
        "海里",
        "方位",
        "°",
        "月",
        "日",
        "时至",
        "每日",
        "、",
        "撤销",
        "航警",
        "UTC ",
        "北緯",
        "東経",
        "度",
        "分",
        "秒",
        "令和",
        "元年",
        "年",
        "〜",
        "(日曜日及び祝日を除く)",
        "地点により囲まれる区域",
        "を中心とする半径",
        "2地点を結ぶ線上、幅",
        "区域",
        "★",
        "の円内のうち",
        "以西を除く",
        "以北の区域",
        "4地点及び陸岸により囲まれる区域",
        "(岸線上)",
        "(十管区水路通報4年2号17項削除)",
        "ELLIPSE CENTRE ",
        " WITH AXES DIMENSIONS ",
        "X",
        "KM AZM OF MAJOR AXIS ",
        "DEG",
    ]
)


def _check(fmt: str, text: str) -> None:
    try:
        out = parse(text, fmt)
    except (ParseError, PayloadTooLarge):
        return
    for c in out.corridors:
        g = c.geometry
        assert g.geom_type in ("Polygon", "MultiPolygon"), g.geom_type
        assert g.is_valid and not g.is_empty
        minx, miny, maxx, maxy = g.bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
        assert shapely.get_num_coordinates(g) >= 4


@pytest.mark.parametrize("fmt", sorted(EXAMPLES))
@FUZZ
@given(data=st.data())
def test_truncated_and_mutated_examples(fmt: str, data: st.DataObject) -> None:
    text = EXAMPLES[fmt]
    cut = data.draw(st.integers(0, len(text)))
    pos = data.draw(st.integers(0, len(text)))
    junk = data.draw(st.lists(ALPHABET, max_size=6).map("".join))
    mutated = data.draw(
        st.sampled_from([text[:cut], text[:pos] + junk + text[pos + len(junk) :], text[:pos] + text[cut:]])
    )
    _check(fmt, mutated)


@pytest.mark.parametrize("fmt", ["navwarn", "dms-notice", "advisory", "notam", "msa", "jcg"])
@FUZZ
@given(data=st.data())
def test_swapped_hemispheres(fmt: str, data: st.DataObject) -> None:
    text = EXAMPLES[fmt]
    swap = data.draw(st.sampled_from([("N", "S"), ("E", "W"), ("N", "E"), ("E", "N")]))
    k = data.draw(st.integers(1, 20))
    out, seen = [], 0
    for ch in text:
        if ch == swap[0]:
            seen += 1
            if seen % k == 0:
                ch = swap[1]
        out.append(ch)
    _check(fmt, "".join(out))


@pytest.mark.parametrize(
    "fmt", ["auto", "navwarn", "notam", "dms-notice", "nga-json", "profile", "geojson", "msa", "jcg"]
)
@FUZZ
@given(text=st.lists(ALPHABET, max_size=80).map("".join) | st.text(max_size=200))
def test_random_text(fmt: str, text: str) -> None:
    _check(fmt, text)


@settings(max_examples=100, deadline=None)
@given(text=st.text(st.sampled_from(list("0123456789 .-+U\n12")), max_size=160))
def test_tle_fuzz(text: str) -> None:
    with contextlib.suppress(ParseError):
        parse_tle("1 " + text)


@pytest.mark.parametrize(
    ("fmt", "magic"),
    [("kml", b"<?xml version='1.0'?><kml>"), ("gpkg", b"SQLite format 3\x00"), ("shapefile", b"PK\x03\x04")],
)
@settings(max_examples=25, deadline=None)
@given(blob=st.binary(max_size=300))
def test_random_gis_files(fmt: str, magic: bytes, blob: bytes) -> None:
    try:
        out = parse(magic + blob, fmt)
    except (ParseError, PayloadTooLarge):
        return
    assert all(c.geometry.is_valid for c in out.corridors)


def test_input_size_is_bounded() -> None:
    with pytest.raises(PayloadTooLarge):
        parse("N" * (MAX_TEXT_CHARS + 1), "navwarn")
    soup = (
        "36-04N 124-30E, 95-1 N36 04 E124 CIRCLE RADIUS 5 NM CENTERED ON 1-1N 1-1E. 121606Z TO 121854Z NOV "
    ) * 9_000
    start = time.monotonic()
    for fmt in ("navwarn", "notam", "dms-notice"):
        _check(fmt, "NAVAREA XI 0001/16\n" + soup[: MAX_TEXT_CHARS - 100])
    assert time.monotonic() - start < 30


CORPUS_SAMPLES = [  # real notices whose readers came with issue 12: D) schedules, parts, arcs, day lists, JSON
    "notam-a3520-24-zlhw-three-windows.txt",
    "notam-a4531-25-zwuq-times-on-days.txt",
    "paste-a0380-25-vvhm-two-parts.txt",
    "faa-tfr-fdc-1-4530-cape-canaveral-arc.txt",
    "nga-navarea-iv-1370-25-debris-per-area-times.txt",
    "nga-json-navarea-xii-762-23-trackline-antimeridian.txt",
    "jcg-kan5-h30-776-ashizuri-ten-points.txt",  # Japanese, days without holidays (issue 12, jcg)
    "jcg-kan3-90-26-kashima-bombing-one-line.txt",
    "notam-q1760-25-ulll-ellipse.txt",
    "notam-q1579-25-ulll-area-and-five-circles.txt",
    "nga-hydropac-3317-25-japan-garbled-dtg.txt",
]


@pytest.mark.parametrize("name", CORPUS_SAMPLES)
@FUZZ
@given(data=st.data())
def test_mutated_corpus_notices(name: str, data: st.DataObject) -> None:
    text = (DATA / "notices" / name).read_text(encoding="utf-8")
    pos = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, len(text)))
    junk = data.draw(st.lists(ALPHABET, max_size=6).map("".join))
    _check("auto", data.draw(st.sampled_from([text[:cut], text[:pos] + junk + text[pos + len(junk) :]])))
