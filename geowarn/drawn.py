r"""Corridors an operator drew or corrected on the map: shapes, their text form, validation (issue 12).

When the parser cannot read a notice, or read it wrongly, the operator draws the corridor on the
map (polygon, circle, line with a width) or edits the parsed vertices. A drawing travels as a
GeoJSON FeatureCollection of shapes (the API's ``drawn`` member)::

    Polygon                                   its exterior ring (lon/lat)
    Point       + properties.radius_m         a geodesic circle of that radius
    LineString  + properties.width_m          a geodesic swath, width_m / 2 either side

with optional ``properties`` ``phase``, ``label``, ``id``, ``corrects`` (the id of the parsed
corridor the shape replaces) and ``window_start`` / ``window_end``. On the operator page the
same shapes are a text of ``lat lon`` lines (:func:`shapes_from_text`): one block per shape,
blocks separated by a blank line, each optionally headed ``polygon``, ``circle RADIUS_M`` or
``line WIDTH_M`` followed by ``key=value`` words (``phase=stage1 corrects=notam-a0419-16-1``).

Every shape is checked on the server: at most :data:`MAX_SHAPES` shapes and
:data:`MAX_VERTICES` vertices (:data:`MAX_SHAPE_VERTICES` per shape), latitudes within ±90°,
longitudes within ±360° (a drawing on a wrapped copy of the world), rings that do not cross
themselves; circles and swaths are built geodesically (metres, WGS84) and every result is cut at
180° (RFC 7946). A problem is an :class:`~geowarn.errors.InvalidGeometry` naming the shape.

>>> shapes = shapes_from_text("circle 9260 phase=debris\n26.2 127.7")
>>> shapes[0].kind, shapes[0].radius_m, shapes[0].points
('circle', 9260.0, ((26.2, 127.7),))
>>> c = build_corridors(shapes, parsed={}, windows=())[0]
>>> c.id, c.phase.value, c.properties["origin"], c.geometry.geom_type
('drawn-1', 'debris', 'drawn', 'Polygon')
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
import shapely.affinity
from shapely.geometry.base import BaseGeometry

from geowarn.errors import InvalidGeometry, ParseError
from geowarn.geodesy import normalize_longitude
from geowarn.model import Corridor, Phase, TimeWindow, parse_time

MAX_SHAPES = 50
"""Most shapes one drawing may hold."""

MAX_SHAPE_VERTICES = 2_000
"""Most vertices of one drawn shape."""

MAX_VERTICES = 10_000
"""Most vertices of one drawing in all."""

SEED_TOLERANCE_DEG = 1e-4
"""Simplification (≈ 11 m) of a parsed corridor's densified ring when it is offered for editing."""

KINDS = ("polygon", "circle", "line")
ORIGINS = ("drawn", "corrected")
_KEYS = ("phase", "id", "corrects", "label")
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_PAIR = re.compile(rf"^\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.~-]{0,79}$")


@dataclass(frozen=True)
class Shape:
    """One drawn shape: ``points`` are ``(lat, lon)``; ``radius_m`` (circle) / ``width_m`` (line)."""

    kind: str
    points: tuple[tuple[float, float], ...]
    radius_m: float | None = None
    width_m: float | None = None
    phase: str = ""
    id: str = ""
    corrects: str = ""
    label: str = ""
    windows: tuple[TimeWindow, ...] = ()
    where: str = ""  # "features[2]" or "line 5": how errors name the shape

    @property
    def origin(self) -> str:
        """``corrected`` when the shape replaces a parsed corridor, else ``drawn``."""
        return "corrected" if self.corrects else "drawn"


def _bad(where: str, detail: str) -> InvalidGeometry:
    return InvalidGeometry(f"{where}: {detail}", path=where)


def _check_point(lat: float, lon: float, where: str) -> tuple[float, float]:
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise _bad(where, "a coordinate is not a finite number")
    if not -90.0 <= lat <= 90.0:
        raise _bad(where, f"latitude {lat:g} is outside -90…90")
    if not -360.0 <= lon <= 360.0:
        raise _bad(where, f"longitude {lon:g} is outside -360…360")
    return lat, (lon if -180.0 <= lon <= 180.0 else float(normalize_longitude(lon)))


def _positive(value: Any, name: str, where: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise _bad(where, f"{name} must be a number of metres, got {value!r}") from None
    if not (math.isfinite(x) and x > 0):
        raise _bad(where, f"{name} must be a positive number of metres, got {value!r}")
    return x


def _check_counts(shapes: Sequence[Shape]) -> None:
    if not shapes:
        raise InvalidGeometry("the drawing holds no shape")
    if len(shapes) > MAX_SHAPES:
        raise InvalidGeometry(f"the drawing holds {len(shapes)} shapes; at most {MAX_SHAPES}")
    total = 0
    for s in shapes:
        n = len(s.points)
        total += n
        if n > MAX_SHAPE_VERTICES:
            raise _bad(s.where, f"{n} vertices; a shape may have at most {MAX_SHAPE_VERTICES}")
        need = {"polygon": 3, "circle": 1, "line": 2}[s.kind]
        if n < need or (s.kind == "circle" and n != 1):
            what = "exactly one centre" if s.kind == "circle" else f"at least {need} vertices"
            raise _bad(s.where, f"a {s.kind} needs {what}, got {n}")
    if total > MAX_VERTICES:
        raise InvalidGeometry(f"the drawing has {total} vertices; at most {MAX_VERTICES}")


def _shape_props(props: Mapping[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _KEYS:
        value = props.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            raise _bad(where, f"properties.{key} must be a string")
        if key in ("id", "corrects") and not _ID.match(value):
            raise _bad(where, f"properties.{key} {value!r} is not an id (letters, digits, . _ ~ -)")
        out[key] = value
    origin = props.get("origin")
    if origin not in (None, "", *ORIGINS):
        raise _bad(where, f"properties.origin must be one of {', '.join(ORIGINS)}, got {origin!r}")
    if origin == "corrected" and "corrects" not in out:
        raise _bad(where, "properties.origin 'corrected' needs properties.corrects (the parsed corridor's id)")
    try:
        start = parse_time(props.get("window_start"), field_name=f"{where}.properties.window_start")
        end = parse_time(props.get("window_end"), field_name=f"{where}.properties.window_end")
        if (start is None) != (end is None):
            raise _bad(where, "give both window_start and window_end, or neither")
        out["windows"] = (TimeWindow(start, end),) if start is not None and end is not None else ()
    except ParseError as exc:
        raise _bad(where, exc.detail) from None
    return out


def shapes_from_geojson(obj: Any) -> list[Shape]:
    """Read the shapes of a drawing given as GeoJSON (the API's ``drawn`` member).

    Parameters
    ----------
    obj
        A FeatureCollection of Polygons, Points with ``radius_m`` and LineStrings with ``width_m``.

    Returns
    -------
    list of Shape
        The checked shapes; :class:`~geowarn.errors.InvalidGeometry` names ``drawn.features[i]``.

    Examples
    --------
    >>> fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"width_m": 18520},
    ...       "geometry": {"type": "LineString", "coordinates": [[124.0, 36.0], [124.0, 35.0]]}}]}
    >>> s = shapes_from_geojson(fc)[0]
    >>> s.kind, s.width_m, s.points
    ('line', 18520.0, ((36.0, 124.0), (35.0, 124.0)))
    """
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection" or not isinstance(obj.get("features"), list):
        raise InvalidGeometry("the drawing must be a GeoJSON FeatureCollection", path="drawn")
    shapes: list[Shape] = []
    for i, feat in enumerate(obj["features"]):
        where = f"drawn.features[{i}]"
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            raise _bad(where, "not a GeoJSON Feature")
        geom = feat.get("geometry")
        props = feat.get("properties") or {}
        if not isinstance(geom, dict) or not isinstance(props, dict):
            raise _bad(where, "a shape needs a geometry object and a properties object")
        gtype, coords = geom.get("type"), geom.get("coordinates")
        try:
            if gtype == "Polygon":
                if not isinstance(coords, list) or len(coords) != 1:
                    raise _bad(where, "a drawn polygon has exactly one ring (no holes)")
                raw = coords[0][:-1] if len(coords[0]) > 1 and coords[0][0] == coords[0][-1] else coords[0]
                kind, extra = "polygon", dict[str, Any]()
            elif gtype == "Point":
                raw = [coords]
                kind, extra = "circle", {"radius_m": _positive(props.get("radius_m"), "properties.radius_m", where)}
            elif gtype == "LineString":
                raw = coords
                kind, extra = "line", {"width_m": _positive(props.get("width_m"), "properties.width_m", where)}
            else:
                raise _bad(where, f"a drawn shape is a Polygon, a Point (circle) or a LineString, not {gtype!r}")
            points = tuple(_check_point(float(p[1]), float(p[0]), where) for p in raw)
        except (TypeError, ValueError, IndexError, KeyError):
            raise _bad(where, "the coordinates are not [lon, lat] number pairs") from None
        shapes.append(Shape(kind, points, where=where, **extra, **_shape_props(props, where)))
    _check_counts(shapes)
    return shapes


def _header(line: str, where: str) -> dict[str, Any]:
    words = line.split()
    kind = words[0].lower()
    out: dict[str, Any] = {"kind": kind}
    rest = words[1:]
    if kind in ("circle", "line"):
        if not rest or "=" in rest[0]:
            what = "radius" if kind == "circle" else "width"
            raise _bad(where, f"'{kind}' needs its {what} in metres after it ('{kind} 9260')")
        key = "radius_m" if kind == "circle" else "width_m"
        out[key] = _positive(rest[0], key, where)
        rest = rest[1:]
    props: dict[str, str] = {}
    for word in rest:
        key, eq, value = word.partition("=")
        if not eq or key not in _KEYS or key == "label":
            raise _bad(where, f"unknown word {word!r} (use phase=…, id=…, corrects=…)")
        props[key] = value
    out.update({k: v for k, v in _shape_props(props, where).items() if k != "windows"})
    return out


def shapes_from_text(text: str) -> list[Shape]:
    r"""Read the shapes of the operator page's vertex text (``lat lon`` lines, a blank line between shapes).

    Parameters
    ----------
    text
        The editor's text (see the module docstring).

    Returns
    -------
    list of Shape
        The checked shapes; :class:`~geowarn.errors.InvalidGeometry` names the line.

    Examples
    --------
    >>> [s.kind for s in shapes_from_text("36.07 124.5\n36.07 124.9\n35.32 124.9\n\nline 20000\n33 124\n32 125")]
    ['polygon', 'line']
    >>> shapes_from_text("36.07 124.5\n95 124.9\n35 125")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geowarn.errors.InvalidGeometry: line 2: latitude 95 is outside -90…90
    """
    shapes: list[Shape] = []
    block: list[tuple[int, str]] = []

    def flush() -> None:
        if not block:
            return
        first_no, first = block[0]
        head: dict[str, Any] = {"kind": "polygon"}
        rows = block
        if first.split()[0].lower() in KINDS:
            head = _header(first, f"line {first_no}")
            rows = block[1:]
        points = []
        for no, row in rows:
            m = _PAIR.match(row)
            if not m:
                raise _bad(f"line {no}", f"expected 'lat lon' in decimal degrees, got {row.strip()!r}")
            points.append(_check_point(float(m.group(1)), float(m.group(2)), f"line {no}"))
        kind = head.pop("kind")
        shapes.append(Shape(kind, tuple(points), where=f"line {first_no}", **head))
        block.clear()

    for no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if not stripped:
                flush()
            continue
        block.append((no, stripped))
    flush()
    _check_counts(shapes)
    return shapes


def shape_text(shape: Shape) -> str:
    """Write one shape as a text block (the inverse of :func:`shapes_from_text`).

    Parameters
    ----------
    shape
        The shape.

    Returns
    -------
    str
        Its header line and one ``lat lon`` line per vertex.

    Examples
    --------
    >>> print(shape_text(Shape("line", ((36.0, 124.0), (35.0, 124.5)), width_m=18520.0, phase="stage2")))
    line 18520 phase=stage2
    36.000000 124.000000
    35.000000 124.500000
    """
    head = shape.kind
    if shape.kind == "circle":
        head += f" {shape.radius_m:g}"
    elif shape.kind == "line":
        head += f" {shape.width_m:g}"
    for key in ("phase", "id", "corrects"):
        value = getattr(shape, key)
        if value:
            head += f" {key}={value}"
    return "\n".join([head, *(f"{lat:.6f} {lon:.6f}" for lat, lon in shape.points)])


def corridor_shapes(corridors: Sequence[Corridor]) -> list[Shape]:
    """Turn parsed corridors into editable polygons (each marked ``corrects=<its id>``).

    A corridor cut at 180° becomes one ring again (longitudes past 180°); densified geodesic
    edges are thinned to :data:`SEED_TOLERANCE_DEG`.

    Parameters
    ----------
    corridors
        The corridors to offer for correction.

    Returns
    -------
    list of Shape
        One polygon per corridor (per part, when a corridor has separate parts).

    Examples
    --------
    >>> from shapely.geometry import MultiPolygon, box
    >>> cut = MultiPolygon([box(175.0, 20.0, 180.0, 25.0), box(-180.0, 20.0, -170.0, 25.0)])
    >>> s = corridor_shapes([Corridor("a", cut, Phase.STAGE1)])
    >>> len(s), s[0].corrects, s[0].phase, max(lon for _, lon in s[0].points)
    (1, 'a', 'stage1', 190.0)
    """
    out: list[Shape] = []
    for c in corridors:
        geom = _rejoin(c.geometry)
        parts = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        for n, part in enumerate(parts):
            ring = shapely.simplify(part, SEED_TOLERANCE_DEG, preserve_topology=True).exterior.coords[:-1]
            cid = c.id if len(parts) == 1 else f"{c.id}-part{n + 1}"
            out.append(
                Shape(
                    "polygon",
                    tuple((round(lat, 6), round(lon, 6)) for lon, lat in ring),
                    phase=str(c.phase),
                    id=cid,
                    corrects=c.id,
                )
            )
    return out


def _rejoin(geom: BaseGeometry) -> BaseGeometry:
    """Join a MultiPolygon cut at 180° into one polygon again (western parts moved east by 360°)."""
    if geom.geom_type != "MultiPolygon":
        return geom
    minx, _, maxx, _ = geom.bounds
    if not (minx <= -180.0 + 1e-9 and maxx >= 180.0 - 1e-9):
        return geom
    parts = [shapely.affinity.translate(p, 360.0) if p.centroid.x < 0 else p for p in geom.geoms]
    merged = shapely.union_all(parts)
    return merged if merged.geom_type == "Polygon" else geom


def corridors_text(corridors: Sequence[Corridor]) -> str:
    """Write the vertex text of parsed corridors, offered to the operator for correction."""
    return "\n\n".join(shape_text(s) for s in corridor_shapes(corridors))


def _geometry(shape: Shape) -> BaseGeometry:
    from geowarn.sources.rings import circle, polygon_from_corners, track_buffer

    label = shape.id or shape.where
    try:
        if shape.kind == "circle":
            lat, lon = shape.points[0]
            return circle(lat, lon, float(shape.radius_m or 0), label)
        if shape.kind == "line":
            return track_buffer(list(shape.points), float(shape.width_m or 0) / 2.0, label)
        geom, reordered = polygon_from_corners(list(shape.points), label)
    except ParseError as exc:
        raise _bad(shape.where, exc.detail) from None
    if reordered:
        raise _bad(shape.where, "the drawn ring crosses itself; move the vertices so its edges do not cross")
    return geom


def build_corridors(
    shapes: Sequence[Shape], *, parsed: Mapping[str, Corridor], windows: Sequence[TimeWindow]
) -> list[Corridor]:
    """Build corridors from drawn shapes, each with ``origin`` (``drawn``/``corrected``) in its properties.

    A shape that ``corrects`` a parsed corridor keeps that corridor's id (unless it names its own),
    windows, label, source and raw lines; a new shape takes its own windows, else ``windows``
    (the operator's window fields). Its ``raw`` is the shape's text.

    Parameters
    ----------
    shapes
        The checked shapes.
    parsed
        Corridors a shape may correct, by id (the notice's, or the event's current ones).
    windows
        The windows of new shapes that have none.

    Returns
    -------
    list of Corridor
        Geodesic, densified, cut at 180°; :class:`~geowarn.errors.InvalidGeometry` names the shape.
    """
    out: list[Corridor] = []
    used: set[str] = set()
    for n, s in enumerate(shapes, start=1):
        base = parsed.get(s.corrects) if s.corrects else None
        if s.corrects and base is None:
            raise _bad(s.where, f"corrects {s.corrects!r}, but the parsed notice has no such corridor")
        cid = s.id or (s.corrects if s.corrects else f"drawn-{n}")
        if cid in used:
            raise _bad(s.where, f"two shapes have the id {cid!r}")
        used.add(cid)
        phase_text = s.phase or (str(base.phase) if base else "other")
        try:
            phase = Phase(phase_text)
        except ValueError:
            raise _bad(s.where, f"unknown phase {phase_text!r} ({', '.join(p.value for p in Phase)})") from None
        props: dict[str, Any] = {"origin": s.origin, "drawn": s.kind}
        if s.corrects:
            props["corrects"] = s.corrects
        if s.kind == "circle":
            props["radius_m"] = s.radius_m
        if s.kind == "line":
            props["width_m"] = s.width_m
        out.append(
            Corridor(
                id=cid,
                geometry=_geometry(s),
                phase=phase,
                label=s.label or (base.label if base else f"drawn {s.kind}"),
                windows=tuple(s.windows) or (base.windows if base else tuple(windows)),
                source=base.source if base else "drawn by the operator",
                raw=base.raw if base else shape_text(s),
                properties=props,
            )
        )
    return out


def drawing_json(shapes: Sequence[Shape]) -> str:
    """Write the drawing as GeoJSON text (kept with the event as its ``drawn`` input)."""
    feats = []
    for s in shapes:
        coords = [[lon, lat] for lat, lon in s.points]
        if s.kind == "polygon":
            geom: dict[str, Any] = {"type": "Polygon", "coordinates": [[*coords, coords[0]]]}
        elif s.kind == "circle":
            geom = {"type": "Point", "coordinates": coords[0]}
        else:
            geom = {"type": "LineString", "coordinates": coords}
        props: dict[str, Any] = {k: v for k, v in (("phase", s.phase), ("id", s.id), ("corrects", s.corrects)) if v}
        props["origin"] = s.origin
        if s.radius_m is not None:
            props["radius_m"] = s.radius_m
        if s.width_m is not None:
            props["width_m"] = s.width_m
        feats.append({"type": "Feature", "geometry": geom, "properties": props})
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False)
