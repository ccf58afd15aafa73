"""Live-update benchmark: publish → open-page update latency, over real gunicorn workers (issue 13).

For each backend — PostGIS with two gunicorn workers (``deploy/gunicorn.conf.py``, each worker woken by
``LISTEN``), SQLite with one worker (polling the store generation every ``GEOWARN_LIVE_POLL_S``) — it
opens one ``/events/stream`` per worker and the region page ``/regions/JP-47`` in Debian's Chromium,
then ``--runs`` times publishes a new event over Miyako (Okinawa) through the JSON API and records:

* ``stream``: POST sent → the ``change`` message received by the slowest of the streams;
* ``page``: POST sent → the open page has fetched itself and swapped its content (``live.js`` sets
  ``data-live-seq``; a MutationObserver in the page stamps it with the wall clock shared with this script);
* ``POST``: POST sent → its 201 answer (computing the zones and files happens before the commit);
* ``page−201``: the 201 answer → the page updated: what the live path itself adds after the write
  (the commit precedes the answer, so this slightly understates it).

and prints p50/p95/max in ms. No assertion: the figures are for the README / issue notes.

Usage: ``python bench/live.py [--runs 50] [--backend both|postgis|sqlite]`` (``make bench``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geowarn.store import open_store  # noqa: E402
from tests.browser import ARGS, CHROMIUM  # noqa: E402
from tests.webapp.helpers import corridor_fc  # noqa: E402
from tests.webapp.live import api, one_stream_per_worker, start_gunicorn  # noqa: E402

MIYAKO = (125.1, 24.6, 125.5, 24.9)
OBSERVER = """() => {
  window.__updates = [];
  new MutationObserver(() => window.__updates.push([document.documentElement.dataset.liveSeq, Date.now()]))
    .observe(document.documentElement, {attributes: true, attributeFilter: ["data-live-seq"]});
}"""


def pct(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(name: str, ms: list[float]) -> str:
    if not ms:
        return f"  {name:<8} (not measured)"
    return (
        f"  {name:<8} p50 {pct(ms, 0.5):7.1f} ms   p95 {pct(ms, 0.95):7.1f} ms   max {max(ms):7.1f} ms"
        f"   mean {statistics.fmean(ms):7.1f} ms   (n={len(ms)})"
    )


def run(backend: str, runs: int, tmp: Path, database_url: str | None) -> None:
    workers = 2 if backend == "postgis" else 1
    store = open_store(database_url, data_dir=tmp)
    _id, token = store.create_token("bench")
    store.close()
    server = start_gunicorn(tmp, workers=workers, database_url=database_url)
    stream_ms: list[float] = []
    page_ms: list[float] = []
    post_ms: list[float] = []
    after_ms: list[float] = []
    with ExitStack() as stack:
        stack.callback(server.stop)
        clients = one_stream_per_worker(server, workers, "topic=region:JP-47")
        for c in clients:
            stack.callback(c.close)
        page = None
        try:
            from playwright.sync_api import sync_playwright

            pw = stack.enter_context(sync_playwright())
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            stack.callback(browser.close)
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.goto(server.url + "/regions/JP-47")
            page.wait_for_selector("html[data-live=on]", timeout=30_000)
            page.evaluate(OBSERVER)
        except Exception as exc:  # no browser: the stream figures only
            print(f"  (no page figures: {exc})", file=sys.stderr)
            page = None
        for i in range(runs):
            body = {"geojson": corridor_fc({"a": MIYAKO}), "id": f"bench-{backend}-{i}", "name": f"bench {i}"}
            wall, t0 = time.time(), time.perf_counter()
            status, result = api(server.url, token, "POST", "/api/events", body)
            post_ms.append((time.perf_counter() - t0) * 1000)
            answered = wall + post_ms[-1] / 1000
            if status != 201:
                raise SystemExit(f"publish failed: {status} {result}")
            msgs = [c.next("change") for c in clients]
            stream_ms.append((max(m.at for m in msgs) - t0) * 1000)
            seq = msgs[0].id
            if page is not None:
                page.wait_for_function(
                    "seq => window.__updates.some(u => u[0] === seq)", arg=seq, timeout=30_000, polling=50
                )
                stamp = page.evaluate("seq => window.__updates.find(u => u[0] === seq)[1]", seq)
                page_ms.append(stamp - wall * 1000)
                after_ms.append(stamp - answered * 1000)
    label = f"{backend} ({workers} gunicorn worker{'s' if workers > 1 else ''}, {len(clients)} streams)"
    print(label)
    print(summary("stream", stream_ms))
    print(summary("page", page_ms))
    print(summary("POST", post_ms))
    print(summary("page−201", after_ms))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--backend", choices=["both", "postgis", "sqlite"], default="both")
    ap.add_argument("--quick", action="store_true", help="10 publishes (make bench BENCH_ARGS=--quick)")
    args = ap.parse_args()
    if args.quick:
        args.runs = min(args.runs, 10)
    print(f"publish → open-page update latency over {args.runs} publishes")
    if args.backend in ("both", "sqlite"):
        with tempfile.TemporaryDirectory() as tmp:
            run("sqlite", args.runs, Path(tmp), None)
    if args.backend in ("both", "postgis"):
        from tests.pg import pg_schema_url

        urls = pg_schema_url()
        url = next(urls)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                run("postgis", args.runs, Path(tmp), url)
        finally:
            urls.close()


if __name__ == "__main__":
    main()
