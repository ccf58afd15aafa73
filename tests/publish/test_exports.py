"""GeoJSON (RFC 7946, checked by geojson-validator and by us), KML, Atom and the CLI commands."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import geojson_validator
import pytest
import shapely
from click.testing import CliRunner
from lxml import etree
from shapely.geometry import shape

from geowarn.cli import main
from geowarn.model import corridors_to_collection
from geowarn.publish.atom import ATOM_NS, AtomEntry, build_atom, entry_for_cap
from geowarn.publish.cap import NS, build_cap, parse_cap, validate_cap
from geowarn.publish.geojson import dumps, feature_collection
from geowarn.publish.kml import KML_NS, build_kml

A = {"a": ATOM_NS}
K = {"k": KML_NS}
SENT = datetime(2016, 2, 2, 12, 0, tzinfo=UTC)


def assert_rfc7946(fc: dict) -> None:
    """Our RFC 7946 checks: lon/lat ranges, CCW exteriors / CW holes, ≤ 6 decimals, bbox, no crs, cut at 180°."""
    assert "crs" not in fc and fc["type"] == "FeatureCollection"
    assert len(fc["bbox"]) == 4
    for f in fc["features"]:
        assert "crs" not in f
        g = f["geometry"]
        if g is None:
            continue
        geom = shape(g)
        assert geom.is_valid, f["id"]
        assert f["bbox"] == [round(v, 6) for v in geom.bounds]
        for poly in getattr(geom, "geoms", [geom]):
            assert poly.exterior.is_ccw
            assert all(not ring.is_ccw for ring in poly.interiors)
            xs = [x for x, _ in poly.exterior.coords]
            # cut at the antimeridian: no part spans more than 180° of longitude
            assert max(xs) - min(xs) < 180
        for x, y in shapely.get_coordinates(geom):
            assert -180 <= x <= 180 and -90 <= y <= 90
            assert round(x, 6) == x and round(y, 6) == y


def test_zones_geojson_is_rfc7946(demo):
    _, zones = demo
    fc = feature_collection(z.to_feature() for z in zones)
    text = dumps(fc)
    assert_rfc7946(json.loads(text))
    assert geojson_validator.validate_structure(json.loads(text), check_crs=True) == {}
    problems = geojson_validator.validate_geometries(json.loads(text))
    assert problems["invalid"] == {}, problems
    assert "crosses_antimeridian" not in problems["problematic"]
    assert "excessive_coordinate_precision" not in problems["problematic"]


@pytest.mark.parametrize("name", ["antimeridian", "unwrapped"])
def test_antimeridian_zone_is_cut(demo, geoms, name):
    _, zones = demo
    z = zones[0]
    # the shared pre-cut MultiPolygon, and the same area written with longitudes past 180°
    crossing = geoms["antimeridian"] if name == "antimeridian" else shapely.box(175.0, 20.0, 190.0, 25.0)
    fc = feature_collection([{**z.to_feature(), "geometry": crossing}])
    assert fc["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert_rfc7946(fc)
    assert fc["bbox"][0] > fc["bbox"][2]  # RFC 7946 §5.2: the box crosses 180°
    assert geojson_validator.validate_geometries(fc)["invalid"] == {}


def test_kml(demo):
    event, zones = demo
    kml = build_kml(event.corridors, zones, name=event.name, lang="en")
    root = etree.fromstring(kml)
    marks = root.findall(".//k:Placemark", K)
    assert len(marks) == len(event.corridors) + sum(1 for z in zones if z.geometry is not None)
    ok = next(m for m in marks if m.findtext("k:name", namespaces=K).startswith("Okinawa / "))
    assert "沖縄県" in ok.findtext("k:name", namespaces=K)
    assert ok.findtext("k:TimeSpan/k:begin", namespaces=K) == "2016-02-06T22:30:00Z"
    rings = ok.findall(".//k:outerBoundaryIs/k:LinearRing/k:coordinates", K)
    okinawa = next(z for z in zones if z.region_id == "JP-47").geometry
    back = shapely.union_all(
        [shapely.Polygon([tuple(map(float, p.split(","))) for p in r.text.split()]) for r in rings]
    )
    assert back.symmetric_difference(okinawa).area < 1e-6 * okinawa.area + 1e-9
    ts = next(m for m in marks if "territorial" in m.findtext("k:name", namespaces=K))
    assert ts.findall(".//k:innerBoundaryIs", K)  # KML keeps holes


def _balloons(kml: bytes) -> str:
    root = etree.fromstring(kml)
    texts = [t.text or "" for t in root.iterfind(".//k:Placemark/k:description", K)]
    return " ".join(texts + [t.text or "" for t in root.iterfind(".//k:Folder/k:name", K)])


def test_kml_in_the_regions_language_by_default_and_in_the_readers_on_request(demo):
    """KML (#13): Japanese by default for Japan's zones, English with ``lang="en"``; times local, zone named."""
    event, zones = demo
    assert zones[0].region_id.startswith(("JP-", "TS-JP", "EEZ-JP")), zones[0].region_id
    ja, en = (_balloons(build_kml(event.corridors, zones, name=event.name, lang=lang)) for lang in (None, "en"))
    assert "警戒区域" in ja and "落下区域" in ja and "時間帯（日本時間）" in ja and "重大" in ja
    assert "2016-02-07 07:30–12:30（日本時間）" in ja and "JST" not in ja and "Window" not in ja
    assert "Alert zones" in en and "Corridors" in en and "Window (JST)" in en
    assert "2016-02-07 07:30–12:30 JST" in en and "日本時間" not in en
    assert "Severe" in en and "重大" not in en and "Shelter" in en and "屋内退避" in ja
    root = etree.fromstring(build_kml(event.corridors, zones, lang="ja"))
    names = [m.findtext("k:name", namespaces=K) for m in root.iterfind(".//k:Placemark", K)]
    assert "沖縄県 / Okinawa — 重大" in names, names
    assert build_kml(event.corridors, zones, lang="ko") == build_kml(event.corridors, zones)  # unknown: region's


def test_kml_balloons_escape_html(xss_demo):
    event, zones = xss_demo
    kml = build_kml(event.corridors, zones)
    root = etree.fromstring(kml)
    descriptions = [d.text for d in root.iterfind(".//k:Placemark/k:description", K)]
    assert any("&lt;img src=x onerror=alert(1)&gt;" in d for d in descriptions)
    assert not any("<img" in d for d in descriptions)
    assert all("$[name]" not in t.text for t in root.iterfind(".//k:BalloonStyle/k:text", K))


def test_atom_feed_of_cap_messages(demo):
    event, zones = demo
    msgs = [build_cap(event, zones, region_ids=[rid], sent=SENT) for rid in ("JP-47", "SEA-yellow-sea")]
    entries = [entry_for_cap(x, f"/alerts/{i}.cap") for i, x in enumerate(msgs)]
    entries.append(AtomEntry("urn:x:older", "older", datetime(2016, 1, 1, tzinfo=UTC), "/alerts/old.cap"))
    feed = etree.fromstring(build_atom(entries, feed_id="urn:geowarn:alerts", title="alerts", self_url="/alerts.atom"))
    assert feed.findtext("a:id", namespaces=A) == "urn:geowarn:alerts"
    assert feed.findtext("a:updated", namespaces=A) == "2016-02-02T12:00:00Z"
    assert feed.find("a:link[@rel='self']", A).get("href") == "/alerts.atom"
    items = feed.findall("a:entry", A)
    assert len(items) == 3 and items[-1].findtext("a:id", namespaces=A) == "urn:x:older"  # newest first
    for item in items:
        for tag in ("id", "title", "updated", "author/a:name"):
            assert item.findtext(f"a:{tag}", namespaces=A), tag
        link = item.find("a:link[@rel='alternate']", A)
        assert link.get("type") == "application/cap+xml" and link.get("href").startswith("/alerts/")
    first = parse_cap(msgs[0])
    ids = [i.findtext("a:id", namespaces=A) for i in items]
    assert f"urn:geowarn:cap:geowarn@localhost:{first.findtext('cap:identifier', namespaces=NS)}" in ids
    assert "Okinawa" in " ".join(i.findtext("a:title", namespaces=A) for i in items)


def test_atom_entries_speak_the_readers_language(demo):
    event, zones = demo
    alert = build_cap(event, zones, region_ids=["JP-47"], sent=SENT)
    ref = "a,b,2016-02-02T21:00:00+09:00"
    cancel = build_cap(event, zones, region_ids=["JP-47"], sent=SENT, msg_type="Cancel", references=[ref])
    cap_ja = parse_cap(alert).find("cap:info[cap:language='ja-JP']", NS)
    update = build_cap(event, zones, region_ids=["JP-47"], sent=SENT, msg_type="Update", references=[ref])
    for xml, kind_ja, kind_en in ((alert, "発表", "Alert"), (update, "更新", "Update"), (cancel, "取消", "Cancel")):
        ja = entry_for_cap(xml, "/x.cap", language="ja-JP")
        en = entry_for_cap(xml, "/x.cap", language="en-US")
        assert f"・{kind_ja}・実運用：" in ja.summary and f" · {kind_en} · Actual: " in en.summary
        assert "沖縄県" in ja.summary and "Okinawa" in en.summary and "沖縄" not in en.summary
        assert not re.search(r"\b(?:Alert|Update|Cancel|Actual|Extreme|Severe|Minor)\b", ja.summary), ja.summary
        assert "沖縄" not in en.title and not re.search(r"\b(?:Cancel|Update)", ja.title), ja.title
    ja_alert = entry_for_cap(alert, "/x.cap", language="ja-JP")
    assert ja_alert.summary.endswith(cap_ja.findtext("cap:description", namespaces=NS))  # the ja region lines
    assert "沖縄県" in ja_alert.title and "Okinawa" in entry_for_cap(alert, "/x.cap").title
    assert entry_for_cap(update, "/x.cap", language="ja-JP").title.startswith("更新：")
    assert entry_for_cap(update, "/x.cap", language="en-US").title.startswith("Update: ")
    titles = [entry_for_cap(cancel, "/x.cap", language=lang).title for lang in ("ja-JP", "en-US")]
    assert titles[0].startswith("取消：") and titles[0].count("取消") == 1, titles
    assert titles[1].startswith("Cancelled: ") and "Cancel: " not in titles[1], titles
    feed = etree.fromstring(build_atom([ja_alert], feed_id="urn:f", title="f", self_url="/f", lang="ja"))
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "ja"
    assert feed.find("a:entry/a:summary", A).text == ja_alert.summary


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def demo_files(tmp_path, demo):
    event, zones = demo
    corridors = tmp_path / "corridors.geojson"
    corridors.write_text(dumps(feature_collection(corridors_to_collection(event.corridors)["features"])))
    zpath = tmp_path / "zones.geojson"
    zpath.write_text(dumps(feature_collection(z.to_feature() for z in zones)))
    return corridors, zpath


def test_cli_export_cap_for_okinawa(tmp_path, demo_files):
    _, zpath = demo_files
    out = tmp_path / "alert.xml"
    r = CliRunner().invoke(
        main, ["export", "cap", str(zpath), "--region", "JP-47", "--sent", "2016-02-02T12:00:00Z", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    xml = out.read_bytes()
    assert validate_cap(xml) == []
    root = parse_cap(xml)
    assert root.findtext("cap:sent", namespaces=NS) == "2016-02-02T21:00:00+09:00"
    assert [a.findtext("cap:areaDesc", namespaces=NS) for a in root.iterfind("cap:info/cap:area", NS)] == [
        "沖縄県 (JP-47)",
        "Okinawa (JP-47)",
    ]


def test_cli_export_other_formats(tmp_path, demo_files):
    corridors, zpath = demo_files
    runner = CliRunner()
    r = runner.invoke(main, ["export", "geojson", str(zpath), "--region", "JP-47", "--region", "TS-JP-47"])
    assert r.exit_code == 0, r.output
    fc = json.loads(r.stdout)
    assert {f["properties"]["region_id"] for f in fc["features"]} == {"JP-47", "TS-JP-47"}
    assert_rfc7946(fc)
    r = runner.invoke(main, ["export", "kml", str(zpath), "--corridors", str(corridors)])
    assert r.exit_code == 0 and "<kml" in r.stdout
    capdir = tmp_path / "cap"
    out = tmp_path / "feed.atom"
    args = ["export", "atom", str(zpath), "--base-url", "/alerts", "--cap-dir", str(capdir), "-o", str(out)]
    r = runner.invoke(main, args)
    assert r.exit_code == 0, r.output
    feed = etree.fromstring(out.read_bytes())
    hrefs = [e.find("a:link", A).get("href") for e in feed.findall("a:entry", A)]
    assert len(hrefs) == 6 and all(h.startswith("/alerts/") for h in hrefs)
    for h in hrefs:
        assert validate_cap((capdir / h.rsplit("/", 1)[1]).read_bytes()) == []


def test_cli_export_kml_lang(tmp_path, demo_files):
    """``export kml`` (#13): the region's language by default (ja for these zones), ``--lang en`` English."""
    corridors, zpath = demo_files
    runner = CliRunner()
    ja = runner.invoke(main, ["export", "kml", str(zpath), "--corridors", str(corridors)])
    en = runner.invoke(main, ["export", "kml", str(zpath), "--corridors", str(corridors), "--lang", "en"])
    assert ja.exit_code == 0 and en.exit_code == 0, (ja.output, en.output)
    assert "警戒区域" in ja.stdout and "（日本時間）" in ja.stdout and "Alert zones" not in ja.stdout
    assert "Alert zones" in en.stdout and " JST" in en.stdout and "日本時間" not in en.stdout
    bad = runner.invoke(main, ["export", "kml", str(zpath), "--lang", "ko"])
    assert bad.exit_code == 2 and "ko" in bad.output


def test_cli_export_atom_in_the_readers_language(tmp_path, demo_files):
    """``export atom --lang ja|en`` (issue 13): the feed's title, entries' titles and summaries in that language.

    Each entry's title holds the headline of the CAP ``<info>`` block of the feed's language (read from
    the CAP file the entry links to), its summary that language's severity; no ``--lang`` is English.
    """
    from geowarn.i18n import CAP_LANGUAGES, label

    _, zpath = demo_files
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    sent = "2016-02-02T12:00:00Z"
    feeds = {}
    for lang in ("ja", "en", None):
        capdir, out = tmp_path / f"cap-{lang}", tmp_path / f"feed-{lang}.atom"
        args = ["export", "atom", str(zpath), "--sent", sent, "--cap-dir", str(capdir), "-o", str(out)]
        r = CliRunner().invoke(main, args + (["--lang", lang] if lang else []))
        assert r.exit_code == 0, r.output
        feed = etree.fromstring(out.read_bytes())
        feeds[lang] = out.read_bytes()
        shown = lang or "en"
        assert feed.get(xml_lang) == shown
        title = feed.findtext("a:title", namespaces=A)
        assert title.startswith("geowarn 警報：" if shown == "ja" else "geowarn alerts: "), title
        entries = feed.findall("a:entry", A)
        assert len(entries) == 6
        for e in entries:
            cap_xml = parse_cap((capdir / e.find("a:link", A).get("href").rsplit("/", 1)[1]).read_bytes())
            info = cap_xml.find(f"cap:info[cap:language='{CAP_LANGUAGES[shown]}']", NS)
            headline = info.findtext("cap:headline", namespaces=NS)
            severity = label("severity", info.findtext("cap:severity", namespaces=NS), shown)
            assert headline and headline in e.findtext("a:title", namespaces=A), (lang, headline)
            assert severity in e.findtext("a:summary", namespaces=A), (lang, severity)
        summaries = " ".join(e.findtext("a:summary", namespaces=A) for e in entries)
        if shown == "ja":
            assert not re.search(r"Extreme|Severe|Moderate|Minor|Alert", summaries), summaries
        else:
            assert not re.search(r"[ぁ-んァ-ン]", summaries), summaries
    assert feeds["ja"] != feeds["en"]
    r = CliRunner().invoke(main, ["export", "atom", str(zpath), "--lang", "fr"])
    assert r.exit_code == 2 and "fr" in r.output


def test_cap_description_names_the_zone_in_its_own_language(demo):
    """The ja-JP ``<description>`` says a window in 日本時間 (it said ``JST``), the en-US one in JST (issue 13)."""
    event, zones = demo
    root = parse_cap(build_cap(event, zones, sent=SENT))
    text = {
        i.findtext("cap:language", namespaces=NS): i.findtext("cap:description", namespaces=NS)
        for i in root.findall("cap:info", NS)
    }
    # the 2016 demo's first window over Okinawa: 22:30–03:30Z is 07:30–12:30 in Japan
    assert "沖縄県 [JP-47]" in text["ja-JP"] and "2016-02-07 07:30–12:30（日本時間）" in text["ja-JP"], text
    assert "JST" not in text["ja-JP"] and "韓国時間" in text["ja-JP"], text  # Jeju (KR-49) in Korea's time
    assert "2016-02-07 07:30–12:30 JST" in text["en-US"] and "日本時間" not in text["en-US"], text


def test_cli_user_errors(tmp_path, demo_files):
    _, zpath = demo_files
    runner = CliRunner()
    r = runner.invoke(main, ["export", "cap", str(zpath), "--region", "JP-01"])
    assert r.exit_code == 1 and "JP-01" in r.output
    r = runner.invoke(main, ["export", "cap", str(zpath), "--msg-type", "Cancel"])
    assert r.exit_code == 1 and "references" in r.output
    r = runner.invoke(main, ["export", "pdf", str(zpath)])
    assert r.exit_code == 2
    r = runner.invoke(main, ["map", str(tmp_path / "missing.geojson")])
    assert r.exit_code == 1 and "no such file" in r.output


def test_cli_map(tmp_path, demo_files):
    corridors, zpath = demo_files
    out = tmp_path / "map.html"
    r = CliRunner().invoke(main, ["map", str(corridors), "--zones", str(zpath), "--name", "KMS-4", "-o", str(out)])
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert "L.map(" in page and "KMS-4" in page and len(page.encode()) < 1_500_000


def test_control_characters_never_break_xml(demo):
    event, zones = demo
    event = event.replace(name="launch\x18\x00 name\x0b")
    zones = [*zones]
    xml = build_cap(event, zones, sent=SENT)
    assert validate_cap(xml) == []
    assert "launch name" in parse_cap(xml).findtext("cap:info/cap:headline", namespaces=NS)
    etree.fromstring(build_kml(event.corridors, zones, name=event.name))
    entry = AtomEntry("urn:x:\x01", "t\x02", SENT, "/a\x03.cap")
    feed = etree.fromstring(build_atom([entry], feed_id="urn:f", title="f\x04", self_url="/f"))
    assert feed.find("a:entry/a:link", A).get("href") == "/a.cap"


def test_cli_map_computes_zones_with_the_engine(tmp_path, demo):
    pytest.importorskip("geowarn.layers")
    pytest.importorskip("geowarn.zones")
    event, _ = demo
    corridors = tmp_path / "stage1.geojson"
    corridors.write_text(dumps(feature_collection(corridors_to_collection(event.corridors[:1])["features"])))
    out = tmp_path / "map.html"
    r = CliRunner().invoke(main, ["map", str(corridors), "-o", str(out)])
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert '"region_id": "SEA-yellow-sea"' in page  # a zone from the engine, drawn
    assert "#f4f1e8" in page  # the land base map
