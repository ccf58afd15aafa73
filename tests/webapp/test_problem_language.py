"""Issue 13: the public pages' and feeds' errors have their problem ``title`` in the reader's language.

The language is chosen as for the pages (``?lang=``, ``Accept-Language``, the region's language); the
common ``detail`` texts are catalogue messages (``error.*``) in that language too, the input they quote
kept verbatim. The JSON API (``/api/…``) answers in English always, but for the public point query.
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


def test_common_details_are_in_the_readers_language_and_quote_the_input_verbatim(client: FlaskClient) -> None:
    """The detail of a missing event, a bad ``lang``/``f``/``topic``, an unknown URL and parameter (#13)."""
    weird = "no-such-<b>&-event"
    status, body, lang = problem(client, f"/events/{weird}", **JA)
    assert (status, lang, body["detail"]) == (404, "ja", f"事象 {weird!r} はありません")
    assert problem(client, f"/events/{weird}?lang=en", **JA)[1]["detail"] == f"no event {weird!r}"
    status, body, _ = problem(client, "/alerts.atom?lang=xx", **JA)
    assert (status, body["detail"]) == (400, "lang は en, ja のいずれかです（指定：'xx'）")
    assert problem(client, "/alerts.atom?lang=xx")[1]["detail"] == "lang must be one of en, ja, got 'xx'"
    assert problem(client, "/alerts.atom?x=1", **JA)[1]["detail"].startswith("不明なクエリパラメータ：x（")
    assert problem(client, "/?f=xml", **JA)[1]["detail"] == "f は json か html です（指定：'xml'）"
    detail = problem(client, "/events/stream?topic=region:", **JA)[1]["detail"]
    assert detail.startswith("topic は") and "'region:'" in detail
    r = client.get("/no/such/page", headers={**JA, "Accept": "text/html"})  # a browser: the error page
    assert r.status_code == 404 and CATALOGUE["error.http_404"]["ja"] in r.get_data(as_text=True)
    assert problem(client, "/no/such/page")[1]["detail"] == CATALOGUE["error.http_404"]["en"]
    status, body, _ = problem(client, "/regions/JP-47?now=not-a-time")  # a Japanese region: ja without a header
    assert body["detail"] == "now は ISO 8601 の時刻です（指定：'not-a-time'）"
    # the published files and the point query are public too
    status, body, lang = problem(client, "/events/nope.kml", **JA)
    assert (status, lang, body["detail"]) == (404, "ja", "事象 'nope' はありません")
    status, body, lang = problem(client, "/api/affected?lang=ja&place=XX-nowhere")
    assert status == 404 and body["detail"] == "場所 'XX-nowhere' はありません", body
    status, body, lang = problem(client, "/api/affected?lat=95&lon=127", **JA)
    assert (status, lang, body["detail"], body["field"]) == (400, "ja", "lat：95 は -90〜90 の範囲外です", "lat")
    assert problem(client, "/api/affected?lat=95&lon=127")[1]["detail"] == "lat: 95 is outside -90..90"
    # the token API stays English
    assert problem(client, f"/api/events/{weird}", **JA)[1]["detail"] == f"no event {weird!r}"


def test_every_error_message_has_both_languages_with_the_same_placeholders() -> None:
    from string import Formatter

    ids = [k for k in CATALOGUE if k.startswith("error.")]
    assert len(ids) >= 10
    for msgid in ids:
        fields = [{f for _, f, _, _ in Formatter().parse(CATALOGUE[msgid][lang]) if f} for lang in ("en", "ja")]
        assert fields[0] == fields[1], msgid
