"""One display simplification for the layer build, the layers and the map (geowarn.simplify)."""

from __future__ import annotations

import numpy as np
import shapely

from geowarn.simplify import display_copy


def _tiles() -> np.ndarray:
    return np.array([shapely.box(0, 0, 1, 1).segmentize(0.01), shapely.box(1, 0, 2, 1).segmentize(0.01)])


def test_a_coverage_keeps_its_shared_border() -> None:
    out = display_copy(_tiles(), 0.05)
    assert shapely.is_valid(out).all()
    assert shapely.get_num_coordinates(out).sum() < shapely.get_num_coordinates(_tiles()).sum()
    assert shapely.intersection(out[0], out[1]).length == 1.0 and shapely.intersection(out[0], out[1]).area == 0


def test_overlapping_levels_simplify_apart_and_cleaned_or_not() -> None:
    country = shapely.box(0, 0, 2, 1).segmentize(0.01)
    geoms = np.concatenate([_tiles(), [country]])
    out = display_copy(geoms, 0.05, groups=[True, True, False])
    assert [g.geom_type for g in out] == ["Polygon"] * 3 and shapely.is_valid(out).all()
    assert shapely.equals(out[2], shapely.box(0, 0, 2, 1))
    overlapping = display_copy(geoms, 0.05)  # not a coverage: one geometry at a time, still valid polygons
    assert shapely.is_valid(overlapping).all() and {g.geom_type for g in overlapping} == {"Polygon"}


def test_specks_dropped_and_per_geometry_mode(shared_geometry: tuple[str, shapely.Geometry]) -> None:
    name, geom = shared_geometry
    (out,) = display_copy(np.array([geom], dtype=object), 0.001, coverage=False, min_area=1e-4)
    assert out.is_valid, name
    assert out.geom_type in ("Polygon", "MultiPolygon"), name
    if not geom.is_empty and geom.is_valid:
        assert abs(out.area - geom.area) <= 0.01 * geom.area, name
    if name == "multi_islands":
        assert shapely.get_num_geometries(out) == 30  # 0.0025 deg² islands are above 1e-4
    specks = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(3, 3, 3.001, 3.001)])
    assert shapely.get_num_geometries(display_copy(np.array([specks]), 0.001, min_area=1e-4)[0]) == 1
