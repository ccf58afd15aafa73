"""From corner lists, centres and track lines to valid corridor geometries.

Notices often list a box's corners NW, NE, SW, SE: joined as given that is a
bow-tie. :func:`polygon_from_corners` keeps the published order when it makes
a simple polygon; otherwise, when every corner lies on the convex hull of
the corners (the only case where the ring is unambiguous), it re-orders them
along the hull; otherwise it rejects the list, naming the area and the
reason. Every result is densified along the geodesic, oriented CCW and cut at
180°, and checked valid.

>>> nw, ne, sw, se = (36.0667, 124.5), (36.0667, 124.9), (35.3167, 124.5), (35.3167, 124.9)
>>> poly, reordered = polygon_from_corners([nw, ne, sw, se], "A")
>>> poly.is_valid, reordered
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import LineString, MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry

from geowarn.errors import GeowarnError, ParseError
from geowarn.geodesy import (
    GEOD,
    densify,
    destination,
    geodesic_buffer,
    geodesic_circle,
    inverse,
    local_aeqd,
    orient_ccw,
    split_antimeridian,
)

MAX_SEGMENT_M = 10_000.0
"""Longest edge left after densifying (m)."""

MAX_CORNERS = 5_000
"""Most corners one area may list."""

MAX_RADIUS_M = 3_000_000.0
"""Largest circle or track half-width accepted (m)."""


def _err(label: str, reason: str, line: int | None) -> ParseError:
    where = f"area {label}: " if label else ""
    return ParseError(f"{where}{reason}", line=line)


def _unwrapped(points: Sequence[tuple[float, float]]) -> np.ndarray:
    """``(lon, lat)`` array with longitudes continuous around the first point."""
    arr = np.array([(lon, lat) for lat, lon in points], dtype=float)
    ref = arr[0, 0]
    arr[:, 0] = ref + ((arr[:, 0] - ref + 180.0) % 360.0 - 180.0)
    return arr


def _dedupe(arr: np.ndarray) -> np.ndarray:
    keep = [0]
    for i in range(1, len(arr)):
        if not np.allclose(arr[i], arr[keep[-1]], atol=1e-9):
            keep.append(i)
    out = arr[keep]
    if len(out) > 1 and np.allclose(out[0], out[-1], atol=1e-9):
        out = out[:-1]
    return out


def validated(geom: BaseGeometry, label: str = "", line: int | None = None) -> BaseGeometry:
    """Check an output geometry: non-empty valid (Multi)Polygon within [-180, 180] × [-90, 90]."""
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise _err(label, f"the area is empty or not a polygon ({geom.geom_type})", line)
    if not geom.is_valid:
        raise _err(label, f"the area is not a valid polygon ({shapely.is_valid_reason(geom)})", line)
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180.0 or maxx > 180.0 or miny < -90.0 or maxy > 90.0:
        raise _err(label, "the area leaves the range of longitudes/latitudes (does it enclose a pole?)", line)
    return geom


def finish(geom: BaseGeometry, label: str = "", line: int | None = None) -> BaseGeometry:
    """Densify along the geodesic, cut at 180°, orient CCW and validate."""
    try:
        out = split_antimeridian(densify(orient_ccw(geom), MAX_SEGMENT_M))
    except (GEOSException, ValueError) as exc:
        raise _err(label, f"the area cannot be cut at 180° ({exc})", line) from None
    return validated(out, label, line)


def polygon_from_corners(
    points: Sequence[tuple[float, float]], label: str = "", *, line: int | None = None
) -> tuple[BaseGeometry, bool]:
    """Build a valid polygon from ``(lat, lon)`` corners; returns ``(geometry, reordered)``.

    Raises
    ------
    ParseError
        Fewer than three distinct corners, collinear corners, an area wider
        than 180° of longitude, or a self-intersecting list that cannot be
        re-ordered unambiguously.

    Examples
    --------
    >>> p, r = polygon_from_corners([(20, 175), (20, -170), (25, -170), (25, 175)], "A")
    >>> p.geom_type, r
    ('MultiPolygon', False)
    >>> polygon_from_corners([(0, 0), (0, 2), (2, 0), (2, 2), (0.5, 1)], "B")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geowarn.errors.ParseError: area B: the corners as listed cross each other ... (1 of 5 corners lie inside the others)
    """
    if not points:
        raise _err(label, "no corners", line)
    if len(points) > MAX_CORNERS:
        raise _err(label, f"{len(points)} corners; at most {MAX_CORNERS:,} are read", line)
    arr = _dedupe(_unwrapped(points))
    n = len(arr)
    if n < 3:
        raise _err(label, f"{n} distinct corner{'s' if n != 1 else ''} do not make an area", line)
    if float(np.ptp(arr[:, 0])) >= 180.0:
        raise _err(label, "the corners span 180° of longitude or more; the area is ambiguous", line)
    lat0 = float(np.mean(arr[:, 1]))
    lon0 = float(np.mean(arr[:, 0]))
    fwd, _ = local_aeqd(max(-89.0, min(89.0, lat0)), lon0)
    xy = fwd(arr)
    if not np.all(np.isfinite(xy)):
        raise _err(label, "the corners cannot be projected", line)
    ring = Polygon(xy)
    reordered = False
    scale = float(np.ptp(xy, axis=0).max()) or 1.0
    if ring.is_valid and ring.area > 1e-9 * scale * scale:
        order = list(range(n))
    else:
        hull = MultiPoint([tuple(p) for p in xy]).convex_hull
        if hull.geom_type != "Polygon" or hull.area <= 1e-9 * scale * scale:
            raise _err(label, "the corners are collinear", line)
        index = {tuple(p): i for i, p in enumerate(xy)}
        hull_idx = [index[c] for c in list(hull.exterior.coords)[:-1] if c in index]
        if len(hull_idx) != n:
            ll = Polygon(arr)
            reason = shapely.is_valid_reason(ll) if not ll.is_valid else "the area is degenerate"
            raise _err(
                label,
                f"the corners as listed cross each other ({reason}) and cannot be re-ordered unambiguously "
                f"({n - len(hull_idx)} of {n} corners lie inside the others)",
                line,
            )
        order = hull_idx
        reordered = True
    poly = Polygon(arr[order])
    return finish(poly, label, line), reordered


def pole_distance_m(lats: Sequence[float] | np.ndarray) -> float:
    """Shortest meridian distance (m) from any of ``lats`` to the nearer pole."""
    top = float(np.max(np.abs(np.asarray(lats, dtype=float))))
    _, _, dist = GEOD.inv(0.0, top, 0.0, 90.0)
    return float(dist)


def check_pole(lats: Sequence[float] | np.ndarray, reach_m: float, label: str, line: int | None, what: str) -> None:
    """Reject shapes reaching a pole: a lon/lat polygon cannot enclose one (RFC 7946 cut at 180°)."""
    gap = pole_distance_m(lats)
    if gap <= reach_m + 10_000.0:
        raise _err(
            label,
            f"the {what} reaches within {gap / 1000:.0f} km of a pole and would enclose it, which is not supported",
            line,
        )


def arc_points(
    centre: tuple[float, float],
    start: tuple[float, float],
    end: tuple[float, float],
    radius_m: float,
    clockwise: bool,
    label: str = "",
    *,
    line: int | None = None,
) -> list[tuple[float, float]]:
    """Return the ``(lat, lon)`` points strictly between ``start`` and ``end`` on a geodesic arc round ``centre``.

    The azimuth sweeps clockwise (increasing) or counter-clockwise from ``start`` to ``end`` at
    the stated radius ("ON A 30 NM ARC"), so the area is the one described even where the
    published end points are a little off the circle; the ring joins them to the arc along their
    radials. Each of them must lie within 5 % (at least 0.5 NM) of the stated ``radius_m``:
    otherwise the arc does not join them and the area is an error, never a chord.

    FAA TFR !FDC 1/4530 (2021): ``290730N0803000W … THEN CLOCKWISE ON A 30 NM ARC CENTERED ON
    283703N0803647W TO 281330N0801600W`` (its ends are 30.95 and 29.79 NM from the centre):

    >>> pts = arc_points((28.6175, -80.613056), (29.125, -80.5), (28.225, -80.266667), 30 * 1852.0, True)
    >>> len(pts) >= 90, {round(inverse(28.6175, -80.613056, *p)[0] / 1852, 6) for p in pts}
    (True, {30.0})
    """
    clat, clon = centre
    d1, az1, _ = inverse(clat, clon, start[0], start[1])
    d2, az2, _ = inverse(clat, clon, end[0], end[1])
    slack = max(0.05 * radius_m, 926.0)
    for d, what in ((d1, "starts"), (d2, "ends")):
        if abs(d - radius_m) > slack:
            raise _err(
                label,
                f"the arc {what} {d / 1852:.2f} NM from its centre, not at its radius {radius_m / 1852:.2f} NM",
                line,
            )
    sweep = (az2 - az1) % 360.0 if clockwise else -((az1 - az2) % 360.0)
    if abs(sweep) < 1e-9:
        sweep = 360.0 if clockwise else -360.0
    length = abs(math.radians(sweep)) * radius_m
    n = int(min(3600, max(8, math.ceil(abs(sweep)), math.ceil(length / (MAX_SEGMENT_M / 4)))))
    out = []
    for i in range(1, n):
        f = i / n
        out.append(destination(clat, clon, az1 + sweep * f, radius_m))
    return out


def circle(lat: float, lon: float, radius_m: float, label: str = "", *, line: int | None = None) -> BaseGeometry:
    """Build a geodesic circle with edges no longer than :data:`MAX_SEGMENT_M`.

    >>> c = circle(26.2, 127.7, 9260.0)
    >>> c.geom_type, len(c.exterior.coords) - 1
    ('Polygon', 64)
    """
    if not (math.isfinite(radius_m) and 0 < radius_m <= MAX_RADIUS_M):
        raise _err(label, f"radius {radius_m / 1852:.6g} NM is out of range (0 … {MAX_RADIUS_M / 1852:.0f} NM)", line)
    check_pole([lat], radius_m, label, line, "circle")
    n = int(min(1440, max(64, math.ceil(2 * math.pi * radius_m / MAX_SEGMENT_M))))
    try:
        geom = geodesic_circle(lat, lon, radius_m, n=n)
    except GeowarnError as exc:
        raise _err(label, str(exc), line) from None
    except (GEOSException, ValueError) as exc:
        raise _err(label, f"the circle cannot be built ({exc}); does it enclose a pole?", line) from None
    return validated(geom, label, line)


def circle_part(
    lat: float, lon: float, radius_m: float, cut_deg: float, keep: str, label: str = "", *, line: int | None = None
) -> BaseGeometry:
    """Build the part of a geodesic circle on one side of a meridian or a parallel.

    ``keep`` is ``"east"`` or ``"west"`` of the meridian ``cut_deg`` (degrees east), or ``"north"`` or
    ``"south"`` of the parallel ``cut_deg`` (degrees north). A meridian is a geodesic and a parallel a
    line of constant latitude, so both are straight in longitude/latitude and the cut is exact there.

    >>> whole = circle(32.6667, 132.3333, 15 * 1852.0)
    >>> east = circle_part(32.6667, 132.3333, 15 * 1852.0, 132.3333, "east")
    >>> round(east.area / whole.area, 2), round(east.bounds[0], 4)
    (0.5, 132.3333)
    """
    if keep not in ("east", "west", "north", "south"):
        raise _err(label, f"a circle's part must keep east, west, north or south, not {keep!r}", line)
    whole = circle(lat, lon, radius_m, label, line=line)
    if whole.geom_type != "Polygon":
        raise _err(label, "a part of a circle across the antimeridian is not read", line)
    half = {
        "east": (cut_deg, -90.0, 180.0, 90.0),
        "west": (-180.0, -90.0, cut_deg, 90.0),
        "north": (-180.0, cut_deg, 180.0, 90.0),
        "south": (-180.0, -90.0, 180.0, cut_deg),
    }[keep]
    part = whole.intersection(shapely.box(*half))
    if part.is_empty or part.area <= 0.0:
        side = "meridian" if keep in ("east", "west") else "parallel"
        raise _err(label, f"nothing of the circle lies {keep} of the {side} {cut_deg:.4f}°", line)
    return validated(orient_ccw(part), label, line)


def sector(
    lat: float, lon: float, radius_m: float, az_from: float, az_to: float, label: str = "", *, line: int | None = None
) -> BaseGeometry:
    """Build the geodesic sector of a circle from azimuth ``az_from`` clockwise to ``az_to`` (degrees true).

    NOTAM Q1507/25 (St Petersburg FIR): ``WI SECTOR CENTRE 610424N0331023E AZM 321-144 DEG RADIUS
    8KM`` is the part of the 8 km circle between the bearings 321° and 144°, clockwise through north:

    >>> g = sector(61.073333, 33.173056, 8000.0, 321, 144, "1")
    >>> g.geom_type, round(GEOD.geometry_area_perimeter(g)[0] / 1e6, 1)  # 183/360 of pi * 8 km squared
    ('Polygon', 102.2)
    """
    if not (math.isfinite(radius_m) and 0 < radius_m <= MAX_RADIUS_M):
        raise _err(label, f"radius {radius_m / 1852:.6g} NM is out of range (0 … {MAX_RADIUS_M / 1852:.0f} NM)", line)
    if not (0 <= az_from <= 360 and 0 <= az_to <= 360):
        raise _err(label, f"azimuths {az_from:g}-{az_to:g} are not bearings (0 … 360)", line)
    check_pole([lat], radius_m, label, line, "sector")
    sweep = (az_to - az_from) % 360.0 or 360.0
    n = int(min(3600, max(16, math.ceil(sweep), math.ceil(math.radians(sweep) * radius_m / (MAX_SEGMENT_M / 4)))))
    rim = [destination(lat, lon, az_from + sweep * i / n, radius_m) for i in range(n + 1)]
    ring = rim if sweep == 360.0 else [(lat, lon), *rim]
    return finish(Polygon(_unwrapped(ring)), label, line)


def ellipse(
    lat: float,
    lon: float,
    semi_major_m: float,
    semi_minor_m: float,
    azimuth_deg: float,
    label: str = "",
    *,
    line: int | None = None,
) -> BaseGeometry:
    """Build an ellipse round ``(lat, lon)``, its major axis along ``azimuth_deg`` (degrees true).

    Each rim point lies at the geodesic distance and bearing the plane ellipse gives it (polar
    form round the centre), 256 of them or more so no edge exceeds :data:`MAX_SEGMENT_M`.
    NOTAM Q1760/25 (St Petersburg FIR): ``ELLIPSE CENTRE 584622N0304438E WITH AXES DIMENSIONS
    2.8X1.3KM AZM OF MAJOR AXIS 141DEG`` has semi-axes of 1.4 and 0.65 km:

    >>> g = ellipse(58.772778, 30.743889, 1400.0, 650.0, 141.0, "1")
    >>> round(GEOD.geometry_area_perimeter(g)[0] / 1e6, 3), round(math.pi * 1.4 * 0.65, 3)
    (2.859, 2.859)
    """
    a, b = semi_major_m, semi_minor_m
    if not (math.isfinite(a) and math.isfinite(b) and 0 < b <= a <= MAX_RADIUS_M):
        raise _err(label, f"ellipse axes {2 * a:g} x {2 * b:g} m are not a major and a minor axis", line)
    if not 0 <= azimuth_deg <= 360:
        raise _err(label, f"azimuth {azimuth_deg:g} is not a bearing (0 … 360)", line)
    check_pole([lat], a, label, line, "ellipse")
    n = int(min(3600, max(256, math.ceil(2 * math.pi * a / MAX_SEGMENT_M))))
    rim = []
    for k in range(n):
        t = 2 * math.pi * k / n
        x, y = a * math.cos(t), b * math.sin(t)  # x along the major axis, y 90° clockwise of it
        rim.append(destination(lat, lon, azimuth_deg + math.degrees(math.atan2(y, x)), math.hypot(x, y)))
    return finish(Polygon(_unwrapped(rim)), label, line)


def track_buffer(
    points: Sequence[tuple[float, float]], half_width_m: float, label: str = "", *, line: int | None = None
) -> BaseGeometry:
    """Build the swath of ``half_width_m`` either side of a track through ``(lat, lon)`` points.

    >>> g = track_buffer([(36.0, 124.0), (35.0, 124.0)], 9260.0, "A")
    >>> g.geom_type, g.is_valid
    ('Polygon', True)
    """
    if not (math.isfinite(half_width_m) and 0 < half_width_m <= MAX_RADIUS_M):
        raise _err(label, f"half-width {half_width_m / 1852:.6g} NM is out of range", line)
    arr = _dedupe(_unwrapped(points)) if points else np.empty((0, 2))
    if len(arr) < 2:
        raise _err(label, "a track line needs at least two distinct points", line)
    check_pole(arr[:, 1], half_width_m, label, line, "swath")
    try:
        geom = geodesic_buffer(LineString(arr), half_width_m)
    except GeowarnError as exc:
        raise _err(label, str(exc), line) from None
    except (GEOSException, ValueError) as exc:
        raise _err(label, f"the swath cannot be built ({exc}); does it enclose a pole?", line) from None
    return validated(geom, label, line)
