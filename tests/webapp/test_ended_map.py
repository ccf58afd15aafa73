"""An ended event's map is drawn as ended in the map file itself (issue 13 #3), like a cancelled one.

An event ends without a new version (its last window is over), so the web service draws the
stored version again when its map is read after the end: grey corridors and zones under an
all-clear banner. The clock is the test app's ``?now=``.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from geowarn import rendering
from geowarn.model import Severity
from geowarn.publish.maps import CANCELLED_COLOR, SEVERITY_COLORS
from tests.webapp.test_region_verdict import NOW, publish

#: The window is 2026-12-02T22:00Z–2026-12-03T01:00Z (test_region_verdict.START/END): 07:00–10:00 JST.
AFTER = "2026-12-03T02:00:00Z"  # 11:00 JST, an hour after the end


def _fills(html: str) -> set[str]:
    """The fill colours of the event's features (corridors and zones) in the page's GeoJSON."""
    return set(re.findall(r'"fillColor": "(#[0-9a-f]{6})", "fillOpacity": 0\.(?:45|08|2)\b', html))


def test_the_map_read_after_the_last_window_is_grey_with_an_all_clear_banner(app: Flask, client: FlaskClient) -> None:
    event_id = publish(app, "Miyako morning")
    before = client.get(f"/events/{event_id}/map?now={NOW}")
    html = before.get_data(as_text=True)
    assert before.status_code == 200 and "gw-banner gw-banner-ended" not in html
    assert SEVERITY_COLORS[Severity.EXTREME] in _fills(html)  # the warning as published: dark red
    after = client.get(f"/events/{event_id}/map?now={AFTER}")
    ended = after.get_data(as_text=True)
    assert after.status_code == 200 and "gw-banner gw-banner-ended" in ended
    # the end in both languages (22:00Z + 3 h = 01:00Z = 10:00 JST on 3 December)
    assert "All clear: ended at 2026-12-03 10:00 JST" in ended
    assert "警戒解除：2026-12-03 10:00（日本時間）に終了" in ended
    assert _fills(ended) == {CANCELLED_COLOR}  # nothing of it red any more
    assert after.headers["ETag"] != before.headers["ETag"] and after.headers["ETag"].endswith('-ended"')
    assert (
        client.get(f"/events/{event_id}/map?now={AFTER}", headers={"If-None-Match": after.headers["ETag"]}).status_code
        == 304
    )
    assert after.headers["Content-Security-Policy"] != before.headers["Content-Security-Policy"]  # its own scripts
    # the version's published file stays as it was published
    with app.app_context():
        from webapp.core import store

        stored = rendering.published_file(store(), event_id, "map").body.decode()
    assert "gw-banner gw-banner-ended" not in stored and SEVERITY_COLORS[Severity.EXTREME] in _fills(stored)


def test_a_cancelled_map_stays_the_cancelled_one(app: Flask, client: FlaskClient) -> None:
    from datetime import UTC, datetime

    from tests.webapp.test_region_verdict import cancel

    event_id = publish(app, "Miyako morning")
    cancel(app, event_id, datetime(2026, 12, 2, 20, 0, tzinfo=UTC))
    html = client.get(f"/events/{event_id}/map?now={AFTER}").get_data(as_text=True)
    assert "gw-banner gw-banner-cancelled" in html and "gw-banner gw-banner-ended" not in html
    assert _fills(html) == {CANCELLED_COLOR}
