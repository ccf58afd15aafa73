"""The table of HTTP operations: each JSON and file operation of the web API declared once.

The web app registers one URL rule per :class:`Operation` (``webapp.api``),
:mod:`geowarn.api.openapi` turns the table into ``/openapi.json``, and
:func:`geowarn.api.dispatch.dispatch` checks a request against it.

>>> ops = {op.operation_id: op for op in OPERATIONS}
>>> ops["createSubscription"].method, ops["createSubscription"].path, ops["createSubscription"].auth
('post', '/api/subscriptions', True)
>>> sorted(ops["getEventFileCapV"].path_names())
['eventId', 'version']
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from geowarn import __version__, eventapi, ogcapi, rendering
from geowarn.api import models, point, subscriptions
from geowarn.api.dispatch import Call, Response
from geowarn.current import statuses
from geowarn.desk import actions, approvals
from geowarn.desk.approvals import Actor
from geowarn.errors import InvalidParameter, NotRendered
from geowarn.i18n import CAP_LANGUAGES, LANGUAGES, asked_language, message, pick_language
from geowarn.ids import EVENT_ID_PATTERN
from geowarn.live import MEDIA_TYPE as LIVE_MEDIA_TYPE
from geowarn.live import TOPIC_PATTERN as LIVE_TOPIC_PATTERN
from geowarn.model import EventKind, EventStatus
from geowarn.publish.atom import MEDIA_TYPE as ATOM_MEDIA_TYPE
from geowarn.publish.atom import build_atom, entry_for_cap
from geowarn.publish.geojson import MEDIA_TYPE as GEOJSON
from geowarn.publish.kinds import FILE_KINDS, ArtifactKind
from geowarn.store import Artifact
from geowarn.verdict import Lifecycle

log = logging.getLogger(__name__)

JSON = ogcapi.JSON
OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.1"
_PATH_PARAM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Param:
    """A query parameter: its JSON Schema and description (``explode=False``: comma-separated)."""

    name: str
    schema: dict[str, Any]
    description: str
    explode: bool = True


@dataclass(frozen=True)
class PublishedFile:
    """What a file operation answers: the stored artifact and how to serve it."""

    artifact: Artifact
    download_name: str
    cache_forever: bool = False
    #: A localised kind: the answer varies by ``Accept-Language``; ``language`` is the one chosen (if asked).
    localised: bool = False
    language: str | None = None


@dataclass(frozen=True)
class Operation:
    """One HTTP operation.

    ``path`` is an OpenAPI path template (``{eventId}``); ``body`` maps request
    media types to a model or a raw JSON Schema, and ``body_model`` is the model
    the dispatcher validates JSON bodies with; ``response`` is the success
    body's model (or raw schema) under ``media_type``; ``errors`` are the
    documented problem statuses; ``auth`` says whether a bearer token is needed;
    ``html`` whether ``?f=html`` / ``Accept: text/html`` gets an HTML rendering
    (titled ``html_title`` formatted with the path parameters), ``html_on_accept``
    whether a browser's ``Accept`` alone does (undocumented, no ``f``); ``routed_by``
    names the web route that serves it when it is not a plain API route (it
    then has no ``handler``).
    """

    method: str
    path: str
    operation_id: str
    summary: str
    handler: Callable[[Call], Any] | None
    tag: str
    query: tuple[Param, ...] = ()
    body: dict[str, type[BaseModel] | dict[str, Any]] = field(default_factory=dict)
    body_model: type[BaseModel] | None = None
    empty_body: str | None = None
    response: type[BaseModel] | dict[str, Any] | None = None
    media_type: str = JSON
    status: int = 200
    description: str = ""
    errors: tuple[int, ...] = (400,)
    auth: bool = False
    html: bool = False
    html_title: str = ""
    html_on_accept: bool = False
    cacheable: bool = False
    conditional: bool = False
    location: bool = False
    strict_query: bool = True  # unknown query parameters are a 400
    links: dict[str, tuple[str, str]] = field(default_factory=dict)  # name → (operationId, id field of the body)
    routed_by: str | None = None
    #: Other success answers: status → (description, body model), e.g. 202 pending approval.
    also: dict[int, tuple[str, type[BaseModel]]] = field(default_factory=dict)

    def path_names(self) -> list[str]:
        """Return the path parameters, in order."""
        return _PATH_PARAM.findall(self.path)

    def query_names(self) -> set[str]:
        """Return the accepted query parameters (``f`` included for operations with an HTML rendering)."""
        return {p.name for p in self.query} | ({"f"} if self.html else set())


# --------------------------------------------------------------------------- parameters

#: Schemas of the path parameters (``collectionId`` gets its enum when the document is built).
PATH_PARAMS: dict[str, tuple[dict[str, Any], str]] = {
    "collectionId": ({"type": "string"}, "A collection id."),
    "featureId": ({"type": "string", "minLength": 1}, "A feature id."),
    "eventId": ({"type": "string", "pattern": EVENT_ID_PATTERN}, "An event id."),
    "subscriptionId": ({"type": "string", "minLength": 1}, "A subscription id."),
    "version": ({"type": "integer", "minimum": 1, "maximum": 1000000000}, "An event version."),
    "approvalId": ({"type": "string", "pattern": r"^apr-[0-9a-f]{12}$"}, "An approval request id."),
}

LIMIT_OFFSET = (
    Param("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "Page size."),
    Param("offset", {"type": "integer", "minimum": 0, "maximum": 1000000000}, "Start of the page."),
)
#: Lifecycle filters of the corridors and alert-zones items (``geowarn.verdict.Lifecycle``).
LIFECYCLE_QUERY = (
    Param(
        "status",
        {"type": "string", "enum": ["active", "ended", "cancelled"]},
        "Only features of events with this lifecycle status now (corridors, alert-zones).",
    ),
    Param("active", {"type": "boolean"}, "true: only features of active events; false: only of past ones."),
    Param(
        "point",
        {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"}},
        "lon,lat: only features whose geometry covers this point (corridors, alert-zones).",
        explode=False,
    ),
)
ITEMS_QUERY = (
    Param(
        "bbox",
        {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
        "minLon,minLat,maxLon,maxLat (CRS84); minLon > maxLon crosses the antimeridian.",
        explode=False,
    ),
    Param(
        "datetime",
        {"type": "string", "format": "date-time"},
        "RFC 3339 instant, or an interval start/end with '..' for an open end.",
    ),
    Param("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10}, "Page size."),
    LIMIT_OFFSET[1],
    Param("event_id", {"type": "string"}, "Only features of this event."),
    Param("region_id", {"type": "string"}, "Only zones of this region (alert-zones)."),
    Param("layer", {"type": "string"}, "Only zones of this layer (alert-zones)."),
    Param(
        "severity",
        {"type": "string", "enum": ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]},
        "Only zones of this severity (alert-zones).",
    ),
    Param("phase", {"type": "string"}, "Only corridors of this phase (corridors)."),
    Param("country", {"type": "string"}, "Only regions of this country (layers)."),
    *LIFECYCLE_QUERY,
)
EVENT_INPUT_QUERY = (
    Param("format", {"type": "string"}, "Input format of a text/plain body (default: auto)."),
    Param("name", {"type": "string"}, "Event name (text/plain and geo+json bodies)."),
    Param("id", {"type": "string", "pattern": EVENT_ID_PATTERN}, "Event id (text/plain and geo+json bodies)."),
    Param("kind", {"type": "string", "enum": [k.value for k in EventKind]}, "Event kind."),
    Param("filename", {"type": "string"}, "Name of the uploaded file."),
    Param("if_version", {"type": "integer", "minimum": 1, "maximum": 1000000000}, "Expected current version."),
    Param("dry_run", {"type": "boolean"}, "Only say what would happen (zones, warnings, duplicates, recipients)."),
)
DRY_RUN = Param("dry_run", {"type": "boolean"}, "Only say who would receive the messages; change nothing.")
#: A write that waits for a second token under the two-person rule (``GEOWARN_APPROVAL=2``).
PENDING = (202, ("Accepted: waits for a second token's approval (GEOWARN_APPROVAL=2)", models.Pending))
EVENT_INPUT_BODY: dict[str, type[BaseModel] | dict[str, Any]] = {
    "application/json": models.EventInputBody,
    "text/plain": {"type": "string", "minLength": 1},
    "application/geo+json": {"type": "object"},
}
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 422)
LANG = Param("lang", {"type": "string", "enum": list(LANGUAGES)}, "Language of the texts (else Accept-Language).")
AT = Param("at", {"type": "string", "format": "date-time"}, "Judge at this time (RFC 3339; default: now).")
AFFECTED_QUERY = (
    Param("lat", {"type": "number", "minimum": -90, "maximum": 90}, "Latitude (WGS 84 degrees)."),
    Param("lon", {"type": "number", "minimum": -180, "maximum": 180}, "Longitude (WGS 84 degrees)."),
    Param("place", {"type": "string"}, "A region or municipality id (see /api/places) instead of lat/lon."),
    AT,
    LANG,
)
PLACES_QUERY = (
    Param("q", {"type": "string", "minLength": 1, "maxLength": 100}, "A place name in English or Japanese."),
    Param("limit", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}, "At most this many places."),
)


# --------------------------------------------------------------------------- handlers


def _layers(call: Call) -> str | None:
    return call.options.layers_dir


def _items(call: Call) -> Response:
    cid = call.path["collectionId"]
    # the features carry their event's lifecycle status, which changes with the clock, not only on writes
    now_statuses = tuple(sorted((k, str(v)) for k, v in statuses(call.store).items()))
    key = ("items", call.store.generation(), cid, call.query_string, call.req.base_url, now_statuses)
    result: Response = call.cache(
        key, lambda: ogcapi.items(call.req, call.store, cid, layers_dir=call.options.layers_dir)
    )
    return result


def _event_input(call: Call) -> eventapi.EventInput:
    model = call.model if isinstance(call.model, models.EventInputBody) else None
    return eventapi.input_from_body(call.content_type, call.body, call.req.args, model=model)


def _actor(call: Call) -> Actor | None:
    return Actor.of_token(call.store, call.token_id) if call.token_id else None


def _patch(call: Call) -> Response:
    assert isinstance(call.model, models.EventPatch)
    return eventapi.patch_event(
        call.req, call.store, call.path["eventId"], call.model, options=call.options, actor=_actor(call)
    )


def _approvals(call: Call) -> Response:
    body = {"approvals": [a.to_json() for a in approvals.pending(call.store)]}
    return {"Content-Type": JSON}, 200, body


def _approval(call: Call) -> Response:
    return {"Content-Type": JSON}, 200, approvals.get(call.store, call.path["approvalId"]).to_json()


def _approve(call: Call) -> Response:
    actor = _actor(call)
    assert actor is not None
    result = actions.approve(call.store, call.path["approvalId"], actor=actor, options=call.options)
    return {"Content-Type": JSON}, 200, eventapi.result_body(call.req.base_url, result)


def _reject(call: Call) -> Response:
    actor = _actor(call)
    assert actor is not None
    return {"Content-Type": JSON}, 200, approvals.reject(call.store, call.path["approvalId"], actor).to_json()


def _create_subscription(call: Call) -> Response:
    allow = call.settings.allow_private_targets if call.settings is not None else None
    return subscriptions.create(
        call.store, call.raw or {}, layers_dir=call.options.layers_dir, allow_private=allow, cap=call.options.cap
    )


def _args(call: Call, names: tuple[Param, ...]) -> dict[str, str | None]:
    return {p.name: call.req.arg(p.name) for p in names}


def _check_lang(call: Call) -> str | None:
    """Return the ``lang`` query parameter, one of the catalogue's languages (else a 400), or ``None``."""
    lang = call.req.arg("lang")
    if lang is not None and lang not in LANGUAGES:
        raise InvalidParameter.of(
            "error.lang_value", init={"field": "lang"}, languages=", ".join(LANGUAGES), value=repr(lang)
        )
    return lang


def _affected(call: Call) -> Response:
    _check_lang(call)
    return point.affected(
        call.store, call.options, _args(call, AFFECTED_QUERY), accept_language=call.accept_language or None
    )


def _places(call: Call) -> Response:
    return point.places(_args(call, PLACES_QUERY), layers_dir=call.options.layers_dir)


def _openapi(call: Call) -> Response:
    from geowarn.api.openapi import openapi_document

    doc = openapi_document(call.req.base_url, ogcapi.collection_ids(call.options.layers_dir))
    return {"Content-Type": OPENAPI_MEDIA_TYPE}, 200, doc


def _health(call: Call) -> Response:
    call.store.check()
    renders = rendering.health(call.store)
    status = "degraded" if renders["failed"] else "ok"  # the alert path works: still 200
    body = {"status": status, "version": __version__, "store": call.store.dialect, "renders": renders}
    headers = {"Content-Type": JSON, "Cache-Control": "no-store"}  # a probe must see this process, not a copy
    return headers, 200, body


#: A cancelled event's Cancel message stays in the feed this long after the cancellation.
CANCEL_IN_FEED = timedelta(hours=24)


def feed_events(lifecycles: dict[str, Lifecycle], updated: dict[str, datetime], now: datetime) -> set[str]:
    """Choose the events whose current CAP message is in the feed: the active and the recently cancelled.

    An ended event (every window over, or past its notice's ``CANCEL THIS MSG`` time) leaves the feed;
    a cancelled one stays for :data:`CANCEL_IN_FEED` so that readers see its Cancel message.

    >>> from datetime import UTC
    >>> now = datetime(2026, 12, 3, tzinfo=UTC)
    >>> sorted(feed_events({"a": Lifecycle.ACTIVE, "b": Lifecycle.ENDED, "c": Lifecycle.CANCELLED,
    ...     "d": Lifecycle.CANCELLED}, {"c": now - timedelta(hours=1), "d": now - timedelta(days=3)}, now))
    ['a', 'c']
    """
    recent = {e for e, t in updated.items() if now - t <= CANCEL_IN_FEED}
    return {
        e
        for e, status in lifecycles.items()
        if status == Lifecycle.ACTIVE or (status == Lifecycle.CANCELLED and e in recent)
    }


def _atom(call: Call) -> Response:
    base = call.req.base_url
    lang = pick_language(_check_lang(call), call.accept_language or None)
    now = datetime.now(UTC)
    lifecycles = statuses(call.store, now)
    updated = {e.id: e.updated for e in call.store.list_events(limit=10**6)}
    shown = feed_events(lifecycles, updated, now)
    cap_language = CAP_LANGUAGES.get(lang, "en-US")

    def build() -> bytes:
        entries = []
        stored = {event_id: version for event_id, version, _etag in call.store.artifact_etags("cap")}
        for event_id in [*(e for e in stored if e in shown), *sorted(e for e in shown if e not in stored)]:
            try:  # a CAP not rendered yet (the background render, issue 16) is rendered now
                art = rendering.published_file(
                    call.store, event_id, "cap", version=stored.get(event_id), options=call.options
                )
            except NotRendered:
                log.warning("atom feed: the CAP of %s is not rendered yet; left out of this feed", event_id)
                continue
            version = art.version
            entries.append(
                entry_for_cap(
                    art.body,
                    f"{base}/events/{event_id}/v{version}.cap",
                    html_url=f"{base}/events/{event_id}?lang={lang}",
                    language=cap_language,
                )
            )
        return build_atom(
            entries,
            feed_id=f"{base}/alerts.atom",
            title=message("atom.title", lang),
            self_url=f"{base}/alerts.atom",
            updated=None if entries else now,
            lang=lang,
        )

    key = ("atom", call.store.generation(), base, lang, tuple(sorted(shown)))
    body: bytes = call.cache(key, build)
    return {"Content-Type": ATOM_MEDIA_TYPE, "Vary": "Accept-Language", "Content-Language": lang}, 200, body


def _in_language(call: Call, kind: ArtifactKind, art: Artifact, name: str, forever: bool) -> PublishedFile:
    """Answer a published file; a localised kind (KML) in the language that ``lang`` or ``Accept-Language`` ask."""
    if not kind.localised:
        return PublishedFile(art, name, cache_forever=forever)
    lang = asked_language(_check_lang(call), call.accept_language or None)
    if lang is not None:
        stored = art
        art = call.cache(
            ("localised", stored.etag, lang),
            lambda: rendering.localised_file(call.store, stored, lang, options=call.options),
        )
    return PublishedFile(art, name, cache_forever=forever, localised=True, language=lang)


def _current_file(kind: ArtifactKind) -> Callable[[Call], PublishedFile]:
    def handler(call: Call) -> PublishedFile:
        event_id = call.path["eventId"]
        art = rendering.published_file(call.store, event_id, kind.kind, options=call.options)
        return _in_language(call, kind, art, kind.download_name(event_id), False)

    return handler


def _version_file(kind: ArtifactKind) -> Callable[[Call], PublishedFile]:
    def handler(call: Call) -> PublishedFile:
        event_id, version = call.path["eventId"], int(call.path["version"])
        art = rendering.published_file(call.store, event_id, kind.kind, version=version, options=call.options)
        return _in_language(call, kind, art, kind.download_name(event_id, version), True)

    return handler


def _file_schema(kind: ArtifactKind) -> type[BaseModel] | dict[str, Any]:
    return models.GeoJSONFeatureCollection if kind.media_type == GEOJSON else {"type": "string"}


def _file_operations() -> list[Operation]:
    ops = []
    for k in FILE_KINDS:
        name = k.suffix.capitalize()
        ops.append(
            Operation(
                "get",
                k.path.replace("{id}", "{eventId}"),
                f"getEventFile{name}",
                k.summary,
                _current_file(k),
                "files",
                query=(LANG,) if k.localised else (),
                response=_file_schema(k),
                media_type=k.media_type,
                errors=(400, 404, 503),
                conditional=True,
            )
        )
        ops.append(
            Operation(
                "get",
                f"/events/{{eventId}}/v{{version}}.{k.suffix}",
                f"getEventFile{name}V",
                f"{k.summary}: an immutable copy of one version",
                _version_file(k),
                "files",
                query=(LANG,) if k.localised else (),
                response=_file_schema(k),
                media_type=k.media_type,
                errors=(400, 404, 503),
                conditional=True,
            )
        )
    return ops


#: One message of ``/events/stream`` (the schema of each Server-Sent Event, as tools such as schemathesis read it).
LIVE_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {
        "event": {"type": "string", "enum": ["change", "ready", "reset"]},
        "id": {"type": "string", "pattern": "^[0-9]+$"},
        "retry": {"type": "integer", "minimum": 0},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {
                "type": "object",
                "required": ["seq"],
                "properties": {
                    "seq": {"type": "integer", "minimum": 0},
                    "event_id": {"type": "string"},
                    "version": {"type": "integer", "minimum": 1},
                    "action": {"type": "string", "enum": ["published", "updated", "cancelled"]},
                    "status": {"type": "string"},
                    "regions": {"type": "array", "items": {"type": "string"}},
                    "topics": {"type": "array", "items": {"type": "string"}},
                    "changed": {"type": ["string", "null"], "format": "date-time"},
                },
            },
        },
    },
}

# --------------------------------------------------------------------------- the table

OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "get",
        "/",
        "getLandingPage",
        "Landing page",
        None,
        "ogc",
        response=models.Landing,
        html=True,
        routed_by="pages.index",
    ),
    Operation(
        "get",
        "/conformance",
        "getConformance",
        "Conformance classes",
        lambda c: ogcapi.conformance(c.req),
        "ogc",
        response=models.Conformance,
        html=True,
        html_title="Conformance",
    ),
    Operation(
        "get",
        "/collections",
        "getCollections",
        "Feature collections",
        lambda c: ogcapi.collections(c.req, layers_dir=_layers(c)),
        "ogc",
        response=models.Collections,
        html=True,
        html_title="Collections",
    ),
    Operation(
        "get",
        "/collections/{collectionId}",
        "describeCollection",
        "One collection",
        lambda c: ogcapi.collection(c.req, c.path["collectionId"], layers_dir=_layers(c)),
        "ogc",
        response=models.Collection,
        errors=(400, 404),
        html=True,
        html_title="{collectionId}",
    ),
    Operation(
        "get",
        "/collections/{collectionId}/items",
        "getFeatures",
        "Features of a collection",
        _items,
        "ogc",
        query=ITEMS_QUERY,
        response=models.GeoJSONFeatureCollection,
        media_type=GEOJSON,
        errors=(400, 404),
        html=True,
        html_title="{collectionId}: items",
        cacheable=True,
        conditional=True,
    ),
    Operation(
        "get",
        "/collections/{collectionId}/items/{featureId}",
        "getFeature",
        "One feature",
        lambda c: ogcapi.item(c.req, c.store, c.path["collectionId"], c.path["featureId"], layers_dir=_layers(c)),
        "ogc",
        response=models.GeoJSONFeature,
        media_type=GEOJSON,
        errors=(400, 404),
        html=True,
        html_title="{featureId}",
    ),
    Operation(
        "get",
        "/api/events",
        "listEvents",
        "Events, most recently updated first",
        lambda c: eventapi.list_events(c.req, c.store),
        "events",
        query=(
            Param("status", {"type": "string", "enum": [s.value for s in EventStatus]}, "Filter."),
            *LIMIT_OFFSET,
        ),
        response=models.EventList,
        html=True,
        html_title="Events",
    ),
    Operation(
        "post",
        "/api/events",
        "createEvent",
        "Create an event from a notice text or GeoJSON corridors; answers with its alert zones",
        lambda c: eventapi.create_event(c.req, c.store, _event_input(c), options=c.options, actor=_actor(c)),
        "events",
        query=EVENT_INPUT_QUERY,
        body=EVENT_INPUT_BODY,
        body_model=models.EventInputBody,
        response=models.EventResult,
        also={200: ("dry_run=true: what publishing would do", models.EventPreview), PENDING[0]: PENDING[1]},
        status=201,
        errors=WRITE_ERRORS,
        auth=True,
        html_on_accept=True,
        location=True,
    ),
    Operation(
        "get",
        "/api/events/{eventId}",
        "getEvent",
        "An event with its corridors, zones, inputs and history",
        lambda c: eventapi.get_event(c.req, c.store, c.path["eventId"]),
        "events",
        response=models.Event,
        errors=(400, 404),
        html=True,
        html_title="{eventId}",
    ),
    Operation(
        "put",
        "/api/events/{eventId}",
        "replaceEvent",
        "Replace the corridors (a new version)",
        lambda c: eventapi.replace_event(
            c.req, c.store, c.path["eventId"], _event_input(c), options=c.options, actor=_actor(c)
        ),
        "events",
        query=EVENT_INPUT_QUERY,
        body={k: v for k, v in EVENT_INPUT_BODY.items() if k != "application/geo+json"},
        body_model=models.EventInputBody,
        response=models.EventResult,
        also={PENDING[0]: PENDING[1]},
        errors=WRITE_ERRORS,
        auth=True,
        html_on_accept=True,
    ),
    Operation(
        "patch",
        "/api/events/{eventId}",
        "patchEvent",
        "Rename or change the status (a new version)",
        _patch,
        "events",
        body={"application/json": models.EventPatch},
        body_model=models.EventPatch,
        empty_body="{}",
        response=models.EventResult,
        also={PENDING[0]: PENDING[1]},
        errors=WRITE_ERRORS,
        auth=True,
        html_on_accept=True,
    ),
    Operation(
        "post",
        "/api/events/{eventId}/cancel",
        "cancelEvent",
        "Cancel the event (dry_run=true: who would receive the Cancel)",
        lambda c: eventapi.cancel(c.req, c.store, c.path["eventId"], options=c.options, actor=_actor(c)),
        "events",
        query=(DRY_RUN,),
        response=models.EventResult,
        also={200: ("dry_run=true: who would be told", models.CancelPreview), PENDING[0]: PENDING[1]},
        errors=WRITE_ERRORS,
        auth=True,
        html_on_accept=True,
    ),
    Operation(
        "get",
        "/api/affected",
        "getAffected",
        "Is this point (or place) affected? The verdict with the zones covering it and their windows",
        _affected,
        "public",
        query=AFFECTED_QUERY,
        response=models.Affected,
        errors=(400, 404),
    ),
    Operation(
        "get",
        "/api/places",
        "searchPlaces",
        "Regions and municipalities whose names (en, ja) match",
        _places,
        "public",
        query=PLACES_QUERY,
        response=models.PlaceList,
    ),
    Operation(
        "get",
        "/api/approvals",
        "listApprovals",
        "Requests awaiting a second token (two-person rule, GEOWARN_APPROVAL=2)",
        _approvals,
        "approvals",
        response=models.ApprovalList,
        errors=(400, 401, 403),
        auth=True,
    ),
    Operation(
        "get",
        "/api/approvals/{approvalId}",
        "getApproval",
        "One approval request, with what it will do",
        _approval,
        "approvals",
        response=models.Approval,
        errors=(400, 401, 403, 404),
        auth=True,
    ),
    Operation(
        "post",
        "/api/approvals/{approvalId}/approve",
        "approveRequest",
        "Approve a pending request with a second, different token; it is then carried out",
        _approve,
        "approvals",
        response=models.EventResult,
        errors=WRITE_ERRORS,
        auth=True,
    ),
    Operation(
        "post",
        "/api/approvals/{approvalId}/reject",
        "rejectRequest",
        "Reject a pending request (a token other than the requester's)",
        _reject,
        "approvals",
        response=models.Approval,
        errors=(400, 401, 403, 404, 409),
        auth=True,
    ),
    Operation(
        "get",
        "/api/subscriptions",
        "listSubscriptions",
        "Alert subscriptions (webhook secrets masked)",
        lambda c: subscriptions.list_all(c.store),
        "subscriptions",
        response=models.SubscriptionList,
        errors=(400, 401, 403),
        auth=True,
    ),
    Operation(
        "post",
        "/api/subscriptions",
        "createSubscription",
        "Subscribe to alerts about regions, layers or a polygon; the answer shows the secrets once",
        _create_subscription,
        "subscriptions",
        body={"application/json": models.SubscriptionCreate},
        body_model=models.SubscriptionCreate,
        response=models.Subscription,
        status=201,
        errors=(400, 401, 403, 409, 413, 422),
        auth=True,
        location=True,
        links={"GetSubscription": ("getSubscription", "id"), "DeleteSubscription": ("deleteSubscription", "id")},
    ),
    Operation(
        "get",
        "/api/subscriptions/{subscriptionId}",
        "getSubscription",
        "One subscription with its deliveries",
        lambda c: subscriptions.get_one(c.store, c.path["subscriptionId"]),
        "subscriptions",
        response=models.SubscriptionDetail,
        errors=(400, 401, 403, 404),
        auth=True,
    ),
    Operation(
        "delete",
        "/api/subscriptions/{subscriptionId}",
        "deleteSubscription",
        "Remove a subscription",
        lambda c: subscriptions.delete(c.store, c.path["subscriptionId"]),
        "subscriptions",
        status=204,
        errors=(400, 401, 403, 404),
        auth=True,
    ),
    Operation(
        "get",
        "/events/stream",
        "streamEvents",
        "Live changes: a Server-Sent Events stream of published, updated and cancelled event versions",
        None,
        "events",
        query=(
            Param(
                "topic",
                {"type": "array", "items": {"type": "string", "pattern": LIVE_TOPIC_PATTERN}, "maxItems": 20},
                "Only changes concerning '*', 'event:<event id>' or 'region:<region id>' (a region's page "
                "also follows its TS- and EEZ- belts); repeat for several. Default: every change.",
            ),
            Param(
                "last_event_id",
                {"type": "integer", "minimum": 0, "maximum": 999999999999999999},
                "Resume after this message id (a page passes the store generation it was rendered at); "
                "the Last-Event-ID header of a reconnecting browser wins.",
            ),
        ),
        response=LIVE_EVENT_SCHEMA,
        media_type=LIVE_MEDIA_TYPE,
        description="Each change is a message `event: change` whose `id` is the store generation that "
        "committed it and whose `data` is JSON (seq, event_id, version, action published|updated|cancelled, "
        "status, regions, topics, changed). The stream starts with `retry:`, replays the changes after "
        "`Last-Event-ID` (or `last_event_id`) from the store, sends `event: ready`, then new changes within "
        "a second of their commit, a `: keepalive` comment when idle, and ends after GEOWARN_LIVE_MAX_S "
        "(the browser reconnects with Last-Event-ID). `event: reset` asks the page to reload. 503 with "
        "Retry-After when the server process has GEOWARN_LIVE_MAX_STREAMS streams open.",
        errors=(400, 503),
        routed_by="live.stream",
    ),
    *_file_operations(),
    Operation(
        "get",
        "/alerts.atom",
        "getAtom",
        "Atom feed of the CAP messages",
        _atom,
        "files",
        query=(LANG,),
        response={"type": "string"},
        media_type=ATOM_MEDIA_TYPE,
        description="The current CAP message of every active event (and of events cancelled in the last 24 h), "
        "titles and summaries in the reader's language (lang, then Accept-Language, else English).",
        cacheable=True,
        conditional=True,
    ),
    Operation(
        "get",
        "/openapi.json",
        "getOpenAPI",
        "This OpenAPI document",
        _openapi,
        "meta",
        response={"type": "object"},
        media_type=OPENAPI_MEDIA_TYPE,
    ),
    Operation(
        "get",
        "/healthz",
        "health",
        "Health",
        _health,
        "meta",
        response=models.Health,
        errors=(503,),
        strict_query=False,
    ),
)
