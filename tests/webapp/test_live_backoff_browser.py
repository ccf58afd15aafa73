"""In Debian's Chromium: live.js reconnects with exponential back-off and full jitter (issue 13 #4).

A real server (waitress in a subprocess) allows one stream (``GEOWARN_LIVE_MAX_STREAMS=1``) and asks
for ``retry: 250`` ms; a Python client holds that stream, so the page's stream gets 503 again and again.
The page's counter (``window.geowarnLive``) shows each attempt's ceiling doubling from the server's
base and each delay drawn below its ceiling; once the slot is free the page opens (``ready``), the
count resets, and the stream's normal end at ``GEOWARN_LIVE_MAX_S`` starts again from the base.
No timed assertion: only orderings (a timer never fires before its delay) and counts.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ARGS, CHROMIUM, guarded_page
from tests.webapp.live import LiveServer, SSEClient, start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BASE_MS = 250


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    env = {"GEOWARN_LIVE_MAX_STREAMS": "1", "GEOWARN_LIVE_RETRY_S": str(BASE_MS / 1000), "GEOWARN_LIVE_MAX_S": "12"}
    server = start_server(tmp_path, extra_env=env)
    yield server
    server.stop()


def _state(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate("() => JSON.parse(JSON.stringify(window.geowarnLive || {}))")
    return state


def _until(page: Any, done: Callable[[dict[str, Any]], bool], tries: int = 300) -> dict[str, Any]:
    """Poll the page's counter (the page's CSP forbids wait_for_function's eval) until ``done``."""
    for _ in range(tries):
        state = _state(page)
        if state and done(state):
            return state
        page.wait_for_timeout(200)
    raise AssertionError(f"not reached: {_state(page)}")


def test_reconnects_back_off_with_full_jitter_and_reset_after_an_open(live: LiveServer) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed")
    holder = SSEClient(live.url)
    assert holder.status == 200
    holder.next("ready")
    refused_client = SSEClient(live.url)
    assert refused_client.status == 503  # the only slot is taken: the server refuses
    refused_client.close()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page, problems, foreign = guarded_page(browser)
            page.goto(live.url + "/regions/JP-47")
            refused = _until(page, lambda s: s["attempts"] >= 5)
            holder.close()  # the slot frees: the page gets in
            page.wait_for_selector("html[data-live=on]", timeout=60_000)
            opened = _state(page)
            # the stream ends at GEOWARN_LIVE_MAX_S: the page comes back, its first delay below the base again
            again = _until(page, lambda s: s["opened"] >= 2)
        finally:
            browser.close()
    assert refused["opened"] == 0 and refused["base"] == BASE_MS  # the server's retry: (data-live-retry)
    delays, starts = refused["delays"], refused["starts"]
    assert len(starts) >= 5 and len(delays) >= 4
    for n, d in enumerate(delays[:4]):
        assert d["ceiling"] == min(60_000, BASE_MS * 2**n)  # doubles per failure in a row
        assert 0 <= d["delay"] < d["ceiling"]  # full jitter: anywhere below it
        assert starts[n + 1] - d["at"] >= d["delay"] - 1  # the next attempt waited its delay (1 ms: rounding)
    assert opened["opened"] == 1 and opened["failures"] == 0 and opened["base"] == BASE_MS  # ready's retry_ms
    after_open = again["delays"][len(opened["delays"]) :]
    assert after_open and after_open[0]["ceiling"] == BASE_MS  # reset: from the base, not 2^n
    assert again["opened"] >= 2
    assert not problems or all("503" in p or "event-stream" in p for p in problems), problems
    assert not foreign, foreign
