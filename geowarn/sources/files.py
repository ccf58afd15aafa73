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
>>> fc += ' "coordinates": [[[175, 20], [180, 20], [180, 25], [175, 25], [175, 20]]]}}]}'
>>> c = read_file(fc, "geojson").corridors[0]
>>> c.label, c.geometry.geom_type
('A', 'Polygon')
>>> try:
...     read_file(fc.replace("180", "190"), "geojson")
... except ParseError as exc:
...     print(str(exc).split(";")[0])
$.features[0].geometry: longitude 190 is out of range [-180, 180]
"""

from __future__ import annotations

import io
import json
import math
import tempfile
import warnings
import zipfile
from pathlib import Path, PurePath, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from shapely.geometry.base import BaseGeometry

from geowarn.errors import GeowarnError, ParseError, PayloadTooLarge
from geowarn.jsondepth import load_object
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
    bad_lat = np.flatnonzero(np.abs(coords[:, 1]) > 90)
    if bad_lat.size:
        lat = coords[bad_lat[0], 1]
        raise ParseError(f"latitude {lat:g} is out of range [-90, 90] (is the CRS right?)", path=f"{path}.geometry")
    bad_lon = np.flatnonzero(np.abs(coords[:, 0]) > 180)
    if bad_lon.size:  # never wrapped (500 is not 140°E): a polygon over 180° is a MultiPolygon split there
        lon = coords[bad_lon[0], 0]
        raise ParseError(
            f"longitude {lon:g} is out of range [-180, 180]; split a polygon that crosses 180° into a "
            "MultiPolygon (RFC 7946 §3.1.9)",
            path=f"{path}.geometry",
        )
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


#: File name of the input handed to GDAL, by format (the extension picks the driver).
_SUFFIX = {"kml": ".kml", "gpkg": ".gpkg", "shapefile": ".shp"}
_CHUNK = 1 << 16


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
    return load_object(text, what="GeoJSON")


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


def zip_limits() -> tuple[int, int]:
    """Return (largest decompressed size in bytes, most entries) of a KMZ or zipped Shapefile.

    From ``GEOWARN_MAX_UNZIPPED_MB`` / ``GEOWARN_MAX_ZIP_ENTRIES`` (:class:`geowarn.settings.Settings`).
    """
    from geowarn.settings import library_fallback

    s = library_fallback("archives")
    return int(s.max_unzipped_mb * 1024 * 1024), s.max_zip_entries


def extract_zip(raw: bytes, into: Path, fmt: str) -> list[Path]:
    """Unpack a KMZ or zipped Shapefile into ``into``, counting the bytes actually inflated.

    Raises :class:`PayloadTooLarge` past :func:`zip_limits` (a zip bomb stops at the limit,
    before GDAL sees anything), :class:`ParseError` for a broken archive or an entry name that
    leaves the directory. Returns the files GDAL should open: the ``.kml`` (KMZ) or ``.shp`` files.
    """
    max_bytes, max_entries = zip_limits()
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ParseError(f"cannot read this {fmt} file: not a valid zip archive ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > max_entries:
            raise PayloadTooLarge(
                f"the archive has {len(infos):,} entries; at most {max_entries:,} are read (GEOWARN_MAX_ZIP_ENTRIES)"
            )
        total = 0
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts or "\x00" in info.filename:
                raise ParseError(f"the archive entry {info.filename!r} leaves the archive", path=info.filename)
            target = into.joinpath(*name.parts) if name.parts else into
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, target.open("wb") as dst:
                    while chunk := src.read(_CHUNK):
                        total += len(chunk)
                        if total > max_bytes:
                            raise PayloadTooLarge(
                                f"the archive inflates to more than {max_bytes / 1048576:g} MB "
                                "(GEOWARN_MAX_UNZIPPED_MB)"
                            )
                        dst.write(chunk)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError) as exc:
                raise ParseError(f"cannot unpack {info.filename!r}: {exc}", path=info.filename) from None
    want = ".kml" if fmt == "kml" else ".shp"
    found = sorted(
        (p for p in into.rglob("*") if p.is_file() and p.suffix.lower() == want),
        key=lambda p: (p.name.lower() != "doc.kml", str(p)),
    )
    if not found:
        raise ParseError(f"the archive holds no {want} file")
    return found[:1] if fmt == "kml" else found


def _ogr(data: str | bytes, fmt: str, stem: str) -> list[Corridor]:
    """Read a KML/KMZ, GeoPackage or (zipped) Shapefile with GDAL from one private temporary copy.

    Each file is written once and opened by its path, so the layer names GDAL reports are the
    ones it reads (a KML ``<Document>`` without a name is named after the file); archives are
    unpacked by :func:`extract_zip` first.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"file is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    with tempfile.TemporaryDirectory(prefix="geowarn-read-") as tmp:
        root = Path(tmp)
        if raw[:2] == b"PK":  # a KMZ or a zipped Shapefile (or a broken archive)
            paths = extract_zip(raw, root / "x", fmt)
        else:
            path = root / f"input{_SUFFIX.get(fmt, '')}"
            path.write_bytes(raw)
            paths = [path]
        out: list[Corridor] = []
        for path in paths:
            out.extend(_read_dataset(path, fmt, stem, len(out), multi=len(paths) > 1, root=root))
        return out


def _read_dataset(path: Path, fmt: str, stem: str, start: int, *, multi: bool, root: Path) -> list[Corridor]:
    import pyogrio

    out: list[Corridor] = []
    where = str(path.relative_to(root / "x")) if multi else ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            layers = pyogrio.list_layers(str(path))
        except Exception as exc:
            raise ParseError(f"cannot read this {fmt} file: {_first_line(exc, root)}") from None
        for layer_name, _ in layers:
            label = f"{where}:{layer_name}" if where else str(layer_name)
            try:
                df = pyogrio.read_dataframe(str(path), layer=str(layer_name), max_features=MAX_FEATURES + 1)
            except Exception as exc:
                raise ParseError(f"cannot read layer {label!r}: {_first_line(exc, root)}", path=label) from None
            if df.crs is not None and not df.crs.equals(CRS.from_epsg(4326)):
                try:
                    df = df.to_crs(4326)
                except Exception as exc:
                    raise ParseError(f"cannot convert CRS {df.crs} to EPSG:4326 ({exc})", path=label) from None
            geoms = list(df.geometry)
            n = start + len(out)
            _check_size(len(geoms) + n, int(sum(shapely.get_num_coordinates(g) for g in geoms if g is not None)))
            cols = [c for c in df.columns if c != df.geometry.name]
            for i, g in enumerate(geoms):
                props = {c: df[c].iloc[i] for c in cols}
                out.append(_corridor(g, props, n + i, stem, f"{label}[{i}]", fmt))
    return out


def _first_line(exc: Exception, root: Path) -> str:
    """Return the first line of a GDAL error, without the temporary directory's name."""
    return str(exc).splitlines()[0].replace(str(root) + "/", "")[:160] if str(exc) else type(exc).__name__


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
