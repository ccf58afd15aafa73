"""``/api/subscriptions`` (Flask test client on a real SQLite store), the CLI, polygon subscriptions, isolation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from click.testing import CliRunner
from flask import Flask

from geowarn.alerts import lifecycle, rules
from geowarn.alerts.rules import Channel, Subscription
from geowarn.cli import main
from geowarn.model import Corridor, Phase, Severity
from geowarn.store import Store
from geowarn.store import alerts as repo
from tests.alerts.helpers import T0, WINDOW, make_event, make_zone
from webapp import create_app
from webapp.core import close_app

HOOK = {"kind": "webhook", "target": "http://127.0.0.1:9/hook", "secret": "okinawa-secret-123"}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": None})
    yield app
    close_app(app)


@pytest.fixture
def auth(app: Flask) -> dict[str, str]:
    _id, tok = app.extensions["geowarn.store"].create_token("tests")
    return {"Authorization": f"Bearer {tok}"}


def test_api_crud_and_auth(app: Flask, auth: dict[str, str]) -> None:
    c = app.test_client()
    assert c.get("/api/subscriptions").status_code == 401
    assert c.get("/api/subscriptions", headers={"Authorization": "Bearer nope"}).status_code == 403
    body = {"name": "Okinawa", "regions": ["JP-47", "TS-JP-47"], "margin_km": 25, "channels": [HOOK, "ops@example.org"]}
    r = c.post("/api/subscriptions", json=body, headers=auth)
    assert r.status_code == 201, r.get_json()
    created = r.get_json()
    assert created["channels"][0]["secret"] == HOOK["secret"]  # shown once, to its creator
    assert r.headers["Location"] == f"/api/subscriptions/{created['id']}"
    listed = c.get("/api/subscriptions", headers=auth).get_json()["subscriptions"]
    assert [s["id"] for s in listed] == [created["id"]]
    assert HOOK["secret"] not in json.dumps(listed)
    one = c.get(f"/api/subscriptions/{created['id']}", headers=auth).get_json()
    assert one["regions"] == ["JP-47", "TS-JP-47"] and one["deliveries"] == []
    bad = c.post("/api/subscriptions", json={"regions": ["JP-47"], "channels": [{"kind": "sms"}]}, headers=auth)
    assert bad.status_code == 400 and "channels[0].kind" in bad.get_json()["detail"]
    assert bad.headers["Content-Type"].startswith("application/problem+json")
    assert c.post("/api/subscriptions", data="{", headers=auth).status_code == 400
    assert c.delete(f"/api/subscriptions/{created['id']}", headers=auth).status_code == 204
    assert c.delete(f"/api/subscriptions/{created['id']}", headers=auth).status_code == 404
    assert c.get("/api/subscriptions", headers=auth).get_json()["subscriptions"] == []


def test_cli_add_list_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOWARN_DATA", str(tmp_path))
    monkeypatch.delenv("GEOWARN_DATABASE_URL", raising=False)
    runner = CliRunner()
    r = runner.invoke(main, ["subscriptions", "add", "--region", "JP-47", "--webhook", "http://127.0.0.1:9/h"])
    assert r.exit_code == 0, r.output
    sub_id = r.stdout.strip()
    assert sub_id.startswith("sub-") and "webhook secret (shown once)" in r.stderr
    poly = tmp_path / "area.geojson"
    poly.write_text(json.dumps({"type": "Polygon", "coordinates": [[[124, 24], [125, 24], [125, 25], [124, 24]]]}))
    r = runner.invoke(main, ["subscriptions", "add", "--polygon", str(poly), "--email", "ops@example.org"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["subscriptions", "list", "--json"])
    subs = json.loads(r.stdout)
    assert len(subs) == 2 and subs[1]["polygon"]["type"] == "Polygon" and subs[0]["channels"][0]["secret"] == "***"
    r = runner.invoke(main, ["subscriptions", "add", "--region", "JP-47"])
    assert r.exit_code == 1 and "at least one channel" in r.stderr
    r = runner.invoke(main, ["subscriptions", "add", "--region", "JP-47", "--email", "x", "--min-severity", "Big"])
    assert r.exit_code == 1
    assert runner.invoke(main, ["subscriptions", "remove", sub_id]).exit_code == 0
    r = runner.invoke(main, ["subscriptions", "remove", sub_id])
    assert r.exit_code == 1 and "no subscription" in r.stderr
    r = runner.invoke(main, ["worker", "--once"])
    assert r.exit_code == 0 and "0 deliveries" in r.stderr


def test_polygon_subscription_matches_corridors_within_margin(store: Store) -> None:
    # a shipping company's box east of Ishigaki: the corridor (124-125 E) misses it by ~50 km
    box = shapely.box(125.5, 24.0, 126.0, 25.0)
    near = Subscription.create(polygon=box, margin_km=60, channels=[Channel("email", "a@b.org")])
    far = Subscription.create(polygon=box, margin_km=10, channels=[Channel("email", "c@d.org")])
    with store.transaction() as tx:
        rules.save_subscription(tx, near)
        rules.save_subscription(tx, far)
    corridor = Corridor(id="c1", geometry=shapely.box(124.0, 23.0, 125.0, 26.0), phase=Phase.DEBRIS, windows=WINDOW)
    ev = make_event(corridors=[corridor])
    with store.transaction() as tx:
        ids = lifecycle.process_event(tx, ev, [make_zone("JP-47", severity=Severity.EXTREME)], T0)
    assert len(ids) == 1 and near.id in ids[0]
    with store.snapshot() as tx:
        row = tx.fetchone("SELECT subscription_id, body, body_ref FROM alert_messages")
        repo.resolve_bodies(tx, [row])
        body = row["body"]
    from lxml import etree

    from geowarn.publish.cap import CAP_NS, validate_cap

    assert validate_cap(body) == []
    root = etree.fromstring(body)
    ns = {"c": CAP_NS}
    # the corridor touches only the margin: a proximity (Moderate) message over corridor ∩ widened box
    assert root.findtext("c:info/c:severity", namespaces=ns) == "Moderate"
    ring = root.findtext("c:info/c:area/c:polygon", namespaces=ns)
    lons = [float(p.split(",")[1]) for p in ring.split()]
    assert min(lons) > 124.9 and max(lons) <= 125.0 + 1e-6


def test_one_failing_subscriber_does_not_block_the_others(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    good = Subscription.create(id="sub-good", regions=["JP-47"], channels=[Channel("email", "a@b.org")])
    # in English only: its CAP is its own rendering, not one shared with sub-good (lifecycle.Renderings)
    bad = Subscription.create(
        id="sub-bad", regions=["JP-47"], languages=["en-US"], channels=[Channel("email", "c@d.org")]
    )
    with store.transaction() as tx:
        rules.save_subscription(tx, bad)
        rules.save_subscription(tx, good)
    real = lifecycle.build_message

    def flaky(event: Any, zones: Any, sub: Subscription, **kw: Any) -> bytes:
        if sub.id == "sub-bad":
            raise RuntimeError("boom")
        return real(event, zones, sub, **kw)

    monkeypatch.setattr(lifecycle, "build_message", flaky)
    with store.transaction() as tx:
        ids = lifecycle.process_event(tx, make_event(), [make_zone("JP-47")], T0)
    assert ids == ["geowarn-ev1-sub-good-1"]
    with store.snapshot() as tx:
        assert [r["subscription_id"] for r in tx.fetchall("SELECT subscription_id FROM alert_state")] == ["sub-good"]
        assert tx.scalar("SELECT COUNT(*) AS n FROM outbox") == 1
    monkeypatch.setattr(lifecycle, "build_message", real)
    with store.transaction() as tx:  # the next run catches up
        assert lifecycle.process_event(tx, make_event(), [make_zone("JP-47")], T0) == ["geowarn-ev1-sub-bad-1"]
