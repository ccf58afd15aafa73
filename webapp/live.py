"""The live-update adapter: ``GET /events/stream`` over :mod:`geowarn.live`, and what pages need to follow it.

The route is declared in :data:`geowarn.api.operations.OPERATIONS` (``streamEvents``,
``routed_by="live.stream"``) and served here because its body is a stream. Each
server process has one :class:`~geowarn.live.Hub` (``app.extensions["geowarn.live"]``),
started on the first stream (after gunicorn forked). The dashboard, event and
region pages get ``live`` in their template context: the topic they follow and
the store generation read before their data (``last_event_id`` of the stream, so
a change committed while the page was rendered is not missed).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, g, request

from geowarn.api.operations import OPERATIONS
from geowarn.errors import Busy, InvalidParameter
from geowarn.live import MEDIA_TYPE, TOPIC_PATTERN, Hub, Stream, StreamOptions, parse_last_event_id, parse_topics
from geowarn.ogcapi import check_params
from webapp.core import api_request, handle_error, settings, store

bp = Blueprint("live", __name__)

OPERATION = next(op for op in OPERATIONS if op.routed_by == "live.stream")
MAX_TOPICS = int(next(p for p in OPERATION.query if p.name == "topic").schema["maxItems"])
_TOPIC = re.compile(TOPIC_PATTERN)

#: The pages that update live: endpoint → the topic of the page, from its URL parameters.
LIVE_PAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "pages.index": lambda args: "*",
    "pages.event_page": lambda args: f"event:{args['event_id']}",
    "pages.region_page": lambda args: f"region:{args['region_id']}",
}


def init_app(app: Flask) -> None:
    """Create this app's hub and register the stream route and the pages' ``live`` context."""
    s = app.extensions["geowarn.settings"]
    app.extensions["geowarn.live"] = Hub(
        app.extensions["geowarn.store"], poll_s=s.live_poll_s, max_streams=s.live_max_streams
    )
    app.register_blueprint(bp)


def hub() -> Hub:
    """Return the hub of this process."""
    h: Hub = current_app.extensions["geowarn.live"]
    return h


@bp.before_app_request
def _remember_generation() -> None:
    """Read the store generation before a live page reads its data."""
    if request.endpoint in LIVE_PAGES and request.method == "GET":
        g.live_since = store().generation()


@bp.app_context_processor
def _live_context() -> dict[str, Any]:
    since = g.get("live_since")
    make = LIVE_PAGES.get(request.endpoint or "")
    if since is None or make is None:
        return {"live": None}
    topic = make(request.view_args or {})
    retry_ms = round(settings().live_retry_s * 1000)  # the back-off's base until the stream says its own
    ok = _TOPIC.fullmatch(topic)
    return {"live": {"topic": topic, "since": since, "retry_ms": retry_ms} if ok else None}


@bp.get("/events/stream")
def stream() -> Response:
    """Answer with an event stream of this process (``streamEvents`` in the OpenAPI document)."""
    check_params(api_request(), OPERATION.query_names())
    topics = parse_topics(request.args.getlist("topic"))
    if len(topics) > MAX_TOPICS:
        raise InvalidParameter(f"topic: at most {MAX_TOPICS} topics, got {len(topics)}", field="topic")
    queries = request.args.getlist("last_event_id")
    if len(queries) > 1:
        raise InvalidParameter(f"parameter 'last_event_id' given {len(queries)} times")
    last_id = parse_last_event_id(request.headers.get("Last-Event-ID"), queries[0] if queries else None)
    s = settings()
    env = request.environ
    if env.get("wsgi.multiprocess") and not env.get("wsgi.multithread"):
        return _busy(
            Busy(
                "live updates need a threaded server: run gunicorn with -k gthread "
                "(gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()')",
                retry_after=int(s.live_max_s),
            )
        )
    h = hub()
    h.start()
    if not h.acquire():
        return _busy(Busy(f"{h.max_streams} live streams are open in this server process (GEOWARN_LIVE_MAX_STREAMS)"))
    body = Stream(
        h,
        last_id=last_id,
        topics=topics,
        options=StreamOptions(
            max_s=s.live_max_s, heartbeat_s=s.live_heartbeat_s, retry_ms=round(s.live_retry_s * 1000)
        ),
        disconnected=disconnect_probe(env),
    )
    resp = Response(body, mimetype=MEDIA_TYPE, direct_passthrough=True)
    resp.headers["Cache-Control"] = "no-store"  # webapp.caching leaves it: never kept by any cache
    resp.headers["X-Accel-Buffering"] = "no"  # nginx: pass each message on at once
    return resp


def _busy(exc: Busy) -> Response:
    resp = handle_error(exc)
    resp.headers["Retry-After"] = str(exc.retry_after)
    return resp


def disconnect_probe(environ: dict[str, Any]) -> Callable[[], bool] | None:
    """Return a check that the client of this request hung up, when the server offers one.

    gunicorn: a non-blocking peek at ``gunicorn.socket`` (end of file or a reset: gone); waitress:
    ``waitress.client_disconnected``, which only ever turns true when the server was started with
    ``channel_request_lookahead`` > 0 (``geowarn serve`` does: waitress reads a connection while its
    request runs only then). Otherwise ``None``: a client that went away is noticed when the next
    heartbeat cannot be written.

    Parameters
    ----------
    environ
        The WSGI environment of the stream request.

    Returns
    -------
    Callable[[], bool] | None
        ``True`` once the client is gone.
    """
    check = environ.get("waitress.client_disconnected")
    if callable(check):
        return lambda: bool(check())
    sock = environ.get("gunicorn.socket")
    if sock is None:
        return None

    def peek() -> bool:
        try:
            return sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False  # nothing to read: still there
        except OSError:
            return True

    return peek
