"""The web app serves the map renderer's vendored assets (geowarn/publish/vendor) at /static/vendor/."""

from __future__ import annotations

from flask.testing import FlaskClient

from geowarn.publish import assets


def _get(client: FlaskClient, path: str) -> tuple[int, str, bytes]:
    with client.get(path) as r:
        return r.status_code, r.mimetype or "", r.get_data()


def test_vendored_assets_are_served_from_the_package(client: FlaskClient) -> None:
    for asset in assets.ASSETS:
        status, _, body = _get(client, f"/static/vendor/{asset.path}")
        assert status == 200, asset.path
        assert body == (assets.VENDOR_DIR / asset.path).read_bytes()
    assert _get(client, "/static/vendor/leaflet-1.9.4/images/marker-icon.png")[:2] == (200, "image/png")
    assert _get(client, "/static/vendor/no-such-file.js")[0] == 404
    assert _get(client, "/static/vendor/%2e%2e/%2e%2e/__init__.py")[0] == 404  # nothing outside the vendor directory
    assert _get(client, "/static/geowarn.css")[0] == 200  # the app's own static files stay where they were
