"""The operator desk in Debian's Chromium (issues 12/13): draw with Geoman, type vertices, read the
parser's warnings before publishing, cancel through the confirmation step.

Every request to a host other than loopback fails the test, as do page and console errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import guarded_page, launched_chromium
from tests.webapp.live import LiveServer, start_server

pytestmark = pytest.mark.browser

#: Over the sea east of Okinawa, in 2099 (current); N895 and W66 look like coordinates but are routes.
NOTAM = (
    "A0777/99 - A TEMPORARY DANGER AREA ESTABLISHED BOUNDED BY: "
    "N263000E1280000-N263000E1283000-N260000E1283000-N260000E1280000 BACK TO START. "
    "SFC - UNL, 01 JAN 01:00 2099 UNTIL 01 JAN 03:00 2099. ROUTES N895 AND W66 CLOSED."
)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    server = start_server(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


def _login(page: Any, live: LiveServer) -> None:
    page.goto(live.url + "/operator")
    page.fill("input[name=token]", live.token)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#operator")


def _vertices(text: str) -> list[list[tuple[float, float]]]:
    """The (lat, lon) vertices of each block of the editor's text (parsed here, independently)."""
    blocks = []
    for block in text.strip().split("\n\n"):
        pts = []
        for line in block.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0][0] in "-0123456789":
                pts.append((float(parts[0]), float(parts[1])))
        blocks.append(pts)
    return blocks


def test_draw_a_polygon_with_geoman_type_a_circle_and_publish(live: LiveServer, browser: Any) -> None:
    page, problems, foreign = guarded_page(browser)
    _login(page, live)
    page.check("#mode-draw")
    page.wait_for_selector("#draw-editor[data-ready='1']")
    page.locator("#draw-map").scroll_into_view_if_needed()
    page.click(".leaflet-pm-icon-polygon")
    box = page.locator("#draw-map").bounding_box()
    assert box is not None
    corners = [(box["x"] + dx, box["y"] + dy) for dx, dy in ((150, 120), (350, 120), (350, 300), (150, 300))]
    for x, y in corners:
        page.mouse.click(x, y)
    page.mouse.click(*corners[0])  # clicking the first vertex closes the ring
    text = page.input_value("#drawn")
    blocks = _vertices(text)
    assert len(blocks) == 1 and len(blocks[0]) == 4, text
    lats = sorted({round(lat, 3) for lat, _ in blocks[0]})
    lons = sorted({round(lon, 3) for _, lon in blocks[0]})
    assert len(lats) == 2 and len(lons) == 2, text  # a screen rectangle is a lat/lon box on this map
    # the second shape is typed: the map follows the text
    page.fill("#drawn", text + "\n\ncircle 20000\n26.300000 128.200000")
    page.dispatch_event("#drawn", "change")
    page.wait_for_function("document.querySelectorAll('#draw-map path.leaflet-interactive').length === 2")
    page.fill("#drawn-window-start", "2099-01-01T01:00:00Z")
    page.fill("#drawn-window-end", "2099-01-01T03:00:00Z")
    page.fill("input[name=name]", "Drawn in Chromium")
    with page.expect_navigation():
        page.click("#preview-button")
    rows = page.locator("#preview-corridors tbody tr")
    assert rows.count() == 2
    assert [rows.nth(i).locator("td").nth(4).inner_text() for i in range(2)] == ["drawn", "drawn"]
    assert page.locator("#warnings").count() == 0 and page.locator("#ack-warnings").count() == 0
    page.click("#publish-button")
    page.wait_for_url("**/events/drawn-in-chromium")
    event = page.request.get(f"{live.url}/api/events/drawn-in-chromium").json()
    feats = event["corridors"]["features"]
    assert [f["properties"]["origin"] for f in feats] == ["drawn", "drawn"]
    assert [f["properties"]["drawn"] for f in feats] == ["polygon", "circle"]
    ring = [pt for part in _parts(feats[0]["geometry"]) for pt in part]
    assert min(x for x, _ in ring) == pytest.approx(lons[0], abs=1e-3)
    assert max(x for x, _ in ring) == pytest.approx(lons[1], abs=1e-3)
    assert min(y for _, y in ring) == pytest.approx(lats[0], abs=1e-3)
    assert [i["format"] for i in event["inputs"]] == ["drawn"]
    assert not foreign, foreign
    assert not problems, problems


def _parts(geometry: dict[str, Any]) -> list[list[tuple[float, float]]]:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [[(float(x), float(y)) for x, y in poly[0]] for poly in polys]


def test_warnings_of_an_unused_coordinate_token_must_be_read_before_publishing(live: LiveServer, browser: Any) -> None:
    page, problems, foreign = guarded_page(browser)
    _login(page, live)
    page.fill("#notice", NOTAM)
    page.click("#preview-button")
    warnings = page.locator("#warnings")
    warnings.wait_for()
    assert warnings.get_attribute("role") == "alert"
    tokens = page.locator("#warnings-table tbody tr td:nth-child(3)").all_inner_texts()
    assert "W66" in tokens, tokens
    # the warnings come before the map and the publish button
    assert page.evaluate(
        "document.getElementById('warnings').compareDocumentPosition(document.getElementById('publish-button'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    page.click("#publish-button")  # not acknowledged: the browser keeps the form
    assert page.url.endswith("/operator")
    assert page.request.get(f"{live.url}/api/events").json()["events"] == []
    page.check("#ack-warnings")
    page.click("#publish-button")
    page.wait_for_url("**/events/a0777-99")
    assert "operator" in page.locator("#operator-block").inner_text().lower()
    assert not foreign, foreign
    assert not problems, problems


def test_cancel_an_event_through_the_confirmation_step(live: LiveServer, browser: Any) -> None:
    page, problems, foreign = guarded_page(browser)
    auth = {"Authorization": f"Bearer {live.token}"}
    sub = page.request.post(
        f"{live.url}/api/subscriptions",
        data={"name": "Okinawa ops", "regions": ["EEZ-JP-47"], "channels": ["mailto:ops@example.org"]},
        headers=auth,
    )
    assert sub.status == 201, sub.text()
    r = page.request.post(f"{live.url}/api/events?id=oki", data=NOTAM, headers={**auth, "Content-Type": "text/plain"})
    assert r.status == 201, r.text()
    _login(page, live)
    page.goto(f"{live.url}/events/oki")
    page.click("#cancel-button")
    page.wait_for_selector("#cancel-confirm")
    row = page.locator("#recipients tbody tr")
    assert row.count() == 1
    cells = row.first.locator("td").all_inner_texts()
    assert sub.json()["id"] in cells[0] and cells[1] == "Cancel" and "ops@example.org" in cells[3]
    assert page.request.get(f"{live.url}/api/events/oki").json()["status"] == "active"
    page.click("#confirm-cancel")
    page.wait_for_url("**/events/oki")
    assert page.locator(".status-cancelled").first.inner_text().strip().lower() == "cancelled"
    assert page.locator("#cancel-button").count() == 0
    hist = page.request.get(f"{live.url}/api/events/oki").json()["history"]
    assert hist[-1]["status"] == "cancelled" and hist[-1]["operator"] == "live tests"
    assert not foreign, foreign
    assert not problems, problems


def test_drag_a_parsed_vertex_with_geoman_and_preview_the_correction(live: LiveServer, browser: Any) -> None:
    page, problems, foreign = guarded_page(browser)
    _login(page, live)
    page.fill("#notice", NOTAM)
    with page.expect_navigation():
        page.click("#preview-button")
    page.wait_for_selector("#draw-editor[data-ready='1']")
    before = page.input_value("#drawn")
    assert before.splitlines()[0].endswith("corrects=notam-a0777-99-1"), before
    assert page.locator("#draw-map path.leaflet-interactive").count() == 1  # the parsed corridor, editable
    page.locator("#draw-map").scroll_into_view_if_needed()
    page.click(".leaflet-pm-icon-edit")
    marker = page.locator("#draw-map .marker-icon:not(.marker-icon-middle)").first
    marker.wait_for()
    mb = marker.bounding_box()
    assert mb is not None
    x, y = mb["x"] + mb["width"] / 2, mb["y"] + mb["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 20, y + 10, steps=5)
    page.mouse.move(x + 40, y + 20, steps=5)
    page.mouse.up()
    page.wait_for_function(f"document.getElementById('drawn').value !== {before!r}")
    after = page.input_value("#drawn")
    moved = set(_vertices(after)[0]) - set(_vertices(before)[0])
    assert len(moved) == 1, (before, after)  # exactly the dragged vertex changed
    assert after.splitlines()[0] == before.splitlines()[0]  # still the correction of the parsed corridor
    page.click(".leaflet-pm-icon-edit")  # leave edit mode
    with page.expect_navigation():
        page.click("#correct-button")
    cells = page.locator("#preview-corridors tbody tr td").all_inner_texts()
    assert cells[0] == "notam-a0777-99-1" and cells[4] == "corrected", cells
    assert page.locator("#warnings").count() == 1  # the text's warnings stay in view
    assert not foreign, foreign
    assert not problems, problems


def test_operator_pages_fit_a_390_px_phone(live: LiveServer, browser: Any) -> None:
    page, problems, foreign = guarded_page(browser)
    page.set_viewport_size({"width": 390, "height": 844})
    auth = {"Authorization": f"Bearer {live.token}"}
    r = page.request.post(f"{live.url}/api/events?id=oki", data=NOTAM, headers={**auth, "Content-Type": "text/plain"})
    assert r.status == 201
    _login(page, live)
    widths = {"operator": page.evaluate("document.documentElement.scrollWidth")}
    page.fill("#notice", NOTAM)
    with page.expect_navigation():
        page.click("#preview-button")
    widths["preview"] = page.evaluate("document.documentElement.scrollWidth")
    page.goto(f"{live.url}/events/oki")
    page.wait_for_selector("#operator-block")
    page.goto(f"{live.url}/operator/events/oki/cancel")
    widths["cancel"] = page.evaluate("document.documentElement.scrollWidth")
    page.goto(f"{live.url}/operator/approvals")
    widths["approvals"] = page.evaluate("document.documentElement.scrollWidth")
    assert widths == dict.fromkeys(widths, 390), widths
    assert not foreign, foreign
    assert not problems, problems
