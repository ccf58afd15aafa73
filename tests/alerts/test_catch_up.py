"""A new subscription hears about the warnings already out (issue 14 #12): its current Alert at once,
nothing about events that ended, were cancelled, or do not concern it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from geowarn.alerts import outbox
from geowarn.cli import main
from webapp import create_app
from webapp.core import close_app

RING = [[127.4, 25.9], [127.8, 25.9], [127.8, 26.3], [127.4, 26.3], [127.4, 25.9]]  # over Okinawa (JP-47)


def _fc(start: str, end: str) -> dict[str, object]:
    props = {"id": "c1", "phase": "debris", "window_start": start, "window_end": end}
    feat = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [RING]}, "properties": props}
    return {"type": "FeatureCollection", "features": [feat]}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": None, "ALERT_LAYERS": "jp-prefectures"}
    )
    yield app
    close_app(app)


def test_new_subscription_gets_the_current_alert(app: Flask) -> None:
    c, store = app.test_client(), app.extensions["geowarn.store"]
    auth = {"Authorization": f"Bearer {store.create_token('t')[1]}"}
    for eid, start, end in (
        ("now-out", "2030-02-06T22:30:00Z", "2030-02-07T03:30:00Z"),
        ("ended", "2016-02-06T22:30:00Z", "2016-02-07T03:30:00Z"),
        ("scrubbed", "2030-03-06T22:30:00Z", "2030-03-07T03:30:00Z"),
    ):
        assert c.post("/api/events", json={"geojson": _fc(start, end), "id": eid}, headers=auth).status_code == 201
    assert c.post("/api/events/scrubbed/cancel", headers=auth).status_code == 200
    assert outbox.rows(store) == []  # nobody subscribed yet
    tokyo = {"regions": ["JP-13"], "channels": ["ops@example.org"]}
    assert c.post("/api/subscriptions", json=tokyo, headers=auth).status_code == 201
    assert outbox.rows(store) == []  # not concerned
    okinawa = {"regions": ["JP-47"], "channels": ["ops@example.org"]}
    r = c.post("/api/subscriptions", json=okinawa, headers=auth)
    assert r.status_code == 201
    rows = outbox.rows(store)
    assert [(x["event_id"], x["msg_type"], x["subscription_id"]) for x in rows] == [
        ("now-out", "Alert", r.get_json()["id"])
    ]
    # the next change of the event continues that subscriber's lifecycle (an Update, not a second Alert)
    assert c.post("/api/events/now-out/cancel", headers=auth).status_code == 200
    assert [x["msg_type"] for x in outbox.rows(store)] == ["Alert", "Cancel"]


def test_cli_subscription_reports_the_current_alerts(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c, store = app.test_client(), app.extensions["geowarn.store"]
    auth = {"Authorization": f"Bearer {store.create_token('t')[1]}"}
    fc = _fc("2030-02-06T22:30:00Z", "2030-02-07T03:30:00Z")
    assert c.post("/api/events", json={"geojson": fc, "id": "now-out"}, headers=auth).status_code == 201
    monkeypatch.setenv("GEOWARN_DATA", str(tmp_path))
    monkeypatch.delenv("GEOWARN_DATABASE_URL", raising=False)
    r = CliRunner().invoke(main, ["subscriptions", "add", "--region", "JP-47", "--email", "ops@example.org"])
    assert r.exit_code == 0, r.output
    assert "1 current alert(s) queued" in r.output
    assert [x["msg_type"] for x in outbox.rows(store)] == ["Alert"]
