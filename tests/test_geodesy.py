"""Geodesy checked against pyproj.Geod (an independent, exact implementation).

Tolerances are stated per test: buffers within 0.1 % of the distance, areas
within 0.1 % (vectorised) or 0.5 % (ellipse vs π·a·b), points within 1 mm.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from geowarn import geodesy
from geowarn.errors import InvalidGeometry

GEOD = Geod(ellps="WGS84")
LATITUDES = [0.0, 24.0, 39.66, 60.0, -45.0]


@pytest.mark.parametrize("lat", LATITUDES)
@pytest.mark.parametrize("az", [0.0, 45.0, 135.0, 270.0])
def test_destination_and_inverse_agree_with_geod(lat: float, az: float) -> None:
    lat2, lon2 = geodesy.destination(lat, 124.7, az, 250_000)
    lon_ref, lat_ref, _ = GEOD.fwd(124.7, lat, az, 250_000)
    assert lat2 == pytest.approx(lat_ref, abs=1e-9)
    assert lon2 == pytest.approx(lon_ref, abs=1e-9)
    dist, az12, _ = geodesy.inverse(lat, 124.7, lat2, lon2)
    assert dist == pytest.approx(250_000, abs=1e-3)  # 1 mm
    assert az12 == pytest.approx(az if az <= 180 else az - 360, abs=1e-7)


def test_destination_across_antimeridian_is_normalised() -> None:
    lat, lon = geodesy.destination(24.0, 179.9, 90.0, 100_000)
    assert -180.0 <= lon <= 180.0
    assert lon < 0  # crossed to the western hemisphere
    dist, _, _ = geodesy.inverse(24.0, 179.9, lat, lon)
    assert dist == pytest.approx(100_000, abs=1e-3)


@given(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False))
def test_normalize_longitude_range_and_equivalence(lon: float) -> None:
    out = geodesy.normalize_longitude(lon)
    assert -180.0 <= out <= 180.0
    assert math.isclose(math.cos(math.radians(out)), math.cos(math.radians(lon)), abs_tol=1e-9)
    assert math.isclose(math.sin(math.radians(out)), math.sin(math.radians(lon)), abs_tol=1e-9)


# --------------------------------------------------------------------------- ellipse & circle


@pytest.mark.parametrize("lat", LATITUDES)
def test_ellipse_area_matches_pi_a_b(lat: float) -> None:
    e = geodesy.geodesic_ellipse((lat, 124.70), 41_500, 18_000, 30.0)
    assert e.is_valid and e.exterior.is_ccw
    assert geodesy.geodesic_area_km2(e) == pytest.approx(math.pi * 41.5 * 18.0, rel=0.005)


@pytest.mark.parametrize("lat", LATITUDES)
def test_ellipse_axes_measured_with_geod(lat: float) -> None:
    """The vertices at the ends of the axes lie a resp. b from the centre (0.1 %)."""
    az = 30.0
    e = geodesy.geodesic_ellipse((lat, 124.70), 41_500, 18_000, az, n=128)
    coords = np.asarray(e.exterior.coords)[:-1]
    _, _, d = GEOD.inv(np.full(len(coords), 124.70), np.full(len(coords), lat), coords[:, 0], coords[:, 1])
    assert d.max() == pytest.approx(41_500, rel=0.001)
    assert d.min() == pytest.approx(18_000, rel=0.001)
    far = coords[int(np.argmax(d))]
    fwd_az, _, _ = GEOD.inv(124.70, lat, far[0], far[1])
    assert min(abs(fwd_az - az), abs(fwd_az - (az - 180))) < 0.5


def test_ellipse_across_antimeridian_is_cut() -> None:
    e = geodesy.geodesic_ellipse((24.0, 179.9), 41_500, 18_000)
    assert isinstance(e, MultiPolygon) and len(e.geoms) == 2
    coords = shapely.get_coordinates(e)
    assert coords[:, 0].min() >= -180.0 and coords[:, 0].max() <= 180.0
    for part in e.geoms:
        assert part.is_valid and part.exterior.is_ccw
        assert part.bounds[2] - part.bounds[0] < 1.0  # no part spans the globe
    assert {round(p.bounds[0]) for p in e.geoms} | {round(p.bounds[2]) for p in e.geoms} >= {180, -180}
    assert geodesy.geodesic_area_km2(e) == pytest.approx(math.pi * 41.5 * 18.0, rel=0.005)


def test_circle_vertices_are_at_the_radius() -> None:
    c = geodesy.geodesic_circle(60.0, 10.0, 9_260)
    coords = np.asarray(c.exterior.coords)
    _, _, d = GEOD.inv(np.full(len(coords), 10.0), np.full(len(coords), 60.0), coords[:, 0], coords[:, 1])
    assert np.allclose(d, 9_260, atol=1e-3)


@pytest.mark.parametrize(
    ("center", "a", "b"),
    [((95.0, 0.0), 1000, 500), ((10.0, 0.0), -1, 500), ((10.0, 0.0), 1000, 0)],
)
def test_ellipse_rejects_bad_input(center: tuple[float, float], a: float, b: float) -> None:
    with pytest.raises(InvalidGeometry):
        geodesy.geodesic_ellipse(center, a, b)


# --------------------------------------------------------------------------- buffers


def _min_geod_distance(points: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """Brute-force geodesic distance from each point to the nearest sample (exact Geod.inv)."""
    out = np.empty(len(points))
    for i, (x, y) in enumerate(points):
        _, _, d = GEOD.inv(np.full(len(samples), x), np.full(len(samples), y), samples[:, 0], samples[:, 1])
        out[i] = d.min()
    return out


def _dense_samples(geom: shapely.Geometry, step_m: float = 100.0) -> np.ndarray:
    """Points every ``step_m`` along the geodesic edges of ``geom`` (lon/lat)."""
    dense = geodesy.densify(geodesy.unwrap(geom), step_m)
    boundary = dense.boundary if dense.geom_type in ("Polygon", "MultiPolygon") else dense
    return shapely.get_coordinates(boundary)


@pytest.mark.parametrize(
    ("name", "geom", "dist"),
    [
        ("track-sakishima", LineString([(124.705, 39.66), (124.705, 30.0), (125.3, 24.0)]), 50_000),
        ("track-60N", LineString([(10.0, 60.0), (25.0, 61.0)]), 100_000),
        ("box-yellow-sea", shapely.box(124.5, 35.32, 124.9, 36.07), 22_224),
        ("track-antimeridian", LineString([(175.0, 30.0), (-175.0, 32.0)]), 100_000),
        ("point", Point(127.7, 26.2), 22_224),
    ],
)
def test_buffer_distance_within_0_1_percent(name: str, geom: shapely.Geometry, dist: float) -> None:
    buf = geodesy.geodesic_buffer(geom, dist)
    assert buf.is_valid, name
    coords = shapely.get_coordinates(buf)
    assert coords[:, 0].min() >= -180 and coords[:, 0].max() <= 180
    boundary = shapely.get_coordinates(buf.boundary)
    rng = np.random.default_rng(7)
    picks = boundary[rng.choice(len(boundary), size=min(40, len(boundary)), replace=False)]
    samples = _dense_samples(geom, 100.0) if geom.geom_type != "Point" else np.array([[geom.x, geom.y]])
    d = _min_geod_distance(picks, samples)
    # the sampled line is within 100 m of the true one; the buffer boundary within 0.1 % of dist
    assert np.all(np.abs(d - dist) <= 0.001 * dist + 100.0), (name, d.min(), d.max())


def test_buffer_across_antimeridian_is_cut() -> None:
    buf = geodesy.geodesic_buffer(LineString([(175.0, 30.0), (-175.0, 32.0)]), 100_000)
    assert isinstance(buf, MultiPolygon)
    for part in buf.geoms:
        assert part.bounds[2] - part.bounds[0] < 20.0


def test_buffer_rejects_negative_distance() -> None:
    with pytest.raises(InvalidGeometry):
        geodesy.geodesic_buffer(Point(0, 0), -1)


# --------------------------------------------------------------------------- areas


@pytest.mark.parametrize("lat", LATITUDES)
def test_vectorised_area_within_0_1_percent_of_geod(lat: float) -> None:
    shapes = [
        geodesy.densify(shapely.box(124.0, lat, 125.0, lat + 0.8), 2_000),
        geodesy.geodesic_ellipse((lat, 130.0), 150_000, 60_000, 75.0),
        geodesy.geodesic_buffer(LineString([(120.0, lat), (122.0, lat + 1.0)]), 30_000),
    ]
    fast = geodesy.geodesic_areas_km2(shapes)
    for area, shape in zip(fast, shapes, strict=True):
        exact, _ = GEOD.geometry_area_perimeter(geodesy.orient_ccw(shape))
        assert area == pytest.approx(abs(exact) / 1e6, rel=0.001)


def test_area_formula_agrees_with_projecting_through_pyproj() -> None:
    """``method="formula"`` (EPSG:6933 in closed form, issue 16) gives pyproj's planar areas."""
    ring = Point(130.0, 35.0).buffer(2.0)
    shapes = [
        geodesy.densify(shapely.box(124.0, 30.0, 125.0, 30.8), 2_000),
        ring.difference(Point(130.0, 35.0).buffer(0.5)),  # a hole
        MultiPolygon([shapely.box(179.0, -10.0, 180.0, -9.0), shapely.box(-180.0, -10.0, -179.0, -9.0)]),
        shapely.GeometryCollection([shapely.box(10.0, 80.0, 20.0, 89.0), LineString([(0, 0), (1, 1)])]),
        shapely.box(140.0, 35.0, 140.00001, 35.00001),  # about 1 m²: no cancellation
        Point(1.0, 1.0),
        Polygon(),
        None,
    ]
    projected = geodesy.geodesic_areas_km2(shapes)
    formula = geodesy.geodesic_areas_km2(shapes, method="formula")
    assert projected[0] > 0 and projected[-3:].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(formula, projected, rtol=1e-9, atol=0)
    with pytest.raises(ValueError, match="method"):
        geodesy.geodesic_areas_km2(shapes, method="degrees")


def test_area_of_shared_geometries(shared_geometry: tuple[str, shapely.Geometry]) -> None:
    name, geom = shared_geometry
    area = geodesy.geodesic_area_km2(geom)
    if name == "empty":
        assert area == 0.0
        return
    assert area > 0
    if name == "with_hole":
        outer = geodesy.geodesic_area_km2(Polygon(geom.exterior))
        hole = geodesy.geodesic_area_km2(Polygon(geom.interiors[0]))
        assert area == pytest.approx(outer - hole, rel=1e-9)


# --------------------------------------------------------------------------- orientation, antimeridian, densify


def test_orient_ccw_on_shared_geometries(shared_geometry: tuple[str, shapely.Geometry]) -> None:
    _, geom = shared_geometry
    out = geodesy.orient_ccw(geom)
    polys = getattr(out, "geoms", [out])
    for p in polys:
        if p.is_empty:
            continue
        assert p.exterior.is_ccw
        assert all(not r.is_ccw for r in p.interiors)


def test_split_antimeridian_from_jumping_coordinates() -> None:
    p = Polygon([(179.0, 10.0), (-179.0, 10.0), (-179.0, 11.0), (179.0, 11.0)])
    out = geodesy.split_antimeridian(p)
    assert isinstance(out, MultiPolygon)
    assert sorted(round(g.area, 9) for g in out.geoms) == [1.0, 1.0]
    halves = geodesy.geodesic_area_km2(shapely.box(179.0, 10.0, 180.0, 11.0)) * 2
    assert geodesy.geodesic_area_km2(out) == pytest.approx(halves, rel=1e-9)


def test_split_antimeridian_keeps_ordinary_geometry() -> None:
    p = shapely.box(124.5, 35.3, 124.9, 36.1)
    assert geodesy.split_antimeridian(p).equals(p)


@given(st.floats(min_value=1_000, max_value=200_000))
@settings(max_examples=25, deadline=None)
def test_densify_bounds_every_edge(max_m: float) -> None:
    line = LineString([(124.7, 39.66), (124.7, 30.0), (130.0, 20.0)])
    dense = geodesy.densify(line, max_m)
    c = np.asarray(dense.coords)
    _, _, d = GEOD.inv(c[:-1, 0], c[:-1, 1], c[1:, 0], c[1:, 1])
    assert d.max() <= max_m * 1.000001
    assert dense.coords[0] == line.coords[0] and dense.coords[-1] == line.coords[-1]


def test_geodesic_distance_matches_geod() -> None:
    a = shapely.box(124.5, 35.32, 124.9, 36.07)
    b = Point(126.0, 36.0)
    d = geodesy.geodesic_distance_m(a, b)
    # brute force over the densified boundary of a
    ref = _min_geod_distance(np.array([[126.0, 36.0]]), _dense_samples(a, 50.0))[0]
    assert d == pytest.approx(ref, abs=60.0)
