"""Alert fan-out: one event touching Okinawa → N subscribers (webhook, e-mail, MQTT) through the outbox.

Real components on loopback: a fresh store (SQLite, or ``--database-url`` PostGIS), ``geowarn worker``
processes (1, 2 and 4 by default), four webhook receivers and an SMTP sink (asyncio + aiosmtpd, in
a separate process, counting deliveries by idempotency key — ``X-Geowarn-Message-Id``), and the
local Mosquitto (a subscriber counting MQTT messages by their ``message-id`` property).

Of the N subscriptions to JP-47, 90 % have a webhook (spread over the four receivers), 5 % an
e-mail address and 5 % an MQTT topic of their own; the retained region topics
(``GEOWARN_MQTT_REGION_TOPICS``) are on too. One event (the NAVAREA XI notice of ``bench/alerts.py``,
area B over the Sakishima Islands) is processed in one transaction (the "commit" column: lifecycle,
one CAP per subscriber, outbox rows). Then, per worker count, the same outbox rows are made due
at t0 with the workers already idle and waiting, and the bench measures the time to the last
delivery, deliveries per second, lost (expected keys never received) and duplicated (keys
received more than once), over sizes 100 → N to show how cost grows.

    .venv/bin/python bench/fanout.py [--quick] [--subscribers 100000] [--workers 1,2,4] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from alerts import NOTICE, free_port  # the same notice as the latency bench

SECRET = "bench-fanout-secret"
N_RECEIVERS = 4


# --------------------------------------------------------------------------- the sink process


def _sink(ports: list[int], smtp_port: int, conn: Any) -> None:
    """Webhook receivers (a minimal asyncio HTTP/1.1 keep-alive server) and an SMTP sink, one loop."""
    from aiosmtpd.smtp import SMTP

    counts: Counter[str] = Counter()
    state = {"last": 0.0, "bad": 0}
    key = SECRET.encode()

    async def http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                hdrs: dict[str, str] = {}
                for line in head.decode("latin-1").split("\r\n")[1:]:
                    k, _, v = line.partition(":")
                    if k:
                        hdrs[k.strip().lower()] = v.strip()
                body = await reader.readexactly(int(hdrs.get("content-length", "0")))
                want = "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(want, hdrs.get("x-geowarn-signature", "")):
                    state["bad"] += 1
                counts[hdrs.get("x-geowarn-message-id", "")] += 1
                state["last"] = time.monotonic()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    class Mail:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            data = envelope.content.decode("utf-8", "replace") if isinstance(envelope.content, bytes) else ""
            for line in data.split("\n", 60)[:60]:
                if line.lower().startswith("x-geowarn-message-id:"):
                    counts[line.split(":", 1)[1].strip()] += 1
                    break
            state["last"] = time.monotonic()
            return "250 OK"

    def control() -> None:
        while True:
            cmd = conn.recv()
            if cmd == "stats":
                conn.send((dict(counts), state["last"], state["bad"]))
            elif cmd == "reset":
                counts.clear()
                state.update(last=0.0, bad=0)
                conn.send("ok")
            else:
                return

    async def main() -> None:
        for p in ports:
            await asyncio.start_server(http, "127.0.0.1", p, backlog=1024)
        loop = asyncio.get_running_loop()
        await loop.create_server(lambda: SMTP(Mail()), "127.0.0.1", smtp_port)
        conn.send("ready")
        await loop.run_in_executor(None, control)

    asyncio.run(main())


class MqttCounter:
    """Counts MQTT messages under ``topics`` (``prefix/#``) by their ``message-id`` user property."""

    def __init__(self, *topics: str) -> None:
        import paho.mqtt.client as mqtt

        self.counts: Counter[str] = Counter()
        self.last = 0.0
        self.lock = threading.Lock()
        ready = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_subscribe = lambda *a, **k: ready.set()
        self.client.on_message = self._on
        self.client.connect("127.0.0.1", 1883)
        self.client.loop_start()
        self.client.subscribe([(t, 1) for t in topics])
        if not ready.wait(10):
            raise RuntimeError("MQTT subscribe not acknowledged")

    def _on(self, c: Any, u: Any, m: Any) -> None:
        if m.retain:  # a retained message from an earlier run, replayed at subscribe
            return
        mid = dict(m.properties.UserProperty).get("message-id", "")
        with self.lock:
            self.counts[mid] += 1
            self.last = time.monotonic()

    def reset(self) -> None:
        with self.lock:
            self.counts.clear()
            self.last = 0.0

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


# --------------------------------------------------------------------------- one size


def build(store: Any, n: int, urls: list[str], topic_base: str, region_prefix: str) -> dict[str, Any]:
    """Create ``n`` subscriptions, process the event once; return expected keys per kind and timings."""
    from geowarn.alerts import lifecycle, rules
    from geowarn.alerts.rules import Channel, Subscription
    from geowarn.service import preview

    yy = f"{(datetime.now(UTC).year + 1) % 100:02d}"
    pre = preview(NOTICE.format(num=1, yy=yy))
    event = pre.event.replace(id=f"fan{n}")
    t = time.perf_counter()
    with store.transaction() as tx:
        for i in range(n):
            if i % 20 == 18:
                ch = Channel("email", f"sub{i}@example.org")
            elif i % 20 == 19:
                ch = Channel("mqtt", f"{topic_base}/sub{i}")
            else:
                ch = Channel("webhook", f"{urls[i % len(urls)]}?s={i}", SECRET)
            sub = Subscription.create(id=f"sub-{i:06d}", regions=["JP-47"], channels=[ch], allow_private=("127.0.0.1",))
            rules.save_subscription(tx, sub)
    t_subs = time.perf_counter() - t
    t = time.perf_counter()
    with store.transaction() as tx:
        ids = lifecycle.process_event(tx, event, pre.zones, datetime.now(UTC), region_topics=region_prefix)
    t_commit = time.perf_counter() - t
    with store.snapshot() as tx:
        rows = tx.fetchall("SELECT message_id, channel FROM outbox")
    expect: dict[str, set[str]] = {"webhook": set(), "email": set(), "mqtt": set()}
    for r in rows:
        kind = json.loads(r["channel"])["kind"]
        expect[kind].add(r["message_id"])
    return {"expect": expect, "rows": len(rows), "messages": len(ids), "t_subs": t_subs, "t_commit": t_commit}


def make_due(store: Any, not_before: bool) -> None:
    """Reset every outbox row to pending: due now, or (``not_before``) only in a far future."""
    from geowarn.store import alerts as repo

    when = datetime(2100, 1, 1, tzinfo=UTC) if not_before else datetime.now(UTC)
    with store.transaction() as tx:
        tx.execute("DELETE FROM delivery_attempts")
        tx.execute(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt = ?, lease_owner = NULL, "
            "lease_until = NULL, last_error = NULL, delivered = NULL",
            [when],
        )
        if not not_before:
            repo.notify_outbox(tx)


def run(
    store: Any, env: dict[str, str], tmp: Path, k: int, built: dict[str, Any], sink: Any, mq: MqttCounter
) -> dict[str, Any]:
    """Time ``k`` worker processes delivering every row of ``built``."""
    from geowarn.alerts import outbox

    make_due(store, not_before=True)
    sink.send("reset")
    sink.recv()
    mq.reset()
    logs = [tmp / f"worker-{k}-{i}.log" for i in range(k)]
    procs = []
    for lg in logs:
        with lg.open("wb") as fh:
            procs.append(
                subprocess.Popen([sys.executable, "-m", "geowarn.cli", "worker"], env=env, stdout=fh, stderr=fh)
            )
    try:
        deadline = time.monotonic() + 120
        while not all(" started" in lg.read_text(errors="replace") for lg in logs):  # after its first tick
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError("\n".join(lg.read_text(errors="replace") for lg in logs))
            time.sleep(0.05)
        time.sleep(0.3)  # past their first (idle) poll
        t0 = time.monotonic()
        make_due(store, not_before=False)
        want = built["rows"]
        deadline = time.monotonic() + max(600.0, want / 20)
        while time.monotonic() < deadline:
            st = outbox.stats(store)
            if st.get("delivered", 0) + st.get("parked", 0) >= want:
                break
            time.sleep(0.1)
        time.sleep(1.0)  # let late duplicates arrive before counting
        sink.send("stats")
        counts, last_http, bad = sink.recv()
        with mq.lock:
            mcounts, last_mqtt = dict(mq.counts), mq.last
        st = outbox.stats(store)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
    every: Counter[str] = Counter(counts)
    every.update(mcounts)
    expected = set().union(*built["expect"].values())
    lost = len(expected - set(every))
    dup = sum(c - 1 for key, c in every.items() if key in expected and c > 1)
    last = max(last_http, last_mqtt)
    elapsed = last - t0 if last else float("nan")
    return {
        "workers": k,
        "elapsed": elapsed,
        "rate": len(expected) / elapsed if elapsed > 0 else float("nan"),
        "lost": lost,
        "dup": dup,
        "bad": bad,
        "parked": st.get("parked", 0),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subscribers", type=int, default=100_000)
    ap.add_argument("--quick", action="store_true", help="2,000 subscribers (sizes 100 and 2,000)")
    ap.add_argument("--workers", default="1,2,4", help="worker counts ('' : time the commit alone)")
    ap.add_argument("--sizes", default=None, help="comma-separated sizes (default 100, 1000, 10000 … N)")
    ap.add_argument("--database-url", default=None, help="postgresql://… (default: SQLite in a temp dir)")
    args = ap.parse_args()
    n = 2_000 if args.quick else args.subscribers
    if args.sizes:
        sizes = [int(x) for x in args.sizes.split(",")]
    else:
        sizes = sorted({s for s in (100, 1_000, 10_000, 100_000) if s < n} | {n})
    workers = [int(x) for x in args.workers.split(",") if x.strip()]  # none: the commit alone

    from geowarn.store import open_store

    ports = [free_port() for _ in range(N_RECEIVERS)]
    smtp_port = free_port()
    parent, child = mp.Pipe()
    sink_proc = mp.get_context("fork").Process(target=_sink, args=(ports, smtp_port, child), daemon=True)
    sink_proc.start()
    if parent.recv() != "ready":
        raise RuntimeError("sink did not start")
    urls = [f"http://127.0.0.1:{p}/hook" for p in ports]
    run_id = uuid.uuid4().hex[:8]
    topic_base = f"bench-fanout/{run_id}/subs"
    region_prefix = f"bench-fanout/{run_id}/alerts"
    mq = MqttCounter(f"{topic_base}/#", f"{region_prefix}/#")
    backend = "PostGIS" if args.database_url else "SQLite"
    print(f"alert fan-out, {backend}, sizes {sizes}, workers {workers} (90 % webhook, 5 % e-mail, 5 % MQTT)")
    print(f"{'subs':>7} {'rows':>7} {'commit s':>9} {'workers':>7} {'last s':>8} {'deliv/s':>8} lost dup  load")
    table = []
    commits: dict[int, tuple[float, str]] = {}
    try:
        for size in sizes:
            tmp = Path(tempfile.mkdtemp(prefix=f"geowarn-bench-fanout-{size}-"))
            env = {
                **os.environ,
                "GEOWARN_DATA": str(tmp),
                "PYTHONWARNINGS": "ignore",
                "GEOWARN_ALLOW_PRIVATE_TARGETS": "127.0.0.1",
                "GEOWARN_SMTP_HOST": "127.0.0.1",
                "GEOWARN_SMTP_PORT": str(smtp_port),
                "GEOWARN_MQTT_URL": "mqtt://127.0.0.1:1883",
                "GEOWARN_MQTT_REGION_TOPICS": region_prefix,
                "GEOWARN_WORKER_POLL_S": "0.05",
            }
            env.pop("GEOWARN_DATABASE_URL", None)
            url = args.database_url
            if url:
                url = _fresh_schema(url, f"bench_fanout_{run_id}_{size}")
                env["GEOWARN_DATABASE_URL"] = url
            store = open_store(url, data_dir=tmp)
            # seal webhook secrets with the key the workers read (GEOWARN_DATA/secret_key): a PostGIS
            # store has no data directory of its own, and this process's default one is ./instance
            store.secret_key_dir = tmp
            built = build(store, size, urls, topic_base, region_prefix)
            commits[size] = (built["t_commit"], _load())
            if not workers:
                print(f"{size:>7} {built['rows']:>7} {built['t_commit']:>9.2f} {'-':>7}  {commits[size][1]}")
            for k in workers:
                r = run(store, env, tmp, k, built, parent, mq)
                r["load"] = _load()
                table.append((size, r))
                print(
                    f"{size:>7} {built['rows']:>7} {built['t_commit']:>9.2f} {k:>7} {r['elapsed']:>8.2f} "
                    f"{r['rate']:>8.0f} {r['lost']:>4} {r['dup']:>3}  {r['load']}"
                    + (f"  (bad signatures {r['bad']}, parked {r['parked']})" if r["bad"] or r["parked"] else ""),
                    flush=True,
                )
            store.close()
    finally:
        mq.close()
        parent.send("quit")
        sink_proc.join(5)
        if sink_proc.is_alive():
            sink_proc.terminate()
    _growth_table(sizes, workers, commits, table)
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        a_c, b_c = commits[small][0], commits[big][0]
        print(f"growth {small} → {big} subscribers ({big / small:.0f}×): commit ×{b_c / a_c:.1f}")
        for i in range(1, len(sizes)):
            lo, hi = sizes[i - 1], sizes[i]
            print(f"  commit {lo} → {hi} ({hi / lo:.0f}×): ×{commits[hi][0] / commits[lo][0]:.1f}")
        for k in workers:
            a = next(r for s, r in table if s == small and r["workers"] == k)
            b = next(r for s, r in table if s == big and r["workers"] == k)
            print(
                f"growth {small} → {big} subscribers ({big / small:.0f}×), {k} worker(s): "
                f"time to last delivery ×{b['elapsed'] / a['elapsed']:.1f}"
            )
    bad = sum(r["lost"] + r["dup"] + r["bad"] for _, r in table)
    print(f"lost + duplicated + bad signatures over all runs: {bad} (target 0)")
    return 0 if bad == 0 else 1


def _load() -> str:
    """The 1/5/15-minute load averages, as text."""
    return "load " + "/".join(f"{x:.1f}" for x in os.getloadavg())


def _growth_table(
    sizes: list[int], workers: list[int], commits: dict[int, tuple[float, str]], table: list[tuple[int, Any]]
) -> None:
    """Print the Markdown table of how the cost grows from the smallest size to the largest."""
    head = " | ".join(f"last s {k}w" for k in workers) + " | " + " | ".join(f"deliv/s {k}w" for k in workers)
    print(f"\n| subscribers | commit s | {head} | lost | dup | load (1/5/15) |")
    print("|" + "---|" * (5 + 2 * len(workers)))
    for size in sizes:
        rows = {r["workers"]: r for s, r in table if s == size}
        last = " | ".join(f"{rows[k]['elapsed']:.1f}" if k in rows else "-" for k in workers)
        rate = " | ".join(f"{rows[k]['rate']:,.0f}" if k in rows else "-" for k in workers)
        lost = sum(r["lost"] for r in rows.values())
        dup = sum(r["dup"] for r in rows.values())
        loads = [x.removeprefix("load ") for x in [commits[size][1]] + [rows[k]["load"] for k in workers if k in rows]]
        span = loads[0] if len(loads) == 1 else f"{loads[0]} … {loads[-1]}"
        print(f"| {size:,} | {commits[size][0]:.2f} | {last} | {rate} | {lost} | {dup} | {span} |")
    print()


def _fresh_schema(url: str, schema: str) -> str:
    """Create ``schema`` in the PostGIS database at ``url``; return a URL whose search_path is it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema},public"


if __name__ == "__main__":
    sys.exit(main())
