"""Issue 13 in Debian's Chromium at 390×844 (phone) and 1366×900 (laptop): the public pages.

Dashboard, event page and region page: no horizontal scroll, the map at least half the screen
high and starting in the first screen, the verdict (or the event's status) readable without
scrolling, text contrast at least 4.5:1 (WCAG AA), land drawn on every map, the legend folded
on a phone. The region page's "use my location" (a fixed browser position) and place search
(宮古島市 / Miyakojima) at 05:12 JST before a 07:00 JST window; a cancelled event grey with its
banner; the share button, the skip link and the print stylesheet. Every request to a host other
than loopback fails the test. Screenshots and the page weights go to ``test-artifacts/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from geowarn.publish.maps import CANCELLED_COLOR, LAND_COLOR
from tests.browser import launched_chromium
from tests.webapp.test_region_verdict import (  # noqa: F401
    ARTIFACTS,
    CELLS_RIGHT,
    NOW,
    SIZES,
    cancel,
    publish,
    served,
)

pytestmark = pytest.mark.browser

#: Miyako island (inside the warning) and Naha (outside it), as a browser would report them.
MIYAKO_GEO = {"latitude": 24.75, "longitude": 125.3}
NAHA_GEO = {"latitude": 26.21, "longitude": 127.68}

#: Layout, visibility and contrast of a page, measured in the page (WCAG 2 relative luminance).
MEASURE = """(sel) => {
  function rgb(c) { const m = c.match(/[\\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; }
  function lum(c) {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(e) {
    for (; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) { return c; }
    }
    return [255, 255, 255];
  }
  function ratio(e) {
    const a = lum(rgb(getComputedStyle(e).color)), b = lum(background(e));
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  }
  const lead = document.querySelector(sel.lead), map = document.querySelector(sel.map);
  const texts = Array.from(document.querySelectorAll('main p, main td, main th, main h1, main h2, header a, footer'))
    .filter(e => e.offsetParent !== null && e.textContent.trim());
  const worst = texts.map(e => [ratio(e), e.tagName + '.' + e.className + ': ' + e.textContent.trim().slice(0, 40)])
    .sort((a, b) => a[0] - b[0])[0];
  const l = lead.getBoundingClientRect(), m = map.getBoundingClientRect();
  return {
    scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth, height: window.innerHeight,
    leadTop: l.top, leadBottom: l.bottom, leadText: lead.innerText,
    mapTop: m.top, mapHeight: m.height, worstContrast: worst[0], worstText: worst[1],
    leadContrast: ratio(lead), height_px: document.documentElement.scrollHeight,
  };
}"""

#: What the map inside an iframe draws: land polygons, the legend's state, a banner.
IN_MAP = """() => ({
  ready: !!document.querySelector('[data-geowarn-ready="1"]'),
  land: document.querySelectorAll('path[fill="LAND"]').length,
  grey: document.querySelectorAll('path[fill="GREY"]').length,
  legendOpen: (document.querySelector('.gw-legend-box') || {}).open,
  banner: (document.getElementById('gw-banner') || {}).innerText || '',
})""".replace("LAND", LAND_COLOR).replace("GREY", CANCELLED_COLOR)


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


class Guarded:
    """A browser context whose pages may only reach loopback; page errors and foreign requests are kept."""

    def __init__(self, browser: Any, size: str, **kwargs: Any) -> None:
        w, h = SIZES[size]
        self.context = browser.new_context(viewport={"width": w, "height": h}, **kwargs)
        self.problems: list[str] = []
        self.bytes: dict[str, int] = {}
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.problems.append(f"pageerror: {exc}"))
        self.page.on("response", self._count)

    def _guard(self, route: Any, request: Any) -> None:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.problems.append(f"foreign request: {request.url}")
            route.abort()

    def _count(self, response: Any) -> None:
        try:
            self.bytes[response.url] = len(response.body())
        except Exception:  # a redirect or an aborted response has no body
            self.bytes.setdefault(response.url, 0)

    def weight(self) -> int:
        return sum(self.bytes.values())

    def map_state(self, iframe: str) -> dict[str, Any]:
        frame = self.page.frame_locator(iframe)
        frame.locator("[data-geowarn-ready='1']").wait_for(timeout=60_000)
        result: dict[str, Any] = frame.locator("body").evaluate(f"b => ({IN_MAP})()")
        return result

    def close(self) -> None:
        self.context.close()
        assert not self.problems, self.problems


def check_layout(box: dict[str, Any], where: str) -> None:
    assert box["scrollWidth"] <= box["width"], (where, box)  # no horizontal scroll
    assert box["leadTop"] >= 0 and box["leadBottom"] <= box["height"], (where, box)  # readable without scrolling
    assert box["mapHeight"] >= 0.5 * box["height"], (where, box)  # the map at least half the screen high
    assert box["mapTop"] < box["height"] * 0.6, (where, box)  # … and it starts in the first screen
    assert box["worstContrast"] >= 4.5, (where, box)  # WCAG AA for the text
    assert box["leadContrast"] >= 4.5, (where, box)


def test_public_pages_fit_both_sizes_with_land_and_folded_legend(app: Flask, served: str, browser: Any) -> None:  # noqa: F811
    publish(app, "Old 2016", "2016-02-06T22:30:00Z", "2016-02-07T03:30:00Z", datetime(2016, 2, 6, tzinfo=UTC))
    publish(app, "Miyako morning")
    ARTIFACTS.mkdir(exist_ok=True)
    pages = {
        "dashboard": (f"/?now={NOW}", {"lead": "#active-events", "map": "#overview-map"}, "#overview-map"),
        "event": (f"/events/miyako-morning?now={NOW}", {"lead": "#event-status", "map": "#event-map"}, "#event-map"),
        "region": (f"/regions/JP-47?now={NOW}", {"lead": "#verdict", "map": "#region-map"}, "#region-map"),
    }
    #: The tables of each page whose every cell must be inside the screen (labelled cards on a phone).
    tables = {"dashboard": ["table.cards"], "event": ["#zones", "#corridors", "#history"], "region": ["table.cards"]}
    weights: dict[str, dict[str, int]] = {}
    detail: dict[str, dict[str, int]] = {}
    for size in SIZES:
        for lang in ("ja", "en"):
            g = Guarded(browser, size, locale="ja-JP" if lang == "ja" else "en-US")
            for name, (url, sel, iframe) in pages.items():
                g.bytes.clear()
                g.page.goto(f"{served}{url}&lang={lang}")
                assert g.page.evaluate("document.documentElement.lang") == lang
                inside = g.map_state(iframe)
                box = g.page.evaluate(MEASURE, sel)
                check_layout(box, f"{name} {size} {lang}")
                # the event, zone, corridor and history tables: every cell inside the screen (cards on a phone)
                for table in tables[name]:
                    assert g.page.locator(f"{table} td").count() > 0, (name, table)
                    right = g.page.evaluate(CELLS_RIGHT, f"{table} td")
                    assert right <= g.page.viewport_size["width"], (name, table, size, lang, right)
                assert inside["land"] > 0, (name, inside)  # land on every map
                assert inside["legendOpen"] is (size == "laptop"), (name, size, inside)
                g.page.wait_for_load_state("networkidle")
                weights.setdefault(name, {})[f"{size}-{lang}"] = g.weight()
                if size == "phone" and lang == "ja":  # where the bytes go (for the notes), by path
                    detail[name] = {urlsplit(u).path: n for u, n in sorted(g.bytes.items(), key=lambda kv: -kv[1])}
                g.page.screenshot(path=str(ARTIFACTS / f"public-{name}-{size}-{lang}.png"), full_page=True)
            # the verdict of the 05:12 JST page names the 07:00 window, in words (not by colour only)
            g.page.goto(f"{served}/regions/JP-47?now={NOW}&lang={lang}")
            headline = g.page.locator("#verdict-headline").inner_text()
            assert headline == ("07:00（日本時間）から警報" if lang == "ja" else "Warning from 07:00 JST"), headline
            g.close()
    (ARTIFACTS / "page-weights.json").write_text(json.dumps(weights, indent=1, sort_keys=True))
    (ARTIFACTS / "page-weights-detail.json").write_text(json.dumps(detail, indent=1, ensure_ascii=False))
    for name, by in weights.items():
        assert all(0 < v < 2_000_000 for v in by.values()), (name, by)  # under 2 MB with the map's land


@pytest.mark.parametrize("size", list(SIZES))
def test_use_my_location_and_place_search_before_the_window(
    app: Flask,
    served: str,  # noqa: F811
    browser: Any,
    size: str,
) -> None:
    publish(app, "Miyako morning")
    g = Guarded(browser, size, locale="ja-JP", geolocation=MIYAKO_GEO, permissions=["geolocation"])
    page = g.page
    page.goto(f"{served}/regions/JP-47?now={NOW}")
    assert page.locator("#locate").is_visible()
    assert page.locator("label[for=place-q]").inner_text() == "場所（市町村・地域）"
    page.click("#locate")
    result = page.locator("#point-result")
    result.locator(".point-headline").wait_for(timeout=20_000)
    assert result.locator(".point-headline").inner_text() == "現在地：07:00（日本時間）から警報"
    assert result.locator(".point-window").inner_text() == "時間帯：07:00–10:00（日本時間）"  # 22:00Z–01:00Z
    assert "07:00–10:00（日本時間）" in result.locator("ul").inner_text()  # each zone's window too
    assert result.get_attribute("data-state") == "warning"
    # the place search in Japanese, then in English
    page.fill("#place-q", "宮古島市")
    page.click("#place-search")
    page.locator("#point-result .point-headline").filter(has_text="宮古島市").wait_for(timeout=20_000)
    assert result.locator(".point-headline").inner_text() == "宮古島市：07:00（日本時間）から警報"
    assert result.locator("a").get_attribute("href") == "/regions/JP-47?lang=ja"
    assert result.locator("a").inner_text() == "沖縄県のページ"
    assert "極めて重大" in result.locator("ul").inner_text() and "沖縄県" in result.locator("ul").inner_text()
    page.screenshot(path=str(ARTIFACTS / f"public-point-{size}-ja.png"), full_page=True)
    box = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert box[0] <= box[1], box
    page.goto(f"{served}/regions/JP-47?now={NOW}&lang=en")
    page.fill("#place-q", "Miyakojima")
    page.press("#place-q", "Enter")
    page.locator("#point-result .point-headline").wait_for(timeout=20_000)
    assert result.locator(".point-headline").inner_text() == "Miyakojima City: Warning from 07:00 JST"
    assert result.locator(".point-window").inner_text() == "Window: 07:00–10:00 JST"
    g.context.set_geolocation(NAHA_GEO)
    page.click("#locate")
    page.locator("#point-result .point-headline").filter(has_text="Your location").wait_for(timeout=20_000)
    assert result.locator(".point-headline").inner_text() == "Your location: Not affected"
    assert result.get_attribute("data-state") == "not_affected"
    g.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_cancelled_event_is_grey_with_its_banner(app: Flask, served: str, browser: Any, size: str) -> None:  # noqa: F811
    publish(app, "Miyako morning")
    cancel(app, "miyako-morning", datetime(2026, 12, 2, 20, 0, tzinfo=UTC))  # 05:00 JST
    g = Guarded(browser, size)
    g.page.goto(f"{served}/events/miyako-morning?now={NOW}&lang=en")
    banner = g.page.locator("#event-banner")
    assert g.page.locator("#banner-text").inner_text() == "Cancelled at 05:00 JST"
    b = banner.bounding_box()
    assert b is not None and b["y"] + b["height"] <= SIZES[size][1]  # seen without scrolling
    sev = g.page.locator("#zones tr.row-cancelled td.sev").first
    assert sev.evaluate("td => getComputedStyle(td).backgroundColor") == "rgb(238, 238, 238)"
    inside = g.map_state("#event-map")
    assert "Cancelled at 2026-12-03 05:00 JST" in inside["banner"], inside
    assert inside["grey"] > 0 and inside["land"] > 0, inside
    box = g.page.evaluate(MEASURE, {"lead": "#event-banner", "map": "#event-map"})
    check_layout(box, f"cancelled {size}")
    g.page.screenshot(path=str(ARTIFACTS / f"public-cancelled-event-{size}-en.png"), full_page=True)
    g.page.goto(f"{served}/regions/JP-47?now={NOW}&lang=en")
    region = g.map_state("#region-map")
    assert "Cancelled at 05:00 JST" in region["banner"] and region["grey"] > 0, region
    g.close()


def test_share_skip_link_and_print(app: Flask, served: str, browser: Any) -> None:  # noqa: F811
    publish(app, "Miyako morning")
    g = Guarded(browser, "phone", permissions=["clipboard-read", "clipboard-write"])
    page = g.page
    url = f"{served}/regions/JP-47?now={NOW}&lang=en"
    page.goto(url)
    page.click("#share")
    page.locator("#share-status").filter(has_text="Link copied").wait_for(timeout=10_000)
    assert page.evaluate("navigator.clipboard.readText()") == url
    page.goto(url)  # the first Tab of a fresh page reaches the skip link
    page.keyboard.press("Tab")
    skip = page.evaluate(
        "() => { const e = document.activeElement; const r = e.getBoundingClientRect();"
        " return [e.className, e.getAttribute('href'), r.left, r.top, r.width]; }"
    )
    assert skip[0] == "skip" and skip[1] == "#main" and skip[2] >= 0 and skip[3] >= 0 and skip[4] > 0, skip
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.emulate_media(media="print")
    hidden = page.evaluate(
        "() => ['#point', '#share', 'header nav'].map(s => getComputedStyle(document.querySelector(s)).display)"
    )
    assert hidden == ["none", "none", "none"], hidden
    assert page.locator("#verdict").is_visible()
    g.close()


#: Card cells of the phone layout: those shown with their label, and the empty ones (text, display).
CARD_CELLS = """(sel) => Array.from(document.querySelectorAll(sel)).map(td => ({
  label: td.dataset.label, text: td.textContent.trim(), display: getComputedStyle(td).display,
  before: getComputedStyle(td, '::before').content,
}))"""


@pytest.mark.parametrize("size", list(SIZES))
def test_empty_card_cells_show_no_lone_label(app: Flask, served: str, browser: Any, size: str) -> None:  # noqa: F811
    """A corridor without a label: on a phone its Label cell is not shown (no 'Label' followed by nothing) (#13)."""
    publish(app, "Miyako morning")
    g = Guarded(browser, size, locale="en-US")
    g.page.goto(f"{served}/events/miyako-morning?now={NOW}&lang=en")
    cells = g.page.evaluate(CARD_CELLS, "table.cards td")
    empty = [c for c in cells if not c["text"]]
    assert any(c["label"] == "Label" for c in empty), cells  # the corridor has no label: an empty cell
    shown = [c for c in cells if c["display"] != "none"]
    if size == "phone":
        assert all(c["display"] == "none" for c in empty), empty
        assert shown and all(c["text"] for c in shown), shown  # every card line shown has a value
        assert all(c["before"].strip('"') == c["label"] for c in shown), shown  # … after its label
    else:  # the laptop's table keeps the column (a cell per header)
        assert all(c["display"] == "table-cell" for c in cells), cells
    g.close()
