"""Launch profiles (geowarn's own TOML format) → drop-zone ellipses and the overflight swath.

The format (documented in the README under "Launch profiles")::

    name = "Chollima-1 satellite launch (2023 profile)"
    window_start = "2023-11-21T15:00:00Z"     # optional, both or neither
    window_end = "2023-11-30T15:00:00Z"
    confidence = 0.997                        # optional, default 0.997

    [site]
    lat = 39.660
    lon = 124.705

    [[track]]                                 # one or more legs, walked in order
    azimuth = 195.0                           # initial heading of the leg, degrees true
    length_km = 700                           # along the geodesic

    [overflight]
    half_width_km = 50                        # optional; no swath without it

    [[stage]]
    phase = "stage1"                          # stage1|fairing|stage2|stage3|debris|other
    downrange_km = 380                        # distance along the track from the site
    sigma_along_km = 25                       # 1-sigma dispersion along the track
    sigma_cross_km = 10                       # … and across it
    confidence = 0.99                         # optional, overrides the profile's

Each leg starts where the previous one ended and follows the geodesic with the given initial
azimuth. A stage's drop zone is the ellipse centred on the downrange point, major axis along
the track direction there, semi-axes ``k·sigma`` with ``k = sqrt(-2 ln(1 - p))``, the radius
of the bivariate normal's ``p`` contour (the chi-square quantile for 2 degrees of freedom):
``p = 0.997`` gives ``k ≈ 3.41``, ``1 - exp(-4.5) ≈ 0.988891`` gives ``k = 3``. The overflight
swath is the track buffered geodesically by ``half_width_km`` either side.

An optional ``[dispersion]`` table (``samples = 20000``, ``seed = 1``, ``levels = [0.9, 0.99,
0.999]``) replaces each stage's analytic ellipse by seeded Monte-Carlo probability contours, one
corridor per level (``probability`` = the level; ids end in ``-p90``, ``-p99``, ``-p99.9`` →
``-p999``), see :func:`monte_carlo_contours`.

>>> k_factor(0.997)
3.4086
"""

from __future__ import annotations

import math
import tomllib
from typing import Any

import numpy as np
from shapely.errors import GEOSException
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

from geowarn.errors import GeowarnError, ParseError
from geowarn.geodesy import GEOD, densify, geodesic_buffer, geodesic_ellipse, local_aeqd
from geowarn.model import Corridor, Phase, TimeWindow, parse_time
from geowarn.sources import rings
from geowarn.sources.common import ParsedInput, as_text, slug

DEFAULT_CONFIDENCE = 0.997
MAX_TRACK_KM = 20_000.0
_TOP = {
    "name",
    "window_start",
    "window_end",
    "confidence",
    "site",
    "track",
    "overflight",
    "stage",
    "description",
    "dispersion",
}
MAX_SAMPLES = 200_000


def _dispersion(doc: dict[str, Any]) -> dict[str, Any] | None:
    table = doc.get("dispersion")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ParseError("[dispersion] must be a table", path="dispersion")
    unknown = sorted(set(table) - {"samples", "seed", "levels"})
    if unknown:
        raise ParseError(f"unknown key(s) {', '.join(unknown)} (expected samples, seed, levels)", path="dispersion")
    n = int(_num(table, "samples", "dispersion", lo=1000, hi=MAX_SAMPLES, default=20_000))
    seed = table.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParseError(f"seed must be a non-negative integer, not {seed!r}", path="dispersion.seed")
    levels = table.get("levels", [0.9, 0.99, 0.999])
    if (
        not isinstance(levels, list)
        or not levels
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 1 for v in levels)
    ):
        raise ParseError("levels must be a list of probabilities between 0 and 1", path="dispersion.levels")
    if any(v > 1 - 10 / n for v in levels):
        raise ParseError(
            f"{n} samples are too few for level {max(levels)} (need at least 10 samples outside it)",
            path="dispersion.levels",
        )
    return {"samples": n, "seed": seed, "levels": sorted(float(v) for v in levels)}


def monte_carlo_contours(
    lat: float,
    lon: float,
    heading: float,
    sigma_along_m: float,
    sigma_cross_m: float,
    levels: list[float],
    *,
    samples: int,
    seed: int | list[int],
) -> list[tuple[float, BaseGeometry, dict[str, Any]]]:
    """Probability contours of a seeded Monte-Carlo impact dispersion.

    Impact points are drawn along/across the track (normal, ``sigma_along_m`` /
    ``sigma_cross_m``) in a local azimuthal-equidistant plane at ``(lat, lon)``;
    the contour of level ``p`` is the ellipse of the *sample* mean and
    covariance whose Mahalanobis radius is the sample's ``p``-quantile, built
    on the ellipsoid with :func:`~geowarn.geodesy.geodesic_ellipse`.
    Returns ``(p, geometry, properties)`` per level.

    >>> out = monte_carlo_contours(30.0, 130.0, 180.0, 25_000, 10_000, [0.9], samples=20_000, seed=1)
    >>> abs(out[0][2]["k_empirical"] - out[0][2]["k_analytic"]) < 0.05
    True
    """
    rng = np.random.default_rng(seed)
    a = rng.normal(0.0, sigma_along_m, samples)
    c = rng.normal(0.0, sigma_cross_m, samples)
    h = math.radians(heading)
    xy = np.column_stack([a * math.sin(h) + c * math.cos(h), a * math.cos(h) - c * math.sin(h)])
    mean = xy.mean(axis=0)
    cov = np.cov(xy, rowvar=False)
    d = xy - mean
    d2 = np.einsum("ij,jk,ik->i", d, np.linalg.inv(cov), d)
    evals, evecs = np.linalg.eigh(cov)
    major = evecs[:, 1]
    azimuth = math.degrees(math.atan2(major[0], major[1])) % 180.0
    _, inv = local_aeqd(lat, lon)
    clon, clat = (float(v) for v in inv(mean.reshape(1, 2))[0])
    out = []
    for p in levels:
        k = math.sqrt(float(np.quantile(d2, p)))
        sa, sb = k * math.sqrt(evals[1]), k * math.sqrt(evals[0])
        n = int(min(1024, max(128, math.ceil(2 * math.pi * sa / 5_000.0))))
        geom = geodesic_ellipse((clat, clon), sa, sb, azimuth, n=n)
        out.append(
            (
                p,
                geom,
                {
                    "k_empirical": round(k, 4),
                    "k_analytic": k_factor(p),
                    "semi_major_km": round(sa / 1000.0, 3),
                    "semi_minor_km": round(sb / 1000.0, 3),
                    "major_azimuth_deg": round(azimuth, 3),
                    "center": [round(clat, 6), round(clon, 6)],
                },
            )
        )
    return out


def k_factor(p: float) -> float:
    """Scale of the ``p`` contour of a bivariate normal in sigmas (rounded to 4 places).

    >>> k_factor(0.988891)
    3.0
    """
    return round(math.sqrt(-2.0 * math.log(1.0 - p)), 4)


def _num(obj: dict[str, Any], key: str, path: str, *, lo: float, hi: float, default: float | None = None) -> float:
    if key not in obj:
        if default is not None:
            return default
        raise ParseError(f"{key} is missing", path=f"{path}.{key}")
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ParseError(f"{key} must be a number, not {v!r}", path=f"{path}.{key}")
    if not lo <= float(v) <= hi:
        raise ParseError(f"{key} = {v} is out of range [{lo:g}, {hi:g}]", path=f"{path}.{key}")
    return float(v)


def _confidence(obj: dict[str, Any], path: str, default: float) -> float:
    p = _num(obj, "confidence", path, lo=0.0, hi=1.0, default=default)
    if not 0.0 < p < 1.0:
        raise ParseError(f"confidence must be strictly between 0 and 1, not {p}", path=f"{path}.confidence")
    return p


class _Track:
    """The ground track: legs walked along geodesics from the site."""

    def __init__(self, lat: float, lon: float, legs: list[tuple[float, float]]) -> None:
        self.legs: list[tuple[float, float, float, float, float]] = []  # start s, lat, lon, az, length (m)
        coords = [(lon, lat)]
        s = 0.0
        for az, length in legs:
            self.legs.append((s, lat, lon, az, length))
            n = max(2, math.ceil(length / 10_000.0) + 1)
            d = np.linspace(0.0, length, n)
            lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), np.full(n, az), d)
            coords.extend(zip(np.asarray(lons)[1:], np.asarray(lats)[1:], strict=True))
            lat, lon = float(lats[-1]), float(lons[-1])
            s += length
        self.length = s
        arr = np.array(coords)
        arr[:, 0] = np.degrees(np.unwrap(np.radians(arr[:, 0])))
        self.line = LineString(arr)

    def at(self, s: float) -> tuple[float, float, float]:
        """``(lat, lon, heading)`` at ``s`` metres along the track."""
        for start, lat, lon, az, length in self.legs:
            if s <= start + length + 1e-6:
                lon2, lat2, back = GEOD.fwd(lon, lat, az, s - start)
                return float(lat2), float(lon2), (float(back) + 180.0) % 360.0
        raise AssertionError("beyond the track")  # pragma: no cover


def _load_toml(text: str) -> dict[str, Any]:
    """Return the TOML document of a profile; a :class:`ParseError` with the line and column when invalid."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        line = col = None
        import re

        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        if m:
            line, col = int(m.group(1)), int(m.group(2))
            msg = msg[: m.start()].strip()
        raise ParseError(f"invalid TOML: {msg}", line=line, column=col) from None
    return doc


def _profile_track(doc: dict[str, Any]) -> tuple[dict[str, Any], float, float, _Track]:
    """Return the ``[site]`` table, its latitude and longitude, and the track of the ``[[track]]`` legs from it.

    Raises :class:`ParseError` naming ``site`` / ``track[i]`` for a missing table, a bad number or a too long track.
    """
    site = doc.get("site")
    if not isinstance(site, dict):
        raise ParseError("a [site] table with lat and lon is required", path="site")
    lat0 = _num(site, "lat", "site", lo=-90, hi=90)
    lon0 = _num(site, "lon", "site", lo=-180, hi=180)
    legs_in = doc.get("track")
    if not isinstance(legs_in, list) or not legs_in:
        raise ParseError("at least one [[track]] leg (azimuth, length_km) is required", path="track")
    legs = []
    for i, leg in enumerate(legs_in):
        if not isinstance(leg, dict):
            raise ParseError("a track leg must be a table", path=f"track[{i}]")
        legs.append(
            (
                _num(leg, "azimuth", f"track[{i}]", lo=-360, hi=360),
                _num(leg, "length_km", f"track[{i}]", lo=1e-3, hi=MAX_TRACK_KM) * 1000.0,
            )
        )
    track = _Track(lat0, lon0, legs)
    if track.length > MAX_TRACK_KM * 1000:
        raise ParseError(f"the track is longer than {MAX_TRACK_KM:,.0f} km", path="track")
    return site, lat0, lon0, track


def _profile_windows(doc: dict[str, Any]) -> tuple[TimeWindow, ...]:
    """Return the profile's window (``window_start`` to ``window_end``), or none when neither is given."""
    try:
        start = parse_time(doc.get("window_start"), field_name="window_start")
        end = parse_time(doc.get("window_end"), field_name="window_end")
    except ParseError:
        raise
    windows: tuple[TimeWindow, ...] = ()
    if (start is None) != (end is None):
        raise ParseError("give both window_start and window_end, or neither", path="window_end")
    if start is not None and end is not None:
        if end < start:
            raise ParseError("window_end is before window_start", path="window_end")
        windows = (TimeWindow(start, end),)
    return windows


def _overflight(
    over: Any, track: _Track, base: str, name: str, windows: tuple[TimeWindow, ...], text: str
) -> Corridor | None:
    """Return the ``[overflight]`` swath corridor along ``track`` (``None`` without the table)."""
    if over is None:
        return None
    if not isinstance(over, dict):
        raise ParseError("[overflight] must be a table", path="overflight")
    half = _num(over, "half_width_km", "overflight", lo=1e-3, hi=1000) * 1000.0
    rings.check_pole(np.asarray(track.line.coords)[:, 1], half, "", None, "overflight swath")
    try:
        swath = rings.validated(geodesic_buffer(densify(track.line, 10_000.0), half), "overflight")
    except (GeowarnError, GEOSException, ValueError) as exc:
        raise ParseError(f"{exc}; does the swath enclose a pole?", path="overflight") from None
    return Corridor(
        id=f"{base}-overflight",
        geometry=swath,
        phase=Phase.OVERFLIGHT,
        label=f"overflight ±{half / 1000:g} km",
        windows=windows,
        source=name,
        raw=text,
        properties={"half_width_km": half / 1000.0, "track_length_km": round(track.length / 1000.0, 3)},
    )


def _stage_phase(st: dict[str, Any], path: str) -> Phase:
    """Return the phase of a ``[[stage]]`` (default ``other``); a :class:`ParseError` at ``path.phase`` if unknown."""
    phase_text = str(st.get("phase", "other")).lower()
    try:
        return Phase(phase_text)
    except ValueError:
        raise ParseError(
            f"unknown phase {phase_text!r} ({', '.join(p.value for p in Phase)})", path=f"{path}.phase"
        ) from None


def parse_profile(data: str | bytes) -> ParsedInput:
    """Build drop-zone ellipses and the overflight swath from a launch profile (TOML)."""
    text = as_text(data, "launch profile")
    doc = _load_toml(text)
    unknown = sorted(set(doc) - _TOP)
    if unknown:
        raise ParseError(f"unknown key(s) {', '.join(unknown)} (expected {', '.join(sorted(_TOP))})", path=unknown[0])
    name = str(doc.get("name") or "launch profile")
    site, lat0, lon0, track = _profile_track(doc)
    p_default = _confidence(doc, "$", DEFAULT_CONFIDENCE)
    windows = _profile_windows(doc)

    base = slug(name) or "profile"
    corridors: list[Corridor] = []
    stages = doc.get("stage") or []
    if not isinstance(stages, list):
        raise ParseError("[[stage]] must be an array of tables", path="stage")
    seen: dict[str, int] = {}
    mc = _dispersion(doc)
    for i, st in enumerate(stages):
        path = f"stage[{i}]"
        if not isinstance(st, dict):
            raise ParseError("a stage must be a table", path=path)
        phase = _stage_phase(st, path)
        s = _num(st, "downrange_km", path, lo=0.0, hi=MAX_TRACK_KM) * 1000.0
        if s > track.length + 1e-6:
            raise ParseError(
                f"downrange_km {s / 1000:g} is beyond the end of the track ({track.length / 1000:g} km)",
                path=f"{path}.downrange_km",
            )
        sa = _num(st, "sigma_along_km", path, lo=1e-3, hi=1000) * 1000.0
        sc = _num(st, "sigma_cross_km", path, lo=1e-3, hi=1000) * 1000.0
        p = _confidence(st, path, p_default)
        k = math.sqrt(-2.0 * math.log(1.0 - p))
        lat, lon, heading = track.at(s)
        a, b = k * sa, k * sc
        n = int(min(1024, max(128, math.ceil(2 * math.pi * max(a, b) / 5_000.0))))
        try:
            geom = geodesic_ellipse((lat, lon), a, b, heading, n=n)
            geom = rings.validated(geom, phase.value)
        except (GeowarnError, GEOSException, ValueError) as exc:
            raise ParseError(str(exc), path=path) from None
        seen[phase.value] = seen.get(phase.value, 0) + 1
        cid = f"{base}-{phase.value}" + (f"-{seen[phase.value]}" if seen[phase.value] > 1 else "")
        if mc is not None:
            try:
                contours = monte_carlo_contours(
                    lat, lon, heading, sa, sc, mc["levels"], samples=mc["samples"], seed=[mc["seed"], i]
                )
                for level, cgeom, cprops in contours:
                    corridors.append(
                        Corridor(
                            id=f"{cid}-p{format(level * 100, 'g').replace('.', '')}",
                            geometry=rings.validated(cgeom, phase.value),
                            phase=phase,
                            label=f"{phase.value} impact {level:.1%} (Monte Carlo)",
                            windows=windows,
                            source=name,
                            raw=text,
                            probability=level,
                            confidence_level=level,
                            properties={
                                **cprops,
                                "downrange_km": s / 1000.0,
                                "sigma_along_km": sa / 1000.0,
                                "sigma_cross_km": sc / 1000.0,
                                "samples": mc["samples"],
                                "seed": mc["seed"],
                            },
                        )
                    )
            except (GeowarnError, GEOSException, ValueError) as exc:
                raise ParseError(str(exc), path=path) from None
            continue
        corridors.append(
            Corridor(
                id=cid,
                geometry=geom,
                phase=phase,
                label=f"{phase.value} drop zone ({p:.1%})",
                windows=windows,
                source=name,
                raw=text,
                confidence_level=p,
                properties={
                    "center": [round(lat, 6), round(lon, 6)],
                    "heading_deg": round(heading, 3),
                    "downrange_km": s / 1000.0,
                    "sigma_along_km": sa / 1000.0,
                    "sigma_cross_km": sc / 1000.0,
                    "k": round(k, 4),
                    "semi_major_km": round(a / 1000.0, 3),
                    "semi_minor_km": round(b / 1000.0, 3),
                },
            )
        )
    over = _overflight(doc.get("overflight"), track, base, name, windows, text)
    if over is not None:
        corridors.append(over)
    if not corridors:
        raise ParseError("the profile has neither [[stage]] drop zones nor an [overflight] swath", path="stage")
    meta = {
        "name": name,
        "site": {"lat": lat0, "lon": lon0, "name": site.get("name")},
        "track_length_km": round(track.length / 1000.0, 3),
        "confidence_level": p_default,
        "k": k_factor(p_default),
    }
    return ParsedInput("profile", corridors, meta)
