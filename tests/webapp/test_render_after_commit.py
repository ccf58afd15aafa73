"""The warning commits first (issue 14 #1): a renderer that fails never refuses or rolls back the alert.

A real failing renderer is put into the table of published kinds (``geowarn.publish.kinds.KINDS``);
the submit must still answer 201 with the event, its zones and its outbox rows committed, the
failure must show in ``/healthz`` and on the event page, the missing file answers 503 with
``Retry-After``, and once the renderer works again the retry (or an on-demand request) renders it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geowarn import rendering
from geowarn.alerts import outbox
from geowarn.background import BackgroundRenders
from geowarn.publish import kinds
from tests.webapp.helpers import wait_rendered

#: The corridor of issue 14 #1 (it made the submit fail with 500 and lost the event).
OKINAWA = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[127.4, 25.9], [127.8, 25.9], [127.8, 26.3], [127.4, 26.3], [127.4, 25.9]]],
            },
            "properties": {
                "id": "c1",
                "phase": "debris",
                "window_start": "2030-02-06T22:30:00Z",
                "window_end": "2030-02-07T03:30:00Z",
            },
        }
    ],
}


class Broken:
    """A renderer that raises while ``broken`` (the bug), else renders like the kind it replaces."""

    def __init__(self, kind: kinds.ArtifactKind) -> None:
        self.kind = kind
        self.broken = True
        self.calls = 0

    def __call__(self, inp: kinds.RenderInput) -> bytes:
        self.calls += 1
        if self.broken:
            raise ValueError("renderer bug: rings of unequal length")
        return self.kind.render(inp)


@pytest.fixture
def broken(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[dict[str, Broken]]:
    """Replace the renderers of the kinds named by the test's parameter with :class:`Broken` ones."""
    names = request.param
    out = {}
    table = []
    for k in kinds.KINDS:
        if k.kind in names:
            out[k.kind] = Broken(k)
            k = dataclasses.replace(k, render=out[k.kind])
        table.append(k)
    monkeypatch.setattr(kinds, "KINDS", tuple(table))
    yield out


def _subscribe(client: FlaskClient, auth: dict[str, str]) -> None:
    body = {"regions": ["JP-47"], "channels": ["ops@example.org"]}
    r = client.post("/api/subscriptions", json=body, headers=auth)
    assert r.status_code == 201, r.get_json()


@pytest.mark.parametrize("broken", [("map",)], indirect=True)
def test_failing_renderer_never_refuses_the_warning(
    app: Flask, client: FlaskClient, auth: dict[str, str], broken: dict[str, Broken]
) -> None:
    store = app.extensions["geowarn.store"]
    _subscribe(client, auth)
    r = client.post("/api/events", json={"geojson": OKINAWA, "id": "okinawa-debris", "name": "Debris"}, headers=auth)
    assert r.status_code == 201, r.get_json()
    body: dict[str, Any] = r.get_json()
    # answered at once: the files are rendered in the background after the commit (issue 16)
    assert set(body["renders"].values()) == {"pending"}
    assert wait_rendered(client)["failed"] == 1
    assert broken["map"].calls == 1
    # committed: the event, its zones and its alert message in the outbox
    assert store.get_event("okinawa-debris").version == 1
    assert any(z.region_id == "JP-47" for z in store.zones("okinawa-debris"))
    rows = outbox.rows(store)
    assert len(rows) == 1 and rows[0]["msg_type"] == "Alert" and rows[0]["event_id"] == "okinawa-debris"

    health = client.get("/healthz")
    assert health.status_code == 200
    h = health.get_json()
    assert h["status"] == "degraded" and h["renders"]["failed"] == 1
    (failure,) = h["renders"]["failures"]
    assert failure["event_id"] == "okinawa-debris" and failure["kind"] == "map"
    assert "renderer bug" in failure["error"]

    page = client.get("/events/okinawa-debris", headers={"Accept": "text/html"})
    assert page.status_code == 200 and b'id="render-failures"' in page.data and b"renderer bug" in page.data

    # the missing file: rendered on demand, which fails again → 503 with Retry-After
    missing = client.get("/events/okinawa-debris/map")
    assert missing.status_code == 503 and int(missing.headers["Retry-After"]) > 0
    assert missing.headers["Content-Type"].startswith("application/problem+json")
    assert client.get("/events/okinawa-debris.geojson").status_code == 200

    # the bug is fixed: the worker's retry renders the file
    broken["map"].broken = False
    done = rendering.retry_due(store, now=datetime.now(UTC) + timedelta(hours=1))
    assert done == ["okinawa-debris v1 map"]
    h = client.get("/healthz").get_json()
    assert h["status"] == "ok" and h["renders"]["failed"] == 0
    shown = client.get("/events/okinawa-debris/map")
    assert shown.status_code == 200 and b"<html" in shown.data.lower()
    assert b'id="render-failures"' not in client.get("/events/okinawa-debris", headers={"Accept": "text/html"}).data


@pytest.mark.parametrize("broken", [("kml", "cap")], indirect=True)
def test_missing_file_is_rendered_on_demand(
    app: Flask, client: FlaskClient, auth: dict[str, str], broken: dict[str, Broken]
) -> None:
    r = client.post("/api/events", json={"geojson": OKINAWA, "id": "okinawa-2"}, headers=auth)
    assert r.status_code == 201 and r.get_json()["renders"]["kml"] == "pending"
    assert wait_rendered(client)["failed"] == 2
    for b in broken.values():
        b.broken = False
    kml = client.get("/events/okinawa-2.kml")  # falls through the fast path, rendered now
    assert kml.status_code == 200 and b"<kml" in kml.data
    assert client.get("/events/okinawa-2/v1.cap").status_code == 200
    assert client.get("/events/okinawa-2/v2.cap").status_code == 404  # no such version: not a render
    assert client.get("/healthz").get_json()["renders"]["failed"] == 0


class Killed(BackgroundRenders):
    """A background executor whose process dies right after the answer: the queued versions are lost."""

    def __init__(self) -> None:
        super().__init__(threads=1)
        self.lost: list[str] = []

    def submit(self, store: Any, event: Any, zones: Any, options: Any) -> bool:
        self.lost.append(f"{event.id} v{event.version}")
        return True


def test_renders_a_killed_process_left_pending_are_done_by_retries_and_on_demand(
    app: Flask, client: FlaskClient, auth: dict[str, str]
) -> None:
    """Issue 16: the POST answers before rendering; when that render never happens nothing is lost."""
    store = app.extensions["geowarn.store"]
    killed = Killed()
    app.extensions["geowarn.renders"] = killed
    _subscribe(client, auth)
    r = client.post("/api/events", json={"geojson": OKINAWA, "id": "okinawa-killed"}, headers=auth)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert set(body["renders"].values()) == {"pending"} and body["artifacts"] == {}
    assert killed.lost == ["okinawa-killed v1"]
    # the warning is committed although nothing was rendered
    assert [row["event_id"] for row in outbox.rows(store)] == ["okinawa-killed"]
    h = client.get("/healthz").get_json()
    assert h["renders"]["pending"] == len(rendering.kind_names())
    # a file asked for first is rendered on demand
    geojson = client.get("/events/okinawa-killed.geojson")
    assert geojson.status_code == 200 and geojson.get_json()["type"] == "FeatureCollection"
    assert client.get("/healthz").get_json()["renders"]["pending"] == len(rendering.kind_names()) - 1
    # the worker's tick renders the rest once they are stale (no live process is rendering them)
    assert rendering.retry_due(store) == []  # not stale yet: a live background render may still be at it
    later = datetime.now(UTC) + rendering.STALE_PENDING + timedelta(seconds=1)
    done = rendering.retry_due(store, now=later)
    assert sorted(done) == sorted(f"okinawa-killed v1 {k}" for k in rendering.kind_names() if k != "geojson")
    h = client.get("/healthz").get_json()
    assert h["status"] == "ok" and h["renders"]["pending"] == 0 and h["renders"]["failed"] == 0
    assert client.get("/events/okinawa-killed/map").status_code == 200


def test_background_renders_publish_every_file(app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    """The background executor of the web process renders every kind of the committed version."""
    store = app.extensions["geowarn.store"]
    assert isinstance(app.extensions["geowarn.renders"], BackgroundRenders)
    r = client.post("/api/events", json={"geojson": OKINAWA, "id": "okinawa-bg"}, headers=auth)
    assert r.status_code == 201
    assert wait_rendered(client) == {"pending": 0, "failed": 0, "failures": []}
    rows = rendering.status(store, "okinawa-bg", 1)
    assert sorted(row["kind"] for row in rows if row["status"] == "ok") == sorted(rendering.kind_names())
    for kind in rendering.kind_names():
        assert store.get_artifact("okinawa-bg", kind, version=1).body
