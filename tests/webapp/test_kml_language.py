"""Issue 13: the published KML in the reader's language (``?lang=``, then ``Accept-Language``, else the region's).

The stored KML of a Japanese event is Japanese; another language is rendered from the same stored
version (ETag ``…-en``), through Flask even when the WSGI fast path serves the stored file.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.test_region_verdict import publish


def kml(client: FlaskClient, url: str, **headers: str) -> tuple[str, dict[str, str]]:
    r = client.get(url, headers=headers)
    assert r.status_code == 200, r.data[:300]
    assert r.mimetype == "application/vnd.google-earth.kml+xml"
    return r.get_data(as_text=True), dict(r.headers)


def test_kml_is_japanese_for_japan_and_english_when_asked(app: Flask, client: FlaskClient) -> None:
    eid = publish(app, "Miyako morning")
    stored, h = kml(client, f"/events/{eid}.kml")
    assert "警戒区域" in stored and "2026-12-03 07:00–10:00（日本時間）" in stored and "JST" not in stored
    assert "Accept-Language" in h["Vary"]
    en, h_en = kml(client, f"/events/{eid}.kml", **{"Accept-Language": "en-US,en;q=0.9"})
    assert "Alert zones" in en and "2026-12-03 07:00–10:00 JST" in en and "日本時間" not in en
    assert h_en["Content-Language"] == "en" and h_en["ETag"] != h["ETag"] and h_en["ETag"].endswith('-en"')
    by_query, _ = kml(client, f"/events/{eid}.kml?lang=en", **{"Accept-Language": "ja"})
    assert by_query == en
    ja, h_ja = kml(client, f"/events/{eid}.kml?lang=ja", **{"Accept-Language": "en"})
    assert ja == stored and h_ja["ETag"] == h["ETag"] and h_ja["Content-Language"] == "ja"
    unknown, _ = kml(client, f"/events/{eid}.kml", **{"Accept-Language": "fr"})  # no catalogue language: region's
    assert unknown == stored
    version, h_v = kml(client, f"/events/{eid}/v1.kml?lang=en")
    assert version == en and "immutable" in h_v["Cache-Control"]
    r = client.get(f"/events/{eid}.kml?lang=xx")
    assert r.status_code == 400 and r.mimetype == "application/problem+json" and "lang" in r.get_json()["detail"]
    # a 304 for the English copy's own ETag
    assert client.get(f"/events/{eid}.kml?lang=en", headers={"If-None-Match": h_en["ETag"]}).status_code == 304
