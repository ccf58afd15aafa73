"""Islands that no shipped source draws, added to their admin-1 region as approximate discs.

Natural Earth 10m (land, admin-0, admin-1, every edition in the pinned packages) has neither Pratas
(Dongsha, Taiwan: Kaohsiung) nor Marado (Korea: Jeju). Each ``[[build.admin1.approximate_islands]]``
entry of ``layers/catalog.toml`` gives the published position and land area; the build adds a
geodesic disc of that area there, and the region's ``approximate_islands`` property says so (name,
area, source), so the outline is never mistaken for a surveyed coast. The discs go into the land
layer too, and their coasts generate the 12 NM / 200 NM zones like any other coast.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geowarn.geodesy import geodesic_circle

DISC_VERTICES = 32
NOTE = "approximate: a disc of the published land area at the published position (no shipped source draws it)"


def island_disc(lat: float, lon: float, km2: float, n: int = DISC_VERTICES) -> BaseGeometry:
    """Return an ``n``-gon of geodesic radius chosen so its area is ``km2`` at (``lat``, ``lon``).

    The polygon inscribed in a circle of radius r has area ``n/2 r² sin(2π/n)``; the radius is scaled
    so the polygon (not the circle) has the published area.

    Examples
    --------
    >>> from geowarn.geodesy import geodesic_area_km2
    >>> round(geodesic_area_km2(island_disc(20.70, 116.72, 1.74)), 3)
    1.74
    """
    r_km = math.sqrt(2.0 * km2 / (n * math.sin(2.0 * math.pi / n)))
    return geodesic_circle(lat, lon, r_km * 1000.0, n=n)


def approximate_islands(
    feats: list[dict[str, Any]],
    geoms: np.ndarray,
    islands: list[dict[str, Any]],
    other_land: list[BaseGeometry],
) -> tuple[np.ndarray, BaseGeometry, list[dict[str, Any]]]:
    """Add each configured island disc to its region; return ``(geoms, discs, stats)``.

    ``feats`` gain an ``approximate_islands`` list (name, km2, lat, lon, source, note). A disc that
    overlaps any region of ``geoms`` or ``other_land`` (a source drew the island after all) or names an
    unknown region is an error: the configuration would be stale.
    """
    index = {f["id"]: i for i, f in enumerate(feats)}
    out = geoms.copy()
    discs: list[BaseGeometry] = []
    stats: list[dict[str, Any]] = []
    drawn = shapely.STRtree(np.array([*geoms, *other_land], dtype=object))
    for isl in islands:
        region = isl["region"]
        if region not in index:
            raise ValueError(f"build.admin1.approximate_islands {isl['name']}: no admin-1 region {region}")
        disc = island_disc(float(isl["lat"]), float(isl["lon"]), float(isl["km2"]))
        hits = drawn.query(disc, predicate="intersects")
        if len(hits):
            raise ValueError(f"build.admin1.approximate_islands {isl['name']}: a source already draws land there")
        i = index[region]
        out[i] = shapely.union_all([out[i], disc])
        record = {k: isl[k] for k in ("name", "km2", "lat", "lon", "source")} | {"note": NOTE}
        feats[i].setdefault("approximate_islands", []).append(record)
        discs.append(disc)
        stats.append({"name": isl["name"], "region": region, "km2": isl["km2"]})
    return out, shapely.union_all(discs) if discs else shapely.Polygon(), stats
