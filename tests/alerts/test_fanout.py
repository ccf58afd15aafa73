"""Fan-out (issue 16) on real stores and servers: retained MQTT region topics through Mosquitto,
keep-alive webhook connections, and several ``geowarn worker`` processes sharing one outbox."""

from __future__ import annotations

import dataclasses
import signal
import socket
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from geowarn.alerts import lifecycle, outbox
from geowarn.alerts.worker import Worker, WorkerOptions
from geowarn.model import EventStatus
from geowarn.settings import Settings
from geowarn.store import Store
from geowarn.store import alerts as repo
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
from tests.alerts.test_channels import mqtt_up

FAST = dict(poll_interval=0.02, retry_base=0.05, retry_cap=0.2, lease_s=5.0, timeout=3.0)


def deliver_all(store: Store, prefix: str | None = None, **opts: Any) -> Worker:
    """One worker round at T0 over everything due (MQTT to the local Mosquitto); returns the closed worker."""
    s = Settings(mqtt_url="mqtt://127.0.0.1:1883", mqtt_region_topics=prefix, allow_private_targets=("127.0.0.1",))
    w = Worker(store, WorkerOptions(**{**FAST, **opts}, settings=s))
    try:
        w.run_once(T0)
    finally:
        w.close()
    return w


def retained(topic: str, timeout: float = 5.0) -> list[Any]:
    """Connect a NEW subscriber to ``topic`` and return what the broker hands it (its retained message)."""
    import paho.mqtt.client as mqtt

    got: list[Any] = []
    arrived = threading.Event()
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)

    def on_message(c: Any, u: Any, m: Any) -> None:
        got.append(m)
        arrived.set()

    sub.on_message = on_message
    sub.connect("127.0.0.1", 1883)
    sub.loop_start()
    try:
        sub.subscribe(topic, qos=1)
        arrived.wait(timeout)
        time.sleep(0.2)  # a second retained message would arrive right after the first
    finally:
        sub.disconnect()
        sub.loop_stop()
    return got


def props(m: Any) -> dict[str, str]:
    return dict(m.properties.UserProperty)


def test_region_topic_retained_for_late_subscribers(store: Store) -> None:
    if not mqtt_up():
        pytest.skip("Mosquitto is not running on 127.0.0.1:1883")
    prefix = f"geowarn-test/{uuid.uuid4().hex}/alerts"
    z47, zts = make_zone("JP-47"), make_zone("TS-JP-47", layer="jp-territorial-sea")
    near = make_zone("JP-46", distance_km=12.0)  # only within the proximity margin: not "affected"
    with store.transaction() as tx:
        queued = lifecycle.process_event(tx, make_event(), [z47, zts, near], T0, region_topics=prefix)
    assert sorted(queued) == ["geowarn-ev1-region:JP-47-1", "geowarn-ev1-region:TS-JP-47-1"]
    deliver_all(store, prefix)
    assert outbox.stats(store) == {"delivered": 2}
    # subscribers that connect after the publish get the retained Alert at once
    (m,) = retained(f"{prefix}/JP-47")
    assert m.retain and m.qos == 1
    assert props(m) == {"message-id": "geowarn-ev1-region:JP-47-1", "msg-type": "Alert"}
    assert b"<msgType>Alert</msgType>" in m.payload and b"JP-47" in m.payload
    assert b"TS-JP-47" not in m.payload  # each topic carries its own region's zones only
    assert props(retained(f"{prefix}/TS-JP-47")[0])["msg-type"] == "Alert"
    assert retained(f"{prefix}/JP-46", timeout=0.5) == []

    # an update, then the cancel: the retained message is replaced each time
    worse = dataclasses.replace(z47, area_km2=2000.0)
    with store.transaction() as tx:
        lifecycle.process_event(tx, make_event(version=2), [worse, zts], T0, region_topics=prefix)
    deliver_all(store, prefix)
    assert props(retained(f"{prefix}/JP-47")[0])["msg-type"] == "Update"
    with store.transaction() as tx:
        lifecycle.process_event(
            tx, make_event(version=3, status=EventStatus.CANCELLED), [worse, zts], T0, region_topics=prefix
        )
    deliver_all(store, prefix)
    for region in ("JP-47", "TS-JP-47"):
        (m,) = retained(f"{prefix}/{region}")
        assert props(m)["msg-type"] == "Cancel" and b"<msgType>Cancel</msgType>" in m.payload
    assert outbox.stats(store) == {"delivered": 5}  # 2 Alerts, 1 Update (TS-JP-47 did not change), 2 Cancels


def test_region_topic_keeps_the_standing_warning_of_another_event(store: Store) -> None:
    """Two launches warn Okinawa; cancelling one must not leave an all-clear (or its own stale
    warning) retained while the other still stands."""
    if not mqtt_up():
        pytest.skip("Mosquitto is not running on 127.0.0.1:1883")
    prefix = f"geowarn-test/{uuid.uuid4().hex}/alerts"
    za, zb = make_zone("JP-47", event_id="evA"), make_zone("JP-47", event_id="evB")
    with store.transaction() as tx:
        lifecycle.process_event(tx, make_event("evB"), [zb], T0, region_topics=prefix)
    with store.transaction() as tx:
        lifecycle.process_event(tx, make_event("evA"), [za], T0, region_topics=prefix)
    deliver_all(store, prefix)
    assert props(retained(f"{prefix}/JP-47")[0])["message-id"] == "geowarn-evA-region:JP-47-1"
    with store.transaction() as tx:
        lifecycle.process_event(
            tx, make_event("evA", version=2, status=EventStatus.CANCELLED), [za], T0, region_topics=prefix
        )
    deliver_all(store, prefix)
    (m,) = retained(f"{prefix}/JP-47")
    assert props(m) == {"message-id": "geowarn-evB-region:JP-47-1", "msg-type": "Alert"}
    # evB ends too: now the topic's last word is its Cancel
    with store.transaction() as tx:
        lifecycle.process_event(
            tx, make_event("evB", version=2, status=EventStatus.CANCELLED), [zb], T0, region_topics=prefix
        )
    deliver_all(store, prefix)
    assert props(retained(f"{prefix}/JP-47")[0]) == {"message-id": "geowarn-evB-region:JP-47-2", "msg-type": "Cancel"}


def test_region_topics_off_by_default(store: Store) -> None:
    with store.transaction() as tx:
        assert lifecycle.process_event(tx, make_event(), [make_zone("JP-47")], T0) == []
    assert outbox.stats(store) == {}


def test_webhooks_reuse_connections(store: Store, receiver: WebhookReceiver) -> None:
    sent = queue_messages(store, receiver.url, receiver.secret, 40)
    w = deliver_all(store, None, concurrency=2, batch=8)
    got = tally(receiver, sent)
    assert got["lost"] == 0 and got["duplicates"] == 0 and got["bad_signatures"] == 0
    # two delivery threads: at most two TCP connections for 40 POSTs (one per thread, kept alive)
    assert 1 <= len(receiver.peers) <= 2
    assert w.connections.opened == len(receiver.peers)
    assert w.connections.reused == 40 - w.connections.opened


class ClosingReceiver:
    """A raw HTTP/1.1 server that answers one request per connection with keep-alive, then closes it
    (what an idle timeout on the receiver's side does to a kept connection)."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.accepted = 0
        self.ids: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                hdrs = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
                while len(body) < int(hdrs.get("content-length", "0")):
                    body += conn.recv(65536)
                self.ids.append(hdrs.get("x-geowarn-message-id", ""))
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
                time.sleep(0.1)  # the client has read the answer and kept the connection; now close it

    def close(self) -> None:
        self.sock.close()


def test_stale_kept_connection_is_reopened(store: Store) -> None:
    rx = ClosingReceiver()
    try:
        sent = queue_messages(store, rx.url, "0123456789", 3)
        w = Worker(store, WorkerOptions(**FAST, concurrency=1, batch=1))
        try:
            for _ in sent:
                (d,) = outbox.claim(store, w.id, limit=1)
                time.sleep(0.3)  # the receiver has closed the kept connection meanwhile
                assert w.deliver(d) == "delivered"
        finally:
            w.close()
        assert sorted(rx.ids) == sorted(sent)  # each delivered once, none lost
        assert rx.accepted == 3 and w.connections.opened == 3
    finally:
        rx.close()


@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
def test_several_worker_processes_on_postgis(tmp_path: Path, store: Store, store_url: str) -> None:
    receiver = WebhookReceiver("shared-secret-123")
    try:
        sent = queue_messages(store, receiver.url, receiver.secret, 150)
        with store.transaction() as tx:  # not due until all three processes are up: a slow start is not "sharing"
            tx.execute("UPDATE outbox SET next_attempt = ?", [datetime(2100, 1, 1, tzinfo=UTC)])
        receiver.stall_s = 0.01
        env = {"GEOWARN_ALLOW_PRIVATE_TARGETS": "127.0.0.1", "GEOWARN_WORKER_BATCH": "8"}
        procs = [worker_proc(tmp_path, "--concurrency", "3", env=env, database_url=store_url) for _ in range(3)]
        try:
            deadline = time.monotonic() + 60
            while (tmp_path / "worker.log").read_text(errors="replace").count(" started") < 3:
                assert time.monotonic() < deadline and all(p.poll() is None for p in procs), (
                    tmp_path / "worker.log"
                ).read_text()
                time.sleep(0.05)
            with store.transaction() as tx:
                tx.execute("UPDATE outbox SET next_attempt = ?", [datetime.now(UTC)])
                repo.notify_outbox(tx)
            st = wait_delivered(store, len(sent), timeout=90)
        finally:
            for p in procs:
                p.send_signal(signal.SIGTERM)
            codes = [p.wait(20) for p in procs]
        got = tally(receiver, sent)
        print("3 workers on PostGIS:", got, st)
        assert codes == [0, 0, 0], (tmp_path / "worker.log").read_text()
        assert st == {"delivered": len(sent)}
        assert got["lost"] == 0 and got["duplicates"] == 0 and got["unique"] == len(sent)
        with store.snapshot() as tx:
            workers = tx.fetchall("SELECT DISTINCT worker FROM delivery_attempts")
            attempts = tx.fetchone("SELECT COUNT(*) AS n FROM delivery_attempts")
        assert int(attempts["n"]) == len(sent)  # each row attempted once: no row claimed twice
        assert len(workers) >= 2  # the work was shared (3 processes, 150 rows)
    finally:
        receiver.close()


def test_region_topic_all_clear_after_the_window(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's tick gives a region topic its all-clear once the window has passed (WINDOW ends
    T0 + 15:30, helpers.py), through the service's own save path (``Options.region_topics``)."""
    from datetime import timedelta

    import geowarn.service as service

    prefix = "geowarn-test/tick/alerts"
    zones = {"ev1": [make_zone("JP-47")], "ev3": [make_zone("JP-47", event_id="ev3")]}
    monkeypatch.setattr(service, "compute", lambda corridors, event_id, **k: zones[event_id])
    res = service.submit_event(store, make_event(), now=T0, options=service.Options(region_topics=prefix))
    assert res.messages == ["geowarn-ev1-region:JP-47-1"]
    later = T0 + timedelta(hours=16)
    assert lifecycle.tick(store, T0 + timedelta(hours=1), region_topics=prefix) == []
    assert lifecycle.tick(store, later, region_topics=prefix) == ["geowarn-ev1-region:JP-47-2"]
    with store.snapshot() as tx:
        row = tx.fetchone(
            "SELECT m.response, m.msg_type, o.channel FROM outbox o JOIN alert_messages m ON m.id = o.message_id "
            "WHERE m.seq = 2"
        )
    assert (row["msg_type"], row["response"]) == ("Update", "AllClear")
    assert '"retain": true' in row["channel"]  # no other event warns JP-47: the all-clear is retained
    # with region topics switched off, the worker's tick lets such states expire silently
    service.submit_event(store, make_event("ev3"), now=T0, options=service.Options(region_topics=prefix))
    assert lifecycle.tick(store, later) == []
    with store.snapshot() as tx:
        assert tx.scalar("SELECT status FROM alert_state WHERE event_id = 'ev3'") == "expired"


def test_shared_renderings_are_byte_identical(store: Store) -> None:
    """Many subscribers of one event share a CAP rendering (issue 16); each stored message must equal
    what building it for that subscriber alone gives, Alert and Update (with references) alike."""
    from geowarn.alerts import rules
    from geowarn.alerts.rules import Channel, Subscription

    subs = [
        Subscription.create(id=f"sub-{i}", regions=["JP-47"], languages=langs, channels=[Channel("email", "a@b.org")])
        for i, langs in enumerate([("ja-JP", "en-US"), ("ja-JP", "en-US"), ("en-US",), ("ja-JP", "en-US")])
    ]
    with store.transaction() as tx:
        for sub in subs:
            rules.save_subscription(tx, sub)
    z = make_zone("JP-47")
    with store.transaction() as tx:
        lifecycle.process_event(tx, make_event(), [z], T0)
    with store.transaction() as tx:
        lifecycle.process_event(tx, make_event(version=2), [dataclasses.replace(z, area_km2=2000.0)], T0)
    with store.snapshot() as tx:
        rows = tx.fetchall("SELECT * FROM alert_messages ORDER BY subscription_id, seq")
        repo.resolve_bodies(tx, rows)
    assert len(rows) == 8
    by_sub = {s.id: s for s in subs}
    for r in rows:
        sub = by_sub[r["subscription_id"]]
        refs = [] if r["seq"] == 1 else [next(x["reference"] for x in rows if x["id"] == f"geowarn-ev1-{sub.id}-1")]
        zone = z if r["seq"] == 1 else dataclasses.replace(z, area_km2=2000.0)
        alone = lifecycle.build_message(
            make_event(version=r["seq"]),
            [zone],
            sub,
            msg_type=r["msg_type"],
            references=refs,
            identifier=r["id"],
            sent=T0,
            note=r["reason"] or None,
        )
        assert bytes(r["body"]) == alone, r["id"]
        assert f"<identifier>{r['id']}</identifier>".encode() in alone
