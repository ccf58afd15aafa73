"""``/events/stream`` between real processes: gunicorn workers on PostGIS and on SQLite, real HTTP.

The PostGIS test runs two gunicorn workers and holds one stream on each (found through /proc: which
worker process owns the accepted socket). Their hubs poll the store only every 600 s, so a change
that reaches both streams in the test came through PostgreSQL ``NOTIFY`` to each worker. Latency is
measured by ``bench/live.py``, not asserted here.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from geowarn.store import open_store
from tests.webapp.helpers import corridor_fc
from tests.webapp.live import (
    Gunicorn,
    LiveServer,
    SSEClient,
    api,
    one_stream_per_worker,
    start_gunicorn,
    start_server,
)

#: A box over Miyako island (Okinawa, JP-47).
MIYAKO = (125.1, 24.6, 125.5, 24.9)
TOPIC = "topic=region:JP-47"

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_url() -> Iterator[str]:
    from tests.pg import pg_schema_url

    yield from pg_schema_url()


def publish(server: Gunicorn, token: str, event_id: str) -> None:
    status, body = api(
        server.url,
        token,
        "POST",
        "/api/events",
        {"geojson": corridor_fc({"a": MIYAKO}), "id": event_id, "name": event_id},
    )
    assert status == 201, body
    assert any(z["properties"]["region_id"] == "JP-47" for z in body["zones"]["features"])


def check_publish_cancel_and_resume(server: Gunicorn, token: str, clients: list[SSEClient], event_id: str) -> None:
    publish(server, token, event_id)
    published = [c.next("change") for c in clients]
    for msg in published:
        change = msg.json()
        assert (change["event_id"], change["action"], change["version"]) == (event_id, "published", 1)
        assert "region:JP-47" in change["topics"] and msg.id == str(change["seq"])
    assert len({m.id for m in published}) == 1  # the same id on every worker: the store's generation
    last = published[0].id
    assert last is not None
    # the first client goes away; the event is cancelled meanwhile; it comes back with Last-Event-ID
    clients[0].close()
    status, body = api(server.url, token, "POST", f"/api/events/{event_id}/cancel")
    assert status == 200, body
    if len(clients) > 1:
        live = clients[-1].next("change").json()
        assert (live["event_id"], live["action"]) == (event_id, "cancelled")
    resumed = SSEClient(server.url, TOPIC, last_event_id=last)
    try:
        missed = resumed.next("change")
        assert (missed.json()["action"], missed.json()["version"]) == ("cancelled", 2)
        assert int(missed.id or 0) > int(last)
        ready = resumed.next("ready")
        assert ready.id == missed.id
        assert resumed.seen[0].event == "retry"
    finally:
        resumed.close()


@pytest.mark.postgis
def test_two_gunicorn_workers_on_postgis_each_push_a_publish_and_a_resume_gets_the_missed_cancel(
    tmp_path: Path, pg_url: str
) -> None:
    store = open_store(pg_url)
    _id, token = store.create_token("live tests")
    store.close()
    server = start_gunicorn(tmp_path, workers=2, database_url=pg_url, extra_env={"GEOWARN_LIVE_POLL_S": "600"})
    clients: list[SSEClient] = []
    try:
        clients = one_stream_per_worker(server, 2, TOPIC)
        check_publish_cancel_and_resume(server, token, clients, "live-pg-miyako")
    finally:
        for c in clients:
            c.close()
        server.stop()
    assert "Traceback" not in server.log.read_text(errors="replace")


def test_one_gunicorn_worker_on_sqlite_pushes_a_publish_and_a_resume_gets_the_missed_cancel(tmp_path: Path) -> None:
    store = open_store(data_dir=tmp_path)
    _id, token = store.create_token("live tests")
    store.close()
    server = start_gunicorn(tmp_path, workers=1)
    clients: list[SSEClient] = []
    try:
        clients = one_stream_per_worker(server, 1, TOPIC)
        check_publish_cancel_and_resume(server, token, clients, "live-sqlite-miyako")
    finally:
        for c in clients:
            c.close()
        server.stop()
    assert "Traceback" not in server.log.read_text(errors="replace")


def test_a_stream_ends_after_its_max_duration_and_the_worker_stays_free(tmp_path: Path) -> None:
    server = start_gunicorn(
        tmp_path, workers=1, extra_env={"GEOWARN_LIVE_MAX_S": "1", "GEOWARN_LIVE_HEARTBEAT_S": "0.3"}
    )
    try:
        client = SSEClient(server.url)
        client.next("ready")
        client.next(":")  # a heartbeat comment
        with pytest.raises(AssertionError, match="the stream ended"):
            client.next("change", timeout=30)
        assert any(m.event == ":" and m.data == "reconnect" for m in client.seen)
        client.close()
    finally:
        server.stop()


def test_sigterm_ends_open_streams_cleanly_so_browsers_reconnect_elsewhere(tmp_path: Path) -> None:
    server = start_gunicorn(tmp_path, workers=1)
    client = SSEClient(server.url)
    try:
        client.next("ready")
        server.proc.terminate()
        with pytest.raises(AssertionError, match="the stream ended"):
            client.next("change", timeout=60)
        # the worker's SIGTERM handler ended the stream (a killed worker would just drop the connection)
        assert any(m.event == ":" and m.data == "reconnect" for m in client.seen), client.seen
        assert server.proc.wait(30) == 0
    finally:
        client.close()
        server.stop()


def _reopen_until_admitted(url: str) -> SSEClient:
    """Open streams until one is admitted (each refusal is a 503); give up after 30 s."""
    deadline = time.monotonic() + 30
    while True:
        client = SSEClient(url)
        if client.status == 200:
            return client
        assert client.status == 503, client.status
        client.close()
        assert time.monotonic() < deadline, "the closed stream's slot never came back"
        time.sleep(0.2)


@pytest.mark.parametrize("server_kind", ["gunicorn", "waitress"])
def test_a_page_that_went_away_frees_its_stream_long_before_the_next_heartbeat(
    tmp_path: Path, server_kind: str
) -> None:
    # one stream per process and a 600 s heartbeat: only the disconnect probe can give the slot back in time
    # (waitress: `geowarn serve` itself, 2 threads of which it gives 1 to streams)
    env = {"GEOWARN_LIVE_MAX_STREAMS": "1", "GEOWARN_LIVE_HEARTBEAT_S": "600"}
    server: Gunicorn | LiveServer
    if server_kind == "gunicorn":
        server = start_gunicorn(tmp_path, workers=1, extra_env=env)
    else:
        server = start_server(tmp_path, extra_env=env, threads=2)
    try:
        first = SSEClient(server.url)
        first.next("ready")
        refused = SSEClient(server.url)
        assert refused.status == 503 and refused.headers.get("Retry-After")
        refused.close()
        first.close()  # the reader closes the tab
        second = _reopen_until_admitted(server.url)
        second.next("ready")
        second.close()
    finally:
        server.stop()
