"""In Debian's Chromium, at 390×844 and 1366×900: open pages change without reload when an event is written.

The server is gunicorn (``deploy/gunicorn.conf.py``, one worker, SQLite); the events are published,
updated and cancelled through the JSON API with a token, as an operator's tool would. Three tabs stay
open: the Okinawa region page and the dashboard turn to the new warning; the page of another event
shows its update (a new name), then turns grey with its "Cancelled at" banner when that event is
cancelled. After each change the page still fits the screen (no horizontal scroll, the verdict or
banner in the first screen). Page errors, console errors (a reloaded map's blocked script too) and
requests to any host but loopback fail the test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from geowarn.model import format_time
from geowarn.store import open_store
from tests.browser import ARGS, CHROMIUM, guarded_page
from tests.webapp.helpers import corridor_fc
from tests.webapp.live import Gunicorn, api, start_gunicorn
from tests.webapp.test_region_verdict import SIZES

MIYAKO = (125.1, 24.6, 125.5, 24.9)
#: Far from Okinawa (the open Pacific): its event is not the region page's business.
FAR = (160.0, 10.0, 160.4, 10.3)

#: Where an element's box is, and whether the page scrolls sideways.
BOX = """sel => { const r = document.querySelector(sel).getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
          scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth, height: window.innerHeight}; }"""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Gunicorn, str]]:
    store = open_store(data_dir=tmp_path)
    _id, token = store.create_token("browser")
    store.close()
    server = start_gunicorn(tmp_path, workers=1)
    yield server, token
    server.stop()


def _in_first_screen(page: Any, sel: str, where: str) -> None:
    box = page.evaluate(BOX, sel)
    assert box["scrollWidth"] <= box["width"], (where, box)  # no horizontal scroll
    assert box["top"] >= 0 and box["bottom"] <= box["height"] and box["right"] <= box["width"], (where, box)


def _window(hours_from: float, hours_to: float) -> tuple[str, str]:
    now = datetime.now(UTC)
    return format_time(now + timedelta(hours=hours_from)), format_time(now + timedelta(hours=hours_to))


@pytest.mark.parametrize("size", list(SIZES))
def test_open_region_dashboard_and_event_pages_follow_a_publish_an_update_and_a_cancel(
    served: tuple[Gunicorn, str], size: str
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed")
    server, token = served
    w, h = SIZES[size]
    start, end = _window(3, 6)
    far = {"geojson": corridor_fc({"a": FAR}, start, end), "id": "far-away", "name": "Far away"}
    status, result = api(server.url, token, "POST", "/api/events", far)
    assert status == 201, result

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            region, problems, foreign = guarded_page(browser, viewport={"width": w, "height": h}, locale="ja-JP")
            dashboard = region.context.new_page()
            event = region.context.new_page()
            for p in (dashboard, event):
                p.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
                p.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
            region.goto(server.url + "/regions/JP-47")
            dashboard.goto(server.url + "/?lang=en")
            event.goto(server.url + "/events/far-away?lang=en")
            verdict = region.locator("#verdict")
            assert "state-not_affected" in (verdict.get_attribute("class") or "")
            before = region.locator("#verdict-headline").inner_text()
            assert dashboard.locator("#active-events a[href='/events/far-away']").count() == 1
            assert dashboard.locator("#active-events a[href='/events/miyako-live']").count() == 0
            assert event.locator("#event-banner.banner-cancelled").count() == 0
            for p in (region, dashboard, event):
                p.wait_for_selector("html[data-live=on]", timeout=30_000)  # each tab's stream said ready
                p.evaluate("window.__notReloaded = true")

            start, end = _window(2, 5)
            body = {"geojson": corridor_fc({"a": MIYAKO}, start, end), "id": "miyako-live", "name": "Miyako live"}
            status, result = api(server.url, token, "POST", "/api/events", body)
            assert status == 201, result

            region.wait_for_selector("#verdict.state-warning", timeout=30_000)
            after = region.locator("#verdict-headline").inner_text()
            assert after != before and "警報" in after  # "Warning from HH:MM" in Japanese
            assert region.locator("#current tbody tr a[href='/events/miyako-live']").count() >= 1
            assert region.locator("#live-status").inner_text() == "最新の情報に更新しました"
            assert region.get_attribute("html", "data-live-seq") == str(page_seq(server))
            _in_first_screen(region, "#verdict", f"region {size}")
            dashboard.wait_for_selector("#active-events a[href='/events/miyako-live']", timeout=30_000)
            assert dashboard.locator("#live-status").inner_text() == "Page updated with the latest changes"
            _in_first_screen(dashboard, "#active-heading", f"dashboard {size}")

            # an update (a new version, renamed) shows on the open event page
            status, result = api(server.url, token, "PATCH", "/api/events/far-away", {"name": "Far away, moved"})
            assert status == 200, result
            event.locator("h1", has_text="Far away, moved").wait_for(timeout=30_000)
            assert (
                event.title().startswith("Far away, moved ·")
                and event.locator("#event-banner.banner-cancelled").count() == 0
            )
            status, result = api(server.url, token, "POST", "/api/events/far-away/cancel")
            assert status == 200, result
            event.wait_for_selector("#event-banner.banner-cancelled", timeout=30_000)
            assert event.locator("#banner-text").inner_text().startswith("Cancelled at ")
            assert event.locator("#event-status").inner_text().strip() == "Cancelled"
            _in_first_screen(event, "#event-banner", f"event {size}")
            # the kept map iframe is reloaded: it draws the cancelled event grey, under its banner
            frame = event.frame_locator("#event-map")
            frame.locator("#gw-banner", has_text="Cancelled at").wait_for(timeout=60_000)
            dashboard.locator("#active-events a[href='/events/far-away']").wait_for(state="detached", timeout=30_000)
            for p in (region, dashboard, event):
                assert p.evaluate("window.__notReloaded") is True  # updated in place, not reloaded
        finally:
            browser.close()
    # a map iframe reloaded while its previous load is in flight: Chromium under Playwright's request
    # interception sometimes reports a revalidated (304) vendor stylesheet as MIME type '' (not seen
    # without the reloads; unexplained, noted for #13). Only that exact message is let through.
    problems = [p for p in problems if not (STALE_CSS in p and "/static/vendor/" in p)]
    assert not problems, problems
    assert not foreign, foreign


STALE_CSS = "because its MIME type ('') is not a supported stylesheet MIME type"


def page_seq(server: Gunicorn) -> int:
    store = open_store(data_dir=Path(server.log).parent)
    try:
        return int(store.changes_since(0)[-1]["seq"])
    finally:
        store.close()
