"""Chaos (issue 14, "keep it fixed"): the faults of the hostile review, repeated with real processes.

``geowarn serve`` and ``geowarn worker`` run as processes, webhooks go to a real receiver on
loopback, PostgreSQL is a throw-away cluster the test starts with ``initdb`` (or the shared test
server, one schema per test). Each test counts what was sent, received, duplicated and lost and
fails on any loss, any double delivery that is not a retry of one in-flight message, any event
answered 2xx that is missing, and any event written by halves (a version without its zones, its
alert messages or its render rows).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from geowarn.alerts import rules
from geowarn.alerts.rules import Channel, Subscription
from geowarn.store import Store, open_store
from tests.alerts.helpers import (
    WebhookReceiver,
    queue_messages,
    start_service,
    stop_process,
    tally,
    wait_delivered,
    worker_proc,
)
from tests.chaos.pgcluster import PGCluster

pytestmark = pytest.mark.slow

#: Fast retries so the faults are over in seconds.
WORKER_ENV = {
    "GEOWARN_WORKER_RETRY_BASE_S": "0.05",
    "GEOWARN_WORKER_RETRY_CAP_S": "0.3",
    "GEOWARN_DELIVERY_TIMEOUT_S": "2",
    "GEOWARN_ALERT_LAYERS": "jp-prefectures",
}
SUBSCRIBERS = 2
BURST = 30


def okinawa(event_id: str) -> dict[str, Any]:
    """An event body whose corridor (the polygon of issue 14 #1) lies over Okinawa (JP-47)."""
    ring = [[127.4, 25.9], [127.8, 25.9], [127.8, 26.3], [127.4, 26.3], [127.4, 25.9]]
    feat = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {
            "id": "c1",
            "phase": "debris",
            "window_start": "2030-02-06T22:30:00Z",
            "window_end": "2030-02-07T03:30:00Z",
        },
    }
    return {"geojson": {"type": "FeatureCollection", "features": [feat]}, "id": event_id, "name": event_id}


def call(method: str, url: str, token: str, body: Any = None, timeout: float = 60) -> int | None:
    """The HTTP status of one request (``None`` when the connection failed: the server is down)."""
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return int(exc.code)
    except OSError:
        return None


def subscribe(store: Store, receiver: WebhookReceiver, n: int = SUBSCRIBERS) -> None:
    with store.transaction() as tx:
        for i in range(n):
            sub = Subscription.create(
                id=f"sub-chaos-{i}", regions=["JP-47"], channels=[Channel("webhook", receiver.url, receiver.secret)]
            )
            rules.save_subscription(tx, sub)


def audit(store: Store, acked: set[str]) -> dict[str, list[str]]:
    """Events answered 2xx but missing, and events written by halves (checked in one snapshot)."""
    half: list[str] = []
    with store.snapshot() as tx:
        events = {r["id"]: int(r["version"]) for r in tx.fetchall("SELECT id, version FROM events")}
        for eid, version in events.items():
            row = tx.fetchone(
                "SELECT zone_count FROM event_versions WHERE event_id = ? AND version = ?", [eid, version]
            )
            zones = tx.scalar("SELECT COUNT(*) AS n FROM zones WHERE event_id = ? AND version = ?", [eid, version])
            messages = tx.scalar("SELECT COUNT(*) AS n FROM alert_messages WHERE event_id = ?", [eid])
            outbox = tx.scalar(
                "SELECT COUNT(*) AS n FROM outbox o JOIN alert_messages m ON m.id = o.message_id WHERE m.event_id = ?",
                [eid],
            )
            renders = tx.scalar("SELECT COUNT(*) AS n FROM renders WHERE event_id = ? AND version = ?", [eid, version])
            if (
                row is None
                or int(zones or 0) != int(row["zone_count"])
                or not int(zones or 0)
                or int(messages or 0) != SUBSCRIBERS
                or int(outbox or 0) != SUBSCRIBERS
                or not int(renders or 0)
            ):
                half.append(f"{eid}: zones {zones}, messages {messages}, outbox {outbox}, renders {renders}")
    return {"missing_2xx": sorted(acked - set(events)), "half_written": half, "events": sorted(events)}


def sent_ids(store: Store) -> list[str]:
    with store.snapshot() as tx:
        return [r["id"] for r in tx.fetchall("SELECT id FROM alert_messages ORDER BY id")]


class Burst:
    """POST ``n`` events one after another from a thread, retrying while the server is down.

    A retry that answers 409 means the first try committed: the event must then be complete.
    """

    def __init__(self, url: str, token: str, n: int, prefix: str, *, hold_after: int = 0) -> None:
        self.url, self.token, self.n, self.prefix = url, token, n, prefix
        self.acked: set[str] = set()
        self.failed: dict[str, int | None] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        #: with ``hold_after``, the burst waits after that many events until :meth:`release`: the
        #: kill can then land mid-burst however fast the server answers
        self.hold_after = hold_after
        self.gate = threading.Event()

    def release(self) -> None:
        self.gate.set()

    def _run(self) -> None:
        for i in range(self.n):
            if self.hold_after and i == self.hold_after:
                self.gate.wait(120)
            eid = f"{self.prefix}-{i:03d}"
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                status = call("POST", f"{self.url}/api/events", self.token, okinawa(eid))
                if status is not None and 200 <= status < 300:
                    self.acked.add(eid)
                    break
                if status == 409:  # committed by the try the fault interrupted
                    break
                if status is not None and status != 503:
                    self.failed[eid] = status
                    break
                time.sleep(0.1)

    def start(self) -> Burst:
        self.thread.start()
        return self

    def join(self) -> None:
        self.thread.join(180)
        assert not self.thread.is_alive(), "the burst did not finish"


@pytest.fixture
def token_store(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    store = open_store(data_dir=tmp_path)
    _id, token = store.create_token("chaos")
    yield store, token
    store.close()


def _wait(cond: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_kill_9_of_server_and_worker_mid_burst(
    tmp_path: Path, token_store: tuple[Store, str], receiver: WebhookReceiver
) -> None:
    store, token = token_store
    subscribe(store, receiver)
    receiver.stall_s = 0.3  # deliveries take a while, so the kill lands in some
    server, url = start_service(tmp_path, WORKER_ENV)
    worker = worker_proc(tmp_path, "--lease", "2", "--concurrency", "4", env=WORKER_ENV)
    procs = [server, worker]
    try:
        burst = Burst(url, token, BURST, "kill", hold_after=BURST // 2).start()
        _wait(lambda: len(burst.acked) >= 4 and receiver.requests >= 1, 120, "no traffic before the kill")
        burst.release()  # the burst goes on: the kill lands among its writes
        os.kill(server.pid, signal.SIGKILL)
        os.kill(worker.pid, signal.SIGKILL)
        server.wait(10)
        worker.wait(10)
        killed_at = len(burst.acked)
        receiver.stall_s = 0.0
        server, _ = start_service(tmp_path, WORKER_ENV, port=int(url.rsplit(":", 1)[1]))
        worker = worker_proc(tmp_path, "--lease", "2", env=WORKER_ENV)
        procs = [server, worker]
        burst.join()
        sent = sent_ids(store)
        st = wait_delivered(store, len(sent), timeout=60)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    got = tally(receiver, sent)
    found = audit(store, burst.acked)
    print("kill -9 mid-burst:", got, st, f"acked {len(burst.acked)} (killed after {killed_at})", burst.failed)
    assert burst.failed == {}
    assert found["missing_2xx"] == [] and found["half_written"] == []
    assert killed_at < BURST  # the kill landed mid-burst
    assert len(found["events"]) == BURST and got["sent"] == BURST * SUBSCRIBERS
    assert st == {"delivered": got["sent"]}
    assert got["lost"] == 0 and got["bad_signatures"] == 0
    assert got["duplicates"] <= 4  # only re-sends of the rows in flight at the kill, with their stable ids


def test_receiver_500_then_hang_then_back(tmp_path: Path, receiver: WebhookReceiver) -> None:
    store = open_store(data_dir=tmp_path)
    sent = queue_messages(store, receiver.url, receiver.secret, 12)
    receiver.fail_with = 500
    env = {**WORKER_ENV, "GEOWARN_DELIVERY_TIMEOUT_S": "0.5"}
    worker = worker_proc(tmp_path, "--concurrency", "4", env=env)
    try:
        _wait(lambda: receiver.requests >= 12, 30, "the worker did not try")
        receiver.fail_with, receiver.stall_s = None, 1.2  # hangs past the delivery timeout
        seen = receiver.requests
        _wait(lambda: receiver.requests >= seen + 4, 30, "no attempt during the hang")
        receiver.stall_s = 0.0
        st = wait_delivered(store, len(sent), timeout=60)
    finally:
        stop_process(worker)
    with store.snapshot() as tx:
        timeouts = int(
            tx.scalar("SELECT COUNT(*) AS n FROM delivery_attempts WHERE ok = 0 AND error LIKE '%timed out%'")
        )
        errors500 = int(tx.scalar("SELECT COUNT(*) AS n FROM delivery_attempts WHERE error LIKE '%HTTP 500%'"))
    got = tally(receiver, sent)
    print("receiver 500/hang/back:", got, st, f"{errors500} HTTP 500, {timeouts} timeouts")
    store.close()
    assert st == {"delivered": 12} and errors500 >= 12 and timeouts >= 1
    assert got["lost"] == 0 and got["unique"] == 12 and got["bad_signatures"] == 0
    # a hung receiver that still took the message after the sender gave up sees it again, same id
    assert got["duplicates"] <= timeouts


@pytest.fixture
def cluster() -> Iterator[PGCluster]:
    c = PGCluster()
    yield c
    c.destroy()


def test_postgres_restart_costs_no_request_after_it_is_back(
    tmp_path: Path, cluster: PGCluster, receiver: WebhookReceiver
) -> None:
    store = open_store(cluster.url)
    _id, token = store.create_token("chaos")
    subscribe(store, receiver)
    server, url = start_service(tmp_path, WORKER_ENV, database_url=cluster.url)
    worker = worker_proc(tmp_path, "--lease", "5", env=WORKER_ENV, database_url=cluster.url)
    try:
        with ThreadPoolExecutor(16) as pool:  # every server thread has used the database
            warm = list(pool.map(lambda _: call("GET", f"{url}/api/events", token), range(32)))
        assert warm == [200] * 32
        before = Burst(url, token, 3, "before").start()
        before.join()
        cluster.restart("fast", down_s=1.0)  # every pooled connection is cut; nothing arrives meanwhile
        with ThreadPoolExecutor(16) as pool:  # ... then requests arrive once the database is back

            def one(i: int) -> int | None:
                if i % 3 == 0:
                    return call("POST", f"{url}/api/events", token, okinawa(f"after-{i:03d}"))
                return call("GET", f"{url}/api/events" if i % 2 else f"{url}/healthz", token)

            after = list(pool.map(one, range(36)))
        failures = [s for s in after if s is None or not 200 <= s < 300]
        print(f"PostgreSQL restart: {len(failures)} of {len(after)} requests after the restart failed: {failures}")
        during = Burst(url, token, 6, "during").start()  # a crash in the middle of writes
        cluster.restart("immediate", down_s=1.0)
        during.join()
        sent = sent_ids(store)
        st = wait_delivered(store, len(sent), timeout=60)
    finally:
        stop_process(worker)
        stop_process(server)
    acked = before.acked | during.acked | {f"after-{i:03d}" for i, s in enumerate(after) if i % 3 == 0 and s == 201}
    found = audit(store, acked)
    got = tally(receiver, sent)
    print("PostgreSQL restart:", got, st)
    store.close()
    assert failures == [], after
    assert found["missing_2xx"] == [] and found["half_written"] == []
    assert st == {"delivered": len(sent)} and got["lost"] == 0 and got["duplicates"] == 0


def test_several_workers_on_postgis_deliver_each_message_once(tmp_path: Path, receiver: WebhookReceiver) -> None:
    from tests.pg import pg_schema_url

    urls = pg_schema_url()
    url = next(urls)
    try:
        store = open_store(url)
        receiver.stall_s = 0.02
        # small claims, and all three workers up before the rows exist: with 32-row claims the first
        # worker to start took the whole outbox before the others had imported
        env = {**WORKER_ENV, "GEOWARN_WORKER_BATCH": "4"}
        workers = [worker_proc(tmp_path, "--concurrency", "2", env=env, database_url=url) for _ in range(3)]
        log = tmp_path / "worker.log"
        try:
            _wait(lambda: log.exists() and log.read_text(errors="replace").count(" started") >= 3, 60, "workers up")
            sent = queue_messages(store, receiver.url, receiver.secret, 60)
            st = wait_delivered(store, len(sent), timeout=60)
        finally:
            for w in workers:
                stop_process(w)
        with store.snapshot() as tx:
            by = tx.fetchall(
                "SELECT outbox_id, COUNT(DISTINCT worker) AS w, SUM(ok) AS ok FROM delivery_attempts GROUP BY outbox_id"
            )
            active = int(tx.scalar("SELECT COUNT(DISTINCT worker) AS n FROM delivery_attempts"))
        got = tally(receiver, sent)
        print("3 workers on PostGIS:", got, st, f"{active} workers delivered")
        store.close()
        assert st == {"delivered": 60}
        assert got["lost"] == 0 and got["duplicates"] == 0 and got["bad_signatures"] == 0
        assert all(int(r["ok"]) == 1 and int(r["w"]) == 1 for r in by) and len(by) == 60
        assert active >= 2
    finally:
        next(urls, None)
