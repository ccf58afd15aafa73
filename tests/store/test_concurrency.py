"""Several writer processes at once, and a writer killed with SIGKILL mid-write, on both backends."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import shapely

from geowarn.store import open_store
from geowarn.store.tx import Tx

WRITERS = 4
EVENTS_PER_WRITER = 4
UPDATES_PER_WRITER = 4

WRITER = r"""
import sys, time
sys.path.insert(0, {root!r})
from tests.store.test_store import make_event, save
import shapely
from geowarn.store import open_store
store = open_store({url!r})
i = 0
while True:
    ev = make_event(f"k-{{i}}", {{f"c{{j}}": shapely.box(120 + j, 30, 121 + j, 31) for j in range(20)}})
    save(store, ev)
    print(i, flush=True)
    i += 1
"""


def _writer(url: str, n: int) -> None:
    from tests.store.test_store import make_event, save

    store = open_store(url)
    for i in range(EVENTS_PER_WRITER):
        save(store, make_event(f"w{n}-{i}", {"a": shapely.box(120 + n, 30 + i, 121 + n, 31 + i)}))
    # every writer bumps the shared event; versions must come out contiguous with none lost
    for _ in range(UPDATES_PER_WRITER):
        with store.transaction() as tx:
            cur = store.lock_event(tx, "shared")
            assert cur is not None
            nxt = make_event("shared", {"a": shapely.box(100, 0, 101, 1)}, version=cur.version + 1)
            store.write_event_version(tx, nxt, [], note=f"writer {n}")
    store.close()


def _check_consistent(tx: Tx) -> None:
    for ev in tx.fetchall("SELECT id, version FROM events"):
        versions = [
            r["version"]
            for r in tx.fetchall("SELECT version FROM event_versions WHERE event_id = ? ORDER BY version", [ev["id"]])
        ]
        assert versions == list(range(1, ev["version"] + 1)), ev
        for v in tx.fetchall(
            "SELECT version, corridor_count, zone_count FROM event_versions WHERE event_id = ?", [ev["id"]]
        ):
            n = tx.scalar(
                "SELECT COUNT(*) AS n FROM corridors WHERE event_id = ? AND version = ?", [ev["id"], v["version"]]
            )
            z = tx.scalar(
                "SELECT COUNT(*) AS n FROM zones WHERE event_id = ? AND version = ?", [ev["id"], v["version"]]
            )
            assert (n, z) == (v["corridor_count"], v["zone_count"]), (ev, v)
    orphans = tx.scalar(
        "SELECT COUNT(*) AS n FROM corridors c WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.id = c.event_id)"
    )
    assert orphans == 0


def test_concurrent_writer_processes(store, store_url) -> None:  # type: ignore[no-untyped-def]
    from tests.store.test_store import make_event, save

    save(store, make_event("shared", {"a": shapely.box(100, 0, 101, 1)}))
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(store_url, n)) for n in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert store.count_events() == 1 + WRITERS * EVENTS_PER_WRITER
    shared = store.get_event("shared")
    assert shared.version == 1 + WRITERS * UPDATES_PER_WRITER
    notes = [h["note"] for h in store.history("shared")][1:]
    assert sorted(notes) == sorted(f"writer {n}" for n in range(WRITERS) for _ in range(UPDATES_PER_WRITER))
    with store.snapshot() as tx:
        _check_consistent(tx)


def test_kill_9_during_writes_leaves_store_consistent(store, store_url) -> None:  # type: ignore[no-untyped-def]
    root = str(Path(__file__).parents[2])
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER.format(root=root, url=store_url)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.stdout is not None
    try:
        # let it commit a few events, then kill it while it is writing the next one
        for _ in range(3):
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.02)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    fresh = open_store(store_url)
    try:
        n = fresh.count_events()
        assert n >= 3
        with fresh.snapshot() as tx:
            _check_consistent(tx)
            if fresh.dialect == "sqlite":
                assert tx.scalar("PRAGMA integrity_check") == "ok"
        # the store still takes writes after the crash
        from tests.store.test_store import make_event, save

        save(fresh, make_event("after-crash", {"a": shapely.box(1, 1, 2, 2)}))
        assert fresh.event_exists("after-crash")
    finally:
        fresh.close()
