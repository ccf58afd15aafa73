"""Agreed boundaries and straight baselines in the shipped zones (issue 15, boundaries part).

Reference coordinates: ``layers/boundaries.toml`` (each entry names its published sources: the 1974
Japan–Korea continental-shelf agreement, Article I; Japan's Enforcement Order of the Act on the Territorial
Sea and the Contiguous Zone, Article 1). The test converts them itself (pyproj, the datum the entry names)
and measures the shipped layers with geodesic distances.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry.base import BaseGeometry

from geowarn import layers as L
from geowarn.geodesy import NM, destination, geodesic_distance_m, inverse

CFG = tomllib.loads((Path(__file__).parents[1] / "layers" / "boundaries.toml").read_text(encoding="utf-8"))
TREATY = next(e for e in CFG["agreed"] if e["id"] == "JP-KR-1974")


pytestmark = pytest.mark.usefixtures("shipped_layers")  # tests/conftest.py


def _to_wgs84(lon: np.ndarray, lat: np.ndarray, datum: str) -> np.ndarray:
    t = pyproj.Transformer.from_crs(datum, "EPSG:4326", always_xy=True)
    x, y = t.transform(lon, lat)
    return np.column_stack([x, y])


def _turning_points() -> np.ndarray:
    p = np.array(TREATY["points"], dtype=float)
    return _to_wgs84(p[:, 2] + p[:, 3] / 60, p[:, 0] + p[:, 1] / 60, TREATY["datum"])


@cache
def _state_zone(iso3: str) -> BaseGeometry:
    """The state's 12 NM and 200 NM zones together (national features ``TS-XXX`` / ``EEZ-XXX``)."""
    ts, eez = L.load_layer("territorial-seas"), L.load_layer("eez-like")
    return shapely.union_all([ts.region(f"TS-{iso3}").geometry, eez.region(f"EEZ-{iso3}").geometry])


def test_treaty_has_35_points_in_order() -> None:
    p = np.array(TREATY["points"], dtype=float)
    assert len(p) == 35 and (p[:, [1, 3]] < 60).all()
    # the line runs from the Jeju–Goto gap north-east to the Sea of Japan: neither coordinate decreases
    lat, lon = p[:, 0] + p[:, 1] / 60, p[:, 2] + p[:, 3] / 60
    assert (np.diff(lat) > 0).all() and (np.diff(lon) >= 0).all()


@pytest.mark.parametrize("n", range(1, 36))
def test_shipped_japan_korea_boundary_passes_each_turning_point(n: int) -> None:
    lon, lat = _turning_points()[n - 1]
    p = shapely.Point(lon, lat)
    d_jp, d_kr = geodesic_distance_m(p, _state_zone("JPN")), geodesic_distance_m(p, _state_zone("KOR"))
    assert max(d_jp, d_kr) < 100.0, (n, round(d_jp), round(d_kr))


def _offsets(km: float) -> list[tuple[str, float, float, float, float]]:
    """(where, left lon, left lat, right lon, right lat) ``km`` either side of each segment's middle."""
    pts = _turning_points()
    out = []
    for i in range(len(pts) - 1):
        (x0, y0), (x1, y1) = pts[i], pts[i + 1]
        _, az, _ = inverse(y0, x0, y1, x1)
        length, _, _ = inverse(y0, x0, y1, x1)
        my, mx = destination(y0, x0, az, length / 2)
        ly, lx = destination(my, mx, az - 90, km * 1000)
        ry, rx = destination(my, mx, az + 90, km * 1000)
        out.append((f"{i + 1}-{i + 2}", lx, ly, rx, ry))
    return out


@pytest.mark.parametrize(("seg", "lx", "ly", "rx", "ry"), _offsets(5.0), ids=lambda v: v if isinstance(v, str) else "")
def test_points_5_km_either_side_of_the_line_fall_to_the_right_state(
    seg: str, lx: float, ly: float, rx: float, ry: float
) -> None:
    ts, eez = L.load_layer("territorial-seas"), L.load_layer("eez-like")

    def ids(x: float, y: float) -> set[str]:
        p = shapely.Point(x, y)
        return {r.id for r in ts.query(p)} | {r.id for r in eez.query(p)}

    left, right = ids(lx, ly), ids(rx, ry)
    # Korea (left of the line travelled from point 1) and Japan (right), and one prefecture part for Japan
    assert left & {"TS-KOR", "EEZ-KOR"} and not any("JP" in i for i in left), (seg, left)
    assert right & {"TS-JPN", "EEZ-JPN"} and not any("KOR" in i for i in right), (seg, right)
    assert len({i.split("-", 1)[1] for i in right if "-JP-" in i}) == 1, (seg, right)


def test_agreed_line_moved_the_split_and_is_recorded() -> None:
    stats = next(e for e in L.catalog() if e["id"] == "eez-like")["build_stats"]
    moved = stats["agreed_lines"]["JP-KR-1974"]
    # equidistance gave part of each side to the other state; the agreed line gave it back
    assert moved["KOR_gained_deg2"] > 0 and moved["JPN_gained_deg2"] > 0
    assert 0.5 < moved["KOR_side_agreed_share"] < 1 and 0.5 < moved["JPN_side_agreed_share"] < 1


def _closing_lines() -> list[tuple[str, shapely.LineString]]:
    out = []
    for e in CFG["baseline"]:
        for a, b in e["lines"]:
            ends = np.array([[p[4] + p[5] / 60 + p[6] / 3600, p[1] + p[2] / 60 + p[3] / 3600] for p in (a, b)])
            xy = _to_wgs84(ends[:, 0], ends[:, 1], e["datum"])
            out.append((f"{a[0].split()[-2]}-{b[0].split()[-2]}", shapely.LineString(xy)))
    return out


@cache
def _land() -> BaseGeometry:
    return L.load_layer("land").geometries[0]


def test_baseline_ends_are_on_the_coast() -> None:
    # each published point is a lighthouse or cape: within 200 m of the JMA / Natural Earth land
    for name, line in _closing_lines():
        for xy in line.coords:
            assert geodesic_distance_m(shapely.Point(xy), _land()) < 200.0, (name, xy)


def _beyond_coast_within_line(line: shapely.LineString, step: float) -> list[shapely.Point]:
    """Water points more than 12 NM (+300 m) from every coast but less than 12 NM (-300 m) from ``line``."""
    w, s, e, n = line.bounds
    xs, ys = np.arange(w - 0.3, e + 0.3, step), np.arange(s - 0.3, n + 0.3, step)
    grid = shapely.points([(x, y) for x in xs for y in ys])
    near = _land().intersection(shapely.box(w - 1, s - 1, e + 1, n + 1))
    # cheap planar filters first (0.15 degree is under 12 NM here, 0.25 degree over it)
    grid = grid[(shapely.distance(grid, line) < 0.25) & (shapely.distance(grid, near) > 0.15)]
    out = []
    for p in grid:
        if geodesic_distance_m(p, line) < 12 * NM - 300 and geodesic_distance_m(p, near) > 12 * NM + 300:
            out.append(p)
    return out


def test_waters_beyond_12_nm_of_the_coast_but_within_12_nm_of_a_baseline_are_territorial_sea() -> None:
    ts = L.load_layer("territorial-seas")
    found = {}
    for name, line in _closing_lines():
        pts = _beyond_coast_within_line(line, 0.005)
        found[name] = len(pts)
        for p in pts:
            ids = {r.id for r in ts.query(p)}
            assert "TS-JPN" in ids and any(i.startswith("TS-JP-") for i in ids), (name, p.y, p.x, ids)
    # the Kii channel line (about 29 km long) adds such water (~17 km², one point per 0.2 km² here); the
    # Bungo and Kanmon lines are too short to reach past their coasts' own belts
    assert found["Hinomisaki-Gamodamisaki"] > 20, found


def test_belt_is_12_nm_from_the_baseline_where_the_baseline_is_nearest() -> None:
    ts = L.load_layer("territorial-seas").region("TS-JPN").geometry
    checked = 0
    for _, line in _closing_lines():
        # the belt's edge within ~12 NM of the line (0.25 degree is more than 12 NM here)
        zone = shapely.buffer(line, 0.25)
        edge = shapely.segmentize(shapely.boundary(ts).intersection(zone), 0.002)
        near = _land().intersection(shapely.buffer(line, 1.0))
        for xy in shapely.get_coordinates(edge):
            p = shapely.Point(xy)
            d_line = geodesic_distance_m(p, line)
            if d_line > 13 * NM or d_line < 11 * NM or geodesic_distance_m(p, near) < d_line + 1000:
                continue
            assert abs(d_line - 12 * NM) < 100.0, (xy, round(d_line - 12 * NM))
            checked += 1
    assert checked > 20, checked


def test_seto_inland_sea_internal_waters_are_in_the_territorial_sea_layer() -> None:
    # internal waters landward of the closing lines are classified with the 12 NM belt (TS-JPN + prefecture)
    ts = L.load_layer("territorial-seas")
    ring = [(131.0, 33.95), (131.0, 34.2), (132.5, 34.5), (135.5, 34.8), (135.5, 34.2), (135.0, 33.9)]
    ring += [(134.7, 33.85), (133.0, 33.9), (132.0, 33.35), (131.7, 33.5)]
    seto = shapely.Polygon(ring)
    pts = shapely.points([(x, y) for x in np.arange(130.9, 135.5, 0.05) for y in np.arange(33.3, 34.9, 0.05)])
    water = [p for p in pts[shapely.contains(seto, pts)] if not _land().intersects(p)]
    assert len(water) > 500
    for p in water:
        ids = {r.id for r in ts.query(p)}
        assert "TS-JPN" in ids and any(i.startswith("TS-JP-") for i in ids), (p.x, p.y, ids)
