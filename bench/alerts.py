"""Alert latency: ``POST /api/events`` (a NAVAREA text) → the webhook receives the signed CAP Alert for Okinawa.

Real processes on loopback: ``geowarn serve`` and ``geowarn worker`` on a fresh data directory
(SQLite by default, ``--database-url postgresql://…`` for PostGIS), a subscription to JP-47 with
a webhook served by this script. Each run posts a new event (a NAVAREA XI text with an area over
the Sakishima Islands, windows next February) and times until the webhook has the Alert and its
HMAC signature checks out. Prints p50 / p95 / p99 over ``--runs`` (default 200).

``--under-load`` (issue 16): the same measure while ``wrk`` (/usr/bin/wrk) drives public reads
(home page, event page, event GeoJSON; ``--wrk-connections``) for the whole run, on SQLite and then
on PostGIS (a fresh schema at ``--database-url``, default the local test database); target p95 <
500 ms. The read rate wrk achieved meanwhile is printed with it. Two deployments, both printed
(``--deploy``):

* ``nginx`` — as production runs it: ``deploy/nginx.conf`` (``geowarn nginx-conf``, its proxy cache
  in front) → gunicorn with ``deploy/gunicorn.conf.py`` for the reads and a second gunicorn (one
  worker) for the writes (nginx's ``geowarn_write`` upstream); wrk and the POSTs both go to nginx;
* ``direct`` — wrk and the POSTs on one ``geowarn serve`` (waitress, 8 threads), no proxy: the
  same process answers the reads and the write.

    .venv/bin/python bench/alerts.py [--runs 200] [--poll-interval 0.05] [--database-url URL]
    .venv/bin/python bench/alerts.py --under-load [--runs 100] [--wrk-connections 32] [--deploy nginx,direct]
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SECRET = "bench-secret-okinawa"

NOTICE = """NAVAREA XI {num:04d}/{yy}
EAST CHINA SEA. PHILIPPINE SEA.
1. HAZARDOUS OPERATIONS, ROCKET LAUNCHING
   062230Z TO 070330Z FEB, ALTERNATE
   2230Z TO 0330Z DAILY 07 THRU 13 FEB
   IN AREAS BOUND BY:
   A. 33-16N 124-11E, 33-16N 125-09E,
      32-21N 125-08E, 32-22N 124-11E.
   B. 25-00N 124-00E, 25-00N 124-50E,
      23-50N 124-50E, 23-50N 124-00E.
2. CANCEL THIS MSG 140430Z FEB {yy}.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """Webhook receiver: records (monotonic arrival, message id, signature ok) per POST."""

    def __init__(self) -> None:
        self.arrivals: dict[str, tuple[float, bool, str]] = {}
        self.cond = threading.Condition()
        rec = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                now = time.monotonic()
                want = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(want, self.headers.get("X-Geowarn-Signature", ""))
                with rec.cond:
                    rec.arrivals[self.headers.get("X-Geowarn-Message-Id", "")] = (
                        now,
                        ok,
                        self.headers.get("X-Geowarn-Message-Type", ""),
                    )
                    rec.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, prefix: str, timeout: float = 30.0) -> tuple[float, bool, str]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for mid, v in self.arrivals.items():
                    if mid.startswith(prefix):
                        return v
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no webhook for {prefix} within {timeout:g} s")
                self.cond.wait(left)


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    k = (len(s) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


WRK_PATHS = ("/", "/events/bench-10000", "/events/bench-10000.geojson")


def start_wrk(base: str, connections: int, log: Any, nice: int = 0) -> subprocess.Popen[bytes]:
    """``wrk`` rotating over public read paths for up to an hour (terminated when the runs are done).

    ``nice`` > 0 lowers wrk's own CPU priority: in production the readers are other machines, here
    the load generator shares the two cores with nginx and the app it measures.
    """
    script = Path(tempfile.mkdtemp(prefix="geowarn-bench-wrk-")) / "reads.lua"
    paths = ", ".join(f'"{p}"' for p in WRK_PATHS)
    script.write_text(
        f"local paths = {{{paths}}}\nlocal i = 0\n"
        "request = function()\n  i = i + 1\n  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n"
    )
    return subprocess.Popen(
        [
            *(["nice", "-n", str(nice)] if nice else []),
            *("/usr/bin/wrk", "-t2", f"-c{connections}", "-d3600s", "--latency", "-s", str(script), base),
        ],
        stdout=subprocess.PIPE,
        stderr=log,
    )


def stop_wrk(proc: subprocess.Popen[bytes]) -> str:
    """Stop ``wrk`` (SIGINT prints its summary) and return its ``Requests/sec`` line."""
    import signal

    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    text = out.decode(errors="replace")
    rate = next((line.strip() for line in text.splitlines() if line.startswith("Requests/sec")), "?")
    lat = next((line.strip() for line in text.splitlines() if line.strip().startswith("99%")), "")
    errs = next((line.strip() for line in text.splitlines() if "Non-2xx" in line or "Socket errors" in line), "")
    return f"{rate}; read latency {lat or '?'} {errs}".strip()


def fresh_schema(url: str) -> str:
    """Create a fresh schema in the PostGIS database at ``url``; return a URL whose search_path is it."""
    import uuid

    import psycopg

    schema = f"bench_alerts_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema},public"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=None, help="default 200 (100 with --under-load)")
    ap.add_argument("--poll-interval", type=float, default=0.05)
    ap.add_argument("--database-url", default=None, help="postgresql://… (default: SQLite in a temp dir)")
    ap.add_argument("--under-load", action="store_true", help="wrk drives public reads meanwhile; SQLite and PostGIS")
    ap.add_argument("--wrk-connections", type=int, default=32)
    ap.add_argument("--wrk-nice", type=int, default=0, help="wrk under nice -n N (readers are remote in production)")
    ap.add_argument("--deploy", default="nginx,direct", help="with --under-load: nginx (production), direct or both")
    ap.add_argument("--quick", action="store_true", help="20 runs (make bench BENCH_ARGS=--quick)")
    args = ap.parse_args()
    if args.quick:
        args.runs = min(args.runs or 20, 20)
    if not args.under_load:
        args.runs = args.runs or 200
        return measure(args, args.database_url, under_load=False)
    args.runs = args.runs or 100
    pg = args.database_url or os.environ.get("GEOWARN_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    rc = 0
    for backend in (None, pg):
        for deploy in args.deploy.split(","):
            url = fresh_schema(backend) if backend else None
            rc = measure(args, url, under_load=True, deploy=deploy.strip()) or rc
    return rc


def start_servers(
    deploy: str, env: dict[str, str], tmp: Path, log: Any
) -> tuple[str, list[subprocess.Popen[bytes]], str]:
    """Start the web side of ``deploy``; return (the base URL readers and writers use, processes, description)."""
    py = sys.executable
    if deploy == "direct":
        port = free_port()
        server = subprocess.Popen(
            [py, "-m", "geowarn.cli", "serve", "--port", str(port), "--threads", "8"], env=env, stdout=log, stderr=log
        )
        return f"http://127.0.0.1:{port}", [server], "direct: one geowarn serve (waitress, 8 threads), no proxy"
    if deploy != "nginx":
        raise SystemExit(f"--deploy: unknown deployment {deploy!r} (nginx, direct)")
    from geowarn.deploy import NginxSite, nginx_conf

    root = Path(__file__).resolve().parents[1]
    gunicorn = str(Path(py).with_name("gunicorn"))
    rport, wport, nport = free_port(), free_port(), free_port()
    conf = ["-c", "deploy/gunicorn.conf.py", "webapp:create_app()"]
    reads = subprocess.Popen([gunicorn, "-b", f"127.0.0.1:{rport}", *conf], cwd=root, env=env, stdout=log, stderr=log)
    writes = subprocess.Popen(
        [gunicorn, "-b", f"127.0.0.1:{wport}", "-w", "1", *conf], cwd=root, env=env, stdout=log, stderr=log
    )
    web = tmp / "nginx"
    for d in (tmp, web):
        d.mkdir(parents=True, exist_ok=True)
        d.chmod(0o755)
    site = NginxSite.scratch(web, nport, rport, wport)
    (web / "nginx.conf").write_text(nginx_conf(site), encoding="utf-8")
    nginx = subprocess.Popen(
        ["/usr/sbin/nginx", "-c", str(web / "nginx.conf"), "-p", str(web), "-g", "daemon off;"], stdout=log, stderr=log
    )
    for port, proc in ((rport, reads), (wport, writes)):  # both pools up before the bench starts
        wait_ready(f"http://127.0.0.1:{port}", proc, tmp)
    workers = os.environ.get("WEB_CONCURRENCY", "the conf's default")
    text = (
        f"nginx: deploy/nginx.conf (2 workers, proxy cache) → gunicorn deploy/gunicorn.conf.py for reads "
        f"(workers: {workers}) + a 1-worker gunicorn for writes"
    )
    return f"http://127.0.0.1:{nport}", [nginx, writes, reads], text


def wait_ready(base: str, proc: subprocess.Popen[bytes], tmp: Path) -> None:
    """Wait for ``base``/healthz (a minute at most)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
            return
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError((tmp / "processes.log").read_text(errors="replace")) from None
            time.sleep(0.1)


def measure(args: argparse.Namespace, database_url: str | None, *, under_load: bool, deploy: str = "direct") -> int:
    """One bench run on SQLite (``database_url`` ``None``) or PostGIS; print the figures; 0 when all were right."""
    tmp = Path(tempfile.mkdtemp(prefix="geowarn-bench-alerts-"))
    env = {**os.environ, "GEOWARN_DATA": str(tmp), "PYTHONWARNINGS": "ignore"}
    env["GEOWARN_ALLOW_PRIVATE_TARGETS"] = "127.0.0.1"  # the receiver is this script, on loopback
    env.pop("GEOWARN_DATABASE_URL", None)
    os.environ.pop("GEOWARN_DATABASE_URL", None)
    if database_url:
        env["GEOWARN_DATABASE_URL"] = database_url
    os.environ.update({k: v for k, v in env.items() if k.startswith("GEOWARN_")})

    from geowarn.store import open_store

    store = open_store(database_url, data_dir=tmp)
    _, token = store.create_token("bench")
    store.close()
    rec = Receiver()
    py = sys.executable
    secret_args = ["--secret", SECRET, "--name", "bench Okinawa"]
    subprocess.run(
        [py, "-m", "geowarn.cli", "subscriptions", "add", "--region", "JP-47", "--webhook", rec.url, *secret_args],
        env=env,
        check=True,
        capture_output=True,
    )
    log = (tmp / "processes.log").open("ab")
    base, servers, deploy_text = start_servers(deploy, env, tmp, log)
    worker = subprocess.Popen(
        [py, "-m", "geowarn.cli", "worker", "--poll-interval", str(args.poll_interval)], env=env, stderr=log
    )
    yy = f"{(datetime.now(UTC).year + 1) % 100:02d}"
    wrk: subprocess.Popen[bytes] | None = None
    try:
        wait_ready(base, servers[0], tmp)

        def post(i: int) -> float:
            body = json.dumps({"text": NOTICE.format(num=i % 10000, yy=yy), "id": f"bench-{i}"}).encode()
            req = urllib.request.Request(
                f"{base}/api/events",
                data=body,
                method="POST",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            t0 = time.monotonic()
            with urllib.request.urlopen(req, timeout=60) as r:
                r.read()
            return t0

        for i in range(3):  # warm-up: layers loaded, caches filled
            post(10_000 + i)
            rec.wait(f"geowarn-bench-{10_000 + i}-")
        wrk = start_wrk(base, args.wrk_connections, log, args.wrk_nice) if under_load else None
        reads = ""
        if wrk is not None:
            time.sleep(2.0)  # wrk at full rate before the first POST
        total, http, bad = [], [], 0
        for i in range(args.runs):
            t0 = post(i)
            t_resp = time.monotonic()
            arrived, ok, mtype = rec.wait(f"geowarn-bench-{i}-")
            bad += 0 if (ok and mtype == "Alert") else 1
            total.append(arrived - t0)
            http.append(t_resp - t0)
        # the alert path alone: lifecycle + outbox committed here → worker → signed webhook
        from geowarn.alerts.lifecycle import process_event
        from geowarn.service import preview

        pre = preview(NOTICE.format(num=9999, yy=yy))
        direct_store = open_store(database_url, data_dir=tmp)
        direct = []
        for i in range(args.runs):
            ev = pre.event.replace(id=f"direct-{i}")
            with direct_store.transaction() as tx:
                process_event(tx, ev, pre.zones, datetime.now(UTC))
            t0 = time.monotonic()
            arrived, ok, mtype = rec.wait(f"geowarn-direct-{i}-")
            bad += 0 if (ok and mtype == "Alert") else 1
            direct.append((arrived - t0) * 1000)
        direct_store.close()
        if wrk is not None:
            reads = stop_wrk(wrk)
        ms = [x * 1000 for x in total]
        hs = [x * 1000 for x in http]
        backend = "PostGIS" if database_url else "SQLite"
        nice = f", wrk at nice {args.wrk_nice}" if args.wrk_nice else ""
        load_txt = f", UNDER LOAD (wrk -c{args.wrk_connections} on {', '.join(WRK_PATHS)}{nice})" if under_load else ""
        print(f"alerts latency, {args.runs} runs, {backend}, worker poll {args.poll_interval:g} s{load_txt}")
        print(f"  deployment {deploy_text}")
        print(
            f"  POST → signed CAP Alert at webhook: p50 {pct(ms, 0.5):.0f} ms  p95 {pct(ms, 0.95):.0f} ms  "
            f"p99 {pct(ms, 0.99):.0f} ms  max {max(ms):.0f} ms  mean {statistics.fmean(ms):.0f} ms"
        )
        print(f"  of which POST /api/events response: p50 {pct(hs, 0.5):.0f} ms  p95 {pct(hs, 0.95):.0f} ms")
        print(
            f"  alert path alone (commit → signed webhook): p50 {pct(direct, 0.5):.0f} ms  "
            f"p95 {pct(direct, 0.95):.0f} ms  p99 {pct(direct, 0.99):.0f} ms"
        )
        load = os.getloadavg()[0]
        print(f"  machine load average during the run: {load:.1f} on {os.cpu_count()} CPUs")
        if reads:
            print(f"  public reads by wrk meanwhile: {reads}")
        target = 500 if under_load else 1000
        verdict = "met" if pct(ms, 0.95) < target else "NOT met"
        print(f"  bad signatures / wrong type: {bad}; target p95 < {target} ms: {verdict}", flush=True)
        return 0 if bad == 0 else 1
    finally:
        if wrk is not None and wrk.poll() is None:
            wrk.kill()
        for p in (worker, *servers):
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()


if __name__ == "__main__":
    sys.exit(main())
