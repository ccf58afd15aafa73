"""In Debian's Chromium: an open region page changes its verdict when an event is published, without reload.

The server is gunicorn (``deploy/gunicorn.conf.py``, one worker, SQLite); the event is published through the
JSON API with a token, as an operator's tool would. Page errors, console errors and requests to any host
but loopback fail the test.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from geowarn.model import format_time
from geowarn.store import open_store
from tests.browser import ARGS, CHROMIUM, guarded_page
from tests.webapp.helpers import corridor_fc
from tests.webapp.live import Gunicorn, api, start_gunicorn

MIYAKO = (125.1, 24.6, 125.5, 24.9)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Gunicorn, str]]:
    store = open_store(data_dir=tmp_path)
    _id, token = store.create_token("browser")
    store.close()
    server = start_gunicorn(tmp_path, workers=1)
    yield server, token
    server.stop()


def test_the_open_okinawa_page_turns_to_a_warning_when_an_event_is_published(served: tuple[Gunicorn, str]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed")
    server, token = served

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page, problems, foreign = guarded_page(browser, viewport={"width": 390, "height": 844}, locale="ja-JP")
            page.goto(server.url + "/regions/JP-47")
            verdict = page.locator("#verdict")
            assert "state-not_affected" in (verdict.get_attribute("class") or "")
            before = page.locator("#verdict-headline").inner_text()
            page.wait_for_selector("html[data-live=on]", timeout=30_000)  # the stream said ready
            page.evaluate("window.__notReloaded = true")

            now = datetime.now(UTC)
            start, end = format_time(now + timedelta(hours=2)), format_time(now + timedelta(hours=5))
            body = {"geojson": corridor_fc({"a": MIYAKO}, start, end), "id": "miyako-live", "name": "Miyako live"}
            status, result = api(server.url, token, "POST", "/api/events", body)
            assert status == 201, result

            page.wait_for_selector("#verdict.state-warning", timeout=30_000)
            after = page.locator("#verdict-headline").inner_text()
            assert after != before and "警報" in after  # "Warning from HH:MM" in Japanese
            assert page.evaluate("window.__notReloaded") is True  # updated in place, not reloaded
            assert page.locator("#current tbody tr a[href='/events/miyako-live']").count() >= 1
            assert page.locator("#live-status").inner_text() == "最新の情報に更新しました"
            assert page.get_attribute("html", "data-live-seq") == str(page_seq(server))
        finally:
            browser.close()
    assert not problems, problems
    assert not foreign, foreign


def page_seq(server: Gunicorn) -> int:
    store = open_store(data_dir=Path(server.log).parent)
    try:
        return int(store.changes_since(0)[-1]["seq"])
    finally:
        store.close()
