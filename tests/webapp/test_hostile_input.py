"""Hostile input on every path (issue 14 #6, #8, #10): deep JSON, NUL characters, longitude out of range.

Each must be a 400 problem+json (a one-line error in the CLI), the same on SQLite and PostGIS.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from geowarn.cli import main
from webapp import create_app
from webapp.core import close_app

DEEP = "[" * 200_000 + "]" * 200_000
DEEP_OBJ = '{"geojson": ' + DEEP + "}"
NOTICE = "DROP ZONE 1: N36 04 E124 30 N36 04 E124 54 N35 19 E124 54"


@pytest.fixture
def backend_app(store_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on SQLite and on PostGIS (the NUL rule must be the same on both)."""
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": store_url, "ALERT_LAYERS": "jp-prefectures"}
    )
    yield app
    close_app(app)


def _auth(app: Flask) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.extensions['geowarn.store'].create_token('t')[1]}"}


def _problem(r: object, status: int = 400) -> dict[str, object]:
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])  # type: ignore[attr-defined]
    assert r.headers["Content-Type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body: dict[str, object] = r.get_json()  # type: ignore[attr-defined]
    return body


@pytest.mark.parametrize(
    "method, path, ctype, body",
    [
        ("post", "/api/events", "application/json", DEEP_OBJ),
        ("post", "/api/events", "application/json", DEEP),
        ("post", "/api/events", "application/geo+json", DEEP),
        ("post", "/api/events", "text/plain", DEEP),
        ("put", "/api/events/ev-1", "application/json", DEEP_OBJ),
        ("patch", "/api/events/ev-1", "application/json", '{"name": ' + DEEP + "}"),
        ("post", "/api/subscriptions", "application/json", '{"polygon": ' + DEEP + "}"),
    ],
)
def test_deep_json_is_a_400_on_every_path(
    client: FlaskClient, auth: dict[str, str], method: str, path: str, ctype: str, body: str
) -> None:
    r = getattr(client, method)(path, data=body, headers={**auth, "Content-Type": ctype})
    problem = _problem(r)
    assert "nested deeper than 64 levels" in str(problem["detail"]) and problem["line"] == 1


def test_deep_json_in_the_cli_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "deep.geojson"
    path.write_text(DEEP)
    r = CliRunner().invoke(main, ["parse", str(path)])
    assert (r.exit_code != 0 and r.exception is None) or isinstance(r.exception, SystemExit)
    errors = [line for line in r.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "nested deeper" in errors[0] and "Traceback" not in r.output


def test_nul_in_query_ids_and_text_is_400_on_both_backends(backend_app: Flask) -> None:
    c, auth = backend_app.test_client(), _auth(backend_app)
    assert "NUL" in str(_problem(c.get("/api/events?status=active%00"))["detail"])
    assert "NUL" in str(_problem(c.get("/collections/alert-zones/items?event_id=a%00b"))["detail"])
    _problem(c.get("/api/events/ev%001"))
    _problem(c.get("/events/ev%001.geojson"))
    _problem(c.get("/collections/alert-zones/items/z%001"))
    text = _problem(c.post("/api/events", data=NOTICE + "\x00", headers={**auth, "Content-Type": "text/plain"}))
    assert "NUL" in str(text["detail"]) and text["line"] == 1
    as_json = json.dumps({"text": NOTICE + "\x00 tail", "id": "nul-1"})
    _problem(c.post("/api/events", data=as_json, headers={**auth, "Content-Type": "application/json"}))
    named = json.dumps({"text": NOTICE, "id": "nul-2", "filename": "a\x00.txt"})
    _problem(c.post("/api/events", data=named, headers={**auth, "Content-Type": "application/json"}))
    assert backend_app.extensions["geowarn.store"].count_events() == 0  # nothing half-written
    ok = c.post("/api/events", data=NOTICE, headers={**auth, "Content-Type": "text/plain"}, query_string={"id": "ok"})
    assert ok.status_code == 201, ok.get_json()


@pytest.mark.parametrize("lon", [500.0, 180.5, -181.0])
def test_longitude_out_of_range_is_refused_not_wrapped(client: FlaskClient, auth: dict[str, str], lon: float) -> None:
    ring = [[lon, 25.9], [lon + 0.4, 25.9], [lon + 0.4, 26.3], [lon, 26.3], [lon, 25.9]]
    fc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": {}}],
    }
    problem = _problem(client.post("/api/events", json={"geojson": fc}, headers=auth))
    assert f"longitude {lon:g} is out of range [-180, 180]" in str(problem["detail"])
