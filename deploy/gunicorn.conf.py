"""gunicorn settings for geowarn behind deploy/nginx.conf.

Run: ``gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'``.

Threaded workers (gthread), so that long-lived requests (the Server-Sent Events stream of live
updates) hold a thread, not a whole worker, and keep-alive connections from nginx are reused.
Every value can be overridden on the command line (``-w 8``) or with ``GUNICORN_CMD_ARGS``.
"""

import multiprocessing
import os

bind = os.environ.get("GEOWARN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(4, multiprocessing.cpu_count() * 2))))
worker_class = "gthread"
threads = 8
keepalive = 30  # seconds; nginx's upstream keepalive pool reuses these connections
timeout = 60  # a worker silent for longer is restarted (streams send heartbeats well within it)
graceful_timeout = 20
max_requests = 10000  # recycle workers now and then
max_requests_jitter = 1000
forwarded_allow_ips = "127.0.0.1"  # trust X-Forwarded-* from the local nginx only
