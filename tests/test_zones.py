"""The alert-zone engine (geowarn.zones) against independent computations.

Goldens are computed in the tests themselves by an independent implementation
(``geopandas.overlay(how="intersection")`` + ``pyproj.Geod`` areas, brute-force
geodesic distances) on the same inputs.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import MultiPolygon, Polygon

from geowarn.errors import InvalidGeometry, InvalidParameter
from geowarn.geodesy import (
    GEOD,
    densify,
    destination,
    geodesic_buffer,
    geodesic_circle,
    geodesic_ellipse,
    orient_ccw,
)
from geowarn.model import AlertZone, Corridor, Phase, Region, RegionKind, Severity, TimeWindow, Urgency
from geowarn.zones import (
    DENSIFY_M,
    MAX_PIECE_VERTICES,
    MIN_AREA_KM2,
    SimpleLayer,
    compute_zones,
    layer_index,
    subdivide,
    zone_id,
)

T0 = datetime(2016, 2, 6, 22, 30, tzinfo=UTC)
WINDOW = TimeWindow(T0, T0 + timedelta(hours=5))


# --------------------------------------------------------------------------- synthetic layers


def wiggly_sea(lat: float, lon: float, radius_m: float, n: int = 20_000) -> Polygon:
    """A sea-like polygon with ``n`` vertices (a wavy geodesic circle)."""
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    r = radius_m * (1.0 + 0.03 * np.sin(np.radians(az) * 97.0) + 0.01 * np.sin(np.radians(az) * 1013.0))
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), az, r)
    return orient_ccw(Polygon(np.column_stack([lons, lats])))


def islands(seed: int = 7, count: int = 300) -> MultiPolygon:
    """``count`` small round islands scattered like the Sakishima group."""
    rnd = random.Random(seed)
    circles = [
        geodesic_circle(rnd.uniform(24.0, 25.0), rnd.uniform(123.5, 125.5), rnd.uniform(300, 3000), n=24)
        for _ in range(count)
    ]
    merged = shapely.union_all(circles)
    assert merged.geom_type == "MultiPolygon"
    return merged


@pytest.fixture(scope="module")
def island_geom() -> MultiPolygon:
    return islands()


@pytest.fixture(scope="module")
def layers(island_geom: MultiPolygon) -> list[SimpleLayer]:
    # like the shipped layers, regions have short (densified) edges
    sea_a = wiggly_sea(34.0, 124.0, 400_000)
    sea_b = shapely.difference(densify(shapely.box(126.0, 28.0, 140.0, 40.0), 10_000), sea_a)
    pacific = MultiPolygon(
        [
            densify(shapely.box(170.0, 10.0, 180.0, 30.0), 10_000),
            densify(shapely.box(-180.0, 10.0, -165.0, 30.0), 10_000),
        ]
    )
    seas = SimpleLayer(
        "t-seas",
        RegionKind.SEA,
        [
            Region("t-seas", "SEA-a", "Sea A", RegionKind.SEA, sea_a),
            Region("t-seas", "SEA-b", "Sea B", RegionKind.SEA, sea_b),
            Region("t-seas", "SEA-pacific", "Pacific", RegionKind.SEA, pacific),
        ],
    )
    ts_ring = shapely.difference(geodesic_buffer(island_geom, 22_224), island_geom)
    admin = SimpleLayer(
        "t-admin",
        RegionKind.ADMIN,
        [
            Region("t-admin", "JP-47", "Okinawa", RegionKind.ADMIN, island_geom, name_ja="沖縄県"),
            Region("t-admin", "X-touch", "Touching", RegionKind.ADMIN, shapely.box(125.0, 35.3, 125.4, 36.1)),
        ],
    )
    ts = SimpleLayer(
        "t-ts",
        RegionKind.TERRITORIAL_SEA,
        [Region("t-ts", "TS-JP-47", "Okinawa TS", RegionKind.TERRITORIAL_SEA, ts_ring)],
    )
    return [seas, admin, ts]


def corridor(cid: str, geom: shapely.Geometry, phase: Phase = Phase.STAGE1, **kw: object) -> Corridor:
    return Corridor(id=cid, geometry=geom, phase=phase, windows=(WINDOW,), **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def corridors() -> list[Corridor]:
    track = shapely.LineString([(124.705, 39.66), (124.705, 22.0)])
    return [
        corridor("box", shapely.box(124.5, 35.3, 124.9, 36.1)),  # long edges: densified by the engine
        corridor("ellipse", geodesic_ellipse((33.0, 126.0), 150_000, 60_000, 30.0), Phase.FAIRING),
        corridor("big", geodesic_ellipse((34.0, 124.0), 600_000, 450_000, 10.0), Phase.DEBRIS),
        corridor("overflight", geodesic_buffer(track, 50_000), Phase.OVERFLIGHT),
        corridor("dateline", geodesic_ellipse((20.0, 179.5), 300_000, 100_000, 80.0), Phase.REENTRY),
        corridor("island-drop", geodesic_ellipse((24.5, 124.5), 60_000, 30_000, 45.0), Phase.STAGE2),
    ]


# --------------------------------------------------------------------------- independent computation


def geod_area_km2(geom: shapely.Geometry) -> float:
    area, _ = GEOD.geometry_area_perimeter(orient_ccw(geom))
    return abs(area) / 1e6


def overlay_reference(corridors: list[Corridor], layer: SimpleLayer) -> dict[tuple[str, str], tuple[float, object]]:
    """geopandas.overlay intersection, dissolved per (corridor, region), areas by Geod."""
    cg = gpd.GeoDataFrame(
        {"cid": [c.id for c in corridors]},
        geometry=[densify(c.geometry, DENSIFY_M) for c in corridors],  # the edges the engine intersects
        crs="EPSG:4326",
    )
    rg = gpd.GeoDataFrame(
        {"rid": [r.id for r in layer.regions]}, geometry=[r.geometry for r in layer.regions], crs="EPSG:4326"
    )
    ov = gpd.overlay(cg, rg, how="intersection", keep_geom_type=True)
    out: dict[tuple[str, str], tuple[float, object]] = {}
    for (cid, rid), grp in ov.groupby(["cid", "rid"]):
        geom = shapely.union_all(grp.geometry.values)
        area = geod_area_km2(geom)
        if area > MIN_AREA_KM2:
            out[(str(cid), str(rid))] = (area, geom)
    return out


def brute_distance_km(a: shapely.Geometry, b: shapely.Geometry) -> float:
    """Minimum Geod distance between densely sampled boundaries (an upper bound, tight when dense)."""
    pa = shapely.get_coordinates(shapely.segmentize(a.boundary, 0.002))
    pb = shapely.get_coordinates(shapely.segmentize(b.boundary, 0.002))
    # keep the closest few hundred candidates in degrees, then measure geodesically
    d2 = ((pa[:, None, 0] - pb[None, :, 0]) ** 2 + (pa[:, None, 1] - pb[None, :, 1]) ** 2).ravel()
    best = np.argsort(d2)[:400]
    ia, ib = np.unravel_index(best, (len(pa), len(pb)))
    _, _, dist = GEOD.inv(pa[ia, 0], pa[ia, 1], pb[ib, 0], pb[ib, 1])
    return float(np.min(dist)) / 1000.0


# --------------------------------------------------------------------------- goldens


@pytest.fixture(scope="module")
def zones(corridors: list[Corridor], layers: list[SimpleLayer]) -> list[AlertZone]:
    return compute_zones(corridors, layers, margin_km=30.0, now=T0 + timedelta(hours=1), event_id="ev")


def test_intersections_match_geopandas_overlay(
    corridors: list[Corridor], layers: list[SimpleLayer], zones: list[AlertZone]
) -> None:
    checked = 0
    for layer in layers:
        ref = overlay_reference(corridors, layer)
        got = {(z.corridor_id, z.region_id): z for z in zones if z.layer == layer.id and z.geometry is not None}
        assert set(got) == set(ref), layer.id
        for key, (area, geom) in ref.items():
            z = got[key]
            assert z.area_km2 == pytest.approx(area, rel=1e-3), key
            assert z.geometry is not None and z.geometry.is_valid
            assert z.geometry.geom_type in ("Polygon", "MultiPolygon")
            diff = shapely.symmetric_difference(z.geometry, geom).area
            assert diff <= 1e-6 * max(geom.area, 1e-9), key
            checked += 1
    assert checked >= 12  # the fixture really exercises many pairs


def test_areas_agree_with_geod(zones: list[AlertZone]) -> None:
    for z in zones:
        if z.geometry is not None:
            assert z.area_km2 == pytest.approx(geod_area_km2(z.geometry), rel=1e-3), (z.corridor_id, z.region_id)


def test_fractions(corridors: list[Corridor], layers: list[SimpleLayer], zones: list[AlertZone]) -> None:
    regions = {r.id: r for layer in layers for r in layer.regions}
    by_id = {c.id: c for c in corridors}
    for z in zones:
        if z.geometry is None:
            assert z.area_km2 == 0 and z.region_fraction == 0 and z.corridor_fraction == 0
            continue
        assert z.region_fraction == pytest.approx(z.area_km2 / geod_area_km2(regions[z.region_id].geometry), rel=2e-3)
        c_area = geod_area_km2(densify(by_id[z.corridor_id].geometry, DENSIFY_M))
        assert z.corridor_fraction == pytest.approx(z.area_km2 / c_area, rel=2e-3)
    # the seas partition the "big" corridor's footprint where they cover it: fractions add up
    big = [z for z in zones if z.corridor_id == "big" and z.layer == "t-seas" and z.geometry is not None]
    covered = shapely.union_all([r.geometry for r in layers[0].regions])
    expect = geod_area_km2(shapely.intersection(densify(by_id["big"].geometry, DENSIFY_M), covered))
    assert sum(z.area_km2 for z in big) == pytest.approx(expect, rel=1e-3)


def test_islands_region_with_hundreds_of_parts(island_geom: MultiPolygon, zones: list[AlertZone]) -> None:
    assert len(island_geom.geoms) > 100
    [z] = [z for z in zones if z.corridor_id == "island-drop" and z.region_id == "JP-47"]
    assert z.geometry is not None and z.geometry.geom_type == "MultiPolygon"
    assert len(z.geometry.geoms) >= 5
    assert z.severity is Severity.EXTREME and z.response.value == "Shelter"


# --------------------------------------------------------------------------- the Okinawa case and severity


def test_okinawa_overflight_is_severe_immediate_shelter(zones: list[AlertZone]) -> None:
    jp47 = [z for z in zones if z.corridor_id == "overflight" and z.region_id == "JP-47"]
    ts = [z for z in zones if z.corridor_id == "overflight" and z.region_id == "TS-JP-47"]
    assert len(jp47) == 1 and len(ts) == 1
    for z in (*jp47, *ts):
        assert z.geometry is not None and z.area_km2 > 0
        assert (z.severity.value, z.urgency.value, z.response.value) == ("Severe", "Immediate", "Shelter")
    assert jp47[0].region_name_ja == "沖縄県"


def test_impact_far_at_sea_is_a_maritime_zone(zones: list[AlertZone]) -> None:
    [z] = [z for z in zones if z.corridor_id == "box" and z.region_id == "SEA-a"]
    assert (z.region_kind, z.severity, z.response.value) == (RegionKind.SEA, Severity.SEVERE, "Avoid")
    assert z.corridor_fraction == pytest.approx(1.0, abs=1e-9)


def test_zones_carry_windows_urgency_and_certainty(corridors: list[Corridor], layers: list[SimpleLayer]) -> None:
    c = corridor("box", shapely.box(124.5, 35.3, 124.9, 36.1), confidence_level=0.997)
    for now, urgency in [(T0 - timedelta(minutes=77), Urgency.EXPECTED), (T0 - timedelta(days=3), Urgency.FUTURE)]:
        [z] = [z for z in compute_zones([c], layers, now=now) if z.geometry is not None]
        assert z.windows == (WINDOW,) and z.window_start == T0
        assert z.urgency is urgency and z.certainty.value == "Likely"


def test_order_is_severity_then_area(zones: list[AlertZone]) -> None:
    keys = [(z.severity.rank, -z.area_km2) for z in zones]
    assert keys == sorted(keys)
    assert {z.severity for z in zones} >= {Severity.EXTREME, Severity.SEVERE, Severity.MODERATE}


# --------------------------------------------------------------------------- edges


def test_antimeridian_corridor(geoms: dict[str, shapely.Geometry], layers: list[SimpleLayer]) -> None:
    c = corridor("am", geoms["antimeridian"], Phase.DEBRIS)
    [z] = compute_zones([c], layers[:1], margin_km=0)
    assert z.region_id == "SEA-pacific"
    assert z.geometry is not None and z.geometry.geom_type == "MultiPolygon"
    assert sorted(round(g.bounds[0]) for g in z.geometry.geoms) == [-180, 175]
    assert z.area_km2 == pytest.approx(geod_area_km2(geoms["antimeridian"]), rel=1e-3)
    assert z.corridor_fraction == pytest.approx(1.0, rel=1e-6)
    # the same corridor written with unwrapped longitudes (175 … 190) gives the same zone
    unwrapped = corridor("am", shapely.box(175.0, 20.0, 190.0, 25.0), Phase.DEBRIS)
    [z2] = compute_zones([unwrapped], layers[:1], margin_km=0)
    assert (z2.id, z2.region_id) == (z.id, z.region_id)
    assert z2.area_km2 == pytest.approx(z.area_km2, rel=1e-6)


def test_antimeridian_proximity_across_180(layers: list[SimpleLayer]) -> None:
    # a corridor just west of the dateline, 20-ish km from a region that starts east of it
    east_only = SimpleLayer(
        "t-east", RegionKind.SEA, [Region("t-east", "E", "East", RegionKind.SEA, shapely.box(-179.8, 19, -179, 21))]
    )
    c = corridor("w", geodesic_ellipse((20.0, 179.85), 5_000, 5_000), Phase.DEBRIS)
    [z] = compute_zones([c], [east_only], margin_km=40)
    assert z.geometry is None and z.severity is Severity.MODERATE
    shifted = shapely.box(180.2, 19, 181, 21)  # the same region east of 180° in unwrapped longitudes
    assert z.distance_km == pytest.approx(brute_distance_km(c.geometry, shifted), rel=5e-3)
    assert 25 < z.distance_km < 40


def test_touching_only_gives_no_zero_area_zone(geoms: dict[str, shapely.Geometry], layers: list[SimpleLayer]) -> None:
    admin = layers[1]
    c = corridor("t", geoms["touching_neighbour"], Phase.STAGE1)
    zs = compute_zones([c], [admin], margin_km=0)
    assert zs == []
    [z] = compute_zones([c], [admin], margin_km=5)
    assert z.region_id == "X-touch" and z.geometry is None and z.distance_km == 0.0 and z.area_km2 == 0.0
    assert z.severity is Severity.MODERATE


def test_proximity_distance_is_geodesic(layers: list[SimpleLayer]) -> None:
    admin = layers[1]
    region = admin.regions[1].geometry  # box 125.0-125.4 E, 35.3-36.1 N
    lat, lon = destination(35.7, 125.4, 90.0, 20_000 + 8_000)  # an 8 km circle 20 km east of the box
    c = corridor("near", geodesic_circle(lat, lon, 8_000), Phase.FAIRING)
    [z] = compute_zones([c], [admin], margin_km=25)
    assert z.region_id == "X-touch" and z.geometry is None
    assert z.distance_km == pytest.approx(brute_distance_km(c.geometry, region), rel=5e-3)
    assert z.distance_km == pytest.approx(20.0, rel=1e-2)
    assert compute_zones([c], [admin], margin_km=15) == []


def test_empty_results(layers: list[SimpleLayer]) -> None:
    assert compute_zones([], layers) == []
    far = corridor("far", geodesic_ellipse((-40.0, 10.0), 50_000, 20_000))
    assert compute_zones([far], layers) == []
    assert compute_zones([far], []) == []
    empty_layer = SimpleLayer("none", RegionKind.ADMIN, [])
    assert compute_zones([far], [empty_layer]) == []


@pytest.mark.parametrize("name", ["empty", "bowtie"])
def test_invalid_corridors_are_rejected(
    name: str, geoms: dict[str, shapely.Geometry], layers: list[SimpleLayer]
) -> None:
    ok = corridor("fine", geoms["square"])
    bad = corridor(f"bad-{name}", geoms[name])
    with pytest.raises(InvalidGeometry, match=f"corridor 'bad-{name}'"):
        compute_zones([ok, bad], layers)


def test_other_invalid_inputs(layers: list[SimpleLayer]) -> None:
    with pytest.raises(InvalidGeometry, match=r"corridor .pt.*Point"):
        compute_zones([corridor("pt", shapely.Point(124, 35))], layers)
    with pytest.raises(InvalidGeometry, match="latitudes"):
        compute_zones([corridor("lat", shapely.box(124, 85, 125, 95))], layers)
    with pytest.raises(InvalidParameter, match="margin_km"):
        compute_zones([corridor("m", shapely.box(124, 35, 125, 36))], layers, margin_km=-1)


def test_shared_geometries(shared_geometry: tuple[str, shapely.Geometry], layers: list[SimpleLayer]) -> None:
    name, geom = shared_geometry
    c = corridor(name, geom, Phase.DEBRIS)
    if name in ("empty", "bowtie"):
        with pytest.raises(InvalidGeometry, match=name):
            compute_zones([c], layers)
        return
    zs = compute_zones([c], layers, margin_km=0)
    for z in zs:
        assert z.area_km2 > MIN_AREA_KM2 and z.geometry is not None and not z.geometry.is_empty
        assert z.area_km2 == pytest.approx(geod_area_km2(z.geometry), rel=1e-3)
    total = sum(z.area_km2 for z in zs if z.layer == "t-seas")
    covered = shapely.union_all([r.geometry for r in layers[0].regions])
    assert total == pytest.approx(
        geod_area_km2(shapely.intersection(densify(geom, DENSIFY_M), covered)), rel=1e-3, abs=1e-6
    )


# --------------------------------------------------------------------------- determinism & the index


def test_deterministic_ids_and_order(
    corridors: list[Corridor], layers: list[SimpleLayer], zones: list[AlertZone]
) -> None:
    shuffled_c = list(reversed(corridors))
    fresh_layers = [SimpleLayer(x.id, x.kind, list(reversed(x.regions))) for x in reversed(layers)]
    again = compute_zones(shuffled_c, fresh_layers, margin_km=30.0, now=T0 + timedelta(hours=1), event_id="ev")
    assert [z.id for z in again] == [z.id for z in zones]
    assert [round(z.area_km2, 6) for z in again] == [round(z.area_km2, 6) for z in zones]
    assert len({z.id for z in zones}) == len(zones)
    z = zones[0]
    assert z.id == zone_id("ev", z.corridor_id, z.layer, z.region_id)
    assert zone_id("other", z.corridor_id, z.layer, z.region_id) != z.id
    # GeoJSON round trip keeps the contract properties
    back = AlertZone.from_feature(json.loads(json.dumps(z.to_feature())))
    assert (back.id, back.region_id, back.severity, back.windows) == (z.id, z.region_id, z.severity, z.windows)


def test_subdivision_tiles_regions_exactly(layers: list[SimpleLayer]) -> None:
    seas = layers[0]
    ix = layer_index(seas)
    assert layer_index(seas) is ix  # cached per layer object
    assert int(shapely.get_num_coordinates(ix.pieces).max()) <= MAX_PIECE_VERTICES
    assert shapely.get_num_coordinates(seas.regions[0].geometry) > 10_000
    for r_i, region in enumerate(seas.regions):
        pieces = ix.pieces[ix.piece_region == r_i]
        assert shapely.area(pieces).sum() == pytest.approx(region.geometry.area, rel=1e-9)
        assert shapely.union_all(pieces).symmetric_difference(region.geometry).area < 1e-9
    empty_pieces, owner = subdivide(np.array([Polygon(), shapely.LineString([(0, 0), (1, 1)])], dtype=object))
    assert len(empty_pieces) == len(owner) == 0


def test_many_corridors_against_overlay(layers: list[SimpleLayer]) -> None:
    rnd = random.Random(11)
    cs = [
        corridor(
            f"r{i}",
            geodesic_ellipse(
                (rnd.uniform(22, 40), rnd.uniform(118, 138)), rnd.uniform(20e3, 150e3), 15e3, rnd.uniform(0, 180)
            ),
            Phase.DEBRIS,
        )
        for i in range(40)
    ]
    got = compute_zones(cs, layers, margin_km=0)
    for layer in layers:
        ref = overlay_reference(cs, layer)
        mine = {(z.corridor_id, z.region_id): z.area_km2 for z in got if z.layer == layer.id}
        assert set(mine) == set(ref)
        for key, (area, _) in ref.items():
            assert mine[key] == pytest.approx(area, rel=1e-3)


# --------------------------------------------------------------------------- CLI


def test_cli_zones_rejects_bad_input(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from geowarn.cli import main

    good = tmp_path / "c.geojson"
    good.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": [corridor("c", shapely.box(124, 35, 125, 36)).to_feature()]}
        )
    )
    res = CliRunner().invoke(main, ["zones", str(good), "--margin-km", "-3"])
    assert res.exit_code == 1 and "--margin-km" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(main, ["zones", str(good), "--now", "yesterday"])
    assert res.exit_code == 1 and "yesterday" in res.output
    res = CliRunner().invoke(main, ["zones", str(tmp_path / "missing.geojson")])
    assert res.exit_code == 1 and "no such file" in res.output


def test_severity_rank_sanity() -> None:
    assert math.isfinite(MIN_AREA_KM2) and Severity.EXTREME.rank < Severity.SEVERE.rank


# --------------------------------------------------------------------------- the shipped layers
# docs/DESIGN.md §4: the 2016 launch boxes (corners as published: NW, NE, SW, SE) and the southbound
# track from Sohae past the Sakishima Islands.

SOHAE = (39.660, 124.705)
KMS4_BOXES = {
    "stage1": [(36, 4, 124, 30), (36, 4, 124, 54), (35, 19, 124, 30), (35, 19, 124, 54)],
    "fairing": [(33, 16, 124, 11), (33, 16, 125, 9), (32, 22, 124, 11), (32, 21, 125, 8)],
    "stage2": [(19, 44, 123, 53), (19, 43, 124, 51), (17, 1, 123, 52), (17, 0, 124, 48)],
}


def box_from_corners(corners: list[tuple[int, int, int, int]]) -> Polygon:
    """The published corners (degrees, minutes) ordered around their centroid."""
    pts = [(lon_d + lon_m / 60, lat_d + lat_m / 60) for lat_d, lat_m, lon_d, lon_m in corners]
    cx, cy = sum(p[0] for p in pts) / 4, sum(p[1] for p in pts) / 4
    pts.sort(key=lambda p: math.atan2(p[1] - cy, p[0] - cx))
    return Polygon(pts)


@pytest.fixture(scope="module")
def shipped() -> dict[str, object]:
    layers_mod = pytest.importorskip("geowarn.layers", reason="geowarn.layers (issue 3) is not in the tree yet")
    try:
        found = {x.id: x for x in layers_mod.load_layers()}
        found["land"] = layers_mod.load_layer("land")
    except Exception as exc:  # pragma: no cover - only while the layers are being built
        pytest.skip(f"shipped layers not available yet: {exc}")
    needed = {"jp-prefectures", "admin1", "seas", "territorial-seas", "eez-like", "land"}
    if not needed <= set(found):
        pytest.skip(f"shipped layers incomplete: missing {sorted(needed - set(found))}")
    return found


@pytest.fixture(scope="module")
def kms4_corridors() -> list[Corridor]:
    phases = {"stage1": Phase.STAGE1, "fairing": Phase.FAIRING, "stage2": Phase.STAGE2}
    out = [corridor(name, box_from_corners(c), phases[name]) for name, c in KMS4_BOXES.items()]
    lat_end, _ = destination(SOHAE[0], SOHAE[1], 180.0, 1_900_000)  # due south to ≈ 22.5 N
    track = shapely.LineString([(SOHAE[1], SOHAE[0]), (SOHAE[1], lat_end)])
    out.append(corridor("overflight", geodesic_buffer(track, 50_000), Phase.OVERFLIGHT))
    return out


@pytest.fixture(scope="module")
def kms4_zones(shipped: dict[str, object], kms4_corridors: list[Corridor]) -> list[AlertZone]:
    return compute_zones(kms4_corridors, list(shipped.values()), margin_km=0, now=T0 + timedelta(hours=1))  # type: ignore[arg-type]


def _hits(zones: list[AlertZone], corridor_id: str, layer: str) -> set[str]:
    return {z.region_id for z in zones if z.corridor_id == corridor_id and z.layer == layer and z.geometry is not None}


def test_shipped_2016_drop_zones(kms4_zones: list[AlertZone]) -> None:
    assert _hits(kms4_zones, "stage1", "seas") == {"SEA-yellow-sea"}
    assert "SEA-east-china-sea" in _hits(kms4_zones, "fairing", "seas")
    assert "SEA-philippine-sea" in _hits(kms4_zones, "stage2", "seas")
    assert "EEZ-PHL" in _hits(kms4_zones, "stage2", "eez-like")
    for name in KMS4_BOXES:
        for land_layer in ("jp-prefectures", "admin1", "land"):
            assert _hits(kms4_zones, name, land_layer) == set(), (name, land_layer)
    for z in kms4_zones:
        if z.corridor_id in KMS4_BOXES and z.layer == "seas":
            assert (z.severity, z.response.value, z.urgency) == (Severity.SEVERE, "Avoid", Urgency.IMMEDIATE)


def test_shipped_sohae_overflight_okinawa(kms4_zones: list[AlertZone]) -> None:
    jp47 = [z for z in kms4_zones if z.corridor_id == "overflight" and z.region_id == "JP-47"]
    ts47 = [z for z in kms4_zones if z.corridor_id == "overflight" and z.region_id == "TS-JP-47"]
    assert len(jp47) == 1 and len(ts47) == 1
    for z in (*jp47, *ts47):
        assert (z.severity, z.urgency, z.response.value) == (Severity.SEVERE, Urgency.IMMEDIATE, "Shelter")
        assert z.area_km2 > 1 and z.geometry is not None


def test_shipped_layers_match_geopandas_overlay(shipped: dict[str, object], kms4_corridors: list[Corridor]) -> None:
    layers = [shipped[k] for k in ("seas", "jp-prefectures", "territorial-seas", "eez-like")]
    got = compute_zones(kms4_corridors, layers, margin_km=0)  # type: ignore[arg-type]
    for layer in layers:
        ref = overlay_reference(kms4_corridors, layer)  # type: ignore[arg-type]
        mine = {(z.corridor_id, z.region_id): z.area_km2 for z in got if z.layer == layer.id}  # type: ignore[attr-defined]
        assert set(mine) == set(ref), layer.id  # type: ignore[attr-defined]
        for key, (area, _) in ref.items():
            assert mine[key] == pytest.approx(area, rel=1e-3), key


def test_shipped_proximity_and_cli(shipped: dict[str, object], kms4_corridors: list[Corridor], tmp_path) -> None:  # type: ignore[no-untyped-def]
    from geowarn.cli import main

    src = tmp_path / "corridors.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [c.to_feature() for c in kms4_corridors]}))
    out = tmp_path / "zones.geojson"
    res = CliRunner().invoke(
        main,
        [
            "zones",
            str(src),
            "--layer",
            "seas",
            "--layer",
            "jp-prefectures",
            "--margin-km",
            "60",
            "--now",
            "2016-02-06T23:00:00Z",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    fc = json.loads(out.read_text())
    assert fc["type"] == "FeatureCollection" and "crs" not in fc and "bbox" in fc
    props = [f["properties"] for f in fc["features"]]
    ranks = [(Severity(p["severity"]).rank, -p["area_km2"]) for p in props]
    assert ranks == sorted(ranks)
    assert {"JP-47", "SEA-yellow-sea"} <= {p["region_id"] for p in props}
    near = [p for p in props if p["distance_km"] > 0]
    assert near and all(0 < p["distance_km"] <= 60 and p["area_km2"] == 0 for p in near)
    for f in fc["features"]:
        assert (f["geometry"] is None) == (f["properties"]["distance_km"] > 0 or f["properties"]["area_km2"] == 0)


def test_concurrent_calls_agree(corridors: list[Corridor], layers: list[SimpleLayer]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fresh = [SimpleLayer(x.id, x.kind, list(x.regions)) for x in layers]  # index built under contention
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: compute_zones(corridors, fresh, margin_km=30, now=T0, event_id="ev"), range(4)))
    serial = compute_zones(corridors, layers, margin_km=30.0, now=T0, event_id="ev")
    for run in runs:
        assert [(z.id, round(z.area_km2, 6), round(z.distance_km, 6)) for z in run] == [
            (z.id, round(z.area_km2, 6), round(z.distance_km, 6)) for z in serial
        ]


# --------------------------------------------------------------------------- shipped pieces (issue 16)

ALERT_LAYERS = ["jp-prefectures", "admin1", "seas", "territorial-seas", "eez-like"]


@pytest.mark.parametrize("layer_id", ALERT_LAYERS)
def test_shipped_pieces_are_the_pieces_cut_at_run_time(layer_id: str) -> None:
    """The pieces ``make layers`` ships are exactly those the engine cuts from the loaded geometries."""
    from geowarn.layers import load_layer
    from geowarn.zones import MAX_PIECE_DEGREES, cut_pieces

    layer = load_layer(layer_id)
    stored = layer.stored_pieces(MAX_PIECE_VERTICES, MAX_PIECE_DEGREES)
    assert stored is not None, f"{layer_id}: no usable shipped pieces (run `make layers`)"
    pieces, owner, area = cut_pieces(np.asarray(list(layer.geometries), dtype=object))
    assert len(stored.geometries) == len(pieces) > len(layer.regions)
    assert shapely.equals_exact(stored.geometries, pieces, tolerance=0).all()
    np.testing.assert_array_equal(shapely.get_coordinates(stored.geometries), shapely.get_coordinates(pieces))
    np.testing.assert_array_equal(stored.owner, owner)
    np.testing.assert_array_equal(stored.area_km2, area)
    # and the index built from them is the one built from scratch
    ix = layer_index(layer)
    scratch = layer_index(SimpleLayer(layer.id, layer.kind, list(layer.regions), layer.geometries))
    assert ix is not scratch
    np.testing.assert_array_equal(ix.region_area_km2, scratch.region_area_km2)
    np.testing.assert_array_equal(ix.region_pieces, scratch.region_pieces)


def test_shipped_pieces_give_the_zones_of_pieces_cut_from_scratch(
    shipped: dict[str, object], kms4_corridors: list[Corridor]
) -> None:
    layers = [shipped[k] for k in ALERT_LAYERS]
    scratch = [SimpleLayer(x.id, x.kind, list(x.regions), x.geometries) for x in layers]  # type: ignore[attr-defined]
    now = T0 + timedelta(hours=1)
    got = compute_zones(kms4_corridors, layers, margin_km=30, now=now)  # type: ignore[arg-type]
    ref = compute_zones(kms4_corridors, scratch, margin_km=30, now=now)
    assert len(got) > 10
    assert [(z.id, z.area_km2, z.distance_km, z.region_fraction) for z in got] == [
        (z.id, z.area_km2, z.distance_km, z.region_fraction) for z in ref
    ]
    for a, b in zip(got, ref, strict=True):
        assert (a.geometry is None) == (b.geometry is None)
        if a.geometry is not None:
            assert a.geometry.symmetric_difference(b.geometry).area < 1e-12


def test_stale_or_tampered_pieces_are_cut_again(tmp_path, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    import shutil

    from geowarn import layers as L
    from geowarn.zones import MAX_PIECE_DEGREES

    d = tmp_path / "layers"
    shutil.copytree(L.shipped_layers_dir(), d)
    layer = L.load_layer("seas", d)
    assert layer.pieces_file == d / "seas.pieces.bin"
    assert layer.stored_pieces(MAX_PIECE_VERTICES, MAX_PIECE_DEGREES) is not None
    assert layer.stored_pieces(MAX_PIECE_VERTICES // 2, MAX_PIECE_DEGREES) is None  # other limits: not these pieces
    # a pieces file that is not the one the catalog records is never used
    (d / "seas.pieces.bin").write_bytes((d / "eez-like.pieces.bin").read_bytes())
    L.clear_cache()
    with caplog.at_level("WARNING", logger="geowarn.layers"):
        again = L.load_layer("seas", d)
    assert again.pieces_file is None and "differs from the catalog" in caplog.text
    ix = layer_index(again)
    assert len(ix.pieces) == len(layer_index(layer).pieces)
    L.clear_cache()


def test_pieces_cut_from_other_geometries_are_not_used(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A layer rebuilt without its pieces (the catalog and file agree, the packed file is new): cut again."""
    import hashlib
    import shutil

    from geowarn import layers as L
    from geowarn.zones import MAX_PIECE_DEGREES

    d = tmp_path / "layers"
    shutil.copytree(L.shipped_layers_dir(), d)
    old = L.read_pieces(d / "seas.pieces.bin")
    L.write_pieces(
        d / "seas.pieces.bin",
        L.Pieces(old.geometries, old.owner, old.area_km2, {**old.head, "source_sha256": "0" * 64}),
    )
    cat = json.loads((d / "catalog.json").read_text())
    for e in cat["layers"]:
        if e["id"] == "seas":
            e["pieces_sha256"] = hashlib.sha256((d / "seas.pieces.bin").read_bytes()).hexdigest()
    (d / "catalog.json").write_text(json.dumps(cat))
    L.clear_cache()
    layer = L.load_layer("seas", d)
    assert layer.pieces_file is not None
    assert layer.stored_pieces(MAX_PIECE_VERTICES, MAX_PIECE_DEGREES) is None
    L.clear_cache()


# --------------------------------------------------------------------------- engine threads (issue 16)


def test_threads_give_the_zones_of_one_thread(shipped: dict[str, object], kms4_corridors: list[Corridor]) -> None:
    layers = [shipped[k] for k in ALERT_LAYERS]
    now = T0 + timedelta(hours=1)
    one = compute_zones(kms4_corridors, layers, margin_km=30, now=now, threads=1)  # type: ignore[arg-type]
    two = compute_zones(kms4_corridors, layers, margin_km=30, now=now, threads=2)  # type: ignore[arg-type]
    assert len(one) > 10
    assert [(z.id, z.area_km2, z.distance_km) for z in one] == [(z.id, z.area_km2, z.distance_km) for z in two]
    for a, b in zip(one, two, strict=True):
        assert (a.geometry is None) == (b.geometry is None)
        assert a.geometry is None or a.geometry.equals_exact(b.geometry, tolerance=0)


def test_three_threads_share_the_exact_work_of_all_layers(
    shipped: dict[str, object], kms4_corridors: list[Corridor]
) -> None:
    """The exact intersections of all layers are cut into chunks that any thread takes: same zones."""
    layers = [shipped[k] for k in ALERT_LAYERS]
    one = compute_zones(kms4_corridors, layers, margin_km=0, now=T0, threads=1)  # type: ignore[arg-type]
    three = compute_zones(kms4_corridors, layers, margin_km=0, now=T0, threads=3)  # type: ignore[arg-type]
    assert sum(z.geometry is not None for z in one) > 10
    assert [(z.id, z.area_km2) for z in one] == [(z.id, z.area_km2) for z in three]
    for a, b in zip(one, three, strict=True):
        assert a.geometry is not None and a.geometry.equals_exact(b.geometry, tolerance=0)


def test_threads_work_in_a_forked_child(corridors: list[Corridor], layers: list[SimpleLayer]) -> None:
    """The helper threads of the parent do not exist in a forked child (gunicorn workers): no hang."""
    import multiprocessing

    expected = len(compute_zones(corridors, layers, margin_km=0, now=T0, threads=2))  # the parent's pool exists
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=lambda: queue.put(len(compute_zones(corridors, layers, margin_km=0, now=T0, threads=2))))
    child.start()
    child.join(60)
    alive = child.is_alive()
    if alive:
        child.kill()
    assert not alive, "compute_zones hung in a forked child"
    assert child.exitcode == 0 and queue.get(timeout=5) == expected > 0


# --------------------------------------------------------------------------- region clips (issue 16)


def test_region_clips_are_checked_against_the_areas_of_their_pieces(shipped: dict[str, object]) -> None:
    """The expected planar area of region ∩ box (from the pieces) is the exact one; wrong clips are not used."""
    from geowarn.zones import CLIP_VERTICES, _checked_clip, _clipped_areas, _grown

    rnd = random.Random(16)
    checked = 0
    for layer_id in ALERT_LAYERS:
        ix = layer_index(shipped[layer_id])  # type: ignore[arg-type]
        big = np.flatnonzero(ix.region_vertices > CLIP_VERTICES)
        regions = np.array([int(rnd.choice(big)) for _ in range(40)], dtype=np.int64)
        boxes = []
        for r in regions:
            x0, y0, x1, y1 = ix.region_bounds[r]
            w, h = rnd.uniform(0.3, 3.0), rnd.uniform(0.3, 3.0)
            cx, cy = rnd.uniform(x0, x1), rnd.uniform(y0, y1)
            boxes.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
        box = _grown(np.array(boxes))
        expect = _clipped_areas(ix, regions, box)
        exact = shapely.area(shapely.intersection(ix.geometries[regions], shapely.box(*box.T)))
        assert np.allclose(expect, exact, rtol=1e-9, atol=1e-15)
        geoms = ix.geometries[regions]
        clips = _checked_clip(geoms, box, expect)
        used = np.array([c is not g for c, g in zip(clips, geoms, strict=True)])
        assert used.mean() > 0.9  # GEOS' rectangle clip is right nearly always …
        assert np.allclose(shapely.area(clips[used]), exact[used], rtol=1e-9, atol=1e-15)
        # … and where the area it should have is not the area it has, the whole region is used instead
        kept = _checked_clip(geoms, box, expect * 1.001 + 1e-9)
        assert all(k is g for k, g in zip(kept, geoms, strict=True))
        checked += int(used.sum())
    assert checked > 150


def test_engine_jobs_queue_follow_ups_and_hand_back_a_failure() -> None:
    """Jobs run lowest priority first, may queue more jobs, and a failure stops every thread and is kept."""
    import threading

    from geowarn.zones import _Jobs

    jobs = _Jobs()
    ran: list[str] = []
    lock = threading.Lock()

    def note(name: str, then: str | None = None) -> Callable[[object], None]:
        def job(_: object) -> None:
            with lock:
                ran.append(name)
            if then is not None:
                jobs.push(0, note(then))

        return job

    jobs.push(2, note("late"))
    jobs.push(1, note("first", then="follow-up"))
    jobs.work(lambda: None)  # type: ignore[arg-type,return-value]
    assert ran == ["first", "follow-up", "late"] and jobs.error is None

    def boom(_: object) -> None:
        raise RuntimeError("boom")

    failing = _Jobs()
    for _ in range(20):
        failing.push(1, note("work"))
    failing.push(0, boom)
    threads = [threading.Thread(target=failing.work, args=(lambda: None,)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads)
    assert isinstance(failing.error, RuntimeError)
