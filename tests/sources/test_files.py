"""GIS files: GeoJSON, GeoPackage, zipped Shapefile, KML (written by GDAL through geopandas)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geowarn.errors import ParseError, PayloadTooLarge
from geowarn.geodesy import densify, geodesic_area_km2
from geowarn.model import Phase
from geowarn.sources import detect_format, files, parse

BOX = shapely.box(124.5, 35.3, 124.9, 36.1)
GEODESIC_BOX = densify(BOX, 10_000.0)  # the corners joined by geodesics, as every reader outputs


def _fc(geom: dict, props: dict | None = None, **extra: object) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            **extra,
            "features": [{"type": "Feature", "properties": props or {}, "geometry": geom}],
        }
    )


def test_geojson_keeps_corridor_fields() -> None:
    props = {
        "id": "z1",
        "phase": "stage1",
        "name": "drop",
        "windows": [{"start": "2016-02-06T22:30:00Z", "end": "2016-02-07T03:30:00Z"}],
        "operator": "x",
    }
    out = parse(_fc(shapely.geometry.mapping(BOX), props), name="zones.geojson")
    c = out.corridors[0]
    assert out.format == "geojson"
    assert (c.id, c.phase, c.label, c.properties) == ("z1", Phase.STAGE1, "drop", {"operator": "x"})
    assert len(c.windows) == 1
    assert geodesic_area_km2(c.geometry) == pytest.approx(geodesic_area_km2(BOX), rel=1e-3)


def test_geojson_antimeridian_and_crs() -> None:
    split = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[175, 20], [180, 20], [180, 25], [175, 25], [175, 20]]],
            [[[-180, 20], [-170, 20], [-170, 25], [-180, 25], [-180, 20]]],
        ],
    }
    c = parse(_fc(split)).corridors[0]
    assert c.geometry.geom_type == "MultiPolygon" and c.geometry.is_valid
    assert c.geometry.bounds[0] == -180 and c.geometry.bounds[2] == 180
    merc = gpd.GeoSeries([BOX], crs=4326).to_crs(3857).iloc[0]
    legacy = _fc(shapely.geometry.mapping(merc), crs={"type": "name", "properties": {"name": "EPSG:3857"}})
    got = parse(legacy, "geojson").corridors[0].geometry
    assert shapely.symmetric_difference(got, GEODESIC_BOX).area < 1e-8


@pytest.mark.parametrize(
    ("geom", "message"),
    [
        (
            {
                "type": "Polygon",
                "coordinates": [[[124.5, 36.07], [124.9, 36.07], [124.5, 35.32], [124.9, 35.32], [124.5, 36.07]]],
            },
            "invalid polygon: Self-intersection",
        ),
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "not LineString"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 95], [2, 0], [0, 0]]]}, "out of range"),
        # issue 14 #10: longitude 500 was wrapped to 140°E, 190 taken as 170°W
        (
            {"type": "Polygon", "coordinates": [[[500, 0], [501, 0], [501, 1], [500, 0]]]},
            "longitude 500 is out of range",
        ),
        (
            {"type": "Polygon", "coordinates": [[[175, 0], [190, 0], [190, 1], [175, 0]]]},
            "longitude 190 is out of range",
        ),
    ],
)
def test_geojson_errors_have_a_json_path(geom: dict, message: str) -> None:
    with pytest.raises(ParseError) as err:
        parse(_fc(geom), "geojson")
    assert message in str(err.value)
    assert err.value.path == "$.features[0].geometry"


def _gdf() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["A", "B"], "phase": ["stage1", "fairing"]},
        geometry=[BOX, shapely.box(124.2, 32.3, 125.2, 33.3)],
        crs=4326,
    ).to_crs(32651)  # UTM 51N: the reader must convert back to lon/lat


def test_geopackage_and_zipped_shapefile(tmp_path: Path) -> None:
    gdf = _gdf()
    gdf.to_file(tmp_path / "zones.gpkg", layer="zones")
    shp = tmp_path / "shp"
    shp.mkdir()
    gdf.to_file(shp / "zones.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in shp.iterdir():
            z.write(f, f.name)
    for data, name, fmt in (
        ((tmp_path / "zones.gpkg").read_bytes(), "zones.gpkg", "gpkg"),
        (buf.getvalue(), "zones.zip", "shapefile"),
    ):
        assert detect_format(data, name) == fmt
        out = parse(data, name=name)
        assert [c.label for c in out.corridors] == ["A", "B"]
        assert [c.phase for c in out.corridors] == [Phase.STAGE1, Phase.FAIRING]
        assert shapely.symmetric_difference(out.corridors[0].geometry, GEODESIC_BOX).area < 1e-8


def test_kml(tmp_path: Path) -> None:
    _gdf().to_crs(4326).to_file(tmp_path / "zones.kml", driver="KML")
    data = (tmp_path / "zones.kml").read_bytes()
    assert detect_format(data) == "kml"
    out = parse(data)
    assert [c.label for c in out.corridors] == ["A", "B"]
    assert out.corridors[1].phase is Phase.FAIRING


def test_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "MAX_VERTICES", 4)
    with pytest.raises(PayloadTooLarge):
        parse(_fc(shapely.geometry.mapping(BOX)), "geojson")
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 10)
    with pytest.raises(PayloadTooLarge):
        parse(_fc(shapely.geometry.mapping(BOX)), "geojson")


def test_garbage_files_are_parse_errors() -> None:
    with pytest.raises(ParseError):
        parse(b"PK\x03\x04 not really a zip", "shapefile")
    with pytest.raises(ParseError):
        parse(b"SQLite format 3\x00 truncated", "gpkg")


def test_round_trip_through_rfc7946_output() -> None:
    from geowarn.publish.geojson import dumps, feature_collection

    text = "HYDROPAC 0999/23\n1. SPACE DEBRIS\n   A. 20-00N 175-00E, 20-00N 170-00W, 25-00N 170-00W, 25-00N 175-00E.\n"
    first = parse(text).corridors[0]
    again = parse(dumps(feature_collection([first.to_feature()])), "geojson").corridors[0]
    assert again.id == first.id and again.phase == first.phase and again.windows == first.windows
    assert again.raw == first.raw
    assert again.geometry.geom_type == "MultiPolygon"
    assert geodesic_area_km2(again.geometry) == pytest.approx(geodesic_area_km2(first.geometry), rel=1e-6)
