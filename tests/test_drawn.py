"""Drawn corridors (geowarn.drawn): the text form both ways, the limits, and the shapes' geometry.

Expected geometry is worked out with pyproj's Geod here, independently of the module.
"""

from __future__ import annotations

import math

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon

from geowarn import drawn
from geowarn.errors import InvalidGeometry
from geowarn.model import Corridor, Phase

GEOD = Geod(ellps="WGS84")


def test_text_round_trip_keeps_every_shape() -> None:
    text = (
        "polygon phase=stage1 id=a\n36.066700 124.500000\n36.066700 124.900000\n35.316700 124.900000\n\n"
        "circle 9260 phase=debris\n26.200000 127.700000\n\n"
        "line 18520 phase=stage2\n36.000000 124.000000\n35.000000 124.500000"
    )
    shapes = drawn.shapes_from_text(text)
    assert [s.kind for s in shapes] == ["polygon", "circle", "line"]
    assert "\n\n".join(drawn.shape_text(s) for s in shapes) == text


def test_comments_commas_and_blank_lines_are_accepted() -> None:
    shapes = drawn.shapes_from_text("# from the NOTAM\n36, 124\n36;125\n  35 125  \n\n\n")
    assert shapes[0].points == ((36.0, 124.0), (36.0, 125.0), (35.0, 125.0))


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("", "no shape"),
        ("36 124\n36 125", "at least 3"),
        ("circle 100\n36 124\n36 125", "exactly one centre"),
        ("circle\n36 124", "needs its radius"),
        ("line -3\n36 124\n35 124", "positive"),
        ("polygon colour=red\n36 124\n36 125\n35 125", "unknown word"),
        ("36 124\nN36 125\n35 125", "line 2"),
        ("36 124\n36 361\n35 125", "longitude 361"),
    ],
)
def test_bad_text_names_the_line(text: str, needle: str) -> None:
    with pytest.raises(InvalidGeometry) as exc:
        drawn.shapes_from_text(text)
    assert needle in str(exc.value)


def _ring_text(n: int) -> str:
    return "\n".join(
        f"{26 + 0.5 * math.sin(2 * math.pi * i / n):.6f} {128 + 0.5 * math.cos(2 * math.pi * i / n):.6f}"
        for i in range(n)
    )


def test_vertex_and_shape_limits() -> None:
    assert len(drawn.shapes_from_text(_ring_text(drawn.MAX_SHAPE_VERTICES))[0].points) == drawn.MAX_SHAPE_VERTICES
    with pytest.raises(InvalidGeometry, match="at most 2000"):
        drawn.shapes_from_text(_ring_text(drawn.MAX_SHAPE_VERTICES + 1))
    many = "\n\n".join(_ring_text(1500) for _ in range(7))  # 10 500 vertices in all
    with pytest.raises(InvalidGeometry, match="at most 10000"):
        drawn.shapes_from_text(many)
    tiny = "\n\n".join("36 124\n36 124.1\n35.9 124.1" for _ in range(drawn.MAX_SHAPES + 1))
    with pytest.raises(InvalidGeometry, match="at most 50"):
        drawn.shapes_from_text(tiny)


def test_a_line_is_a_swath_of_the_total_width() -> None:
    shapes = drawn.shapes_from_text("line 50000\n36 124\n34 124")
    swath = drawn.build_corridors(shapes, parsed={}, windows=())[0].geometry
    across = swath.intersection(shapely.LineString([(120, 35), (128, 35)]))
    _, _, dist = GEOD.inv(across.bounds[0], 35, across.bounds[2], 35)
    assert dist == pytest.approx(50000, rel=0.01)


def test_a_wrapped_longitude_is_normalised_and_cut_at_180() -> None:
    shapes = drawn.shapes_from_text("20 175\n20 190\n25 190\n25 175")
    assert [lon for _, lon in shapes[0].points] == [175.0, -170.0, -170.0, 175.0]
    geom = drawn.build_corridors(shapes, parsed={}, windows=())[0].geometry
    assert geom.geom_type == "MultiPolygon" and geom.bounds[0] == -180.0 and geom.bounds[2] == 180.0
    expected = abs(GEOD.geometry_area_perimeter(Polygon([(175, 20), (190, 20), (190, 25), (175, 25)]))[0])
    got = sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in geom.geoms)
    assert got == pytest.approx(expected, rel=0.01)


def test_parsed_corridors_are_offered_as_one_ring_each() -> None:
    cut = MultiPolygon([shapely.box(175.0, 20.0, 180.0, 25.0), shapely.box(-180.0, 20.0, -170.0, 25.0)])
    c = Corridor("x", cut, Phase.STAGE2)
    text = drawn.corridors_text([c])
    assert text.splitlines()[0] == "polygon phase=stage2 id=x corrects=x"
    shapes = drawn.shapes_from_text(text)
    rebuilt = drawn.build_corridors(shapes, parsed={"x": c}, windows=())[0]
    assert rebuilt.id == "x" and rebuilt.properties["origin"] == "corrected"
    assert abs(GEOD.geometry_area_perimeter(rebuilt.geometry)[0]) == pytest.approx(
        abs(GEOD.geometry_area_perimeter(cut)[0]), rel=0.01
    )
