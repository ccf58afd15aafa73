"""A WSGI fast path for the published files of the current event versions.

``GET``/``HEAD`` of ``/events/<id>.geojson``, ``/events/<id>.kml`` and
``/alerts/<id>.cap`` (without a query string; a KML only without ``Accept-Language``, since it
is rendered in the reader's language) are answered here, before Flask:
one indexed query for the current artifact's ETag, the immutable bytes from a
per-process cache keyed by that ETag, the same headers as the Flask route
(ETag, Last-Modified, Cache-Control, Content-Disposition, security headers) and
304 for a matching ``If-None-Match`` / ``If-Modified-Since``. Anything else —
unknown events, query strings, other methods — falls through to Flask, which
shapes the errors.

With ``GEOWARN_STATIC_DIR`` a GeoJSON/CAP answered here is also written there when it is missing
(nginx asked us because it was not on disk). The body itself is still
sent from memory: sending the version's file with ``wsgi.file_wrapper`` (gunicorn's ``sendfile``)
cost more CPU per request under gunicorn gthread (189 KB GeoJSON, 2 workers, wrk -c1000, A/B in
both orders: 493–524 vs 414–441 µs/req; the app's own share is ~10 µs, the rest is gunicorn's).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from cachetools import LRUCache

from geowarn.ids import EVENT_ID_BODY
from geowarn.model import parse_time, utc
from geowarn.publish.kinds import FILE_KINDS, ArtifactKind
from geowarn.publish.static import STATIC_KINDS, StaticFiles
from geowarn.store import Artifact, Store
from webapp.caching import CURRENT

#: URL pattern → artifact kind, from the one table of published kinds.
ROUTES: dict[re.Pattern[str], ArtifactKind] = {
    re.compile("^" + re.escape(k.path).replace(re.escape("{id}"), f"({EVENT_ID_BODY})") + "$"): k for k in FILE_KINDS
}
QUERY = (
    "SELECT a.version AS version, a.etag AS etag, a.created AS created, a.media_type AS media_type FROM artifacts a "
    "JOIN events e ON e.id = a.event_id AND e.version = a.version WHERE a.event_id = ? AND a.kind = ?"
)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class ArtifactFastPath:
    """WSGI middleware serving current published artifacts without entering Flask."""

    def __init__(
        self,
        app: WSGIApp,
        store: Store,
        security_headers: list[tuple[str, str]],
        size: int = 256,
        static: StaticFiles | None = None,
    ) -> None:
        self.app = app
        self.static = static
        self.store = store
        self.security = security_headers
        self._cache: LRUCache[str, _Entry] = LRUCache(maxsize=size)
        self._lock = threading.Lock()
        self.size = size

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Serve GET/HEAD of a published file straight from the store (304 on a match), else pass on to the app."""
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return self.app(environ, start_response)
        route = _route(environ.get("PATH_INFO", ""))
        if route is None:
            return self.app(environ, start_response)
        event_id, kind = route
        if kind.localised and environ.get("HTTP_ACCEPT_LANGUAGE"):
            return self.app(environ, start_response)  # the reader's language: Flask renders it (#13)
        try:
            row = self.store.read_one(QUERY, [event_id, kind.kind])
        except Exception:
            return self.app(environ, start_response)  # let Flask shape the error
        if row is None:
            return self.app(environ, start_response)
        etag = str(row["etag"])
        entry = self._entry(etag, event_id, kind, row)
        if _not_modified(environ, etag, entry.created):
            start_response("304 NOT MODIFIED", entry.validators)
            return [b""]
        start_response("200 OK", entry.headers)
        if method == "HEAD":
            return [b""]
        if self.static is not None and kind.kind in STATIC_KINDS:
            self._write_static(entry.artifact)  # for nginx; the body is answered from memory (see above)
        return [entry.body]

    def _write_static(self, art: Artifact) -> None:
        """Write the version's file and the current link nginx serves when missing (a ``stat`` per request)."""
        assert self.static is not None
        if not self.static.current_path(art.event_id, art.kind).exists():
            self.static.write(self.store, art)  # nginx asked us: the file is missing (never raises)

    def _entry(self, etag: str, event_id: str, kind: ArtifactKind, row: dict[str, Any]) -> _Entry:
        with self._lock:
            entry = self._cache.get(etag)
        if entry is not None:
            return entry
        body = self.store.get_artifact(event_id, kind.kind).body
        created = utc(parse_time(row["created"]) or datetime(1970, 1, 1, tzinfo=UTC)).replace(microsecond=0)
        validators = [
            ("ETag", f'"{etag}"'),
            ("Last-Modified", format_datetime(created, usegmt=True)),
            ("Cache-Control", CURRENT),
            *([("Vary", "Accept-Language")] if kind.localised else []),
            *self.security,
        ]
        headers = [
            *validators,
            ("Content-Type", str(row["media_type"])),
            ("Content-Length", str(len(body))),
            ("Content-Disposition", f'inline; filename="{kind.download_name(event_id)}"'),
        ]
        art = Artifact(event_id, int(row["version"]), kind.kind, str(row["media_type"]), body, etag, created)
        entry = _Entry(body, created, validators, headers, art)
        with self._lock:
            self._cache[etag] = entry
        return entry


@dataclass(frozen=True)
class _Entry:
    """An immutable artifact with its precomputed response headers."""

    body: bytes
    created: datetime
    validators: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    artifact: Artifact


def _route(path: str) -> tuple[str, ArtifactKind] | None:
    """``(event_id, kind)`` of a fast-path URL, else ``None``."""
    for pattern, kind in ROUTES.items():
        m = pattern.match(path)
        if m:
            return m.group(1), kind
    return None


def _not_modified(environ: dict[str, Any], etag: str, created: Any) -> bool:
    inm = environ.get("HTTP_IF_NONE_MATCH")
    if inm is not None:
        tags = [t.strip().removeprefix("W/").strip('"') for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = environ.get("HTTP_IF_MODIFIED_SINCE")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        return bool(since.tzinfo) and created.replace(microsecond=0) <= since
    return False
