"""The OpenAPI 3.0 document of the web API (served at ``/openapi.json``).

>>> doc = openapi_document("http://127.0.0.1:8000", ["alert-zones", "corridors"])
>>> doc["openapi"], "/collections/{collectionId}/items" in doc["paths"]
('3.0.3', True)
"""

from __future__ import annotations

from typing import Any

from geowarn import __version__
from geowarn.model import EventKind, EventStatus

PROBLEM = {"$ref": "#/components/responses/Problem"}


def _param(name: str, where: str, schema: dict[str, Any], description: str, required: bool = False) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


F = _param("f", "query", {"type": "string", "enum": ["json", "html"]}, "Output format (overrides Accept).")


def _json(schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"content": {media: {"schema": schema}}}


def openapi_document(base_url: str, collection_ids: list[str]) -> dict[str, Any]:
    """The OpenAPI document; ``collection_ids`` become the enum of ``collectionId``."""
    cid = _param("collectionId", "path", {"type": "string", "enum": collection_ids}, "A collection id.")
    fid = _param("featureId", "path", {"type": "string", "minLength": 1}, "A feature id.")
    event_id = _param("eventId", "path", {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,79}$"}, "An event id.")
    ok_html = {"text/html": {"schema": {"type": "string"}}}
    event_ref = {"$ref": "#/components/schemas/EventResult"}
    write_errors = {
        "400": PROBLEM,
        "401": PROBLEM,
        "403": PROBLEM,
        "404": PROBLEM,
        "409": PROBLEM,
        "413": PROBLEM,
        "415": PROBLEM,
        "422": PROBLEM,
    }
    paths: dict[str, Any] = {
        "/": {
            "get": {
                "summary": "Landing page",
                "operationId": "getLandingPage",
                "parameters": [F],
                "responses": {
                    "200": {
                        "description": "Links to the API",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Landing"}},
                            **ok_html,
                        },
                    },
                    "400": PROBLEM,
                },
            }
        },
        "/conformance": {
            "get": {
                "summary": "Conformance classes",
                "operationId": "getConformance",
                "parameters": [F],
                "responses": {
                    "200": {
                        "description": "Conformance",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["conformsTo"],
                                    "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}},
                                }
                            },
                            **ok_html,
                        },
                    },
                    "400": PROBLEM,
                },
            }
        },
        "/collections": {
            "get": {
                "summary": "Feature collections",
                "operationId": "getCollections",
                "parameters": [F],
                "responses": {
                    "200": {
                        "description": "Collections",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["collections", "links"],
                                    "properties": {
                                        "collections": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/Collection"},
                                        },
                                        "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
                                    },
                                }
                            },
                            **ok_html,
                        },
                    },
                    "400": PROBLEM,
                },
            }
        },
        "/collections/{collectionId}": {
            "get": {
                "summary": "One collection",
                "operationId": "describeCollection",
                "parameters": [cid, F],
                "responses": {
                    "200": {
                        "description": "The collection",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Collection"}},
                            **ok_html,
                        },
                    },
                    "400": PROBLEM,
                    "404": PROBLEM,
                },
            }
        },
        "/collections/{collectionId}/items": {
            "get": {
                "summary": "Features of a collection",
                "operationId": "getFeatures",
                "parameters": [
                    cid,
                    _param(
                        "bbox",
                        "query",
                        {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
                        "minLon,minLat,maxLon,maxLat (CRS84); minLon > maxLon crosses the antimeridian.",
                    )
                    | {"style": "form", "explode": False},
                    _param(
                        "datetime",
                        "query",
                        {"type": "string", "format": "date-time"},
                        "RFC 3339 instant, or an interval start/end with '..' for an open end.",
                    ),
                    _param(
                        "limit",
                        "query",
                        {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10},
                        "Page size.",
                    ),
                    _param(
                        "offset",
                        "query",
                        {"type": "integer", "minimum": 0, "maximum": 1000000000},
                        "Start of the page.",
                    ),
                    _param("event_id", "query", {"type": "string"}, "Only features of this event."),
                    _param("region_id", "query", {"type": "string"}, "Only zones of this region (alert-zones)."),
                    _param("layer", "query", {"type": "string"}, "Only zones of this layer (alert-zones)."),
                    _param(
                        "severity",
                        "query",
                        {"type": "string", "enum": ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]},
                        "Only zones of this severity (alert-zones).",
                    ),
                    _param("phase", "query", {"type": "string"}, "Only corridors of this phase (corridors)."),
                    _param("country", "query", {"type": "string"}, "Only regions of this country (layers)."),
                    F,
                ],
                "responses": {
                    "200": {
                        "description": "A page of features",
                        "content": {
                            "application/geo+json": {"schema": {"$ref": "#/components/schemas/FeatureCollection"}},
                            **ok_html,
                        },
                    },
                    "304": {"description": "Not modified"},
                    "400": PROBLEM,
                    "404": PROBLEM,
                },
            }
        },
        "/collections/{collectionId}/items/{featureId}": {
            "get": {
                "summary": "One feature",
                "operationId": "getFeature",
                "parameters": [cid, fid, F],
                "responses": {
                    "200": {
                        "description": "The feature",
                        "content": {
                            "application/geo+json": {"schema": {"$ref": "#/components/schemas/Feature"}},
                            **ok_html,
                        },
                    },
                    "400": PROBLEM,
                    "404": PROBLEM,
                },
            }
        },
        "/api/events": {
            "get": {
                "summary": "Events, most recently updated first",
                "operationId": "listEvents",
                "parameters": [
                    _param("status", "query", {"type": "string", "enum": [s.value for s in EventStatus]}, "Filter."),
                    _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 1000}, "Page size."),
                    _param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 1000000000}, "Start."),
                    F,
                ],
                "responses": {
                    "200": {
                        "description": "Events",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["events"],
                                    "properties": {
                                        "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}
                                    },
                                }
                            },
                            **ok_html,
                        },
                    },
                    "400": PROBLEM,
                },
            },
            "post": {
                "summary": "Create an event from a notice text or GeoJSON corridors; answers with its alert zones",
                "operationId": "createEvent",
                "security": [{"bearer": []}],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/EventInput"}},
                        "text/plain": {"schema": {"type": "string", "minLength": 1}},
                        "application/geo+json": {"schema": {"type": "object"}},
                    },
                },
                "responses": {"201": {"description": "Created", **_json(event_ref)}, **write_errors},
            },
        },
        "/api/events/{eventId}": {
            "get": {
                "summary": "An event with its corridors, zones, inputs and history",
                "operationId": "getEvent",
                "parameters": [event_id, F],
                "responses": {
                    "200": {
                        "description": "The event",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}, **ok_html},
                    },
                    "400": PROBLEM,
                    "404": PROBLEM,
                },
            },
            "put": {
                "summary": "Replace the corridors (a new version)",
                "operationId": "replaceEvent",
                "security": [{"bearer": []}],
                "parameters": [event_id],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/EventInput"}},
                        "text/plain": {"schema": {"type": "string", "minLength": 1}},
                    },
                },
                "responses": {"200": {"description": "Updated", **_json(event_ref)}, **write_errors},
            },
            "patch": {
                "summary": "Rename or change the status (a new version)",
                "operationId": "patchEvent",
                "security": [{"bearer": []}],
                "parameters": [event_id],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "properties": {
                                    "name": {"type": "string", "minLength": 1},
                                    "status": {"type": "string", "enum": [s.value for s in EventStatus]},
                                    "if_version": {"type": "integer", "minimum": 1},
                                },
                            }
                        }
                    },
                },
                "responses": {"200": {"description": "Updated", **_json(event_ref)}, **write_errors},
            },
        },
        "/api/events/{eventId}/cancel": {
            "post": {
                "summary": "Cancel the event",
                "operationId": "cancelEvent",
                "security": [{"bearer": []}],
                "parameters": [event_id],
                "responses": {"200": {"description": "Cancelled", **_json(event_ref)}, **write_errors},
            }
        },
        "/events/{eventId}.geojson": _file(
            "Published GeoJSON (corridors + zones)",
            "application/geo+json",
            event_id,
            {"$ref": "#/components/schemas/FeatureCollection"},
        ),
        "/events/{eventId}.kml": _file("Published KML", "application/vnd.google-earth.kml+xml", event_id),
        "/alerts/{eventId}.cap": _file("CAP 1.2 message of the current version", "application/cap+xml", event_id),
        "/alerts.atom": {
            "get": {
                "summary": "Atom feed of the CAP messages",
                "operationId": "getAtom",
                "responses": {
                    "200": {"description": "Feed", "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                    "304": {"description": "Not modified"},
                    "400": PROBLEM,
                },
            }
        },
        "/openapi.json": {
            "get": {
                "summary": "This OpenAPI document",
                "operationId": "getOpenAPI",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.0",
                        "content": {"application/vnd.oai.openapi+json;version=3.0": {"schema": {"type": "object"}}},
                    },
                    "400": PROBLEM,
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Health",
                "operationId": "health",
                "responses": {
                    "200": {"description": "OK", **_json({"type": "object", "required": ["status"]})},
                    "503": PROBLEM,
                },
            }
        },
    }
    link = {
        "type": "object",
        "required": ["href", "rel"],
        "properties": {
            "href": {"type": "string"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
        },
    }
    feature_schema = {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "geometry": {"nullable": True, "type": "object"},
            "properties": {"type": "object", "nullable": True},
            "bbox": {"type": "array", "items": {"type": "number"}},
        },
    }
    fc = {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": "#/components/schemas/Feature"}},
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
        },
    }
    event = {
        "type": "object",
        "required": ["id", "name", "kind", "status", "version"],
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": [k.value for k in EventKind]},
            "status": {"type": "string", "enum": [s.value for s in EventStatus]},
            "version": {"type": "integer", "minimum": 1},
            "created": {"type": "string", "format": "date-time"},
            "updated": {"type": "string", "format": "date-time"},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "geowarn",
            "version": __version__,
            "description": "OGC API – Features over layers, corridors and alert zones; events; CAP and Atom.",
            "license": {"name": "Apache-2.0"},
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Problem": {
                    "description": "An RFC 9457 problem",
                    "content": {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}},
                        "text/html": {"schema": {"type": "string"}},
                    },
                }
            },
            "schemas": {
                "Link": link,
                "Landing": {
                    "type": "object",
                    "required": ["links"],
                    "properties": {
                        "title": {"type": "string"},
                        "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
                    },
                },
                "Collection": {
                    "type": "object",
                    "required": ["id", "links"],
                    "properties": {
                        "id": {"type": "string"},
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
                    },
                },
                "Feature": feature_schema,
                "FeatureCollection": fc,
                "Event": event,
                "EventResult": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Event"},
                        {
                            "type": "object",
                            "required": ["zones", "corridors"],
                            "properties": {
                                "zones": {"$ref": "#/components/schemas/FeatureCollection"},
                                "corridors": {"$ref": "#/components/schemas/FeatureCollection"},
                            },
                        },
                    ]
                },
                "EventInput": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "text": {"type": "string", "description": "A notice (NAVAREA, NOTAM, profile …)."},
                        "geojson": {"type": "object", "description": "Corridors as a FeatureCollection."},
                        "format": {"type": "string"},
                        "name": {"type": "string"},
                        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,79}$"},
                        "kind": {"type": "string", "enum": [k.value for k in EventKind]},
                        "filename": {"type": "string"},
                        "if_version": {"type": "integer", "minimum": 1},
                    },
                },
                "Problem": {
                    "type": "object",
                    "required": ["type", "title", "status", "detail"],
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "line": {"type": "integer"},
                        "column": {"type": "integer"},
                    },
                },
            },
        },
    }


def _file(summary: str, media: str, event_id: dict[str, Any], schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "operationId": "get" + "".join(w.capitalize() for w in summary.split()[:3]).replace("(", ""),
            "parameters": [event_id],
            "responses": {
                "200": {"description": summary, "content": {media: {"schema": schema or {"type": "string"}}}},
                "304": {"description": "Not modified"},
                "400": PROBLEM,
                "404": PROBLEM,
            },
        }
    }
