"""Close an area along the coast: corners joined by lines, and the shore between the first and the last.

Japan Coast Guard notices bound harbour areas by a few corners and the coast
(``4地点及び陸岸により囲まれる区域``, ``下記4地点を結ぶ線及び岸線により囲まれる区域``): the first and the last
corner lie on the shore (``(岸線上)``) and the area is closed along the shore between them, not by
the straight line. :func:`close_along_coast` closes it along the coast of the shipped ``land``
layer when that coast is good enough there: both shore corners within :func:`shore_tolerance_m`
of it. Otherwise it is an error naming the area and the distance found, so the operator draws the
area on the map; the area is never closed by the chord in silence.

How: the corners (published, unchanged) are joined by geodesics and each end is carried on,
away from its neighbour, until it is inside the land; that line cuts the sea near the area
(a box round the corners, the land removed) into pieces; the area is the pieces that touch the
line and do not reach the edge of the box.

>>> beach = [(35.5979, 140.5252), (35.5879, 140.5352), (35.6026, 140.5545), (35.6126, 140.5445)]
>>> geom, info = close_along_coast(beach, "A")  # Kujukuri beach: two corners on the shore, two at sea
>>> geom.geom_type, info["shore_m"]
('Polygon', [2.5, 1.2])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, split

from geowarn.errors import ParseError
from geowarn.geodesy import GEOD, densify, orient_ccw
from geowarn.sources.rings import MAX_SEGMENT_M, validated

__all__ = ["close_along_coast", "shore_tolerance_m"]

_M_PER_DEG = 111_320.0
"""Metres per degree of latitude (enough to size a neighbourhood box and short steps)."""


def shore_tolerance_m(extent_m: float) -> float:
    """How far a shore corner may lie from the land layer's coast: 25 m, or 2 % of the area's extent.

    >>> shore_tolerance_m(750.0), shore_tolerance_m(50_000.0)
    (25.0, 1000.0)
    """
    return max(25.0, 0.02 * extent_m)


def _land_near(box: Polygon) -> tuple[BaseGeometry, BaseGeometry]:
    """Return the land layer's land in ``box``, and its coast there (not the box's edges)."""
    from geowarn.layers import load_layer  # the land layer is read only when an area needs it

    layer = load_layer("land")
    found = layer.geometries[layer.tree.query(box)]
    if not len(found):
        return Polygon(), LineString()
    land = shapely.make_valid(shapely.union_all([shapely.clip_by_rect(g, *box.bounds) for g in found]))
    coast = shapely.union_all([shapely.clip_by_rect(g.boundary, *box.bounds) for g in found])
    return land, coast


def _step(frm: tuple[float, float], to: tuple[float, float], metres: float) -> tuple[float, float]:
    """Return the point ``metres`` beyond ``to`` on the line from ``frm`` (``(lon, lat)``, a local flat step)."""
    k = math.cos(math.radians(to[1]))
    dx, dy = (to[0] - frm[0]) * k, to[1] - frm[1]
    norm = math.hypot(dx, dy) or 1.0
    d = metres / _M_PER_DEG
    return to[0] + dx / norm * d / k, to[1] + dy / norm * d


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(GEOD.inv(a[0], a[1], b[0], b[1])[2])


def _fail(label: str, why: str, line: int | None) -> ParseError:
    return ParseError(f"area {label}: closed by the coast (及び陸岸), {why}; draw the area on the map", line=line)


def close_along_coast(
    corners: Sequence[tuple[float, float]], label: str, *, line: int | None = None
) -> tuple[BaseGeometry, dict[str, Any]]:
    """Build the area bounded by ``corners`` (``(lat, lon)``, first and last on the shore) and the coast.

    Parameters
    ----------
    corners
        The corners in the published order; the first and the last lie on the shore.
    label
        The area's name, for errors.
    line
        The source line, for errors.

    Returns
    -------
    tuple
        The area (lon/lat, counter-clockwise, valid) and ``{"shore_m": [first, last], "area_m2",
        "chord_area_m2"}``: how far the shore corners lie from the layer's coast, the area, and the
        area the straight chord would have given.

    Raises
    ------
    ParseError
        Fewer than three corners, corners across the antimeridian, a shore corner farther from the
        layer's coast than :func:`shore_tolerance_m`, or a coast that does not close the area near it.
    """
    if len(corners) < 3:
        raise _fail(label, f"{len(corners)} corner(s) do not make an area", line)
    pts = [(float(lon), float(lat)) for lat, lon in corners]
    lons = np.array([p[0] for p in pts])
    if lons.max() - lons.min() > 180.0:
        raise _fail(label, "an area across the antimeridian is not closed along the coast", line)
    extent = max(_metres(a, b) for a in pts for b in pts)
    margin = max(extent, 500.0)
    lat0 = float(np.mean([p[1] for p in pts]))
    dlat, dlon = margin / _M_PER_DEG, margin / (_M_PER_DEG * math.cos(math.radians(lat0)))
    box = shapely.box(
        lons.min() - dlon, min(p[1] for p in pts) - dlat, lons.max() + dlon, max(p[1] for p in pts) + dlat
    )
    land, coast = _land_near(box)
    if land.is_empty or coast.is_empty:
        raise _fail(label, f"but the shipped land layer has no coast within {margin:.0f} m of it", line)
    tol = shore_tolerance_m(extent)
    shore: list[float] = []
    ends: list[tuple[float, float]] = []
    for which, end, nxt in ((1, pts[0], pts[1]), (len(pts), pts[-1], pts[-2])):
        on_coast = nearest_points(coast, Point(end))[0]
        d = _metres(end, (on_coast.x, on_coast.y))
        if d > tol:
            why = f"but the shipped land layer's coast lies {d:.0f} m from its shore corner ({which}), over {tol:.0f} m"
            raise _fail(label, why, line)
        shore.append(round(d, 1))
        inland = next(
            (q for k in (1, 2, 4, 8) if land.contains(Point(q := _step(nxt, end, d + 30.0 * k)))),
            None,
        )
        if inland is None:
            why = f"but the line on through its shore corner ({which}) does not reach the land layer's land"
            raise _fail(label, why + " (the layer's coast does not follow the shore there)", line)
        ends.append(inland)
    cut = densify(LineString([ends[0], *pts, ends[1]]), MAX_SEGMENT_M)
    sea = box.difference(land)
    edge = box.exterior
    pieces = [g for g in getattr(split(sea, cut), "geoms", []) if g.area > 0]
    inside = [g for g in pieces if g.distance(edge) > 1e-9 and g.distance(cut) < 1e-9]
    if not inside:
        raise _fail(label, "but the layer's coast between its shore corners does not close it near the corners", line)
    area = shapely.union_all(inside)
    if any(area.boundary.distance(Point(p)) > 1e-7 for p in pts[1:-1]):
        raise _fail(label, "but the area closed along the layer's coast leaves out some of its corners", line)
    geom = validated(orient_ccw(area), label, line)
    chord = orient_ccw(Polygon(pts))
    info = {
        "shore_m": shore,
        "area_m2": round(abs(GEOD.geometry_area_perimeter(geom)[0]), 1),
        "chord_area_m2": round(abs(GEOD.geometry_area_perimeter(chord)[0]), 1),
    }
    return geom, info
