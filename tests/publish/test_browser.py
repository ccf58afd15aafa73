"""The demo map in a real Chromium (Playwright), with every non-loopback request aborted."""

from __future__ import annotations

import functools
import json
import shutil
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from geowarn.cli import main
from geowarn.model import corridors_to_collection
from geowarn.publish import assets
from geowarn.publish.geojson import dumps, feature_collection
from tests.browser import launched_chromium

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PATHS = ".leaflet-overlay-pane path.leaflet-interactive"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory, xss_demo):
    """A loopback HTTP server over a directory holding the map made by ``geowarn map``."""
    event, zones = xss_demo
    tmp_path = tmp_path_factory.mktemp("site")
    corridors = tmp_path / "corridors.geojson"
    corridors.write_text(dumps(feature_collection(corridors_to_collection(event.corridors)["features"])))
    zpath = tmp_path / "zones.geojson"
    zpath.write_text(dumps(feature_collection(z.to_feature() for z in zones)))
    root = tmp_path / "site"
    root.mkdir()
    runner = CliRunner()
    base = ["map", str(corridors), "--zones", str(zpath), "--name", event.name]
    r = runner.invoke(main, [*base, "-o", str(root / "map.html")])
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, [*base, "--asset-base", "vendor", "-o", str(root / "linked.html")])
    assert r.exit_code == 0, r.output
    shutil.copytree(assets.VENDOR_DIR, root / "vendor")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root, event, zones
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as b:
        yield b


def open_page(browser, url_base, path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    log = {"errors": [], "dialogs": [], "blocked": [], "requests": []}
    page.on("console", lambda m: m.type == "error" and log["errors"].append(m.text))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))

    def on_dialog(d):
        log["dialogs"].append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)

    def route(r):
        url = r.request.url
        log["requests"].append(url)
        if url.startswith(url_base + "/") or url.startswith("data:"):
            r.continue_()
        else:
            log["blocked"].append(url)
            r.abort()

    page.route("**/*", route)
    return page, log


def check_map(browser, url_base, root, name, event, zones, *, windows=8):
    """Everything a user relies on, checked in the page; returns the timing report."""
    page, log = open_page(browser, url_base, name)
    expected = len(event.corridors) + sum(1 for z in zones if z.geometry is not None)
    t0 = time.perf_counter()
    page.goto(f"{url_base}/{name}")
    page.wait_for_function(f"document.querySelectorAll('{PATHS}').length >= {expected}")
    wall_ms = (time.perf_counter() - t0) * 1000
    page.wait_for_function("window.geowarnTimings && window.geowarnTimings.drawn")
    timings = page.evaluate("window.geowarnTimings")
    assert page.evaluate("typeof L === 'object' && L.version") == "1.9.4"
    assert page.locator(PATHS).count() == expected
    assert page.locator(".leaflet-control-zoom-fullscreen.fullscreen-icon").count() == 1
    assert page.locator(".leaflet-control-scale-line").inner_text().endswith(("km", " m"))
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".gw-tl-row").count() == windows
    assert "2016-02-07 07:30–12:30 JST" in page.locator(".gw-timeline").inner_text()
    assert "Severe" in page.locator(".gw-legend").inner_text()

    # click inside the Okinawa zone (after zooming to it, as a user would) → popup with its names
    okinawa = next(z for z in zones if z.region_id == "JP-47")
    part = max(getattr(okinawa.geometry, "geoms", [okinawa.geometry]), key=lambda g: g.area)
    inside = part.point_on_surface()
    point = page.evaluate(
        """([lat, lon]) => {
          const map = Object.values(window).find(v => v instanceof L.Map);
          let target = null;
          map.eachLayer(l => { if (l.feature && l.feature.properties.region_id === 'JP-47') target = l; });
          map.setView([lat, lon], 11, {animate: false});
          const pt = map.latLngToContainerPoint(L.latLng(lat, lon));
          const box = map.getContainer().getBoundingClientRect();
          return [box.left + pt.x, box.top + pt.y];
        }""",
        [inside.y, inside.x],
    )
    page.mouse.click(point[0], point[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Okinawa" in text and "沖縄県" in text and "JP-47" in text
    assert str(okinawa.severity) in text and "JST" in text and "km²" in text

    # the XSS label shows as text, in the popup and the tooltip, and nothing runs
    page.evaluate(
        """() => {
          const map = Object.values(window).find(v => v instanceof L.Map);
          map.eachLayer(l => { if (l.closePopup) l.closePopup(); });
        }"""
    )
    page.wait_for_timeout(400)  # Leaflet fades a closed popup out for 200 ms before removing it
    page.evaluate(
        """() => {
          const map = Object.values(window).find(v => v instanceof L.Map);
          map.eachLayer(l => {
            if (l.feature && l.feature.properties.id === 'kms4-a') { l.openPopup(); l.openTooltip(); }
          });
        }"""
    )
    assert page.locator(".leaflet-popup-content").count() == 1
    assert page.locator(".leaflet-popup-content b").inner_text() == XSS
    # the phase as the catalogue says it (geowarn.i18n "phase.stage1"), the reader's language shown
    assert page.locator(".leaflet-tooltip", has_text=XSS).inner_text() == f"{XSS} (stage 1)"
    assert page.locator(".leaflet-popup-content img, .leaflet-tooltip img").count() == 0
    page.wait_for_timeout(200)

    # timeline: choosing a window marks it
    page.locator(".gw-tl-row").first.click()
    assert page.locator(".gw-tl-row.gw-tl-on").count() == 1

    page.goto(f"{url_base}/{name}")
    page.wait_for_function(f"document.querySelectorAll('{PATHS}').length >= {expected}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"publish-{name.removesuffix('.html')}.png"))
    assert log["dialogs"] == []
    assert log["errors"] == []
    assert log["blocked"] == []
    assert all(u.startswith(url_base) or u.startswith("data:") for u in log["requests"])
    size = len((root / name).read_bytes())
    assert size < 1_500_000
    return {
        "map_bytes": size,
        "leaflet_to_drawn_ms": round(timings["drawn"] - timings["leaflet"], 1),
        "leaflet_to_layers_added_ms": round(timings["layersAdded"] - timings["leaflet"], 1),
        "navigation_to_paths_ms": round(wall_ms, 1),
        "paths": expected,
    }


def test_demo_map_in_chromium(browser, site):
    url_base, root, event, zones = site
    report = check_map(browser, url_base, root, "map.html", event, zones)
    print("fixture map", report)


def test_real_demo_map_with_layers_in_chromium(browser, site, real_demo, tmp_path):
    """The demo event through the real engine and layers: base map, layers, zones — still offline."""
    url_base, root, _, _ = site
    event, zones = real_demo
    corridors = tmp_path / "real-corridors.geojson"
    corridors.write_text(dumps(feature_collection(corridors_to_collection(event.corridors)["features"])))
    zpath = tmp_path / "real-zones.geojson"
    zpath.write_text(dumps(feature_collection(z.to_feature() for z in zones)))
    args = ["map", str(corridors), "--zones", str(zpath), "--name", event.name, "-o", str(root / "demo.html")]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    page = (root / "demo.html").read_text(encoding="utf-8")
    assert "#f4f1e8" in page  # the offline land base map is there
    report = check_map(browser, url_base, root, "demo.html", event, zones)
    (ARTIFACTS / "publish-demo-map.json").write_text(json.dumps(report, indent=2))
    print("demo map", report)


def test_linked_assets_page_in_chromium(browser, site):
    url_base, _root, event, zones = site
    page, log = open_page(browser, url_base, "linked.html")
    page.goto(f"{url_base}/linked.html")
    expected = len(event.corridors) + sum(1 for z in zones if z.geometry is not None)
    page.wait_for_function(f"document.querySelectorAll('{PATHS}').length >= {expected}")
    fetched = {u.removeprefix(url_base) for u in log["requests"]}
    assert "/vendor/leaflet-1.9.4/leaflet.js" in fetched
    assert "/vendor/leaflet.fullscreen-3.0.0/Control.FullScreen.js" in fetched
    assert log["errors"] == [] and log["blocked"] == [] and log["dialogs"] == []
