"""``/openapi.json`` is a valid OpenAPI document and lists exactly the routes the app serves."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from geowarn.api.operations import OPERATIONS

#: Routes that are HTML pages (or static files), not API operations: they are not in the OpenAPI document.
HTML_ONLY = {
    "/static/<path:filename>",
    "/static/vendor/<path:name>",
    "/events/<event_id>",
    "/events/<event_id>/map",
    "/map/overview",
    "/regions/<region_id>",
    "/regions/<region_id>/map",
    "/operator",
    "/operator/login",
    "/operator/logout",
    "/operator/approvals",
    "/operator/approvals/<approval_id>/<decision>",
    "/operator/events/<event_id>/cancel",
    "/favicon.ico",
}
IMPLICIT = {"head", "options"}


def _template(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_openapi_document_is_valid(client: FlaskClient) -> None:
    r = client.get("/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/vnd.oai.openapi+json"
    doc = r.get_json(force=True)
    validate(doc)
    assert doc["openapi"].startswith("3.1")


def test_every_flask_route_is_in_openapi_with_the_same_methods_and_vice_versa(client: FlaskClient, app: Flask) -> None:
    doc = client.get("/openapi.json").get_json(force=True)
    documented = {path: set(ops) for path, ops in doc["paths"].items()}
    served: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule in HTML_ONLY:
            continue
        served.setdefault(_template(rule.rule), set()).update(m.lower() for m in rule.methods or () if m)
    served = {p: m - IMPLICIT for p, m in served.items()}
    assert served == documented
    assert {r.rule for r in app.url_map.iter_rules()} >= HTML_ONLY  # no stale exclusion


def test_the_new_operations_are_documented(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json(force=True)
    paths = doc["paths"]
    assert set(paths["/api/subscriptions"]) == {"get", "post"}
    assert set(paths["/api/subscriptions/{subscriptionId}"]) == {"get", "delete"}
    for suffix in ("geojson", "kml", "cap"):
        op = paths[f"/events/{{eventId}}/v{{version}}.{suffix}"]["get"]
        expected = {"eventId", "version"} | ({"lang"} if suffix == "kml" else set())  # KML: the reader's language
        assert {p["name"] for p in op["parameters"]} == expected
    assert all(op.get("security") == [{"bearer": []}] for op in paths["/api/subscriptions"].values())
    # an unsupported request content type is a 400 (tested in test_api): no 415 is promised
    assert not any("415" in op["responses"] for ops in paths.values() for op in ops.values())
    ids = [op.operation_id for op in OPERATIONS]
    assert len(ids) == len(set(ids))


def test_a_pydantic_validation_error_is_a_400_naming_the_field(client: FlaskClient, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    r = client.post("/api/events", json={"text": "x", "if_version": 0}, headers=auth)
    p = r.get_json(force=True)
    assert r.status_code == 400 and p["field"] == "if_version" and p["detail"].startswith("if_version:")
    r = client.post("/api/subscriptions", json={"regions": ["JP-47"], "margin_km": 9999, "channels": []}, headers=auth)
    p = r.get_json(force=True)
    assert r.status_code == 400 and p["field"] == "margin_km"


def test_a_json_only_body_is_read_as_json_whatever_its_content_type(client: FlaskClient, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    r = client.patch("/api/events/nope", data='{"name": "x"}', content_type="text/plain", headers=auth)
    assert r.status_code == 404, r.data
    r = client.patch("/api/events/nope", data="", headers=auth)
    assert r.status_code == 400 and "nothing to change" in r.get_json(force=True)["detail"]
    r = client.post("/api/subscriptions", data="[]", content_type="text/plain", headers=auth)
    assert r.status_code == 400 and r.get_json(force=True)["detail"] == "$: expected a JSON object"


def test_health_ignores_query_parameters_as_before(client: FlaskClient) -> None:
    r = client.get("/healthz?probe=1")
    assert r.status_code == 200 and r.get_json()["status"] == "ok"
    assert client.get("/api/events?probe=1").status_code == 400
