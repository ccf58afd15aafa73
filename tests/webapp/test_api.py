"""The JSON API with the Flask test client: OGC API – Features, events CRUD, files, errors, auth."""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlsplit

import pytest
import shapely

from geowarn.publish.geojson import MEDIA_TYPE
from tests.webapp.helpers import corridor_fc
from webapp.core import close_app


def create(client, auth, boxes, event_id="ev", **kw):  # type: ignore[no-untyped-def]
    r = client.post(
        "/api/events",
        json={"geojson": corridor_fc(boxes, **kw), "name": f"Event {event_id}", "id": event_id},
        headers=auth,
    )
    assert r.status_code == 201, r.data
    return r.get_json()


def test_landing_negotiation(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/", headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.is_json
    rels = {link["rel"] for link in r.get_json()["links"]}
    assert {"self", "conformance", "data", "service-desc"} <= rels
    assert client.get("/", headers={"Accept": "text/html"}).mimetype == "text/html"
    assert client.get("/?f=json", headers={"Accept": "text/html"}).is_json  # f overrides Accept
    assert client.get("/collections?f=html", headers={"Accept": "application/json"}).mimetype == "text/html"
    assert client.get("/?f=xml").status_code == 400


def test_conformance_and_collections(client) -> None:  # type: ignore[no-untyped-def]
    conf = client.get("/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    cols = client.get("/collections").get_json()["collections"]
    ids = {c["id"] for c in cols}
    assert {"alert-zones", "corridors"} <= ids
    for c in cols:
        assert any(link["rel"] == "items" for link in c["links"])
    assert client.get("/collections/alert-zones").get_json()["id"] == "alert-zones"
    r = client.get("/collections/nope")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


def test_writes_need_a_token(client, token) -> None:  # type: ignore[no-untyped-def]
    body = {"geojson": corridor_fc({"a": (124.5, 35.3, 124.9, 36.1)})}
    r = client.post("/api/events", json=body)
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    r = client.post("/api/events", json=body, headers={"Authorization": f"Bearer {token}x"})
    assert r.status_code == 403
    assert client.get("/api/events").get_json()["events"] == []


def test_create_from_notice_text(client, auth, navarea_text, app) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/events?name=KMS-4&id=kms4", data=navarea_text, content_type="text/plain", headers=auth)
    assert r.status_code == 201, r.data
    body = r.get_json()
    assert r.headers["Location"].endswith("/api/events/kms4")
    assert body["version"] == 1 and len(body["corridors"]["features"]) == 3
    stored = app.extensions["geowarn.store"].zones("kms4")
    assert len(body["zones"]["features"]) == len(stored)
    # the raw text is kept verbatim
    got = client.get("/api/events/kms4").get_json()
    assert got["inputs"][0]["text"] == navarea_text
    # the same id again is a conflict
    r = client.post("/api/events?name=KMS-4&id=kms4", data=navarea_text, content_type="text/plain", headers=auth)
    assert r.status_code == 409


@pytest.mark.parametrize(
    ("body", "ctype", "status"),
    [
        ('{"text": ', "application/json", 400),
        ("[1, 2]", "application/json", 400),
        ('{"text": "x", "geojson": {}}', "application/json", 400),
        ('{"colour": "red"}', "application/json", 400),
        ("", "text/plain", 400),
        ("hello", "application/xml", 400),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", '
            '"geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {}}]}',
            "application/geo+json",
            422,
        ),
    ],
)
def test_bad_input_is_a_problem_not_a_500(client, auth, body, ctype, status) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/events", data=body, content_type=ctype, headers=auth)
    assert r.status_code == status or (status == 422 and r.status_code == 400), r.data
    status = r.status_code
    p = r.get_json(force=True)
    assert r.mimetype == "application/problem+json"
    assert {"type", "title", "status", "detail"} <= set(p) and p["status"] == status
    assert "Traceback" not in r.get_data(as_text=True)


def test_json_syntax_error_names_line_and_column(client, auth) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/events", data='{\n  "text": oops\n}', content_type="application/json", headers=auth)
    p = r.get_json(force=True)
    assert r.status_code == 400 and p["line"] == 2 and p["column"] == 11


def test_items_bbox_with_antimeridian(client, auth) -> None:  # type: ignore[no-untyped-def]
    boxes = {"west-pacific": (124.5, 35.3, 124.9, 36.1), "dateline": (175.0, 20.0, -170.0, 25.0)}
    create(client, auth, boxes)
    for bbox, expected in [
        ("170,10,-175,30", {"dateline"}),
        ("-175,21,-171,22", {"dateline"}),
        ("120,30,130,40", {"west-pacific"}),
        ("-10,-10,10,10", set()),
        ("100,-80,-100,80", {"west-pacific", "dateline"}),
    ]:
        r = client.get(f"/collections/corridors/items?bbox={bbox}&limit=100")
        assert r.status_code == 200 and r.mimetype == MEDIA_TYPE
        got = {f["id"] for f in r.get_json()["features"]}
        # independent check with shapely on the submitted boxes
        w, s, e, n = (float(v) for v in bbox.split(","))
        q = shapely.box(w, s, e, n) if w <= e else shapely.union(shapely.box(w, s, 180, n), shapely.box(-180, s, e, n))
        indep = set()
        for cid, (bw, bs, be, bn) in boxes.items():
            g = (
                shapely.box(bw, bs, be, bn)
                if bw <= be
                else shapely.union(shapely.box(bw, bs, 180, bn), shapely.box(-180, bs, be, bn))
            )
            if shapely.intersects(g, q):
                indep.add(cid)
        assert got == expected == indep, bbox


@pytest.mark.parametrize(
    "query",
    [
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=0,50,10,40",
        "bbox=0,0,200,1",
        "limit=0",
        "limit=100000",
        "limit=x",
        "offset=-1",
        "datetime=yesterday",
        "datetime=2020-01-02T00:00:00Z/2020-01-01T00:00:00Z",
        "colour=red",
        "f=pdf",
        "severity=Extreme&severity=Minor",
    ],
)
def test_bad_query_parameters_are_400(client, query) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/collections/alert-zones/items?{query}")
    assert r.status_code == 400, query
    assert r.mimetype == "application/problem+json"


def test_paging_links_and_datetime(client, auth) -> None:  # type: ignore[no-untyped-def]
    create(client, auth, {f"c{i}": (120 + i, 30, 120.5 + i, 31) for i in range(7)})
    seen, url, pages = [], "/collections/corridors/items?limit=3", 0
    while url:
        body = client.get(url).get_json()
        assert body["numberMatched"] == 7 and body["numberReturned"] == len(body["features"])
        seen += [f["id"] for f in body["features"]]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        parts = urlsplit(nxt[0]) if nxt else None
        url = f"{parts.path}?{parts.query}" if parts else ""
        pages += 1
        if pages == 2:
            assert any(link["rel"] == "prev" for link in body["links"])
    assert pages == 3 and sorted(seen) == sorted(f"c{i}" for i in range(7))
    n = lambda q: client.get(f"/collections/corridors/items?{q}").get_json()["numberMatched"]  # noqa: E731
    assert n("datetime=2016-02-07T00:00:00Z") == 7
    assert n("datetime=2016-02-08T00:00:00Z/..") == 0
    assert n("datetime=../2016-02-06T00:00:00Z") == 0
    assert n("datetime=2016-02-01/2016-02-07") == 7
    fid = "ev~c3"
    r = client.get(f"/collections/corridors/items/{fid}")
    assert r.status_code == 200 and r.get_json()["id"] == "c3"
    assert client.get("/collections/corridors/items/ev~zzz").status_code == 404


def test_published_geojson_has_etag_and_304(client, auth) -> None:  # type: ignore[no-untyped-def]
    create(client, auth, {"a": (124.5, 35.3, 124.9, 36.1)})
    r = client.get("/events/ev.geojson")
    assert r.status_code == 200 and r.mimetype == MEDIA_TYPE
    assert r.headers["ETag"].strip('"') == hashlib.sha256(r.data).hexdigest()
    fc = json.loads(r.data)
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    r2 = client.get("/events/ev.geojson", headers={"If-None-Match": r.headers["ETag"]})
    assert r2.status_code == 304 and r2.data == b""
    r3 = client.get("/events/ev.geojson", headers={"If-Modified-Since": r.headers["Last-Modified"]})
    assert r3.status_code == 304
    assert client.get("/events/nope.geojson").status_code == 404
    assert client.get("/events/ev.geojson?x=1").status_code == 400


def test_update_history_cancel(client, auth) -> None:  # type: ignore[no-untyped-def]
    create(client, auth, {"a": (124.5, 35.3, 124.9, 36.1)})
    etag1 = client.get("/events/ev.geojson").headers["ETag"]
    r = client.put("/api/events/ev", json={"geojson": corridor_fc({"b": (124.0, 33.0, 125.0, 34.0)})}, headers=auth)
    assert r.status_code == 200 and r.get_json()["version"] == 2
    assert client.get("/events/ev.geojson").headers["ETag"] != etag1
    assert client.get("/events/ev/v1.geojson").headers["ETag"] == etag1  # old versions stay published
    r = client.patch("/api/events/ev", json={"name": "Renamed <b>"}, headers=auth)
    assert r.status_code == 200 and r.get_json()["name"] == "Renamed <b>"
    assert client.patch("/api/events/ev", json={"if_version": 1, "name": "x"}, headers=auth).status_code == 409
    assert client.patch("/api/events/ev", json={"name": "\u0018"}, headers=auth).status_code == 400
    assert client.delete("/api/events/ev", headers=auth).status_code == 405  # cancelling is not deleting
    r = client.post("/api/events/ev/cancel", headers=auth)
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"
    assert client.post("/api/events/ev/cancel", headers=auth).status_code == 409
    hist = client.get("/api/events/ev").get_json()["history"]
    assert [h["version"] for h in hist] == [1, 2, 3, 4]
    assert [h["status"] for h in hist][-1] == "cancelled"
    assert (
        client.put("/api/events/nope", json={"geojson": corridor_fc({"a": (1, 1, 2, 2)})}, headers=auth).status_code
        == 404
    )
    assert client.patch("/api/events/ev", json={"status": "bogus"}, headers=auth).status_code == 400


def test_items_follow_writes(client, auth) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/collections/corridors/items")
    assert first.get_json()["numberMatched"] == 0
    create(client, auth, {"a": (124.5, 35.3, 124.9, 36.1)})
    again = client.get("/collections/corridors/items")
    assert again.get_json()["numberMatched"] == 1
    assert again.headers["ETag"] != first.headers["ETag"]
    assert (
        client.get("/collections/corridors/items", headers={"If-None-Match": again.headers["ETag"]}).status_code == 304
    )


def test_oversize_upload_is_413(tmp_path, token) -> None:  # type: ignore[no-untyped-def]
    from webapp import create_app

    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "MAX_UPLOAD_MB": "0.01"})
    _id, tok = app.extensions["geowarn.store"].create_token("t")
    r = app.test_client().post(
        "/api/events", data="x" * 20_000, content_type="text/plain", headers={"Authorization": f"Bearer {tok}"}
    )
    assert r.status_code == 413 and r.get_json(force=True)["status"] == 413
    close_app(app)


def test_openapi_lists_every_route(client, app) -> None:  # type: ignore[no-untyped-def]
    doc = client.get("/openapi.json").get_json()
    paths = set(doc["paths"])
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            templ = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            assert templ in paths, templ
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_layer_collections(client) -> None:  # type: ignore[no-untyped-def]
    from geowarn.layers import load_layer

    layer = load_layer("jp-prefectures")
    for bbox in ["123,24,125,25", "129,32,131,34", "170,10,-170,60"]:
        w, s, e, n = (float(v) for v in bbox.split(","))
        q = shapely.box(w, s, e, n) if w <= e else shapely.union(shapely.box(w, s, 180, n), shapely.box(-180, s, e, n))
        expected = {r.id for r, g in zip(layer.regions, layer.geometries, strict=True) if shapely.intersects(g, q)}
        body = client.get(f"/collections/jp-prefectures/items?bbox={bbox}&limit=100").get_json()
        assert {f["id"] for f in body["features"]} == expected and body["numberMatched"] == len(expected)
    okinawa = client.get("/collections/jp-prefectures/items/JP-47").get_json()
    assert okinawa["properties"]["name"] == "Okinawa"
    assert client.get("/collections/jp-prefectures/items/XX-99").status_code == 404
    assert client.get("/regions/XX-99", headers={"Accept": "text/html"}).status_code == 404
