"""HTML pages: dashboard, event, region, operator (login, CSRF, preview, publish), CSP and escaping."""

from __future__ import annotations

import base64
import hashlib
import re

from tests.webapp.helpers import corridor_fc

HTML = {"Accept": "text/html"}
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//(?!127\.0\.0\.1|localhost)""", re.I)


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF field"
    return m.group(1)


def login(client, token) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/operator").get_data(as_text=True)
    assert 'name="token"' in page
    r = client.post("/operator/login", data={"token": token, "csrf_token": _csrf(page)})
    assert r.status_code == 303
    return _csrf(client.get("/operator").get_data(as_text=True))


def test_pages_have_strict_csp_and_no_external_assets(client, auth) -> None:  # type: ignore[no-untyped-def]
    client.post(
        "/api/events", json={"geojson": corridor_fc({"a": (124.5, 35.3, 124.9, 36.1)}), "id": "ev"}, headers=auth
    )
    for url in ["/", "/events/ev", "/regions/JP-47", "/operator", "/collections?f=html"]:
        r = client.get(url, headers=HTML)
        assert r.status_code == 200, url
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "http" not in csp
        assert not EXTERNAL.search(r.get_data(as_text=True)), url
        assert "<script>" not in r.get_data(as_text=True)  # pages carry no inline script


def test_map_page_csp_allows_exactly_its_inline_scripts(client, auth) -> None:  # type: ignore[no-untyped-def]
    client.post(
        "/api/events", json={"geojson": corridor_fc({"a": (124.5, 35.3, 124.9, 36.1)}), "id": "ev"}, headers=auth
    )
    r = client.get("/events/ev/map")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    scripts = re.findall(r"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", html, re.S)
    assert scripts
    csp = r.headers["Content-Security-Policy"]
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert not EXTERNAL.search(html)
    assert client.get("/events/ev/map", headers={"If-None-Match": r.headers["ETag"]}).status_code == 304


def test_names_and_source_text_are_escaped(client, auth) -> None:  # type: ignore[no-untyped-def]
    evil = '<script>alert("x")</script>'
    client.post(
        "/api/events",
        json={"geojson": corridor_fc({"a": (124.5, 35.3, 124.9, 36.1)}), "id": "evil", "name": evil},
        headers=auth,
    )
    for url in ["/", "/events/evil", "/api/events?f=html"]:
        page = client.get(url, headers=HTML).get_data(as_text=True)
        assert evil not in page and "&lt;script&gt;alert(" in page, url


def test_event_page_shows_zones_downloads_source_and_history(client, auth, navarea_text) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/events?id=kms4&name=KMS4", data=navarea_text, content_type="text/plain", headers=auth)
    zones = r.get_json()["zones"]["features"]
    client.patch("/api/events/kms4", json={"name": "KMS-4 renamed"}, headers=auth)
    page = client.get("/events/kms4", headers=HTML).get_data(as_text=True)
    for needle in [
        'href="/events/kms4.geojson"',
        'href="/alerts/kms4.cap"',
        'src="/events/kms4/map?lang=',  # the map shows the page's language
        "NAVAREA XI 0123/16",
        "v1",
        "v2",
        "patched",
    ]:
        assert needle in page, needle
    assert page.count('class="sev sev-') == len(zones)
    assert "KMS-4 renamed" in client.get("/", headers=HTML).get_data(as_text=True)


def test_event_history_notes_are_in_the_readers_language(client, auth, navarea_text) -> None:  # type: ignore[no-untyped-def]
    """The notes the service and the desk write (``published from navwarn``, ``patched``) are read in the page's
    language (#13); the Japanese page said them in English."""
    import re

    client.post("/api/events?id=kms4&name=KMS4", data=navarea_text, content_type="text/plain", headers=auth)
    client.patch("/api/events/kms4", json={"name": "KMS-4 renamed"}, headers=auth)
    notes = {}
    for lang in ("ja", "en"):
        page = client.get(f"/events/kms4?lang={lang}", headers=HTML).get_data(as_text=True)
        history = page.split('id="history"', 1)[1].split("</table>", 1)[0]
        notes[lang] = re.findall(r'<td data-label="[^"]*">([^<]*)</td>', history)
    assert "navwarnから発表" in notes["ja"] and "修正" in notes["ja"], notes
    assert not {"published from navwarn", "patched"} & set(notes["ja"]), notes
    assert "published from navwarn" in notes["en"] and "patched" in notes["en"], notes


def test_unknown_pages_are_404_html_for_browsers(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/events/nope", headers=HTML)
    assert r.status_code == 404 and r.mimetype == "text/html"
    r = client.get("/events/nope", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.mimetype == "application/problem+json"


def test_operator_needs_login_and_csrf(client, token, navarea_text) -> None:  # type: ignore[no-untyped-def]
    assert 'name="token"' in client.get("/operator").get_data(as_text=True)
    page = client.get("/operator").get_data(as_text=True)
    assert client.post("/operator/login", data={"token": token}).status_code == 403  # no CSRF token
    assert client.post("/operator/login", data={"token": "gw_x_y", "csrf_token": _csrf(page)}).status_code == 403
    csrf = login(client, token)
    # a form post without the CSRF token is refused and publishes nothing
    r = client.post("/operator", data={"mode": "text", "text": navarea_text, "action": "publish"})
    assert r.status_code == 403
    assert client.get("/api/events").get_json()["events"] == []
    # preview, then publish
    form = {
        "csrf_token": csrf,
        "mode": "text",
        "text": navarea_text,
        "name": "KMS-4 2016",
        "format": "auto",
        "action": "preview",
    }
    r = client.post("/operator", data=form)
    assert r.status_code == 200
    preview = r.get_data(as_text=True)
    assert 'id="publish-button"' in preview and "kms-4-2016" in preview
    assert client.get("/api/events").get_json()["events"] == []  # a preview saves nothing
    r = client.post("/operator", data={**form, "action": "publish"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/events/kms-4-2016")
    assert client.get("/api/events/kms-4-2016").get_json()["version"] == 1
    # publishing the same id again without "update" is refused with a message (a conflict), not a 500;
    # the notice is the one just published, so the acknowledgement is needed too
    r = client.post("/operator", data={**form, "action": "publish", "ack_warnings": "on"})
    assert r.status_code == 409 and "exists" in r.get_data(as_text=True)
    r = client.post("/operator", data={**form, "action": "publish", "update": "on", "event_id": "kms-4-2016"})
    assert r.status_code == 303  # an update of the same event repeats its own notice: no acknowledgement needed
    assert client.get("/api/events/kms-4-2016").get_json()["version"] == 2


def test_operator_parse_error_is_shown(client, token) -> None:  # type: ignore[no-untyped-def]
    csrf = login(client, token)
    r = client.post(
        "/operator", data={"csrf_token": csrf, "mode": "text", "text": "NOTHING USEFUL HERE", "action": "preview"}
    )
    assert r.status_code == 400
    assert 'id="error"' in r.get_data(as_text=True)


def test_operator_upload_and_profile(client, token) -> None:  # type: ignore[no-untyped-def]
    import io
    import json

    csrf = login(client, token)
    data = json.dumps(corridor_fc({"a": (124.5, 35.3, 124.9, 36.1)})).encode()
    r = client.post(
        "/operator",
        data={
            "csrf_token": csrf,
            "mode": "file",
            "name": "Uploaded",
            "action": "preview",
            "file": (io.BytesIO(data), "c.geojson"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 200, r.data[:500]
    assert 'name="file_b64"' in r.get_data(as_text=True)
    profile = {
        "site_lat": "39.66",
        "site_lon": "124.705",
        "azimuth": "180",
        "track_km": "2500",
        "half_width_km": "50",
        "stage1_km": "380",
        "stage2_km": "2200",
        "window_start": "2026-12-01T00:00:00Z",
        "window_end": "2026-12-01T05:00:00Z",
    }
    r = client.post(
        "/operator",
        data={"csrf_token": csrf, "mode": "profile", "name": "Profile test", "action": "publish", **profile},
    )
    assert r.status_code == 303, r.data[:800]
    ev = client.get("/api/events/profile-test").get_json()
    phases = {f["properties"]["phase"] for f in ev["corridors"]["features"]}
    assert {"stage1", "stage2", "overflight"} <= phases


def _unallowed_scripts(r) -> list[str]:  # type: ignore[no-untyped-def]
    """The inline scripts of a map response that its own CSP header does not allow (by sha256)."""
    csp = r.headers["Content-Security-Policy"]
    out = []
    for body in re.findall(r"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", r.get_data(as_text=True), re.S):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        if f"'sha256-{digest}'" not in csp:
            out.append(body[:80])
    return out


def test_concurrent_first_requests_of_a_map_get_a_csp_that_allows_their_own_scripts(app, auth) -> None:  # type: ignore[no-untyped-def]
    """Several open pages reload their map at once after a change (issue 13 live updates): each answer's CSP
    must allow the scripts of that answer's body, though the renders race to fill the cache."""
    import threading

    client = app.test_client()
    ev = {"geojson": corridor_fc({"a": (125.1, 24.6, 125.5, 24.9)}), "id": "ev"}
    assert client.post("/api/events", json=ev, headers=auth).status_code == 201
    client.post("/api/events/ev/cancel", headers=auth)  # the pages below are rendered on demand
    urls = ["/regions/JP-47/map?lang=en", "/regions/JP-47/map?lang=ja", "/map/overview"] * 3
    barrier = threading.Barrier(len(urls))
    answers: list[tuple[str, int, list[str]]] = []

    def fetch(url: str) -> None:
        c = app.test_client()
        barrier.wait()
        r = c.get(url)
        answers.append((url, r.status_code, _unallowed_scripts(r)))

    threads = [threading.Thread(target=fetch, args=(u,)) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(answers) == len(urls)
    assert [a for a in answers if a[1] != 200 or a[2]] == [], answers
