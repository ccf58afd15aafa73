"""gunicorn settings of geowarn: threaded workers, so that live streams never block a worker.

``gunicorn -c python:webapp.gunicorn_conf 'webapp:create_app()'``; flags (``-w``, ``-b``,
``--threads``) or ``GUNICORN_CMD_ARGS`` override these values.

A page's ``/events/stream`` (Server-Sent Events, :mod:`geowarn.live`) keeps its thread for up to
``GEOWARN_LIVE_MAX_S``; a sync worker would be blocked by one open page (and killed after
``timeout``), so workers are ``gthread`` with ``GEOWARN_LIVE_MAX_STREAMS`` threads for streams plus
``PAGE_THREADS`` for everything else. Each worker follows the change log by itself (PostgreSQL
``LISTEN``), so any number of workers and hosts can serve streams. On SIGTERM a worker ends its
streams at once (the browsers reconnect to another worker with ``Last-Event-ID``), so restarts do
not wait for ``graceful_timeout``.
"""

from __future__ import annotations

import signal
from typing import Any

from geowarn.settings import from_env_only

#: Threads per worker for requests other than streams.
PAGE_THREADS = 16

worker_class = "gthread"
workers = 2
threads = from_env_only("live_max_streams").live_max_streams + PAGE_THREADS
bind = ["127.0.0.1:8000"]
timeout = 30
graceful_timeout = 10
keepalive = 5


def post_worker_init(worker: Any) -> None:
    """Chain SIGTERM/SIGQUIT/SIGINT so that the worker's live streams end before it drains."""
    from geowarn.live import stop_all

    for sig in (signal.SIGTERM, signal.SIGQUIT, signal.SIGINT):
        previous = signal.getsignal(sig)

        def handler(signum: int, frame: Any, previous: Any = previous) -> None:
            stop_all()
            if callable(previous):
                previous(signum, frame)

        signal.signal(sig, handler)
