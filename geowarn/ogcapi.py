"""OGC API – Features Part 1 core over the reference layers, the corridors and the alert zones.

Framework-free (pygeoapi style): each function takes an :class:`APIRequest` and
returns ``(headers, status, body)`` where ``body`` is a JSON-able dict or
already-serialised ``str``. The web app adapts requests and responses and
renders ``f=html``.

>>> parse_bbox("170,10,-170,20")
(170.0, 10.0, -170.0, 20.0)
>>> parse_datetime("2016-02-07T00:00:00Z/..")[1] is None
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import numpy as np
import shapely
import shapely.geometry

from geowarn import __version__
from geowarn.errors import InvalidParameter, NotFound
from geowarn.model import format_time, parse_time
from geowarn.publish.geojson import MEDIA_TYPE as GEOJSON
from geowarn.publish.geojson import dumps, feature
from geowarn.store import Store

CONF_CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
CONF_OAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
CONF_GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
CONF_HTML = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"
CONFORMANCE = [CONF_CORE, CONF_OAS30, CONF_GEOJSON, CONF_HTML]
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
JSON = "application/json"

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
COMMON_PARAMS = {"f", "bbox", "datetime", "limit", "offset"}
QUERYABLES = {
    "corridors": ("event_id", "phase"),
    "alert-zones": ("event_id", "region_id", "layer", "severity"),
}
TITLES = {
    "corridors": ("Corridors", "Predicted fall and overflight corridors of the current event versions."),
    "alert-zones": ("Alert zones", "Corridor ∩ region: the alert zones of the current event versions."),
}

Response = tuple[dict[str, str], int, Any]
#: Extra parameters of the corridors and alert-zones items: lifecycle status, active, point.
LIFECYCLE_PARAMS = {"status", "active", "point"}
LIFECYCLES = ("active", "ended", "cancelled")


@dataclass
class APIRequest:
    """What the core needs from an HTTP request."""

    base_url: str  # e.g. "http://127.0.0.1:8000" (no trailing slash)
    args: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def arg(self, name: str) -> str | None:
        """Return the query parameter ``name`` (``None`` when absent); :class:`InvalidParameter` if repeated."""
        values = self.args.get(name) or []
        if len(values) > 1:
            raise InvalidParameter(f"parameter {name!r} given {len(values)} times")
        return values[0] if values else None


# --------------------------------------------------------------------------- parameters


def check_params(req: APIRequest, allowed: set[str] | frozenset[str]) -> None:
    """Unknown query parameters are a 400, not silently ignored."""
    unknown = sorted(set(req.args) - set(allowed))
    if unknown:
        raise InvalidParameter.of("error.unknown_query", names=", ".join(unknown), allowed=", ".join(sorted(allowed)))


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``minx,miny,maxx,maxy`` in CRS84; ``minx > maxx`` crosses the antimeridian (6 values: z ignored)."""
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise InvalidParameter(f"bbox must have 4 (or 6) comma-separated numbers, got {len(parts)}")
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        raise InvalidParameter(f"bbox {text!r} is not numbers") from None
    if not all(np.isfinite(nums)):
        raise InvalidParameter("bbox values must be finite")
    west, south, east, north = (nums[0], nums[1], nums[3], nums[4]) if len(nums) == 6 else tuple(nums)
    for lon in (west, east):
        if not -180.0 <= lon <= 180.0:
            raise InvalidParameter(f"bbox longitude {lon} is out of range [-180, 180]")
    for lat in (south, north):
        if not -90.0 <= lat <= 90.0:
            raise InvalidParameter(f"bbox latitude {lat} is out of range [-90, 90]")
    if south > north:
        raise InvalidParameter(f"bbox south {south} is north of north {north}")
    return (west, south, east, north)


def parse_datetime(text: str) -> tuple[datetime | None, datetime | None]:
    """Parse an RFC 3339 instant or interval ``start/end`` (``..`` or empty = open)."""

    def one(value: str) -> datetime | None:
        if value in ("", ".."):
            return None
        if "T" not in value and len(value) == 10:
            value += "T00:00:00Z"
        try:
            t = parse_time(value, field_name="datetime")
        except Exception:
            raise InvalidParameter(f"datetime {value!r} is not RFC 3339") from None
        return t

    if "/" in text:
        a, _, b = text.partition("/")
        if "/" in b:
            raise InvalidParameter(f"datetime {text!r} has more than one '/'")
        start, end = one(a), one(b)
        if start is None and end is None and a == b == "":
            raise InvalidParameter("datetime interval needs at least one end")
        if start and end and end < start:
            raise InvalidParameter(f"datetime interval {text!r} ends before it starts")
        return start, end
    if text in ("", ".."):
        raise InvalidParameter("datetime needs an instant or an interval")
    t = one(text)
    return t, t


def parse_int(text: str | None, name: str, default: int, lo: int, hi: int) -> int:
    """Parse an integer query parameter within ``lo`` … ``hi`` (``default`` when absent)."""
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise InvalidParameter(f"{name} must be an integer, got {text!r}") from None
    if not lo <= value <= hi:
        raise InvalidParameter(f"{name} must be between {lo} and {hi}, got {value}")
    return value


# --------------------------------------------------------------------------- layers (optional module)


def _layer_catalog(layers_dir: str | None) -> list[dict[str, Any]]:
    try:
        from geowarn.layers import catalog
    except ImportError:
        return []
    entries: list[dict[str, Any]] = list(catalog(layers_dir))  # type: ignore[arg-type,unused-ignore]
    return entries


def _load_layer(layer_id: str, layers_dir: str | None) -> Any:
    from geowarn.layers import load_layer

    return load_layer(layer_id, layers_dir)  # type: ignore[arg-type,unused-ignore]


def collection_ids(layers_dir: str | None) -> list[str]:
    """Return the collection ids: ``alert-zones``, ``corridors`` and the reference layers."""
    return ["alert-zones", "corridors", *[str(e["id"]) for e in _layer_catalog(layers_dir)]]


# --------------------------------------------------------------------------- resources


def _link(href: str, rel: str, type_: str, title: str = "") -> dict[str, str]:
    out = {"href": href, "rel": rel, "type": type_}
    if title:
        out["title"] = title
    return out


def landing(req: APIRequest) -> Response:
    """Answer the OGC API landing page."""
    check_params(req, {"f"})
    b = req.base_url
    body = {
        "title": "geowarn",
        "description": "Fall corridors of rockets and space debris, alert zones, maps and CAP alerts.",
        "version": __version__,
        "links": [
            _link(f"{b}/?f=json", "self", JSON, "This document"),
            _link(f"{b}/?f=html", "alternate", "text/html", "This document as HTML"),
            _link(f"{b}/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.1", "OpenAPI"),
            _link(f"{b}/conformance", "conformance", JSON, "Conformance"),
            _link(f"{b}/collections", "data", JSON, "Collections"),
            _link(f"{b}/alerts.atom", "alternate", "application/atom+xml", "Alert feed"),
            _link(f"{b}/api/events", "related", JSON, "Events"),
        ],
    }
    return {"Content-Type": JSON}, 200, body


def conformance(req: APIRequest) -> Response:
    """Answer the OGC API conformance classes."""
    check_params(req, {"f"})
    return {"Content-Type": JSON}, 200, {"conformsTo": CONFORMANCE}


def _collection_doc(b: str, cid: str, title: str, description: str, extent: list[float] | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": cid,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            _link(f"{b}/collections/{cid}", "self", JSON, title),
            _link(f"{b}/collections/{cid}/items", "items", GEOJSON, f"{title} (GeoJSON)"),
            _link(f"{b}/collections/{cid}/items?f=html", "items", "text/html", f"{title} (HTML)"),
        ],
    }
    if extent:
        doc["extent"] = {"spatial": {"bbox": [extent], "crs": CRS84}}
    return doc


def _describe(b: str, cid: str, layers_dir: str | None) -> dict[str, Any]:
    if cid in TITLES:
        return _collection_doc(b, cid, *TITLES[cid], [-180.0, -90.0, 180.0, 90.0])
    for entry in _layer_catalog(layers_dir):
        if entry["id"] == cid:
            title = str(entry.get("title") or entry.get("name") or cid)
            desc = str(entry.get("description") or f"Reference layer {cid}")
            return _collection_doc(b, cid, title, desc, [-180.0, -90.0, 180.0, 90.0])
    raise NotFound(f"no collection {cid!r}")


def collections(req: APIRequest, *, layers_dir: str | None = None) -> Response:
    """Answer ``/collections``: every collection with its extent and links."""
    check_params(req, {"f"})
    b = req.base_url
    cols = [_describe(b, cid, layers_dir) for cid in collection_ids(layers_dir)]
    body = {"links": [_link(f"{b}/collections", "self", JSON, "Collections")], "collections": cols}
    return {"Content-Type": JSON}, 200, body


def collection(req: APIRequest, cid: str, *, layers_dir: str | None = None) -> Response:
    """Answer ``/collections/{cid}``: one collection; raises :class:`NotFound` for an unknown one."""
    check_params(req, {"f"})
    return {"Content-Type": JSON}, 200, _describe(req.base_url, cid, layers_dir)


def _page_links(
    req: APIRequest, cid: str, offset: int, limit: int, returned: int, matched: int
) -> list[dict[str, str]]:
    base = f"{req.base_url}/collections/{cid}/items"
    keep = [(k, v) for k, vs in req.args.items() if k not in ("offset", "f") for v in vs]

    def url(off: int, fmt: str | None = None) -> str:
        params = [*keep, ("offset", str(off))]
        if fmt:
            params.append(("f", fmt))
        return f"{base}?{urlencode(params)}"

    links = [_link(url(offset), "self", GEOJSON, "This page"), _link(url(offset, "html"), "alternate", "text/html")]
    links.append(_link(f"{req.base_url}/collections/{cid}", "collection", JSON))
    if offset + returned < matched:
        links.append(_link(url(offset + limit), "next", GEOJSON, "Next page"))
    if offset > 0:
        links.append(_link(url(max(0, offset - limit)), "prev", GEOJSON, "Previous page"))
    return links


def items(req: APIRequest, store: Store, cid: str, *, layers_dir: str | None = None) -> Response:
    """``/collections/{cid}/items`` with bbox, datetime, limit/offset and queryables."""
    layer_ids = None if cid in QUERYABLES else {str(e["id"]) for e in _layer_catalog(layers_dir)}
    if layer_ids is not None and cid not in layer_ids:
        raise NotFound(f"no collection {cid!r}")
    queryables = QUERYABLES.get(cid, ("region_id", "country"))
    check_params(req, COMMON_PARAMS | set(queryables) | (LIFECYCLE_PARAMS if cid in QUERYABLES else set()))
    bbox_text = req.arg("bbox")
    bbox = parse_bbox(bbox_text) if bbox_text is not None else None
    dt = req.arg("datetime")
    interval = parse_datetime(dt) if dt is not None else None
    limit = parse_int(req.arg("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = parse_int(req.arg("offset"), "offset", 0, 0, 10**9)
    filters = {q: v for q in queryables if (v := req.arg(q)) is not None}
    if cid in QUERYABLES:
        feats, matched = _event_items(req, store, cid, bbox, interval, filters, limit, offset)
    else:
        feats, matched = _layer_items(cid, layers_dir, bbox, filters, limit, offset)
    links = _page_links(req, cid, offset, limit, len(feats), matched)
    head = {
        "type": "FeatureCollection",
        "numberMatched": matched,
        "numberReturned": len(feats),
        "timeStamp": format_time(datetime.now(UTC)),
        "links": links,
    }
    text = dumps(head)[:-1] + ',"features":[' + ",".join(feats) + "]}"
    return {"Content-Type": GEOJSON}, 200, text


def parse_point(text: str) -> tuple[float, float]:
    """Parse ``lon,lat`` in CRS84 (``point=127.68,26.21``); a 400 naming the value when malformed or out of range.

    >>> parse_point("127.68,26.21")
    (127.68, 26.21)
    """
    parts = text.split(",")
    if len(parts) != 2:
        raise InvalidParameter(f"point must be lon,lat (2 numbers), got {len(parts)} value(s)", field="point")
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter(f"point {text!r} is not numbers", field="point") from None
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise InvalidParameter("point values must be finite", field="point")
    if not -180.0 <= lon <= 180.0:
        raise InvalidParameter(f"point longitude {lon:g} is out of range [-180, 180]", field="point")
    if not -90.0 <= lat <= 90.0:
        raise InvalidParameter(f"point latitude {lat:g} is out of range [-90, 90]", field="point")
    return lon, lat


def parse_lifecycle(req: APIRequest) -> str | None:
    """Read the wanted lifecycle status from ``status=`` and ``active=true|false`` (``None``: any)."""
    status = req.arg("status")
    active = req.arg("active")
    if status is not None and status not in LIFECYCLES:
        raise InvalidParameter(f"status must be one of {', '.join(LIFECYCLES)}, got {status!r}", field="status")
    if active is not None:
        if active.lower() not in ("true", "false"):
            raise InvalidParameter(f"active must be true or false, got {active!r}", field="active")
        wanted = "active" if active.lower() == "true" else None
        if status is not None and (status == "active") != (active.lower() == "true"):
            raise InvalidParameter(f"status={status} contradicts active={active}", field="active")
        if wanted is None and status is None:
            return "!active"
        return status or wanted
    return status


def _event_items(
    req: APIRequest,
    store: Store,
    cid: str,
    bbox: tuple[float, float, float, float] | None,
    interval: tuple[datetime | None, datetime | None] | None,
    filters: dict[str, str],
    limit: int,
    offset: int,
) -> tuple[list[str], int]:
    """Return corridors or zones with their event's lifecycle ``status``, filtered by status/active/point."""
    from geowarn.current import statuses

    wanted = parse_lifecycle(req)
    point_text = req.arg("point")
    point = parse_point(point_text) if point_text is not None else None
    lifecycles = statuses(store)
    if wanted is None and point is None:
        page = store.query_features(cid, bbox=bbox, interval=interval, filters=filters, limit=limit, offset=offset)
        objs, matched = [json.loads(f) for f in page.features], page.number_matched
    else:
        if point is not None and bbox is None:
            eps = 1e-9
            bbox = (max(point[0] - eps, -180.0), point[1] - eps, min(point[0] + eps, 180.0), point[1] + eps)
        page = store.query_features(cid, bbox=bbox, interval=interval, filters=filters, limit=10**9, offset=0)
        objs = []
        for text in page.features:
            obj = json.loads(text)
            status = str(lifecycles.get(obj["properties"].get("event_id"), ""))
            if wanted == "!active" and status == "active":
                continue
            if wanted not in (None, "!active") and status != wanted:
                continue
            if point is not None and not _covers(obj, point):
                continue
            objs.append(obj)
        matched = len(objs)
        objs = objs[offset : offset + limit]
    for obj in objs:
        obj["properties"]["status"] = str(lifecycles.get(obj["properties"].get("event_id"), "")) or None
    return [dumps(o) for o in objs], matched


def _covers(obj: dict[str, Any], point: tuple[float, float]) -> bool:
    """Tell whether a feature's geometry covers ``(lon, lat)`` (boundary in; tried at lon and lon ± 360°)."""
    geom = obj.get("geometry")
    if not geom:
        return False
    shape = shapely.geometry.shape(geom)
    lon, lat = point
    return any(shapely.covers(shape, shapely.Point(x, lat)) for x in (lon, lon + 360.0, lon - 360.0))


def _layer_items(
    cid: str,
    layers_dir: str | None,
    bbox: tuple[float, float, float, float] | None,
    filters: dict[str, str],
    limit: int,
    offset: int,
) -> tuple[list[str], int]:
    layer = _load_layer(cid, layers_dir)
    mask = np.ones(len(layer.regions), dtype=bool)
    if bbox is not None:
        west, south, east, north = bbox
        query = (
            shapely.box(west, south, east, north)
            if west <= east
            else shapely.union(shapely.box(west, south, 180.0, north), shapely.box(-180.0, south, east, north))
        )
        mask &= np.asarray(shapely.intersects(layer.geometries, query), dtype=bool)
    if "region_id" in filters:
        mask &= np.array([r.id == filters["region_id"] for r in layer.regions], dtype=bool)
    if "country" in filters:
        mask &= np.array([r.country == filters["country"] for r in layer.regions], dtype=bool)
    idx = np.flatnonzero(mask)
    chosen = idx[offset : offset + limit]
    feats = [dumps(feature(layer.regions[i].to_feature())) for i in chosen]
    return feats, len(idx)


def item(req: APIRequest, store: Store, cid: str, fid: str, *, layers_dir: str | None = None) -> Response:
    """Answer ``/collections/{cid}/items/{fid}``: one feature of a collection or reference layer."""
    check_params(req, {"f"})
    if cid in QUERYABLES:
        text = store.get_feature(cid, fid)
    else:
        if cid not in {str(e["id"]) for e in _layer_catalog(layers_dir)}:
            raise NotFound(f"no collection {cid!r}")
        layer = _load_layer(cid, layers_dir)
        text = dumps(feature(layer.region(fid).to_feature()))
    obj = json.loads(text)
    obj["links"] = [
        _link(f"{req.base_url}/collections/{cid}/items/{fid}", "self", GEOJSON),
        _link(f"{req.base_url}/collections/{cid}", "collection", JSON),
    ]
    return {"Content-Type": GEOJSON}, 200, dumps(obj)
