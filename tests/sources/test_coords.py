"""The coordinate grammar: property-based round trips and the published spellings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geowarn.errors import ParseError
from geowarn.sources.coords import STYLES, find_points, format_point, parse_point

SETTINGS = settings(max_examples=200, deadline=None)

lat_f = st.floats(min_value=-90.0, max_value=90.0, allow_nan=False)
lon_f = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False)

# style -> decimals of the last unit (enough for 1e-6 degree)
CONTINUOUS = {
    "navwarn": 6,
    "dms": 4,
    "dms-ascii": 4,
    "dms-curly": 4,
    "spaced": 6,
    "decimal": 7,
    "bare": 7,
    "ko": 4,
    "ja": 4,
}
GRID = ["notam", "compact", "dm-dash"]


@pytest.mark.parametrize("style", sorted(CONTINUOUS))
@SETTINGS
@given(lat=lat_f, lon=lon_f)
def test_round_trip_continuous(style: str, lat: float, lon: float) -> None:
    text = format_point(lat, lon, style, CONTINUOUS[style])
    got = parse_point(text)
    assert abs(got[0] - lat) < 1e-6, text
    assert abs(got[1] - lon) < 1e-6, text


def _grid_value(d: int, m: int, s: int, sign: int) -> float:
    return sign * (d + m / 60 + s / 3600)


@pytest.mark.parametrize("style", GRID)
@SETTINGS
@given(
    lat=st.tuples(st.integers(0, 89), st.integers(0, 59), st.integers(0, 59), st.sampled_from([1, -1])),
    lon=st.tuples(st.integers(0, 179), st.integers(0, 59), st.integers(0, 59), st.sampled_from([1, -1])),
)
def test_round_trip_grid(style: str, lat: tuple[int, int, int, int], lon: tuple[int, int, int, int]) -> None:
    if style != "notam":  # minute resolution
        lat = (lat[0], lat[1], 0, lat[3])
        lon = (lon[0], lon[1], 0, lon[3])
    la, lo = _grid_value(*lat), _grid_value(*lon)
    text = format_point(la, lo, style)
    got = parse_point(text)
    assert abs(got[0] - la) < 1e-6 and abs(got[1] - lo) < 1e-6, text


@SETTINGS
@given(points=st.lists(st.tuples(lat_f, lon_f), min_size=1, max_size=8), style=st.sampled_from(sorted(CONTINUOUS)))
def test_lists_in_running_text(points: list[tuple[float, float]], style: str) -> None:
    body = ", ".join(format_point(a, o, style, CONTINUOUS[style]) for a, o in points)
    found = find_points(f"IN AREA BOUND BY {body}. REST OF TEXT.", strict=True)
    assert len(found) == len(points)
    for p, (a, o) in zip(found, points, strict=True):
        assert abs(p.lat - a) < 1e-6 and abs(p.lon - o) < 1e-6


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("36-04N 124-30E", (36 + 4 / 60, 124.5)),
        ("36-04.00N 124-30.00E", (36 + 4 / 60, 124.5)),
        ("36°04′N 124°30′E", (36 + 4 / 60, 124.5)),
        ("36°04'N 124°30'E", (36 + 4 / 60, 124.5)),
        ("35° 44’06 “N 139° 41’30 “E", (35 + 44 / 60 + 6 / 3600, 139 + 41 / 60 + 30 / 3600)),
        ("N 35°44′06″ E 139°41′30″", (35 + 44 / 60 + 6 / 3600, 139 + 41 / 60 + 30 / 3600)),
        ("N392852E0955438", (39 + 28 / 60 + 52 / 3600, 95 + 54 / 60 + 38 / 3600)),
        ("3430N12400E", (34.5, 124.0)),
        ("N11 54 E116 48", (11.9, 116.8)),
        ("36.5N 124.25E", (36.5, 124.25)),
        ("S33.5 W70.25", (-33.5, -70.25)),
        ("36.5, 124.25", (36.5, 124.25)),
        ("북위 40도 41분 44초 동경 124도 30분", (40 + 41 / 60 + 44 / 3600, 124.5)),
        ("北緯40度41分44秒 東経124度30分", (40 + 41 / 60 + 44 / 3600, 124.5)),
        ("北緯４０度４１分 東経１２４度３０分", (40 + 41 / 60, 124.5)),
        ("北纬36°04′、东经124°30′", (36 + 4 / 60, 124.5)),
        ("3604.50N/12430.25E", (36 + 4.5 / 60, 124 + 30.25 / 60)),
        ("36 04.5N 124 30.25E", (36 + 4.5 / 60, 124 + 30.25 / 60)),
        ("36 04 30N 124 30 15E", (36 + 4 / 60 + 30 / 3600, 124 + 30 / 60 + 15 / 3600)),
    ],
)
def test_published_spellings(text: str, expected: tuple[float, float]) -> None:
    lat, lon = parse_point(text)
    assert lat == pytest.approx(expected[0], abs=1e-6)
    assert lon == pytest.approx(expected[1], abs=1e-6)


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("A. 95-10N 124-30E", "latitude 95-10N is out of range", 4),
        ("A. 36-04N 190-00E", "longitude 190-00E is out of range", 11),
        ("36-75N 124-30E", "minutes 75 must be below 60", 1),
        ("36°04′N 124°30′75″E", "seconds 75 must be below 60", 9),
        ("124-30E 36-04N", "longitude 124-30E has no latitude before it", 1),
        ("36-04N, 24-30N", "latitude 36-04N has no longitude after it", 1),
        ("N39285E0955438", "a compact latitude has DDMM or DDMMSS", 1),
    ],
)
def test_errors_name_the_token_and_place(text: str, message: str, column: int | None) -> None:
    with pytest.raises(ParseError) as err:
        find_points(text, strict=True)
    assert message in str(err.value)
    assert err.value.line == 1
    if column is not None:
        assert err.value.column == column


def test_error_line_numbers_count_lines() -> None:
    with pytest.raises(ParseError) as err:
        find_points("HEADER\nA. 36-04N 124-30E,\n   95-00N 124-30E.", strict=True)
    assert (err.value.line, err.value.column) == (3, 4)


def test_every_style_is_listed() -> None:
    assert set(STYLES) == set(CONTINUOUS) | set(GRID)
