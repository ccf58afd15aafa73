"""The alert-zone engine: corridors × reference layers → :class:`~geowarn.model.AlertZone` s.

Pure functions, no I/O. For every corridor and every region that overlap, the
zone carries the intersection (polygonal parts only), its geodesic area, the
fractions of region and corridor it covers; regions within ``margin_km`` that
do not overlap (touching along an edge included) get a *proximity* zone with
no geometry and the geodesic distance. Severity, urgency, certainty and
response come from :mod:`geowarn.severity`.

How it stays fast on real layers (seas and 200 NM zones with tens of
thousands of vertices):

* each layer is indexed once (cached by layer identity): region polygons are
  exploded into their parts and bisected until every piece has at most
  :data:`MAX_PIECE_VERTICES` vertices and spans at most
  :data:`MAX_PIECE_DEGREES`; pieces are prepared, put in an ``STRtree`` and
  their equal-area areas are stored;
* corridor parts are matched to pieces with one bulk ``STRtree.query(...,
  predicate="intersects")``; pieces wholly inside a corridor part are taken
  as they are (prepared ``contains``, area from the index) and corridor parts
  wholly inside a piece likewise; only the rest are clipped to the corridor's
  bounding box and intersected, in vectorised shapely calls;
* those exact intersections of all layers are pooled and cut into chunks that
  the threads (:data:`ENGINE_THREADS`) take in turn, so both stay busy however
  unequal the layers are (shapely releases the GIL in its vectorised calls);
* areas are vectorised (:func:`geowarn.geodesy.geodesic_areas_km2`,
  EPSG:6933 in closed form), after the corridor's long edges were densified
  along the geodesic, so they agree with :meth:`pyproj.Geod.geometry_area_perimeter`.

>>> from shapely import box
>>> from geowarn.model import Corridor, Phase, Region, RegionKind
>>> sea = Region("demo", "SEA-demo", "Demo Sea", RegionKind.SEA, box(120, 30, 130, 40))
>>> layer = SimpleLayer("demo", RegionKind.SEA, [sea])
>>> c = Corridor("c1", box(124.5, 35.3, 124.9, 36.1), Phase.STAGE1)
>>> [z] = compute_zones([c], [layer], event_id="e1")
>>> z.region_id, z.severity.value, z.response.value, round(z.area_km2), round(z.region_fraction, 4)
('SEA-demo', 'Severe', 'Avoid', 3213, 0.0032)
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import itertools
import math
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geowarn.errors import InvalidGeometry, InvalidParameter
from geowarn.geodesy import GEOD, densify, geodesic_areas_km2, geodesic_distance_m, split_antimeridian
from geowarn.model import AlertZone, Certainty, Corridor, Phase, Region, RegionKind, ResponseType, Severity, Urgency
from geowarn.severity import assess_phase, certainty_for, urgency_for

MAX_PIECE_VERTICES = 96
"""Region pieces are bisected until they have at most this many vertices …"""
MAX_PIECE_DEGREES = 2.0
"""… and span at most this many degrees in longitude and latitude."""
CLIP_VERTICES = 4 * MAX_PIECE_VERTICES
"""Corridor parts with more vertices are clipped to a piece's bounding box before the exact overlay."""
DENSIFY_M = 10_000.0
"""Corridor edges longer than this are densified along the geodesic before anything else."""
MIN_AREA_KM2 = 1e-6
"""Intersections smaller than this (1 m²) are edge contacts, not zones."""
KM_PER_DEG_LAT = 110.574
"""Shortest length of one degree of latitude on WGS84 (at the equator), km."""
KM_PER_DEG_LON_EQ = 111.320

ENGINE_THREADS = 2
"""Threads :func:`compute_zones` works with by default (shapely releases the GIL)."""

IntArray = NDArray[np.int64]


class LayerLike(Protocol):
    """What the engine needs of a layer (:class:`geowarn.layers.Layer` has it all)."""

    @property
    def id(self) -> str:
        """Return the layer id."""

    @property
    def kind(self) -> RegionKind:
        """Return the kind of the layer's regions."""

    @property
    def regions(self) -> Sequence[Region]:
        """Return the regions, in the order of :attr:`geometries`."""

    @property
    def geometries(self) -> Any:
        """Return the regions' geometries as an array of shapely geometries."""


@dataclass
class SimpleLayer:
    """A minimal in-memory layer (tests, user polygons); ``geometries`` default to the regions'."""

    id: str
    kind: RegionKind
    regions: list[Region]
    geometries: Any = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Default :attr:`geometries` to the regions' geometries."""
        if self.geometries is None:
            self.geometries = np.array([r.geometry for r in self.regions], dtype=object)


# --------------------------------------------------------------------------- the layer index


@dataclass
class LayerIndex:
    """Subdivided, prepared, indexed pieces of one layer's regions."""

    layer_id: str
    regions: list[Region]
    geometries: NDArray[Any]
    region_area_km2: NDArray[np.float64]
    region_pieces: IntArray
    region_bounds: NDArray[np.float64]
    region_vertices: IntArray
    pieces: NDArray[Any]
    piece_region: IntArray
    piece_area_km2: NDArray[np.float64]
    piece_bounds: NDArray[np.float64]
    piece_planar_area: NDArray[np.float64]
    """Planar areas (square degrees): what rectangle clips of a region are checked against."""
    tree: shapely.STRtree
    lock: Any = field(default_factory=threading.Lock, repr=False, compare=False)
    """Held while a call works on this layer: GEOS builds prepared geometries' indexes lazily."""


_INDEX_CACHE: dict[int, tuple[Any, Any, LayerIndex]] = {}
_INDEX_CACHE_MAX = 64
_LOCK = threading.RLock()


def _polygon_parts(geoms: NDArray[Any]) -> tuple[NDArray[Any], IntArray]:
    """Polygons of each geometry (non-polygonal parts and empties dropped) with their owner index."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    # GeometryCollections may nest MultiPolygons: flatten once more.
    nested = shapely.get_type_id(parts) == 6
    if nested.any():
        sub, sub_owner = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        owner = np.concatenate([owner[~nested], owner[nested][sub_owner]])
    keep = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    return parts[keep], owner[keep].astype(np.int64)


def subdivide(
    geoms: NDArray[Any], max_vertices: int = MAX_PIECE_VERTICES, max_degrees: float = MAX_PIECE_DEGREES
) -> tuple[NDArray[Any], IntArray]:
    """Cut polygons into small pieces by repeated bisection; returns ``(pieces, owner index)``.

    The pieces of one geometry tile it exactly (their union is the geometry).

    Examples
    --------
    >>> import shapely
    >>> circle = shapely.Point(0, 0).buffer(5, quad_segs=256)
    >>> pieces, owner = subdivide(np.array([circle], dtype=object))
    >>> int(shapely.get_num_coordinates(pieces).max()) <= MAX_PIECE_VERTICES, set(owner.tolist())
    (True, {0})
    >>> round(float(shapely.area(pieces).sum()), 9) == round(circle.area, 9)
    True
    """
    pieces, owner = _polygon_parts(np.asarray(geoms, dtype=object))
    done_p: list[NDArray[Any]] = []
    done_o: list[IntArray] = []
    for _ in range(64):
        if len(pieces) == 0:
            break
        nv = shapely.get_num_coordinates(pieces)
        b = shapely.bounds(pieces)
        w, h = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
        split = (nv > max_vertices) | (np.maximum(w, h) > max_degrees)
        done_p.append(pieces[~split])
        done_o.append(owner[~split])
        if not split.any():
            pieces = pieces[:0]
            break
        ps, os_, bs = pieces[split], owner[split], b[split]
        vertical = (bs[:, 2] - bs[:, 0]) >= (bs[:, 3] - bs[:, 1])
        mx, my = (bs[:, 0] + bs[:, 2]) / 2.0, (bs[:, 1] + bs[:, 3]) / 2.0
        # the two halves of each piece: left/right of x = mx, or below/above y = my
        pad = 1.0
        x0 = np.concatenate([bs[:, 0] - pad, np.where(vertical, mx, bs[:, 0] - pad)])
        y0 = np.concatenate([bs[:, 1] - pad, np.where(vertical, bs[:, 1] - pad, my)])
        x1 = np.concatenate([np.where(vertical, mx, bs[:, 2] + pad), bs[:, 2] + pad])
        y1 = np.concatenate([np.where(vertical, bs[:, 3] + pad, my), bs[:, 3] + pad])
        both = np.concatenate([ps, ps])
        # GEOS' rectangle clipping is linear-time; where its output is not valid, redo that half exactly
        halves = np.asarray(shapely.lib.clip_by_rect(both, x0, y0, x1, y1), dtype=object)
        bad = ~shapely.is_valid(halves)
        if bad.any():
            halves[bad] = shapely.intersection(both[bad], shapely.box(x0[bad], y0[bad], x1[bad], y1[bad]))
        pieces, sub_owner = _polygon_parts(halves)
        owner = np.concatenate([os_, os_])[sub_owner]
        good = shapely.area(pieces) > 0
        pieces, owner = pieces[good], owner[good]
    if len(pieces):
        done_p.append(pieces)
        done_o.append(owner)
    if not done_p:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    return np.concatenate(done_p), np.concatenate(done_o).astype(np.int64)


def cut_pieces(geoms: NDArray[Any]) -> tuple[NDArray[Any], IntArray, NDArray[np.float64]]:
    """Cut a layer's geometries into the engine's pieces: ``(pieces, owner index, areas in km²)``.

    What :func:`layer_index` indexes; ``layers/build.py`` ships the pieces of the shipped layers
    (``<id>.pieces.bin``) so that a process loads them instead of cutting them again.

    Examples
    --------
    >>> pieces, owner, area = cut_pieces(np.array([shapely.box(120, 30, 125, 33)], dtype=object))
    >>> len(pieces), owner.tolist(), round(float(area.sum()))
    (8, [0, 0, 0, 0, 0, 0, 0, 0], 157987)
    """
    pieces, owner = subdivide(geoms)
    area = geodesic_areas_km2(pieces) if len(pieces) else np.zeros(0)
    return pieces, owner, np.asarray(area, dtype=np.float64)


def layer_index(layer: LayerLike) -> LayerIndex:
    """Return the (cached) index of a layer; built once per layer object (thread-safe).

    A :class:`geowarn.layers.Layer` of the shipped set brings the pieces cut by ``make layers``
    (:meth:`geowarn.layers.Layer.stored_pieces`); other layers are cut here (:func:`cut_pieces`).
    """
    with _LOCK:
        return _layer_index(layer)


def _layer_index(layer: LayerLike) -> LayerIndex:
    key = id(layer)
    hit = _INDEX_CACHE.get(key)
    if hit is not None and hit[0] is layer and hit[1] is layer.geometries:
        return hit[2]
    regions = list(layer.regions)
    geoms = layer.geometries
    if geoms is None or len(geoms) != len(regions):
        geoms = [r.geometry for r in regions]
    geoms = np.asarray(list(geoms), dtype=object)
    stored = getattr(layer, "stored_pieces", None)
    shipped = stored(MAX_PIECE_VERTICES, MAX_PIECE_DEGREES) if callable(stored) else None
    if shipped is not None:  # cut by ``make layers`` from these very geometries (geowarn.layers.Layer)
        pieces, owner, piece_area = shipped.geometries, shipped.owner, shipped.area_km2
    else:
        pieces, owner, piece_area = cut_pieces(geoms)
    shapely.prepare(pieces)
    shapely.prepare(geoms)
    index = LayerIndex(
        layer_id=layer.id,
        regions=regions,
        geometries=geoms,
        region_pieces=np.bincount(owner, minlength=len(regions)).astype(np.int64),
        region_area_km2=np.bincount(owner, weights=piece_area, minlength=len(regions)).astype(float),
        region_bounds=shapely.bounds(geoms).reshape(-1, 4),
        region_vertices=shapely.get_num_coordinates(geoms).astype(np.int64),
        pieces=pieces,
        piece_region=owner,
        piece_area_km2=piece_area,
        piece_bounds=shapely.bounds(pieces).reshape(-1, 4),
        piece_planar_area=np.asarray(shapely.area(pieces), dtype=np.float64).reshape(-1),
        tree=shapely.STRtree(pieces),
    )
    if len(_INDEX_CACHE) >= _INDEX_CACHE_MAX:
        _INDEX_CACHE.pop(next(iter(_INDEX_CACHE)))
    _INDEX_CACHE[key] = (layer, layer.geometries, index)
    return index


# --------------------------------------------------------------------------- corridors


@dataclass
class _Corridors:
    items: list[Corridor]
    parts: NDArray[Any]  # Polygon parts, densified, prepared
    part_owner: IntArray
    part_area_km2: NDArray[np.float64]  # filled by :meth:`measure` (copies share these arrays)
    area_km2: NDArray[np.float64]
    timing: dict[int, tuple[Urgency, Certainty]] = field(default_factory=dict)
    measuring: Any = field(default_factory=threading.Lock)
    """Held while the areas are measured (:func:`_run_layers` does it in a job while the layers start)."""
    measured: bool = False

    def measure(self) -> None:
        """Fill in the areas of the parts and corridors (the equal-area formula), once."""
        with self.measuring:
            if self.measured:
                return
            if len(self.parts):
                self.part_area_km2[:] = geodesic_areas_km2(self.parts, method="formula")
            self.area_km2[:] = np.bincount(self.part_owner, weights=self.part_area_km2, minlength=len(self.items))
            self.measured = True

    def areas(self) -> NDArray[np.float64]:
        """Return the parts' areas (measured first, or waiting for the thread measuring them)."""
        if not self.measured:
            self.measure()
        return self.part_area_km2


def _check_corridor(c: Corridor, i: int) -> BaseGeometry:
    name = f"corridor {c.id!r}" if c.id else f"corridor #{i + 1}"
    g = c.geometry
    if g is None or not isinstance(g, BaseGeometry):
        raise InvalidGeometry(f"{name}: no geometry")
    if g.is_empty:
        raise InvalidGeometry(f"{name}: the geometry is empty")
    if g.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidGeometry(f"{name}: a corridor must be a Polygon or MultiPolygon, not {g.geom_type}")
    if not np.isfinite(shapely.get_coordinates(g)).all():
        raise InvalidGeometry(f"{name}: the geometry has non-finite coordinates")
    minx, miny, maxx, maxy = g.bounds
    if miny < -90 or maxy > 90:
        raise InvalidGeometry(f"{name}: latitudes out of range [-90, 90]")
    if not g.is_valid:
        raise InvalidGeometry(f"{name}: invalid geometry ({shapely.is_valid_reason(g)})")
    if minx < -180 or maxx > 180:
        g = split_antimeridian(g)
    return g


def _long_edges(parts: NDArray[Any]) -> NDArray[np.bool_]:
    """Which polygons have an edge longer than :data:`DENSIFY_M` (vectorised geodesic lengths)."""
    rings, ring_owner = shapely.get_rings(parts, return_index=True)
    xy, idx = shapely.get_coordinates(rings, return_index=True)
    if len(xy) < 2:
        return np.zeros(len(parts), dtype=bool)
    same = idx[1:] == idx[:-1]
    # an edge shorter than DENSIFY_M / 111.7 km in planar degrees is surely short: measure only the others
    d_deg = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
    # (a meridian edge is already straight in lon/lat and in the equal-area CRS: no need)
    maybe = same & (d_deg * 111_700.0 > DENSIFY_M) & (np.diff(xy[:, 0]) != 0)
    long_edge = np.zeros(len(same), dtype=bool)
    if maybe.any():
        a, b = xy[:-1][maybe], xy[1:][maybe]
        _, _, dist = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
        long_edge[maybe] = np.asarray(dist) > DENSIFY_M * 1.001
    long_ring = np.zeros(len(rings), dtype=bool)
    long_ring[idx[:-1][long_edge]] = True
    out = np.zeros(len(parts), dtype=bool)
    out[ring_owner[long_ring]] = True
    return out


def _prepare_corridors(corridors: Sequence[Corridor]) -> _Corridors:
    geoms = np.array([_check_corridor(c, i) for i, c in enumerate(corridors)], dtype=object)
    parts, owner = _polygon_parts(geoms)
    long_ = _long_edges(parts) if len(parts) else np.zeros(0, dtype=bool)
    for k in np.flatnonzero(long_):
        parts[k] = densify(parts[k], DENSIFY_M)
    shapely.prepare(parts)
    # areas: :meth:`_Corridors.measure`, run by a thread while the others start on the layers
    return _Corridors(list(corridors), parts, owner, np.zeros(len(parts)), np.zeros(len(corridors)))


# --------------------------------------------------------------------------- the engine


def zone_id(event_id: str | None, corridor_id: str, layer_id: str, region_id: str) -> str:
    """Deterministic zone id from (event, corridor, layer, region).

    >>> zone_id("kms4-2016", "a", "seas", "SEA-yellow-sea")
    'z-006eec58801b6ff5dcabb448'
    """
    text = "\x1f".join([event_id or "", corridor_id, layer_id, region_id])
    return "z-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@dataclass
class _Overlaps:
    """One layer's corridor part × region overlaps; the exact intersections still to do are tasks."""

    part: IntArray
    region: IntArray
    geom: NDArray[Any]
    area: NDArray[np.float64]  # NaN: measure geom; the tasks' rows are filled by :func:`_exact`
    task_row: IntArray  # rows whose geometry is ``a ∩ b`` (after the clips below)
    task_a: NDArray[Any]
    task_b: NDArray[Any]
    task_box: NDArray[np.float64]  # a box holding a ∩ b
    clip_a: NDArray[np.bool_]  # clip a (a region) to the box first …
    expect_a: NDArray[np.float64]  # … whose clip must have this planar area (NaN where not clipped)
    clip_b: NDArray[np.bool_]  # clip b to the box first


def _overlaps(cs: _Corridors, ix: LayerIndex) -> _Overlaps:
    """Corridor part × region overlaps: part index, region index, geometry, area, and the exact work left.

    Pairs come from the piece index; per (part, region) the geometry is, fastest first:
    the one piece wholly inside the part; the part wholly inside its one piece; the whole
    region when every piece of it lies inside the part; the exact intersection of the one
    touched piece; else the region clipped to the part's bounding box, intersected once.
    The two exact cases are left as tasks (:func:`_exact`), run by all threads over all layers.
    """
    empty_i = np.zeros(0, dtype=np.int64)
    no_geom = np.zeros(0, dtype=object)
    nothing = _Overlaps(
        empty_i,
        empty_i,
        no_geom,
        np.zeros(0),
        empty_i,
        no_geom,
        no_geom,
        np.zeros((0, 4)),
        np.zeros(0, bool),
        np.zeros(0),
        np.zeros(0, bool),
    )
    if len(cs.parts) == 0 or len(ix.pieces) == 0:
        return nothing
    pi, qj = ix.tree.query(cs.parts, predicate="intersects")
    if len(pi) == 0:
        return nothing
    parts, pieces = cs.parts[pi], ix.pieces[qj]
    inside = shapely.contains(parts, pieces)  # piece wholly inside the corridor part (prepared)
    around = np.zeros(len(pi), dtype=bool)
    around[~inside] = shapely.contains(pieces[~inside], parts[~inside])  # part wholly inside the piece
    nreg = max(len(ix.regions), 1)
    key = pi.astype(np.int64) * nreg + ix.piece_region[qj]
    order = np.lexsort((qj, key))
    uniq, start, counts = np.unique(key[order], return_index=True, return_counts=True)
    g_part, g_region, first = uniq // nreg, uniq % nreg, order[start]
    n_inside = np.add.reduceat(inside[order].astype(np.int64), start)
    geom = np.empty(len(uniq), dtype=object)
    area = np.full(len(uniq), np.nan)
    single = counts == 1
    one_in = single & inside[first]
    geom[one_in] = pieces[first[one_in]]
    area[one_in] = ix.piece_area_km2[qj[first[one_in]]]
    one_around = single & around[first]
    geom[one_around] = parts[first[one_around]]
    area[one_around] = cs.areas()[g_part[one_around]]
    whole = ~single & (n_inside == counts) & (counts == ix.region_pieces[g_region])
    geom[whole] = ix.geometries[g_region[whole]]
    area[whole] = ix.region_area_km2[g_region[whole]]
    one_cut = single & ~one_in & ~one_around
    # one touched piece: piece ∩ part, long parts clipped to the piece's box first
    k = first[one_cut]
    cut_b = parts[k]
    tasks = [
        (
            np.flatnonzero(one_cut),
            pieces[k],
            cut_b,
            _grown(ix.piece_bounds[qj[k]]),
            np.zeros(len(k), dtype=bool),
            np.full(len(k), np.nan),
            shapely.get_num_coordinates(cut_b) > CLIP_VERTICES,
        )
    ]
    many = ~single & ~whole
    if many.any():
        # a corridor part spanning several pieces but wholly inside the region (prepared contains)
        held = np.zeros(len(uniq), dtype=bool)
        held[many] = shapely.contains(ix.geometries[g_region[many]], cs.parts[g_part[many]])
        geom[held] = cs.parts[g_part[held]]
        area[held] = cs.areas()[g_part[held]]
        many &= ~held
    if many.any():
        # region ∩ part lies within the touched pieces ∩ part: clip the region to both bounding boxes
        pb = ix.piece_bounds[qj[order]]
        box = np.column_stack(
            [
                np.minimum.reduceat(pb[:, 0], start)[many],
                np.minimum.reduceat(pb[:, 1], start)[many],
                np.maximum.reduceat(pb[:, 2], start)[many],
                np.maximum.reduceat(pb[:, 3], start)[many],
            ]
        )
        bp = shapely.bounds(cs.parts[g_part[many]])
        box[:, :2], box[:, 2:] = np.maximum(box[:, :2], bp[:, :2]), np.minimum(box[:, 2:], bp[:, 2:])
        regions = ix.geometries[g_region[many]]
        br = ix.region_bounds[g_region[many]]
        within = (br[:, 0] >= box[:, 0]) & (br[:, 1] >= box[:, 1]) & (br[:, 2] <= box[:, 2]) & (br[:, 3] <= box[:, 3])
        big = (ix.region_vertices[g_region[many]] > CLIP_VERTICES) & ~within
        box = _grown(box)
        expect = np.full(len(box), np.nan)
        expect[big] = _clipped_areas(ix, g_region[many][big], box[big])
        tasks.append(
            (np.flatnonzero(many), regions, cs.parts[g_part[many]], box, big, expect, np.zeros(len(box), dtype=bool))
        )
    row, ta, tb, tbox, ca, ea, cb = (np.concatenate(x) for x in zip(*tasks, strict=True))
    return _Overlaps(g_part, g_region, geom, area, row, ta, tb, tbox.reshape(-1, 4), ca, ea, cb)


CLIP_MARGIN_DEG = 1e-9
"""Clipping rectangles are grown by this much, so that no clip cuts along a vertex of its bounding box."""
CLIP_AREA_RTOL = 1e-9
"""A region's rectangle clip is used when its planar area is within this relative tolerance of the expected."""


def _grown(box: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return the boxes ``(minx, miny, maxx, maxy)`` grown by :data:`CLIP_MARGIN_DEG` on every side."""
    box = np.asarray(box, dtype=np.float64).reshape(-1, 4)
    return np.column_stack([box[:, :2] - CLIP_MARGIN_DEG, box[:, 2:] + CLIP_MARGIN_DEG])


def _clipped_areas(ix: LayerIndex, region: IntArray, box: NDArray[np.float64]) -> NDArray[np.float64]:
    """Planar area of each ``region ∩ box``, summed over the region's pieces (which tile it exactly).

    What a correct rectangle clip of the whole region must measure: pieces inside the box count
    their stored planar area, pieces across its edges are clipped themselves (they are small).
    """
    out = np.zeros(len(box))
    if len(box) == 0:
        return out
    tb, pj = ix.tree.query(shapely.box(box[:, 0], box[:, 1], box[:, 2], box[:, 3]))
    same = ix.piece_region[pj] == region[tb]
    tb, pj = tb[same], pj[same]
    pb, bb = ix.piece_bounds[pj], box[tb]
    within = (pb[:, 0] >= bb[:, 0]) & (pb[:, 1] >= bb[:, 1]) & (pb[:, 2] <= bb[:, 2]) & (pb[:, 3] <= bb[:, 3])
    area = np.where(within, ix.piece_planar_area[pj], 0.0)
    cross = ~within
    if cross.any():
        bc = bb[cross]
        clipped = shapely.lib.clip_by_rect(ix.pieces[pj[cross]], bc[:, 0], bc[:, 1], bc[:, 2], bc[:, 3])
        area[cross] = shapely.area(clipped)
    out += np.bincount(tb, weights=area, minlength=len(box))
    return out


def _exact(
    a: NDArray[Any],
    b: NDArray[Any],
    box: NDArray[np.float64],
    clip_a: NDArray[np.bool_],
    expect_a: NDArray[np.float64],
    clip_b: NDArray[np.bool_],
) -> tuple[NDArray[Any], NDArray[np.float64]]:
    """Return ``a ∩ b`` (polygonal parts) and its area, ``a`` / ``b`` first clipped to ``box`` where asked.

    A region's clip (``clip_a``) is kept where its planar area is ``expect_a`` (see :func:`_clipped_areas`),
    a corridor part's (``clip_b``) where it is valid; else the unclipped input is intersected. GEOS'
    rectangle clip sometimes returns a ring touching itself (an OGC-invalid ring with the right area,
    which the overlay takes as it is); an intersection GEOS refuses is redone on the unclipped inputs.
    Vectorised shapely calls only (they release the GIL): threads run this on chunks of tasks.
    """
    a0, b0 = a, b
    if clip_a.any():
        a = a.copy()
        a[clip_a] = _checked_clip(a[clip_a], box[clip_a], expect_a[clip_a])
    if clip_b.any():
        b = b.copy()
        b[clip_b] = _valid_clip(b[clip_b], box[clip_b])
    try:
        inter = shapely.intersection(a, b)
    except shapely.errors.GEOSException:
        inter = np.array([_intersection(x, y, x0, y0) for x, y, x0, y0 in zip(a, b, a0, b0, strict=True)], dtype=object)
    geom = _polygonal(inter)
    return geom, geodesic_areas_km2(geom, method="formula")


def _intersection(a: BaseGeometry, b: BaseGeometry, a0: BaseGeometry, b0: BaseGeometry) -> BaseGeometry:
    """Return ``a ∩ b``, or ``a0 ∩ b0`` (the unclipped inputs) where GEOS refuses the clipped ones."""
    try:
        return shapely.intersection(a, b)
    except shapely.errors.GEOSException:
        return shapely.intersection(a0, b0)


def _checked_clip(geoms: NDArray[Any], box: NDArray[np.float64], expect: NDArray[np.float64]) -> NDArray[Any]:
    """Rectangle clips (GEOS' fast RectangleIntersection), the input kept where a clip's planar area is not ``expect``.

    Far cheaper than a validity check of the clip (a linear pass instead of noding it).
    """
    clipped = np.asarray(shapely.lib.clip_by_rect(geoms, box[:, 0], box[:, 1], box[:, 2], box[:, 3]), dtype=object)
    got = np.asarray(shapely.area(clipped), dtype=np.float64)
    bad = ~(np.abs(got - expect) <= CLIP_AREA_RTOL * np.maximum(expect, got) + 1e-15)
    if bad.any():
        clipped[bad] = geoms[bad]
    return clipped


def _valid_clip(geoms: NDArray[Any], box: NDArray[np.float64]) -> NDArray[Any]:
    """Rectangle clips, falling back to the input where a clip is not valid (for the few long corridor parts)."""
    clipped = np.asarray(shapely.lib.clip_by_rect(geoms, box[:, 0], box[:, 1], box[:, 2], box[:, 3]), dtype=object)
    bad = ~shapely.is_valid(clipped)
    if bad.any():
        clipped[bad] = geoms[bad]
    return clipped


def _polygonal(geoms: NDArray[Any]) -> NDArray[Any]:
    """Keep the polygonal parts of each geometry (None where there are none)."""
    out = np.array(geoms, dtype=object)
    types = shapely.get_type_id(out)
    out[(types != 3) & (types != 6) & (types != 7)] = None
    for k in np.flatnonzero(types == 7):
        polys = [g for g in shapely.get_parts(out[k]) if g.geom_type in ("Polygon", "MultiPolygon") and g.area > 0]
        out[k] = shapely.union_all(polys) if polys else None
    return out


def _query_boxes(cs: _Corridors, margin_km: float) -> tuple[NDArray[Any], IntArray, NDArray[np.float64]]:
    """Corridor-part bounding boxes grown by the margin (wrapped at 180°), with owner part and km/degree bound."""
    b = shapely.bounds(cs.parts)
    lat_pad = margin_km / KM_PER_DEG_LAT * 1.02 + 1e-6
    phi = np.minimum(np.maximum(np.abs(b[:, 1]), np.abs(b[:, 3])) + lat_pad, 89.9)
    km_per_deg_lon = KM_PER_DEG_LON_EQ * np.cos(np.radians(phi))
    lon_pad = np.minimum(margin_km / km_per_deg_lon * 1.02 + 1e-6, 360.0)
    x0, y0, x1, y1 = b[:, 0] - lon_pad, b[:, 1] - lat_pad, b[:, 2] + lon_pad, b[:, 3] + lat_pad
    boxes = [shapely.box(x0, y0, x1, y1)]
    owner = [np.arange(len(b))]
    west, east = x0 < -180, x1 > 180
    if west.any():
        boxes.append(shapely.box(x0[west] + 360, y0[west], 180.0, y1[west]))
        owner.append(np.flatnonzero(west))
    if east.any():
        boxes.append(shapely.box(-180.0, y0[east], x1[east] - 360, y1[east]))
        owner.append(np.flatnonzero(east))
    # a lower bound of km per planar degree anywhere in the box
    return np.concatenate(boxes), np.concatenate(owner).astype(np.int64), np.minimum(km_per_deg_lon, KM_PER_DEG_LAT)


def _proximity(
    cs: _Corridors, ix: LayerIndex, hit: set[tuple[int, int]], margin_km: float
) -> dict[tuple[int, int], float]:
    """(corridor, region) → geodesic distance in km for regions within the margin that do not overlap."""
    if margin_km <= 0 or len(cs.parts) == 0 or len(ix.pieces) == 0:
        return {}
    boxes, box_part, km_per_deg = _query_boxes(cs, margin_km)
    bi, qj = ix.tree.query(boxes)
    if len(bi) == 0:
        return {}
    pi = box_part[bi]
    ci, ri = cs.part_owner[pi], ix.piece_region[qj]
    keep = np.array([(int(c), int(r)) not in hit for c, r in zip(ci, ri, strict=True)], dtype=bool)
    pi, qj, ci, ri = pi[keep], qj[keep], ci[keep], ri[keep]
    if len(pi) == 0:
        return {}
    # planar distance (degrees) × a lower bound of km per degree: drops pieces surely beyond the margin
    wrapped = np.zeros(len(bi), dtype=bool)
    wrapped[len(cs.parts) <= bi] = True
    wrapped = wrapped[keep]
    # first the distance between bounding boxes (cheap, never more than the true distance) …
    ba, bb = shapely.bounds(cs.parts[pi]), shapely.bounds(ix.pieces[qj])
    gap_x = np.maximum(0.0, np.maximum(ba[:, 0] - bb[:, 2], bb[:, 0] - ba[:, 2]))
    gap_y = np.maximum(0.0, np.maximum(ba[:, 1] - bb[:, 3], bb[:, 1] - ba[:, 3]))
    near = wrapped | (np.hypot(gap_x, gap_y) * km_per_deg[pi] * 0.99 <= margin_km)
    # … then the exact planar distance for the pairs left
    exact = near & ~wrapped
    d_deg = np.zeros(len(pi))
    d_deg[exact] = shapely.distance(cs.parts[pi[exact]], ix.pieces[qj[exact]])
    near &= wrapped | (d_deg * km_per_deg[pi] * 0.99 <= margin_km)
    pi, qj, ci, ri = pi[near], qj[near], ci[near], ri[near]
    out: dict[tuple[int, int], float] = {}
    order = np.lexsort((qj, pi, ri, ci))
    groups: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for k in order:
        g = groups.setdefault((int(ci[k]), int(ri[k])), ([], []))
        g[0].append(int(pi[k]))
        g[1].append(int(qj[k]))
    for key, (part_ids, piece_ids) in groups.items():
        parts = cs.parts[sorted(set(part_ids))]
        pieces = ix.pieces[sorted(set(piece_ids))]
        best = math.inf
        for part in parts:
            dist = geodesic_distance_m(part, shapely.geometrycollections(list(pieces))) / 1000.0
            best = min(best, dist)
        if best <= margin_km:
            out[key] = best
    return out


def _combine(geoms: list[BaseGeometry]) -> BaseGeometry:
    """Join the overlaps of one corridor's disjoint parts (e.g. both sides of 180°) with one region."""
    if len(geoms) == 1:
        return geoms[0]
    polys = [p for g in geoms for p in shapely.get_parts(g)]
    return shapely.MultiPolygon(polys)


def compute_zones(
    corridors: Sequence[Corridor],
    layers: Sequence[LayerLike],
    *,
    margin_km: float = 25.0,
    now: datetime | None = None,
    event_id: str | None = None,
    threads: int = ENGINE_THREADS,
) -> list[AlertZone]:
    """Alert zones of ``corridors`` over ``layers``, most severe first, then largest.

    Parameters
    ----------
    corridors
        Corridors in lon/lat (Polygon/MultiPolygon, valid; a MultiPolygon cut at
        180° is fine, longitudes past ±180 are cut first).
    layers
        Objects with ``id``, ``kind``, ``regions`` and ``geometries`` (aligned with
        ``regions``), e.g. :class:`geowarn.layers.Layer`.
    margin_km
        Regions within this geodesic distance that do not overlap get a proximity
        zone (``geometry=None``); ``0`` turns proximity zones off.
    now
        The time urgency is judged at (default: the current time).
    event_id
        Event id for zone ids and ``AlertZone.event_id`` (default: each corridor's).
    threads
        Layers and the pooled exact intersections are worked on by this many threads (the caller's and
        ``threads - 1`` helpers; shapely releases the GIL in its vectorised calls); ``1`` keeps everything
        in the calling thread.

    Returns
    -------
    list[AlertZone]
        Ordered by severity, then area (largest first), then distance, then corridor,
        layer and region id. Same inputs → same zones, ids and order.

    Raises
    ------
    InvalidGeometry
        A corridor is empty, not polygonal or invalid (the message names it).

    Examples
    --------
    >>> from shapely import box
    >>> from geowarn.model import Corridor, Phase, Region, RegionKind
    >>> land = SimpleLayer("demo", RegionKind.ADMIN, [
    ...     Region("demo", "A", "A", RegionKind.ADMIN, box(0, 0, 1, 1)),
    ...     Region("demo", "B", "B", RegionKind.ADMIN, box(1.1, 0, 2, 1))])
    >>> zs = compute_zones([Corridor("c", box(0.5, 0.2, 1.0, 0.8), Phase.STAGE2)], [land], margin_km=20)
    >>> [(z.region_id, z.severity.value, z.geometry is None, round(z.distance_km, 1)) for z in zs]
    [('A', 'Extreme', False, 0.0), ('B', 'Moderate', True, 11.1)]
    """
    if not (isinstance(margin_km, int | float) and math.isfinite(margin_km) and margin_km >= 0):
        raise InvalidParameter(f"margin_km must be a non-negative number of km, got {margin_km!r}")
    now = now or datetime.now(UTC)
    if not corridors:
        return []
    cs = _prepare_corridors(corridors)
    indexes = [layer_index(layer) for layer in layers]
    per_layer = _run_layers(cs, list(layers), indexes, margin_km, now, event_id, threads)
    zones = [z for found in per_layer for z in found]
    rank = {sev: sev.rank for sev in Severity}
    zones.sort(
        key=lambda z: (rank[z.severity], -round(z.area_km2, 9), z.distance_km, z.corridor_id, z.layer, z.region_id)
    )
    return zones


_POOL: tuple[int, ThreadPoolExecutor] | None = None
CHUNK_WEIGHT = 100_000
"""A layer's exact intersections are queued in chunks of about this weight (vertices in; a clipped region
counts a quarter): small enough for the threads to finish together, big enough to keep Python out of it."""


def _helpers(n: int) -> ThreadPoolExecutor:
    """Return the process's helper threads (made again in a forked child, whose parent's threads are gone)."""
    global _POOL
    with _LOCK:
        if _POOL is None or _POOL[0] != os.getpid() or _POOL[1]._max_workers < n:
            _POOL = (os.getpid(), ThreadPoolExecutor(max_workers=n, thread_name_prefix="geowarn-zones"))
        return _POOL[1]


_Job = Callable[[Callable[[], _Corridors]], None]
"""A job gets a function returning its thread's corridors (with prepared parts of the thread's own)."""


class _Jobs:
    """Jobs shared by the caller's thread and helpers, lowest priority first; a job may queue more jobs."""

    def __init__(self) -> None:
        self._ready: list[tuple[int, int, _Job]] = []
        self._seq = itertools.count()
        self._busy = 0
        self._cond = threading.Condition()
        self.error: BaseException | None = None

    def push(self, priority: int, job: _Job) -> None:
        """Queue ``job``; among the queued, the lowest ``priority`` is taken first, then the oldest."""
        with self._cond:
            heapq.heappush(self._ready, (priority, next(self._seq), job))
            self._cond.notify()

    def work(self, corridors: Callable[[], _Corridors]) -> None:
        """Take and run jobs until none is queued nor running (or one failed)."""
        while True:
            with self._cond:
                while not self._ready and self._busy and self.error is None:
                    self._cond.wait()
                if self.error is not None or not self._ready:
                    self._cond.notify_all()
                    return
                job = heapq.heappop(self._ready)[2]
                self._busy += 1
            try:
                job(corridors)
            except BaseException as exc:  # handed to the caller, which raises it
                with self._cond:
                    self.error = self.error or exc
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()


def _run_layers(
    cs: _Corridors,
    layers: list[LayerLike],
    indexes: list[LayerIndex],
    margin_km: float,
    now: datetime,
    event_id: str | None,
    threads: int,
) -> list[list[AlertZone]]:
    """Zones of every layer, in the order of ``layers``, from jobs that any thread takes as they come.

    1. per layer (biggest first, holding the layer's lock): index query, containment tests, fast paths;
       the layer's exact intersections are then queued in chunks (:data:`CHUNK_WEIGHT`);
    2. the chunks of all layers, in any thread (so that the threads finish together whatever the sizes
       of the layers; shapely releases the GIL);
    3. per layer, once its chunks are done: zones and proximity zones, taken before anything else so
       that their Python runs while the other threads are in GEOS.

    Jobs that use prepared corridor parts get the thread's own copy (:func:`_copy_corridors`), made by
    a helper when it first needs one.
    """
    run = _LayerRun(cs, layers, indexes, margin_km, now, event_id, max(0, int(threads) - 1))
    run.jobs.push(-1, lambda _: cs.measure())  # first of all (the layers' jobs wait for it where they need it)
    for k in sorted(range(len(layers)), key=lambda k: -int(indexes[k].region_vertices.sum())):
        run.jobs.push(1, functools.partial(run.overlaps, k))
    futures = []
    if run.helpers:
        pool = _helpers(run.helpers)
        futures = [pool.submit(run.helper) for _ in range(run.helpers)]
    run.jobs.work(lambda: cs)
    for f in futures:
        if not f.cancel():  # started: wait until it stops
            f.result()
    if run.jobs.error is not None:
        raise run.jobs.error
    return run.out


@dataclass
class _LayerRun:
    """The jobs of one :func:`_run_layers` call and what they share."""

    cs: _Corridors
    layers: list[LayerLike]
    indexes: list[LayerIndex]
    margin_km: float
    now: datetime
    event_id: str | None
    helpers: int
    jobs: _Jobs = field(default_factory=_Jobs)
    out: list[list[AlertZone]] = field(default_factory=list)
    left: list[int] = field(default_factory=list)
    left_lock: Any = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        """Make a place for every layer's zones and count of chunks left."""
        self.out = [[] for _ in self.layers]
        self.left = [0] * len(self.layers)

    def helper(self) -> None:
        """Work as a helper thread: jobs get a copy of the corridors of the thread's own."""
        own: list[_Corridors] = []

        def corridors() -> _Corridors:
            if not own:
                self.cs.measure()  # (done or waited for: a copy shares the areas)
                own.append(_copy_corridors(self.cs))
            return own[0]

        self.jobs.work(corridors)

    def overlaps(self, k: int, corridors: Callable[[], _Corridors]) -> None:
        """Find layer ``k``'s overlaps and queue its exact intersections in chunks (or its zones)."""
        with self.indexes[k].lock:
            ov = _overlaps(corridors(), self.indexes[k])
        n = len(ov.task_row)
        if n == 0:
            self.jobs.push(0, functools.partial(self.zones, k, ov))
            return
        weight = shapely.get_num_coordinates(ov.task_a) * np.where(ov.clip_a, 0.25, 1.0)
        cum = np.cumsum(weight + shapely.get_num_coordinates(ov.task_b))
        nchunk = 1 if self.helpers == 0 else max(1, min(n, math.ceil(float(cum[-1]) / CHUNK_WEIGHT)))
        cuts = np.searchsorted(cum, cum[-1] * np.arange(1, nchunk) / nchunk)
        bounds = [int(b) for b in np.unique(np.concatenate([[0], cuts, [n]]))]
        spans = [(lo, hi) for lo, hi in itertools.pairwise(bounds) if hi > lo]
        with self.left_lock:
            self.left[k] = len(spans)
        for lo, hi in spans:
            self.jobs.push(2, functools.partial(self.exact, k, ov, lo, hi))

    def exact(self, k: int, ov: _Overlaps, lo: int, hi: int, _: Callable[[], _Corridors]) -> None:
        """Compute one chunk of layer ``k``'s exact intersections (no prepared geometry used)."""
        sl = slice(lo, hi)
        rows = ov.task_row[sl]
        ov.geom[rows], ov.area[rows] = _exact(
            ov.task_a[sl], ov.task_b[sl], ov.task_box[sl], ov.clip_a[sl], ov.expect_a[sl], ov.clip_b[sl]
        )
        with self.left_lock:
            self.left[k] -= 1
            done = self.left[k] == 0
        if done:
            self.jobs.push(0, functools.partial(self.zones, k, ov))

    def zones(self, k: int, ov: _Overlaps, corridors: Callable[[], _Corridors]) -> None:
        """Make layer ``k``'s zones and proximity zones."""
        own = corridors() if self.margin_km > 0 else self.cs  # proximity uses prepared parts
        with self.indexes[k].lock:
            self.out[k] = _layer_zones(
                own, self.layers[k], self.indexes[k], ov, self.margin_km, self.now, self.event_id
            )


def _copy_corridors(cs: _Corridors) -> _Corridors:
    """Copy the corridors with their own prepared parts (a prepared geometry is not shared between threads)."""
    parts = shapely.from_wkb(shapely.to_wkb(cs.parts))
    shapely.prepare(parts)
    copy = _Corridors(cs.items, np.asarray(parts, dtype=object), cs.part_owner, cs.part_area_km2, cs.area_km2)
    copy.timing, copy.measuring = cs.timing, cs.measuring
    copy.measured = True  # (copies are made by helpers, after the areas: see _LayerRun.helper)
    return copy


def _layer_zones(
    cs: _Corridors,
    layer: LayerLike,
    ix: LayerIndex,
    ov: _Overlaps | None,
    margin_km: float,
    now: datetime,
    event_id: str | None,
) -> list[AlertZone]:
    zones: list[AlertZone] = []
    cs.areas()  # the corridors' areas are in (fractions)
    if ov is None:
        ov = _overlaps(cs, ix)
    todo = np.isnan(ov.area)
    if todo.any():
        ov.area[todo] = geodesic_areas_km2(ov.geom[todo], method="formula")
    keep = ov.area > MIN_AREA_KM2
    g_part, g_region, geom, area = ov.part[keep], ov.region[keep], ov.geom[keep], ov.area[keep]
    ci = cs.part_owner[g_part]
    groups: dict[tuple[int, int], list[int]] = {}
    for k in np.lexsort((g_part, g_region, ci)):
        groups.setdefault((int(ci[k]), int(g_region[k])), []).append(int(k))
    for (c_i, r_i), members in groups.items():
        total = float(area[members].sum())
        merged = _combine(list(geom[members]))
        zones.append(_zone(cs, ix, layer.id, c_i, r_i, merged, total, 0.0, now, event_id, True))
    for (c_i, r_i), dist in _proximity(cs, ix, set(groups), margin_km).items():
        zones.append(_zone(cs, ix, layer.id, c_i, r_i, None, 0.0, dist, now, event_id, False))
    return zones


@lru_cache(maxsize=256)
def _assess(phase: Phase, kind: RegionKind, intersecting: bool) -> tuple[Severity, ResponseType]:
    return assess_phase(phase, kind, intersecting=intersecting)


def _zone(
    cs: _Corridors,
    ix: LayerIndex,
    layer_id: str,
    c_i: int,
    r_i: int,
    geometry: BaseGeometry | None,
    area_km2: float,
    distance_km: float,
    now: datetime,
    event_id: str | None,
    intersecting: bool,
) -> AlertZone:
    c = cs.items[c_i]
    region = ix.regions[r_i]
    severity, response = _assess(c.phase, region.kind, intersecting)
    when = cs.timing.get(c_i)
    if when is None:
        when = cs.timing[c_i] = (urgency_for(c.windows, now), certainty_for(c.probability, c.confidence_level))
    eid = event_id if event_id is not None else c.event_id
    region_area = float(ix.region_area_km2[r_i])
    corridor_area = float(cs.area_km2[c_i])
    return AlertZone(
        id=zone_id(eid, c.id, layer_id, region.id),
        event_id=eid,
        corridor_id=c.id,
        phase=c.phase,
        layer=layer_id,
        region_id=region.id,
        region_name=region.name,
        region_name_ja=region.name_ja,
        region_kind=region.kind,
        geometry=geometry,
        area_km2=area_km2,
        region_fraction=min(area_km2 / region_area, 1.0) if region_area > 0 else 0.0,
        corridor_fraction=min(area_km2 / corridor_area, 1.0) if corridor_area > 0 else 0.0,
        distance_km=distance_km,
        severity=severity,
        urgency=when[0],
        certainty=when[1],
        response=response,
        windows=c.windows,
    )
