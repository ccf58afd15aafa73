"""Geodesy on the WGS84 ellipsoid: no buffer or area is ever done in degrees.

Everything metric goes through pyproj's :class:`~pyproj.Geod` or a local
projection chosen per geometry (azimuthal equidistant for buffers and
ellipses, the EASE-Grid 2.0 equal-area CRS EPSG:6933 for vectorised areas).
Longitudes are kept in [-180, 180]; geometries that cross 180° are cut into
MultiPolygons (RFC 7946 §3.1.9).

Conventions: functions taking separate coordinates take ``lat, lon`` (the
order people read notices in); shapely geometries are always ``(lon, lat)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import Geod, Transformer
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geowarn.errors import InvalidGeometry

GEOD = Geod(ellps="WGS84")
"""The one ellipsoid every metric computation uses."""

EARTH_RADIUS_M = 6_371_008.8
NM = 1852.0
"""One international nautical mile in metres."""

#: Relative error budget of a local azimuthal-equidistant projection: the
#: tangential scale error at distance r from the centre is about r²/(6R²),
#: which stays below 0.1 % for r < 490 km.
AEQD_RADIUS_M = 490_000.0

_EQUAL_AREA = Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------- points


def destination(lat: float, lon: float, azimuth_deg: float, distance_m: float) -> tuple[float, float]:
    """Point reached from ``(lat, lon)`` along ``azimuth_deg`` after ``distance_m``.

    Returns ``(lat, lon)`` with the longitude in [-180, 180].

    Examples
    --------
    >>> lat, lon = destination(39.66, 124.705, 180.0, 100_000)
    >>> round(lat, 4), round(lon, 4)
    (38.7593, 124.705)
    >>> lat, lon = destination(0.0, 179.9, 90.0, 50_000)
    >>> round(lon, 4)
    -179.6508
    """
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth_deg, distance_m)
    return float(lat2), float(normalize_longitude(lon2))


def inverse(lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float, float]:
    """Geodesic distance (m) and forward/back azimuths (degrees) between two points.

    Examples
    --------
    >>> d, az12, az21 = inverse(0.0, 0.0, 0.0, 1.0)
    >>> round(d, 1), round(az12, 1)
    (111319.5, 90.0)
    """
    az12, az21, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist), float(az12), float(az21)


def normalize_longitude(lon: Any) -> Any:
    """Wrap longitudes into [-180, 180) (180 itself is kept as 180).

    Examples
    --------
    >>> normalize_longitude(190.0), normalize_longitude(-181.0), normalize_longitude(180.0)
    (-170.0, 179.0, 180.0)
    """
    arr = np.asarray(lon, dtype=float)
    wrapped = (arr + 180.0) % 360.0 - 180.0
    wrapped = np.where((arr > 0) & (wrapped == -180.0), 180.0, wrapped)
    if wrapped.ndim == 0:
        return float(wrapped)
    return wrapped


# --------------------------------------------------------------------------- local projections


@lru_cache(maxsize=512)
def _aeqd(lat0: float, lon0: float) -> tuple[Transformer, Transformer]:
    # Explicit PROJ pipelines (lon/lat degrees <-> metres) give the same numbers as
    # Transformer.from_crs("EPSG:4326", aeqd) but build ~250x faster (no operation search),
    # which matters when a long track is buffered in hundreds of tiles.
    aeqd = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=WGS84"
    fwd = Transformer.from_pipeline(f"+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step {aeqd}")
    inv = Transformer.from_pipeline(f"+proj=pipeline +step +inv {aeqd} +step +proj=unitconvert +xy_in=rad +xy_out=deg")
    return fwd, inv


def local_aeqd(
    lat0: float, lon0: float
) -> tuple[Callable[[FloatArray], FloatArray], Callable[[FloatArray], FloatArray]]:
    """Forward/inverse coordinate functions of an azimuthal-equidistant CRS.

    The functions map ``(N, 2)`` arrays and are meant for :func:`shapely.transform`.
    The inverse returns longitudes *unwrapped* around ``lon0`` (they may leave
    [-180, 180]) so that a projected shape crossing 180° stays in one piece
    until :func:`split_antimeridian` cuts it.

    Examples
    --------
    >>> fwd, inv = local_aeqd(24.0, 179.9)
    >>> xy = fwd(np.array([[-179.9, 24.0]]))
    >>> round(float(xy[0, 0]) / 1000, 1)
    20.4
    >>> lonlat = inv(xy)
    >>> round(float(lonlat[0, 0]), 6)
    180.1
    """
    lat0 = round(float(lat0), 6)
    lon0 = round(float(normalize_longitude(lon0)), 6)
    fwd_t, inv_t = _aeqd(lat0, lon0)

    def fwd(xy: FloatArray) -> FloatArray:
        x, y = fwd_t.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    def inv(xy: FloatArray) -> FloatArray:
        lon, lat = inv_t.transform(xy[:, 0], xy[:, 1])
        lon = lon0 + ((np.asarray(lon) - lon0 + 180.0) % 360.0 - 180.0)
        return np.column_stack([lon, lat])

    return fwd, inv


# --------------------------------------------------------------------------- orientation & antimeridian


def orient_ccw(geometry: BaseGeometry) -> BaseGeometry:
    """Orient polygon exteriors counter-clockwise and holes clockwise (RFC 7946 §3.1.6).

    Examples
    --------
    >>> cw = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)])
    >>> cw.exterior.is_ccw, orient_ccw(cw).exterior.is_ccw
    (False, True)
    """
    return shapely.orient_polygons(geometry, exterior_cw=False)


def _unwrap_coords(coords: FloatArray, reference: float | None = None) -> FloatArray:
    """Make a ring's longitudes continuous (no jump > 180° between vertices)."""
    out = coords.copy()
    lon = out[:, 0]
    steps = np.diff(lon)
    corr = -360.0 * np.round(steps / 360.0)
    lon[1:] = lon[1:] + np.cumsum(corr)
    if reference is not None:
        lon += 360.0 * np.round((reference - lon[0]) / 360.0)
    out[:, 0] = lon
    return out


def unwrap(geometry: BaseGeometry) -> BaseGeometry:
    """Remove longitude jumps > 180° inside each polygon (the inverse of a 180° cut).

    The result may have longitudes outside [-180, 180]; it is an intermediate
    form for :func:`split_antimeridian` and metric work, never an output.

    Examples
    --------
    >>> p = Polygon([(179, 0), (-179, 0), (-179, 1), (179, 1)])
    >>> unwrap(p).bounds
    (179.0, 0.0, 181.0, 1.0)
    """

    def poly(p: Polygon) -> Polygon:
        ext = _unwrap_coords(np.asarray(p.exterior.coords))
        ref = float(ext[0, 0])
        holes = [_unwrap_coords(np.asarray(r.coords), ref) for r in p.interiors]
        return Polygon(ext, holes)

    if isinstance(geometry, Polygon):
        return poly(geometry)
    if isinstance(geometry, MultiPolygon):
        return MultiPolygon([poly(p) for p in geometry.geoms])
    if geometry.geom_type == "LineString":
        return shapely.LineString(_unwrap_coords(np.asarray(geometry.coords)))
    return geometry


def split_antimeridian(geometry: BaseGeometry) -> BaseGeometry:
    """Cut a (possibly unwrapped) geometry at ±180° into parts within [-180, 180].

    Accepts polygons whose longitudes run past 180° (e.g. 175 … 190) or whose
    consecutive vertices jump across it (179 → -179). Returns a Polygon when
    one part remains, else a MultiPolygon (RFC 7946 §3.1.9); lines are cut the
    same way. Polygons enclosing a pole are not supported.

    Examples
    --------
    >>> p = Polygon([(175, 0), (190, 0), (190, 5), (175, 5)])
    >>> out = split_antimeridian(p)
    >>> out.geom_type, [tuple(round(v) for v in g.bounds) for g in out.geoms]
    ('MultiPolygon', [(175, 0, 180, 5), (-180, 0, -170, 5)])
    >>> split_antimeridian(Polygon([(10, 0), (11, 0), (11, 1)])).geom_type
    'Polygon'
    """
    if geometry.is_empty:
        return geometry
    geometry = unwrap(geometry)
    is_line = geometry.geom_type in ("LineString", "MultiLineString")
    minx, _, maxx, _ = geometry.bounds
    parts: list[BaseGeometry] = []
    k_lo = math.floor((minx + 180.0) / 360.0)
    k_hi = math.floor((maxx + 180.0) / 360.0)
    if k_lo == k_hi:
        shifted = shapely.transform(geometry, lambda xy: xy - np.array([360.0 * k_lo, 0.0]))
        return _polish(shifted, is_line)
    for k in range(k_lo, k_hi + 1):
        lo = -180.0 + 360.0 * k
        piece = shapely.clip_by_rect(geometry, lo, -90.0, lo + 360.0, 90.0)
        if piece.is_empty:
            continue
        piece = shapely.transform(piece, lambda xy, k=k: xy - np.array([360.0 * k, 0.0]))
        parts.extend(_flatten(piece, is_line))
    if is_line:
        lines = [p for p in parts if p.geom_type == "LineString" and p.length > 0]
        return lines[0] if len(lines) == 1 else shapely.MultiLineString(lines)
    polys = [p for p in parts if isinstance(p, Polygon) and p.area > 0]
    if len(polys) == 1:
        return orient_ccw(polys[0])
    return orient_ccw(MultiPolygon(polys))


def _flatten(geom: BaseGeometry, is_line: bool) -> list[BaseGeometry]:
    if hasattr(geom, "geoms"):
        out: list[BaseGeometry] = []
        for g in geom.geoms:
            out.extend(_flatten(g, is_line))
        return out
    return [geom]


def _polish(geom: BaseGeometry, is_line: bool) -> BaseGeometry:
    """Snap longitudes a hair past ±180 (float noise) and orient polygons."""
    geom = shapely.transform(geom, lambda xy: np.column_stack([np.clip(xy[:, 0], -180.0, 180.0), xy[:, 1]]))
    return geom if is_line else orient_ccw(geom)


# --------------------------------------------------------------------------- densify


def densify(geometry: BaseGeometry, max_segment_m: float = 10_000.0) -> BaseGeometry:
    """Insert points along the geodesic so that no edge is longer than ``max_segment_m``.

    Long straight edges in lon/lat mean different lines in different
    projections; densifying along the geodesic first makes every later
    projection agree. Longitudes may be unwrapped (> 180) on input.

    Examples
    --------
    >>> line = shapely.LineString([(124.0, 36.0), (124.0, 34.0)])
    >>> len(densify(line, 50_000).coords)
    6
    >>> densify(Point(1, 2)).equals(Point(1, 2))
    True
    """
    if max_segment_m <= 0:
        raise ValueError("max_segment_m must be positive")

    def ring(coords: FloatArray) -> FloatArray:
        if len(coords) < 2:
            return coords
        lon1, lat1 = coords[:-1, 0], coords[:-1, 1]
        lon2, lat2 = coords[1:, 0], coords[1:, 1]
        _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
        out = [coords[:1]]
        for i, d in enumerate(np.atleast_1d(dist)):
            n = math.ceil(float(d) / max_segment_m) - 1
            if n > 0:
                pts = np.array(GEOD.npts(lon1[i], lat1[i], lon2[i], lat2[i], n))
                # npts returns wrapped longitudes; keep them continuous with the edge
                pts[:, 0] = lon1[i] + ((pts[:, 0] - lon1[i] + 180.0) % 360.0 - 180.0)
                out.append(pts)
            out.append(coords[i + 1 : i + 2])
        return np.vstack(out)

    return _map_rings(geometry, ring)


def _map_rings(geometry: BaseGeometry, fn: Callable[[FloatArray], FloatArray]) -> BaseGeometry:
    gt = geometry.geom_type
    if geometry.is_empty or gt == "Point" or gt == "MultiPoint":
        return geometry
    if gt == "LineString":
        return shapely.LineString(fn(np.asarray(geometry.coords)))
    if gt == "LinearRing":
        return shapely.LinearRing(fn(np.asarray(geometry.coords)))
    if gt == "Polygon":
        assert isinstance(geometry, Polygon)
        return Polygon(
            fn(np.asarray(geometry.exterior.coords)),
            [fn(np.asarray(r.coords)) for r in geometry.interiors],
        )
    if hasattr(geometry, "geoms"):
        parts = [_map_rings(g, fn) for g in geometry.geoms]
        return type(geometry)(parts) if gt != "GeometryCollection" else shapely.GeometryCollection(parts)
    return geometry


# --------------------------------------------------------------------------- shapes


def geodesic_ellipse(
    center: tuple[float, float],
    semi_major_m: float,
    semi_minor_m: float,
    azimuth_deg: float = 0.0,
    *,
    n: int = 128,
) -> BaseGeometry:
    """Build an ellipse on the ellipsoid, in an AEQD projection centred on it.

    ``center`` is ``(lat, lon)``; ``azimuth_deg`` is the direction of the
    major axis, clockwise from true north. Returns a CCW Polygon, or a
    MultiPolygon cut at 180°.

    Examples
    --------
    >>> e = geodesic_ellipse((35.69, 124.70), 41_500, 18_000, 0)
    >>> round(geodesic_area_km2(e) / (math.pi * 41.5 * 18), 3)
    1.0
    >>> geodesic_ellipse((24.0, 179.9), 41_500, 18_000).geom_type
    'MultiPolygon'
    """
    lat, lon = center
    _check_latlon(lat, lon, "center")
    if not (semi_major_m > 0 and semi_minor_m > 0):
        raise InvalidGeometry("ellipse axes must be positive")
    if max(semi_major_m, semi_minor_m) > 5_000_000:
        raise InvalidGeometry("ellipse axes above 5,000 km are not supported")
    t = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    az = math.radians(azimuth_deg)
    # along-axis (major) unit vector in (east, north) is (sin az, cos az)
    u = semi_major_m * np.cos(t)
    v = semi_minor_m * np.sin(t)
    x = u * math.sin(az) + v * math.cos(az)
    y = u * math.cos(az) - v * math.sin(az)
    _, inv = local_aeqd(lat, lon)
    lonlat = inv(np.column_stack([x, y]))
    poly = Polygon(lonlat)
    return split_antimeridian(orient_ccw(poly))


def geodesic_circle(lat: float, lon: float, radius_m: float, *, n: int = 128) -> BaseGeometry:
    """Build a geodesic circle: every vertex exactly ``radius_m`` from the centre.

    Examples
    --------
    >>> c = geodesic_circle(26.2, 127.7, 5 * NM)
    >>> round(geodesic_area_km2(c) / (math.pi * (5 * 1.852) ** 2), 3)
    1.0
    """
    _check_latlon(lat, lon, "center")
    if radius_m <= 0:
        raise InvalidGeometry("circle radius must be positive")
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = GEOD.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_m))
    lons = lon + ((np.asarray(lons) - lon + 180.0) % 360.0 - 180.0)
    return split_antimeridian(orient_ccw(Polygon(np.column_stack([lons, lats]))))


def _check_latlon(lat: float, lon: float, what: str) -> None:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        raise InvalidGeometry(f"{what}: latitude {lat} is out of range [-90, 90]")
    if not (math.isfinite(lon) and -360.0 <= lon <= 360.0):
        raise InvalidGeometry(f"{what}: longitude {lon} is out of range")


# --------------------------------------------------------------------------- buffers


def _tile_size_deg(distance_m: float) -> float:
    """Tile side (degrees) keeping every buffered point within AEQD_RADIUS_M of the tile centre."""
    reach = max(AEQD_RADIUS_M - distance_m, 50_000.0)
    return max(0.25, min(8.0, reach * math.sqrt(2.0) / 111_320.0))


def geodesic_buffer(geometry: BaseGeometry, distance_m: float, *, quad_segs: int = 16) -> BaseGeometry:
    """Buffer a lon/lat geometry by ``distance_m`` metres on the ellipsoid.

    Points become geodesic circles. Lines (ground tracks) and polygons are cut
    into tiles small enough that a local azimuthal-equidistant projection
    keeps the distance error below 0.1 % (for distances up to ~400 km);
    each tile is buffered in its own projection and the pieces are unioned
    (buffering distributes over union, so tiling is exact). The result is
    antimeridian-cut, CCW, within [-180, 180].

    Examples
    --------
    >>> track = shapely.LineString([(124.7, 39.66), (124.7, 30.0)])
    >>> swath = geodesic_buffer(track, 50_000)
    >>> w = swath.intersection(shapely.LineString([(120, 35), (130, 35)]))
    >>> d, _, _ = inverse(35, w.bounds[0], 35, w.bounds[2])
    >>> round(d / 1000)
    100
    """
    if distance_m < 0:
        raise InvalidGeometry("buffer distance must not be negative")
    if geometry.is_empty:
        return Polygon()
    if distance_m == 0:
        return split_antimeridian(geometry) if geometry.geom_type in ("Polygon", "MultiPolygon") else geometry
    if geometry.geom_type == "Point":
        assert isinstance(geometry, Point)
        return geodesic_circle(geometry.y, geometry.x, distance_m, n=max(64, quad_segs * 4))
    geometry = unwrap(geometry)
    geometry = densify(geometry, max(min(distance_m / 4.0, 20_000.0), 500.0))
    tile = _tile_size_deg(distance_m)
    minx, miny, maxx, maxy = geometry.bounds
    pieces: list[BaseGeometry] = []
    for x0 in np.arange(math.floor(minx / tile) * tile, maxx + 1e-9, tile):
        for y0 in np.arange(math.floor(miny / tile) * tile, maxy + 1e-9, tile):
            piece = shapely.clip_by_rect(geometry, x0, y0, x0 + tile, y0 + tile)
            if piece.is_empty:
                continue
            pieces.append(_buffer_piece(piece, distance_m, quad_segs, x0 + tile / 2, y0 + tile / 2))
    merged = shapely.union_all(pieces)
    return split_antimeridian(merged)


def _buffer_piece(piece: BaseGeometry, distance_m: float, quad_segs: int, cx: float, cy: float) -> BaseGeometry:
    cy = max(-89.0, min(89.0, cy))
    fwd, inv = local_aeqd(cy, cx)
    projected = shapely.transform(piece, fwd)
    buffered = projected.buffer(distance_m, quad_segs=quad_segs)
    buffered = shapely.segmentize(buffered, max(distance_m / 16.0, 250.0))
    back = shapely.transform(buffered, inv)
    # inverse longitudes are unwrapped around normalised cx; shift to the piece's copy of the globe
    shift = 360.0 * round((cx - float(normalize_longitude(cx))) / 360.0)
    if shift:
        back = shapely.transform(back, lambda xy: xy + np.array([shift, 0.0]))
    return back


# --------------------------------------------------------------------------- areas & distances


def geodesic_area_km2(geometry: BaseGeometry | None) -> float:
    """Area on the WGS84 ellipsoid in km² (exact: :meth:`pyproj.Geod.geometry_area_perimeter`).

    Examples
    --------
    >>> round(geodesic_area_km2(shapely.box(0, 0, 1, 1)))
    12309
    >>> geodesic_area_km2(Polygon())
    0.0
    """
    if geometry is None or geometry.is_empty:
        return 0.0
    if geometry.geom_type not in ("Polygon", "MultiPolygon", "GeometryCollection"):
        return 0.0
    if geometry.geom_type == "GeometryCollection":
        return sum(geodesic_area_km2(g) for g in geometry.geoms)
    area, _ = GEOD.geometry_area_perimeter(orient_ccw(geometry))
    return abs(float(area)) / 1e6


def geodesic_areas_km2(
    geometries: Sequence[BaseGeometry | None] | NDArray[Any], *, method: str = "pyproj"
) -> FloatArray:
    """Vectorised areas in km² through the equal-area CRS EPSG:6933.

    Agrees with :func:`geodesic_area_km2` within 0.1 % for geometries whose
    edges are short (densified or layer-like); meant for bulk work.

    ``method="pyproj"`` projects every vertex with pyproj and takes the planar
    area (what ``make layers`` ships: piece areas stay byte-identical);
    ``method="formula"`` evaluates the same projection in closed form (EPSG:6933
    is a cylindrical equal-area map: x is linear in longitude, y is the authalic
    function of latitude), about 3× faster, agreeing to ~1e-12.

    Examples
    --------
    >>> a = geodesic_areas_km2([shapely.box(0, 0, 1, 1), shapely.box(120, 60, 121, 61), None])
    >>> [round(float(v)) for v in a]
    [12308, 6123, 0]
    >>> b = geodesic_areas_km2([shapely.box(0, 0, 1, 1), shapely.box(120, 60, 121, 61), None], method="formula")
    >>> bool(np.allclose(a, b, rtol=1e-11, atol=0))
    True
    """
    arr = np.asarray(list(geometries) if not isinstance(geometries, np.ndarray) else geometries, dtype=object)
    arr[shapely.is_missing(arr)] = None
    if method == "formula":
        return _equal_area_km2(arr)
    if method != "pyproj":
        raise ValueError(f"method must be 'pyproj' or 'formula', not {method!r}")
    arr = np.asarray(shapely.force_2d(arr), dtype=object)

    def to_ea(xy: FloatArray) -> FloatArray:
        x, y = _EQUAL_AREA.transform(normalize_longitude(xy[:, 0]), xy[:, 1])
        return np.column_stack([x, y])

    projected = shapely.transform(arr, to_ea)
    areas = shapely.area(projected)
    return np.nan_to_num(np.asarray(areas, dtype=float), nan=0.0) / 1e6


_WGS84_A = 6_378_137.0
_WGS84_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)
_WGS84_E = math.sqrt(_WGS84_E2)


def _authalic_q(lat_deg: FloatArray) -> FloatArray:
    """Snyder's q(φ) of the ellipsoidal cylindrical equal-area projection (PROJ's ``pj_qsfn``)."""
    s = np.sin(np.radians(lat_deg))
    es = _WGS84_E * s
    return (1 - _WGS84_E2) * (s / (1 - es * es) - np.log((1 - es) / (1 + es)) / (2 * _WGS84_E))


def _equal_area_km2(arr: NDArray[Any]) -> FloatArray:
    """Planar areas in EPSG:6933 from the projection's closed form, without projecting geometries.

    With x = a·k0·λ and y = a·q(φ)/(2·k0), the shoelace sum of (x, y) is a²/2 times that of (λ, q);
    each ring is measured relative to its first vertex (no cancellation on small rings).
    """
    out = np.zeros(len(arr))
    parts, owner = shapely.get_parts(arr, return_index=True)
    nested = np.isin(shapely.get_type_id(parts), (6, 7))  # collections holding multi-geometries
    while nested.any():
        sub, sub_owner = shapely.get_parts(parts[nested], return_index=True)
        parts, owner = np.concatenate([parts[~nested], sub]), np.concatenate([owner[~nested], owner[nested][sub_owner]])
        nested = np.isin(shapely.get_type_id(parts), (6, 7))
    poly = shapely.get_type_id(parts) == 3
    parts, owner = parts[poly], owner[poly]
    if len(parts) == 0:
        return out
    rings, ring_poly = shapely.get_rings(parts, return_index=True)
    xy, idx = shapely.get_coordinates(rings, return_index=True)
    if len(xy) < 2:
        return out
    first = np.minimum(np.searchsorted(idx, np.arange(len(rings))), len(xy) - 1)
    lam = np.radians(normalize_longitude(xy[:, 0]))
    q = _authalic_q(xy[:, 1])
    lam -= lam[first][idx]
    q -= q[first][idx]
    same = idx[1:] == idx[:-1]
    cross = np.where(same, lam[:-1] * q[1:] - lam[1:] * q[:-1], 0.0)
    ring_area = np.abs(np.bincount(idx[:-1], weights=cross, minlength=len(rings)))
    # the first ring of every polygon is its shell, the others its holes
    shell = np.ones(len(rings), dtype=bool)
    shell[1:] = ring_poly[1:] != ring_poly[:-1]
    signed = np.where(shell, ring_area, -ring_area)
    per_part = np.bincount(ring_poly, weights=signed, minlength=len(parts))
    out += np.bincount(owner, weights=per_part, minlength=len(arr))
    return out * (_WGS84_A * _WGS84_A / 4) / 1e6


def geodesic_distance_m(a: BaseGeometry, b: BaseGeometry) -> float:
    """Shortest geodesic distance between two lon/lat geometries (0 if they touch).

    The nearest pair of points is found in an AEQD projection centred between
    the geometries, then measured exactly with :meth:`pyproj.Geod.inv`.

    Examples
    --------
    >>> round(geodesic_distance_m(Point(124.0, 36.0), Point(124.0, 35.0)) / 1000, 1)
    110.9
    >>> geodesic_distance_m(shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1))
    0.0
    """
    if a.is_empty or b.is_empty:
        raise InvalidGeometry("distance to an empty geometry")
    if a.intersects(b):
        return 0.0
    p, q = shapely.shortest_line(a, b).coords
    mid_lat = (p[1] + q[1]) / 2.0
    mid_lon = p[0] + (((q[0] - p[0]) + 180.0) % 360.0 - 180.0) / 2.0
    fwd, inv = local_aeqd(mid_lat, mid_lon)
    pa, pb = shapely.transform(unwrap(a), fwd), shapely.transform(unwrap(b), fwd)
    line = shapely.shortest_line(pa, pb)
    ends = inv(np.asarray(line.coords))
    dist, _, _ = inverse(ends[0, 1], ends[0, 0], ends[1, 1], ends[1, 0])
    return dist


def bounds_of(geometries: Iterable[BaseGeometry | None]) -> tuple[float, float, float, float] | None:
    """Bounding box ``(minx, miny, maxx, maxy)`` of several geometries, or None."""
    boxes = [g.bounds for g in geometries if g is not None and not g.is_empty]
    if not boxes:
        return None
    arr = np.array(boxes)
    return (float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()), float(arr[:, 3].max()))
