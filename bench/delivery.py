"""Per-delivery costs of the outbox worker (issue 16), each before/after in the same run, rounds alternated.

* ``resolve``: a webhook host resolved and checked at every delivery (``RESOLVE_TTL_S = 0``) vs the
  checked address reused for :data:`geowarn.alerts.targets.RESOLVE_TTL_S`;
* ``smtp``: one SMTP connection per e-mail (no pool) vs the worker's kept session, to a local
  aiosmtpd sink;
* ``pool``: a short PostgreSQL transaction (what a worker round does between sends) with the
  pool checking every connection it hands out (``POOL_CHECK_IDLE_S = 0``) vs only connections idle
  for longer than :data:`geowarn.store.postgis.POOL_CHECK_IDLE_S` (needs ``--database-url``).

    .venv/bin/python bench/delivery.py [--rounds 5] [--n 2000] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from alerts import free_port


def _time(fn: Callable[[], None], n: int) -> tuple[float, float]:
    """Wall and CPU µs per call of ``fn`` over ``n`` calls."""
    w, c = time.perf_counter(), time.process_time()
    for _ in range(n):
        fn()
    return (time.perf_counter() - w) / n * 1e6, (time.process_time() - c) / n * 1e6


def _ab(
    name: str,
    unit: str,
    before: Callable[[], tuple[float, float]],
    after: Callable[[], tuple[float, float]],
    rounds: int,
) -> None:
    a: list[tuple[float, float]] = []
    b: list[tuple[float, float]] = []
    for _ in range(rounds):
        a.append(before())
        b.append(after())
    scale = 1e-3 if unit == "ms" else 1.0
    aw, ac = statistics.median(x[0] for x in a) * scale, statistics.median(x[1] for x in a) * scale
    bw, bc = statistics.median(x[0] for x in b) * scale, statistics.median(x[1] for x in b) * scale
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{name:<8} before {aw:8.2f} {unit} wall {ac:8.2f} {unit} CPU"
        f" | after {bw:8.2f} {unit} wall {bc:8.2f} {unit} CPU"
        f" | ×{aw / bw if bw else float('nan'):.1f} wall  (median of {rounds}, load {load})",
        flush=True,
    )


def bench_resolve(n: int, rounds: int) -> None:
    from geowarn.alerts import targets

    allow = ("127.0.0.0/8",)

    def run(ttl: float) -> tuple[float, float]:
        targets.RESOLVE_TTL_S = ttl
        targets._RESOLVED.clear()
        return _time(lambda: targets.resolve("localhost", 8080, allow), n)

    ttl = targets.RESOLVE_TTL_S
    try:
        _ab("resolve", "µs", lambda: run(0.0), lambda: run(ttl), rounds)
    finally:
        targets.RESOLVE_TTL_S = ttl


def bench_smtp(n: int, rounds: int) -> None:
    from aiosmtpd.controller import Controller

    from geowarn.alerts import channels
    from geowarn.alerts.rules import Channel
    from geowarn.settings import Settings

    class Sink:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            return "250 OK"

    port = free_port()
    ctl = Controller(Sink(), hostname="127.0.0.1", port=port)
    ctl.start()
    s = Settings(smtp_host="127.0.0.1", smtp_port=port)
    msg = channels.Outgoing("geowarn-bench-1", b"<alert>" + b"x" * 8000 + b"</alert>", "Alert", "bench")
    ch = Channel("email", "ops@example.org")
    try:

        def run(pool: channels.Pool | None) -> tuple[float, float]:
            try:
                return _time(lambda: channels.send(ch, msg, timeout=5, settings=s, pool=pool), n)
            finally:
                if pool is not None:
                    pool.close()

        _ab("smtp", "ms", lambda: run(None), lambda: run(channels.Pool()), rounds)
    finally:
        ctl.stop()


def bench_pool(url: str, n: int, rounds: int) -> None:
    from geowarn.store import open_store, postgis

    idle = postgis.POOL_CHECK_IDLE_S
    store = open_store(url)

    def run(check_s: float) -> tuple[float, float]:
        postgis.POOL_CHECK_IDLE_S = check_s

        def one() -> None:
            with store.transaction() as tx:
                tx.execute("SELECT 1")

        return _time(one, n)

    try:
        _ab("pool", "ms", lambda: run(0.0), lambda: run(idle), rounds)
    finally:
        postgis.POOL_CHECK_IDLE_S = idle
        store.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--n", type=int, default=2000, help="calls per round (e-mails: n / 10)")
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    print("per-delivery costs, before (every time) vs after (kept/cached), same run")
    bench_resolve(args.n, args.rounds)
    bench_smtp(max(1, args.n // 10), args.rounds)
    if args.database_url:
        bench_pool(args.database_url, args.n, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
