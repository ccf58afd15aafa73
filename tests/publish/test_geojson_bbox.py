"""A feature's bbox is the bounds of the geometry it carries (issue 16: computed without reading it back)."""

from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon

from geowarn.publish.geojson import PRECISION, feature, feature_collection


def _bounds_of_written(geometry: dict[str, object]) -> list[float]:
    return [round(v, PRECISION) for v in shapely.geometry.shape(geometry).bounds]


def test_bbox_is_the_bounds_of_the_written_geometry(shared_geometry: tuple[str, shapely.Geometry]) -> None:
    name, geom = shared_geometry
    geom = geom if geom.is_valid else shapely.make_valid(geom)  # the bowtie: corridors are made valid first
    out = feature({"id": name, "geometry": geom, "properties": {}})
    if out["geometry"] is None:
        assert name == "empty" and "bbox" not in out
        return
    assert out["bbox"] == _bounds_of_written(out["geometry"])


def test_bbox_of_unrounded_and_crossing_geometries() -> None:
    odd = Polygon([(124.12345649, 24.00000051), (125.9999996, 24.0), (125.0, 25.76543249)])
    crossing = Polygon([(175.0000004, 0.0), (190.0, 0.0), (190.0, 5.0000006), (175.0000004, 5.0000006)])
    for geom in (odd, crossing, MultiPolygon([odd, shapely.box(130, 30, 131, 31)])):
        out = feature({"geometry": geom})
        assert out["bbox"] == _bounds_of_written(out["geometry"]), geom.wkt
    assert feature({"geometry": crossing})["bbox"][0] == -180.0  # cut at 180°, both sides
    fc = feature_collection([{"geometry": odd}, {"geometry": crossing}])
    assert len(fc["features"]) == 2 and "bbox" in fc
