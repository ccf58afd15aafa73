"""Corridors from GIS files: GeoJSON, KML/KMZ, GeoPackage and zipped Shapefiles.

GeoJSON is read directly (so geowarn's own ``windows``/``raw`` properties survive; a legacy
``crs`` member is honoured); the others go through pyogrio (GDAL) from memory. Any CRS is
converted to EPSG:4326. Properties whose names match a corridor field are mapped
(``id``, ``phase``, ``label`` — or ``name``/``Name`` —, ``window_start``/``begin``,
``window_end``/``end``, ``source``, ``raw``/``description``, ``probability``,
``confidence_level``); the rest stay in ``properties``. Only Polygon/MultiPolygon features are
corridors. Every geometry is checked valid (never silently repaired), densified along the
geodesic and cut at 180°. Limits: :data:`MAX_FILE_BYTES`, :data:`MAX_FEATURES`,
:data:`MAX_VERTICES`.

>>> fc = '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "A"},'
>>> fc += ' "geometry": {"type": "Polygon",'
>>> fc += ' "coordinates": [[[175, 20], [190, 20], [190, 25], [175, 25], [175, 20]]]}}]}'
>>> c = read_file(fc, "geojson").corridors[0]
>>> c.label, c.geometry.geom_type
('A', 'MultiPolygon')
"""

from __future__ import annotations

import io
import json
import math
import warnings
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from geowarn.errors import GeowarnError, ParseError, PayloadTooLarge
from geowarn.model import Corridor, Phase, TimeWindow, parse_time
from geowarn.sources import rings
from geowarn.sources.common import ParsedInput, slug

MAX_FILE_BYTES = 20_000_000
"""Largest file accepted (bytes)."""
MAX_FEATURES = 10_000
MAX_VERTICES = 2_000_000
"""Largest total vertex count over all features (before densifying)."""

_FIELDS = {
    "id": "id",
    "phase": "phase",
    "label": "label",
    "name": "label",
    "window_start": "window_start",
    "begin": "window_start",
    "start": "window_start",
    "window_end": "window_end",
    "end": "window_end",
    "source": "source",
    "raw": "raw",
    "description": "raw",
    "probability": "probability",
    "confidence_level": "confidence_level",
    "event_id": "event_id",
}


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT or (isinstance(value, np.floating | float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _corridor(geom: BaseGeometry | None, props: dict[str, Any], index: int, stem: str, path: str, fmt: str) -> Corridor:
    geom = _corridor_geometry(geom, path)
    mapped, extra = _map_properties(props)
    phase_text = str(mapped.get("phase", "other")).lower()
    try:
        phase = Phase(phase_text)
    except ValueError:
        raise ParseError(f"unknown phase {phase_text!r}", path=f"{path}.properties.phase") from None
    windows = _feature_windows(props, mapped, extra, path)
    label = str(mapped.get("label") or "")
    try:
        out = rings.finish(geom, label)
    except GeowarnError as exc:
        raise ParseError(str(exc), path=f"{path}.geometry") from None
    prob = mapped.get("probability")
    conf = mapped.get("confidence_level")
    try:
        probability = float(prob) if prob is not None else None
        confidence = float(conf) if conf is not None else None
    except (TypeError, ValueError):
        raise ParseError("probability/confidence_level must be numbers", path=f"{path}.properties") from None
    return Corridor(
        id=str(mapped.get("id") or f"{stem}-{index + 1}"),
        geometry=out,
        phase=phase,
        label=label,
        windows=windows,
        source=str(mapped.get("source") or fmt),
        raw=str(mapped.get("raw") or ""),
        event_id=mapped.get("event_id"),
        probability=probability,
        confidence_level=confidence,
        properties=extra,
    )


def _corridor_geometry(geom: BaseGeometry | None, path: str) -> BaseGeometry:
    """Return ``geom`` in 2D, or raise a :class:`ParseError` at ``path`` unless it is a valid lon/lat polygon."""
    if geom is None or geom.is_empty:
        raise ParseError("feature has no geometry", path=f"{path}.geometry")
    geom = shapely.force_2d(geom)
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ParseError(f"a corridor must be a Polygon or MultiPolygon, not {geom.geom_type}", path=f"{path}.geometry")
    coords = shapely.get_coordinates(geom)
    if not np.all(np.isfinite(coords)):
        raise ParseError("coordinates must be finite numbers", path=f"{path}.geometry")
    if np.any(np.abs(coords[:, 1]) > 90) or np.any(np.abs(coords[:, 0]) > 540):
        raise ParseError("coordinates are out of range for lon/lat (is the CRS right?)", path=f"{path}.geometry")
    if not geom.is_valid:
        raise ParseError(f"invalid polygon: {shapely.is_valid_reason(geom)}", path=f"{path}.geometry")
    return geom


def _map_properties(props: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split feature properties into the known corridor fields (first non-empty alias wins) and the others."""
    mapped: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in props.items():
        target = _FIELDS.get(str(key).lower())
        value = _clean(value)
        if target and value not in (None, "") and target not in mapped:
            mapped[target] = value
        elif value is not None:
            extra[str(key)] = value
    return mapped, extra


def _feature_windows(
    props: dict[str, Any], mapped: dict[str, Any], extra: dict[str, Any], path: str
) -> tuple[TimeWindow, ...]:
    """Return the windows of a feature: its ``windows`` list, else ``window_start``/``window_end`` (may be none).

    A used ``windows`` list is removed from ``extra``; a malformed one raises a :class:`ParseError` at ``path``.
    """
    windows: tuple[TimeWindow, ...] = ()
    wins = props.get("windows")
    try:
        if isinstance(wins, list) and wins:
            windows = tuple(
                TimeWindow(parse_time(w["start"]), parse_time(w["end"]))  # type: ignore[arg-type]
                for w in wins
            )
            extra.pop("windows", None)
        elif mapped.get("window_start") and mapped.get("window_end"):
            s = parse_time(str(mapped["window_start"]), field_name=f"{path}.properties.window_start")
            e = parse_time(str(mapped["window_end"]), field_name=f"{path}.properties.window_end")
            assert s is not None and e is not None
            windows = (TimeWindow(s, e),)
    except (KeyError, TypeError, AssertionError):
        raise ParseError("windows must be a list of {start, end}", path=f"{path}.properties.windows") from None
    except ParseError as exc:
        raise ParseError(exc.detail, path=exc.path or f"{path}.properties") from None
    return windows


def _check_size(n_features: int, n_vertices: int) -> None:
    if n_features > MAX_FEATURES:
        raise PayloadTooLarge(f"{n_features} features; at most {MAX_FEATURES:,} are read")
    if n_vertices > MAX_VERTICES:
        raise PayloadTooLarge(f"{n_vertices:,} vertices; at most {MAX_VERTICES:,} are read")


def _geojson(data: str | bytes, stem: str) -> list[Corridor]:
    obj = _geojson_object(data)
    if obj.get("type") == "Feature":
        feats, root = [obj], None
    elif obj.get("type") == "FeatureCollection" and isinstance(obj.get("features"), list):
        feats, root = obj["features"], "$.features"
    else:
        raise ParseError("expected a GeoJSON FeatureCollection or Feature", path="$.type")
    transformer = _geojson_transformer(obj)
    geoms: list[BaseGeometry | None] = []
    n_vertices = 0
    for i, f in enumerate(feats):
        path = f"{root}[{i}]" if root else "$"
        if not isinstance(f, dict) or f.get("type") != "Feature":
            raise ParseError("expected a Feature", path=path)
        geom = _feature_geometry(f.get("geometry"), path)
        if geom is not None:
            n_vertices += shapely.get_num_coordinates(geom)
            if transformer is not None:
                t = transformer

                def fwd(xy: np.ndarray, t: Transformer = t) -> np.ndarray:
                    x, y = t.transform(xy[:, 0], xy[:, 1])
                    return np.column_stack([x, y])

                geom = shapely.transform(geom, fwd)
        geoms.append(geom)
    _check_size(len(feats), n_vertices)
    return [
        _corridor(g, dict(f.get("properties") or {}), i, stem, f"{root}[{i}]" if root else "$", "geojson")
        for i, (g, f) in enumerate(zip(geoms, feats, strict=True))
    ]


def _geojson_object(data: str | bytes) -> dict[str, Any]:
    """Return the top-level JSON object of a GeoJSON text (UTF-8, BOM allowed); :class:`ParseError` otherwise."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"GeoJSON is not UTF-8 (byte {exc.start})") from None
    else:
        text = data
    text = text.removeprefix("\ufeff")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    if not isinstance(obj, dict):
        raise ParseError("expected a GeoJSON object", path="$")
    return obj


def _geojson_transformer(obj: dict[str, Any]) -> Transformer | None:
    """Return the transformer to lon/lat of a (legacy) ``crs`` member, ``None`` for lon/lat or no ``crs``."""
    transformer = None
    crs = obj.get("crs")
    if isinstance(crs, dict):
        name = str((crs.get("properties") or {}).get("name", ""))
        try:
            src = CRS.from_user_input(name)
        except Exception:
            raise ParseError(f"unknown crs {name!r}", path="$.crs") from None
        if not (src.equals(CRS.from_epsg(4326), ignore_axis_order=True) or "CRS84" in name):
            transformer = Transformer.from_crs(src, "EPSG:4326", always_xy=True)
    return transformer


def _feature_geometry(g: Any, path: str) -> BaseGeometry | None:
    """Return the shapely geometry of a feature's GeoJSON ``geometry`` (``None`` for null); :class:`ParseError` else."""
    try:
        return shapely.from_geojson(json.dumps(g)) if g is not None else None
    except Exception as exc:
        reason = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise ParseError(f"not a GeoJSON geometry ({reason})", path=f"{path}.geometry") from None


def _ogr(data: str | bytes, fmt: str, stem: str) -> list[Corridor]:
    import pyogrio

    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    out: list[Corridor] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            layers = pyogrio.list_layers(io.BytesIO(raw))
        except Exception as exc:
            raise ParseError(f"cannot read this {fmt} file: {str(exc).splitlines()[0][:160]}") from None
        for layer_name, _ in layers:
            try:
                df = pyogrio.read_dataframe(io.BytesIO(raw), layer=str(layer_name), max_features=MAX_FEATURES + 1)
            except Exception as exc:
                raise ParseError(
                    f"cannot read layer {layer_name!r}: {str(exc).splitlines()[0][:160]}", path=str(layer_name)
                ) from None
            if df.crs is not None and not df.crs.equals(CRS.from_epsg(4326)):
                try:
                    df = df.to_crs(4326)
                except Exception as exc:
                    raise ParseError(
                        f"cannot convert CRS {df.crs} to EPSG:4326 ({exc})", path=str(layer_name)
                    ) from None
            geoms = list(df.geometry)
            _check_size(len(geoms) + len(out), int(sum(shapely.get_num_coordinates(g) for g in geoms if g is not None)))
            cols = [c for c in df.columns if c != df.geometry.name]
            for i, g in enumerate(geoms):
                props = {c: df[c].iloc[i] for c in cols}
                out.append(_corridor(g, props, len(out), stem, f"{layer_name}[{i}]", fmt))
    return out


def read_file(data: str | bytes, fmt: str = "geojson", *, name: str | None = None) -> ParsedInput:
    """Read corridors from a GIS file's content (``fmt``: geojson, kml, gpkg, shapefile)."""
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    stem = slug(PurePath(name).stem) if name else fmt
    corridors = _geojson(data, stem) if fmt == "geojson" else _ogr(data, fmt, stem or fmt)
    if not corridors:
        raise ParseError(f"the {fmt} file has no features")
    meta: dict[str, Any] = {"features": len(corridors)}
    if name:
        meta["name"] = name
    return ParsedInput(fmt, corridors, meta)
