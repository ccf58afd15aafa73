"""Launch profiles: legs along geodesics, chi-square drop-zone ellipses, the overflight swath."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
import shapely
from scipy.stats import chi2

from geowarn.errors import ParseError
from geowarn.geodesy import GEOD, geodesic_area_km2, inverse
from geowarn.model import Phase
from geowarn.sources.profile import k_factor, parse_profile
from tests.examples import PROFILE_2023

PROFILE = PROFILE_2023.read_text()


@pytest.mark.parametrize("p", [0.5, 0.9, 0.99, 0.997, 0.999])
def test_k_is_the_chi_square_quantile_for_two_dof(p: float) -> None:
    assert k_factor(p) == pytest.approx(math.sqrt(chi2.ppf(p, 2)), abs=1e-4)


def test_drop_zones_sit_on_the_track_with_chi_square_axes() -> None:
    out = parse_profile(PROFILE)
    stage1, fairing, stage2, over = out.corridors
    assert [c.phase for c in out.corridors] == [Phase.STAGE1, Phase.FAIRING, Phase.STAGE2, Phase.OVERFLIGHT]
    # independent: walk the legs with Geod.fwd
    lon, lat, _ = GEOD.fwd(124.705, 39.660, 195.0, 380_000)
    assert stage1.properties["center"] == pytest.approx([lat, lon], abs=1e-6)
    lon1, lat1, _ = GEOD.fwd(124.705, 39.660, 195.0, 700_000)
    lon2, lat2, back = GEOD.fwd(lon1, lat1, 160.0, 2_250_000)
    assert stage2.properties["center"] == pytest.approx([lat2, lon2], abs=1e-6)
    assert stage2.properties["heading_deg"] == pytest.approx((back + 180) % 360, abs=1e-3)
    k = math.sqrt(chi2.ppf(0.997, 2))
    for c, (sa, sc) in ((stage1, (25, 10)), (fairing, (40, 15)), (stage2, (120, 40))):
        assert c.confidence_level == 0.997
        assert geodesic_area_km2(c.geometry) == pytest.approx(math.pi * k * sa * k * sc, rel=0.01)
        assert c.geometry.is_valid
    # the major axis follows the track: the ellipse reaches k*sigma_along along the heading
    lat0, lon0 = stage1.properties["center"]
    lon_tip, lat_tip, _ = GEOD.fwd(lon0, lat0, stage1.properties["heading_deg"], k * 25_000 * 0.98)
    assert stage1.geometry.contains(shapely.Point(lon_tip, lat_tip))
    lon_out, lat_out, _ = GEOD.fwd(lon0, lat0, stage1.properties["heading_deg"] + 90, k * 10_000 * 1.05)
    assert not stage1.geometry.contains(shapely.Point(lon_out, lat_out))
    # the overflight swath: 2 x 50 km wide along the 3200 km track (+ round caps)
    assert geodesic_area_km2(over.geometry) == pytest.approx(2 * 50 * 3200 + math.pi * 50**2, rel=0.02)
    assert all(over.geometry.contains(shapely.Point(*reversed(c.properties["center"]))) for c in (stage1, stage2))
    assert over.window_start is not None and out.meta["k"] == pytest.approx(k, abs=1e-4)


def test_stage_confidence_override_and_distance() -> None:
    text = PROFILE.replace('phase = "stage1"', 'phase = "stage1"\nconfidence = 0.9')
    c = parse_profile(text).corridors[0]
    assert c.confidence_level == 0.9
    assert c.properties["k"] == pytest.approx(math.sqrt(chi2.ppf(0.9, 2)), abs=1e-4)
    d, _, _ = inverse(39.66, 124.705, *c.properties["center"])
    assert d == pytest.approx(380_000, rel=1e-6)


@pytest.mark.parametrize(
    ("change", "message", "where"),
    [
        (("downrange_km = 2950", "downrange_km = 4000"), "beyond the end of the track", "stage[2].downrange_km"),
        (("lat = 39.660", "lat = 95"), "out of range", "site.lat"),
        (('phase = "fairing"', 'phase = "nosecone"'), "unknown phase 'nosecone'", "stage[1].phase"),
        (("azimuth = 195.0", 'azimuth = "south"'), "must be a number", "track[0].azimuth"),
        (("[overflight]", "[overflite]"), "unknown key(s) overflite", "overflite"),
    ],
)
def test_errors_name_the_field(change: tuple[str, str], message: str, where: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_profile(PROFILE.replace(*change))
    assert message in str(err.value)
    assert err.value.path == where


def test_toml_syntax_error_has_a_line() -> None:
    with pytest.raises(ParseError) as err:
        parse_profile('name = "x"\n[site\nlat = 1\n')
    assert err.value.line == 2


MC = PROFILE + "\n[dispersion]\nsamples = 20000\nseed = 7\nlevels = [0.9, 0.99, 0.999]\n"


def test_monte_carlo_contours() -> None:
    import numpy as np

    out = parse_profile(MC)
    stage1 = [c for c in out.corridors if c.phase is Phase.STAGE1]
    assert [c.id.rsplit("-", 1)[1] for c in stage1] == ["p90", "p99", "p999"]
    assert [c.probability for c in stage1] == [0.9, 0.99, 0.999]
    # nested, and each close to the analytic chi-square ellipse of its level
    for inner, outer in itertools.pairwise(stage1):
        assert outer.geometry.contains(inner.geometry)
    for c in stage1:
        k = math.sqrt(chi2.ppf(c.probability, 2))
        assert geodesic_area_km2(c.geometry) == pytest.approx(math.pi * k * 25 * k * 10, rel=0.05)
    # an independent draw of impacts (numpy, other seed; placed with Geod.fwd) falls inside at the stated rate
    lat0, lon0 = stage1[0].properties["center"]
    heading = parse_profile(PROFILE).corridors[0].properties["heading_deg"]
    rng = np.random.default_rng(12345)
    n = 4000
    a, c = rng.normal(0, 25_000, n), rng.normal(0, 10_000, n)
    dist = np.hypot(a, c)
    az = heading + np.degrees(np.arctan2(c, a))
    lons, lats, _ = GEOD.fwd(np.full(n, lon0), np.full(n, lat0), az, dist)
    pts = shapely.points(lons, lats)
    for contour in stage1:
        frac = float(np.mean(shapely.contains(contour.geometry, pts)))
        sd = math.sqrt(contour.probability * (1 - contour.probability) / n)
        assert abs(frac - contour.probability) < 4 * sd + 0.003, (contour.probability, frac)
    # seeded: the same input gives the same geometry
    again = parse_profile(MC).corridors[0]
    assert again.geometry.equals(stage1[0].geometry)
    assert over_of(out).phase is Phase.OVERFLIGHT


def over_of(out: Any) -> Any:
    return next(c for c in out.corridors if c.phase is Phase.OVERFLIGHT)


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ("[dispersion]\nsamples = 10\n", "dispersion.samples"),
        ("[dispersion]\nlevels = [1.5]\n", "dispersion.levels"),
        ("[dispersion]\nsamples = 1000\nlevels = [0.9999]\n", "dispersion.levels"),
        ("[dispersion]\nseed = -1\n", "dispersion.seed"),
        ("[dispersion]\nsample = 100\n", "dispersion"),
    ],
)
def test_dispersion_errors(table: str, where: str) -> None:
    with pytest.raises(ParseError) as err:
        parse_profile(PROFILE + "\n" + table)
    assert err.value.path == where
