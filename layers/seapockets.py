"""Sea pockets: water the S-23 limit encoding cuts off from its sea, given to the sea it opens to.

The encoded limits (``layers/s23_limits.json``) close each sea with lines drawn over land; where such a
line runs a little off the real coast it leaves a strip or bay on the wrong side (Kin Bay, on Okinawa's
Pacific coast, fell in the East China Sea). Each ``[[build.sea_pockets]]`` entry of
``layers/catalog.toml`` names one water point of such a pocket and the sea it belongs to by S-23; the
build moves the whole pocket there, after checking that it is a small detached part of another sea
that touches the target sea, so a stale entry can never move the body of a sea.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geowarn.geodesy import geodesic_area_km2


class PocketError(ValueError):
    """A ``[[build.sea_pockets]]`` entry does not point at a small detached pocket of another sea."""


def _parts(g: BaseGeometry) -> list[BaseGeometry]:
    return list(shapely.get_parts(g))


def move_pockets(
    feats: list[dict[str, Any]], geoms: np.ndarray, pockets: list[dict[str, Any]]
) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Move each configured pocket to its sea; return the new geometries and what was moved.

    Examples
    --------
    >>> a = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 1.01, 0.01)])
    >>> b = shapely.box(1, 0.01, 2, 1)
    >>> feats = [{"id": "A"}, {"id": "B"}]
    >>> out, moved = move_pockets(feats, np.array([a, b], dtype=object), [
    ...     {"name": "p", "lon": 1.005, "lat": 0.005, "sea": "B", "max_km2": 2.0}])
    >>> out[0].geom_type, round(out[1].area, 4), moved[0]["from"]
    ('Polygon', 0.9901, 'A')
    """
    index = {f["id"]: i for i, f in enumerate(feats)}
    out = geoms.copy()
    moved: list[dict[str, Any]] = []
    for pk in pockets:
        point = shapely.Point(float(pk["lon"]), float(pk["lat"]))
        target = index.get(pk["sea"])
        if target is None:
            raise PocketError(f"sea pocket {pk['name']}: no sea {pk['sea']}")
        holders = [i for i, g in enumerate(out) if g.contains(point)]
        if len(holders) != 1 or holders[0] == target:
            where = [feats[i]["id"] for i in holders]
            raise PocketError(f"sea pocket {pk['name']}: the point lies in {where or 'no sea'}, not in another sea")
        src = holders[0]
        parts = _parts(out[src])
        (part,) = [p for p in parts if p.contains(point)]
        km2 = geodesic_area_km2(part)
        biggest = max(geodesic_area_km2(p) for p in parts)
        if km2 >= biggest or km2 > float(pk["max_km2"]):
            what = f"{km2:.1f} km² is not a small detached part of {feats[src]['id']}"
            raise PocketError(f"sea pocket {pk['name']}: {what}")
        if part.distance(out[target]) > 1e-9:
            raise PocketError(f"sea pocket {pk['name']}: does not touch {pk['sea']}")
        rest = [p for p in parts if p is not part]
        out[src] = shapely.MultiPolygon(rest) if len(rest) > 1 else rest[0]
        out[target] = shapely.union_all([out[target], part])
        moved.append({"name": pk["name"], "from": feats[src]["id"], "to": pk["sea"], "km2": round(km2, 2)})
    return out, moved
