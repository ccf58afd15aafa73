"""Glue between Flask and the framework-free core: the store, options, errors, security headers, caching.

``init_app`` opens the store (running migrations), registers the error shaper
(``application/problem+json`` for every error, an HTML page when the client
prefers HTML), the Content-Security-Policy and other security headers, and the
upload limit.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cachetools
from flask import Flask, Response, current_app, g, render_template, request, session
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from geowarn.errors import Forbidden, GeowarnError, PayloadTooLarge, Unauthorized
from geowarn.ogcapi import APIRequest
from geowarn.service import Options
from geowarn.settings import Settings
from geowarn.store import Artifact, Store, open_store
from webapp.caching import cache_policy

log = logging.getLogger(__name__)

#: CSP of our pages: only our own origin; inline styles allowed (Leaflet and folium set them).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)


def init_app(app: Flask, settings: Settings | None = None) -> None:
    """Open the store and install error handling, security headers and limits.

    ``settings`` (default: the environment) is kept in ``app.extensions["geowarn.settings"]``.
    """
    settings = settings if settings is not None else Settings.from_env()
    app.extensions["geowarn.settings"] = settings
    app.config["MAX_CONTENT_LENGTH"] = int(settings.max_upload_mb * 1024 * 1024)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    store = app.config.get("STORE") or open_store(settings.database_url, data_dir=settings.data_dir)
    app.extensions["geowarn.store"] = store
    app.extensions["geowarn.cache"] = ResponseCache(512)
    app.config["SECRET_KEY"] = settings.secret_key or _persistent_secret(settings)
    app.register_error_handler(Exception, handle_error)
    app.after_request(security_headers)
    app.after_request(cache_policy)
    from webapp.fastpath import ArtifactFastPath

    app.wsgi_app = ArtifactFastPath(app.wsgi_app, store, SECURITY_HEADERS)  # type: ignore[method-assign]


def _persistent_secret(settings: Settings) -> str:
    """Return a secret key kept in the data directory, so several workers share sessions (SQLite setups).

    With PostGIS (or an unwritable directory) a random key per process.
    """
    if settings.database_url:
        return secrets.token_hex(32)
    path = Path(settings.data_dir) / "secret_key"
    try:
        if not path.exists():
            tmp = path.with_name(f".secret_key.{secrets.token_hex(4)}")
            tmp.write_text(secrets.token_hex(32), encoding="ascii")
            tmp.chmod(0o600)
            tmp.replace(path) if not path.exists() else tmp.unlink()
        return path.read_text(encoding="ascii").strip()
    except OSError:
        return secrets.token_hex(32)


def store() -> Store:
    """Return the app's store."""
    s: Store = current_app.extensions["geowarn.store"]
    return s


def settings() -> Settings:
    """Return the app's :class:`~geowarn.settings.Settings` (built once by ``create_app``)."""
    s: Settings = current_app.extensions["geowarn.settings"]
    return s


def cache() -> ResponseCache:
    """Return the app's response cache."""
    c: ResponseCache = current_app.extensions["geowarn.cache"]
    return c


def options() -> Options:
    """Return the publishing options of the app's settings (layers, tiles, CAP identity)."""
    return Options.from_settings(settings())


def api_request() -> APIRequest:
    """Return the framework-free view of the current request (base URL and query parameters)."""
    return APIRequest(base_url=request.host_url.rstrip("/"), args=request.args.to_dict(flat=False))


class ResponseCache:
    """A thread-safe LRU cache (:class:`cachetools.LRUCache` + a lock) for computed responses.

    Keys include the store generation. ``make`` runs outside the lock (two threads
    may compute the same value once each; the last one is kept).

    >>> c = ResponseCache(2)
    >>> c.get_or_set("a", lambda: 1), c.get_or_set("a", lambda: 2)
    (1, 1)
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: cachetools.LRUCache[Any, Any] = cachetools.LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get_or_set(self, key: Any, make: Callable[[], Any]) -> Any:
        """Return the cached value of ``key``, computing it with ``make`` when missing."""
        with self._lock:
            try:
                return self._data[key]
            except KeyError:
                pass
        value = make()
        with self._lock:
            self._data[key] = value
        return value


# --------------------------------------------------------------------------- formats


def wants_html() -> bool:
    """``?f=html|json`` wins; otherwise the Accept header decides (JSON when nothing is preferred)."""
    f = request.args.get("f")
    if f == "html":
        return True
    if f in ("json", "geojson"):
        return False
    best = request.accept_mimetypes.best_match(["application/json", "application/geo+json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]


def check_format() -> None:
    """Raise :class:`InvalidParameter` unless ``?f=`` is absent, ``json``, ``html`` or ``geojson``."""
    from geowarn.errors import InvalidParameter

    f = request.args.get("f")
    if f is not None and f not in ("json", "html", "geojson"):
        raise InvalidParameter(f"f must be json or html, got {f!r}")


# --------------------------------------------------------------------------- errors


def handle_error(exc: Exception) -> Response:
    """One error shaper: RFC 9457 problem+json (or an HTML page for browsers). Never a traceback."""
    if isinstance(exc, RequestEntityTooLarge):
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        exc = PayloadTooLarge(f"the upload exceeds the limit of {limit / 1048576:g} MB (GEOWARN_MAX_UPLOAD_MB)")
    if isinstance(exc, GeowarnError):
        problem = exc.problem()
        status = exc.status
    elif isinstance(exc, HTTPException):
        status = exc.code or 500
        problem = {
            "type": "about:blank",
            "title": exc.name,
            "status": status,
            "detail": exc.description or exc.name,
        }
    else:
        log.exception("unhandled error on %s %s", request.method, request.path)
        status = 500
        problem = {
            "type": "about:blank",
            "title": "Internal error",
            "status": 500,
            "detail": "an internal error occurred",
        }
    problem.setdefault("instance", request.path)
    if request.method == "GET" and _browser_wants_html():
        html = render_template("error.html", problem=problem)
        resp = Response(html, status=status, mimetype="text/html")
    else:
        import json

        resp = Response(json.dumps(problem, ensure_ascii=False), status=status, mimetype="application/problem+json")
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="geowarn"'
    if isinstance(exc, HTTPException) and status == 405:
        allow = exc.get_headers()
        for k, v in allow:
            if k.lower() == "allow":
                resp.headers["Allow"] = v
    return resp


def _browser_wants_html() -> bool:
    if (
        request.path.startswith(("/api/", "/collections", "/conformance", "/openapi"))
        or request.args.get("f") == "json"
    ):
        return request.args.get("f") == "html"
    am = request.accept_mimetypes
    return am["text/html"] > am["application/json"] and am["text/html"] > am["application/problem+json"]


# --------------------------------------------------------------------------- security


SECURITY_HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
]


def security_headers(resp: Response) -> Response:
    """Add the default security headers to ``resp`` (those already set are kept)."""
    for name, value in SECURITY_HEADERS:
        resp.headers.setdefault(name, value)
    return resp


def map_csp(html: bytes) -> str:
    """Build the CSP of a generated map page: our origin plus the sha256 of each of its inline scripts."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode("utf-8")).digest()).decode("ascii") + "'"
        for m in _INLINE_SCRIPT.finditer(html.decode("utf-8", errors="replace"))
    ]
    return CSP.replace("script-src 'self'", "script-src 'self' " + " ".join(hashes))


def require_token() -> str:
    """Check ``Authorization: Bearer <token>`` and return its token id (401 without, 403 when invalid)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("this request needs 'Authorization: Bearer <token>' (create one: geowarn tokens create)")
    token_id = store().verify_token(token.strip())
    if token_id is None:
        raise Forbidden("the token is unknown or revoked")
    g.token_id = token_id
    return token_id


def csrf_token() -> str:
    """Return the session's CSRF token, creating it on first use."""
    tok = session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(32)
        session["csrf"] = tok
    return str(tok)


def check_csrf() -> None:
    """Raise :class:`Forbidden` unless the form carries the session's CSRF token."""
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not secrets.compare_digest(str(sent), str(expected)):
        raise Forbidden("the form's CSRF token is missing or stale; reload the page and try again")


# --------------------------------------------------------------------------- artifacts


def artifact_response(art: Artifact, *, download_name: str | None = None, cache_forever: bool = False) -> Response:
    """Serve an immutable published file with ETag (sha256) and Last-Modified; 304 on a match."""
    resp = Response(art.body, content_type=art.media_type)
    resp.set_etag(art.etag)
    resp.last_modified = art.created
    if cache_forever:  # otherwise webapp.caching.CURRENT (set after the request)
        resp.cache_control.public = True
        resp.cache_control.max_age = 31536000
        resp.cache_control.immutable = True
    if download_name:
        resp.headers["Content-Disposition"] = f'inline; filename="{download_name}"'
    resp.make_conditional(request)
    return resp
