"""Reference layers: catalog, loading (once, validated, indexed) and user layers.

The shipped layers live in ``geowarn/data/layers/`` (inside the package, so an installed wheel has
them): ``catalog.json`` plus, per layer, ``<id>.geojson`` (full resolution, used for intersections),
its packed twin ``<id>.bin`` (what is loaded), ``<id>.display.bin`` (a ``shapely.coverage_simplify``
copy made at build time, for maps) and, for the alert layers, ``<id>.pieces.bin`` (the engine's
pieces, :func:`write_pieces`).
``layers/build.py`` (``make layers``) rebuilds them from pinned registry packages.

Directories:

- :func:`layers_dir`: ``$GEOWARN_LAYERS_DIR`` if set (a directory with the same layout that
  *replaces* the shipped set), else the shipped layers.
- :func:`user_layers_dir`: where ``geowarn layers add`` writes: ``$GEOWARN_LAYERS_DIR`` if set, else
  ``$GEOWARN_DATA/layers`` (``./instance/layers`` by default). Never site-packages.

:func:`catalog` with no argument lists the layers of :func:`layers_dir` followed by the user's
layers; with an explicit directory only that directory's.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geowarn.errors import Conflict, InvalidGeometry, InvalidParameter, NotFound, StoreError
from geowarn.jsondepth import check_depth
from geowarn.model import Region, RegionKind
from geowarn.simplify import display_copy

__all__ = [
    "Layer",
    "add_layer",
    "catalog",
    "clear_cache",
    "find_region",
    "layers_dir",
    "load_layer",
    "load_layers",
    "shipped_layers_dir",
    "user_layers_dir",
]

CATALOG_FILE = "catalog.json"
_LAYER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_REGION_KEYS = {"id", "name", "name_ja", "names", "kind", "layer", "country", "parent"}
_CACHE: dict[tuple[str, str, int], Layer] = {}
_LOCK = threading.Lock()
_log = logging.getLogger(__name__)
PIECES_FORMAT = 1
"""Version of the pieces file layout written by :func:`write_pieces`."""


@dataclass
class Pieces:
    """A layer's subdivided pieces as stored by :func:`write_pieces`.

    ``geometries`` are Polygons, ``owner`` the index of the region each belongs to and
    ``area_km2`` their equal-area areas; ``head`` says how and from what they were cut.
    """

    geometries: np.ndarray
    owner: np.ndarray
    area_km2: np.ndarray
    head: dict[str, Any]


@dataclass
class Layer:
    """A loaded reference layer.

    ``geometries`` (full resolution, for intersections) and ``display`` (simplified, for maps) are
    object arrays aligned with ``regions``; ``meta`` is the catalog entry. The display copy is read
    on first use (``display_source``), so a process that only computes zones never reads it.
    ``pieces_file`` is the layer's verified packed file of subdivided pieces (see
    :meth:`stored_pieces`), or None.
    """

    id: str
    title: str
    kind: RegionKind
    regions: list[Region]
    geometries: np.ndarray
    display_source: Callable[[], np.ndarray] = field(repr=False)
    meta: dict[str, Any] = field(default_factory=dict)
    pieces_file: Path | None = field(default=None, repr=False)

    @cached_property
    def display(self) -> np.ndarray:
        """Simplified geometries for maps, aligned with :attr:`regions` (read on first use)."""
        return self.display_source()

    @cached_property
    def _index(self) -> dict[str, int]:
        return {r.id: i for i, r in enumerate(self.regions)}

    def stored_pieces(self, max_vertices: int, max_degrees: float) -> Pieces | None:
        """Return the subdivided pieces ``layers/build.py`` shipped for this layer, or None.

        They are returned only when they were cut from these very geometries (the packed file's
        sha256 recorded in the pieces file equals the verified one) with these limits; otherwise
        the engine cuts the pieces itself (:func:`geowarn.zones.layer_index`).
        """
        if self.pieces_file is None:
            return None
        try:
            pieces = read_pieces(self.pieces_file)
        except StoreError as exc:
            _log.warning("%s; cutting layer %s at run time", exc, self.id)
            return None
        head = pieces.head
        ok = (
            head.get("source_sha256") == self.meta.get("packed_sha256")
            and head.get("max_vertices") == max_vertices
            and head.get("max_degrees") == max_degrees
            and len(pieces.owner) == len(pieces.geometries)
            and (len(pieces.owner) == 0 or int(pieces.owner.max()) < len(self.regions))
        )
        if not ok:
            _log.warning("%s: stale pieces file (other limits or geometries); cutting at run time", self.pieces_file)
            return None
        return pieces

    @cached_property
    def tree(self) -> shapely.STRtree:
        """Spatial index (``shapely.STRtree``) over :attr:`geometries`."""
        return shapely.STRtree(self.geometries)

    def region(self, region_id: str) -> Region:
        """Return the region ``region_id`` of this layer; raises :class:`NotFound`."""
        try:
            return self.regions[self._index[region_id]]
        except KeyError:
            raise NotFound(f"layer {self.id}: no region {region_id!r}") from None

    def query(self, geometry: BaseGeometry, predicate: str = "intersects") -> list[Region]:
        """Regions whose full geometry satisfies ``predicate`` with ``geometry``.

        >>> ly = load_layer("jp-prefectures")
        >>> [r.id for r in ly.query(shapely.Point(127.68, 26.21))]
        ['JP-47']
        """
        return [self.regions[i] for i in self.tree.query(geometry, predicate=predicate)]


# --------------------------------------------------------------------------- directories & catalog


def shipped_layers_dir() -> Path:
    """Return the layers shipped inside the package (``geowarn/data/layers``)."""
    return Path(__file__).resolve().parent / "data" / "layers"


def layers_dir() -> Path:
    """``$GEOWARN_LAYERS_DIR`` if set, else the shipped layers (see :func:`geowarn.settings.library_fallback`)."""
    from geowarn.settings import library_fallback

    return library_fallback("layers").layers_dir or shipped_layers_dir()


def user_layers_dir() -> Path:
    """Where user layers are registered: ``$GEOWARN_LAYERS_DIR``, else ``$GEOWARN_DATA/layers``."""
    from geowarn.settings import library_fallback

    return library_fallback("layers").user_layers_dir


def _read_catalog(directory: Path) -> list[dict[str, Any]]:
    path = directory / CATALOG_FILE
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = list(data["layers"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{path}: unreadable layer catalog ({exc})") from None
    return [{**e, "dir": str(directory)} for e in entries]


def catalog(layers_dir: str | Path | None = None) -> list[dict[str, Any]]:
    """Catalog entries (dicts with ``id``, ``title``, ``kind``, ``file``, ``features``, ``licence`` …).

    Each entry also carries ``dir``, the directory holding its files.

    >>> [e["id"] for e in catalog()][:3]
    ['jp-prefectures', 'jp-municipalities', 'admin1']
    """
    if layers_dir is not None:
        return _read_catalog(Path(layers_dir))
    main = globals()["layers_dir"]()
    entries = _read_catalog(main)
    user = user_layers_dir()
    if user.resolve() != main.resolve():
        seen = {e["id"] for e in entries}
        entries += [e for e in _read_catalog(user) if e["id"] not in seen]
    return entries


def _entry(layer_id: str, directory: str | Path | None) -> dict[str, Any]:
    for e in catalog(directory):
        if e["id"] == layer_id:
            return e
    known = ", ".join(e["id"] for e in catalog(directory)) or "none"
    raise NotFound(f"no layer {layer_id!r} (known: {known})")


def clear_cache() -> None:
    """Forget every loaded layer (after a rebuild or ``layers add``)."""
    with _LOCK:
        _CACHE.clear()


# --------------------------------------------------------------------------- loading


def _read_collection(path: Path) -> tuple[list[dict[str, Any]], np.ndarray]:
    try:
        text = path.read_text(encoding="utf-8")
        check_depth(text)
        data = json.loads(text)
        feats = data["features"]
        geoms = shapely.get_parts(shapely.from_geojson(text))
    except (OSError, ValueError, KeyError, TypeError, shapely.errors.GEOSException) as exc:
        raise StoreError(f"{path}: unreadable layer file ({exc})") from None
    if len(geoms) != len(feats):
        raise StoreError(f"{path}: {len(feats)} features but {len(geoms)} geometries (null or nested geometry)")
    return feats, geoms


def write_packed(path: Path, props: list[dict[str, Any]], geoms: np.ndarray, precision: int | None = 5) -> None:
    """Write the fast-loading twin of a layer file (byte-reproducible).

    Format: gzip (mtime 0) of consecutive ``.npy`` arrays: the properties as UTF-8 JSON, the
    coordinates (int32 multiples of ``10**-precision`` degrees, or float64 when ``precision`` is
    None, e.g. for coverage-simplified display copies whose shared vertices must stay exact),
    then the three ``shapely.to_ragged_array`` offset arrays (all geometries as MultiPolygon).
    """
    _, coords, offsets = shapely.to_ragged_array(
        np.array([g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in geoms], dtype=object)
    )
    if precision is None:
        packed = coords.astype("<f8")
    else:
        scaled = np.rint(coords * 10**precision)
        if np.abs(scaled).max(initial=0) >= 2**31:
            raise InvalidGeometry(f"{path.name}: coordinates out of range")
        packed = scaled.astype("<i4")
    head = {"precision": precision, "props": props}
    buf = io.BytesIO()
    np.save(buf, np.frombuffer(json.dumps(head, ensure_ascii=False, sort_keys=True).encode(), dtype=np.uint8))
    np.save(buf, packed)
    for off in offsets:
        np.save(buf, np.asarray(off, dtype="<i4"))
    path.write_bytes(gzip.compress(buf.getvalue(), compresslevel=6, mtime=0))


def read_packed(path: Path) -> tuple[list[dict[str, Any]], np.ndarray]:
    """Read a file written by :func:`write_packed`: (properties, geometries).

    Single-part geometries come back as Polygon, the others as MultiPolygon.
    """
    try:
        buf = io.BytesIO(gzip.decompress(path.read_bytes()))
        head = json.loads(np.load(buf).tobytes().decode())
        coords = np.load(buf).astype("f8")
        if head["precision"] is not None:
            coords /= 10 ** int(head["precision"])
        offsets = tuple(np.load(buf).astype(np.int64) for _ in range(3))
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise StoreError(f"{path}: unreadable packed layer file ({exc})") from None
    geoms = shapely.from_ragged_array(shapely.GeometryType.MULTIPOLYGON, coords, offsets)
    single = shapely.get_num_geometries(geoms) == 1
    geoms[single] = shapely.get_geometry(geoms[single], 0)
    return list(head["props"]), geoms


def _encode_coords(coords: np.ndarray, precision: int | None) -> list[np.ndarray]:
    """Coordinates as the arrays of a pieces file: exact, and small where they lie on the grid.

    With a ``precision``, every coordinate that is exactly ``n / 10**precision`` (as
    :func:`read_packed` computes it) is stored as ``n`` (int32, delta-coded along the file, so
    it compresses like the packed layer file), the others (where a piece was cut) as float64.
    """
    if precision is None:
        return [np.asarray(coords, dtype="<f8")]
    scale = 10**precision
    q = np.rint(coords * scale)
    if np.abs(q).max(initial=0) >= 2**31:
        raise InvalidGeometry("pieces: coordinates out of range")
    on_grid = (q.astype("f8") / scale) == coords
    q[~on_grid] = 0
    qi = q.astype(np.int64)
    deltas = np.diff(qi, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)) if len(qi) else qi
    return [deltas.astype("<i4"), np.packbits(on_grid.ravel()), np.asarray(coords[~on_grid], dtype="<f8")]


def _decode_coords(arrays: list[np.ndarray], precision: int | None, n: int) -> np.ndarray:
    if precision is None:
        return arrays[0].astype("f8").reshape(n, 2)
    deltas, bits, off_grid = arrays
    coords = np.cumsum(deltas.astype(np.int64).reshape(n, 2), axis=0).astype("f8")
    coords /= 10**precision
    on_grid = np.unpackbits(bits, count=2 * n).astype(bool).reshape(n, 2)
    coords[~on_grid] = off_grid
    return coords


def write_pieces(path: Path, pieces: Pieces) -> None:
    """Write a layer's subdivided pieces (byte-reproducible; written by ``layers/build.py``).

    Format: gzip (mtime 0) of consecutive ``.npy`` arrays: the head (UTF-8 JSON: format,
    precision, the cutting limits, counts and the sha256 of the packed layer file the pieces were
    cut from), the coordinates (:func:`_encode_coords`), the two ``shapely.to_ragged_array``
    offset arrays (Polygons), the owner region indexes (int32) and the areas (float64, km²).
    Coordinates round-trip exactly, so the loaded pieces equal the ones cut at run time.
    """
    geoms = np.asarray(pieces.geometries, dtype=object)
    if len(geoms) and not (shapely.get_type_id(geoms) == 3).all():
        raise InvalidGeometry(f"{path.name}: pieces must be Polygons")
    if len(geoms):
        _, coords, offsets = shapely.to_ragged_array(geoms)
    else:
        coords, offsets = np.zeros((0, 2)), (np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64))
    precision = pieces.head.get("precision")
    head = {**pieces.head, "format": PIECES_FORMAT, "pieces": len(geoms), "vertices": len(coords)}
    buf = io.BytesIO()
    np.save(buf, np.frombuffer(json.dumps(head, ensure_ascii=False, sort_keys=True).encode(), dtype=np.uint8))
    for arr in _encode_coords(coords, precision):
        np.save(buf, arr)
    for off in offsets:
        np.save(buf, np.asarray(off, dtype="<i4"))
    np.save(buf, np.asarray(pieces.owner, dtype="<i4"))
    np.save(buf, np.asarray(pieces.area_km2, dtype="<f8"))
    path.write_bytes(gzip.compress(buf.getvalue(), compresslevel=6, mtime=0))


def read_pieces(path: Path) -> Pieces:
    """Read a file written by :func:`write_pieces`; raises :class:`StoreError` if it is not one.

    >>> import tempfile
    >>> cut = shapely.box(0.1, 0.0, 1 / 3, 1.0)  # x = 1/3 is off the 1e-5 grid: stored as float64
    >>> path = Path(tempfile.mkdtemp()) / "p.pieces.bin"
    >>> write_pieces(path, Pieces(np.array([cut]), np.array([0]), np.array([1.5]), {"precision": 5}))
    >>> back = read_pieces(path)
    >>> bool(shapely.equals_exact(back.geometries[0], cut, tolerance=0)), back.owner.tolist(), back.head["vertices"]
    (True, [0], 5)
    """
    try:
        buf = io.BytesIO(gzip.decompress(path.read_bytes()))
        head = json.loads(np.load(buf).tobytes().decode())
        if head.get("format") != PIECES_FORMAT:
            raise ValueError(f"format {head.get('format')!r}, expected {PIECES_FORMAT}")
        precision = head["precision"]
        n = int(head["vertices"])
        coords = _decode_coords([np.load(buf) for _ in range(1 if precision is None else 3)], precision, n)
        offsets = tuple(np.load(buf).astype(np.int64) for _ in range(2))
        owner = np.load(buf).astype(np.int64)
        area = np.load(buf).astype(np.float64)
    except (OSError, ValueError, KeyError, EOFError, TypeError) as exc:
        raise StoreError(f"{path}: unreadable pieces file ({exc})") from None
    if len(owner) == 0:
        return Pieces(np.empty(0, dtype=object), owner, area, head)
    geoms = shapely.from_ragged_array(shapely.GeometryType.POLYGON, coords, offsets)
    if not (len(geoms) == len(owner) == len(area) == head["pieces"]):
        raise StoreError(f"{path}: unreadable pieces file (inconsistent counts)")
    return Pieces(np.asarray(geoms, dtype=object), owner, area, head)


def _validate(layer_id: str, ids: list[str], geoms: np.ndarray, *, full: bool = True) -> None:
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise InvalidGeometry(f"layer {layer_id}: duplicate region ids {dup[:5]}")
    bad = np.flatnonzero(~shapely.is_valid(geoms)) if full else np.zeros(0, dtype=np.int64)
    if len(bad):
        i = int(bad[0])
        raise InvalidGeometry(f"layer {layer_id}, region {ids[i]}: {shapely.is_valid_reason(geoms[i])}")
    if len(geoms):
        b = shapely.bounds(geoms)
        out = np.flatnonzero((b[:, 0] < -180) | (b[:, 2] > 180) | (b[:, 1] < -90) | (b[:, 3] > 90))
        if len(out):
            raise InvalidGeometry(f"layer {layer_id}, region {ids[int(out[0])]}: coordinates outside lon/lat range")


def _region(layer_id: str, kind: RegionKind, props: dict[str, Any], geom: BaseGeometry) -> Region:
    names = dict(props.get("names") or {})
    for k, v in props.items():
        if k.startswith("name_") and k != "name_ja" and isinstance(v, str):
            names.setdefault(k[5:], v)
    extra = {k: v for k, v in props.items() if k not in _REGION_KEYS and not k.startswith("name_")}
    return Region(
        layer=layer_id,
        id=str(props["id"]),
        name=str(props.get("name") or props["id"]),
        kind=kind,
        geometry=geom,
        name_ja=props.get("name_ja"),
        names=names,
        country=props.get("country"),
        parent=props.get("parent"),
        properties=extra,
    )


def _load(entry: dict[str, Any]) -> Layer:
    """Read a layer: the packed twin when its sha256 matches the catalog, else the GeoJSON.

    Geometry validity is checked in full unless the packed file's checksum equals the one the
    build recorded (the build only writes valid geometries; tests re-check every shipped file).
    """
    directory = Path(entry["dir"])
    layer_id = entry["id"]
    packed = entry.get("packed_file")
    verified = False
    if packed and (directory / packed).exists():
        props, geoms = read_packed(directory / packed)
        verified = _sha256(directory / packed) == entry.get("packed_sha256")
        feats = [{"id": p.get("id"), "properties": p} for p in props]
    else:
        feats, geoms = _read_collection(directory / entry["file"])
    ids = [str(f.get("id", (f.get("properties") or {}).get("id"))) for f in feats]
    _validate(layer_id, ids, geoms, full=not verified)
    kind = RegionKind(entry.get("kind", "user"))
    regions = [
        _region(layer_id, kind, {**(f.get("properties") or {}), "id": i}, g)
        for f, i, g in zip(feats, ids, geoms, strict=True)
    ]

    def display() -> np.ndarray:
        disp_file = entry.get("display_file")
        if disp_file and (directory / disp_file).exists():
            dprops, dgeoms = read_packed(directory / disp_file)
            if [str(p.get("id")) for p in dprops] == ids:
                return dgeoms
        return display_copy(geoms, float(entry.get("display_tolerance", 0.01)))

    pieces_file: Path | None = None
    pieces = entry.get("pieces_file")
    if verified and pieces and (directory / pieces).exists():
        if _sha256(directory / pieces) == entry.get("pieces_sha256"):
            pieces_file = directory / pieces
        else:
            _log.warning("%s differs from the catalog; layer %s is cut at run time", directory / pieces, layer_id)
    return Layer(
        id=layer_id,
        title=str(entry.get("title", layer_id)),
        kind=kind,
        regions=regions,
        geometries=geoms,
        display_source=display,
        meta=dict(entry),
        pieces_file=pieces_file,
    )


def load_layer(layer_id: str, layers_dir: str | Path | None = None) -> Layer:
    """Load (once; cached per directory, id and file time) and validate layer ``layer_id``.

    >>> ly = load_layer("jp-prefectures")
    >>> len(ly.regions), ly.region("JP-47").name, ly.region("JP-47").name_ja
    (47, 'Okinawa', '沖縄県')
    """
    entry = _entry(layer_id, layers_dir)
    path = Path(entry["dir"]) / entry["file"]
    try:
        key = (str(path.resolve()), layer_id, path.stat().st_mtime_ns)
    except OSError:
        raise StoreError(f"layer {layer_id}: missing file {path}") from None
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    layer = _load(entry)
    with _LOCK:
        _CACHE[key] = layer
    return layer


def load_layers(ids: Iterable[str] | None = None, layers_dir: str | Path | None = None) -> list[Layer]:
    """Load several layers; default: every alert layer (catalog ``alert`` true; not ``land``)."""
    if ids is None:
        ids = [e["id"] for e in catalog(layers_dir) if e.get("alert", True) and e.get("kind") != "land"]
    return [load_layer(i, layers_dir) for i in ids]


def find_region(region_id: str, layers_dir: str | Path | None = None) -> tuple[Layer, Region]:
    """Return the layer and region with id ``region_id`` (alert layers searched first); raises NotFound.

    >>> layer, region = find_region("SEA-japan-sea")
    >>> layer.id, region.properties["alias"], region.names["ko"]
    ('seas', 'East Sea', '동해')
    """
    entries = catalog(layers_dir)
    entries.sort(key=lambda e: not e.get("alert", True))
    for e in entries:
        layer = load_layer(e["id"], Path(e["dir"]) if layers_dir is None else layers_dir)
        if region_id in layer._index:
            return layer, layer.region(region_id)
    raise NotFound.of("error.no_region", id=repr(region_id))


# --------------------------------------------------------------------------- user layers


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_collection(
    path: Path, layer_id: str, props: list[dict[str, Any]], geoms: np.ndarray, precision: int | None = None
) -> None:
    """Write a layer's GeoJSON FeatureCollection, byte-reproducibly, replacing ``path`` atomically.

    One feature per line in the given order, keys sorted, ``id`` from ``props[i]["id"]``;
    coordinates rounded to ``precision`` decimals (``-0.0`` written as ``0.0``) unless it is None.
    The layer build (``layers/build.py``) writes the shipped layers with it, ``add_layer`` user layers.

    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "t.geojson"
    >>> write_collection(out, "t", [{"id": "a", "name": "A"}], np.array([shapely.box(-1e-9, 0, 1.23456, 1)]), 2)
    >>> print(out.read_text(encoding="utf-8"), end="")  # doctest: +NORMALIZE_WHITESPACE
    {"type":"FeatureCollection","name":"t","features":[
    {"geometry":{"coordinates":[[[1.23,0.0],[1.23,1.0],[0.0,1.0],[0.0,0.0],[1.23,0.0]]],"type":"Polygon"},"id":"a","properties":{"id":"a","name":"A"},"type":"Feature"}
    ]}
    """
    lines = []
    for p, g in zip(props, geoms, strict=True):
        geo = json.loads(shapely.to_geojson(g))
        if precision is not None:
            geo["coordinates"] = _round_coords(geo["coordinates"], precision)
        feat = {"type": "Feature", "id": p["id"], "properties": p, "geometry": geo}
        lines.append(json.dumps(feat, ensure_ascii=False, separators=(",", ":"), sort_keys=True))
    text = '{"type":"FeatureCollection","name":' + json.dumps(layer_id) + ',"features":[\n'
    _atomic_write(path, text + ",\n".join(lines) + "\n]}\n")


def _round_coords(obj: Any, precision: int) -> Any:
    if isinstance(obj, float):
        v = round(obj, precision)
        return 0.0 if v == 0 else v
    if isinstance(obj, list | tuple):
        return [_round_coords(x, precision) for x in obj]
    return obj


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_layer(
    source: str | Path,
    layer_id: str,
    *,
    name_field: str,
    id_field: str | None = None,
    kind: RegionKind | str = RegionKind.USER,
    title: str | None = None,
    target_dir: Path | None = None,
    replace: bool = False,
    source_layer: str | None = None,
) -> dict[str, Any]:
    """Validate a polygon file (GeoJSON, Shapefile, GeoPackage, KML …) and register it as a layer.

    A file with several layers needs ``source_layer`` (``--layer``): it is never silently the first.

    The geometries are converted to EPSG:4326, must be valid polygons with unique ids and a
    name; the layer is written to ``target_dir`` (default :func:`user_layers_dir`) and its
    catalog entry returned. Raises :class:`InvalidParameter` / :class:`InvalidGeometry` with the
    offending field or feature, :class:`Conflict` if the id exists (unless ``replace``).
    """
    if not _LAYER_ID.match(layer_id):
        raise InvalidParameter(f"--id {layer_id!r}: use lower-case letters, digits and '-' (max 63)")
    try:
        kind = RegionKind(kind)
    except ValueError:
        raise InvalidParameter(f"--kind {kind!r}: expected one of {', '.join(k.value for k in RegionKind)}") from None
    target = Path(target_dir) if target_dir is not None else user_layers_dir()
    _check_layer_id_free(layer_id, target, replace)
    src = Path(source)
    df, fields = _read_vector_file(src, name_field, id_field, source_layer)
    geoms = np.asarray(df.geometry.values, dtype=object)
    ids = (
        [str(v).strip() if v is not None else "" for v in df[id_field]]
        if id_field
        else [f"{layer_id}-{n}" for n in range(1, len(df) + 1)]
    )
    names = [str(v).strip() if v is not None else "" for v in df[name_field]]
    _check_features(src, ids, names, geoms, name_field, id_field)
    geoms = shapely.orient_polygons(geoms)
    props = [
        {"id": i, "name": nm, **{k: _jsonable(df[k].iloc[n]) for k in fields if k not in (id_field, name_field)}}
        for n, (i, nm) in enumerate(zip(ids, names, strict=True))
    ]
    file = f"{layer_id}.geojson"
    disp_file = f"{layer_id}.display.bin"
    write_collection(target / file, layer_id, props, geoms)
    write_packed(target / disp_file, [{"id": p["id"]} for p in props], display_copy(geoms, 0.005), None)
    entry = {
        "id": layer_id,
        "title": title or layer_id,
        "kind": kind.value,
        "file": file,
        "display_file": disp_file,
        "id_field": "id",
        "name_field": "name",
        "features": len(props),
        "vertices": int(shapely.get_num_coordinates(geoms).sum()),
        "bytes": (target / file).stat().st_size,
        "sha256": _sha256(target / file),
        "licence": "user supplied",
        "attribution": "",
        "alert": True,
        "user": True,
        "source_file": src.name,
        "source_crs": str(df.crs) if df.crs is not None else None,
        "bounds": [round(float(x), 6) for x in shapely.total_bounds(geoms)],
    }
    cat_path = target / CATALOG_FILE
    current = json.loads(cat_path.read_text(encoding="utf-8")) if cat_path.exists() else {"layers": []}
    current["layers"] = [e for e in current["layers"] if e["id"] != layer_id] + [entry]
    _atomic_write(cat_path, json.dumps(current, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    clear_cache()
    return {**entry, "dir": str(target)}


def _check_layer_id_free(layer_id: str, target: Path, replace: bool) -> None:
    """Raise :class:`Conflict` when ``layer_id`` is shipped (outside the shipped dir) or exists in ``target``."""
    shipped = {e["id"] for e in _read_catalog(shipped_layers_dir())}
    existing = {e["id"] for e in _read_catalog(target)}
    if layer_id in shipped and target.resolve() != shipped_layers_dir().resolve():
        raise Conflict(f"layer {layer_id!r} is a shipped layer; choose another id")
    if layer_id in existing and not replace:
        raise Conflict(f"layer {layer_id!r} already exists in {target}")


def _read_vector_file(
    src: Path, name_field: str, id_field: str | None, source_layer: str | None = None
) -> tuple[Any, list[str]]:
    """Read a vector file as a GeoDataFrame in EPSG:4326 and return it with its attribute fields.

    Raises :class:`InvalidParameter` naming the file when it is missing, unreadable, empty, has
    several layers and no ``source_layer`` says which (issue 14: never silently the first), lacks
    ``name_field`` / ``id_field`` or has a CRS that cannot be converted.
    """
    import pyogrio  # heavy import: only for user files

    if not src.exists():
        raise InvalidParameter(f"{src}: no such file")
    try:
        names = [str(n) for n, _ in pyogrio.list_layers(src)]
    except Exception as exc:  # pyogrio raises DataSourceError / DataLayerError / ValueError …
        raise InvalidParameter(f"{src}: not a readable vector file ({exc})") from None
    if source_layer is not None and source_layer not in names:
        raise InvalidParameter(f"{src}: --layer {source_layer!r} is not a layer (layers: {', '.join(names)})")
    if source_layer is None and len(names) > 1:
        raise InvalidParameter(f"{src} has {len(names)} layers ({', '.join(names)}): choose one with --layer")
    try:
        df = pyogrio.read_dataframe(src, layer=source_layer or (names[0] if names else None))
    except Exception as exc:
        raise InvalidParameter(f"{src}: not a readable vector file ({exc})") from None
    if len(df) == 0:
        raise InvalidParameter(f"{src}: no features")
    fields = [c for c in df.columns if c != "geometry"]
    for opt, f in (("--name-field", name_field), ("--id-field", id_field)):
        if f is not None and f not in fields:
            raise InvalidParameter(f"{src}: {opt} {f!r} is not a field (fields: {', '.join(fields) or 'none'})")
    if df.crs is not None:
        try:
            if not df.crs.equals("EPSG:4326"):
                df = df.to_crs("EPSG:4326")
        except Exception as exc:
            raise InvalidParameter(f"{src}: cannot convert CRS {df.crs} to EPSG:4326 ({exc})") from None
    return df, fields


def _check_features(
    src: Path, ids: list[str], names: list[str], geoms: np.ndarray, name_field: str, id_field: str | None
) -> None:
    """Raise a named error for the first feature without id, name or a valid lon/lat polygon, or for duplicate ids."""
    for n, (i, nm, g) in enumerate(zip(ids, names, geoms, strict=True), start=1):
        where = f"{src}: feature {n}" + (f" (id {i!r})" if i else "")
        if not i or i == "nan":
            raise InvalidParameter(f"{where}: empty {id_field}")
        if not nm or nm == "nan":
            raise InvalidParameter(f"{where}: empty {name_field}")
        _check_polygon(where, g)
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InvalidParameter(f"{src}: duplicate ids in {id_field}: {', '.join(dup[:5])}")


def _check_polygon(where: str, g: Any) -> None:
    """Raise :class:`InvalidGeometry` (prefixed by ``where``) unless ``g`` is a valid lon/lat (Multi)Polygon."""
    if g is None or g.is_empty:
        raise InvalidGeometry(f"{where}: no geometry")
    if g.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidGeometry(f"{where}: {g.geom_type} is not a polygon")
    if not g.is_valid:
        raise InvalidGeometry(f"{where}: invalid geometry ({shapely.is_valid_reason(g)})")
    x0, y0, x1, y1 = g.bounds
    if x0 < -180 or x1 > 180 or y0 < -90 or y1 > 90:
        raise InvalidGeometry(f"{where}: coordinates outside lon/lat range (missing or wrong CRS?)")


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    return str(value)
