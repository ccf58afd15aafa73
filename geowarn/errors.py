"""One exception hierarchy for geowarn.

Every error knows the HTTP status it maps to and a problem+json ``type``
(RFC 9457), so the CLI can print one clear line and the web app can answer
with ``application/problem+json`` without guessing.

>>> e = ParseError("latitude 95-10N is out of range", line=3, column=7)
>>> str(e)
'line 3, column 7: latitude 95-10N is out of range'
>>> e.status, e.problem()["type"]
(400, 'https://geowarn.example/problems/parse-error')
"""

from __future__ import annotations

from typing import Any, Self

PROBLEM_BASE = "https://geowarn.example/problems/"


class GeowarnError(Exception):
    """Base class of every error geowarn raises on purpose."""

    status: int = 500
    code: str = "internal-error"
    title: str = "Internal error"
    #: The catalogue message of the detail (:meth:`of`), rendered in a reader's language by :meth:`detail_in`.
    msgid: str | None = None
    values: dict[str, Any] = {}  # noqa: RUF012  (never mutated: :meth:`of` sets a new dict)

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = {k: v for k, v in extra.items() if v is not None}

    @classmethod
    def of(cls, msgid: str, /, *, init: dict[str, Any] | None = None, **values: Any) -> Self:
        """Make the error whose detail is the catalogue message ``msgid`` (:mod:`geowarn.i18n`) with ``values``.

        The detail is the English text; :meth:`detail_in` gives it in another language. ``values``
        (the input quoted) are put in verbatim; ``init`` are the constructor's other keyword arguments.

        >>> e = NotFound.of("error.no_event", id=repr("x<1>"))
        >>> str(e), e.detail_in("ja")
        ("no event 'x<1>'", "事象 'x<1>' はありません")
        """
        from geowarn.i18n import message

        err = cls(message(msgid, "en", **values), **(init or {}))
        err.msgid, err.values = msgid, dict(values)
        return err

    def detail_in(self, lang: str) -> str:
        """Return the detail in ``lang`` when it is a catalogue message, else the detail as raised."""
        if self.msgid is None:
            return str(self)
        from geowarn.i18n import message

        return message(self.msgid, lang, **self.values)

    def __str__(self) -> str:
        """Return the detail of the error."""
        return self.detail

    def problem(self) -> dict[str, Any]:
        """Return the RFC 9457 problem+json body of this error."""
        body: dict[str, Any] = {
            "type": PROBLEM_BASE + self.code,
            "title": self.title,
            "status": self.status,
            "detail": str(self),
        }
        body.update(self.extra)
        return body


class UserError(GeowarnError):
    """Bad input from a user: a file, a flag, a form field, a query parameter."""

    status = 400
    code = "bad-request"
    title = "Bad request"


class ParseError(UserError):
    """Input text or a file could not be read.

    ``line``/``column`` are 1-based; ``path`` is a JSON path or a field name.
    """

    code = "parse-error"
    title = "Input could not be parsed"

    def __init__(
        self,
        detail: str,
        *,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(detail, line=line, column=column, path=path)
        self.line = line
        self.column = column
        self.path = path

    def __str__(self) -> str:
        """Return the detail prefixed by the line, column and path it names."""
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.path is not None:
            where.append(self.path)
        prefix = ", ".join(where)
        return f"{prefix}: {self.detail}" if prefix else self.detail


class InvalidParameter(UserError):
    """A query parameter, CLI option or form field has a bad value."""

    code = "invalid-parameter"
    title = "Invalid parameter"


class InvalidGeometry(UserError):
    """A geometry is invalid, empty, out of range or too large."""

    status = 422
    code = "invalid-geometry"
    title = "Invalid geometry"


class Unauthorized(GeowarnError):
    """No or an unknown API token (HTTP 401)."""

    status = 401
    code = "unauthorized"
    title = "Authentication required"


class Forbidden(GeowarnError):
    """A valid token or session that may not do this, or a stale CSRF token (HTTP 403)."""

    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFound(GeowarnError):
    """No such event, region, layer, collection, feature or file (HTTP 404)."""

    status = 404
    code = "not-found"
    title = "Not found"


class Conflict(GeowarnError):
    """The resource exists or changed meanwhile (HTTP 409)."""

    status = 409
    code = "conflict"
    title = "Conflict"


class PayloadTooLarge(UserError):
    """An input beyond the size limits (HTTP 413)."""

    status = 413
    code = "payload-too-large"
    title = "Payload too large"


class StoreError(GeowarnError):
    """The store failed (database unreachable, migration failed)."""

    status = 503
    code = "store-unavailable"
    title = "Store unavailable"


class DeliveryError(GeowarnError):
    """An alert delivery attempt failed. ``permanent`` errors are parked."""

    status = 502
    code = "delivery-failed"
    title = "Delivery failed"

    def __init__(self, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.permanent = permanent


class RetryLater(GeowarnError):
    """The request cannot be answered now; the client retries after ``retry_after`` seconds (503)."""

    status = 503
    code = "retry-later"
    title = "Try again later"
    default_retry_after = 30

    def __init__(self, detail: str, *, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.retry_after = self.default_retry_after if retry_after is None else retry_after


class NotRendered(RetryLater):
    """A published file is not rendered yet (its render failed and is retried): 503 with ``Retry-After``."""

    code = "not-rendered"
    title = "File not rendered yet"
    default_retry_after = 5


class Busy(RetryLater):
    """The server has no capacity for this request now (the client retries after ``retry_after`` seconds)."""

    code = "busy"
    title = "Busy"
