"""One table of published kinds drives the fast path, the event links, the file routes and the service."""

from __future__ import annotations

from flask.testing import FlaskClient

from geowarn import eventapi
from geowarn.publish.kinds import FILE_KINDS, KINDS
from tests.webapp.helpers import corridor_fc
from webapp.fastpath import _route


def test_event_links_fast_path_and_routes_follow_the_kinds_table(client: FlaskClient, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    body = {"geojson": corridor_fc({"a": (124.5, 35.3, 124.9, 36.1)}), "id": "ev-k", "name": "K"}
    r = client.post("/api/events", json=body, headers=auth)
    assert r.status_code == 201, r.data
    enclosures = {(link["href"], link["type"]) for link in r.get_json()["links"] if link["rel"] == "enclosure"}
    assert enclosures == {(f"http://localhost{k.url('ev-k')}", k.media_type.split(";")[0]) for k in KINDS}
    assert eventapi.event_links("", "ev-k")[0]["rel"] == "self"
    for k in FILE_KINDS:
        route = _route(k.url("ev-k"))
        assert route is not None and route[1] is k
        cur = client.get(k.url("ev-k"))
        old = client.get(k.version_url("ev-k", 1))
        assert cur.status_code == old.status_code == 200, k.kind
        assert cur.headers["Content-Disposition"] == f'inline; filename="{k.download_name("ev-k")}"'
        assert old.headers["Content-Disposition"] == f'inline; filename="ev-k-v1.{k.suffix}"'
        assert cur.mimetype == k.media_type.split(";")[0] and cur.data == old.data
        assert "immutable" in old.headers["Cache-Control"]
    assert client.get("/events/ev-k/v1.pdf").status_code == 404
    assert _route("/events/Bad_Id.geojson") is None
