"""The events JSON API and the published files, framework-free: functions return ``(headers, status, body)``.

``POST /api/events`` takes the notice text (``text/plain``), a GeoJSON corridor
collection (``application/geo+json``) or a JSON object
``{"text" | "geojson", "format", "name", "id", "kind"}`` and answers 201 with
the computed zones. ``PUT`` replaces an event's corridors (a new version),
``PATCH`` renames it or changes its status, ``POST …/cancel`` cancels it
(events are never deleted: their history stays).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from geowarn import service
from geowarn.api import models
from geowarn.api.dispatch import decode, parse_json
from geowarn.errors import InvalidParameter, ParseError
from geowarn.model import EventKind, EventStatus, RawInput, format_time
from geowarn.ogcapi import JSON, APIRequest, check_params, parse_int
from geowarn.publish.geojson import feature_collection
from geowarn.publish.kinds import KINDS
from geowarn.service import EventResult, Options
from geowarn.store import Store

Response = tuple[dict[str, str], int, Any]
INPUT_FIELDS = set(models.INPUT_FIELDS)
QUERY_FIELDS = ("format", "name", "id", "kind", "filename", "if_version")


@dataclass
class EventInput:
    """One submitted input, whatever its HTTP encoding."""

    data: str
    format: str = "auto"
    name: str | None = None
    event_id: str | None = None
    kind: str | None = None
    filename: str | None = None
    if_version: int | None = None


def input_from_body(
    content_type: str, body: bytes, args: Mapping[str, Any], *, model: models.EventInputBody | None = None
) -> EventInput:
    """Read an :class:`EventInput` from a request body and its query parameters.

    ``model`` is the already validated JSON body (when the caller validated it).
    """
    ctype = content_type.split(";", 1)[0].strip().lower()
    extra = {k: (v[0] if isinstance(v, list | tuple) else v) for k, v in args.items()}
    unknown = set(extra) - set(QUERY_FIELDS)
    if unknown:
        raise InvalidParameter(f"unknown query parameter(s): {', '.join(sorted(unknown))}")
    if ctype == "application/json":
        if model is None:
            model, _raw = parse_json(body, models.EventInputBody)
        if model.text is not None:
            data, fmt = model.text, str(model.format or "auto")
        else:
            data, fmt = json.dumps(model.geojson), "geojson"
        fields: dict[str, Any] = {
            "name": model.name,
            "id": model.id,
            "kind": model.kind,
            "filename": model.filename,
            "if_version": model.if_version,
        }
    elif ctype in ("application/geo+json", "text/plain", ""):
        data = decode(body)
        fmt = "geojson" if ctype == "application/geo+json" else str(extra.get("format") or "auto")
        fields = {k: extra.get(k) for k in ("name", "id", "kind", "filename", "if_version")}
    else:
        raise InvalidParameter(
            f"unsupported content type {ctype!r}: use text/plain, application/json or application/geo+json"
        )
    if fields["kind"] is not None and fields["kind"] not in {k.value for k in EventKind}:
        raise InvalidParameter(f"kind must be one of {', '.join(k.value for k in EventKind)}")
    if_version = fields["if_version"]
    if if_version is not None and not isinstance(if_version, int):
        if_version = parse_int(str(if_version), "if_version", 0, 1, 10**9)
    if not data.strip():
        raise ParseError("the input is empty")
    return EventInput(
        data=data,
        format=fmt,
        name=fields["name"],
        event_id=fields["id"],
        kind=str(fields["kind"]) if fields["kind"] is not None else None,
        filename=fields["filename"],
        if_version=if_version,
    )


def event_links(base: str, event_id: str) -> list[dict[str, str]]:
    """Links of an event: itself, its page, and one enclosure per published kind."""
    return [
        {"href": f"{base}/api/events/{event_id}", "rel": "self", "type": JSON},
        {"href": f"{base}/events/{event_id}", "rel": "alternate", "type": "text/html"},
        *[{"href": f"{base}{k.url(event_id)}", "rel": "enclosure", "type": k.media_type.split(";")[0]} for k in KINDS],
    ]


def _result_body(base: str, result: EventResult) -> dict[str, Any]:
    body = result.to_json()
    body["links"] = event_links(base, result.event.id)
    return body


def list_events(req: APIRequest, store: Store) -> Response:
    """Answer ``GET /api/events``: a page of event summaries, optionally of one ``status``."""
    check_params(req, {"status", "limit", "offset", "f"})
    status = req.arg("status")
    if status is not None and status not in {s.value for s in EventStatus}:
        raise InvalidParameter(f"status must be one of {', '.join(s.value for s in EventStatus)}")
    limit = parse_int(req.arg("limit"), "limit", 100, 1, 1000)
    offset = parse_int(req.arg("offset"), "offset", 0, 0, 10**9)
    events = store.list_events(status=[status] if status else None, limit=limit, offset=offset)
    body = {
        "events": [{**service.event_summary(e), "links": event_links(req.base_url, e.id)} for e in events],
        "numberReturned": len(events),
        "links": [{"href": f"{req.base_url}/api/events", "rel": "self", "type": JSON}],
    }
    return {"Content-Type": JSON}, 200, body


def get_event(req: APIRequest, store: Store, event_id: str) -> Response:
    """Answer ``GET /api/events/{id}``: the event with its corridors, zones, history and raw inputs."""
    check_params(req, {"f"})
    event = store.get_event(event_id)
    zones = store.zones(event_id)
    body = service.event_summary(event)
    body["corridors"] = feature_collection([c.to_feature() for c in event.corridors])
    body["zones"] = feature_collection([z.to_feature() for z in zones])
    body["history"] = [{**h, "updated": format_time(h["updated"])} for h in store.history(event_id)]
    body["inputs"] = [
        {"format": r.format, "name": r.name, "received": format_time(r.received), "text": r.text} for r in event.inputs
    ]
    body["links"] = event_links(req.base_url, event_id)
    return {"Content-Type": JSON, "ETag": f'W/"{event_id}-v{event.version}"'}, 200, body


def create_event(req: APIRequest, store: Store, inp: EventInput, *, options: Options | None = None) -> Response:
    """Answer ``POST /api/events``: parse the input, compute the zones and store a new event (201)."""
    event = service.event_from_input(
        inp.data,
        format=inp.format,
        filename=inp.filename,
        name=inp.name,
        event_id=inp.event_id,
        kind=inp.kind,
    )
    result = service.submit_event(store, event, options=options, note=f"created from {event.inputs[0].format}")
    loc = f"{req.base_url}/api/events/{event.id}"
    return {"Content-Type": JSON, "Location": loc}, 201, _result_body(req.base_url, result)


def replace_event(
    req: APIRequest, store: Store, event_id: str, inp: EventInput, *, options: Options | None = None
) -> Response:
    """Answer ``PUT /api/events/{id}``: replace the corridors with those of the input (a new version)."""
    corridors, _meta, fmt = service.parse_input(inp.data, format=inp.format, name=inp.filename)
    if not corridors:
        raise ParseError("the input holds no corridor")
    now = datetime.now(UTC)
    result = service.update_event(
        store,
        event_id,
        corridors=corridors,
        inputs=[RawInput(format=fmt, text=inp.data, name=inp.filename or "", received=now)],
        name=inp.name,
        if_version=inp.if_version,
        note=f"corridors replaced from {fmt}",
        now=now,
        options=options,
    )
    return {"Content-Type": JSON}, 200, _result_body(req.base_url, result)


def patch_event(
    req: APIRequest, store: Store, event_id: str, patch: models.EventPatch, *, options: Options | None = None
) -> Response:
    """Rename the event and/or change its status (``cancelled`` cancels it)."""
    name = service.check_name(patch.name) if patch.name is not None else None
    if patch.status == EventStatus.CANCELLED:
        result = service.cancel_event(store, event_id, options=options)
    else:
        result = service.update_event(
            store,
            event_id,
            name=name,
            status=patch.status,
            if_version=patch.if_version,
            note="patched",
            options=options,
        )
    return {"Content-Type": JSON}, 200, _result_body(req.base_url, result)


def cancel(req: APIRequest, store: Store, event_id: str, *, options: Options | None = None) -> Response:
    """Answer ``POST /api/events/{id}/cancel``: mark the event cancelled and publish the cancel messages."""
    check_params(req, set())
    result = service.cancel_event(store, event_id, options=options)
    return {"Content-Type": JSON}, 200, _result_body(req.base_url, result)
