"""Benchmark: geowarn's alert-zone engine vs geopandas.overlay and PostGIS, on the same inputs.

Run with ``make bench`` (or ``.venv/bin/python bench/zones.py [--quick]``). Not a timed test.

Inputs
  (a) the demo corridors (NAVAREA XI 0123/16 areas, the Sakishima overflight swath, the 2023
      Chollima-1 profile) × the shipped layers;
  (b) seeded synthetic sets of 10, 100, 1,000 and 10,000 corridors — geodesic ellipses and buffered ground
      tracks across East Asia, some crossing 180° — × the same layers.
  Every corridor is densified along the geodesic to ≤ 10 km edges *before* any method sees it, so
  the three methods intersect exactly the same polygons.

Methods (each returns (corridor, layer, region) → intersection area in km²)
  geowarn   compute_zones(margin_km=0) with the layer index loaded beforehand (load time reported;
            the pieces shipped by ``make layers``, and the time to cut them from scratch), its
            default two threads; ``gw-1t`` the same in one thread;
  overlay   geopandas.overlay(how="intersection", keep_geom_type=True) per layer, then area in
            EPSG:6933 (layer GeoDataFrames built beforehand);
  postgis   ST_Intersection + ST_Area in EPSG:6933 (like geowarn and overlay; its best form: at 1,000
            corridors ~25-35 % less CPU than ST_Area(geography), same pairs, areas within 0.003 %)
            joined on ST_Intersects with GiST indexes, data loaded beforehand into a scratch schema
            (postgresql://postgres@127.0.0.1:5432/test);
  postgis-sub  the same over ST_Subdivide(geom, 96) pieces (the PostGIS idiom for big polygons).

Checks: all methods give the same (corridor, region) pairs and total areas within 0.1 %.
Times: median wall and CPU seconds (CPU = this process + the PostgreSQL backend, read from /proc;
PostgreSQL without parallel workers, whose CPU the backend reading would miss); the load average at
the start, after every set and at the end (the machine may be shared).
Peak memory: peak RSS growth during one run in a forked child (Linux VmHWM reset at its start;
PostGIS server memory is not included).
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geowarn import zones as zmod
from geowarn.geodesy import GEOD, densify, geodesic_buffer, geodesic_ellipse, split_antimeridian
from geowarn.model import Corridor, Phase, Region, RegionKind

PG_URL = os.environ.get("GEOWARN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = "geowarn_bench_zones"
MIN_AREA = zmod.MIN_AREA_KM2
Pairs = dict[tuple[str, str, str], float]


# --------------------------------------------------------------------------- inputs


def shipped_layers() -> tuple[list[Any], str]:
    try:
        from geowarn.layers import load_layers

        layers = list(load_layers())
        if layers:
            return layers, "shipped layers"
    except Exception as exc:  # the layers module or files are missing
        print(f"note: shipped layers unavailable ({type(exc).__name__}: {exc}); using synthetic stand-ins")
    return synthetic_layers(), "SYNTHETIC stand-in layers (shipped layers missing)"


def synthetic_layers() -> list[Any]:
    """Stand-ins of similar size: wavy 'seas' with 20k vertices, an island group, a box grid of admin units."""
    seas = []
    rnd = random.Random(3)
    for i, (lat, lon, r) in enumerate([(35, 124, 450e3), (28, 127, 500e3), (40, 135, 500e3), (18, 132, 900e3)]):
        n = 20_000
        az = np.linspace(0, 360, n, endpoint=False)
        rad = r * (1 + 0.03 * np.sin(np.radians(az) * 97) + 0.01 * np.sin(np.radians(az) * 1013))
        lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), az, rad)
        seas.append(
            Region("seas", f"SEA-{i}", f"Sea {i}", RegionKind.SEA, shapely.Polygon(np.column_stack([lons, lats])))
        )
    geoms = [r.geometry for r in seas]
    for i in range(1, len(geoms)):
        geoms[i] = shapely.difference(geoms[i], shapely.union_all(geoms[:i]))
    seas = [Region("seas", r.id, r.name, r.kind, g) for r, g in zip(seas, geoms, strict=True)]
    admin = []
    for i in range(12):
        for j in range(8):
            cells = [shapely.box(110 + i * 3, 20 + j * 3, 113 + i * 3, 23 + j * 3)]
            admin.append(Region("admin", f"A-{i}-{j}", "cell", RegionKind.ADMIN, densify(cells[0], 5_000)))
    isl = shapely.union_all(
        [shapely.Point(rnd.uniform(123, 126), rnd.uniform(24, 27)).buffer(0.02, quad_segs=8) for _ in range(400)]
    )
    admin.append(Region("admin", "JP-47", "islands", RegionKind.ADMIN, isl))
    return [zmod.SimpleLayer("seas", RegionKind.SEA, seas), zmod.SimpleLayer("admin", RegionKind.ADMIN, admin)]


def demo_corridors() -> list[Corridor]:
    from geowarn.demo import demo_text, sakishima_overflight
    from geowarn.sources import parse

    out = list(parse(demo_text("navarea-xi-2016-kms4.txt"), "auto", name="navarea-xi-2016-kms4.txt").corridors)
    out.append(sakishima_overflight())
    out += parse(demo_text("profile-2023-chollima.toml"), "profile", name="profile-2023-chollima.toml").corridors
    return out


def synthetic_corridors(n: int, seed: int) -> list[Corridor]:
    rnd = random.Random(seed)
    out: list[Corridor] = []
    for i in range(n):
        crossing = rnd.random() < 0.05
        lat = rnd.uniform(15.0, 45.0)
        lon = rnd.uniform(178.5, 181.5) if crossing else rnd.uniform(110.0, 150.0)
        if i % 2 == 0:
            major = rnd.uniform(20e3, 200e3)
            geom = geodesic_ellipse(
                (lat, ((lon + 180) % 360) - 180), major, rnd.uniform(10e3, major), rnd.uniform(0, 180)
            )
            phase = Phase.DEBRIS
        else:
            length, az = rnd.uniform(100e3, 600e3), rnd.uniform(0, 360)
            lon2, lat2, _ = GEOD.fwd(lon, lat, az, length)
            lon2 = lon + (((lon2 - lon) + 180) % 360 - 180)
            track = densify(shapely.LineString([(lon, lat), (lon2, lat2)]), 20_000)
            geom = geodesic_buffer(track, rnd.uniform(20e3, 60e3))
            phase = Phase.OVERFLIGHT
        out.append(Corridor(id=f"s{n}-{i}", geometry=geom, phase=phase))
    return out


def prepared(corridors: list[Corridor]) -> list[Corridor]:
    """Densify every corridor once so all methods intersect the same polygons."""
    out = []
    for c in corridors:
        g = split_antimeridian(densify(c.geometry, zmod.DENSIFY_M))
        out.append(Corridor(id=c.id, geometry=shapely.make_valid(g) if not g.is_valid else g, phase=c.phase))
    return out


# --------------------------------------------------------------------------- methods


def run_geowarn(corridors: list[Corridor], layers: list[Any], threads: int = zmod.ENGINE_THREADS) -> Pairs:
    zs = zmod.compute_zones(corridors, layers, margin_km=0.0, threads=threads)
    return {(z.corridor_id, z.layer, z.region_id): z.area_km2 for z in zs}


class Overlay:
    def __init__(self, layers: list[Any]) -> None:
        import geopandas as gpd

        self.gpd = gpd
        self.frames = [
            (
                layer.id,
                gpd.GeoDataFrame(
                    {"rid": [r.id for r in layer.regions]}, geometry=list(layer.geometries), crs="EPSG:4326"
                ),
            )
            for layer in layers
        ]

    def __call__(self, corridors: list[Corridor]) -> Pairs:
        gpd = self.gpd
        cg = gpd.GeoDataFrame({"cid": [c.id for c in corridors]}, geometry=[c.geometry for c in corridors], crs=4326)
        out: Pairs = {}
        for lid, frame in self.frames:
            ov = gpd.overlay(cg, frame, how="intersection", keep_geom_type=True)
            if len(ov) == 0:
                continue
            areas = ov.to_crs("EPSG:6933").area.to_numpy() / 1e6
            for cid, rid, a in zip(ov["cid"], ov["rid"], areas, strict=True):
                if a > MIN_AREA:
                    out[(cid, lid, rid)] = out.get((cid, lid, rid), 0.0) + float(a)
        return out


class PostGIS:
    def __init__(self, layers: list[Any]) -> None:
        import psycopg

        self.conn = psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
        self.backend_pid = int(self.conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]
        # one backend, no parallel workers: their CPU would escape the /proc reading of the backend
        self.conn.execute("SET max_parallel_workers_per_gather = 0")
        cur = self.conn.cursor()
        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        cur.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cur.execute(f"CREATE SCHEMA {SCHEMA}")
        cur.execute(f"CREATE TABLE {SCHEMA}.regions (layer text, rid text, geom geometry(Geometry, 4326))")
        cur.execute(f"CREATE TABLE {SCHEMA}.corridors (set_id text, cid text, geom geometry(Geometry, 4326))")
        rows = [
            (layer.id, r.id, shapely.to_wkb(g))
            for layer in layers
            for r, g in zip(layer.regions, layer.geometries, strict=True)
        ]
        with cur.copy(f"COPY {SCHEMA}.regions (layer, rid, geom) FROM STDIN") as cp:
            for lid, rid, wkb in rows:
                cp.write_row((lid, rid, wkb.hex()))
        cur.execute(f"UPDATE {SCHEMA}.regions SET geom = ST_SetSRID(geom, 4326)")
        cur.execute(f"CREATE INDEX ON {SCHEMA}.regions USING gist (geom)")
        cur.execute(
            f"CREATE TABLE {SCHEMA}.regions_sub AS "
            f"SELECT layer, rid, ST_Subdivide(geom, 96) AS geom FROM {SCHEMA}.regions"
        )
        cur.execute(f"CREATE INDEX ON {SCHEMA}.regions_sub USING gist (geom)")
        cur.execute(f"CREATE INDEX ON {SCHEMA}.corridors USING gist (geom)")
        cur.execute(f"CREATE INDEX ON {SCHEMA}.corridors (set_id)")
        cur.execute(f"ANALYZE {SCHEMA}.regions")
        cur.execute(f"ANALYZE {SCHEMA}.regions_sub")

    def load(self, set_id: str, corridors: list[Corridor]) -> None:
        cur = self.conn.cursor()
        with cur.copy(f"COPY {SCHEMA}.corridors (set_id, cid, geom) FROM STDIN") as cp:
            for c in corridors:
                cp.write_row((set_id, c.id, shapely.to_wkb(c.geometry, include_srid=False).hex()))
        cur.execute(f"UPDATE {SCHEMA}.corridors SET geom = ST_SetSRID(geom, 4326) WHERE set_id = %s", (set_id,))
        cur.execute(f"ANALYZE {SCHEMA}.corridors")

    def run(self, set_id: str, table: str = "regions") -> Pairs:
        sql = f"""
            SELECT c.cid, r.layer, r.rid,
                   ST_Area(ST_Transform(ST_CollectionExtract(ST_Intersection(c.geom, r.geom), 3), 6933)) / 1e6
            FROM {SCHEMA}.corridors c JOIN {SCHEMA}.{table} r ON ST_Intersects(c.geom, r.geom)
            WHERE c.set_id = %s"""
        out: Pairs = {}
        for cid, lid, rid, a in self.conn.execute(sql, (set_id,)).fetchall():
            if a is not None:
                out[(cid, lid, rid)] = out.get((cid, lid, rid), 0.0) + float(a)
        return {k: v for k, v in out.items() if v > MIN_AREA}

    def close(self) -> None:
        self.conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        self.conn.close()


# --------------------------------------------------------------------------- measuring

TICK = os.sysconf("SC_CLK_TCK")


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _proc_cpu(pid: int) -> float:
    """utime + stime of another local process (the PostgreSQL backend), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def measure(fn: Callable[[], Pairs], repeats: int, backend_pid: int | None = None) -> tuple[float, float, Pairs]:
    """Median wall seconds, median CPU seconds (this process + the PostgreSQL backend if any), result."""
    walls: list[float] = []
    cpus: list[float] = []
    result: Pairs = {}
    for _ in range(repeats):
        gc.collect()
        b0 = _proc_cpu(backend_pid) if backend_pid else 0.0
        c0, t0 = time.process_time(), time.perf_counter()
        result = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0 + ((_proc_cpu(backend_pid) - b0) if backend_pid else 0.0))
    return statistics.median(walls), statistics.median(cpus), result


def peak_mb(fn: Callable[[], Pairs]) -> float:
    """Peak RSS growth (MB) of one run, measured in a forked child (VmHWM reset at its start)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            Path("/proc/self/clear_refs").write_text("5")
            base = _rss_kb("VmRSS")
            fn()
            os.write(w, str((_rss_kb("VmHWM") - base) / 1024).encode())
        finally:
            os._exit(0)
    os.close(w)
    data = os.read(r, 64)
    os.close(r)
    os.waitpid(pid, 0)
    return float(data or "nan")


def agree(a: Pairs, b: Pairs) -> str:
    ka, kb = set(a), set(b)
    only = ka ^ kb
    ta, tb = sum(a.values()), sum(b.values())
    rel = abs(ta - tb) / ta if ta else (0.0 if tb == 0 else math.inf)
    worst = max((a.get(k, 0.0) + b.get(k, 0.0) for k in only), default=0.0)
    ok = not only and rel <= 1e-3
    mark = "ok" if ok else "DIFF"
    extra = f", {len(only)} pairs differ (largest {worst:.3g} km²)" if only else ""
    return f"{mark} (Δarea {rel * 100:.4f} %{extra})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="sets of 10 and 100 only")
    ap.add_argument("--max", type=int, default=10_000, help="largest synthetic set (10, 100, 1000 or 10000)")
    ap.add_argument("--no-postgis", action="store_true")
    args = ap.parse_args()

    layers, layers_note = shipped_layers()
    nverts = sum(int(shapely.get_num_coordinates(np.asarray(list(x.geometries), dtype=object)).sum()) for x in layers)
    nreg = sum(len(x.regions) for x in layers)
    print("load average at the start: {:.2f} {:.2f} {:.2f} (1, 5, 15 min)".format(*os.getloadavg()))
    print(f"layers: {layers_note}: {', '.join(x.id for x in layers)} ({nreg} regions, {nverts:,} vertices)")

    zmod._INDEX_CACHE.clear()
    t = time.perf_counter()
    for layer in layers:
        zmod.layer_index(zmod.SimpleLayer(layer.id, layer.kind, list(layer.regions), layer.geometries))
    scratch = time.perf_counter() - t
    zmod._INDEX_CACHE.clear()
    t = time.perf_counter()
    for layer in layers:
        zmod.layer_index(layer)
    build = time.perf_counter() - t
    npieces = sum(len(zmod.layer_index(x).pieces) for x in layers)
    shipped = sum(getattr(x, "pieces_file", None) is not None for x in layers)
    print(
        f"geowarn layer index (once per process): {build:.3f} s with the pieces shipped for {shipped} of "
        f"{len(layers)} layers; {scratch:.2f} s cutting them from scratch; {npieces:,} pieces"
    )

    sets: list[tuple[str, list[Corridor], int]] = [("demo 2016+2023", prepared(demo_corridors()), 5)]
    sizes = [n for n in ([10, 100] if args.quick else [10, 100, 1000, 10_000]) if n <= args.max]
    for n in sizes:
        reps = 5 if n <= 100 else 3 if n <= 1000 else 1
        sets.append((f"synthetic {n}", prepared(synthetic_corridors(n, seed=n)), reps))

    t = time.perf_counter()
    overlay = Overlay(layers)
    print(f"overlay: layer GeoDataFrames built in {time.perf_counter() - t:.2f} s")
    pg: PostGIS | None = None
    if not args.no_postgis:
        try:
            t = time.perf_counter()
            pg = PostGIS(layers)
            for name, cs, _ in sets:
                pg.load(name, cs)
            print(f"postgis: data loaded, ST_Subdivide and GiST indexes built in {time.perf_counter() - t:.2f} s")
        except Exception as exc:
            print(f"postgis: not reachable ({type(exc).__name__}: {exc}); skipped")
            pg = None

    header = (
        f"{'set':<20} {'corr':>5} {'pairs':>6} | {'geowarn':>8} {'gw-1t':>8} {'overlay':>8} {'postgis':>8} "
        f"{'pg-sub':>8} | {'ovl/gw':>6} {'pg/gw':>6} {'sub/gw':>6} | {'gw MB':>6} {'ovl MB':>6} | {'load':>5}"
    )
    growth: list[str] = []
    rows: list[str] = []
    notes: list[str] = []
    for name, cs, reps in sets:
        big = len(cs) >= 1000
        peer_reps = 1 if big else reps
        gw_w, gw_c, gw = measure(lambda cs=cs: run_geowarn(cs, layers), reps)
        g1_w, g1_c, g1 = measure(lambda cs=cs: run_geowarn(cs, layers, threads=1), reps)
        assert g1 == gw, f"{name}: one thread and two threads disagree"
        ov_w, ov_c, ov = measure(lambda cs=cs: overlay(cs), peer_reps)
        huge = len(cs) >= 10_000  # a forked re-run each would add a minute: no peak memory there
        gw_mb = math.nan if huge else peak_mb(lambda cs=cs: run_geowarn(cs, layers))
        ov_mb = math.nan if huge else peak_mb(lambda cs=cs: overlay(cs))
        pg_w = pg_c = pgs_w = pgs_c = math.nan
        if pg is not None:
            pg_w, pg_c, pgr = measure(lambda name=name: pg.run(name), peer_reps, pg.backend_pid)
            pgs_w, pgs_c, pgs = measure(lambda name=name: pg.run(name, "regions_sub"), peer_reps, pg.backend_pid)
            notes.append(f"{name}: overlay {agree(gw, ov)}; postgis {agree(gw, pgr)}; postgis-sub {agree(gw, pgs)}")
        else:
            notes.append(f"{name}: overlay {agree(gw, ov)}")
        load = os.getloadavg()[0]  # 1-minute load average after this set's runs
        for kind, g, g1t, o, p, q in (
            ("wall", gw_w, g1_w, ov_w, pg_w, pgs_w),
            ("cpu", gw_c, g1_c, ov_c, pg_c, pgs_c),
        ):
            label = f"{name} {kind}"
            rows.append(
                f"{label:<20} {len(cs):>5} {len(gw):>6} | {g:>8.3f} {g1t:>8.3f} {o:>8.3f} {p:>8.3f} {q:>8.3f} | "
                f"{o / g:>6.1f} {p / g:>6.1f} {q / g:>6.1f} | {gw_mb:>6.0f} {ov_mb:>6.0f} | {load:>5.1f}"
            )
        growth.append(
            f"{len(cs):>6} {len(gw):>7} | "
            + " ".join(f"{1e3 * x / len(cs):>8.2f}" for x in (gw_c, g1_c, ov_c, pg_c, pgs_c))
        )
        print(rows[-2], flush=True)
        print(rows[-1], flush=True)
    print()
    print(header)
    print("-" * len(header))
    for row in rows:
        print(row)
    print()
    print("how cost grows: CPU milliseconds per corridor")
    print(f"{'corr':>6} {'pairs':>7} | {'geowarn':>8} {'gw-1t':>8} {'overlay':>8} {'postgis':>8} {'pg-sub':>8}")
    for line in growth:
        print(line)
    print()
    print("agreement with geowarn (same (corridor, layer, region) pairs; total area within 0.1 %):")
    for line in notes:
        print("  " + line)
    print(f"seconds: medians of {sets[0][2]} runs (geowarn: 3 on 1,000 and 1 on 10,000 corridors; peers 1 from 1,000);")
    print("wall = elapsed; cpu = CPU of this process plus the PostgreSQL backend (steadier on a shared machine);")
    print("PostgreSQL runs without parallel workers (max_parallel_workers_per_gather = 0), like gw-1t.")
    print(f"geowarn's layer index is loaded once per process ({build:.3f} s here), like PostGIS' load + GiST.")
    print("MB = peak RSS growth during one run, in a forked child (PostGIS server memory not included).")
    print(
        "load = 1-minute load average after the set's runs; at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    )
    if pg is not None:
        pg.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
