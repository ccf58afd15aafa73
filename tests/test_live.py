"""The live-update core (geowarn.live) and the change log it reads, on real SQLite and PostGIS stores."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from geowarn import service
from geowarn.errors import InvalidParameter
from geowarn.live import BACKLOG_LIMIT, Change, Hub, Stream, StreamOptions, parse_last_event_id, parse_topics
from geowarn.store import changes

#: Over Miyako island (Okinawa, JP-47) and over the Yellow Sea west of Korea (no Japanese region).
MIYAKO = (125.1, 24.6, 125.5, 24.9)
YELLOW_SEA = (124.5, 35.3, 124.9, 36.1)
OPTIONS = service.Options(layer_ids=["jp-prefectures", "eez-like"])
AT = datetime(2026, 12, 2, 19, 50, tzinfo=UTC)


def box_fc(box: tuple[float, float, float, float]) -> str:
    w, s, e, n = box
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    props = {"id": "a", "phase": "stage1", "window_start": "2026-12-02T22:00:00Z", "window_end": "2026-12-03T01:00:00Z"}
    feature = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": props}
    return json.dumps({"type": "FeatureCollection", "features": [feature]})


def publish(store: Any, event_id: str, box: tuple[float, float, float, float]) -> None:
    event = service.event_from_input(box_fc(box), format="geojson", name=event_id, event_id=event_id, now=AT)
    service.submit_event(store, event, now=AT, options=OPTIONS)


def move(store: Any, event_id: str, box: tuple[float, float, float, float]) -> None:
    event = service.event_from_input(box_fc(box), format="geojson", name=event_id, event_id=event_id, now=AT)
    service.update_event(store, event_id, corridors=event.corridors, now=AT, options=OPTIONS)


def messages(stream: Stream, until: str) -> list[tuple[str | None, str | None, Any]]:
    """(event, id, data) of the stream's messages up to the first ``until`` event (comments as ':')."""
    out: list[tuple[str | None, str | None, Any]] = []
    for chunk in stream:
        text = chunk.decode()
        fields = dict(line.split(": ", 1) for line in text.strip("\n").split("\n") if ": " in line)
        if text.startswith(":"):
            out.append((":", None, text[2:].strip()))
            continue
        if "retry" in fields:
            out.append(("retry", None, fields["retry"]))
            continue
        out.append((fields.get("event"), fields.get("id"), json.loads(fields["data"]) if "data" in fields else None))
        if fields.get("event") == until:
            break
    stream.close()
    return out


# --------------------------------------------------------------------------- pure parts


def test_a_change_concerns_its_event_its_regions_and_the_region_of_a_belt() -> None:
    c = Change(3, "ev", 2, "updated", "active", ("EEZ-JP-47", "SEA-east-china-sea"))
    assert c.concerns(["event:ev"]) and c.concerns(["region:EEZ-JP-47"]) and c.concerns(["region:JP-47"])
    assert c.concerns(["region:SEA-east-china-sea"]) and c.concerns(["*"]) and c.concerns([])
    assert not c.concerns(["region:JP-46"]) and not c.concerns(["event:other"]) and not c.concerns(["region:JPN"])
    body = c.to_json()
    assert body["seq"] == 3 and body["topics"] == sorted(body["topics"]) and "region:JP-47" in body["topics"]


@pytest.mark.parametrize("bad", ["", "region:", "event:Upper", "place:JP-47", "region:JP-47\n", "*x", "event:a b"])
def test_a_bad_topic_is_a_named_error(bad: str) -> None:
    with pytest.raises(InvalidParameter, match="topic"):
        parse_topics([bad])


@pytest.mark.parametrize("bad", ["-1", "1.5", "12a", "１２", "9" * 19])
def test_a_bad_last_event_id_is_a_named_error(bad: str) -> None:
    with pytest.raises(InvalidParameter, match="Last-Event-ID"):
        parse_last_event_id(bad, None)
    with pytest.raises(InvalidParameter, match="last_event_id"):
        parse_last_event_id(None, bad)


# --------------------------------------------------------------------------- the change log


def test_every_version_is_logged_in_commit_order_with_the_regions_before_and_after(store: Any) -> None:
    publish(store, "miyako", MIYAKO)
    g1 = store.generation()
    move(store, "miyako", YELLOW_SEA)  # away from Okinawa: its page must still hear of it
    service.cancel_event(store, "miyako", now=AT, options=OPTIONS)
    rows = store.changes_since(0)
    assert [(r["event_id"], r["version"], r["action"], r["status"]) for r in rows] == [
        ("miyako", 1, "published", "active"),
        ("miyako", 2, "updated", "active"),
        ("miyako", 3, "cancelled", "cancelled"),
    ]
    assert rows[0]["seq"] == g1 and rows[-1]["seq"] == store.generation()
    assert [r["seq"] for r in rows] == sorted({r["seq"] for r in rows})
    assert "JP-47" in rows[0]["regions"] and "JP-47" in rows[1]["regions"]  # v2 left JP-47: v1's regions count
    assert "JP-47" not in rows[2]["regions"]  # v3 (cancel) keeps v2's zones, none over Okinawa
    assert store.changes_since(rows[0]["seq"], limit=1) == [rows[1]]
    assert changes.action_of(1, "cancelled") == "published"


def test_concurrent_writers_get_distinct_increasing_numbers(store: Any) -> None:
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            publish(store, f"w{n}", MIYAKO)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    rows = store.changes_since(0)
    assert sorted(r["event_id"] for r in rows) == ["w0", "w1", "w2", "w3"]
    assert len({r["seq"] for r in rows}) == 4 and max(r["seq"] for r in rows) == store.generation()


# --------------------------------------------------------------------------- hub and streams


def test_a_stream_replays_what_a_client_missed_then_says_ready(store: Any) -> None:
    publish(store, "miyako", MIYAKO)
    first = store.generation()
    publish(store, "yellow", YELLOW_SEA)
    service.cancel_event(store, "miyako", now=AT, options=OPTIONS)
    hub = Hub(store, poll_s=0.05)
    hub.start()
    try:
        assert hub.acquire()
        got = messages(Stream(hub, last_id=first, topics=["region:JP-47"]), until="ready")
    finally:
        hub.stop()
    assert got[0] == ("retry", None, "2000")
    events = [(e, i, d) for e, i, d in got if e in ("change", "ready")]
    # the Yellow Sea event does not concern Okinawa: skipped, the cancel of miyako does
    assert [(e, d.get("event_id"), d.get("action")) for e, _i, d in events] == [
        ("change", "miyako", "cancelled"),
        ("ready", None, None),
    ]
    assert events[0][1] == events[1][1] == str(store.generation())
    assert hub.open_streams == 0  # closing the stream gave its slot back


def test_a_waiting_stream_is_woken_by_a_commit(store: Any) -> None:
    hub = Hub(store, poll_s=0.05)
    hub.start()
    stream = None
    try:
        assert hub.acquire()
        stream = Stream(hub, last_id=None, topics=["event:late"], options=StreamOptions(max_s=60, heartbeat_s=0.2))
        it = iter(stream)
        assert next(it).startswith(b"retry: ")
        assert b"event: ready" in next(it)
        threading.Timer(0.3, publish, args=(store, "late", MIYAKO)).start()
        while True:
            chunk = next(it)
            if chunk.startswith(b":"):
                continue  # heartbeats while waiting
            assert b"event: change" in chunk and b'"event_id": "late"' in chunk
            assert f"id: {store.generation()}".encode() in chunk
            break
    finally:
        if stream is not None:
            stream.close()
        hub.stop()


def test_a_stream_ends_after_max_s_and_a_full_process_refuses_more(store: Any) -> None:
    hub = Hub(store, poll_s=0.05, max_streams=1)
    hub.start()
    ticks = iter(range(1000))
    try:
        assert hub.acquire() and not hub.acquire()
        # a clock that advances 1 s per look: the stream ends after a few heartbeats, whatever the real time
        stream = Stream(hub, last_id=None, options=StreamOptions(max_s=3, heartbeat_s=0.01), clock=lambda: next(ticks))
        got = messages(stream, until="never")
        assert got[-1] == (":", None, "reconnect")
        assert any(m == (":", None, "keepalive") for m in got)
        assert hub.acquire()  # the slot came back
        hub.release()
    finally:
        hub.stop()


def test_an_id_from_another_store_resets_and_a_huge_backlog_resets(store: Any) -> None:
    hub = Hub(store, poll_s=0.05)
    hub.start()
    try:
        hub.acquire()
        got = messages(Stream(hub, last_id=10**9, topics=["*"]), until="ready")
        assert [e for e, _i, _d in got if e in ("reset", "ready")] == ["reset", "ready"]
        with store.transaction() as tx:  # a long outage: more changes than are replayed
            for n in range(BACKLOG_LIMIT + 1):
                tx.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")
                changes.record(tx, event_id=f"e{n}", version=1, status="active", regions=["JP-47"], changed=AT)
        hub.refresh()
        hub.acquire()
        got = messages(Stream(hub, last_id=0, topics=["*"]), until="ready")
        kinds = [e for e, _i, _d in got if e in ("reset", "ready", "change")]
        assert kinds == ["reset", "ready"] and got[-1][1] == str(store.generation())
    finally:
        hub.stop()


def test_a_stream_whose_client_hung_up_ends_without_waiting_for_a_heartbeat(store: Any) -> None:
    hub = Hub(store, poll_s=0.05)
    hub.start()
    try:
        assert hub.acquire()
        gone = threading.Event()
        stream = Stream(
            hub, last_id=None, options=StreamOptions(max_s=3600, heartbeat_s=3600), disconnected=gone.is_set
        )
        threading.Timer(0.3, gone.set).start()
        got = messages(stream, until="never")  # ends: the probe said the client is gone
        assert [e for e, _i, _d in got] == ["retry", "ready"]  # no heartbeat, no reconnect comment
        assert hub.open_streams == 0
    finally:
        hub.stop()
