"""The event map page: offline assets only, escaped strings, light enough."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geowarn.errors import GeowarnError
from geowarn.model import Region, RegionKind
from geowarn.publish import assets
from geowarn.publish.maps import display_geometry, render_event_map

XSS = "<img src=x onerror=alert(1)>"


class _AssetRefs(HTMLParser):
    """Collects every URL a browser would fetch: src/href of script/link/img/iframe, CSS url()/@import."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if tag in ("script", "img", "iframe", "embed", "source", "audio", "video") and d.get("src"):
            self.refs.append(d["src"])
        if tag == "link" and d.get("href"):
            self.refs.append(d["href"])
        if d.get("style"):
            self.refs += re.findall(r"url\(\s*['\"]?([^)'\"]+)", d["style"])
        self._in = tag

    def handle_data(self, data):
        if self._in == "style":
            self.refs += re.findall(r"url\(\s*['\"]?([^)'\"]+)", data)
            self.refs += re.findall(r"@import\s+['\"]([^'\"]+)", data)


def decoded(page: str) -> str:
    """The page with JSON ``\\uXXXX`` escapes resolved (what scripts see as strings)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


def asset_refs(page: str) -> list[str]:
    p = _AssetRefs()
    p.feed(page)
    return p.refs


def test_vendored_files_match_versions_md():
    text = (assets.VENDOR_DIR / "VERSIONS.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^- `([^`]+)` ([0-9a-f]{64})$", text, re.MULTILINE))
    vendored = [p for p in assets.VENDOR_DIR.rglob("*") if p.is_file() and p.name != "VERSIONS.md"]
    files = {str(p.relative_to(assets.VENDOR_DIR)) for p in vendored}
    assert set(listed) == files
    for rel, digest in listed.items():
        assert hashlib.sha256((assets.VENDOR_DIR / rel).read_bytes()).hexdigest() == digest, rel
    for a in assets.ASSETS:
        assert a.path in listed
        assert (assets.VENDOR_DIR / a.path).parent.joinpath("LICENSE").is_file()
        assert a.package in text


def test_inline_page_fetches_nothing(demo):
    event, zones = demo
    page = render_event_map(event, zones)
    refs = asset_refs(page)
    # the only fetchable references are data: URIs (the CSS images)
    fetched = [r for r in refs if not r.startswith(("data:", "#"))]
    assert refs and not fetched, fetched
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page.replace('href="https://leafletjs.com"', ""))
    for url in re.findall(r"https?://[^\s\"'<>)]+", page):
        assert not re.search(r"\.(?:js|css|png|svg|woff2?)(?:$|\?)", url), url
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    assert page.count("<script") >= 3 and "L.map(" in page


def test_linked_page_uses_the_static_route(demo):
    event, zones = demo
    page = render_event_map(event, zones, asset_base="/static/vendor")
    refs = asset_refs(page)
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in refs
    assert "/static/vendor/leaflet.fullscreen-3.0.0/Control.FullScreen.css" in refs
    assert all(r.startswith("/static/vendor/") for r in refs)
    for a in assets.ASSETS:
        assert (assets.VENDOR_DIR / a.path).is_file()
    assert len(page) < 60_000


def test_asset_base_must_be_local(demo):
    event, zones = demo
    with pytest.raises(GeowarnError):
        render_event_map(event, zones, asset_base="https://cdn.example.org/vendor")


def test_every_string_is_escaped(xss_demo):
    event, zones = xss_demo
    event = event.replace(name="</script><script>alert(2)</script>${alert(3)}")
    page = render_event_map(event, zones)
    assert XSS not in page and XSS not in decoded(page)
    assert "<script>alert(2)" not in page and "<script>alert(2)" not in decoded(page)
    assert "&lt;img src=x onerror=alert(1)&gt;" in decoded(page)  # escaped text inside JSON strings
    assert "`" not in page.split("L.map(")[1]  # no template literals that could evaluate ${…}


def test_content_and_size(demo):
    event, zones = demo
    page = render_event_map(event, zones)
    assert len(page.encode()) < 1_500_000
    page = decoded(page)
    for z in zones:
        assert z.region_name in page
        if z.region_name_ja:
            assert z.region_name_ja in page
    assert "2016-02-07 07:30–12:30 JST" in page  # windows in local time
    assert page.count('"kind": "zone"') == sum(1 for z in zones if z.geometry is not None)
    assert page.count('"kind": "corridor"') == len(event.corridors)


def test_tile_url_is_optional(demo):
    event, zones = demo
    page = render_event_map(event, zones, tile_url="/tiles/{z}/{x}/{y}.png", tile_attribution="© <Tiles>")
    assert "/tiles/{z}/{x}/{y}.png" in page
    assert "© &lt;Tiles&gt;" in decoded(page)
    assert "<Tiles>" not in decoded(page)


# --------------------------------------------------------------------------- reference layers


@dataclass
class _Layer:
    """Shaped like ``geowarn.layers.Layer`` (interfaces.md), built from known geometry."""

    id: str
    title: str
    kind: RegionKind
    regions: list[Region]
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.geometries = np.array([r.geometry for r in self.regions], dtype=object)
        self.display = shapely.coverage_simplify(self.geometries, 0.01)


def _layers():
    land = _Layer(
        "land",
        "Land",
        RegionKind.LAND,
        [Region("land", "LAND", "Land", RegionKind.LAND, shapely.box(122.0, 24.0, 130.0, 34.0))],
        {"attribution": "Natural Earth <public domain>"},
    )
    okinawa = shapely.Point(124.2, 24.45).buffer(0.2, quad_segs=32)
    far = shapely.box(141.777, 44.7, 141.9, 45.333)  # northern Hokkaido: outside the event's view
    prefs = _Layer(
        "jp-prefectures",
        "Prefectures <JP>",
        RegionKind.ADMIN,
        [
            Region("jp-prefectures", "JP-47", "Okinawa", RegionKind.ADMIN, okinawa, name_ja="沖縄県"),
            Region("jp-prefectures", "JP-01", "Hokkaido", RegionKind.ADMIN, far, name_ja="北海道"),
        ],
    )
    ts = _Layer(
        "territorial-seas",
        "Territorial seas",
        RegionKind.TERRITORIAL_SEA,
        [Region("territorial-seas", "TS-JP-47", "Okinawa TS", RegionKind.TERRITORIAL_SEA, okinawa.buffer(0.2))],
    )
    return [land, prefs, ts]


def test_reference_layers_base_overlays_and_hits(demo):
    event, zones = demo
    page = decoded(render_event_map(event, zones, layers=_layers()))
    assert "#f4f1e8" in page  # the land fill of the offline base map
    assert "Prefectures &lt;JP&gt;" in page and "Prefectures <JP>" not in page
    assert "Natural Earth &lt;public domain&gt;" in page
    assert '"dashArray": "5 4"' in page  # JP-47 outlined as a region hit
    assert "Territorial seas: only the regions hit" in page
    # the far prefecture is left out of the page; the territorial-sea layer starts hidden
    assert "141.777" not in page and "45.333" not in page
    assert page.count('"interactive": false') >= 3
    assert len(page.encode()) < 1_500_000


def test_heavy_layers_start_hidden(demo):
    event, zones = demo
    layers = _layers()
    page = render_event_map(event, zones, layers=layers)
    # folium adds a shown FeatureGroup to the map at once; a hidden one only through the layer control
    shown = re.findall(r"(feature_group_\w+)\.addTo\(", page)
    groups = re.findall(r"var (feature_group_\w+) = L\.featureGroup", page)
    assert len(groups) == 5  # base, prefectures, territorial seas, corridors, zones
    assert len(set(shown)) == len(groups) - 1  # only the territorial-sea layer is not added at start


def test_antimeridian_event_is_drawn_around_the_pacific(geoms):
    from geowarn.model import Corridor, Event, Phase

    event = Event(id="reentry", name="re-entry", corridors=[Corridor("r1", geoms["antimeridian"], Phase.REENTRY)])
    page = render_event_map(event, [])
    bounds = json.loads(re.findall(r"fitBounds\((\[\[.*?\]\])", page)[-1])  # ours is the last one
    (_south, west), (_north, east) = bounds
    assert 0 < east - west < 30  # a tight view across 180°, not the whole world
    assert 180 < east < 200
    assert "190.0" in page or "190" in page


def test_empty_event_still_renders():
    from geowarn.model import Event

    page = render_event_map(Event(id="e", name="nothing yet"), [])
    assert "L.map(" in page and "gw-timeline" not in page.split("</style>")[-1]


def _star(lon: float, lat: float, n: int = 400) -> shapely.Polygon:
    """A jagged polygon that display simplification cannot thin out (spikes of 0.25°)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.where(np.arange(n) % 2 == 0, 0.2, 0.45)
    return shapely.Polygon(np.column_stack([lon + r * np.cos(t), lat + r * np.sin(t)]))


def test_a_heavy_layer_carries_only_the_regions_hit(demo, monkeypatch):
    from geowarn.publish import maps

    monkeypatch.setattr(maps, "HEAVY_VERTICES", 5_000)
    event, zones = demo
    dense = [
        Region("dense", f"D-{i}", f"dense {i}", RegionKind.ADMIN, _star(118 + i % 20, 18 + i // 20)) for i in range(40)
    ]
    dense.append(Region("dense", "JP-47", "Okinawa", RegionKind.ADMIN, _star(124.2, 24.45)))
    layer = _Layer("dense", "Dense", RegionKind.ADMIN, dense)
    layer.display = layer.geometries
    page = decoded(render_event_map(event, zones, layers=[layer]))
    assert "Dense: only the regions hit" in page
    assert len(page.encode()) < 1_500_000
    assert page.count('"interactive": false') == 1  # the layer, with its region hit only
    assert page.count('"dashArray": "5 4"') == 1


def test_page_budget_limits_reference_layers(demo, monkeypatch):
    from geowarn.publish import maps

    event, zones = demo
    monkeypatch.setattr(maps, "LAYER_BUDGET_BYTES", 10)
    page = decoded(render_event_map(event, zones, layers=_layers()[1:2]))
    assert "Prefectures &lt;JP&gt;: only the regions hit" in page
    monkeypatch.setattr(maps, "LAYER_BUDGET_BYTES", 700_000)
    page = decoded(render_event_map(event, zones, layers=_layers()[1:2]))
    assert "only the regions hit" not in page


@settings(max_examples=40, deadline=None)
@given(
    parts=st.lists(
        st.tuples(st.floats(120, 150), st.floats(10, 40), st.floats(0.05, 2), st.floats(0.05, 2), st.booleans()),
        min_size=1,
        max_size=4,
    )
)
def test_display_geometry_takes_any_valid_multipolygon(parts: list[tuple[float, float, float, float, bool]]) -> None:
    """Issue 14 #1: a MultiPolygon whose parts all have the same ring count crashed the rounding."""
    polys = []
    for x, y, w, h, hole in parts:
        outer = shapely.box(x, y, x + w, y + h)
        polys.append(outer.difference(shapely.box(x + w / 4, y + h / 4, x + w / 2, y + h / 2)) if hole else outer)
    geom = shapely.union_all(polys)
    out = display_geometry(geom, 4, 0.0)
    assert out is not None and out["type"] == geom.geom_type
    back = shapely.geometry.shape(out)
    assert abs(back.area - geom.area) <= 1e-3 * max(geom.area, 1e-6) + 1e-3
    assert all(round(c, 4) == c for c in np.asarray(shapely.get_coordinates(back)).ravel())


def test_zones_of_the_okinawa_square_render_a_map() -> None:
    """Issue 14 #1: the debris square over Okinawa gave zones whose map raised (and refused the submit)."""
    from geowarn.layers import load_layers
    from geowarn.model import Corridor, Event, Phase
    from geowarn.zones import compute_zones

    corridor = Corridor(id="sq", geometry=shapely.box(127.4, 25.9, 127.8, 26.3), phase=Phase.DEBRIS)
    zones = compute_zones([corridor], load_layers(), event_id="sq")
    assert any(z.region_id == "JP-47" for z in zones)
    html = render_event_map(Event(id="sq", name="square", corridors=[corridor]), zones)
    assert "JP-47" in html or "Okinawa" in html


def test_proximity_notes_of_the_legend_speak_each_language_wholly(demo):
    """A "within N km" note says the region and the severity in the span's own language (issue 13)."""
    import dataclasses

    from geowarn.model import Severity
    from geowarn.publish.maps import _proximity_notes

    _event, zones = demo
    z = dataclasses.replace(
        zones[0],
        geometry=None,
        distance_km=3.0,
        severity=Severity.MODERATE,
        region_name="Okinawa",
        region_name_ja="沖縄県",
    )
    (note,) = _proximity_notes([z])
    spans = dict(re.findall(r'<span class="gw-t" lang="(\w+)">(.*?)</span>', note))
    assert spans["ja"] == "3 km以内（重なりなし）：沖縄県 — 中程度", spans
    assert spans["en"] == "Within 3 km (no overlap): Okinawa — Moderate", spans


def test_timeline_rows_and_popup_windows_speak_each_language_wholly(demo):
    """A timeline row and a popup's window name the zone in the span's own language (issue 13).

    The 2016 demo's first window is 2016-02-06T22:30Z–2016-02-07T03:30Z, 07:30–12:30 in Japan.
    """
    from geowarn.publish.maps import _timeline_data, corridor_popup

    event, _zones = demo
    data = _timeline_data(event.corridors, "Asia/Tokyo")
    assert data is not None and data["rows"]
    for row in data["rows"]:
        spans = dict(re.findall(r'<span class="gw-t" lang="(\w+)">(.*?)</span>', row["label"]))
        assert set(spans) == {"en", "ja"}, row
        assert spans["en"].endswith(" JST") and "日本時間" not in spans["en"], spans
        assert spans["ja"].endswith("（日本時間）") and "JST" not in spans["ja"], spans
        assert spans["ja"].removesuffix("（日本時間）") == spans["en"].removesuffix(" JST"), spans  # same times
    first = dict(re.findall(r'<span class="gw-t" lang="(\w+)">(.*?)</span>', data["rows"][0]["label"]))
    assert first == {"en": "2016-02-07 07:30–12:30 JST", "ja": "2016-02-07 07:30–12:30（日本時間）"}
    popup = corridor_popup(event.corridors[0], "Asia/Tokyo")
    ja = "".join(re.findall(r'<span class="gw-t" lang="ja">(.*?)</span>', popup))
    assert "（日本時間）" in ja and "JST" not in ja, ja
