"""The operator's side of issue 13 in Debian's Chromium, at 390×844 (phone) and 1366×900 (laptop).

A real ``geowarn serve`` (waitress, SQLite). The update and cancel buttons of the event page (logged
in with a token), each through its confirmation step naming what is sent to whom; the two-person rule
(``GEOWARN_APPROVAL=2``: the requester's own token cannot approve, a second token does, and the
history names both); the warning when the pasted notice equals a published one; the notice
templates. Each page fits the screen (no horizontal scroll, its buttons inside it). Page errors,
console errors and requests to any host but loopback fail the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geowarn.desk.templates import TEMPLATES
from geowarn.store import open_store
from tests.browser import guarded_page, launched_chromium
from tests.webapp.live import LiveServer, start_server
from tests.webapp.test_desk_browser import NOTAM
from tests.webapp.test_public_browser import UNLABELLED
from tests.webapp.test_region_verdict import ARTIFACTS, SIZES

pytestmark = pytest.mark.browser

#: The NOTAM without its route names (no parser warning to acknowledge).
CLEAN = NOTAM.replace(" ROUTES N895 AND W66 CLOSED.", "")
#: The same danger area two hours later: an update of the event.
LATER = CLEAN.replace("01 JAN 01:00 2099 UNTIL 01 JAN 03:00 2099", "01 JAN 03:00 2099 UNTIL 01 JAN 05:00 2099")

#: Whether the page scrolls sideways, and the right edge of the element ``sel`` (scrolled into view).
FITS = """sel => { const e = document.querySelector(sel); e.scrollIntoView({block: 'center'});
  const r = e.getBoundingClientRect();
  return {scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth, height: window.innerHeight,
          left: r.left, right: r.right, top: r.top, bottom: r.bottom, shown: r.width > 0 && r.height > 0}; }"""


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched_chromium() as b:
        yield b


def _serve(tmp_path: Path, **env: str) -> Iterator[LiveServer]:
    server = start_server(tmp_path, extra_env=env)
    yield server
    server.stop()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    yield from _serve(tmp_path)


@pytest.fixture
def two_person(tmp_path: Path) -> Iterator[LiveServer]:
    yield from _serve(tmp_path, GEOWARN_APPROVAL="2")


def fits(page: Any, sel: str, where: str) -> None:
    """Assert that the page's controls are labelled, that it does not scroll sideways, that ``sel`` is in the screen."""
    assert page.evaluate(UNLABELLED) == [], where  # every control has a name a screen reader can say
    box = page.evaluate(FITS, sel)
    assert box["scrollWidth"] <= box["width"], (where, box)
    assert box["shown"] and box["left"] >= 0 and box["right"] <= box["width"], (where, sel, box)
    assert box["top"] >= 0 and box["bottom"] <= box["height"], (where, sel, box)


def login(browser: Any, live: LiveServer, size: str, token: str | None = None) -> tuple[Any, list[str], list[str]]:
    w, h = SIZES[size]
    page, problems, foreign = guarded_page(browser, viewport={"width": w, "height": h}, locale="en-US")
    page.goto(live.url + "/operator")
    page.fill("input[name=token]", token or live.token)
    page.click("#login button[type=submit]")
    page.wait_for_selector("#operator")
    return page, problems, foreign


def publish_api(page: Any, live: LiveServer, event_id: str, text: str) -> None:
    auth = {"Authorization": f"Bearer {live.token}", "Content-Type": "text/plain"}
    r = page.request.post(f"{live.url}/api/events?id={event_id}&name=Oki", data=text, headers=auth)
    assert r.status == 201, r.text()


def subscribe(page: Any, live: LiveServer) -> str:
    r = page.request.post(
        f"{live.url}/api/subscriptions",
        data={"name": "Okinawa ops", "regions": ["EEZ-JP-47"], "channels": ["mailto:ops@example.org"]},
        headers={"Authorization": f"Bearer {live.token}"},
    )
    assert r.status == 201, r.text()
    return str(r.json()["id"])


def recipients(page: Any) -> list[list[str]]:
    rows = page.locator("#recipients tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


def operator_log(page: Any) -> list[list[str]]:
    rows = page.locator("#operator-log tbody tr")
    return [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]


@pytest.mark.parametrize("size", list(SIZES))
def test_update_then_cancel_from_the_event_page_through_their_confirmations(
    live: LiveServer, browser: Any, size: str
) -> None:
    page, problems, foreign = login(browser, live, size)
    sub = subscribe(page, live)
    publish_api(page, live, "oki", CLEAN)
    page.goto(f"{live.url}/events/oki?lang=en")
    fits(page, "#update-button", f"event {size}")
    fits(page, "#cancel-button", f"event {size}")
    page.click("#update-button")
    page.wait_for_selector("#operator")
    assert page.locator("input[name=event_id]").input_value() == "oki"
    assert page.locator("input[name=update]").is_checked()  # the button starts an update, not a new event
    page.fill("#notice", LATER)
    with page.expect_navigation():
        page.click("#preview-button")
    # the confirmation: what will be written and who receives it, before anything is sent
    assert "writes a new version" in page.locator("p.meta strong").inner_text()
    assert page.locator("#duplicates").count() == 0  # an update repeats its own notice's id: no warning
    sent = recipients(page)
    assert len(sent) == 1 and sub in sent[0][0] and sent[0][1] == "Update" and "ops@example.org" in sent[0][3], sent
    assert page.request.get(f"{live.url}/api/events/oki").json()["version"] == 1  # nothing written yet
    fits(page, "#publish-button", f"update preview {size}")
    page.click("#publish-button")
    page.wait_for_url("**/events/oki")
    event = page.request.get(f"{live.url}/api/events/oki").json()
    assert event["version"] == 2 and event["history"][-1]["operator"] == "live tests"
    log = operator_log(page)
    assert [r[0] for r in log] == ["v2", "v1"] and log[0][4] == "live tests", log  # the operator, newest first
    # the cancel: its confirmation names the Cancel's recipients, the event stays active until confirmed
    page.click("#cancel-button")
    page.wait_for_selector("#cancel-confirm")
    sent = recipients(page)
    assert len(sent) == 1 and sub in sent[0][0] and sent[0][1] == "Cancel" and "ops@example.org" in sent[0][3], sent
    assert page.request.get(f"{live.url}/api/events/oki").json()["status"] == "active"
    fits(page, "#confirm-cancel", f"cancel confirmation {size}")
    page.screenshot(path=str(ARTIFACTS / f"operator-cancel-confirm-{size}-en.png"), full_page=True)
    page.click("#confirm-cancel")
    page.wait_for_url("**/events/oki")
    assert page.locator("#banner-text").inner_text().startswith("Cancelled at ")
    fits(page, "#event-banner", f"cancelled event {size}")
    assert page.locator("#cancel-button").count() == 0
    log = operator_log(page)
    assert log[0][0] == "v3" and log[0][2] == "Cancelled" and log[0][4] == "live tests", log
    assert not foreign, foreign
    assert not problems, problems


@pytest.mark.parametrize("size", list(SIZES))
def test_two_person_approval_a_second_token_approves_the_first_alone_cannot(
    two_person: LiveServer, browser: Any, size: str
) -> None:
    store = open_store(data_dir=two_person.data_dir)
    _id, bob_token = store.create_token("bob")
    store.close()
    alice, problems, foreign = login(browser, two_person, size)
    alice.fill("#notice", CLEAN)
    alice.fill("input[name=name]", "Oki")
    # the id field's pattern is checked by the browser (an invalid pattern would be ignored, with a console error)
    alice.fill("input[name=event_id]", "Oki 1")
    assert alice.locator("input[name=event_id]").evaluate("e => e.validity.patternMismatch") is True
    alice.fill("input[name=event_id]", "oki")
    assert alice.locator("input[name=event_id]").evaluate("e => e.validity.valid") is True
    with alice.expect_navigation():
        alice.click("#preview-button")
    assert alice.locator("#publish-button").inner_text() == "Request publication"
    alice.click("#publish-button")
    alice.wait_for_url("**/operator/approvals#apr-*")
    request_id = alice.url.rsplit("#", 1)[1]
    mine = alice.locator(f"section.approval[id='{request_id}']")
    assert mine.locator(".note.mine").count() == 1  # "your request: another operator approves it"
    fits(alice, f"[id='{request_id}'] button.approve", f"approvals {size}")
    alice.locator(f"[id='{request_id}'] button.approve").click()
    alice.wait_for_selector("#error")  # the requester's own token cannot approve
    assert "different" in alice.locator("#error").inner_text()
    assert alice.request.get(f"{two_person.url}/api/events").json()["events"] == []
    refused = [p for p in problems if "status of 403" in p]  # the refusal is a 403 page: Chromium logs it
    assert len(refused) == 1, problems
    problems.remove(refused[0])

    bob, bob_problems, bob_foreign = login(browser, two_person, size, bob_token)
    bob.goto(f"{two_person.url}/operator/approvals?lang=en")
    theirs = bob.locator(f"section.approval[id='{request_id}']")
    assert theirs.count() == 1 and theirs.locator(".note.mine").count() == 0
    fits(bob, f"[id='{request_id}'] button.approve", f"approvals (second operator) {size}")
    bob.screenshot(path=str(ARTIFACTS / f"operator-approvals-{size}-en.png"), full_page=True)
    theirs.locator("button.approve").click()
    bob.wait_for_url("**/events/oki")
    assert operator_log(bob)[0][4] == "live tests, approved by bob"  # newest first
    # a cancel by the second operator waits for the first one's approval in turn
    bob.click("#cancel-button")
    bob.wait_for_selector("#cancel-confirm")
    assert bob.locator("#confirm-cancel").inner_text() == "Request the cancellation"
    bob.click("#confirm-cancel")
    bob.wait_for_url("**/operator/approvals#apr-*")
    cancel_id = bob.url.rsplit("#", 1)[1]
    assert bob.request.get(f"{two_person.url}/api/events/oki").json()["status"] == "active"
    alice.goto(f"{two_person.url}/operator/approvals?lang=en")
    alice.locator(f"[id='{cancel_id}'] button.approve").click()
    alice.wait_for_url("**/events/oki")
    assert alice.locator("#banner-text").inner_text().startswith("Cancelled at ")
    log = operator_log(alice)
    assert log[0][:3:2] == ["v2", "Cancelled"] and log[0][4] == "bob, approved by live tests", log
    assert not foreign + bob_foreign, foreign + bob_foreign
    assert not problems + bob_problems, problems + bob_problems


@pytest.mark.parametrize("size", list(SIZES))
def test_pasting_a_published_notice_warns_and_templates_fill_the_form(
    live: LiveServer, browser: Any, size: str
) -> None:
    page, problems, foreign = login(browser, live, size)
    publish_api(page, live, "oki", CLEAN)
    # every template fills the form with its skeleton, in its mode and format
    for tpl in TEMPLATES:
        page.goto(f"{live.url}/operator?lang=en")
        fits(page, "#template-button", f"templates {size}")
        page.select_option("#template", tpl.key)
        with page.expect_navigation():
            page.click("#template-button")
        assert page.locator(f"input[name=mode][value={tpl.mode}]").is_checked(), tpl.key
        if tpl.mode == "text":  # (a profile has its own format: the select is not used)
            assert page.locator("select[name=format]").input_value() == tpl.format, tpl.key
            assert page.input_value("#notice") == tpl.text, tpl.key
        else:
            for key, value in tpl.profile.items():
                assert page.locator(f"input[name={key}]").input_value() == value, (tpl.key, key)
    page.goto(f"{live.url}/operator?lang=en&template=navarea")
    with page.expect_navigation():
        page.click("#preview-button")
    assert page.locator("#preview-corridors tbody tr").count() == 1  # the skeleton parses as it stands
    assert page.locator("#duplicates").count() == 0
    # the published text pasted again (spacing changed): the preview warns before the publish button
    for text, why in ((CLEAN.replace(" ", "  "), "same text"), (LATER, "same message id A0777/99")):
        page.goto(f"{live.url}/operator?lang=en")
        page.fill("#notice", text)
        with page.expect_navigation():
            page.click("#preview-button")
        dup = page.locator("#duplicates")
        assert dup.get_attribute("role") == "alert"
        assert dup.locator("h2").inner_text() == "This notice was already published"
        item = dup.locator("li").inner_text()
        assert dup.locator("a").get_attribute("href") == "/events/oki" and why in item, item
        assert page.evaluate(
            "document.getElementById('duplicates').compareDocumentPosition(document.getElementById('publish-button'))"
            " & Node.DOCUMENT_POSITION_FOLLOWING"
        )
        fits(page, "#duplicates h2", f"duplicate warning {size}")
    page.screenshot(path=str(ARTIFACTS / f"operator-duplicate-{size}-en.png"), full_page=True)
    assert not foreign, foreign
    assert not problems, problems
