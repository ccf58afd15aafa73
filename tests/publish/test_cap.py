"""CAP 1.2: the OASIS XSD (from capvalidator), lat,lon polygons that give the zone back, JIS codes, times."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import shapely
from lxml import etree

from geowarn.errors import InvalidParameter
from geowarn.geodesy import local_aeqd
from geowarn.publish.cap import NS, build_cap, build_cap_per_region, parse_cap, parse_polygon, validate_cap

SENT = datetime(2016, 2, 2, 12, 0, tzinfo=UTC)


def hausdorff_km(a, b) -> float:
    """Hausdorff distance in km, in an azimuthal-equidistant projection centred on ``a``."""
    c = a.centroid
    fwd, _ = local_aeqd(c.y, c.x)
    return float(shapely.hausdorff_distance(shapely.transform(a, fwd), shapely.transform(b, fwd))) / 1000.0


def polygons_of(root, region_id=None):
    out = []
    for area in root.iterfind("cap:info[cap:language='en-US']/cap:area", NS):
        codes = [g.findtext("cap:value", namespaces=NS) for g in area.iterfind("cap:geocode", NS)]
        if region_id is None or region_id in codes:
            out += [parse_polygon(p.text) for p in area.iterfind("cap:polygon", NS)]
    return out


def zone(zones, region_id):
    return next(z for z in zones if z.region_id == region_id)


def test_okinawa_overflight_validates_and_round_trips(demo):
    event, zones = demo
    xml = build_cap(event, zones, region_ids=["JP-47"], sent=SENT, sender="geowarn@example.org")
    assert validate_cap(xml) == []
    root = parse_cap(xml)
    polys = polygons_of(root)
    okinawa = zone(zones, "JP-47").geometry
    assert len(polys) == len(okinawa.geoms)  # one <polygon> per part
    back = shapely.union_all(polys)
    assert hausdorff_km(okinawa, back) < 1.0
    # the same pairs read as lon,lat would be far off (or out of range): the order matters
    swapped = [shapely.Polygon(np.asarray(p.exterior.coords)[:, ::-1]) for p in polys]
    assert all(p.bounds[1] > 90 for p in swapped) and not any(p.intersects(okinawa) for p in swapped)
    for p in root.iterfind(".//cap:polygon", NS):
        pairs = p.text.split()
        assert len(pairs) >= 4 and pairs[0] == pairs[-1]
        lat, lon = (float(v) for v in pairs[0].split(","))
        assert 20 < lat < 30 and 120 < lon < 130


def test_independent_xsd_check(demo):
    validate = pytest.importorskip("capvalidator.validate")
    event, zones = demo
    xml = build_cap(event, zones, sent=SENT)
    ok, message = validate.Validator(xml).schema()
    assert ok, message
    broken = xml.replace(b"<status>Actual</status>", b"<status>Real</status>")
    assert not validate.Validator(broken).schema()[0]
    assert any("XSD" in p for p in validate_cap(broken))


def test_structure_languages_times_geocodes(demo):
    event, zones = demo
    root = parse_cap(build_cap(event, zones, sent=SENT))
    assert [i.findtext("cap:language", namespaces=NS) for i in root.iterfind("cap:info", NS)] == ["ja-JP", "en-US"]
    assert root.findtext("cap:sent", namespaces=NS) == "2016-02-02T21:00:00+09:00"
    for tag in ("sent", "onset", "expires"):
        for el in root.iterfind(f".//cap:{tag}", NS):
            assert el.text.endswith("+09:00"), (tag, el.text)
    en = root.find("cap:info[cap:language='en-US']", NS)
    assert en.findtext("cap:onset", namespaces=NS) == "2016-02-07T07:30:00+09:00"
    assert en.findtext("cap:expires", namespaces=NS) == "2016-02-14T12:30:00+09:00"
    assert en.findtext("cap:severity", namespaces=NS) == "Severe"  # the most severe zone
    assert {e.text for e in en.iterfind("cap:responseType", NS)} == {"Shelter", "Avoid", "Monitor"}
    ja = root.find("cap:info[cap:language='ja-JP']", NS)
    assert "沖縄県" in ja.findtext("cap:headline", namespaces=NS)
    okinawa = next(a for a in en.iterfind("cap:area", NS) if "(JP-47)" in a.findtext("cap:areaDesc", namespaces=NS))
    geocodes = {
        g.findtext("cap:valueName", namespaces=NS): g.findtext("cap:value", namespaces=NS)
        for g in okinawa.iterfind("cap:geocode", NS)
    }
    assert geocodes["JIS X 0401"] == "47" and geocodes["ISO 3166-2"] == "JP-47"
    # a proximity zone (no geometry) is an area with a geocode and no polygon
    jeju = next(a for a in en.iterfind("cap:area", NS) if "KR-49" in a.findtext("cap:areaDesc", namespaces=NS))
    assert jeju.find("cap:polygon", NS) is None
    assert "JIS X 0401" not in {g.findtext("cap:valueName", namespaces=NS) for g in jeju.iterfind("cap:geocode", NS)}


def test_holes_are_dropped_and_noted(demo):
    event, zones = demo
    ts = zone(zones, "TS-JP-47")
    assert sum(len(p.interiors) for p in getattr(ts.geometry, "geoms", [ts.geometry])) > 0
    xml = build_cap(event, zones, region_ids=["TS-JP-47"], sent=SENT)
    assert validate_cap(xml) == []
    root = parse_cap(xml)
    polys = polygons_of(root)
    assert all(not p.interiors for p in polys)
    shells = shapely.union_all([shapely.Polygon(p.exterior) for p in getattr(ts.geometry, "geoms", [ts.geometry])])
    assert hausdorff_km(shells, shapely.union_all(polys)) < 1.0
    en = root.find("cap:info[cap:language='en-US']", NS)
    assert "Holes" in en.findtext("cap:description", namespaces=NS)
    params = {
        p.findtext("cap:valueName", namespaces=NS): p.findtext("cap:value", namespaces=NS)
        for p in en.iterfind("cap:parameter", NS)
    }
    assert int(params["geowarn:holes_dropped"]) >= 1


def test_update_and_cancel_reference_earlier_messages(demo):
    event, zones = demo
    first = parse_cap(build_cap(event, zones, sent=SENT, sender="ops@example.org"))
    ref = ",".join(first.findtext(f"cap:{t}", namespaces=NS) for t in ("sender", "identifier", "sent"))
    later = datetime(2016, 2, 3, 0, 0, tzinfo=UTC)
    for msg_type in ("Update", "Cancel"):
        xml = build_cap(
            event, zones, msg_type=msg_type, references=[ref, ("a@b", "x-1", "2016-02-01T09:00:00+09:00")], sent=later
        )
        assert validate_cap(xml) == []
        root = parse_cap(xml)
        assert root.findtext("cap:msgType", namespaces=NS) == msg_type
        assert root.findtext("cap:references", namespaces=NS) == f"{ref} a@b,x-1,2016-02-01T09:00:00+09:00"
        assert root.findtext("cap:identifier", namespaces=NS) != first.findtext("cap:identifier", namespaces=NS)
    cancel = parse_cap(xml)
    assert cancel.findtext("cap:info/cap:responseType", namespaces=NS) == "AllClear"
    with pytest.raises(InvalidParameter):
        build_cap(event, zones, msg_type="Update", sent=later)
    with pytest.raises(InvalidParameter):
        build_cap(event, zones, msg_type="Cancel", references=["ops@example.org,x,2016-02-02T12:00:00Z"])


def test_status_and_sender_from_environment(demo, monkeypatch):
    event, zones = demo
    monkeypatch.setenv("GEOWARN_CAP_STATUS", "Exercise")
    monkeypatch.setenv("GEOWARN_CAP_SENDER", "alerts@city.example.jp")
    root = parse_cap(build_cap(event, zones, sent=SENT))
    assert root.findtext("cap:status", namespaces=NS) == "Exercise"
    assert root.findtext("cap:sender", namespaces=NS) == "alerts@city.example.jp"
    assert parse_cap(build_cap(event, zones, sent=SENT, status="Test")).findtext("cap:status", namespaces=NS) == "Test"
    monkeypatch.setenv("GEOWARN_CAP_STATUS", "Real")
    with pytest.raises(InvalidParameter, match="GEOWARN_CAP_STATUS"):
        build_cap(event, zones, sent=SENT)
    monkeypatch.setenv("GEOWARN_CAP_STATUS", "Actual")
    monkeypatch.setenv("GEOWARN_CAP_SENDER", "two words")
    with pytest.raises(InvalidParameter, match="GEOWARN_CAP_SENDER"):
        build_cap(event, zones, sent=SENT)


def test_one_message_per_region(demo):
    event, zones = demo
    messages = build_cap_per_region(event, zones, sent=SENT)
    assert set(messages) == {z.region_id for z in zones}
    for rid, xml in messages.items():
        assert validate_cap(xml) == [], rid
        areas = parse_cap(xml).findall("cap:info[cap:language='en-US']/cap:area", NS)
        assert len(areas) == 1 and rid in areas[0].findtext("cap:areaDesc", namespaces=NS)
    with pytest.raises(InvalidParameter):
        build_cap(event, zones, region_ids=["JP-01"])


def _with_polygon(xml: bytes, text: str) -> bytes:
    root = parse_cap(xml)
    root.find(".//cap:polygon", NS).text = text
    return etree.tostring(root)


@pytest.mark.parametrize(
    ("ring", "expected"),
    [
        ("124.1,24.3 124.3,24.3 124.3,24.6 124.1,24.3", "latitude"),  # lon,lat order
        ("24.3,124.1 24.3,124.3 24.6,124.3 24.6,124.1", "not closed"),
        ("24.3,124.1 24.3,124.3 24.3,124.1", "at least 4"),
        ("24,124 25,125 24,125 25,124 24,124", "invalid ring"),  # bow-tie
        ("24,124 24,125 24,124.5 24,124", "invalid ring"),  # no area
        ("24;124 24,125 25,125 24;124", "not a lat,lon pair"),
    ],
)
def test_geometry_checks_beyond_the_xsd(demo, ring, expected):
    event, zones = demo
    xml = build_cap(event, zones, region_ids=["JP-47"], sent=SENT)
    problems = validate_cap(_with_polygon(xml, ring))
    assert any(expected in p for p in problems), problems


def test_validate_reports_z_times_and_missing_references(demo):
    event, zones = demo
    xml = build_cap(event, zones, sent=SENT)
    assert any("XSD" in p for p in validate_cap(xml.replace(b"+09:00</sent>", b"Z</sent>")))
    assert any("references" in p for p in validate_cap(xml.replace(b"<msgType>Alert", b"<msgType>Update")))
    assert validate_cap(b"<alert") != []


def test_antimeridian_zone_gives_one_polygon_per_side(demo, geoms):
    import dataclasses

    event, zones = demo
    z = dataclasses.replace(zones[0], geometry=geoms["antimeridian"], region_id="SEA-north-pacific-ocean")
    xml = build_cap(event, [z], sent=SENT)
    assert validate_cap(xml) == []
    polys = polygons_of(parse_cap(xml))
    assert len(polys) == 2
    assert {round(p.bounds[0]) for p in polys} == {175, -180}


def test_event_without_zones_is_still_valid(demo):
    event, _ = demo
    xml = build_cap(event, [], sent=SENT)
    assert validate_cap(xml) == []
    assert parse_cap(xml).find(".//cap:area", NS) is None


def test_cli_cap_for_the_engines_okinawa_overflight_zone(real_demo, tmp_path):
    """Done-when: `geowarn export cap` for the Okinawa zone (real engine + layers) validates and gives the zone back."""
    from click.testing import CliRunner

    from geowarn.cli import main
    from geowarn.publish.geojson import dumps, feature_collection

    _, zones = real_demo
    okinawa = [z for z in zones if z.region_id == "JP-47" and z.geometry is not None]
    assert okinawa, "the 2016 overflight corridor crosses Okinawa (the Sakishima Islands)"
    zpath = tmp_path / "zones.geojson"
    zpath.write_text(dumps(feature_collection(z.to_feature() for z in zones)))
    out = tmp_path / "okinawa.xml"
    r = CliRunner().invoke(main, ["export", "cap", str(zpath), "--region", "JP-47", "-o", str(out)])
    assert r.exit_code == 0, r.output
    xml = out.read_bytes()
    assert validate_cap(xml) == []
    root = parse_cap(xml)
    geocode = root.find("cap:info/cap:area/cap:geocode[cap:valueName='JIS X 0401']", NS)
    assert geocode.findtext("cap:value", namespaces=NS) == "47"
    assert root.findtext("cap:sent", namespaces=NS).endswith("+09:00")
    expected = shapely.union_all([z.geometry for z in okinawa])
    shells = shapely.union_all([shapely.Polygon(p.exterior) for p in getattr(expected, "geoms", [expected])])
    back = shapely.union_all(polygons_of(root))
    assert hausdorff_km(shells, back) < 1.0


def test_every_info_language_has_its_own_complete_catalogue_text():
    """Each ``<info>`` language is a CATALOGUE language, and every ``cap.*`` text exists in each of them (#13)."""
    from geowarn.i18n import CAP_LANGUAGES, CATALOGUE
    from geowarn.publish.cap import LANGUAGES

    assert sorted(LANGUAGES) == sorted(CAP_LANGUAGES.values())
    cap_ids = [k for k in CATALOGUE if k.startswith("cap.")]
    assert len(cap_ids) > 20
    for msgid in cap_ids:
        assert set(CATALOGUE[msgid]) == set(CAP_LANGUAGES), msgid
        assert all(CATALOGUE[msgid][lang] for lang in CAP_LANGUAGES), msgid


@pytest.mark.parametrize("msg_type", ["Alert", "Cancel"])
def test_ja_info_is_japanese_throughout_and_en_info_english(demo, msg_type):
    """No English phrase of the en-US block leaks into the ja-JP block (headline, description, instruction)."""
    from geowarn.i18n import CATALOGUE

    event, zones = demo
    refs = ["a@example.org,old-1,2016-02-02T21:00:00+09:00"] if msg_type == "Cancel" else ()
    root = parse_cap(build_cap(event, zones, sent=SENT, msg_type=msg_type, references=refs))
    ja = root.find("cap:info[cap:language='ja-JP']", NS)
    en = root.find("cap:info[cap:language='en-US']", NS)
    tags = ("event", "headline", "description", "instruction")
    ja_text = " ".join(ja.findtext(f"cap:{t}", namespaces=NS) for t in tags)
    en_text = " ".join(en.findtext(f"cap:{t}", namespaces=NS) for t in tags)
    for word in ("Window", "area", "falling", "Cancelled", "Stay", "Do not touch", "JST", "Severe", "Extreme"):
        assert word not in ja_text, word
    assert "期間" in ja_text or msg_type == "Cancel"
    assert "日本時間" in ja_text and "JST" in en_text
    assert not any("\u3040" <= ch <= "\u30ff" for ch in en_text.replace(event.name, ""))  # no kana in en-US
    severities = [CATALOGUE[f"severity.{z.severity}"]["ja"] for z in zones]
    assert any(s in ja.findtext("cap:description", namespaces=NS) for s in severities)
