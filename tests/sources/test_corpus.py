"""Score the real-notice corpus (tests/data/notices) by family; fail below 95 % fully right.

Expectations are written by hand from each text (tests/data/notices/expected.json); this test
reads them with its own small grammar, never with geowarn's coordinate parser. "Fully right" is:
as many corridors as areas, each area's corners all vertices of its corridor (within 1e-4°) in
the published count, a circle's ring at its radius (±1 %) round its centre, exactly the windows
the text gives, and the phase where the text names one.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from geowarn.errors import ParseError
from geowarn.geodesy import GEOD, NM
from geowarn.sources import parse

CORPUS = Path(__file__).parent.parent / "data" / "notices"
EXPECTED = json.loads((CORPUS / "expected.json").read_text())["notices"]
_DM = re.compile(r"(\d+)-(\d+(?:\.\d+)?)([NSEW])")


def _value(token: str) -> float:
    m = _DM.fullmatch(token)
    assert m, token
    v = int(m[1]) + float(m[2]) / 60.0
    return -v if m[3] in "SW" else v


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
    windows = _windows(notice["windows"])
    for i, (c, exp) in enumerate(zip(out.corridors, want, strict=True)):
        verts = _vertices(c.geometry)
        if "corners" in exp:
            pts = [_point(p) for p in exp["corners"]]
            for lat, lon in pts:
                d = np.min(np.abs(verts[:, 1] - lat) + np.abs(((verts[:, 0] - lon + 180) % 360) - 180))
                if d > 1e-4:
                    problems.append(f"area {i + 1}: corner {lat:.4f},{lon:.4f} missing")
            if c.properties.get("corners") != len(pts):
                problems.append(f"area {i + 1}: {c.properties.get('corners')} corners, expected {len(pts)}")
        elif "sector" in exp:
            problems += [f"area {i + 1}: {p}" for p in _sector_problems(verts, c.geometry, exp["sector"])]
        else:
            lat, lon = _point(exp["circle"]["centre"])
            r = _radius_m(exp["circle"])
            _, _, dist = GEOD.inv(np.full(len(verts), lon), np.full(len(verts), lat), verts[:, 0], verts[:, 1])
            if not np.allclose(dist, r, rtol=0.01):
                problems.append(f"area {i + 1}: ring {dist.min():.0f}–{dist.max():.0f} m from the centre, not {r:.0f}")
        got = sorted((w.start, w.end) for w in c.windows)
        if got != windows:
            problems.append(f"area {i + 1}: {len(got)} windows {got[:2]}…, expected {len(windows)} {windows[:2]}…")
        if notice["phase"] is not None and c.phase.value != notice["phase"]:
            problems.append(f"area {i + 1}: phase {c.phase.value}, expected {notice['phase']}")
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
