"""The live-update adapter in the Flask app: pages follow their topic, the stream checks its input."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.conftest import TEST_LAYERS
from tests.webapp.helpers import corridor_fc
from webapp import create_app
from webapp.core import close_app

MIYAKO = (125.1, 24.6, 125.5, 24.9)
SCRIPT = re.compile(r'<script src="/static/live\.js" defer data-live-topic="([^"]+)" data-live-since="(\d+)"')


def live_attrs(client: FlaskClient, url: str) -> tuple[str, int] | None:
    r = client.get(url, headers={"Accept": "text/html"})
    assert r.status_code == 200, r.data[:300]
    m = SCRIPT.search(r.get_data(as_text=True))
    return (m.group(1), int(m.group(2))) if m else None


def test_dashboard_event_and_region_pages_follow_their_topic_from_the_generation_they_show(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    assert live_attrs(client, "/") == ("*", 0)
    r = client.post("/api/events", json={"geojson": corridor_fc({"a": MIYAKO}), "id": "miyako"}, headers=auth)
    assert r.status_code == 201
    generation = app.extensions["geowarn.store"].generation()
    assert generation > 0
    assert live_attrs(client, "/") == ("*", generation)
    assert live_attrs(client, "/events/miyako") == ("event:miyako", generation)
    assert live_attrs(client, "/regions/JP-47") == ("region:JP-47", generation)
    assert live_attrs(client, "/operator") is None  # not a live page
    for url in ("/", "/events/miyako", "/regions/JP-47"):  # live.js refetches with ?live=<seq>
        assert live_attrs(client, f"{url}?live={generation}") == live_attrs(client, url)
    js = client.get("/static/live.js")
    assert js.status_code == 200 and "javascript" in js.mimetype
    assert not re.search(rb"https?://", js.data)  # offline: nothing but this server
    js.close()


@pytest.mark.parametrize(
    ("query", "headers", "field"),
    [
        ("topic=region:", {}, "topic"),
        ("topic=" + "&topic=".join(["*"] * 21), {}, "topic"),
        ("last_event_id=x", {}, "last_event_id"),
        ("last_event_id=1&last_event_id=2", {}, None),
        ("", {"Last-Event-ID": "abc"}, "Last-Event-ID"),
        ("since=3", {}, None),
    ],
)
def test_bad_stream_requests_are_named_400s(
    client: FlaskClient, query: str, headers: dict[str, str], field: str | None
) -> None:
    r = client.get(f"/events/stream?{query}", headers=headers)
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    assert r.get_json().get("field") == field


@pytest.fixture
def one_stream_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "ALERT_LAYERS": TEST_LAYERS, "LIVE_MAX_STREAMS": 1})
    yield app
    app.extensions["geowarn.live"].stop()
    close_app(app)


def test_a_full_process_answers_503_with_retry_after_until_a_stream_closes(one_stream_app: Flask) -> None:
    client = one_stream_app.test_client()
    first = client.get("/events/stream", buffered=False)
    assert first.status_code == 200 and first.mimetype == "text/event-stream"
    assert first.headers["Cache-Control"] == "no-store"
    refused = client.get("/events/stream")
    assert refused.status_code == 503 and refused.mimetype == "application/problem+json"
    assert int(refused.headers["Retry-After"]) > 0 and "GEOWARN_LIVE_MAX_STREAMS" in refused.get_json()["detail"]
    first.close()
    again = client.get("/events/stream", buffered=False)
    assert again.status_code == 200
    again.close()


def test_a_prefork_sync_server_is_told_to_use_threads(client: FlaskClient) -> None:
    r = client.get("/events/stream", environ_overrides={"wsgi.multiprocess": True, "wsgi.multithread": False})
    assert r.status_code == 503 and "gthread" in r.get_json()["detail"] and r.headers["Retry-After"]


def test_the_stream_url_cannot_be_an_event_id(client: FlaskClient, auth: dict[str, str]) -> None:
    r = client.post("/api/events", json={"geojson": corridor_fc({"a": MIYAKO}), "id": "stream"}, headers=auth)
    assert r.status_code == 400 and "reserved" in r.get_json()["detail"]
