"""RFC 7946 GeoJSON writer for corridors, alert zones and regions.

lon/lat only, exteriors counter-clockwise, geometries crossing 180° cut,
coordinates rounded to 6 decimals (≈ 0.1 m), a ``bbox`` on the collection and
on each feature, and never a ``crs`` member.

>>> from shapely import box
>>> fc = feature_collection([{"type": "Feature", "geometry": shapely.geometry.mapping(box(1, 2, 3, 4)),
...                           "properties": {"id": "a"}}])
>>> fc["bbox"], fc["features"][0]["geometry"]["coordinates"][0][:2]
([1.0, 2.0, 3.0, 4.0], [[1.0, 2.0], [3.0, 2.0]])
>>> shapely.geometry.shape(fc["features"][0]["geometry"]).exterior.is_ccw, "crs" in fc
(True, False)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

import shapely
import shapely.geometry
from shapely.geometry.base import BaseGeometry

from geowarn.geodesy import orient_ccw, split_antimeridian

MEDIA_TYPE = "application/geo+json"
PRECISION = 6


def normalize_geometry(geom: BaseGeometry | None) -> BaseGeometry | None:
    """Cut at 180°, orient CCW and round to :data:`PRECISION` decimals."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon", "LineString", "MultiLineString"):
        geom = split_antimeridian(geom)
    geom = shapely.set_precision(geom, 10**-PRECISION, mode="valid_output") if geom.geom_type != "Point" else geom
    return orient_ccw(geom)


def _round(obj: Any) -> Any:
    if isinstance(obj, float):
        return round(obj, PRECISION)
    if isinstance(obj, list | tuple):
        return [_round(v) for v in obj]
    return obj


def geometry_json(geom: BaseGeometry | None) -> dict[str, Any] | None:
    """Return a normalised RFC 7946 geometry dict (or ``None``)."""
    return _geometry_and_bbox(geom)[0]


def _geometry_and_bbox(geom: BaseGeometry | None) -> tuple[dict[str, Any] | None, list[float] | None]:
    """Return the normalised geometry dict and its bbox, from one normalisation.

    The bbox is taken from the normalised geometry's bounds, rounded like its coordinates (rounding
    is monotonic, so these are the bounds of the rounded coordinates), without reading the dict back.

    Examples
    --------
    >>> gj, bbox = _geometry_and_bbox(shapely.box(124.1234567, 24.0, 125.0, 25.7654321))
    >>> bbox == [round(v, PRECISION) for v in shapely.geometry.shape(gj).bounds] == [124.123457, 24.0, 125.0, 25.765432]
    True
    >>> _geometry_and_bbox(None)
    (None, None)
    """
    norm = normalize_geometry(geom)
    if norm is None or norm.is_empty:
        return None, None
    mapping = shapely.geometry.mapping(norm)
    gj = {"type": mapping["type"], "coordinates": _round(mapping["coordinates"])}
    return gj, [round(v, PRECISION) for v in norm.bounds]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def feature(feature_dict: dict[str, Any]) -> dict[str, Any]:
    """Normalise one Feature dict whose ``geometry`` is a GeoJSON dict or shapely geometry."""
    raw = feature_dict.get("geometry")
    geom = raw if isinstance(raw, BaseGeometry) or raw is None else shapely.geometry.shape(raw)
    gj, bbox = _geometry_and_bbox(geom)
    out: dict[str, Any] = {"type": "Feature"}
    if feature_dict.get("id") is not None:
        out["id"] = feature_dict["id"]
    if bbox is not None:
        out["bbox"] = bbox
    out["geometry"] = gj
    out["properties"] = _clean(dict(feature_dict.get("properties") or {}))
    return out


def feature_collection(features: Iterable[dict[str, Any]], **members: Any) -> dict[str, Any]:
    """Build an RFC 7946 FeatureCollection with a collection ``bbox``.

    The collection bbox follows RFC 7946 §5.2: when parts lie on both sides of
    180°, west > east.
    """
    feats = [feature(f) for f in features]
    fc: dict[str, Any] = {"type": "FeatureCollection"}
    boxes = [f["bbox"] for f in feats if "bbox" in f]
    if boxes:
        fc["bbox"] = _collection_bbox(boxes, [f["geometry"] for f in feats if f.get("geometry")])
    fc.update(members)
    fc["features"] = feats
    return fc


def _collection_bbox(boxes: list[list[float]], geometries: list[dict[str, Any]]) -> list[float]:
    west = min(b[0] for b in boxes)
    south = min(b[1] for b in boxes)
    east = max(b[2] for b in boxes)
    north = max(b[3] for b in boxes)
    if west <= -180.0 + 1e-9 and east >= 180.0 - 1e-9:
        # something touches both sides of 180°: report the box that crosses it
        lons = sorted({round(c, PRECISION) for g in geometries for c in _lons(shapely.geometry.shape(g))})
        gaps = [(lons[i + 1] - lons[i], lons[i], lons[i + 1]) for i in range(len(lons) - 1)]
        if gaps:
            gap, gap_w, gap_e = max(gaps)
            if gap > 0:
                return [gap_e, south, gap_w, north]
    return [west, south, east, north]


def _lons(g: BaseGeometry) -> list[float]:
    coords = shapely.get_coordinates(g)
    return [float(x) for x in coords[:, 0]]


def dumps(obj: dict[str, Any]) -> str:
    """Serialise compactly with UTF-8 characters kept (names in Japanese stay readable)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
