"""The region page is kept per store generation and second (issue 16): cheap for a crowd, never stale.

A crowd of readers of ``/regions/JP-47`` costs one render per process and second; the page is
conditional on its ETag (a proxy revalidates it with a 304); any write is seen by the next request;
an operator's page (it carries their CSRF token) is never served to anyone else.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.test_pages import login
from tests.webapp.test_region_verdict import NOW, cancel, get, publish, verdict_text

URL = f"/regions/JP-47?now={NOW}&lang=en"


def test_the_page_is_conditional_on_its_etag(app: Flask, client: FlaskClient) -> None:
    publish(app, "Miyako morning")
    first, again = client.get(URL), client.get(URL)
    assert first.status_code == again.status_code == 200
    assert first.headers["ETag"] == again.headers["ETag"] and first.data == again.data
    assert "Accept-Language" in first.headers["Vary"]
    r = client.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert r.status_code == 304 and r.data == b""
    other = client.get(f"/regions/JP-47?now={NOW}&lang=ja")  # another language, another page
    assert other.headers["ETag"] != first.headers["ETag"] and '<html lang="ja">' in other.get_data(as_text=True)


def test_a_publish_and_a_cancel_are_seen_by_the_next_request_at_the_same_second(
    app: Flask, client: FlaskClient
) -> None:
    quiet = client.get(URL)
    assert "No warning covers" in verdict_text(quiet.get_data(as_text=True))
    event_id = publish(app, "Miyako morning")
    warned = client.get(URL)
    assert warned.headers["ETag"] != quiet.headers["ETag"]
    assert "Miyako morning" in warned.get_data(as_text=True)
    assert client.get(URL, headers={"If-None-Match": quiet.headers["ETag"]}).status_code == 200
    cancel(app, event_id, datetime(2026, 12, 2, 20, 0, tzinfo=UTC))
    cancelled = client.get(URL)
    assert cancelled.headers["ETag"] not in (quiet.headers["ETag"], warned.headers["ETag"])
    assert verdict_text(cancelled.get_data(as_text=True)) != verdict_text(warned.get_data(as_text=True))


def test_an_operators_page_is_never_served_to_another_reader(app: Flask, token: str) -> None:
    operator, reader = app.test_client(), app.test_client()
    csrf = login(operator, token)
    mine = get(operator, URL)
    assert csrf in mine and "/operator/logout" in mine
    theirs = get(reader, URL)  # the same region, language, generation and second
    assert csrf not in theirs and "/operator/logout" not in theirs
    assert "/operator/logout" in get(operator, URL)  # and the reader's copy is not the operator's
