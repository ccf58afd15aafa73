"""Re-entry swaths: sub-points checked against an independent SGP4 path; TLE and TIP errors."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from sgp4.earth_gravity import wgs72
from sgp4.io import twoline2rv
from sgp4.propagation import sgp4 as py_sgp4

from geowarn.errors import ParseError
from geowarn.geodesy import geodesic_distance_m, inverse
from geowarn.sources.reentry import parse_tle, reentry_corridor, subpoints

DATA = Path(__file__).parent.parent / "data"
ISS = (DATA / "iss-2019-12-09.tle").read_text()
EPOCH = datetime(2019, 12, 9, 18, 0, tzinfo=UTC)


def _independent(l1: str, l2: str, when: list[datetime]) -> np.ndarray:
    """Pure-Python SGP4 (sgp4.propagation, not the C++ Satrec), IAU-2006 GMST from the Earth
    rotation angle, and pyproj's ECEF → WGS84 geodetic transformer."""
    sat = twoline2rv(l1, l2, wgs72)
    ecef_to_geo = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
    out = []
    for t in when:
        minutes = (t - sat.epoch.replace(tzinfo=UTC)).total_seconds() / 60.0
        r, _ = py_sgp4(sat, minutes)
        jd_ut1 = 2440587.5 + t.timestamp() / 86400.0
        du = jd_ut1 - 2451545.0
        era = 2 * math.pi * ((0.7790572732640 + 1.00273781191135448 * du) % 1.0)
        tc = du / 36525.0
        gmst = era + math.radians((0.014506 + 4612.156534 * tc + 1.3915817 * tc**2) / 3600.0)
        c, s = math.cos(gmst), math.sin(gmst)
        x, y, z = (c * r[0] + s * r[1]) * 1000, (-s * r[0] + c * r[1]) * 1000, r[2] * 1000
        lon, lat, _ = ecef_to_geo.transform(x, y, z)
        out.append((lat, lon))
    return np.array(out)


def test_subpoints_match_an_independent_propagation() -> None:
    _, l1, l2, sat = parse_tle(ISS)
    start, end = EPOCH - timedelta(minutes=120), EPOCH + timedelta(minutes=120)
    track = subpoints(sat, start, end)
    assert np.all(np.diff([t.timestamp() for t in track["times"]]) <= 30.0)
    ref = _independent(l1, l2, track["times"])
    errors = [inverse(a, o, b, p)[0] for a, o, (b, p) in zip(track["lat"], track["lon"], ref, strict=True)]
    assert max(errors) < 1000.0, max(errors)
    assert max(abs(track["lat"])) == pytest.approx(51.64, abs=0.5)  # inclination 51.64°


def test_swath_contains_the_true_track_with_its_half_width() -> None:
    out = reentry_corridor(ISS, epoch=EPOCH, window_min=120, swath_km=100)
    c = out.corridors[0]
    assert c.geometry.is_valid
    assert c.window_start == EPOCH - timedelta(minutes=120)
    times = [datetime.fromisoformat(p[0].replace("Z", "+00:00")) for p in c.properties["track"]]
    _, l1, l2, _ = parse_tle(ISS)
    ref = _independent(l1, l2, times[::12])
    boundary = c.geometry.boundary
    for lat, lon in ref:
        pt = shapely.Point(lon, lat)
        assert c.geometry.contains(pt)
        if abs(abs(lon) - 180) > 3 and abs(lat) < 45:
            assert geodesic_distance_m(pt, boundary) > 95_000.0
    # a point 60 km east of the sub-point at the decay epoch is inside the 100 km swath
    lat0, lon0 = c.properties["subpoint_at_epoch"]
    lat1, lon1 = _offset(lat0, lon0, 60e3)
    assert c.geometry.contains(shapely.Point(lon1, lat1))


def _offset(lat: float, lon: float, d: float) -> tuple[float, float]:
    from geowarn.geodesy import destination

    return destination(lat, lon, 90.0, d)


def test_antimeridian_crossing_stays_valid() -> None:
    c = reentry_corridor(ISS, epoch=EPOCH, window_min=50, swath_km=100).corridors[0]
    lons = [p[2] for p in c.properties["track"]]
    assert max(lons) > 170 and min(lons) < -170  # the track crosses 180° in this window
    assert c.geometry.is_valid
    minx, _, maxx, _ = c.geometry.bounds
    assert minx >= -180 and maxx <= 180


def test_tle_checksum_is_verified() -> None:
    bad = ISS.replace("0  9991", "0  9995")
    with pytest.raises(ParseError) as err:
        parse_tle(bad)
    assert "checksum" in str(err.value) and err.value.line == 2 and err.value.column == 69


def test_tip_window_and_object_check(tmp_path: Path) -> None:
    tip = json.loads((DATA / "reentry-window.json").read_text())
    with pytest.raises(ParseError) as err:
        reentry_corridor(ISS, tip=tip)
    assert "48275" in str(err.value) and "25544" in str(err.value)
    with pytest.raises(ParseError, match="no decay epoch"):
        reentry_corridor(ISS, window_min=10)
    with pytest.raises(ParseError, match="out of range"):
        reentry_corridor(ISS, epoch=EPOCH, window_min=-5)


def test_omm_gives_the_same_track_as_the_tle() -> None:
    omm = (DATA / "iss-2019-12-09.omm.json").read_text()
    a = reentry_corridor(ISS, epoch=EPOCH, window_min=15).corridors[0]
    b = reentry_corridor(omm, epoch=EPOCH, window_min=15).corridors[0]
    assert b.properties["norad_cat_id"] == "25544"
    for (_, la, lo), (_, lb, ob) in zip(a.properties["track"], b.properties["track"], strict=True):
        assert inverse(la, lo, lb, ob)[0] < 50.0
    with pytest.raises(ParseError, match="OMM"):
        reentry_corridor('[{"OBJECT_NAME": "X"}]', epoch=EPOCH, window_min=15)


def test_tip_record_with_tle_lines_parses_directly() -> None:
    from geowarn.sources import detect_format, parse

    tip = json.loads((DATA / "reentry-window.json").read_text())
    lines = (DATA / "cz5b-synthetic.tle").read_text().splitlines()
    tip.update(TLE_LINE0=lines[0], TLE_LINE1=lines[1], TLE_LINE2=lines[2], WINDOW="30")
    data = json.dumps(tip)
    assert detect_format(data) == "reentry"
    out = parse(data)
    assert out.format == "reentry" and len(out.corridors) == 1
    assert out.corridors[0].window_end - out.corridors[0].window_start == timedelta(minutes=60)
    assert out.meta["norad_cat_id"] == "48275"


def test_polar_pass_is_a_clear_error() -> None:
    from sgp4 import exporter
    from sgp4.api import WGS72, Satrec, jday

    jd, fr = jday(2021, 5, 8, 12, 0, 0)
    sat = Satrec()
    sat.sgp4init(WGS72, "i", 11111, jd + fr - 2433281.5, 1e-4, 0.0, 0.0, 0.001, 0.0, math.radians(90.0), 0.0,
                 15.2 * 2 * math.pi / 1440.0, 0.0)  # fmt: skip
    sat.intldesg, sat.classification = "21001A", "U"
    l1, l2 = exporter.export_tle(sat)
    with pytest.raises(ParseError, match="pole"):
        reentry_corridor(f"{l1}\n{l2}", epoch=datetime(2021, 5, 8, 14, tzinfo=UTC), window_min=60)
