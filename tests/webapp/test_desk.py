"""The operator desk through the API and the pages, on SQLite and PostGIS (issues 12 and 13).

Expected values are worked out here from the inputs (string positions, π r², the Geod
distance across a swath), not read back from the code under test.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient
from pyproj import Geod

from geowarn.desk.templates import TEMPLATES
from geowarn.sources import parse
from tests.webapp.conftest import TEST_LAYERS
from webapp import create_app
from webapp.core import close_app

GEOD = Geod(ellps="WGS84")
#: A NOTAM over the sea east of Okinawa main island (in the prefecture's EEZ-like belt), in 2099 so it is current.
NOTAM = (
    "A0777/99 - A TEMPORARY DANGER AREA ESTABLISHED BOUNDED BY: "
    "N263000E1280000-N263000E1283000-N260000E1283000-N260000E1280000 BACK TO START. "
    "SFC - UNL, 01 JAN 01:00 2099 UNTIL 01 JAN 03:00 2099. ROUTES N895 AND W66 CLOSED."
)
DRAWN_WINDOW = {"window_start": "2099-01-01T01:00:00Z", "window_end": "2099-01-01T03:00:00Z"}


def _app(tmp_path: Path, url: str, **extra: Any) -> Flask:
    return create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": url, "ALERT_LAYERS": TEST_LAYERS, **extra}
    )


@pytest.fixture
def desk_app(store_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app on each backend (``store_url``: SQLite and PostGIS)."""
    app = _app(tmp_path, store_url)
    yield app
    close_app(app)


def _bearer(app: Flask, name: str) -> dict[str, str]:
    _id, tok = app.extensions["geowarn.store"].create_token(name)
    return {"Authorization": f"Bearer {tok}"}


def _subscribe(client: FlaskClient, auth: dict[str, str], region: str = "EEZ-JP-47") -> str:
    r = client.post(
        "/api/subscriptions",
        json={"name": "Okinawa ops", "regions": [region], "channels": ["mailto:ops@example.org"]},
        headers=auth,
    )
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["id"])


def _fc(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}


# --------------------------------------------------------------------------- warnings


def test_parser_warnings_are_in_the_api_answer_with_line_and_column(desk_app: Flask) -> None:
    client, auth = desk_app.test_client(), _bearer(desk_app, "alice")
    text = "A0777/99 - first line\n" + NOTAM.split(" - ", 1)[1]
    r = client.post("/api/events?name=Okinawa%20NOTAM", data=text, content_type="text/plain", headers=auth)
    assert r.status_code == 201, r.get_json()
    warnings = r.get_json()["warnings"]
    line2 = text.split("\n")[1]
    expected_col = line2.index("W66") + 1
    assert {"line": 2, "column": expected_col, "token": "W66"}.items() <= next(
        w for w in warnings if w["token"] == "W66"
    ).items()
    assert all(set(w) >= {"line", "column", "token", "reason", "code"} for w in warnings)
    w66 = next(w for w in warnings if w["token"] == "W66")  # the English reason as before, with its code (#13)
    assert (w66["reason"], w66["code"]) == (
        "looks like a route or label, not a coordinate; not read",
        "weak_coordinate",
    )
    # a clean notice answers an empty list, not a missing member
    clean = NOTAM.replace(" ROUTES N895 AND W66 CLOSED.", "").replace("A0777", "A0778")
    r = client.post("/api/events", data=clean, content_type="text/plain", headers=auth)
    assert r.status_code == 201 and r.get_json()["warnings"] == []


# --------------------------------------------------------------------------- dry runs and recipients


def test_dry_run_writes_nothing_and_names_the_recipients_then_cancel_names_them_too(desk_app: Flask) -> None:
    client, auth = desk_app.test_client(), _bearer(desk_app, "alice")
    sub_id = _subscribe(client, auth)
    r = client.post("/api/events?dry_run=true&id=oki", data=NOTAM, content_type="text/plain", headers=auth)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["dry_run"] is True and body["exists"] is False
    alerted = [x for x in body["recipients"] if x["subscription"] == sub_id]
    assert len(alerted) == 1 and alerted[0]["msg_type"] == "Alert" and "EEZ-JP-47" in alerted[0]["regions"]
    assert alerted[0]["channels"] == ["email ops@example.org"]
    assert client.get("/api/events").get_json()["events"] == []  # nothing written
    r = client.post("/api/events?id=oki", data=NOTAM, content_type="text/plain", headers=auth)
    assert r.status_code == 201 and r.get_json()["messages"]  # the real publish sends what the dry run said
    r = client.post("/api/events/oki/cancel?dry_run=true", headers=auth)
    assert r.status_code == 200
    assert [(x["subscription"], x["msg_type"]) for x in r.get_json()["recipients"]] == [(sub_id, "Cancel")]
    assert client.get("/api/events/oki").get_json()["status"] == "active"  # still: it was a dry run
    assert client.post("/api/events/oki/cancel?dry_run=maybe", headers=auth).status_code == 400
    r = client.post("/api/events/oki/cancel", headers=auth)
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    hist = client.get("/api/events/oki").get_json()["history"]
    assert [h["operator"] for h in hist] == ["alice", "alice"]


def test_same_text_or_same_message_id_is_reported_as_already_published(desk_app: Flask) -> None:
    client, auth = desk_app.test_client(), _bearer(desk_app, "alice")
    assert client.post("/api/events?id=first", data=NOTAM, content_type="text/plain", headers=auth).status_code == 201
    spaced = "  " + NOTAM.lower().replace(" ", "   ") + "\n"
    r = client.post("/api/events?dry_run=true&id=second", data=spaced, content_type="text/plain", headers=auth)
    assert [(d["event_id"], d["why"]) for d in r.get_json()["duplicates"]] == [("first", "same text")]
    other = NOTAM.replace("N263000E1280000", "N262000E1280000")  # another area, the same NOTAM number
    r = client.post("/api/events?dry_run=true&id=third", data=other, content_type="text/plain", headers=auth)
    assert [(d["event_id"], d["why"]) for d in r.get_json()["duplicates"]] == [("first", "same message id A0777/99")]
    fresh = NOTAM.replace("A0777/99", "A0779/99")
    r = client.post("/api/events?dry_run=true&id=fourth", data=fresh, content_type="text/plain", headers=auth)
    assert r.get_json()["duplicates"] == []


# --------------------------------------------------------------------------- drawn corridors


def test_drawn_circle_line_and_polygon_are_built_geodesically_and_marked_drawn(desk_app: Flask) -> None:
    client, auth = desk_app.test_client(), _bearer(desk_app, "alice")
    radius, width = 9260.0, 18520.0
    drawing = _fc(
        _feature({"type": "Point", "coordinates": [128.2, 26.3]}, radius_m=radius, phase="debris", **DRAWN_WINDOW),
        _feature({"type": "LineString", "coordinates": [[128.0, 27.0], [128.0, 28.0]]}, width_m=width, **DRAWN_WINDOW),
        _feature(
            {"type": "Polygon", "coordinates": [[[129, 26], [129.5, 26], [129.5, 26.5], [129, 26.5], [129, 26]]]},
            **DRAWN_WINDOW,
        ),
    )
    source = "SOMETHING THE PARSER CANNOT READ"
    r = client.post(
        "/api/events", json={"drawn": drawing, "text": source, "name": "Drawn", "id": "drawn"}, headers=auth
    )
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert any("could not read" in w["reason"] for w in body["warnings"])  # never silent about the text
    feats = body["corridors"]["features"]
    assert [f["properties"]["origin"] for f in feats] == ["drawn", "drawn", "drawn"]
    circle = shapely.geometry.shape(feats[0]["geometry"])
    area, _ = GEOD.geometry_area_perimeter(circle)
    assert abs(abs(area) / (math.pi * radius**2) - 1) < 0.01
    swath = shapely.geometry.shape(feats[1]["geometry"])
    across = swath.intersection(shapely.LineString([(127.0, 27.5), (129.0, 27.5)]))
    w_lon, _, e_lon, _ = across.bounds
    _, _, dist = GEOD.inv(w_lon, 27.5, e_lon, 27.5)
    assert abs(dist / width - 1) < 0.01
    got = client.get("/api/events/drawn").get_json()
    assert [i["format"] for i in got["inputs"]] == ["text", "drawn"] and got["inputs"][0]["text"] == source


def test_a_drawn_shape_that_corrects_a_parsed_corridor_keeps_its_id_and_windows(desk_app: Flask) -> None:
    client, auth = desk_app.test_client(), _bearer(desk_app, "alice")
    parsed = parse(NOTAM).corridors[0]
    ring = [[128.0, 26.5], [128.6, 26.5], [128.6, 26.0], [128.0, 26.0], [128.0, 26.5]]  # widened eastwards
    drawing = _fc(_feature({"type": "Polygon", "coordinates": [ring]}, origin="corrected", corrects=parsed.id))
    r = client.post("/api/events", json={"drawn": drawing, "text": NOTAM, "id": "fixed"}, headers=auth)
    assert r.status_code == 201, r.get_json()
    feat = r.get_json()["corridors"]["features"][0]
    assert feat["properties"]["id"] == parsed.id
    assert feat["properties"]["origin"] == "corrected" and feat["properties"]["corrects"] == parsed.id
    assert feat["properties"]["window_start"] == "2099-01-01T01:00:00Z"
    assert shapely.geometry.shape(feat["geometry"]).bounds[2] == pytest.approx(128.6, abs=1e-6)


def _ring(n: int) -> list[list[float]]:
    pts = [[128.0 + 0.5 * math.cos(2 * math.pi * i / n), 26.0 + 0.5 * math.sin(2 * math.pi * i / n)] for i in range(n)]
    return [*pts, pts[0]]


@pytest.mark.parametrize(
    ("geometry", "props", "needle"),
    [
        ({"type": "Polygon", "coordinates": [[[128, 95], [129, 26], [129, 27], [128, 95]]]}, {}, "latitude 95"),
        ({"type": "Polygon", "coordinates": [[[400, 26], [129, 26], [129, 27], [400, 26]]]}, {}, "longitude 400"),
        ({"type": "Polygon", "coordinates": [_ring(2001)]}, {}, "at most 2000"),
        (
            {"type": "Polygon", "coordinates": [[[128, 26], [129, 27], [129, 26], [128, 27], [128, 26]]]},
            {},
            "crosses itself",
        ),
        ({"type": "Point", "coordinates": [128, 26]}, {}, "radius_m"),
        ({"type": "LineString", "coordinates": [[128, 26], [129, 26]]}, {"width_m": -5}, "width_m"),
        ({"type": "MultiPoint", "coordinates": [[128, 26]]}, {}, "MultiPoint"),
        ({"type": "Polygon", "coordinates": [_ring(8)]}, {"corrects": "no-such"}, "no such corridor"),
    ],
)
def test_bad_drawn_geometry_is_a_422_problem_naming_the_shape(
    desk_app: Flask, geometry: dict[str, Any], props: dict[str, Any], needle: str
) -> None:
    client, auth = desk_app.test_client(), _bearer(desk_app, "alice")
    good = _feature({"type": "Polygon", "coordinates": [_ring(6)]}, **DRAWN_WINDOW)
    drawing = _fc(good, _feature(geometry, **DRAWN_WINDOW, **props))
    r = client.post("/api/events", json={"drawn": drawing}, headers=auth)
    assert r.status_code == 422, r.get_json()
    assert r.mimetype == "application/problem+json"
    problem = r.get_json()
    assert problem["detail"].startswith("drawn.features[1]") and needle in problem["detail"], problem
    assert client.get("/api/events").get_json()["events"] == []


def test_a_drawing_across_the_antimeridian_is_cut_at_180(desk_app: Flask) -> None:
    client, auth = desk_app.test_client(), _bearer(desk_app, "alice")
    ring = [[175.0, 20.0], [185.0, 20.0], [185.0, 25.0], [175.0, 25.0], [175.0, 20.0]]  # as Leaflet gives it
    r = client.post(
        "/api/events",
        json={"drawn": _fc(_feature({"type": "Polygon", "coordinates": [ring]}, **DRAWN_WINDOW))},
        headers=auth,
    )
    assert r.status_code == 201, r.get_json()
    geom = shapely.geometry.shape(r.get_json()["corridors"]["features"][0]["geometry"])
    assert geom.geom_type == "MultiPolygon"
    assert sorted(round(p.bounds[0]) for p in geom.geoms) == [-180, 175]
    assert max(abs(p.bounds[2]) for p in geom.geoms) <= 180.0
    area, _ = GEOD.geometry_area_perimeter(shapely.Polygon([(x, y) for x, y in ring]))
    got = sum(abs(GEOD.geometry_area_perimeter(p)[0]) for p in geom.geoms)
    assert abs(got / abs(area) - 1) < 0.01


# --------------------------------------------------------------------------- two-person approval


@pytest.fixture
def two_person_app(store_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = _app(tmp_path, store_url, APPROVAL="2")
    yield app
    close_app(app)


def test_two_person_rule_waits_for_a_second_different_token(two_person_app: Flask) -> None:
    client = two_person_app.test_client()
    alice, bob = _bearer(two_person_app, "alice"), _bearer(two_person_app, "bob")
    r = client.post("/api/events?id=oki", data=NOTAM, content_type="text/plain", headers=alice)
    assert r.status_code == 202, r.get_json()
    pending = r.get_json()["approval"]
    assert pending["status"] == "pending" and pending["action"] == "publish" and pending["requested_by"] == "alice"
    assert r.headers["Location"].endswith(f"/api/approvals/{pending['id']}")
    assert client.get("/api/events").get_json()["events"] == []
    listed = client.get("/api/approvals", headers=bob).get_json()["approvals"]
    assert [a["id"] for a in listed] == [pending["id"]]
    r = client.post(f"/api/approvals/{pending['id']}/approve", headers=alice)
    assert r.status_code == 403 and "different token" in r.get_json()["detail"]
    r = client.post("/api/events?id=oki2", data=NOTAM, content_type="text/plain", headers=alice)
    assert r.status_code == 202  # another event may wait too
    r = client.post(f"/api/approvals/{pending['id']}/approve", headers=bob)
    assert r.status_code == 200 and r.get_json()["id"] == "oki"
    assert client.post(f"/api/approvals/{pending['id']}/approve", headers=bob).status_code == 409  # done once
    hist = client.get("/api/events/oki").get_json()["history"]
    assert hist[-1]["operator"] == "alice, approved by bob"
    # a cancel waits as well, and may be rejected
    r = client.post("/api/events/oki/cancel", headers=bob)
    assert r.status_code == 202
    cancel_id = r.get_json()["approval"]["id"]
    assert client.post("/api/events/oki/cancel", headers=bob).status_code == 409  # one pending request per event
    r = client.post(f"/api/approvals/{cancel_id}/reject", headers=alice)
    assert r.status_code == 200 and r.get_json()["status"] == "rejected"
    assert client.get("/api/events/oki").get_json()["status"] == "active"
    r = client.patch("/api/events/oki", json={"status": "cancelled"}, headers=bob)
    assert r.status_code == 202
    r = client.post(f"/api/approvals/{r.get_json()['approval']['id']}/approve", headers=alice)
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert client.get("/api/events/oki").get_json()["history"][-1]["operator"] == "bob, approved by alice"
    r = client.patch("/api/events/oki", json={"name": "Renamed"}, headers=alice)  # any new version waits
    assert r.status_code == 202 and r.get_json()["approval"]["action"] == "patch"
    assert client.get("/api/events/oki").get_json()["name"] != "Renamed"
    patch_id = r.get_json()["approval"]["id"]
    r = client.post(f"/api/approvals/{patch_id}/approve", headers=bob)
    assert r.status_code == 409  # the event is cancelled: the approved change fails, named
    failed = client.get(f"/api/approvals/{patch_id}", headers=bob).get_json()
    assert failed["status"] == "failed" and "cancelled" in failed["result"]
    assert client.get(f"/api/approvals/{cancel_id}", headers=bob).get_json()["status"] == "rejected"
    assert client.get("/api/approvals/apr-000000000000", headers=bob).status_code == 404


# --------------------------------------------------------------------------- templates and pages


@pytest.mark.parametrize("tpl", [t for t in TEMPLATES if t.mode == "text"], ids=lambda t: t.key)
def test_each_text_template_parses_cleanly(tpl: Any) -> None:
    out = parse(tpl.text, tpl.format)
    assert len(out.corridors) == 1 and out.warnings == []
    minx, miny, maxx, _maxy = out.corridors[0].geometry.bounds
    assert (round(minx, 3), round(miny, 3), round(maxx, 3)) == (125.0, 29.0, 126.0)  # the corners written in it
    assert out.corridors[0].windows  # and its window


def _login(client: FlaskClient, app: Flask, name: str) -> str:
    # an English-reading operator's browser (without it, a page about a JP region is in Japanese, issue 13)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    _id, tok = app.extensions["geowarn.store"].create_token(name)
    page = client.get("/operator").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    assert client.post("/operator/login", data={"token": tok, "csrf_token": csrf.group(1)}).status_code == 303
    page = client.get("/operator").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_operator_page_offers_templates_and_requires_reading_the_warnings(client: FlaskClient, app: Flask) -> None:
    csrf = _login(client, app, "alice")
    page = client.get("/operator?template=notam").get_data(as_text=True)
    assert "A0000/26 NOTAMN" in page and 'id="draw-editor"' in page
    assert "/static/vendor/leaflet-geoman-free-2.20.2/leaflet-geoman.min.js" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org', "") and "https://" not in page
    form = {"csrf_token": csrf, "mode": "text", "text": NOTAM, "name": "Oki <b>", "action": "preview"}
    r = client.post("/operator", data=form)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="warnings"' in html and "<code>W66</code>" in html
    assert 'id="ack-warnings"' in html and "Oki &lt;b&gt;" in html and "Oki <b>" not in html
    assert 'id="recipients-none"' in html  # nobody subscribed yet: the page says so
    r = client.post("/operator", data={**form, "action": "publish"})
    assert r.status_code == 400 and "I have read the warnings" in r.get_data(as_text=True)
    assert client.get("/api/events").get_json()["events"] == []
    r = client.post("/operator", data={**form, "action": "publish", "ack_warnings": "on"})
    assert r.status_code == 303
    event = r.headers["Location"].rsplit("/", 1)[1]
    page = client.get(f"/events/{event}").get_data(as_text=True)
    assert 'id="operator-block"' in page and 'id="cancel-button"' in page and "<td>alice</td>" in page
    assert 'id="operator-block"' not in app.test_client().get(f"/events/{event}").get_data(as_text=True)  # public


def test_operator_corrects_parsed_vertices_as_text(client: FlaskClient, app: Flask) -> None:
    csrf = _login(client, app, "alice")
    form = {"csrf_token": csrf, "mode": "text", "text": NOTAM, "action": "preview"}
    html = client.post("/operator", data=form).get_data(as_text=True)
    m = re.search(r'<textarea name="drawn" id="drawn"[^>]*>(.*?)</textarea>', html, re.S)
    assert m
    seeded = m.group(1)
    corner_lines = [ln for ln in seeded.splitlines() if ln[:1].isdigit()]
    assert "26.500000 128.000000" in corner_lines and "26.000000 128.500000" in corner_lines
    corrected = seeded.replace("128.500000", "128.600000")
    r = client.post(
        "/operator",
        data={**form, "mode": "draw", "drawn": corrected, "action": "publish", "ack_warnings": "on", "name": "Fixed"},
    )
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    feat = client.get("/api/events/fixed").get_json()["corridors"]["features"][0]
    assert feat["properties"]["origin"] == "corrected"
    assert shapely.geometry.shape(feat["geometry"]).bounds[2] == pytest.approx(128.6, abs=1e-6)


def test_cancel_from_the_event_page_goes_through_a_confirmation(client: FlaskClient, app: Flask, auth: Any) -> None:
    sub = _subscribe(client, auth)
    assert client.post("/api/events?id=oki", data=NOTAM, content_type="text/plain", headers=auth).status_code == 201
    csrf = _login(client, app, "carol")
    page = client.get("/operator/events/oki/cancel").get_data(as_text=True)
    assert 'id="recipients"' in page and sub in page and "<td>Cancel</td>" in page
    assert client.get("/api/events/oki").get_json()["status"] == "active"  # the confirmation page changes nothing
    r = client.post("/operator/events/oki/cancel", data={"csrf_token": csrf})  # no confirm=yes: shown again
    assert r.status_code == 200 and client.get("/api/events/oki").get_json()["status"] == "active"
    assert client.post("/operator/events/oki/cancel", data={"confirm": "yes"}).status_code == 403  # no CSRF token
    r = client.post("/operator/events/oki/cancel", data={"csrf_token": csrf, "confirm": "yes"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/events/oki")
    hist = client.get("/api/events/oki").get_json()["history"]
    assert hist[-1]["status"] == "cancelled" and hist[-1]["operator"] == "carol"


def test_correct_link_offers_the_events_corridors_as_an_update(client: FlaskClient, app: Flask, auth: Any) -> None:
    assert client.post("/api/events?id=oki", data=NOTAM, content_type="text/plain", headers=auth).status_code == 201
    csrf = _login(client, app, "dave")
    page = client.get("/operator?event=oki&correct=1").get_data(as_text=True)
    m = re.search(r'<textarea name="drawn" id="drawn"[^>]*>(.*?)</textarea>', page, re.S)
    assert m and m.group(1).startswith("polygon phase=") and "corrects=notam-a0777-99-1" in m.group(1)
    assert 'name="update" checked' in page and 'value="draw" id="mode-draw" checked' in page
    assert "A0777/99" in page  # the notice text comes along as the source
    form = {"csrf_token": csrf, "mode": "draw", "drawn": m.group(1), "event_id": "oki", "update": "on", "text": NOTAM}
    r = client.post("/operator", data={**form, "action": "publish", "ack_warnings": "on"})
    assert r.status_code == 303
    ev = client.get("/api/events/oki").get_json()
    assert ev["version"] == 2 and ev["corridors"]["features"][0]["properties"]["origin"] == "corrected"
    assert ev["history"][-1]["operator"] == "dave"


def test_two_person_rule_on_the_pages(tmp_path: Path) -> None:
    app = _app(tmp_path, None, APPROVAL="2")  # type: ignore[arg-type]
    try:
        alice, bob = app.test_client(), app.test_client()
        csrf_a = _login(alice, app, "alice")
        csrf_b = _login(bob, app, "bob")
        clean = NOTAM.replace(" ROUTES N895 AND W66 CLOSED.", "")
        form = {"csrf_token": csrf_a, "mode": "text", "text": clean, "name": "Oki", "action": "preview"}
        assert "Request publication" in alice.post("/operator", data=form).get_data(as_text=True)
        r = alice.post("/operator", data={**form, "action": "publish"})
        assert r.status_code == 303 and "/operator/approvals#apr-" in r.headers["Location"]
        approval = r.headers["Location"].rsplit("#", 1)[1]
        assert alice.get("/api/events").get_json()["events"] == []
        r = alice.post(f"/operator/approvals/{approval}/approve", data={"csrf_token": csrf_a})
        assert r.status_code == 403 and 'id="error"' in r.get_data(as_text=True)
        assert "Your request" in alice.get("/operator/approvals").get_data(as_text=True)
        assert "Your request" not in bob.get("/operator/approvals").get_data(as_text=True)
        assert approval in bob.get("/operator/approvals").get_data(as_text=True)
        assert "<code>W66</code>" not in bob.get("/operator/approvals").get_data(as_text=True)  # clean notice
        r = bob.post(f"/operator/approvals/{approval}/approve", data={"csrf_token": csrf_b})
        assert r.status_code == 303 and r.headers["Location"].endswith("/events/oki")
        r = alice.post("/operator/events/oki/cancel", data={"csrf_token": csrf_a, "confirm": "yes"})
        assert r.status_code == 303
        page = bob.get("/events/oki").get_data(as_text=True)
        assert 'id="event-pending"' in page and "cancel" in page
        r = bob.post("/operator/events/oki/cancel", data={"csrf_token": csrf_b, "confirm": "yes"})
        assert r.status_code == 409 and "awaiting approval" in r.get_data(as_text=True)  # one request at a time
        # the approver sees the parser's warnings of what they approve
        warned = {**form, "text": NOTAM, "event_id": "oki-2", "action": "publish", "ack_warnings": "on"}
        assert alice.post("/operator", data=warned).status_code == 303
        assert "<code>W66</code>" in bob.get("/operator/approvals").get_data(as_text=True)
    finally:
        close_app(app)


def test_an_update_may_correct_a_drawn_corridor_without_any_notice_text(desk_app: Flask) -> None:
    client, auth = desk_app.test_client(), _bearer(desk_app, "alice")
    first = _fc(_feature({"type": "Polygon", "coordinates": [_ring(6)]}, **DRAWN_WINDOW))
    assert client.post("/api/events", json={"drawn": first, "id": "sketch"}, headers=auth).status_code == 201
    moved = [[x + 0.2, y] for x, y in _ring(6)]
    fix = _fc(_feature({"type": "Polygon", "coordinates": [moved]}, corrects="drawn-1"))  # no window of its own
    r = client.put("/api/events/sketch", json={"drawn": fix}, headers=auth)
    assert r.status_code == 200, r.get_json()
    props = r.get_json()["corridors"]["features"][0]["properties"]
    assert (props["id"], props["origin"], props["window_start"]) == ("drawn-1", "corrected", "2099-01-01T01:00:00Z")


def test_parser_warnings_on_the_pages_are_in_the_readers_language_and_the_api_keeps_english(
    client: FlaskClient, app: Flask
) -> None:
    """The preview and the approvals list show each warning's reason from its code in ja or en (#13)."""
    from geowarn.i18n import CATALOGUE

    csrf = _login(client, app, "alice")
    form = {"csrf_token": csrf, "mode": "text", "text": NOTAM, "name": "Oki", "action": "preview"}
    ja = client.post("/operator", data={**form, "lang": "ja"}).get_data(as_text=True)
    en = client.post("/operator", data={**form, "lang": "en"}).get_data(as_text=True)
    weak = CATALOGUE["warning.weak_coordinate"]
    assert "<code>W66</code>" in ja and weak["ja"] in ja and weak["en"] not in ja
    assert weak["en"] in en and weak["ja"] not in en


def test_the_approver_reads_the_warnings_in_their_own_language(tmp_path: Path) -> None:
    """The approvals list shows the request's parser warnings with the approver's language (#13)."""
    from geowarn.i18n import CATALOGUE

    app = _app(tmp_path, None, APPROVAL="2")  # type: ignore[arg-type]
    try:
        alice, bob = app.test_client(), app.test_client()
        csrf_a = _login(alice, app, "alice")
        _login(bob, app, "bob")
        form = {"csrf_token": csrf_a, "mode": "text", "text": NOTAM, "name": "Oki", "action": "publish"}
        assert alice.post("/operator", data={**form, "ack_warnings": "on"}).status_code == 303
        weak = CATALOGUE["warning.weak_coordinate"]
        ja = bob.get("/operator/approvals?lang=ja").get_data(as_text=True)
        en = bob.get("/operator/approvals?lang=en").get_data(as_text=True)
        assert "<code>W66</code>" in ja and weak["ja"] in ja and weak["en"] not in ja
        assert weak["en"] in en and weak["ja"] not in en
    finally:
        close_app(app)
