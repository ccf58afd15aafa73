"""JSON API routes: one-line adapters over ``geowarn.ogcapi``, ``geowarn.eventapi`` and the store."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Blueprint, Response, render_template, request

from geowarn import eventapi, ogcapi
from geowarn.errors import InvalidParameter, NotFound
from geowarn.openapi import openapi_document
from geowarn.publish.geojson import dumps
from webapp.core import (
    api_request,
    artifact_response,
    cache,
    check_format,
    options,
    require_token,
    store,
    wants_html,
)

bp = Blueprint("api", __name__)


def respond(result: tuple[dict[str, str], int, Any], *, html_title: str = "", cacheable: bool = False) -> Response:
    """Turn a core ``(headers, status, body)`` into a response (HTML when asked with f=html / Accept)."""
    headers, status, body = result
    if wants_html() and status < 300:
        obj = json.loads(body) if isinstance(body, str) else body
        return Response(render_template("ogc.html", title=html_title, doc=obj), status=status, mimetype="text/html")
    text = body if isinstance(body, str) else dumps(body)
    resp = Response(text, status=status, headers=headers)
    if cacheable:
        resp.set_etag(hashlib.sha256(text.encode("utf-8")).hexdigest()[:32])
        resp.cache_control.no_cache = True
        resp.make_conditional(request)
    return resp


@bp.before_request
def _validate_format() -> None:
    check_format()


@bp.get("/conformance")
def conformance() -> Response:
    return respond(ogcapi.conformance(api_request()), html_title="Conformance")


@bp.get("/collections")
def collections() -> Response:
    return respond(ogcapi.collections(api_request(), layers_dir=options().layers_dir), html_title="Collections")


@bp.get("/collections/<cid>")
def collection(cid: str) -> Response:
    return respond(ogcapi.collection(api_request(), cid, layers_dir=options().layers_dir), html_title=cid)


@bp.get("/collections/<cid>/items")
def items(cid: str) -> Response:
    key = ("items", store().generation(), cid, request.query_string, request.host_url)
    result = cache().get_or_set(key, lambda: ogcapi.items(api_request(), store(), cid, layers_dir=options().layers_dir))
    return respond(result, html_title=f"{cid}: items", cacheable=True)


@bp.get("/collections/<cid>/items/<path:fid>")
def item(cid: str, fid: str) -> Response:
    return respond(ogcapi.item(api_request(), store(), cid, fid, layers_dir=options().layers_dir), html_title=fid)


@bp.get("/openapi.json")
def openapi() -> Response:
    if request.args:
        ogcapi.check_params(api_request(), set())
    doc = openapi_document(request.host_url.rstrip("/"), ogcapi.collection_ids(options().layers_dir))
    return Response(dumps(doc), mimetype="application/vnd.oai.openapi+json;version=3.0")


# --------------------------------------------------------------------------- events


def _input() -> eventapi.EventInput:
    return eventapi.input_from_body(
        request.content_type or "", request.get_data(cache=False), request.args.to_dict(flat=False)
    )


@bp.get("/api/events")
def list_events() -> Response:
    return respond(eventapi.list_events(api_request(), store()), html_title="Events")


@bp.post("/api/events")
def create_event() -> Response:
    require_token()
    return respond(eventapi.create_event(api_request(), store(), _input(), options=options()))


@bp.get("/api/events/<event_id>")
def get_event(event_id: str) -> Response:
    return respond(eventapi.get_event(api_request(), store(), event_id), html_title=event_id)


@bp.put("/api/events/<event_id>")
def replace_event(event_id: str) -> Response:
    require_token()
    return respond(eventapi.replace_event(api_request(), store(), event_id, _input(), options=options()))


@bp.patch("/api/events/<event_id>")
def patch_event(event_id: str) -> Response:
    require_token()
    if request.args:
        ogcapi.check_params(api_request(), set())
    return respond(eventapi.patch_event(api_request(), store(), event_id, request.get_data(), options=options()))


@bp.post("/api/events/<event_id>/cancel")
def cancel_event(event_id: str) -> Response:
    require_token()
    return respond(eventapi.cancel(api_request(), store(), event_id, options=options()))


# --------------------------------------------------------------------------- published files


def _no_args() -> None:
    if request.args:
        raise InvalidParameter(f"unknown query parameter(s): {', '.join(sorted(request.args))}")


@bp.get("/events/<event_id>.geojson")
def event_geojson(event_id: str) -> Response:
    _no_args()
    return artifact_response(store().get_artifact(event_id, "geojson"), download_name=f"{event_id}.geojson")


@bp.get("/events/<event_id>.kml")
def event_kml(event_id: str) -> Response:
    _no_args()
    return artifact_response(store().get_artifact(event_id, "kml"), download_name=f"{event_id}.kml")


@bp.get("/alerts/<event_id>.cap")
def event_cap(event_id: str) -> Response:
    _no_args()
    return artifact_response(store().get_artifact(event_id, "cap"), download_name=f"{event_id}.cap.xml")


@bp.get("/events/<event_id>/v<int:version>.<kind>")
def event_version_file(event_id: str, version: int, kind: str) -> Response:
    _no_args()
    names = {"geojson": "geojson", "kml": "kml", "cap": "cap"}
    if kind not in names:
        raise NotFound(f"no published file of type {kind!r}")
    art = store().get_artifact(event_id, names[kind], version=version)
    return artifact_response(art, download_name=f"{event_id}-v{version}.{kind}", cache_forever=True)


@bp.get("/alerts.atom")
def atom() -> Response:
    _no_args()
    from webapp.feeds import atom_feed

    return atom_feed()
