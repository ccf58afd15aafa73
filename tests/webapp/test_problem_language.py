"""Issue 13: the public pages' and feeds' errors have their problem ``title`` in the reader's language.

The language is chosen as for the pages (``?lang=``, ``Accept-Language``, the region's language); the
``detail`` stays English (it quotes the input). The JSON API (``/api/…``) answers in English always.
"""

from __future__ import annotations

from flask.testing import FlaskClient

from geowarn.i18n import CATALOGUE

JA = {"Accept-Language": "ja-JP,ja;q=0.9"}


def problem(client: FlaskClient, path: str, **headers: str) -> tuple[int, dict[str, str], str | None]:
    r = client.get(path, headers=headers)
    assert r.mimetype == "application/problem+json", (path, r.mimetype)
    return r.status_code, r.get_json(), r.headers.get("Content-Language")


def test_a_missing_event_page_says_not_found_in_japanese_to_a_japanese_reader(client: FlaskClient) -> None:
    status, body, lang = problem(client, "/events/no-such-event", **JA)
    assert (status, body["title"], lang) == (404, CATALOGUE["problem.not-found"]["ja"], "ja")
    assert "no-such-event" in body["detail"]
    status, body, lang = problem(client, "/events/no-such-event?lang=en", **JA)
    assert (status, body["title"], lang) == (404, "Not found", "en")
    r = client.get("/events/no-such-event", headers={**JA, "Accept": "text/html"})
    assert r.status_code == 404 and f"404 · {CATALOGUE['problem.not-found']['ja']}" in r.get_data(as_text=True)
    assert "Accept-Language" in r.headers["Vary"]


def test_feed_and_stream_errors_follow_the_reader_and_the_api_stays_english(client: FlaskClient) -> None:
    invalid = CATALOGUE["problem.invalid-parameter"]["ja"]
    assert problem(client, "/alerts.atom?x=1", **JA)[1]["title"] == invalid
    assert problem(client, "/alerts.atom?x=1")[1]["title"] == "Invalid parameter"  # default English
    assert problem(client, "/events/stream?topic=region:", **JA)[1]["title"] == invalid
    status, body, lang = problem(client, "/api/events/no-such-event", **JA)
    assert (status, body["title"], lang) == (404, "Not found", None)


def test_a_japanese_region_page_error_is_in_japanese_without_any_header(client: FlaskClient) -> None:
    status, body, lang = problem(client, "/regions/JP-47?now=not-a-time")  # ?now= is for tests: a bad one is 400
    assert status == 400 and lang == "ja" and body["title"] == CATALOGUE["problem.invalid-parameter"]["ja"]
    status, body, lang = problem(client, "/regions/JP-47?now=not-a-time&lang=en")
    assert (status, body["title"], lang) == (400, "Invalid parameter", "en")
