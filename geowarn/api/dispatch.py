"""Validate one request against its :class:`~geowarn.api.operations.Operation` and call the handler.

>>> from geowarn.api.models import EventPatch
>>> parse_json(b'{"name": "x"}', EventPatch)[0].name
'x'
>>> try:
...     parse_json(b'{"status": 3, "name": "x", "colour": 1}', EventPatch)
... except InvalidParameter as exc:
...     print(exc)
unknown field(s): colour (name, status, if_version)
>>> field_path(("channels", 0, "kind")), field_path(("if_version", "constrained-int"))
('channels[0].kind', 'if_version')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from geowarn.errors import InvalidParameter, ParseError
from geowarn.jsondepth import load_object
from geowarn.ogcapi import APIRequest, check_params
from geowarn.sources.common import check_text

if TYPE_CHECKING:
    from geowarn.api.operations import Operation
    from geowarn.service import Options
    from geowarn.settings import Settings
    from geowarn.store import Store

M = TypeVar("M", bound=BaseModel)
Response = tuple[dict[str, str], int, Any]
JSON_TYPES = ("application/json",)


def _no_cache(_key: Any, make: Callable[[], Any]) -> Any:
    return make()


@dataclass(frozen=True)
class Call:
    """One request as the handlers see it (no web framework)."""

    req: APIRequest
    store: Store
    options: Options
    path: Mapping[str, Any] = field(default_factory=dict)
    content_type: str = ""
    body: bytes = b""
    query_string: bytes = b""
    cache: Callable[[Any, Callable[[], Any]], Any] = _no_cache
    model: BaseModel | None = None
    raw: Any = None  # the decoded JSON body, when the operation validated one
    accept_language: str = ""  # the request's Accept-Language header (pages and feeds in the reader's language)
    settings: Settings | None = None  # the app's settings (``None``: library defaults / the environment)
    token_id: str | None = None  # the verified bearer token of an ``auth`` operation (who acts)

    def media_type(self) -> str:
        """Return the request's media type, lower case, without parameters."""
        return self.content_type.split(";", 1)[0].strip().lower()


#: Names pydantic gives to the members of a union in an error location (not field names).
_UNION_TAGS = {"str", "int", "float", "bool", "dict", "list", "enum", "none", "literal"}


def field_path(loc: Sequence[int | str]) -> str:
    """Format an error location: ``("a", 0, "b")`` → ``"a[0].b"`` (without pydantic's union-member tags)."""
    out = ""
    for part in loc:
        if isinstance(part, str) and (part in _UNION_TAGS or "-" in part or "[" in part):
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def invalid(exc: ValidationError) -> InvalidParameter:
    """Turn the first error of a pydantic validation into a 400 naming the field (``field`` in the problem)."""
    err = exc.errors(include_url=False)[0]
    where = field_path(err["loc"])
    if err["type"] == "value_error" and "error" in err.get("ctx", {}):
        msg = str(err["ctx"]["error"])
    else:
        msg = str(err["msg"])
    return InvalidParameter(f"{where}: {msg}" if where else msg, field=where or None)


def decode(body: bytes) -> str:
    """Decode the body as text (a :class:`ParseError` naming the byte when it is not UTF-8)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(f"the request body is not UTF-8 (byte {exc.start})") from None
    check_text(text, "the request body")
    return text


def parse_json(body: bytes, model: type[M], *, empty: str | None = None) -> tuple[M, dict[str, Any]]:
    """Decode a JSON object body and validate it with ``model``; ``empty`` stands in for an empty body."""
    text = decode(body)
    if not text.strip() and empty is not None:
        text = empty
    obj = load_object(text)
    try:
        return model.model_validate(obj), obj
    except ValidationError as exc:
        raise invalid(exc) from None


def dispatch(op: Operation, call: Call) -> Any:
    """Check the query parameters and the JSON body of ``call`` against ``op``, then run its handler."""
    if op.strict_query:
        check_params(call.req, op.query_names())
    json_only = set(op.body) <= set(JSON_TYPES)  # such bodies are read as JSON whatever their Content-Type
    if op.body_model is not None and (json_only or call.media_type() in JSON_TYPES):
        model, raw = parse_json(call.body, op.body_model, empty=op.empty_body)
        call = replace(call, model=model, raw=raw)
    assert op.handler is not None, op.operation_id
    return op.handler(call)
