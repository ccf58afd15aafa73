"""End to end in Debian's Chromium (Playwright): an operator publishes the NAVAREA XI 2016 notice.

Every request to a host other than loopback is aborted and fails the test, as do page errors and
console errors.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from tests.browser import ARGS, CHROMIUM, guarded_page
from tests.webapp.live import LiveServer, start_server

SHAPES = ".leaflet-overlay-pane path.leaflet-interactive"

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path)
    yield server
    server.stop()


def test_operator_publishes_navarea_notice_and_public_sees_it(
    live: LiveServer, navarea_text: str, tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed")

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page, problems, foreign = guarded_page(browser, accept_downloads=True)

            page.goto(live.url + "/")
            assert "Dashboard" in page.title()
            page.click("text=Operator")
            page.fill("input[name=token]", live.token)
            page.click("#login button[type=submit]")
            page.fill("#notice", navarea_text)
            page.fill("input[name=name]", "Kwangmyongsong-4 (browser test)")
            page.click("#preview-button")
            page.wait_for_selector("#preview-corridors tbody tr")  # the preview is a new page: wait for it
            assert page.locator("#preview-corridors tbody tr").count() == 3
            page.frame_locator("#preview-map").locator(SHAPES).first.wait_for(timeout=60_000)
            page.click("#publish-button")
            page.wait_for_url("**/events/kwangmyongsong-4-browser-test")
            assert "Kwangmyongsong-4 (browser test)" in page.locator("h1").inner_text()
            zone_rows = page.locator("#zones tbody tr").count()

            frame = page.frame_locator("#event-map")
            frame.locator(SHAPES).first.wait_for(timeout=60_000)
            shapes = frame.locator(SHAPES).count()
            assert shapes >= 3, shapes  # three NAVAREA areas, plus the zones

            with page.expect_download() as dl_info:
                page.click("#dl-geojson")
            geojson = json.loads(Path(dl_info.value.path()).read_text(encoding="utf-8"))
            assert geojson["type"] == "FeatureCollection"
            kinds = [f["properties"]["feature_type"] for f in geojson["features"]]
            assert kinds.count("corridor") == 3 and kinds.count("alert-zone") == zone_rows

            with page.expect_download() as dl_info:
                page.click("#dl-cap")
            cap = etree.fromstring(Path(dl_info.value.path()).read_bytes())
            assert cap.tag == "{urn:oasis:names:tc:emergency:cap:1.2}alert"

            page.goto(live.url + "/regions/JP-47?lang=en")  # a JP region is Japanese by default
            verdict = page.locator("#verdict").inner_text()
            listed = page.locator("#current tbody tr").count() + page.locator("#history tbody tr").count()
            expected = 0
            for rid in ("JP-47", "TS-JP-47", "EEZ-JP-47"):
                api = page.request.get(f"{live.url}/collections/alert-zones/items?region_id={rid}&limit=1000").json()
                expected += api["numberMatched"]
            assert listed == expected
            # the 2016 windows are long past: Okinawa is listed as not affected now
            assert verdict.startswith("Not affected now"), verdict

            page.goto(live.url + "/")
            # its windows are long past: the event is listed as ended, not active (issue 13), and the
            # overview map of the current events draws no shape of it
            recent = page.locator("#recent-events tr", has_text="browser test")
            assert recent.count() == 1 and "Ended" in recent.inner_text()
            assert page.locator("#active-events").count() == 0
            overview = page.frame_locator("#overview-map")
            overview.locator("[data-geowarn-ready='1']").wait_for(timeout=60_000)
            assert overview.locator(SHAPES).count() == 0
        finally:
            browser.close()
    assert not foreign, foreign
    assert not problems, problems
