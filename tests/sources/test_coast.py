"""Areas closed along the coast (geowarn.sources.coast) against the shipped land layer itself.

The corners are made up (not a notice): two on the layer's coast at Kujukuri beach, two at sea.
What is checked is worked out here from the land layer and shapely, not from the function's
own numbers: no land in the area, all the sea the corners enclose in it, the sea corners on
its boundary; and what it must refuse.
"""

from __future__ import annotations

import pytest
from shapely.geometry import Point, Polygon

from geowarn.errors import ParseError
from geowarn.geodesy import GEOD
from geowarn.layers import load_layer
from geowarn.sources.coast import close_along_coast

BEACH = [(35.5979, 140.5252), (35.5879, 140.5352), (35.6026, 140.5545), (35.6126, 140.5445)]


def test_the_area_is_the_sea_between_the_corners_and_the_coast() -> None:
    geom, info = close_along_coast(BEACH, "A")
    land = load_layer("land").geometries[0]
    chord = Polygon([(lon, lat) for lat, lon in BEACH])
    assert geom.intersection(land).area < 1e-9 * geom.area
    sea = chord.difference(land)
    assert sea.difference(geom).area < 1e-6 * sea.area
    assert all(geom.boundary.distance(Point(lon, lat)) < 1e-7 for lat, lon in BEACH[1:3])
    assert info["area_m2"] == pytest.approx(abs(GEOD.geometry_area_perimeter(geom)[0]), rel=1e-6)
    assert max(info["shore_m"]) < 25


def test_what_cannot_be_closed_along_the_coast_is_an_error_naming_the_area() -> None:
    with pytest.raises(ParseError, match=r"area A: .*2 corner"):
        close_along_coast(BEACH[:2], "A")
    far = [(35.5979 - 0.05, 140.5252 + 0.05), *BEACH[1:]]  # its first corner 7 km out at sea, not on the shore
    with pytest.raises(ParseError, match=r"area A: .*coast lies \d+ m from its shore corner \(1\)"):
        close_along_coast(far, "A")
    with pytest.raises(ParseError, match=r"area B: .*antimeridian"):
        close_along_coast([(0.0, 179.9), (0.1, -179.9), (0.2, 179.95)], "B")
