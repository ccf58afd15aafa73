"""Outbox and worker under faults, on real stores: concurrent claims, retries, parking, kill -9, DB trouble."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from geowarn.alerts import lifecycle, outbox, rules
from geowarn.alerts.rules import Channel, Subscription
from geowarn.alerts.worker import Worker, WorkerOptions
from geowarn.store import Store, open_store
from tests.alerts.helpers import (
    T0,
    WebhookReceiver,
    make_event,
    make_zone,
    queue_messages,
    tally,
    wait_delivered,
    worker_proc,
)

FAST = dict(poll_interval=0.02, retry_base=0.05, retry_cap=0.2, lease_s=5.0, timeout=3.0, concurrency=4)


def run_worker(store: Store, **opts: Any) -> tuple[Worker, threading.Thread]:
    w = Worker(store, WorkerOptions(**{**FAST, **opts}))
    t = threading.Thread(target=w.run, daemon=True)
    t.start()
    return w, t


def test_concurrent_claims_are_disjoint(store: Store, store_url: str) -> None:
    sent = queue_messages(store, "http://127.0.0.1:9/h", "0123456789", 40)
    stores = [open_store(store_url) for _ in range(4)]
    claimed: list[list[str]] = [[] for _ in stores]

    def grab(i: int) -> None:
        while batch := outbox.claim(stores[i], f"w{i}", limit=3):
            claimed[i].extend(d.id for d in batch)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(grab, range(4)))
    every = [x for c in claimed for x in c]
    assert len(every) == len(set(every)) == len(sent) == 40
    assert outbox.claim(store, "late") == []  # all leased
    for s in stores:
        s.close()


def test_settle_records_and_claims_the_next_rows_in_one_transaction(store: Store) -> None:
    """A worker's round (issue 16): the outcomes are written and the next rows claimed with one commit;
    an Update is claimable in the very round that records its Alert delivered, not before."""
    import dataclasses
    from datetime import UTC, datetime

    from geowarn.model import Severity

    with store.transaction() as tx:
        rules.save_subscription(tx, Subscription.create(id="sub-1", regions=["JP-47"], channels=[Channel("mqtt", "t")]))
    z = make_zone("JP-47")
    with store.transaction() as tx:
        lifecycle.process_event(tx, make_event(), [z], T0)
        lifecycle.process_event(tx, make_event(version=2), [dataclasses.replace(z, severity=Severity.EXTREME)], T0)
    alert = outbox.claim(store, "w1", limit=10)
    assert [d.msg_type for d in alert] == ["Alert"]  # the Update waits behind it
    ok = outbox.Outcome(alert[0], datetime.now(UTC), datetime.now(UTC), True)
    statuses, update = outbox.settle(store, "w1", [ok], claim=10)
    assert statuses == ["delivered"] and [d.msg_type for d in update] == ["Update"]
    assert update[0].attempt == 1
    failed = outbox.Outcome(update[0], datetime.now(UTC), datetime.now(UTC), False, 503, "HTTP 503")
    assert outbox.settle(store, "w1", [failed], claim=10, base=60.0) == (["pending"], [])  # backed off
    assert outbox.stats(store) == {"delivered": 1, "pending": 1}
    with store.snapshot() as tx:
        tries = tx.fetchall("SELECT outbox_id, attempt, ok, error FROM delivery_attempts ORDER BY id")
    assert [(t["attempt"], t["ok"], t["error"]) for t in tries] == [(1, 1, None), (1, 0, "HTTP 503")]
    assert outbox.settle(store, "w1", [], claim=0) == ([], [])


def test_receiver_500_for_a_while_then_delivered_once(store: Store, receiver: WebhookReceiver) -> None:
    sent = queue_messages(store, receiver.url, receiver.secret, 3)
    receiver.fail_count = 7  # the first 7 requests get HTTP 500
    w, t = run_worker(store)
    try:
        st = wait_delivered(store, 3)
    finally:
        w.stop()
        t.join(5)
        w.close()
    assert st == {"delivered": 3}
    got = tally(receiver, sent)
    assert got["lost"] == 0 and got["duplicates"] == 0 and got["bad_signatures"] == 0 and got["unique"] == 3
    with store.snapshot() as tx:
        attempts = tx.fetchall("SELECT ok, status_code, error FROM delivery_attempts ORDER BY id")
    assert len(attempts) == 10 and sum(a["ok"] for a in attempts) == 3
    assert all("HTTP 500" in a["error"] for a in attempts if not a["ok"])


def test_poison_message_is_parked_with_reason(store: Store, receiver: WebhookReceiver) -> None:
    queue_messages(store, receiver.url, receiver.secret, 1)
    receiver.fail_with = 410
    w, t = run_worker(store)
    try:
        st = wait_delivered(store, 1)
        time.sleep(0.2)
    finally:
        w.stop()
        t.join(5)
        w.close()
    assert st == {"parked": 1} and receiver.requests == 1
    (row,) = outbox.rows(store)
    assert row["status"] == "parked" and "HTTP 410" in row["last_error"] and row["attempts"] == 1


def test_updates_never_overtake_their_alert(store: Store, receiver: WebhookReceiver) -> None:
    """Per channel the rows go out in order, even while the first one is being retried."""
    with store.transaction() as tx:
        rules.save_subscription(
            tx,
            Subscription.create(
                id="sub-a", regions=["JP-47"], channels=[Channel("webhook", receiver.url, receiver.secret)]
            ),
        )
    import dataclasses

    from geowarn.model import EventStatus, Severity

    z = make_zone("JP-47")
    with store.transaction() as tx:
        lifecycle.process_event(tx, make_event(), [z], T0)
    with store.transaction() as tx:
        lifecycle.process_event(tx, make_event(version=2), [dataclasses.replace(z, severity=Severity.EXTREME)], T0)
    with store.transaction() as tx:
        lifecycle.process_event(tx, make_event(version=3, status=EventStatus.CANCELLED), [z], T0)
    receiver.fail_count = 2
    w, t = run_worker(store)
    try:
        wait_delivered(store, 3)
    finally:
        w.stop()
        t.join(5)
        w.close()
    assert [r.msg_type for r in receiver.received] == ["Alert", "Update", "Cancel"]


def test_kill_9_mid_delivery_loses_nothing(tmp_path: Path, receiver: WebhookReceiver) -> None:
    store = open_store(data_dir=tmp_path)
    sent = queue_messages(store, receiver.url, receiver.secret, 12)
    receiver.stall_s = 0.8  # deliveries hang, so the kill lands in the middle of some
    env = {"GEOWARN_WORKER_RETRY_BASE_S": "0.05"}
    p = worker_proc(tmp_path, "--lease", "2", "--concurrency", "4", env=env)
    try:
        deadline = time.monotonic() + 60  # a wait for the worker to start on a loaded machine, not a speed check
        while receiver.requests < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert receiver.requests >= 4, (tmp_path / "worker.log").read_text()
        os.kill(p.pid, signal.SIGKILL)
        p.wait(5)
        in_flight = outbox.stats(store).get("pending", 0)
        assert in_flight > 0
        receiver.stall_s = 0.0
        p2 = worker_proc(tmp_path, "--lease", "2", env=env)
        try:
            st = wait_delivered(store, len(sent), timeout=20)
        finally:
            p2.send_signal(signal.SIGTERM)
            assert p2.wait(10) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    got = tally(receiver, sent)
    print("kill -9:", got, st)
    assert st == {"delivered": len(sent)}
    assert got["lost"] == 0 and got["bad_signatures"] == 0
    assert got["unique"] == len(sent)
    # duplicates can only be redeliveries of the in-flight rows, and they carry the same id
    assert got["duplicates"] <= 4
    store.close()


def test_database_trouble_under_load(store: Store, store_url: str, receiver: WebhookReceiver) -> None:
    """SQLite: another process-like writer holds the write lock for seconds at a time; PostGIS: the
    worker's connections are killed (pg_terminate_backend) while it delivers. Nothing is lost."""
    n = 30
    sent = queue_messages(store, receiver.url, receiver.secret, n)
    receiver.stall_s = 0.02
    wurl = store_url + "&application_name=gw_alerts_victim" if store.dialect == "postgis" else store_url
    wstore = open_store(wurl)
    w, t = run_worker(wstore, concurrency=2, batch=2)
    stop = threading.Event()
    disruptions = 0

    def disrupt() -> None:
        nonlocal disruptions
        while not stop.is_set() and disruptions < 4:
            time.sleep(0.15)
            if store.dialect == "sqlite":
                with store.transaction() as tx:  # BEGIN IMMEDIATE: the worker's writes queue behind it
                    tx.execute("UPDATE store_meta SET value = value WHERE key = 'generation'")
                    time.sleep(0.6)
            else:
                with store.transaction() as tx:  # only the worker's own connections (by application_name)
                    pids = [
                        r["pid"]
                        for r in tx.fetchall(
                            "SELECT pid FROM pg_stat_activity WHERE application_name = 'gw_alerts_victim' "
                            "AND pid <> pg_backend_pid()"
                        )
                    ]
                    killed = sum(1 for pid in pids if tx.scalar("SELECT pg_terminate_backend(?) AS ok", [pid]))
                if not killed:
                    continue
            disruptions += 1

    d = threading.Thread(target=disrupt)
    d.start()
    try:
        st = wait_delivered(store, n, timeout=40)
    finally:
        stop.set()
        d.join()
        w.stop()
        t.join(10)
        w.close()
        wstore.close()
    got = tally(receiver, sent)
    print(f"{store.dialect} disruptions={disruptions}:", got, st)
    assert disruptions >= 2
    assert st == {"delivered": n}
    assert got["lost"] == 0 and got["unique"] == n


@pytest.mark.postgis
def test_postgres_notify_wakes_the_worker_at_once(receiver: WebhookReceiver) -> None:
    """With a 30 s poll interval, only LISTEN/NOTIFY can make the delivery prompt."""
    from tests.alerts.helpers import pg_schema_url

    gen = pg_schema_url()
    url = next(gen)
    try:
        store = open_store(url)
        wstore = open_store(url)
        with store.transaction() as tx:
            rules.save_subscription(
                tx,
                Subscription.create(
                    id="sub-n", regions=["JP-47"], channels=[Channel("webhook", receiver.url, receiver.secret)]
                ),
            )
        w, t = run_worker(wstore, poll_interval=30.0)
        try:
            time.sleep(0.5)  # the worker is now blocked in LISTEN
            t0 = time.monotonic()
            with store.transaction() as tx:
                lifecycle.process_event(tx, make_event(), [make_zone("JP-47")], T0)
            (got,) = receiver.wait_for(1, timeout=10)
            assert got.at - t0 < 2.0, got.at - t0
        finally:
            w.stop()
            t.join(35)
            w.close()
            store.close()
            wstore.close()
    finally:
        gen.close()
