"""Fixtures of the web tests: an app on a fresh SQLite store, a client, an API token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp import create_app
from webapp.core import close_app

#: The alert layers of the web tests (the engine's own tests cover every layer; these keep start-up short).
TEST_LAYERS = "jp-prefectures,eez-like"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": None, "ALERT_LAYERS": TEST_LAYERS})
    yield app
    app.extensions["geowarn.live"].stop()  # the live-update thread, if a stream started it
    close_app(app)  # the background renders of the test's writes finish before the store closes


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def token(app: Flask) -> str:
    _id, tok = app.extensions["geowarn.store"].create_token("tests")
    return str(tok)


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
