"""Against a real server on loopback: schemathesis over /openapi.json, and kill -9 during writes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from geowarn import rendering
from geowarn.store import open_store
from tests.webapp.helpers import corridor_fc
from tests.webapp.live import LiveServer, start_server

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path, extra_env={"GEOWARN_LIVE_MAX_S": "1"})  # whole /events/stream answers
    yield server
    server.stop()


def post_event(server: LiveServer, event_id: str, boxes: dict[str, tuple[float, float, float, float]]) -> int:
    body = json.dumps({"geojson": corridor_fc(boxes), "id": event_id, "name": f"Event {event_id}"}).encode()
    req = urllib.request.Request(
        f"{server.url}/api/events",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {server.token}"},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:  # the server was killed mid-request
        return 0


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_conforming_responses(live: LiveServer) -> None:
    assert post_event(live, "fixture-event", {"a": (124.5, 35.3, 124.9, 36.1), "b": (175.0, 20.0, -170.0, 25.0)}) == 201
    if not SCHEMATHESIS.exists():
        pytest.skip("schemathesis is not installed")
    checks = ",".join(
        [
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_headers_conformance",
            "response_schema_conformance",
            "negative_data_rejection",
            "unsupported_method",
            "use_after_free",
            "ensure_resource_availability",
            "ignored_auth",
        ]
    )
    proc = subprocess.run(
        [
            str(SCHEMATHESIS),
            "run",
            f"{live.url}/openapi.json",
            "--checks",
            checks,
            "--max-examples",
            "5",
            "--seed",
            "7",
            "--workers",
            "1",
            "--no-color",
            "--generation-database",
            "none",
            "-H",
            f"Authorization: Bearer {live.token}",
        ],
        capture_output=True,
        text=True,
        timeout=150,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    summary = proc.stdout[proc.stdout.find("SUMMARY") :] if "SUMMARY" in proc.stdout else proc.stdout[-3000:]
    print(summary)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert re.search(r"\d+ generated, \d+ passed", proc.stdout)
    assert "Traceback" not in (live.data_dir / "server.log").read_text(errors="replace")


def test_kill_9_of_the_server_during_writes_leaves_the_store_consistent(live: LiveServer) -> None:
    statuses: list[int] = []
    stop = threading.Event()

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            statuses.append(post_event(live, f"w{n}-{i}", {f"c{j}": (120 + j, 30, 121 + j, 31) for j in range(8)}))
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    while sum(1 for s in statuses if s == 201) < 4:
        threading.Event().wait(0.05)
    os.kill(live.proc.pid, signal.SIGKILL)
    live.proc.wait(10)
    stop.set()
    for t in threads:
        t.join(60)
    acknowledged = sum(1 for s in statuses if s == 201)
    assert acknowledged >= 4
    store = open_store(f"sqlite:///{live.data_dir / 'geowarn.sqlite3'}")
    try:
        with store.snapshot() as tx:
            assert tx.scalar("PRAGMA integrity_check") == "ok"
            events = tx.fetchall("SELECT id, version FROM events")
            # every acknowledged write survived; nothing half-written is visible
            assert len(events) >= acknowledged
            for ev in events:
                n = tx.scalar("SELECT COUNT(*) AS n FROM corridors WHERE event_id = ?", [ev["id"]])
                hist = tx.scalar("SELECT COUNT(*) AS n FROM event_versions WHERE event_id = ?", [ev["id"]])
                rows = tx.scalar("SELECT COUNT(*) AS n FROM renders WHERE event_id = ?", [ev["id"]])
                assert (n, hist, rows) == (8, 1, len(rendering.kind_names())), ev
        # files are rendered after the answer: what the kill cut short is left pending, and the worker's
        # retry (once the pending rows are stale) renders every kind of every event
        rendering.retry_due(store, now=datetime.now(UTC) + rendering.STALE_PENDING + timedelta(seconds=1))
        with store.snapshot() as tx:
            for ev in events:
                kinds = tx.fetchall("SELECT DISTINCT kind FROM artifacts WHERE event_id = ?", [ev["id"]])
                assert {r["kind"] for r in kinds} == set(rendering.kind_names()), ev
    finally:
        store.close()
