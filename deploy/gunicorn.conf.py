"""gunicorn settings for geowarn behind deploy/nginx.conf.

Run: ``gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'`` (the main pool, 127.0.0.1:8000), and
the pool for writes that deploy/nginx.conf sends every POST/PUT/PATCH/DELETE to, so that a new warning
never queues behind public reads nor shares a worker's interpreter with them:
``GEOWARN_BIND=127.0.0.1:8001 WEB_CONCURRENCY=1 gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'``
(without it, nginx sends the writes to the main pool).

Threaded workers (gthread), so that long-lived requests (the Server-Sent Events stream of live
updates, :mod:`geowarn.live`) hold a thread, not a whole worker, and keep-alive connections from nginx
are reused: ``GEOWARN_LIVE_MAX_STREAMS`` threads for streams plus ``PAGE_THREADS`` for everything else.
Each worker follows the change log by itself (PostgreSQL ``LISTEN``). On SIGTERM a worker ends its
streams at once (the browsers reconnect to another worker with ``Last-Event-ID``), so a restart does not
wait for ``graceful_timeout``. Every value can be overridden on the command line (``-w 8``) or with
``GUNICORN_CMD_ARGS``.
"""

import multiprocessing
import os
import signal
from typing import Any

from geowarn.settings import Settings

#: Threads per worker for requests other than live streams.
PAGE_THREADS = 16

bind = os.environ.get("GEOWARN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(4, multiprocessing.cpu_count() * 2))))
worker_class = "gthread"
threads = Settings.from_env(only=["live_max_streams"]).live_max_streams + PAGE_THREADS
keepalive = 30  # seconds; nginx's upstream keepalive pool reuses these connections
timeout = 60  # a worker silent for longer is restarted (streams send heartbeats well within it)
graceful_timeout = 20
max_requests = 10000  # recycle workers now and then
max_requests_jitter = 1000
forwarded_allow_ips = "127.0.0.1"  # trust X-Forwarded-* from the local nginx only


def on_starting(server: Any) -> None:
    """Import the app's modules and load the alert layers with their indexes once, in the master.

    Workers are forked with them (copy-on-write), so a new worker only runs ``create_app()`` (no
    threads, connections or files are opened here: nothing of that would survive the fork).
    """
    import webapp.api  # the heavy imports: publishing, maps, OGC API
    import webapp.live
    import webapp.pages  # noqa: F401
    from geowarn.layers import load_layers
    from geowarn.zones import layer_index

    s = Settings.from_env(only=["alert_layers", "layers_dir"])  # the layers the app's service will use
    for layer in load_layers(list(s.alert_layers) if s.alert_layers else None, layers_dir=s.layers_dir):
        layer_index(layer)
        _ = layer.tree  # the regions' own index, where /api/affected looks a point up


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
