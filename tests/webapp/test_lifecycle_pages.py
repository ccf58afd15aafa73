"""Issue 13 (test client): event status as a lifecycle everywhere, the point query, the place search,
the maps' land / outline / frame / cancelled look, and the dashboard and event page in ja and en.

Times: the Miyako event of ``test_region_verdict`` (window 07:00–10:00 JST on 3 December 2026),
judged at 05:12 JST through ``?now=`` (pages, testing only) or ``at=`` (the API).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from geowarn import service
from geowarn.demo import demo_text, load_demo
from geowarn.publish.maps import CANCELLED_COLOR, LAND_COLOR, OUTLINE_STYLE
from tests.webapp.helpers import corridor_fc
from tests.webapp.test_region_verdict import END, MIYAKO, NOW, START, cancel, get, publish

ATOM = {"a": "http://www.w3.org/2005/Atom"}
HTML = {"Accept": "text/html"}
#: A point on Miyako island (inside the MIYAKO box) and one in Naha (outside it).
MIYAKO_POINT = (125.3, 24.75)
NAHA_POINT = (127.68, 26.21)


def demo(app: Flask) -> None:
    from webapp.core import options, store

    with app.app_context():
        load_demo(store(), options=options())


def publish_text(app: Flask, text: str, event_id: str) -> None:
    from webapp.core import options, store

    with app.app_context():
        event = service.event_from_input(text, format="auto", event_id=event_id, name=event_id)
        service.submit_event(store(), event, options=options())


def fit_bounds(html: str) -> list[list[float]]:
    m = re.search(r"map\.fitBounds\((\[\[.*?\]\])", html)
    assert m, "no fitBounds in the map"
    return list(json.loads(m.group(1)))


# --------------------------------------------------------------------------- lifecycle


def test_demo_events_are_ended_everywhere(app: Flask, client: FlaskClient) -> None:
    demo(app)
    page = get(client, "/?lang=en", Accept="text/html")
    assert 'id="active-events"' not in page and 'id="no-active"' in page
    recent = page.split('id="recent-events"', 1)[1].split("</table>", 1)[0]
    assert recent.count('class="row-ended"') == 2 and recent.count(">Ended<") == 2
    feed = etree.fromstring(client.get("/alerts.atom").data)
    assert feed.findall("a:entry", ATOM) == []  # both CAP messages left the feed
    zones = client.get("/collections/alert-zones/items?limit=1000").get_json()
    assert zones["numberMatched"] > 0
    assert {f["properties"]["status"] for f in zones["features"]} == {"ended"}
    assert client.get("/collections/alert-zones/items?active=true").get_json()["numberMatched"] == 0
    ended = client.get("/collections/corridors/items?status=ended&limit=1000").get_json()
    assert ended["numberMatched"] == client.get("/collections/corridors/items").get_json()["numberMatched"]
    # the 2016 event page says it is over (an all-clear), not "active"
    event = get(client, "/events/kwangmyongsong-4-2016?lang=en")
    assert 'id="event-status">Ended<' in event and "All clear: ended at 2016-02-14 12:30 JST" in event
    assert 'class="map big map-ended"' in event  # its (red) published map is shown grey


def test_the_notices_own_cancel_time_ends_the_event(app: Flask, client: FlaskClient) -> None:
    text = demo_text("navarea-xi-2016-kms4.txt")
    early = text.replace("CANCEL THIS MSG 140430Z FEB 16", "CANCEL THIS MSG 100000Z FEB 16")
    assert early != text
    publish_text(app, text, "as-notified")
    publish_text(app, early, "cancelled-early")
    # 11 Feb 00:00Z: the daily window 10 Feb 22:30Z–11 Feb 03:30Z is open for both
    page = get(client, "/?lang=en&now=2016-02-11T00:00:00Z", Accept="text/html")
    active = page.split('id="active-events"', 1)[1].split("</table>", 1)[0]
    recent = page.split('id="recent-events"', 1)[1].split("</table>", 1)[0]
    assert "as-notified" in active and "cancelled-early" not in active
    assert "cancelled-early" in recent and ">Ended<" in recent
    # before the cancel time both are active
    before = get(client, "/?lang=en&now=2016-02-09T23:00:00Z", Accept="text/html")
    assert 'id="recent-events"' not in before and before.count('class="row-active"') == 2


def test_ogc_items_status_active_and_point_filters(app: Flask, client: FlaskClient) -> None:
    soon = datetime.now(UTC) + timedelta(hours=2)
    fc = corridor_fc({"a": MIYAKO}, f"{soon:%Y-%m-%dT%H:%M:%SZ}", f"{soon + timedelta(hours=3):%Y-%m-%dT%H:%M:%SZ}")
    from webapp.core import options, store

    with app.app_context():
        event = service.event_from_input(json.dumps(fc), format="geojson", name="Soon")
        service.submit_event(store(), event, options=options())
    publish(app, "Past", "2016-02-06T22:30:00Z", "2016-02-07T03:30:00Z", datetime(2016, 2, 6, tzinfo=UTC))
    items = "/collections/alert-zones/items?limit=100"
    every = client.get(items).get_json()
    by_status = {f["properties"]["event_id"]: f["properties"]["status"] for f in every["features"]}
    assert by_status == {"soon": "active", "past": "ended"}
    active = client.get(items + "&active=true").get_json()
    assert {f["properties"]["event_id"] for f in active["features"]} == {"soon"}
    assert active["numberMatched"] == sum(1 for f in every["features"] if f["properties"]["event_id"] == "soon")
    past = client.get(items + "&active=false").get_json()
    assert {f["properties"]["event_id"] for f in past["features"]} == {"past"}
    assert client.get(items + "&status=ended").get_json()["numberMatched"] == past["numberMatched"]
    # point=: only zones whose geometry covers the point (the Miyako zones of both events, not Naha)
    lon, lat = MIYAKO_POINT
    hit = client.get(items + f"&point={lon},{lat}&active=true").get_json()
    assert hit["numberMatched"] >= 1
    assert all(f["properties"]["event_id"] == "soon" for f in hit["features"])
    naha = client.get(items + "&point={},{}".format(*NAHA_POINT)).get_json()
    assert naha["numberMatched"] == 0
    corridors = client.get(f"/collections/corridors/items?point={lon},{lat}").get_json()
    assert corridors["numberMatched"] == 2  # each event's one corridor covers the point
    for bad in ["point=127", "point=a,b", "point=181,0", "point=0,91", "status=gone", "active=yes"]:
        r = client.get(f"/collections/alert-zones/items?{bad}")
        assert r.status_code == 400 and r.mimetype == "application/problem+json", bad
        assert r.get_json()["status"] == 400
    # layers have no lifecycle filters
    assert client.get("/collections/jp-prefectures/items?active=true").status_code == 400


def test_atom_lists_current_entries_and_recent_cancels_in_the_readers_language(app: Flask, client: FlaskClient) -> None:
    soon = datetime.now(UTC) + timedelta(hours=2)
    start, end = f"{soon:%Y-%m-%dT%H:%M:%SZ}", f"{soon + timedelta(hours=3):%Y-%m-%dT%H:%M:%SZ}"
    now = datetime.now(UTC) - timedelta(minutes=5)
    publish(app, "Soon", start, end, now)
    publish(app, "Soon cancelled", start, end, now)
    cancel(app, "soon-cancelled", datetime.now(UTC))
    publish(app, "Past", "2016-02-06T22:30:00Z", "2016-02-07T03:30:00Z", datetime(2016, 2, 6, tzinfo=UTC))
    feed = etree.fromstring(client.get("/alerts.atom?lang=en").data)
    entries = feed.findall("a:entry", ATOM)
    links = sorted(e.find("a:link[@rel='related']", ATOM).get("href").rsplit("/", 1)[1] for e in entries)
    assert links == ["soon-cancelled?lang=en", "soon?lang=en"]
    titles = [e.findtext("a:title", namespaces=ATOM) for e in entries]
    assert any(t.startswith("Cancel") for t in titles), titles
    assert feed.findtext("a:title", namespaces=ATOM) == "geowarn alerts: current warnings"
    ja = client.get("/alerts.atom", headers={"Accept-Language": "ja-JP,ja;q=0.9"})
    assert ja.headers["Content-Language"] == "ja" and "Accept-Language" in ja.headers["Vary"]
    feed_ja = etree.fromstring(ja.data)
    assert feed_ja.findtext("a:title", namespaces=ATOM) == "geowarn 警報：現在の警報"
    assert any("沖縄県" in (e.findtext("a:title", namespaces=ATOM) or "") for e in feed_ja.findall("a:entry", ATOM))
    # the entries' summaries too: ja from Accept-Language, en by default for the global feed
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    summaries_ja = [e.findtext("a:summary", namespaces=ATOM) or "" for e in feed_ja.findall("a:entry", ATOM)]
    assert feed_ja.get(xml_lang) == "ja" and len(summaries_ja) == 2
    assert all("実運用" in t and "沖縄" in t and "Actual" not in t for t in summaries_ja), summaries_ja
    assert any("取消" in t for t in summaries_ja) and any("発表" in t for t in summaries_ja), summaries_ja
    default = client.get("/alerts.atom")
    assert default.headers["Content-Language"] == "en"
    feed_en = etree.fromstring(default.data)
    summaries_en = [e.findtext("a:summary", namespaces=ATOM) or "" for e in feed_en.findall("a:entry", ATOM)]
    assert feed_en.get(xml_lang) == "en" and len(summaries_en) == 2
    assert all("Actual" in t and "Okinawa" in t and "沖縄" not in t for t in summaries_en), summaries_en
    assert client.get("/alerts.atom?lang=xx").status_code == 400
    assert client.get("/alerts.atom?x=1").status_code == 400


# --------------------------------------------------------------------------- point query, places


def test_point_query_answers_the_verdict_with_zones_and_windows(app: Flask, client: FlaskClient) -> None:
    publish(app, "Miyako morning")
    lon, lat = MIYAKO_POINT
    r = client.get(f"/api/affected?lat={lat}&lon={lon}&at={NOW}&lang=en")
    assert r.status_code == 200 and r.is_json
    body = r.get_json()
    assert body["state"] == "warning" and body["affected"] is True
    assert body["headline"] == "Warning from 07:00 JST" and body["countdown_s"] == 108 * 60
    assert body["severity"] == "Extreme" and body["starts_at"] == START and body["ends_at"] == END
    assert "JP-47" in body["regions"] and body["timezone"] == "Asia/Tokyo"
    assert body["zones"] and {z["event_id"] for z in body["zones"]} == {"miyako-morning"}
    assert all(z["windows"] == [{"start": START, "end": END}] for z in body["zones"])
    # 22:00Z–01:00Z is 07:00–10:00 JST (UTC+9) on 3 December, the same day as NOW (05:12 JST): no date
    assert body["window_text"] == "07:00–10:00 JST" and body["schedule"] is None
    assert {z["window_text"] for z in body["zones"]} == {"07:00–10:00 JST"}
    ja = client.get(f"/api/affected?lat={lat}&lon={lon}&at={NOW}").get_json()  # JP point: ja by default
    assert ja["lang"] == "ja" and ja["headline"] == "07:00（日本時間）から警報"
    assert ja["window_text"] == "07:00–10:00（日本時間）"
    day_before = client.get(f"/api/affected?lat={lat}&lon={lon}&at=2026-12-01T20:12:00Z&lang=en").get_json()
    assert day_before["window_text"] == "2026-12-03 07:00–10:00 JST"  # another day: the date is said
    naha = client.get("/api/affected?lat={1}&lon={0}&at={2}&lang=en".format(*NAHA_POINT, NOW)).get_json()
    assert naha["state"] == "not_affected" and naha["zones"] == [] and naha["regions"] == ["JP-47"]
    later = client.get(f"/api/affected?lat={lat}&lon={lon}&at=2026-12-03T02:00:00Z&lang=en").get_json()
    assert later["state"] == "ended" and later["headline"] == "Ended at 10:00 JST"
    cancel(app, "miyako-morning", datetime(2026, 12, 2, 20, 0, tzinfo=UTC))
    gone = client.get(f"/api/affected?lat={lat}&lon={lon}&at={NOW}&lang=en").get_json()
    assert gone["state"] == "cancelled" and gone["headline"] == "Cancelled at 05:00 JST"


@pytest.mark.parametrize(
    "query",
    [
        "lat=91&lon=127",
        "lat=-90.5&lon=0",
        "lat=26&lon=181",
        "lat=26&lon=-180.1",
        "lat=nan&lon=1",
        "lat=x&lon=1",
        "lat=26",
        "lon=127",
        "",
        "lat=26&lon=127&place=JP-47",
        "lat=26&lon=127&at=yesterday",
        "lat=26&lon=127&q=1",
    ],
)
def test_point_query_bad_input_is_a_400_problem(client: FlaskClient, query: str) -> None:
    r = client.get(f"/api/affected?{query}")
    assert r.status_code == 400, (query, r.data)
    assert r.mimetype == "application/problem+json"
    assert r.get_json()["status"] == 400 and r.get_json()["detail"]


def test_place_search_finds_municipalities_in_ja_and_en_and_judges_them(app: Flask, client: FlaskClient) -> None:
    publish(app, "Miyako morning")
    for q in ("宮古島市", "宮古島", "Miyakojima", "miyakojima city", "ＭＩＹＡＫＯＪＩＭＡ"):
        places = client.get("/api/places", query_string={"q": q}).get_json()["places"]
        assert places[0]["id"] == "JPM-4721400", q
        assert places[0]["name_ja"] == "宮古島市" and places[0]["page"] == "/regions/JP-47"
    naha = client.get("/api/places?q=那覇").get_json()["places"][0]
    assert naha["name"] == "Naha City" and naha["municipality"] is True
    assert client.get("/api/places?q=Okinawa").get_json()["places"][0]["id"] == "JP-47"
    assert client.get("/api/places?q=").status_code == 400
    assert client.get("/api/places?q=x&limit=0").status_code == 400
    miyako = client.get(f"/api/affected?place=JPM-4721400&at={NOW}&lang=en").get_json()
    assert miyako["state"] == "warning" and miyako["place"]["name_ja"] == "宮古島市"
    naha_area = client.get(f"/api/affected?place=JPM-4720100&at={NOW}&lang=en").get_json()
    assert naha_area["state"] == "not_affected"
    assert client.get("/api/affected?place=JPM-0").status_code == 404


def test_point_query_is_declared_in_openapi(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json(force=True)
    op = doc["paths"]["/api/affected"]["get"]
    params = {p["name"]: p for p in op["parameters"]}
    assert params["lat"]["schema"]["maximum"] == 90 and params["lon"]["schema"]["minimum"] == -180
    assert "400" in op["responses"] and "/api/places" in doc["paths"]
    items = {p["name"] for p in doc["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]}
    assert {"status", "active", "point"} <= items


# --------------------------------------------------------------------------- maps


def test_web_maps_draw_land_outline_the_region_and_frame_the_current_warning(app: Flask, client: FlaskClient) -> None:
    publish(app, "Old 2016", "2016-02-06T22:30:00Z", "2016-02-07T03:30:00Z", datetime(2016, 2, 6, tzinfo=UTC))
    # a second 2016 event far to the north: a map framing "every event" would reach 40 N
    from webapp.core import options, store

    with app.app_context():
        far = corridor_fc({"a": (139.0, 39.0, 140.0, 40.0)}, "2016-02-06T22:30:00Z", "2016-02-07T03:30:00Z")
        event = service.event_from_input(json.dumps(far), format="geojson", name="Far north")
        service.submit_event(store(), event, options=options(), now=datetime(2016, 2, 6, tzinfo=UTC))
    publish(app, "Miyako morning")
    event_map = client.get("/events/miyako-morning/map").get_data(as_text=True)
    assert LAND_COLOR in event_map  # the offline land layer is the base map
    assert LAND_COLOR in client.get("/map/overview").get_data(as_text=True)
    region_map = get(client, f"/regions/JP-47/map?lang=en&now={NOW}")
    assert LAND_COLOR in region_map and "Miyako morning" in region_map and "Old 2016" not in region_map
    assert json.dumps(OUTLINE_STYLE["color"]) in region_map and '"weight": 3' in region_map
    (south, west), (north, east) = fit_bounds(region_map)
    w, s, e, n = MIYAKO
    assert west <= w and east >= e and south <= s and north >= n  # the warning is in view
    assert north < 26.5 and south > 23.0 and west > 124.0 and east < 126.5  # … and framed close
    # the legend folds on a phone (the script opens it only on a wide map)
    assert "gw-legend-box" in region_map and "window.innerWidth > 600" in region_map
    # a region without any event: land and its outline, nothing else; an unknown region is a 404
    quiet = get(client, "/regions/EEZ-KOR/map?lang=en")
    assert LAND_COLOR in quiet and '"weight": 3' in quiet and "Miyako" not in quiet
    assert client.get("/regions/NOPE/map").status_code == 404


def test_cancelled_event_is_grey_with_a_banner_on_its_page_and_map(app: Flask, client: FlaskClient) -> None:
    publish(app, "Miyako morning")
    cancel(app, "miyako-morning", datetime(2026, 12, 2, 20, 0, tzinfo=UTC))
    page = get(client, f"/events/miyako-morning?lang=en&now={NOW}")
    assert re.search(r'id="banner-text">Cancelled at 05:00 JST<', page)
    assert 'id="event-status">Cancelled<' in page
    rows = page.split('id="zones"', 1)[1].split("</table>", 1)[0]
    assert rows.count('class="row-cancelled"') >= 1 and "sev-Extreme" not in rows
    assert 'class="map big map-cancelled"' in page
    ja = get(client, f"/events/miyako-morning?now={NOW}")  # a JP event: ja by default
    assert '<html lang="ja">' in ja and "05:00（日本時間）に取消" in ja
    art = client.get("/events/miyako-morning/map").get_data(as_text=True)
    assert "gw-banner-cancelled" in art and "Cancelled at 2026-12-03 05:00 JST" in art
    # the banner shows the reader's language only: one span per language, not "… JST / …（日本時間）に取消"
    banner = re.search(r"div\.id = 'gw-banner';\s*div\.innerHTML = (\"(?:[^\"\\]|\\.)*\");", art)
    assert banner, "no banner script"
    html = json.loads(banner.group(1))
    assert '<span class="gw-t" lang="en">Cancelled at 2026-12-03 05:00 JST</span>' in html, html
    assert '<span class="gw-t" lang="ja">2026-12-03 05:00（日本時間）に取消</span>' in html and " / " not in html
    assert CANCELLED_COLOR in art and '"fillColor": "#67000d"' not in art  # no zone painted Extreme
    # nor its legend: the swatches are grey like the zones (the legend is JSON-escaped in the page)
    swatches = re.findall(r"(?:background|border-top-color):(#[0-9a-fA-F]{6})", art.replace("\\", ""))
    assert swatches and set(swatches) == {CANCELLED_COLOR}, swatches
    region_map = get(client, f"/regions/JP-47/map?lang=en&now={NOW}")
    assert "gw-banner-cancelled" in region_map and "Cancelled at 05:00 JST" in region_map


# --------------------------------------------------------------------------- languages, times


def test_dashboard_and_event_page_in_ja_and_en(app: Flask, client: FlaskClient) -> None:
    publish(app, "Miyako morning")
    en = get(client, f"/?now={NOW}", Accept="text/html", **{"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in en and "Active events (1)" in en and "Window (JST)" in en
    assert "2026-12-03 07:00–10:00 JST" in en or "07:00–10:00 JST" in en
    ja = get(client, f"/?now={NOW}", Accept="text/html", **{"Accept-Language": "ja"})
    assert '<html lang="ja">' in ja and "発表中の事象（1件）" in ja and "07:00–10:00（日本時間）" in ja
    assert '<html lang="ja">' in get(client, f"/?now={NOW}&lang=ja", Accept="text/html")
    event_ja = get(client, f"/events/miyako-morning?now={NOW}")
    assert '<html lang="ja">' in event_ja and "警戒区域" in event_ja and "極めて重大" in event_ja
    assert "07:00–10:00（日本時間）" in event_ja and 'hreflang="en"' in event_ja
    event_en = get(client, f"/events/miyako-morning?now={NOW}&lang=en")
    assert 'id="event-headline">Warning from 07:00 JST<' in event_en and "in 1 h 48 min" in event_en
    assert 'id="event-headline">07:00（日本時間）から警報<' in event_ja
    assert "Alert zones" in event_en and "Times in JST (Asia/Tokyo)." in event_en


def test_daily_windows_are_shown_as_daily(app: Flask, client: FlaskClient) -> None:
    demo(app)
    page = get(client, "/events/kwangmyongsong-4-2016?lang=en")
    assert "Daily 07:30–12:30 JST, 2016-02-07 to 2016-02-14" in page
    ja = get(client, "/events/kwangmyongsong-4-2016?lang=ja")
    assert "2016-02-07から2016-02-14まで毎日07:30〜12:30（日本時間）" in ja


def test_pages_carry_skip_link_share_button_and_no_inline_script(app: Flask, client: FlaskClient) -> None:
    publish(app, "Miyako morning")
    for url in ["/", "/events/miyako-morning", "/regions/JP-47"]:
        html = get(client, url, Accept="text/html")
        assert 'class="skip" href="#main"' in html and 'id="main"' in html, url
        assert 'id="share"' in html and "/static/geowarn.js" in html, url
        assert "<script>" not in html, url
    region = get(client, "/regions/JP-47?lang=en")
    assert '<label for="place-q">' in region and 'id="locate"' in region
    assert 'role="search"' in region
    with client.get("/static/geowarn.js") as r:
        js = r.get_data(as_text=True)
    assert "http://" not in js and "https://" not in js and "innerHTML" not in js  # local only, text only
    with client.get("/static/geowarn.css") as r:
        css = r.get_data(as_text=True)
    assert "@media print" in css


def test_lifecycle_filters_and_point_on_both_stores(store: Any) -> None:
    """The OGC items' lifecycle and point filters and ``geowarn.current`` on SQLite and on PostGIS."""
    from geowarn import ogcapi
    from geowarn.current import statuses

    soon = datetime.now(UTC) + timedelta(hours=2)
    for name, start, end in [
        ("Soon", soon, soon + timedelta(hours=3)),
        ("Past", datetime(2016, 2, 6, 22, 30, tzinfo=UTC), datetime(2016, 2, 7, 3, 30, tzinfo=UTC)),
    ]:
        fc = corridor_fc({"a": MIYAKO}, f"{start:%Y-%m-%dT%H:%M:%SZ}", f"{end:%Y-%m-%dT%H:%M:%SZ}")
        event = service.event_from_input(json.dumps(fc), format="geojson", name=name)
        service.submit_event(store, event, options=service.Options(layer_ids=["jp-prefectures"]))
    assert {k: str(v) for k, v in statuses(store).items()} == {"soon": "active", "past": "ended"}

    def items(**args: str) -> dict[str, Any]:
        req = ogcapi.APIRequest("http://x", {k: [v] for k, v in args.items()})
        _headers, status, text = ogcapi.items(req, store, "alert-zones")
        assert status == 200
        return dict(json.loads(text))

    active = items(active="true")
    assert active["numberMatched"] == 1 and active["features"][0]["properties"]["event_id"] == "soon"
    assert active["features"][0]["properties"]["status"] == "active"
    assert items(status="ended")["features"][0]["properties"]["event_id"] == "past"
    assert items(point="{},{}".format(*MIYAKO_POINT))["numberMatched"] == 2
    assert items(point="{},{}".format(*NAHA_POINT))["numberMatched"] == 0


def test_memoised_statuses_equal_the_full_events_lifecycle(store: Any) -> None:
    from geowarn.current import statuses
    from geowarn.verdict import event_lifecycle

    load_demo(store)
    text = demo_text("navarea-xi-2016-kms4.txt").replace("MSG 140430Z FEB 16", "MSG 100000Z FEB 16")
    service.submit_event(store, service.event_from_input(text, format="auto", event_id="early", name="early"))
    seen = set()
    for now in [
        "2016-02-06T00:00Z",
        "2016-02-09T23:59Z",
        "2016-02-10T00:00Z",
        "2016-02-14T04:00Z",
        "2023-05-30T00:00Z",
        "2030-01-01T00:00Z",
    ]:
        at = datetime.fromisoformat(now.replace("Z", "+00:00"))
        got = statuses(store, at)
        assert got == {e: event_lifecycle(store.get_event(e), at) for e in got}, now
        seen |= {str(v) for v in got.values()}
    assert seen == {"active", "ended"}
