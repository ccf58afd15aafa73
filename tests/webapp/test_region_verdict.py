"""The region page tells the truth (issue 13): the library's verdict first, in the reader's language.

Fast tests use the Flask test client; the browser tests load the page in Debian's Chromium at a
phone size (390×844) and a laptop size (1366×900) and save screenshots under ``test-artifacts/``.
The pages are judged at a fixed time through ``?now=``, which the app honours only when testing.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from geowarn import service
from tests.browser import ARGS, CHROMIUM
from tests.webapp.helpers import corridor_fc

ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "test-artifacts"

#: A box over Miyako island (JP-47), and the morning of the issue: window 07:00–10:00 JST.
MIYAKO = (125.1, 24.6, 125.5, 24.9)
START, END = "2026-12-02T22:00:00Z", "2026-12-03T01:00:00Z"
PUBLISHED = datetime(2026, 12, 2, 19, 50, tzinfo=UTC)  # 04:50 JST
NOW = "2026-12-02T20:12:00Z"  # 05:12 JST: 1 h 48 min before the window
DURING = "2026-12-02T23:00:00Z"  # 08:00 JST: inside the window


def publish(app: Flask, name: str, start: str = START, end: str = END, at: datetime = PUBLISHED) -> str:
    """Publish a one-corridor event over Miyako through the service; its id."""
    from webapp.core import options, store

    fc = corridor_fc({"a": MIYAKO}, start, end)
    with app.app_context():
        event = service.event_from_input(json.dumps(fc), format="geojson", name=name, now=at)
        result = service.submit_event(store(), event, now=at, options=options())
        assert any(z.region_id == "JP-47" and z.severity == "Extreme" for z in result.zones)
        return result.event.id


def cancel(app: Flask, event_id: str, at: datetime) -> None:
    from webapp.core import options, store

    with app.app_context():
        service.cancel_event(store(), event_id, now=at, options=options())


def verdict_text(html: str) -> str:
    m = re.search(r'<section id="verdict"[^>]*>(.*?)</section>', html, re.S)
    assert m, "no verdict section"
    return " ".join(re.sub(r"<[^>]+>", " ", m.group(1)).split())


def get(client: FlaskClient, url: str, **headers: str) -> str:
    r = client.get(url, headers=headers)
    assert r.status_code == 200, r.data[:500]
    return r.get_data(as_text=True)


# --------------------------------------------------------------------------- fast (test client)


def test_warning_before_the_window_in_japanese_by_default(app: Flask, client: FlaskClient) -> None:
    publish(app, "Miyako morning")
    html = get(client, f"/regions/JP-47?now={NOW}")
    assert '<html lang="ja">' in html
    verdict = verdict_text(html)
    assert verdict.startswith("07:00（日本時間）から警報"), verdict
    assert "あと1時間48分" in verdict and "05:12（日本時間）" in verdict
    assert 'class="verdict state-warning"' in html and 'aria-live="polite"' in html
    # the current rows are the warning's, the map is its map, nothing is under the history fold
    assert html.count('class="row-warning"') == 2 and "<details" not in html
    # the map is the region's own map (issue 13: region outlined, current warning framed), showing this event
    assert f'src="/regions/JP-47/map?lang=ja&amp;now={NOW}"' in html
    assert "Miyako morning" in get(client, f"/regions/JP-47/map?lang=ja&now={NOW}")
    assert "07:00–10:00（日本時間）" in html and "極めて重大" in html
    assert 'href="/regions/JP-47?lang=en"' in html  # the switch keeps the path
    assert "ダッシュボード" in html and "本文へ移動" in html  # the shared chrome is Japanese too


def test_lang_query_then_accept_language_then_region(app: Flask, client: FlaskClient) -> None:
    publish(app, "Miyako morning")
    en = get(client, f"/regions/JP-47?now={NOW}&lang=en", **{"Accept-Language": "ja"})
    assert '<html lang="en">' in en
    assert verdict_text(en).startswith("Warning from 07:00 JST in 1 h 48 min"), verdict_text(en)
    assert "Dashboard" in en and 'href="/regions/JP-47?lang=ja"' in en and "Extreme" in en
    by_header = get(client, f"/regions/JP-47?now={NOW}", **{"Accept-Language": "en-GB,en;q=0.9,ja;q=0.5"})
    assert '<html lang="en">' in by_header and "Warning from 07:00 JST" in by_header
    ja = get(client, f"/regions/JP-47?now={NOW}&lang=ja", **{"Accept-Language": "en"})
    assert '<html lang="ja">' in ja and "07:00（日本時間）から警報" in ja
    r = client.get(f"/regions/JP-47?now={NOW}")
    assert "Accept-Language" in r.headers["Vary"]


def test_non_japanese_region_defaults_to_english(client: FlaskClient) -> None:
    html = get(client, "/regions/EEZ-KOR")
    assert '<html lang="en">' in html
    assert verdict_text(html).startswith("Not affected now"), verdict_text(html)
    assert 'class="verdict state-not_affected"' in html
    assert '<html lang="ja">' in get(client, "/regions/EEZ-KOR?lang=ja")


def test_cancelled_event_is_cancelled_and_grey_in_the_history(app: Flask, client: FlaskClient) -> None:
    eid = publish(app, "Miyako morning")
    cancel(app, eid, datetime(2026, 12, 2, 20, 0, tzinfo=UTC))  # 05:00 JST
    html = get(client, f"/regions/JP-47?now={NOW}&lang=en")
    verdict = verdict_text(html)
    assert verdict.startswith("Not affected now Cancelled at 05:00 JST"), verdict
    assert 'class="verdict state-cancelled"' in html and "state-warning" not in html
    assert '<table class="zones" id="current">' not in html
    fold = html.split('<details class="history"', 1)[1].split("</details>", 1)[0]
    assert fold.count('class="row-cancelled"') == 2 and "Cancelled at 05:00 JST" in fold
    assert "sev-Extreme" not in fold  # cancelled rows are not painted by severity
    assert "<details open" not in html
    ja = get(client, f"/regions/JP-47?now={NOW}")
    assert verdict_text(ja).startswith("現在影響なし 05:00（日本時間）に取消"), verdict_text(ja)


def test_current_warning_first_and_old_events_under_the_fold(app: Flask, client: FlaskClient) -> None:
    publish(app, "Old 2016", "2016-02-06T22:30:00Z", "2016-02-07T03:30:00Z", datetime(2016, 2, 6, tzinfo=UTC))
    publish(app, "Miyako morning")
    html = get(client, f"/regions/JP-47?now={NOW}&lang=en")
    assert verdict_text(html).startswith("Warning from 07:00 JST")
    current = html.split('id="current"', 1)[1].split("</table>", 1)[0]
    fold = html.split('<details class="history"', 1)[1].split("</details>", 1)[0]
    assert "Miyako morning" in current and "Old 2016" not in current
    assert "Old 2016" in fold and "Miyako morning" not in fold and "History (2)" in fold
    assert "2016-02-07 07:30–12:30 JST" in fold


def test_now_is_honoured_only_when_testing(app: Flask, client: FlaskClient) -> None:
    publish(app, "Old 2016", "2016-02-06T22:30:00Z", "2016-02-07T03:30:00Z", datetime(2016, 2, 6, tzinfo=UTC))
    url = "/regions/JP-47?lang=en&now=2016-02-06T23:00:00Z"
    assert verdict_text(get(client, url)).startswith("Affected now until 12:30 JST")
    app.testing = False
    try:
        assert verdict_text(get(client, url)).startswith("Not affected now Ended at 2016-02-07 12:30 JST")
    finally:
        app.testing = True
    assert client.get("/regions/JP-47?now=yesterday").status_code == 400


def test_every_message_has_english_and_japanese_with_the_same_placeholders() -> None:
    from string import Formatter

    from geowarn.i18n import CATALOGUE

    for msgid, texts in CATALOGUE.items():
        assert texts.get("en") and texts.get("ja"), msgid
        fields = [{f for _, f, _, _ in Formatter().parse(texts[lang]) if f} for lang in ("en", "ja")]
        assert fields[0] == fields[1], msgid


# --------------------------------------------------------------------------- browser (Chromium)


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The test app (TESTING, so ``?now=`` works) served on a free loopback port in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


SIZES = {"phone": (390, 844), "laptop": (1366, 900)}

#: The right edge (px) of the rightmost of the cells matching a selector.
CELLS_RIGHT = "sel => Math.max(...[...document.querySelectorAll(sel)].map(td => td.getBoundingClientRect().right))"

LAYOUT = """() => {
  const v = document.getElementById('verdict').getBoundingClientRect();
  const m = document.getElementById('region-map');
  return {
    scrollWidth: document.documentElement.scrollWidth,
    width: window.innerWidth,
    height: window.innerHeight,
    verdictTop: v.top, verdictBottom: v.bottom,
    mapHeight: m ? m.getBoundingClientRect().height : 0,
    mapTop: m ? m.getBoundingClientRect().top : 0,
    lang: document.documentElement.lang,
    verdictColour: getComputedStyle(document.getElementById('verdict')).backgroundColor,
  };
}"""


@pytest.mark.browser
def test_region_page_in_chromium_phone_and_laptop(app: Flask, served: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed")
    publish(app, "Old 2016", "2016-02-06T22:30:00Z", "2016-02-07T03:30:00Z", datetime(2016, 2, 6, tzinfo=UTC))
    eid = publish(app, "Miyako morning")
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for size, (w, h) in SIZES.items():
                context = browser.new_context(viewport={"width": w, "height": h}, locale="ja-JP")
                page = context.new_page()
                page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
                for lang, expected in (("ja", "07:00（日本時間）から警報"), ("en", "Warning from 07:00 JST")):
                    page.goto(f"{served}/regions/JP-47?now={NOW}&lang={lang}")
                    headline = page.locator("#verdict-headline").inner_text()
                    assert headline == expected, (size, lang, headline)
                    countdown = page.locator("#verdict-countdown").inner_text()
                    assert countdown == ("あと1時間48分" if lang == "ja" else "in 1 h 48 min"), countdown
                    assert page.locator("#verdict").get_attribute("aria-live") == "polite"
                    page.frame_locator("#region-map").locator("body").wait_for(timeout=30_000)
                    box = page.evaluate(LAYOUT)
                    assert box["lang"] == lang
                    assert box["scrollWidth"] <= box["width"], (size, lang, box)
                    assert box["verdictTop"] >= 0 and box["verdictBottom"] <= box["height"], (size, lang, box)
                    assert box["verdictColour"] == "rgb(179, 0, 0)", box  # red, repeating the text
                    if size == "phone":
                        assert box["mapHeight"] >= 0.5 * box["height"], (lang, box)
                    assert page.locator("#history-section").evaluate("d => d.open") is False
                    assert page.locator("#history tbody tr").count() == 2  # the 2016 zones, folded
                    page.screenshot(path=str(ARTIFACTS / f"region-warning-{size}-{lang}.png"), full_page=True)
                # during the window (08:00 JST): affected now, still red, in the first screen
                page.goto(f"{served}/regions/JP-47?now={DURING}&lang=ja")
                headline = page.locator("#verdict-headline").inner_text()
                assert headline == "10:00（日本時間）まで影響あり", (size, headline)
                page.frame_locator("#region-map").locator("body").wait_for(timeout=30_000)
                box = page.evaluate(LAYOUT)
                assert box["scrollWidth"] <= box["width"] and box["verdictBottom"] <= box["height"], (size, box)
                assert box["verdictColour"] == "rgb(179, 0, 0)", box
                assert page.locator("#current tbody tr").count() >= 1  # the open window's zones lead
                # every cell (severity and window too) is inside the screen, not beyond a sideways scroll
                right = page.evaluate(CELLS_RIGHT, "#current td")
                assert right <= box["width"], (size, right, box)
                page.screenshot(path=str(ARTIFACTS / f"region-during-{size}-ja.png"), full_page=True)
                # by default (no ?lang, a Japanese browser) the page is Japanese
                page.goto(f"{served}/regions/JP-47?now={NOW}")
                assert page.evaluate("document.documentElement.lang") == "ja"
                page.click("#lang-switch a[hreflang=en]")
                page.wait_for_url("**/regions/JP-47?lang=en")
                assert page.evaluate("document.documentElement.lang") == "en"
                context.close()

            cancel(app, eid, datetime(2026, 12, 2, 20, 0, tzinfo=UTC))
            for (size, (w, h)), lang in itertools.product(SIZES.items(), ("en", "ja")):
                context = browser.new_context(viewport={"width": w, "height": h})
                page = context.new_page()
                page.goto(f"{served}/regions/JP-47?now={NOW}&lang={lang}")
                verdict = page.locator("#verdict").inner_text()
                if lang == "ja":
                    assert "05:00（日本時間）に取消" in verdict and "影響なし" in verdict, verdict
                    box = page.evaluate(LAYOUT)
                    assert box["scrollWidth"] <= box["width"] and box["verdictBottom"] <= box["height"], (size, box)
                    page.locator("#history-section summary").click()
                    assert page.locator("#history tr.row-cancelled").count() == 2
                    assert page.evaluate(CELLS_RIGHT, "#history td") <= box["width"], size
                    page.screenshot(path=str(ARTIFACTS / f"region-cancelled-{size}-ja.png"), full_page=True)
                    context.close()
                    continue
                assert "Cancelled at 05:00 JST" in verdict and "Not affected now" in verdict, verdict
                assert page.locator("#current").count() == 0
                page.locator("#history-section summary").click()
                rows = page.locator("#history tr.row-cancelled")
                assert rows.count() == 2
                grey = rows.first.locator("td.sev").evaluate("td => getComputedStyle(td).backgroundColor")
                assert grey == "rgb(238, 238, 238)", grey
                assert "Cancelled at 05:00 JST" in rows.first.inner_text()
                box = page.evaluate(LAYOUT)
                assert box["scrollWidth"] <= box["width"], (size, box)
                assert box["verdictBottom"] <= box["height"], (size, box)
                page.screenshot(path=str(ARTIFACTS / f"region-cancelled-{size}-en.png"), full_page=True)
                context.close()
        finally:
            browser.close()
    assert not problems, problems


def test_the_event_page_map_is_judged_at_the_pages_time(app: Flask, client: FlaskClient) -> None:
    """The event page's map follows the page's test-only ``?now=``: before the window it is not drawn as ended."""
    eid = publish(app, "Miyako morning")
    html = get(client, f"/events/{eid}?now={NOW}&lang=en", Accept="text/html")
    src = re.search(r'id="event-map" src="([^"]+)"', html)
    assert src and src.group(1).replace("&amp;", "&") == f"/events/{eid}/map?lang=en&now={NOW}"
    before = get(client, src.group(1).replace("&amp;", "&"))
    after = get(client, f"/events/{eid}/map?lang=en&now=2026-12-03T02:00:00Z")  # 11:00 JST: the window is over
    assert "All clear" not in before and "All clear" in after
