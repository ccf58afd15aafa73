"""Re-entry corridors: the SGP4 ground track swept during ``DECAY_EPOCH ± WINDOW``.

Inputs: a TLE (2 lines, or 3 with a name line; both checksums verified) or an OMM (CCSDS
JSON or XML as Space-Track serves it), and the decay epoch and window either from a TIP-style
record (``DECAY_EPOCH``, ``WINDOW`` minutes, ``NORAD_CAT_ID``, optional ``LAT``/``LON``) or
from arguments. The element set is propagated with the ``sgp4`` package (WGS72 constants, as
SGP4 requires) every :data:`STEP_S` seconds or less; each TEME position is rotated to the
Earth-fixed frame by the IAU-82 Greenwich mean sidereal time (the TEME → PEF step of Vallado et
al. 2006; polar motion, < 20 m, is ignored) and converted to WGS84 geodetic latitude/longitude.
The track is cut at 180° and buffered geodesically by the swath half-width (default 100 km).
The corridor carries the sampled sub-points with their times in ``properties["track"]``.

>>> lat, lon = ecef_to_geodetic(np.array([6378.137]), np.array([0.0]), np.array([0.0]))
>>> float(lat[0]), float(lon[0])
(0.0, 0.0)
"""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import shapely
import shapely.errors
from numpy.typing import NDArray
from sgp4.api import WGS72, Satrec, jday
from shapely.geometry.base import BaseGeometry

from geowarn.errors import GeowarnError, ParseError
from geowarn.geodesy import geodesic_buffer, split_antimeridian
from geowarn.model import Corridor, Phase, TimeWindow, format_time, parse_time
from geowarn.sources import rings
from geowarn.sources.common import ParsedInput, as_text

STEP_S = 30.0
"""Largest time step between sampled sub-points (s)."""
DEFAULT_SWATH_KM = 100.0
MAX_WINDOW_MIN = 3 * 24 * 60.0
"""Largest ± window accepted (minutes)."""

WGS84_A = 6378.137
WGS84_F = 1.0 / 298.257223563
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)

FloatArray = NDArray[np.float64]

_SGP4_ERRORS = {
    1: "mean eccentricity out of range",
    2: "mean motion below zero",
    3: "perturbed eccentricity out of range",
    4: "semi-latus rectum below zero",
    6: "the satellite has decayed",
}


def tle_checksum(line: str) -> int:
    """Compute the modulo-10 checksum of a TLE line's first 68 columns ('-' counts 1).

    >>> tle_checksum("1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991")
    1
    """
    return sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68]) % 10


def parse_tle(text: str) -> tuple[str | None, str, str, Satrec]:
    """``(name, line1, line2, satrec)`` from a 2- or 3-line element set; checksums verified."""
    lines = [ln.rstrip() for ln in text.splitlines()]
    idx = next((i for i, ln in enumerate(lines) if ln.startswith("1 ")), None)
    if idx is None or idx + 1 >= len(lines) or not lines[idx + 1].startswith("2 "):
        raise ParseError("no TLE found (expected a line starting '1 ' followed by one starting '2 ')", line=1)
    l1, l2 = lines[idx], lines[idx + 1]
    name = None
    if idx > 0 and lines[idx - 1].strip():
        name = lines[idx - 1].strip()
        name = name[2:].strip() if name.startswith("0 ") else name
    for n, ln in ((idx + 1, l1), (idx + 2, l2)):
        if len(ln) < 69:
            raise ParseError(f"TLE line {ln[0]} has {len(ln)} columns, expected 69", line=n, column=len(ln))
        if not ln[68].isdigit():
            raise ParseError(f"TLE line {ln[0]} does not end in a checksum digit", line=n, column=69)
        want = tle_checksum(ln)
        if int(ln[68]) != want:
            raise ParseError(
                f"TLE line {ln[0]} checksum mismatch: the digits sum to {want} but the line ends in {ln[68]}",
                line=n,
                column=69,
            )
    if l1[2:7] != l2[2:7]:
        raise ParseError(f"TLE lines are for different objects ({l1[2:7]} and {l2[2:7]})", line=idx + 2, column=3)
    try:
        sat = Satrec.twoline2rv(l1, l2, WGS72)
    except Exception as exc:
        raise ParseError(f"TLE cannot be read: {exc}", line=idx + 1) from None
    return name, l1, l2, sat


def parse_omm(text: str) -> tuple[str | None, Satrec]:
    """Parse an OMM (CCSDS JSON record or list, or XML) into a Satrec."""
    from sgp4 import omm

    s = text.lstrip()
    try:
        if s.startswith("<"):
            fields = next(iter(omm.parse_xml(io.StringIO(s))))
        else:
            obj = json.loads(s)
            fields = obj[0] if isinstance(obj, list) and obj else obj
            if not isinstance(fields, dict):
                raise ParseError("an OMM JSON must be an object or a list of objects", path="$")
            fields = {str(k).upper(): str(v) for k, v in fields.items()}
        sat = Satrec()
        omm.initialize(sat, fields)
    except ParseError:
        raise
    except (KeyError, StopIteration) as exc:
        raise ParseError(f"OMM lacks field {exc}", path="$") from None
    except Exception as exc:
        raise ParseError(f"OMM cannot be read: {exc}", path="$") from None
    return fields.get("OBJECT_NAME"), sat


def gmst82(jd: FloatArray, fr: FloatArray) -> FloatArray:
    """Greenwich mean sidereal time (IAU-82, radians) at UT1 ≈ UTC Julian dates ``jd + fr``."""
    tut1 = ((jd - 2451545.0) + fr) / 36525.0
    sec = -6.2e-6 * tut1**3 + 0.093104 * tut1**2 + (876600.0 * 3600.0 + 8640184.812866) * tut1 + 67310.54841
    return np.asarray(np.radians(sec / 240.0) % (2.0 * math.pi), dtype=float)


def teme_to_ecef(r: FloatArray, jd: FloatArray, fr: FloatArray) -> FloatArray:
    """Rotate TEME positions ``(N, 3)`` to the Earth-fixed frame (PEF ≈ ITRF, polar motion ignored)."""
    g = gmst82(jd, fr)
    c, s = np.cos(g), np.sin(g)
    x = c * r[:, 0] + s * r[:, 1]
    y = -s * r[:, 0] + c * r[:, 1]
    return np.column_stack([x, y, r[:, 2]])


def ecef_to_geodetic(x: FloatArray, y: FloatArray, z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """WGS84 geodetic latitude and longitude (degrees) of ECEF points in km (iterative, < 1 mm)."""
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    lat = np.arctan2(z, p * (1.0 - WGS84_E2))
    for _ in range(6):
        sin = np.sin(lat)
        n = WGS84_A / np.sqrt(1.0 - WGS84_E2 * sin * sin)
        h = np.where(np.abs(np.cos(lat)) > 1e-12, p / np.maximum(np.cos(lat), 1e-12) - n, np.abs(z) - n)
        lat = np.arctan2(z, p * (1.0 - WGS84_E2 * n / (n + h)))
    return np.degrees(lat), np.degrees(lon)


def subpoints(sat: Satrec, start: datetime, end: datetime, step_s: float = STEP_S) -> dict[str, Any]:
    """Sub-satellite points from ``start`` to ``end`` every ``step_s`` seconds (or less).

    Returns ``{"times": [datetime], "lat": array, "lon": array, "error": str | None}``; sampling
    stops at the first SGP4 error (e.g. "the satellite has decayed").
    """
    total = (end - start).total_seconds()
    n = max(2, math.ceil(total / step_s) + 1)
    offsets = np.linspace(0.0, total, n)
    jd0, fr0 = jday(start.year, start.month, start.day, start.hour, start.minute, start.second)
    jd = np.full(n, jd0)
    fr = fr0 + offsets / 86400.0
    err, r, _ = sat.sgp4_array(jd, fr)
    bad = np.nonzero(err)[0]
    error = None
    if len(bad):
        k = int(bad[0])
        error = f"SGP4 stopped at {format_time(start + timedelta(seconds=float(offsets[k])))}: " + _SGP4_ERRORS.get(
            int(err[k]), f"error {int(err[k])}"
        )
        jd, fr, r, offsets = jd[:k], fr[:k], r[:k], offsets[:k]
    ecef = teme_to_ecef(np.asarray(r), jd, fr)
    lat, lon = ecef_to_geodetic(ecef[:, 0], ecef[:, 1], ecef[:, 2])
    times = [start + timedelta(seconds=float(o)) for o in offsets]
    return {"times": times, "lat": lat, "lon": lon, "error": error}


def _tip_record(tip: Any) -> dict[str, Any]:
    if isinstance(tip, list):
        recs = [r for r in tip if isinstance(r, dict)]
        if not recs:
            raise ParseError("the TIP list has no records", path="$")
        return max(recs, key=lambda r: str(r.get("MSG_EPOCH", "")))
    if not isinstance(tip, dict):
        raise ParseError("a TIP must be a JSON object (or a list of them)", path="$")
    return tip


def reentry_corridor(
    tle_text: str,
    *,
    epoch: datetime | None = None,
    window_min: float | None = None,
    swath_km: float = DEFAULT_SWATH_KM,
    tip: Any = None,
    step_s: float = STEP_S,
) -> ParsedInput:
    """Build the re-entry swath corridor for an element set and a decay window (see the module docstring)."""
    text = as_text(tle_text, "element set")
    s = text.lstrip()
    if s[:1] in ("{", "[", "<"):
        name, sat = parse_omm(s)
        raw_elements = text.strip()
    else:
        name, l1, l2, sat = parse_tle(text)
        raw_elements = "\n".join(x for x in (name, l1, l2) if x)
    rec: dict[str, Any] = _tip_record(tip) if tip is not None else {}
    epoch, window_min = _decay_window(rec, epoch, window_min)
    if not (math.isfinite(swath_km) and 0 < swath_km <= 1000):
        raise ParseError(f"swath half-width {swath_km:g} km is out of range (0 … 1000)", path="swath_km")
    if not 0 < step_s <= STEP_S:
        raise ParseError(f"step {step_s:g} s is out of range (0 … {STEP_S:g})", path="step_s")
    satnum = str(sat.satnum_str if hasattr(sat, "satnum_str") else sat.satnum).strip().lstrip("0") or "0"
    if rec.get("NORAD_CAT_ID") not in (None, "") and str(rec["NORAD_CAT_ID"]).strip().lstrip("0") != satnum:
        raise ParseError(
            f"the TIP is for object {rec['NORAD_CAT_ID']} but the element set is for {satnum}", path="NORAD_CAT_ID"
        )
    start = epoch - timedelta(minutes=window_min)
    end = epoch + timedelta(minutes=window_min)
    track = subpoints(sat, start, end, step_s)
    lat, lon = track["lat"], track["lon"]
    if len(lat) < 2:
        raise ParseError(f"no ground track in the window: {track['error'] or 'SGP4 failed'}", path="DECAY_EPOCH")
    # the swath may not reach a pole: a polygon enclosing a pole cannot be cut at 180°
    rings.check_pole(lat, swath_km * 1000.0, "", None, "re-entry swath")
    swath = _swath(lat, lon, swath_km)
    at_epoch = subpoints(sat, epoch, epoch + timedelta(seconds=1), 1.0)
    props: dict[str, Any] = {
        "norad_cat_id": satnum,
        "decay_epoch": format_time(epoch),
        "window_min": window_min,
        "swath_km": swath_km,
        "step_s": step_s,
        "track": [
            [format_time(t), round(float(a), 5), round(float(o), 5)]
            for t, a, o in zip(track["times"], lat, lon, strict=True)
        ],
    }
    if len(at_epoch["lat"]):
        props["subpoint_at_epoch"] = [round(float(at_epoch["lat"][0]), 4), round(float(at_epoch["lon"][0]), 4)]
    if rec.get("LAT") not in (None, "") and rec.get("LON") not in (None, ""):
        props["tip_subpoint"] = [float(rec["LAT"]), float(rec["LON"])]
    if track["error"]:
        props["propagation_note"] = track["error"]
    who = name or f"object {satnum}"
    corridor = Corridor(
        id=f"reentry-{satnum}-{epoch:%Y%m%dt%H%M}",
        geometry=swath,
        phase=Phase.REENTRY,
        label=f"re-entry of {who} ±{window_min:g} min",
        windows=(TimeWindow(start, end),),
        source="TIP" if rec else "TLE + decay window",
        raw="\n".join([raw_elements, json.dumps(rec, ensure_ascii=False) if rec else f"epoch {format_time(epoch)}"]),
        properties=props,
    )
    meta = {"norad_cat_id": satnum, "name": name, "decay_epoch": format_time(epoch), "window_min": window_min}
    return ParsedInput("reentry", [corridor], meta)


def _decay_window(rec: dict[str, Any], epoch: datetime | None, window_min: float | None) -> tuple[datetime, float]:
    """Return the decay epoch and window (arguments first, then the TIP record ``rec``), checked.

    Raises :class:`ParseError` naming ``DECAY_EPOCH`` / ``WINDOW`` when one is missing or out of range.
    """
    if epoch is None and rec.get("DECAY_EPOCH"):
        epoch = parse_time(str(rec["DECAY_EPOCH"]).replace(" ", "T"), field_name="DECAY_EPOCH")
    if window_min is None and rec.get("WINDOW") not in (None, ""):
        try:
            window_min = float(rec["WINDOW"])
        except (TypeError, ValueError):
            raise ParseError(f"WINDOW {rec['WINDOW']!r} is not a number of minutes", path="WINDOW") from None
    if epoch is None:
        raise ParseError("no decay epoch (give --epoch or a TIP with DECAY_EPOCH)", path="DECAY_EPOCH")
    if window_min is None:
        raise ParseError("no window (give --window-min or a TIP with WINDOW)", path="WINDOW")
    if not (math.isfinite(window_min) and 0 < window_min <= MAX_WINDOW_MIN):
        raise ParseError(f"window {window_min:g} min is out of range (0 … {MAX_WINDOW_MIN:g})", path="WINDOW")
    return epoch, window_min


def _swath(lat: np.ndarray, lon: np.ndarray, swath_km: float) -> BaseGeometry:
    """Return the geodesic swath of ``swath_km`` either side of a ground track, split at the antimeridian."""
    line = shapely.LineString(np.column_stack([np.degrees(np.unwrap(np.radians(lon))), lat]))
    parts = split_antimeridian(line)
    pieces = list(getattr(parts, "geoms", [parts]))
    try:
        swath = shapely.union_all([geodesic_buffer(p, swath_km * 1000.0) for p in pieces])
        return rings.validated(shapely.normalize(swath), "re-entry swath")
    except GeowarnError as exc:
        raise ParseError(f"the re-entry swath cannot be built: {exc}") from None
    except (shapely.errors.GEOSException, ValueError) as exc:
        raise ParseError(f"the re-entry swath cannot be built ({exc})") from None


def parse_reentry_json(data: str | bytes) -> ParsedInput:
    """Parse a TIP-style record that also carries ``TLE_LINE1``/``TLE_LINE2`` (and optionally ``TLE_LINE0``)."""
    text = as_text(data, "re-entry JSON")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    rec = _tip_record(obj)
    lines = [str(rec.get(k) or "") for k in ("TLE_LINE0", "TLE_LINE1", "TLE_LINE2")]
    if not lines[1] or not lines[2]:
        raise ParseError("the record has no TLE_LINE1/TLE_LINE2", path="$.TLE_LINE1")
    swath = rec.get("SWATH_KM", DEFAULT_SWATH_KM)
    try:
        swath_km = float(swath)
    except (TypeError, ValueError):
        raise ParseError("SWATH_KM must be a number", path="$.SWATH_KM") from None
    return reentry_corridor("\n".join(x for x in lines if x), tip=rec, swath_km=swath_km)


_ = UTC  # re-exported for callers building epochs
