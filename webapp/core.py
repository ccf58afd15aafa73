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
from typing import Any

import cachetools
from flask import Flask, Response, current_app, g, has_request_context, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from geowarn.background import BackgroundRenders
from geowarn.deploy import CSP, SECURITY_HEADERS
from geowarn.errors import Forbidden, GeowarnError, PayloadTooLarge, Unauthorized
from geowarn.i18n import CATALOGUE, label, message, pick_language
from geowarn.ogcapi import APIRequest
from geowarn.publish.kinds import FILE_KINDS
from geowarn.publish.static import StaticFiles, register
from geowarn.service import Options
from geowarn.settings import Settings
from geowarn.store import Artifact, Store, open_store
from webapp.caching import cache_policy

log = logging.getLogger(__name__)

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)


def init_app(app: Flask, settings: Settings | None = None) -> None:
    """Open the store and install error handling, security headers and limits.

    ``settings`` (default: the environment) is kept in ``app.extensions["geowarn.settings"]``.
    """
    settings = settings if settings is not None else Settings.from_env()
    app.extensions["geowarn.settings"] = settings
    # the body limit leaves room for a form's overhead: the operator's publish step re-posts the previewed file
    # base64-encoded (4/3) in a multipart form; the file or body itself is held to the limit (check_upload_size)
    limit = int(settings.max_upload_mb * 1024 * 1024)
    app.extensions["geowarn.upload_limit"] = limit
    app.config["MAX_CONTENT_LENGTH"] = limit * 4 // 3 + FORM_OVERHEAD
    # Flask's defaults hold SESSION_COOKIE_SAMESITE=None, so a setdefault never applied (issue 14 #9)
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.session_interface = SessionCookies()
    store = app.config.get("STORE") or open_store(settings=settings)
    app.extensions["geowarn.store"] = store
    app.extensions["geowarn.cache"] = ResponseCache(512)
    # the warning commits first, the files are rendered after the answer (issue 16)
    app.extensions["geowarn.renders"] = BackgroundRenders(settings.render_threads) if settings.render_threads else None
    app.config["SECRET_KEY"] = _secret_key(settings)
    app.register_error_handler(Exception, handle_error)
    app.before_request(reject_nul)
    app.before_request(_write_started)
    app.teardown_request(_write_ended)
    app.after_request(security_headers)
    app.after_request(cache_policy)
    from webapp.fastpath import ArtifactFastPath

    static = StaticFiles(settings.static_dir) if settings.static_dir is not None else None
    if static is not None:
        _register_static(store, static)
    app.extensions["geowarn.static"] = static
    app.wsgi_app = ArtifactFastPath(app.wsgi_app, store, SECURITY_HEADERS, static=static)  # type: ignore[method-assign]
    if settings.trusted_proxies:  # X-Forwarded-Proto/-Host/-For of that many proxies (an https front end)
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]


def _register_static(store: Store, static: StaticFiles) -> None:
    """Record the static directory in the store, so commits of processes without the setting clean it too."""
    try:
        with store.transaction() as tx:
            register(tx, static.root)
    except Exception:  # a read-only or unreachable store must not stop the pages; the commits register it too
        log.exception("could not record the static directory %s in the store", static.root)


class SessionCookies(SecureCookieSessionInterface):
    """Signed-cookie sessions whose cookie is ``Secure`` whenever the request came over HTTPS.

    HTTPS is ``wsgi.url_scheme`` (set from ``X-Forwarded-Proto`` by ProxyFix when
    ``GEOWARN_TRUSTED_PROXIES`` is set) or ``PREFERRED_URL_SCHEME = "https"``; plain-HTTP
    development servers keep a cookie the browser sends back.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        """Tell whether the session cookie gets ``Secure`` (HTTPS request or configured so)."""
        if app.config.get("SESSION_COOKIE_SECURE") or app.config.get("PREFERRED_URL_SCHEME") == "https":
            return True
        return has_request_context() and request.is_secure


#: Bytes a multipart form may add around its file (boundaries, headers, the other fields).
FORM_OVERHEAD = 256 * 1024


def _too_large() -> PayloadTooLarge:
    limit = current_app.extensions.get("geowarn.upload_limit") or 0
    return PayloadTooLarge(f"the upload exceeds the limit of {limit / 1048576:g} MB (GEOWARN_MAX_UPLOAD_MB)")


def check_upload_size(n_bytes: int) -> None:
    """413 when a request body, an uploaded file or a pasted text is larger than ``GEOWARN_MAX_UPLOAD_MB``."""
    if n_bytes > (current_app.extensions.get("geowarn.upload_limit") or 0):
        raise _too_large()


def _secret_key(settings: Settings) -> str:
    """Return ``GEOWARN_SECRET_KEY``, else the key kept in the data directory.

    That key is shared by the workers of one host and seals the webhook secrets
    (:mod:`geowarn.secretbox`); a random one when it cannot be kept.
    """
    from geowarn.errors import StoreError
    from geowarn.secretbox import secret_key

    try:
        return secret_key(settings.secret_key, settings.data_dir)
    except StoreError:
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
    """Return the publishing options of the app's settings (layers, tiles, CAP identity, background renders)."""
    opts = Options.from_settings(settings())
    opts.renders = current_app.extensions.get("geowarn.renders")
    return opts


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _write_started() -> None:
    """Let the background renders wait while this write is answered (its commit goes first, issue 16)."""
    renders = current_app.extensions.get("geowarn.renders")
    if renders is not None and request.method in _WRITES:
        renders.write_started()
        g.geowarn_write = renders


def _write_ended(_exc: BaseException | None) -> None:
    renders = g.pop("geowarn_write", None)
    if renders is not None:
        renders.write_ended()


def background_renders() -> BackgroundRenders | None:
    """Return the app's background render executor (``None`` with ``GEOWARN_RENDER_THREADS=0``)."""
    r: BackgroundRenders | None = current_app.extensions.get("geowarn.renders")
    return r


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
        raise InvalidParameter.of("error.f_value", value=repr(f))


# --------------------------------------------------------------------------- errors


def handle_error(exc: Exception) -> Response:
    """One error shaper: RFC 9457 problem+json (or an HTML page for browsers). Never a traceback."""
    if isinstance(exc, RequestEntityTooLarge):
        exc = _too_large()
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
    html = request.method == "GET" and _browser_wants_html()
    lang = None
    if html or request.blueprint == "pages" or request.endpoint in PUBLIC_FEEDS:
        region = (request.view_args or {}).get("region_id")
        lang = pick_language(request.args.get("lang"), request.headers.get("Accept-Language"), region)
        problem["title"] = _problem_title(problem, status, lang)
        problem["detail"] = _problem_detail(exc, problem, status, lang)
    if html:
        page = render_template("error.html", problem=problem, lang=lang)
        resp = Response(page, status=status, mimetype="text/html")
    else:
        import json

        resp = Response(json.dumps(problem, ensure_ascii=False), status=status, mimetype="application/problem+json")
    if lang is not None:
        resp.headers["Content-Language"] = lang
        resp.vary.add("Accept-Language")
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="geowarn"'
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        resp.headers["Retry-After"] = str(int(retry_after))
    if isinstance(exc, HTTPException) and status == 405:
        allow = exc.get_headers()
        for k, v in allow:
            if k.lower() == "allow":
                resp.headers["Allow"] = v
    return resp


#: Endpoints outside the pages blueprint whose readers are the public (their error titles and details are
#: localised): the feeds, the point query and the published files the pages link to.
PUBLIC_FEEDS = frozenset(
    {
        "api.getAtom",
        "live.stream",
        "api.getAffected",
        *(f"api.getEventFile{k.suffix.capitalize()}{v}" for k in FILE_KINDS for v in ("", "V")),
    }
)
#: The problem code of a werkzeug error (routing: unknown URL, wrong method).
_HTTP_CODES = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found", 405: "method-not-allowed"}


def _problem_title(problem: dict[str, Any], status: int, lang: str) -> str:
    """Return the problem's ``title`` in ``lang`` (catalogue ``problem.<code>``), else the English one."""
    code = str(problem.get("type", "")).rsplit("/", 1)[-1] if problem.get("type") != "about:blank" else ""
    code = code or _HTTP_CODES.get(status, "")
    return label("problem", code, lang) if f"problem.{code}" in CATALOGUE else str(problem["title"])


def _problem_detail(exc: Exception, problem: dict[str, Any], status: int, lang: str) -> str:
    """Return the problem's ``detail`` in ``lang``: a catalogue message (``error.*``), else as raised.

    A werkzeug routing error (unknown URL, wrong method) with its stock text gets ``error.http_<status>``.
    """
    if isinstance(exc, GeowarnError):
        return exc.detail_in(lang)
    stock = isinstance(exc, HTTPException) and exc.description == type(exc).description
    if stock and f"error.http_{status}" in CATALOGUE:
        return message(f"error.http_{status}", lang)
    return str(problem["detail"])


def _browser_wants_html() -> bool:
    if (
        request.path.startswith(("/api/", "/collections", "/conformance", "/openapi"))
        or request.args.get("f") == "json"
    ):
        return request.args.get("f") == "html"
    am = request.accept_mimetypes
    return am["text/html"] > am["application/json"] and am["text/html"] > am["application/problem+json"]


# --------------------------------------------------------------------------- security


def reject_nul() -> None:
    """400 for a NUL character in the path or a query parameter, on every backend (issue 14 #8)."""
    from geowarn.errors import InvalidParameter

    if "\x00" in request.path:
        raise InvalidParameter("the path contains a NUL character (%00)")
    for key, values in request.args.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            raise InvalidParameter(f"query parameter {key.replace(chr(0), '%00')!r} contains a NUL character (%00)")


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


def close_app(app: Flask, *, wait_s: float = 60.0) -> None:
    """Shut the app down: let its background renders finish (at most ``wait_s``), then close its store.

    Renders still queued after that stay ``pending`` for the worker's retries (issue 16).
    """
    renders: BackgroundRenders | None = app.extensions.get("geowarn.renders")
    if renders is not None and not renders.wait_idle(wait_s):
        log.warning("background renders still running after %g s; left pending", wait_s)
    app.extensions["geowarn.store"].close()
