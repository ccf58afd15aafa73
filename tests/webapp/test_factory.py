"""The app factory and the GEOWARN_* settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from geowarn.errors import InvalidParameter
from geowarn.publish.cap import NS, parse_cap
from geowarn.settings import Settings
from tests.webapp.helpers import wait_rendered
from webapp import create_app
from webapp.config import SETTINGS, split_config
from webapp.core import close_app


def test_index_and_health() -> None:
    app = create_app({"TESTING": True})
    client = app.test_client()
    assert client.get("/").status_code == 200
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json()["status"] == "ok"


def test_settings_come_from_env() -> None:
    s, rest = split_config(
        {}, Settings.from_env({"GEOWARN_DATA": "/tmp/x", "GEOWARN_TILE_URL": "http://127.0.0.1/{z}/{x}/{y}.png"})
    )
    assert s.data_dir == Path("/tmp/x")
    assert s.tile_url is not None and s.tile_url.startswith("http://127.0.0.1")
    assert rest == {}


def test_test_config_keys_override_settings(tmp_path: Path) -> None:
    app = create_app(
        {"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": None, "MAX_UPLOAD_MB": "0.5", "CAP_STATUS": "Test"}
    )
    s = app.extensions["geowarn.settings"]
    assert isinstance(s, Settings)
    assert s.data_dir == tmp_path and s.database_url is None and s.cap_status == "Test"
    # the upload limit; the raw body limit leaves room for a form's overhead (issue 14 #12)
    assert app.extensions["geowarn.upload_limit"] == 512 * 1024 < app.config["MAX_CONTENT_LENGTH"]
    assert (tmp_path / "geowarn.sqlite3").exists()
    assert "DATA_DIR" not in app.config and app.config["TESTING"] is True
    with pytest.raises(InvalidParameter, match="CAP_STATUS"):
        create_app({"DATA_DIR": str(tmp_path), "CAP_STATUS": "Real"})
    close_app(app)


def test_cap_sender_of_test_config_reaches_the_published_cap(tmp_path: Path, navarea_text: str) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp_path),
            "DATABASE_URL": None,
            "ALERT_LAYERS": "jp-prefectures",
            "CAP_SENDER": "alerts@city.example.jp",
            "CAP_SENDER_NAME": "City of Example",
        }
    )
    store = app.extensions["geowarn.store"]
    _id, token = store.create_token("tests")
    client = app.test_client()
    text = navarea_text
    r = client.post(
        "/api/events?name=KMS-4&id=kms4",
        data=text,
        content_type="text/plain",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.data
    assert wait_rendered(client)["failed"] == 0  # rendered in the background after the answer (issue 16)
    root = parse_cap(store.get_artifact("kms4", "cap").body)
    assert root.findtext("cap:sender", namespaces=NS) == "alerts@city.example.jp"
    assert root.findtext("cap:info/cap:senderName", namespaces=NS) == "City of Example"
    close_app(app)


def test_every_setting_is_documented_in_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [var for var in SETTINGS if f"`{var}`" not in readme]
    assert not missing, f"settings not documented in README: {missing}"
