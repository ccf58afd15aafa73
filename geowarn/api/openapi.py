"""The OpenAPI 3.1 document of the web API, generated from :data:`geowarn.api.operations.OPERATIONS`.

>>> doc = openapi_document("http://127.0.0.1:8000", ["alert-zones", "corridors"])
>>> doc["openapi"], "/collections/{collectionId}/items" in doc["paths"], "/api/subscriptions" in doc["paths"]
('3.1.0', True, True)
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from geowarn import __version__
from geowarn.api import models
from geowarn.api.operations import OPERATIONS, PATH_PARAMS, Operation, Param

PROBLEM = {"$ref": "#/components/responses/Problem"}
REF = "#/components/schemas/{model}"
F = {
    "name": "f",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["json", "html"]},
    "description": "Output format (overrides Accept).",
}
HTML = {"text/html": {"schema": {"type": "string"}}}


class _Schemas:
    """Collects model schemas into ``components/schemas`` (refusing two different schemas of one name)."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def add(self, model: type[BaseModel] | dict[str, Any]) -> dict[str, Any]:
        if isinstance(model, dict):
            return model
        schema = _drop_null_defaults(model.model_json_schema(ref_template=REF))
        for name, sub in schema.pop("$defs", {}).items():
            self._put(name, sub)
        self._put(model.__name__, schema)
        return {"$ref": REF.format(model=model.__name__)}

    def _put(self, name: str, schema: dict[str, Any]) -> None:
        old = self.defs.setdefault(name, schema)
        if old != schema:
            raise ValueError(f"two different schemas are both named {name!r}")


def _drop_null_defaults(node: Any) -> Any:
    """Drop ``"default": null`` (an omitted optional field) where ``null`` is no allowed value."""
    if isinstance(node, dict):
        return {k: _drop_null_defaults(v) for k, v in node.items() if not (k == "default" and v is None)}
    if isinstance(node, list):
        return [_drop_null_defaults(v) for v in node]
    return node


def _query(p: Param) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "in": "query", "required": False, "schema": p.schema}
    out["description"] = p.description
    if not p.explode:
        out |= {"style": "form", "explode": False}
    return out


def _path_param(name: str, collection_ids: list[str]) -> dict[str, Any]:
    schema, description = PATH_PARAMS[name]
    if name == "collectionId":
        schema = {**schema, "enum": collection_ids}
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


def _operation(op: Operation, schemas: _Schemas, collection_ids: list[str]) -> dict[str, Any]:
    params = [_path_param(n, collection_ids) for n in op.path_names()] + [_query(p) for p in op.query]
    if op.html:
        params.append(F)
    out: dict[str, Any] = {"summary": op.summary, "operationId": op.operation_id, "tags": [op.tag]}
    if op.description:
        out["description"] = op.description
    if params:
        out["parameters"] = params
    if op.auth:
        out["security"] = [{"bearer": []}]
    if op.body:
        out["requestBody"] = {
            "required": op.empty_body is None,
            "content": {media: {"schema": schemas.add(m)} for media, m in op.body.items()},
        }
    ok: dict[str, Any] = {"description": op.summary}
    if op.response is not None:
        ok["content"] = {op.media_type: {"schema": schemas.add(op.response)}, **(HTML if op.html else {})}
    if op.location:
        ok["headers"] = {"Location": {"description": "URL of the new resource", "schema": {"type": "string"}}}
    if op.links:
        ok["links"] = {
            name: {"operationId": target, "parameters": {_id_param(target): f"$response.body#/{key}"}}
            for name, (target, key) in op.links.items()
        }
    responses: dict[str, Any] = {str(op.status): ok}
    if op.conditional:
        responses["304"] = {"description": "Not modified"}
    for status in op.errors:
        responses[str(status)] = PROBLEM
    out["responses"] = responses
    return out


def _id_param(operation_id: str) -> str:
    """Return the last path parameter of the operation ``operation_id`` (the one a link fills)."""
    return next(op for op in OPERATIONS if op.operation_id == operation_id).path_names()[-1]


def openapi_document(base_url: str, collection_ids: list[str]) -> dict[str, Any]:
    """Build the OpenAPI document; ``collection_ids`` become the enum of ``collectionId``."""
    schemas = _Schemas()
    problem = schemas.add(models.Problem)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, schemas, collection_ids)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "geowarn",
            "version": __version__,
            "description": "OGC API – Features over layers, corridors and alert zones; events; subscriptions; "
            "CAP and Atom.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Problem": {
                    "description": "An RFC 9457 problem",
                    "content": {"application/problem+json": {"schema": problem}, **HTML},
                }
            },
            "schemas": dict(sorted(schemas.defs.items())),
        },
    }
