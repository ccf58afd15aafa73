"""Agreed maritime boundaries and straight baselines for the zone build (``layers/boundaries.toml``).

Two jobs, both read from the TOML file next to this module:

* :func:`agreed_lines` / :func:`apply_agreed` — where two states agreed a boundary (the 1974 Japan–Korea
  continental-shelf line) it replaces the equidistance split between their Voronoi cells near the line;
* :func:`baseline_lines` — straight lines that are baselines besides the low-water line (the closing lines of
  the Seto Inland Sea), added to a state's coast before the 12 NM and 200 NM buffers.

Coordinates are converted from the datum each entry names to WGS 84 with pyproj; rhumb-line segments are
densified on the Mercator projection so that the lon/lat polyline follows them within a metre.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
import shapely.ops
from shapely.geometry.base import BaseGeometry

HERE = Path(__file__).resolve().parent
BOUNDARIES = HERE / "boundaries.toml"


class BoundaryError(ValueError):
    """``boundaries.toml`` holds an entry the build cannot use (named in the message)."""


@dataclass(frozen=True)
class AgreedLine:
    """An agreed boundary: WGS 84 turning points and the states on each side (ISO3)."""

    id: str
    left: str
    right: str
    corridor_deg: float
    points: np.ndarray  # (n, 2) lon, lat in WGS 84
    line: shapely.LineString  # densified along the segments as the agreement draws them


def read(path: Path = BOUNDARIES) -> dict[str, Any]:
    """Return the parsed ``boundaries.toml``."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


def to_wgs84(lon: np.ndarray, lat: np.ndarray, datum: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert lon/lat arrays from ``datum`` (an EPSG code) to WGS 84.

    Examples
    --------
    >>> x, y = to_wgs84(np.array([129.0]), np.array([34.5]), "EPSG:4301")
    >>> bool(-0.005 < x[0] - 129.0 < 0.0 and 0.0 < y[0] - 34.5 < 0.005)  # Tokyo Datum: ~400 m to the NW
    True
    """
    if datum in ("EPSG:4326", "WGS84"):
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    t = pyproj.Transformer.from_crs(datum, "EPSG:4326", always_xy=True)
    x, y = t.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def rhumb_polyline(points: np.ndarray, step_deg: float = 0.01) -> shapely.LineString:
    """Return the lon/lat polyline through ``points`` whose segments are rhumb lines (straight on Mercator).

    Examples
    --------
    >>> line = rhumb_polyline(np.array([[128.0, 33.0], [129.0, 34.0]]))
    >>> lon, lat = line.coords[50]  # 100 steps of 0.01 degree: the vertex at 128.5 E
    >>> round(lon, 6), bool(33.5 < lat < 33.51)  # a rhumb line bows towards the pole in lon/lat
    (128.5, True)
    """
    out: list[tuple[float, float]] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        n = max(1, math.ceil(max(abs(x1 - x0), abs(y1 - y0)) / step_deg))
        m0, m1 = _merc(y0), _merc(y1)
        for i in range(n):
            f = i / n
            out.append((x0 + f * (x1 - x0), _inv_merc(m0 + f * (m1 - m0))))
    out.append((float(points[-1][0]), float(points[-1][1])))
    return shapely.LineString(out)


def _merc(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def _inv_merc(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def agreed_lines(cfg: dict[str, Any] | None = None) -> list[AgreedLine]:
    """Return the agreed boundaries of ``boundaries.toml`` in WGS 84."""
    cfg = read() if cfg is None else cfg
    out = []
    for e in cfg.get("agreed", []):
        pts = np.array(e["points"], dtype=float)
        if pts.ndim != 2 or pts.shape[1] != 4 or len(pts) < 2:
            raise BoundaryError(f"boundaries.toml agreed {e.get('id')}: points must be [lat d, m, lon d, m] rows")
        if (pts[:, 1] >= 60).any() or (pts[:, 3] >= 60).any():
            raise BoundaryError(f"boundaries.toml agreed {e['id']}: a minute value is 60 or more")
        lon, lat = to_wgs84(pts[:, 2] + pts[:, 3] / 60, pts[:, 0] + pts[:, 1] / 60, e["datum"])
        wgs = np.column_stack([lon, lat])
        if e.get("segments", "rhumb") != "rhumb":
            raise BoundaryError(f"boundaries.toml agreed {e['id']}: only rhumb segments are supported")
        out.append(AgreedLine(e["id"], e["left"], e["right"], float(e["corridor_deg"]), wgs, rhumb_polyline(wgs)))
    return out


def baseline_lines(cfg: dict[str, Any] | None = None) -> dict[str, BaseGeometry]:
    """Return the straight baselines of ``boundaries.toml`` by country (ISO3) as WGS 84 multilines."""
    cfg = read() if cfg is None else cfg
    by_country: dict[str, list[shapely.LineString]] = {}
    for e in cfg.get("baseline", []):
        for a, b in e["lines"]:
            ends = np.array([_dms(a, e["id"]), _dms(b, e["id"])])
            lon, lat = to_wgs84(ends[:, 0], ends[:, 1], e["datum"])
            by_country.setdefault(e["country"], []).append(shapely.LineString(np.column_stack([lon, lat])))
    return {c: shapely.MultiLineString(v) for c, v in by_country.items()}


def _dms(p: list[Any], where: str) -> tuple[float, float]:
    """``[name, lat d, m, s, lon d, m, s]`` -> (lon, lat) degrees."""
    _, ld, lm, ls, od, om, os_ = p
    if max(lm, ls, om, os_) >= 60:
        raise BoundaryError(f"boundaries.toml baseline {where}: {p[0]}: a minute or second value is 60 or more")
    return od + om / 60 + os_ / 3600, ld + lm / 60 + ls / 3600


def sides(line: AgreedLine) -> tuple[BaseGeometry, BaseGeometry]:
    """Return the (left, right) halves of the flat-ended corridor of ``line.corridor_deg`` around the line.

    Examples
    --------
    >>> pts = np.array([[128.0, 33.0], [128.0, 34.0]])
    >>> a = AgreedLine("t", "KOR", "JPN", 0.2, pts, rhumb_polyline(pts))
    >>> left, right = sides(a)
    >>> left.contains(shapely.Point(127.9, 33.5)), right.contains(shapely.Point(128.1, 33.5))
    (True, True)
    """
    coords = np.asarray(line.line.coords)
    # reach slightly past each end so the line crosses the flat end caps
    ext = []
    for a, b in ((coords[1], coords[0]), (coords[-2], coords[-1])):
        d = b - a
        ext.append(b + d / np.linalg.norm(d) * 1e-3)
    long_line = shapely.LineString(np.vstack([ext[0], coords, ext[1]]))
    corridor = shapely.buffer(line.line, line.corridor_deg, cap_style="flat", join_style="round")
    pieces = list(shapely.ops.split(corridor, long_line).geoms)
    if len(pieces) != 2:
        raise BoundaryError(f"agreed line {line.id}: the corridor split into {len(pieces)} pieces, not 2")
    # the piece holding a point just left of the first segment's middle is the left one
    p0, p1 = coords[0], coords[min(len(coords) - 1, 1)]
    mid, d = (p0 + p1) / 2, p1 - p0
    probe = shapely.Point(mid + np.array([-d[1], d[0]]) / np.linalg.norm(d) * 1e-4)
    left = next((p for p in pieces if p.contains(probe)), None)
    if left is None:
        raise BoundaryError(f"agreed line {line.id}: cannot tell the left side of the line")
    right = next(p for p in pieces if p is not left)
    return left, right


def apply_agreed(
    cells: dict[str, BaseGeometry],
    label_country: dict[str, str],
    line: AgreedLine,
    reassign: dict[str, BaseGeometry],
    polygonal: Callable[[BaseGeometry], BaseGeometry],
) -> dict[str, float]:
    """Move the equidistance cells (in place) so that ``line`` divides its two states near it.

    ``cells`` maps a coast label to its Voronoi cell, ``label_country`` a label to its state;
    ``reassign`` gives, for the labels of each side's state, the cells to use where that state gains water
    (the equidistance split among that state's own coasts without the other state); ``polygonal`` keeps the
    polygonal part of an overlay result (``build.polygonal``). Returns the areas moved (square degrees, for the
    build statistics) and the share of each side that the equidistance split already gave to its state.
    """
    left, right = sides(line)
    stats: dict[str, float] = {}
    labels = {st: [k for k in cells if label_country.get(k) == st] for st in (line.left, line.right)}
    if not labels[line.left] or not labels[line.right]:
        raise BoundaryError(f"agreed line {line.id}: a state of the line has no coast in the zone build")
    before = {st: shapely.union_all([cells[k] for k in ks]) for st, ks in labels.items()}
    moves = []
    for state, other, mine, theirs in ((line.left, line.right, left, right), (line.right, line.left, right, left)):
        agree = float(shapely.area(mine.intersection(before[state])) / shapely.area(mine))
        if agree < 0.5:
            raise BoundaryError(f"agreed line {line.id}: {state} is not on that side ({agree:.0%} of it is)")
        gained = polygonal(mine.intersection(before[other]))
        stats[f"{state}_side_agreed_share"] = round(agree, 4)
        stats[f"{state}_gained_deg2"] = round(float(shapely.area(gained)), 6)
        moves.append((state, theirs, gained))
    for state, theirs, gained in moves:
        given = 0.0
        for k in labels[state]:
            add = polygonal(reassign.get(k, shapely.Polygon()).intersection(gained))
            given += float(shapely.area(add))
            cells[k] = polygonal(shapely.union_all([cells[k].difference(theirs), add]))
        if given < 0.999 * float(shapely.area(gained)) - 1e-9:
            raise BoundaryError(f"agreed line {line.id}: {state} gains water that none of its coasts is nearest")
    return stats


def apply_all(
    cells: dict[str, BaseGeometry],
    label_country: dict[str, str],
    points: np.ndarray,
    labels: np.ndarray,
    voronoi: Callable[[np.ndarray, np.ndarray, list[float]], dict[str, BaseGeometry]],
    polygonal: Callable[[BaseGeometry], BaseGeometry],
    cfg: dict[str, Any] | None = None,
) -> dict[str, dict[str, float]]:
    """Apply every agreed line of ``boundaries.toml`` to the equidistance ``cells`` (in place).

    ``points`` / ``labels`` are the Voronoi generators (coast samples) behind ``cells`` and ``voronoi`` the
    function that made them (``build.voronoi_cells``): where a state split into several coasts (Japan's
    prefectures) gains water, the water goes to its nearest coast, from a Voronoi of that state's generators
    near the line. Returns the statistics of :func:`apply_agreed` by line id.
    """
    out: dict[str, dict[str, float]] = {}
    for line in agreed_lines(cfg):
        w, s, e, n = shapely.buffer(line.line, line.corridor_deg).bounds
        near = [w - 3.0, s - 3.0, e + 3.0, n + 3.0]
        x, y = points[:, 0], points[:, 1]
        inside = (x >= near[0]) & (x <= near[2]) & (y >= near[1]) & (y <= near[3])
        reassign: dict[str, BaseGeometry] = {}
        for state in (line.left, line.right):
            own = [k for k in cells if label_country.get(k) == state]
            if len(own) == 1:
                reassign[own[0]] = shapely.box(*near)
                continue
            sel = inside & np.isin(labels, own)
            reassign.update(voronoi(points[sel], labels[sel], near))
        out[line.id] = apply_agreed(cells, label_country, line, reassign, polygonal)
    return out
