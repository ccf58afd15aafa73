"""Every real-format example parses to the expected corridors; the 2016 boxes are measured."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import shapely

from geowarn.geodesy import GEOD, geodesic_area_km2, inverse
from geowarn.model import Phase
from geowarn.sources import detect_format, parse
from geowarn.sources.reentry import reentry_corridor
from tests.examples import NAVAREA_XI_2016, PROFILE_2023, example_path

DATA = Path(__file__).parent.parent / "data"

# facts from docs/DESIGN.md §4 (2016-02-07 launch), (lat, lon) in published NW, NE, SW, SE order
STAGE1 = [(36 + 4 / 60, 124.5), (36 + 4 / 60, 124.9), (35 + 19 / 60, 124.5), (35 + 19 / 60, 124.9)]


def _ring_area_km2(corners: list[tuple[float, float]]) -> float:
    """Independent: pyproj's Geod.polygon_area_perimeter on the corners in ring order."""
    nw, ne, sw, se = corners
    ring = [nw, ne, se, sw]
    area, _ = GEOD.polygon_area_perimeter([p[1] for p in ring], [p[0] for p in ring])
    return abs(area) / 1e6


EXPECTED = {
    "navarea-xi-2016-kms4.txt": ("navwarn", [Phase.STAGE1, Phase.FAIRING, Phase.STAGE2]),
    "hydropac-2016-kms4.json": ("nga-json", [Phase.STAGE1, Phase.FAIRING, Phase.STAGE2]),
    "imo-notice-2016-kms4-dms.txt": ("dms-notice", [Phase.STAGE1, Phase.FAIRING, Phase.STAGE2]),
    "notam-2016-kms4-stage2.txt": ("notam", [Phase.DEBRIS]),
    "ocd-advisory-2016-kms4.txt": ("advisory", [Phase.DEBRIS] * 3),
    "profile-2023-chollima.toml": ("profile", [Phase.STAGE1, Phase.FAIRING, Phase.STAGE2, Phase.OVERFLIGHT]),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_parses(name: str) -> None:
    fmt, phases = EXPECTED[name]
    data = example_path(name).read_bytes()
    assert detect_format(data, name) == fmt
    out = parse(data, name=name)
    assert out.format == fmt
    assert [c.phase for c in out.corridors] == phases
    for c in out.corridors:
        assert c.geometry.is_valid and not c.geometry.is_empty
        assert c.geometry.geom_type in ("Polygon", "MultiPolygon")
        assert c.raw
    ids = [c.id for c in out.corridors]
    assert len(set(ids)) == len(ids)
    assert parse(data, name=name).corridors[0].id == ids[0]  # deterministic


def test_profile_count_is_stages_plus_overflight() -> None:
    import tomllib

    doc = tomllib.loads(PROFILE_2023.read_text())
    out = parse(PROFILE_2023.read_text(), "profile")
    assert len(out.corridors) == len(doc["stage"]) + 1


def test_reentry_example_makes_one_corridor() -> None:
    tip = json.loads((DATA / "reentry-window.json").read_text())
    tle = (DATA / "cz5b-synthetic.tle").read_text()
    out = reentry_corridor(tle, tip=tip)
    assert len(out.corridors) == 1
    c = out.corridors[0]
    assert c.phase is Phase.REENTRY and c.geometry.is_valid
    assert c.window_start == datetime(2021, 5, 9, 0, 11, tzinfo=UTC)
    assert c.window_end == datetime(2021, 5, 9, 4, 11, tzinfo=UTC)


@pytest.mark.parametrize("name", ["navarea-xi-2016-kms4.txt", "hydropac-2016-kms4.json"])
def test_navwarn_windows_and_lifecycle(name: str) -> None:
    out = parse(example_path(name).read_bytes())
    c = out.corridors[0]
    # 062230Z TO 070330Z FEB, ALTERNATE 2230Z TO 0330Z DAILY 07 THRU 13 FEB: 8 windows
    assert len(c.windows) == 8
    assert c.windows[0].start == datetime(2016, 2, 6, 22, 30, tzinfo=UTC)
    assert c.windows[1].end == datetime(2016, 2, 8, 3, 30, tzinfo=UTC)  # overnight: ends the next day
    assert c.window_end == datetime(2016, 2, 14, 3, 30, tzinfo=UTC)
    assert out.meta["cancel_at"] == "2016-02-14T04:30:00Z"
    # the launch (2016-02-07 00:30 UTC) lies in the first window
    assert c.windows[0].contains(datetime(2016, 2, 7, 0, 30, tzinfo=UTC))


def test_nga_record_ids_and_cancels() -> None:
    out = parse((DATA / "hydropac-2016-kms4.json").read_bytes())
    assert out.meta["message_id"] == "HYDROPAC 321/16"
    assert out.meta["cancels"] == ["HYDROPAC 298/16"]
    assert out.meta["also_known_as"] == "NAVAREA XI 0123/16"
    assert [c.id for c in out.corridors] == ["hydropac-321-16-a", "hydropac-321-16-b", "hydropac-321-16-c"]


def test_notice_and_navwarn_agree() -> None:
    """The same three areas read from four formats give the same geometry (within 0.1 %)."""
    sets = [parse(example_path(n).read_bytes()).corridors for n in EXPECTED if n.endswith((".txt", ".json"))]
    full = [s for s in sets if len(s) == 3]
    for i in range(3):
        areas = [geodesic_area_km2(s[i].geometry) for s in full]
        assert max(areas) / min(areas) < 1.001
    notice = parse((DATA / "imo-notice-2016-kms4-dms.txt").read_bytes()).corridors[0]
    navwarn = parse(NAVAREA_XI_2016.read_bytes()).corridors[0]
    assert notice.windows == navwarn.windows  # local dates of the notice = UTC end dates


def test_stage1_box_dimensions() -> None:
    c = parse(NAVAREA_XI_2016.read_bytes()).corridors[0]
    minx, miny, maxx, maxy = c.geometry.bounds
    mid = (miny + maxy) / 2
    width, _, _ = inverse(mid, minx, mid, maxx)
    height, _, _ = inverse(miny, minx, maxy, minx)
    assert width / 1000 == pytest.approx(36, abs=1.0)
    assert height / 1000 == pytest.approx(83, abs=1.0)


@pytest.mark.parametrize("perm", list(itertools.permutations(range(4))))
def test_stage1_box_any_corner_order(perm: tuple[int, ...]) -> None:
    corners = [STAGE1[i] for i in perm]

    def dm(v: float) -> str:
        d, m = divmod(round(v * 60), 60)
        return f"{d}°{m:02d}′"

    line = ", ".join(f"{dm(a)}N {dm(o)}E" for a, o in corners)
    c = parse(f"First stage drop area: {line}", "dms-notice").corridors[0]
    expected = _ring_area_km2(STAGE1)
    assert geodesic_area_km2(c.geometry) == pytest.approx(expected, rel=0.02)
    assert geodesic_area_km2(c.geometry) == pytest.approx(expected, rel=0.001)
    assert c.geometry.is_valid and c.geometry.geom_type == "Polygon"
    navtext = "NAVAREA XI 0001/16\nA. " + ", ".join(
        f"{dm(a)[:-1].replace('°', '-')}N {dm(o)[:-1].replace('°', '-')}E" for a, o in corners
    )
    nav = parse(navtext, "navwarn").corridors[0]
    assert shapely.symmetric_difference(nav.geometry, c.geometry).area < 1e-9


def test_antimeridian_hydropac_area_is_cut() -> None:
    text = (
        "HYDROPAC 0999/23\nNORTH PACIFIC.\n1. HAZARDOUS OPERATIONS, SPACE DEBRIS\n   IN AREA BOUND BY\n"
        "   20-00N 175-00E, 20-00N 170-00W,\n   25-00N 170-00W, 25-00N 175-00E.\n"
    )
    c = parse(text).corridors[0]
    g = c.geometry
    assert g.geom_type == "MultiPolygon" and g.is_valid
    west, east = sorted(g.geoms, key=lambda p: p.bounds[0])
    assert east.bounds[0] == pytest.approx(175) and east.bounds[2] == pytest.approx(180)
    assert west.bounds[0] == pytest.approx(-180) and west.bounds[2] == pytest.approx(-170)
    area, _ = GEOD.polygon_area_perimeter([175, 190, 190, 175], [20, 20, 25, 25])
    assert geodesic_area_km2(g) == pytest.approx(abs(area) / 1e6, rel=0.005)
    # the same corners published NW, NE, SW, SE are re-ordered across 180° too
    text2 = text.replace(
        "20-00N 175-00E, 20-00N 170-00W,\n   25-00N 170-00W, 25-00N 175-00E",
        "25-00N 175-00E, 25-00N 170-00W, 20-00N 175-00E, 20-00N 170-00W",
    )
    g2 = parse(text2).corridors[0].geometry
    assert g2.geom_type == "MultiPolygon"
    assert geodesic_area_km2(g2) == pytest.approx(geodesic_area_km2(g), rel=1e-6)
