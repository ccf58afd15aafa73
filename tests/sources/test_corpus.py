"""Score the real-notice corpus (tests/data/notices) by family; fail below 95 % fully right.

Expectations are written by hand from each text (tests/data/notices/expected.json); this test
reads them with its own small grammar, never with geowarn's coordinate parser. "Fully right" is:
as many corridors as areas, each area's corners all vertices of its corridor (within 1e-4°) in
the published count, a circle's ring at its radius (±1 %, ``radius_nm`` or ``radius_km``) round
its centre, exactly the windows
the text gives, and the phase where the text names one.

The grammar: a point is ``"28-38.47N 080-37.31W"`` (degrees-minutes) or ``"28-51-16N 080-42-19W"``
(degrees-minutes-seconds); a window is ``[start, end]`` or ``{"daily": {first_start, days,
minutes}}``. A corridor may carry its own ``windows`` and ``phase`` (otherwise the notice's), the
``message`` id it must come from (a paste of several NOTAMs), ``track`` (its points must lie
inside the swath; with ``half_width_km`` its area is 2 w L + pi w², computed here), ``sector``
(``centre``, ``radius_km``, clockwise ``from_deg``/``to_deg``; its area computed here),
``circle_part`` (``centre``, ``radius_nm``, the meridian or parallel ``cut`` such as ``"132-10E"``
and the side ``keep``: east, west, north or south; its area computed here), ``ellipse``
(``centre``, full axes ``major_km``/``minor_km``, ``azimuth_deg`` of the major axis; rim and area
computed here), and ``arcs``: ``{"after": i,
"centre", "radius_nm", "clockwise"}`` joins corner ``i`` to the next one along a circle. The
area of an area with arcs is checked against an area computed here, independently of geowarn,
with pyproj's Geod (within 1 %).

Files named ``nga-json-*`` hold one NGA broadcast-warn record as JSON (the record of the source's
list, or the fields of the warning object the source builds), re-serialised with its ``text``
verbatim; ``paste-*`` files are the source's messages one after the other, as an officer pastes them.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point

from geowarn.errors import ParseError
from geowarn.geodesy import GEOD, NM
from geowarn.sources import parse

CORPUS = Path(__file__).parent.parent / "data" / "notices"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())["notices"]
_DM = re.compile(r"(\d+)-(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?([NSEW])")
_WGS84 = Geod(ellps="WGS84")


def _value(token: str) -> float:
    m = _DM.fullmatch(token)
    assert m, token
    v = int(m[1]) + float(m[2]) / 60.0 + float(m[3] or 0) / 3600.0
    return -v if m[4] in "SW" else v


def _point(text: str) -> tuple[float, float]:
    lat, lon = text.split()
    return _value(lat), _value(lon)


def _t(s: str) -> datetime:
    return datetime.strptime(s, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)


def _windows(spec: list[Any]) -> list[tuple[datetime, datetime]]:
    out = []
    for w in spec:
        if isinstance(w, dict):
            d = w["daily"]
            first = _t(d["first_start"])
            out += [
                (first + timedelta(days=i), first + timedelta(days=i, minutes=d["minutes"])) for i in range(d["days"])
            ]
        else:
            out.append((_t(w[0]), _t(w[1])))
    return sorted(out)


def _expected_area_m2(pts: list[tuple[float, float]], arcs: list[dict[str, Any]]) -> float:
    """The area of corners joined by geodesics, or by the given arcs, computed here with pyproj."""
    lats: list[float] = []
    lons: list[float] = []
    by_start = {a["after"]: a for a in arcs}
    for i, (lat, lon) in enumerate(pts):
        lats.append(lat)
        lons.append(lon)
        if i in by_start:
            arc = by_start[i]
            clat, clon = _point(arc["centre"])
            nlat, nlon = pts[(i + 1) % len(pts)]
            az1, _, _ = _WGS84.inv(clon, clat, lon, lat)
            az2, _, _ = _WGS84.inv(clon, clat, nlon, nlat)
            sweep = (az2 - az1) % 360.0 if arc["clockwise"] else -((az1 - az2) % 360.0)
            for k in range(1, 720):
                alon, alat, _ = _WGS84.fwd(clon, clat, az1 + sweep * k / 720, arc["radius_nm"] * NM)
                lats.append(alat)
                lons.append(alon)
    area, _ = _WGS84.polygon_area_perimeter(lons, lats)
    return abs(area)


def _sector_area_m2(lat: float, lon: float, radius_m: float, az_from: float, az_to: float) -> float:
    """The area of a sector, clockwise from ``az_from`` to ``az_to``, computed here with pyproj."""
    sweep = (az_to - az_from) % 360.0
    az = np.linspace(az_from, az_from + sweep, 3601)
    rim_lon, rim_lat, _ = _WGS84.fwd(np.full_like(az, lon), np.full_like(az, lat), az, np.full_like(az, radius_m))
    area, _ = _WGS84.polygon_area_perimeter(np.r_[lon, rim_lon], np.r_[lat, rim_lat])
    return abs(area)


def _circle_part_area_m2(lat: float, lon: float, radius_m: float, cut: float, keep: str) -> float:
    """The area of the part of a circle on the ``keep`` side of a meridian or parallel, computed here with pyproj.

    The rim points kept, in order round the circle, are closed by the geodesic between the last and the
    first: along a meridian that is the meridian itself.
    """
    az = np.linspace(0.0, 360.0, 36001)[:-1]
    rim_lon, rim_lat, _ = _WGS84.fwd(np.full_like(az, lon), np.full_like(az, lat), az, np.full_like(az, radius_m))
    value = rim_lon if keep in ("east", "west") else rim_lat
    inside = value >= cut if keep in ("east", "north") else value <= cut
    order = np.roll(np.arange(len(az)), -int(np.argmin(inside)))  # start after a point left out
    kept = order[inside[order]]
    area, _ = _WGS84.polygon_area_perimeter(rim_lon[kept], rim_lat[kept])
    return abs(area)


def _circle_part_problems(verts: np.ndarray, geom: Any, spec: dict[str, Any]) -> list[str]:
    """A circle's part: every vertex within the radius and on the side kept, its area as computed here (1 %)."""
    lat, lon = _point(spec["centre"])
    r = _radius_m(spec)
    axis = 0 if spec["keep"] in ("east", "west") else 1
    cut = _value(spec["cut"])
    _, _, dist = _WGS84.inv(np.full(len(verts), lon), np.full(len(verts), lat), verts[:, 0], verts[:, 1])
    out = []
    if dist.max() > 1.01 * r:
        out.append(f"a vertex {dist.max():.0f} m from the centre, beyond {r:.0f}")
    side = verts[:, axis] - cut if spec["keep"] in ("east", "north") else cut - verts[:, axis]
    if side.min() < -1e-9:
        out.append(f"a vertex {-side.min():.6f}° on the side left out ({spec['keep']} of {spec['cut']} kept)")
    want = _circle_part_area_m2(lat, lon, r, cut, spec["keep"])
    area = abs(_WGS84.geometry_area_perimeter(geom)[0])
    if abs(area - want) > 0.01 * want:
        out.append(f"area {area:.0f} m², expected {want:.0f}")
    return out


def _vertices(geom: Any) -> np.ndarray:
    polys = getattr(geom, "geoms", [geom])
    return np.vstack([np.asarray(p.exterior.coords) for p in polys])


def _radius_m(spec: dict[str, Any]) -> float:
    return float(spec["radius_km"]) * 1000.0 if "radius_km" in spec else float(spec["radius_nm"]) * NM


def _sector_problems(verts: np.ndarray, geom: Any, spec: dict[str, Any]) -> list[str]:
    """A sector: its ring is the centre and an arc at the radius between the bearings (clockwise)."""
    lat, lon = _point(spec["centre"])
    r = _radius_m(spec)
    b1, sweep = float(spec["from_deg"]), (float(spec["to_deg"]) - float(spec["from_deg"])) % 360.0
    az, _, dist = GEOD.inv(np.full(len(verts), lon), np.full(len(verts), lat), verts[:, 0], verts[:, 1])
    off = (az - b1) % 360.0
    on_arc = np.abs(dist - r) <= 0.01 * r
    out = []
    if dist.max() > 1.01 * r or not np.any(dist < 1.0):
        out.append(f"ring {dist.min():.0f}–{dist.max():.0f} m from the centre, not 0–{r:.0f}")
    inside = (off <= sweep + 0.5) | (off >= 359.5)
    if not np.all(inside[dist >= 1.0]):
        out.append(f"vertices outside bearings {spec['from_deg']}–{spec['to_deg']}")
    if not (np.any(on_arc & ((off <= 0.5) | (off >= 359.5))) and np.any(on_arc & (np.abs(off - sweep) <= 0.5))):
        out.append("the arc does not reach both bearings")
    area = abs(GEOD.geometry_area_perimeter(geom)[0])
    want = np.pi * r * r * sweep / 360.0
    if abs(area - want) > 0.01 * want:
        out.append(f"area {area:.0f} m², expected {want:.0f}")
    return out


def _ellipse_problems(verts: np.ndarray, geom: Any, spec: dict[str, Any]) -> list[str]:
    """An ellipse: every vertex at the distance the plane ellipse gives its bearing (1 %), area pi a b (1 %)."""
    lat, lon = _point(spec["centre"])
    a, b = spec["major_km"] * 500.0, spec["minor_km"] * 500.0  # semi-axes (m) from the full axes (km)
    az, _, dist = _WGS84.inv(np.full(len(verts), lon), np.full(len(verts), lat), verts[:, 0], verts[:, 1])
    phi = np.radians(az - spec["azimuth_deg"])
    want = a * b / np.sqrt((b * np.cos(phi)) ** 2 + (a * np.sin(phi)) ** 2)
    out = []
    if not np.allclose(dist, want, rtol=0.01):
        out.append(f"rim off the ellipse by up to {np.max(np.abs(dist - want) / want):.1%}")
    area = abs(_WGS84.geometry_area_perimeter(geom)[0])
    if abs(area - np.pi * a * b) > 0.01 * np.pi * a * b:
        out.append(f"area {area:.0f} m², expected {np.pi * a * b:.0f}")
    return out


def _check(notice: dict[str, Any]) -> list[str]:
    """What is wrong with geowarn's reading of one notice (empty: fully right)."""
    text = (CORPUS / notice["file"]).read_text(encoding="utf-8")
    try:
        out = parse(text)
    except ParseError as exc:
        return [f"error: {exc}"]
    problems = []
    want = notice["corridors"]
    if len(out.corridors) != len(want):
        return [f"{len(out.corridors)} corridors, expected {len(want)}"]
    for i, (c, exp) in enumerate(zip(out.corridors, want, strict=True)):
        verts = _vertices(c.geometry)
        windows = _windows(exp.get("windows", notice["windows"]))
        phase = exp.get("phase", notice["phase"])
        if "message" in exp and exp["message"].lower().replace("/", "-") not in c.id:
            problems.append(f"area {i + 1}: id {c.id} is not from message {exp['message']}")
        if "corners" in exp:
            pts = [_point(p) for p in exp["corners"]]
            for lat, lon in pts:
                d = np.min(np.abs(verts[:, 1] - lat) + np.abs(((verts[:, 0] - lon + 180) % 360) - 180))
                if d > 1e-4:
                    problems.append(f"area {i + 1}: corner {lat:.4f},{lon:.4f} missing")
            if c.properties.get("corners") != len(pts):
                problems.append(f"area {i + 1}: {c.properties.get('corners')} corners, expected {len(pts)}")
            if exp.get("arcs"):
                want_area = _expected_area_m2(pts, exp["arcs"])
                got_area = abs(_WGS84.geometry_area_perimeter(c.geometry)[0])
                if abs(got_area - want_area) > 0.01 * want_area:
                    problems.append(
                        f"area {i + 1}: {got_area / 1e6:.0f} km², expected {want_area / 1e6:.0f} km² (arcs)"
                    )
        elif "track" in exp:
            polys = getattr(c.geometry, "geoms", [c.geometry])
            pts = [_point(t) for t in exp["track"]["points"]]
            for text_pt, (lat, lon) in zip(exp["track"]["points"], pts, strict=True):
                if not any(p.covers(Point(x, lat)) for p in polys for x in (lon, lon - 360.0, lon + 360.0)):
                    problems.append(f"area {i + 1}: track point {text_pt} is outside the corridor")
            if exp["track"].get("half_width_km"):
                w = exp["track"]["half_width_km"] * 1000.0  # a swath with round ends: 2 w L + pi w^2
                length = sum(_WGS84.inv(a[1], a[0], b[1], b[0])[2] for a, b in itertools.pairwise(pts))
                want_area = 2 * w * length + np.pi * w * w
                got_area = abs(_WGS84.geometry_area_perimeter(c.geometry)[0])
                if abs(got_area - want_area) > 0.01 * want_area:
                    problems.append(
                        f"area {i + 1}: {got_area / 1e6:.1f} km², expected {want_area / 1e6:.1f} km² (swath)"
                    )
        elif "sector" in exp:
            problems += [f"area {i + 1}: {p}" for p in _sector_problems(verts, c.geometry, exp["sector"])]
        elif "circle_part" in exp:
            problems += [f"area {i + 1}: {p}" for p in _circle_part_problems(verts, c.geometry, exp["circle_part"])]
        elif "ellipse" in exp:
            problems += [f"area {i + 1}: {p}" for p in _ellipse_problems(verts, c.geometry, exp["ellipse"])]
        else:
            lat, lon = _point(exp["circle"]["centre"])
            r = _radius_m(exp["circle"])
            _, _, dist = GEOD.inv(np.full(len(verts), lon), np.full(len(verts), lat), verts[:, 0], verts[:, 1])
            if not np.allclose(dist, r, rtol=0.01):
                problems.append(f"area {i + 1}: ring {dist.min():.0f}–{dist.max():.0f} m from the centre, not {r:.0f}")
        got = sorted((w.start, w.end) for w in c.windows)
        if got != windows:
            problems.append(f"area {i + 1}: {len(got)} windows {got[:2]}…, expected {len(windows)} {windows[:2]}…")
        if phase is not None and c.phase.value != phase:
            problems.append(f"area {i + 1}: phase {c.phase.value}, expected {phase}")
    if "cancels" in notice and out.meta.get("cancels", []) != notice["cancels"]:
        problems.append(f"cancels {out.meta.get('cancels')}, expected {notice['cancels']}")
    return problems


def score() -> tuple[dict[str, tuple[int, int]], dict[str, list[str]]]:
    """``{family: (fully right, total)}`` and the problems of each notice not fully right."""
    by_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    wrong = {}
    for notice in EXPECTED:
        problems = _check(notice)
        by_family[notice["family"]][1] += 1
        if problems:
            wrong[notice["file"]] = problems
        else:
            by_family[notice["family"]][0] += 1
    return {k: (v[0], v[1]) for k, v in by_family.items()}, wrong


def test_every_corpus_file_is_listed_with_a_source() -> None:
    listed = {n["file"] for n in EXPECTED}
    assert listed == {p.name for p in CORPUS.glob("*.txt")}
    for n in EXPECTED:
        assert n["source"]["repo"] and n["source"]["path"], n["file"]


def test_corpus_score_by_family() -> None:
    families, wrong = score()
    right = sum(r for r, _ in families.values())
    total = sum(t for _, t in families.values())
    report = ", ".join(f"{k} {r}/{t}" for k, (r, t) in sorted(families.items()))
    print(f"corpus: {right}/{total} fully right ({report})")
    if right < 0.95 * total:
        pytest.fail(f"corpus {right}/{total} fully right ({report}); wrong: {json.dumps(wrong, indent=1)}")


def test_the_grammar_reads_what_it_is_given() -> None:
    """The test's own grammar: DMS and DM points, and an arc's area against a circle's."""
    assert _point("28-51-16N 080-42-19W") == pytest.approx((28 + 51 / 60 + 16 / 3600, -(80 + 42 / 60 + 19 / 3600)))
    assert _point("36-04.50S 124-30.00E") == pytest.approx((-36.075, 124.5))
    # two clockwise half turns, north to south and back, make the whole circle: pi r^2 within 0.1 %
    north = _WGS84.fwd(10.0, 40.0, 0.0, 30 * NM)[1]
    south = _WGS84.fwd(10.0, 40.0, 180.0, 30 * NM)[1]
    corners = [_point(f"{int(lat)}-{(lat - int(lat)) * 60:.6f}N 010-00.00E") for lat in (north, south)]
    arcs = [{"after": i, "centre": "40-00.00N 010-00.00E", "radius_nm": 30, "clockwise": True} for i in (0, 1)]
    assert _expected_area_m2(corners, arcs) == pytest.approx(np.pi * (30 * NM) ** 2, rel=1e-3)
    # no arcs: a triangle, half its base times its height
    base = _WGS84.inv(10.0, north, 10.0, south)[2]
    height = _WGS84.inv(10.0, 40.0, 10.5, 40.0)[2]
    assert _expected_area_m2([*corners, (40.0, 10.5)], []) == pytest.approx(base * height / 2, rel=0.01)
    # a quarter sector is a quarter of the circle
    quarter = _sector_area_m2(40.0, 10.0, 30 * NM, 0.0, 90.0)
    assert quarter == pytest.approx(np.pi * (30 * NM) ** 2 / 4, rel=2e-3)
    # a circle cut through its centre by the meridian is half the circle, on either side; a cut missing it keeps all
    whole = np.pi * (30 * NM) ** 2
    assert _circle_part_area_m2(40.0, 10.0, 30 * NM, 10.0, "east") == pytest.approx(whole / 2, rel=2e-3)
    assert _circle_part_area_m2(40.0, 10.0, 30 * NM, 10.0, "west") == pytest.approx(whole / 2, rel=2e-3)
    assert _circle_part_area_m2(40.0, 10.0, 30 * NM, 9.0, "east") == pytest.approx(whole, rel=2e-3)
