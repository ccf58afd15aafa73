"""JSON API and published-file routes, generated from ``geowarn.api.operations.OPERATIONS``.

One URL rule per :class:`~geowarn.api.operations.Operation`; one generic view
checks the token when the operation needs it, lets the framework-free
dispatcher validate the request and call the handler, and turns the core's
``(headers, status, body)`` (or a published file) into a response.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, render_template, request

from geowarn.api.dispatch import Call, dispatch
from geowarn.api.operations import OPERATIONS, Operation, PublishedFile
from geowarn.publish.geojson import dumps
from webapp.core import (
    api_request,
    artifact_response,
    cache,
    check_format,
    check_upload_size,
    options,
    require_token,
    settings,
    store,
    wants_html,
)

bp = Blueprint("api", __name__)

#: Flask converters of the path parameters that are not plain strings.
CONVERTERS = {"featureId": "path", "version": "int"}


def respond(
    result: tuple[dict[str, str], int, Any], *, html_title: str = "", cacheable: bool = False, html: bool = True
) -> Response:
    """Turn a core ``(headers, status, body)`` into a response (HTML when ``html`` and asked with f=html / Accept)."""
    headers, status, body = result
    if html and wants_html() and status < 300:
        obj = json.loads(body) if isinstance(body, str) else body
        return Response(render_template("ogc.html", title=html_title, doc=obj), status=status, mimetype="text/html")
    if status == 204:
        return Response(status=204, headers=headers)
    data = body if isinstance(body, str | bytes) else dumps(body)
    resp = Response(data, status=status, headers=headers)
    if cacheable:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        resp.set_etag(hashlib.sha256(raw).hexdigest()[:32])  # Cache-Control: webapp.caching
        resp.make_conditional(request)
    return resp


def flask_rule(path: str) -> str:
    """``/events/{eventId}/v{version}.cap`` → ``/events/<eventId>/v<int:version>.cap``."""
    return re.sub(r"\{(\w+)\}", lambda m: f"<{_conv(m.group(1))}{m.group(1)}>", path)


def _conv(name: str) -> str:
    conv = CONVERTERS.get(name)
    return f"{conv}:" if conv else ""


@bp.before_request
def _validate_format() -> None:
    check_format()


def _view(op: Operation) -> Callable[..., Response]:
    def view(**path: Any) -> Response:
        token_id = require_token() if op.auth else None
        if op.body:
            check_upload_size(request.content_length or 0)
        call = Call(
            req=api_request(),
            store=store(),
            options=options(),
            path=path,
            content_type=request.content_type or "",
            body=request.get_data(cache=False) if op.body else b"",
            query_string=request.query_string,
            cache=cache().get_or_set,
            accept_language=request.headers.get("Accept-Language", ""),
            settings=settings(),
            token_id=token_id,
        )
        result = dispatch(op, call)
        if isinstance(result, PublishedFile):
            resp = artifact_response(
                result.artifact, download_name=result.download_name, cache_forever=result.cache_forever
            )
            if result.localised:
                resp.vary.add("Accept-Language")
                if result.language:
                    resp.headers["Content-Language"] = result.language
            return resp
        title = op.html_title.format(**path)
        return respond(result, html_title=title, cacheable=op.cacheable, html=op.html or op.html_on_accept)

    view.__name__ = op.operation_id
    return view


for _op in OPERATIONS:
    if _op.routed_by is None:
        bp.add_url_rule(
            flask_rule(_op.path), endpoint=_op.operation_id, view_func=_view(_op), methods=[_op.method.upper()]
        )
