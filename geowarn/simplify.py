"""Display simplification: the one way geowarn lightens polygons for drawing (never for intersections).

Used by the layer build (``layers/build.py``, the shipped ``*.display.bin`` copies), by
:mod:`geowarn.layers` (user layers, and layers without a display copy) and by the event map
(:mod:`geowarn.publish.maps`, a second, coarser pass on the view and the event's own geometry).

A set of regions that tiles (a valid coverage: shared borders, no overlaps) is simplified with
``shapely.coverage_simplify``, so neighbours keep exactly the same border; anything else, one
geometry at a time with a topology-preserving simplification made valid. ``groups`` simplify
overlapping levels (a country and its prefectures) separately.

>>> import numpy as np
>>> left, right = shapely.box(0, 0, 1, 1).segmentize(0.01), shapely.box(1, 0, 2, 1).segmentize(0.01)
>>> out = display_copy(np.array([left, right]), 0.05)
>>> shapely.get_num_coordinates(out).tolist(), bool(shapely.intersection(*out).length == 1.0)
([5, 5], True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry


def display_copy(
    geoms: np.ndarray,
    tolerance: float,
    *,
    groups: Sequence[Any] | None = None,
    clean: bool = False,
    coverage: bool = True,
    min_area: float = 0.0,
) -> np.ndarray:
    """Simplified copies of ``geoms`` for display, in the same order.

    Parameters
    ----------
    geoms
        Polygons / MultiPolygons (an object array; ``None`` and empties pass through).
    tolerance
        Degrees, as for ``shapely.simplify`` / ``shapely.coverage_simplify``.
    groups
        A key per geometry; each group is simplified on its own (default: one group).
    clean
        Repair a group that is not a valid coverage with ``shapely.coverage_clean`` first, so it
        still gets shared borders (the layer build does; fine for display, never for analysis).
    coverage
        ``False`` always simplifies one geometry at a time (e.g. overlapping event corridors).
    min_area
        Polygon parts and holes smaller than this (deg²) are left out (see :func:`drop_specks`).
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.empty(len(geoms), dtype=object)
    keys = list(groups) if groups is not None else [0] * len(geoms)
    for key in sorted(set(keys), key=str):
        idx = [i for i, k in enumerate(keys) if k == key]
        out[idx] = _simplify_group(geoms[idx], tolerance, clean=clean, coverage=coverage)
    if min_area > 0:
        out[:] = [drop_specks(g, min_area) for g in out]
    return out


def _simplify_group(geoms: np.ndarray, tolerance: float, *, clean: bool, coverage: bool) -> np.ndarray:
    if len(geoms) == 0:
        return geoms
    present = np.asarray([g is not None for g in geoms], dtype=bool)
    if coverage and present.all():
        try:
            if shapely.coverage_is_valid(geoms):
                return np.asarray(shapely.coverage_simplify(geoms, tolerance), dtype=object)
            if clean:
                return np.asarray(shapely.coverage_simplify(shapely.coverage_clean(geoms), tolerance), dtype=object)
        except shapely.errors.GEOSException:  # pragma: no cover - GEOS refusing a coverage: per geometry below
            pass
    out = np.asarray(geoms, dtype=object).copy()
    fixed = shapely.make_valid(shapely.simplify(geoms[present], tolerance, preserve_topology=True))
    out[present] = [_polygonal(g) for g in fixed]
    return out


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Return the polygonal part of what ``make_valid`` returned (it may add the lines where two parts touched).

    >>> touching = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)])
    >>> _polygonal(shapely.make_valid(touching)).geom_type
    'Polygon'
    """
    if geom.geom_type != "GeometryCollection":
        return geom
    polys = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    parts = [q for p in polys for q in getattr(p, "geoms", [p])]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def drop_specks(geom: BaseGeometry | None, min_area: float) -> BaseGeometry | None:
    """``geom`` without polygon parts and holes smaller than ``min_area`` (deg²); kept whole if nothing would remain.

    >>> g = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 2.001, 2.001)])
    >>> drop_specks(g, 1e-4).geom_type
    'Polygon'
    >>> drop_specks(shapely.box(0, 0, 0.001, 0.001), 1e-4).area > 0  # a lone speck stays
    True
    """
    if geom is None or geom.is_empty:
        return geom
    kept = []
    for poly in getattr(geom, "geoms", [geom]):
        if not isinstance(poly, Polygon) or poly.area < min_area:
            continue
        holes = [ring for ring in poly.interiors if Polygon(ring).area >= min_area]
        kept.append(Polygon(poly.exterior, holes) if len(holes) < len(poly.interiors) else poly)
    if not kept:
        return geom
    return kept[0] if len(kept) == 1 else MultiPolygon(kept)
