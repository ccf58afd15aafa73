"""Japanese operator pages and the published map's Japanese, in Debian's Chromium (issue 13).

A Japanese operator's browser (locale ja-JP) logs in, previews a notice and sees the desk in
Japanese at 390×844 without horizontal scroll; the published map file carries both languages and
shows the reader's: ``?lang=``, else the browser's languages.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import guarded_page, launched_chromium
from tests.webapp.live import LiveServer, start_server
from tests.webapp.test_i18n_templates import ALLOWED_WORDS, ENGLISH_WORD, NOTAM

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("i18n"))
    req = urllib.request.Request(
        f"{server.url}/api/events?id=oki&name=Oki",
        data=NOTAM.encode(),
        headers={"Authorization": f"Bearer {server.token}", "Content-Type": "text/plain"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 201 and json.load(r)["zones"]["features"]  # a zone in JP waters
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


def _english(text: str) -> list[str]:
    return [w for w in ENGLISH_WORD.findall(text) if w not in ALLOWED_WORDS]


def test_japanese_operator_page_on_a_phone(live: LiveServer, browser: Any) -> None:
    page, problems, foreign = guarded_page(browser, viewport=PHONE, locale="ja-JP")
    page.goto(live.url + "/operator")
    assert page.locator("h1").inner_text() == "オペレーターのログイン"
    page.fill("input[name=token]", live.token)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#operator")
    assert page.evaluate("document.documentElement.lang") == "ja"
    heading = page.locator("main h1").inner_text()
    assert heading == "事象の作成・更新"
    # what the reader sees of the form, without the notice text they type
    seen = page.evaluate(
        "() => { const m = document.querySelector('main').cloneNode(true);"
        " m.querySelectorAll('textarea, code, select, option').forEach(e => e.remove()); return m.innerText; }"
    )
    assert _english(seen) == [], seen
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "operator-390-ja.png"), full_page=True)
    assert width[0] <= width[1], width  # no horizontal scroll at 390 px
    page.fill("#notice", NOTAM)
    page.click("#preview-button")
    page.wait_for_selector("#publish")
    assert "か所が使われていません" in page.locator("#warnings h2").inner_text()
    assert page.locator("#publish-button").inner_text() == "発表"
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    page.screenshot(path=str(ARTIFACTS / "operator-preview-390-ja.png"), full_page=True)
    assert width[0] <= width[1], width
    assert problems == [] and foreign == []


def _legend_and_popups(page: Any) -> tuple[str, str]:
    """Return the legend's text and the popups' texts of every drawn feature (corridors and zones)."""
    page.wait_for_selector("[data-geowarn-ready='1']")
    if not page.locator(".gw-legend-box").evaluate("b => b.open"):
        page.click(".gw-legend-toggle")
    legend = page.locator(".gw-legend").inner_text()
    popups = page.evaluate(
        """() => { const out = []; const map = Object.values(window).find(v => v instanceof L.Map);
        map.eachLayer(l => { if (l.feature && l.getPopup && l.getPopup()) {
          const d = document.createElement('div'); d.className = 'leaflet-popup-content';
          d.innerHTML = l.getPopup().getContent(); document.body.appendChild(d);  // styled as shown
          out.push(d.innerText); d.remove(); } });
        return out.join('\\n---\\n'); }"""
    )
    return legend, popups


@pytest.mark.parametrize(
    ("query", "locale", "lang"), [("?lang=ja", "en-US", "ja"), ("", "ja-JP", "ja"), ("?lang=en", "ja-JP", "en")]
)
def test_published_map_shows_the_readers_language(
    live: LiveServer, browser: Any, query: str, locale: str, lang: str
) -> None:
    page, problems, foreign = guarded_page(browser, viewport={"width": 1366, "height": 900}, locale=locale)
    page.goto(f"{live.url}/events/oki/map{query}")
    legend, popup = _legend_and_popups(page)
    assert page.evaluate("document.documentElement.lang") == lang
    # the timeline's rows as shown and as their tooltips (the NOTAM's 01:00–03:00Z is 10:00–12:00 in Japan)
    rows = page.locator(".gw-tl-row").evaluate_all("rs => rs.map(r => [r.innerText.trim(), r.title])")
    if lang == "ja":
        assert "凡例" in legend and "警戒区域（CAPの深刻度）" in legend and "深刻度\t極めて重大" in popup
        assert "時間帯（日本時間）" in popup and "段階\t破片" in popup
        assert not re.search(r"Severity|Legend|Alert zones|Window|Phase|JST", legend + popup), (legend, popup)
        assert rows == [["2099-01-01 10:00–12:00（日本時間）"] * 2], rows
    else:
        assert "Legend" in legend and "Severity\tExtreme" in popup and "Window (JST)" in popup
        assert not re.search("[凡深段]|日本時間", legend + popup), (legend, popup)
        assert rows == [["2099-01-01 10:00–12:00 JST"] * 2], rows
    page.screenshot(path=str(ARTIFACTS / f"published-map-{lang}-{locale}.png"))
    assert problems == [] and foreign == []
