"""The app factory and the GEOWARN_* settings."""

from __future__ import annotations

from pathlib import Path

from webapp import create_app
from webapp.config import SETTINGS, from_env


def test_index_and_health() -> None:
    app = create_app({"TESTING": True})
    client = app.test_client()
    assert client.get("/").status_code == 200
    r = client.get("/healthz")
    assert r.status_code == 200 and r.get_json()["status"] == "ok"


def test_settings_come_from_env() -> None:
    cfg = from_env({"GEOWARN_DATA": "/tmp/x", "GEOWARN_TILE_URL": "http://127.0.0.1/{z}/{x}/{y}.png"})
    assert cfg["DATA_DIR"] == "/tmp/x"
    assert cfg["TILE_URL"].startswith("http://127.0.0.1")


def test_every_setting_is_documented_in_readme() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [var for var in SETTINGS if f"`{var}`" not in readme]
    assert not missing, f"settings not documented in README: {missing}"
