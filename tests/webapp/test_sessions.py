"""Operator sessions (issue 14 #5, #9): revoking a token ends the sessions logged in with it; the
session cookie is SameSite=Lax, HttpOnly, and Secure when the request came over HTTPS."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.webapp.test_pages import login
from webapp import create_app
from webapp.core import close_app


def _publish_form(csrf: str, text: str) -> dict[str, str]:
    return {"csrf_token": csrf, "mode": "text", "text": text, "name": "KMS-4 2016", "action": "publish"}


def test_revoked_token_ends_operator_sessions(app: Flask, client: FlaskClient, navarea_text: str) -> None:
    store = app.extensions["geowarn.store"]
    token_id, token = store.create_token("operator")
    csrf = login(client, token)
    store.revoke_token(token_id)
    r = client.post("/operator", data=_publish_form(csrf, navarea_text))
    assert r.status_code == 403 and "revoked" in r.get_data(as_text=True)
    assert store.count_events() == 0  # nothing published with the revoked token
    # the session is gone: the next page is the login form, and a valid token works again
    assert 'name="token"' in client.get("/operator").get_data(as_text=True)
    _id2, token2 = store.create_token("operator-2")
    csrf = login(client, token2)
    assert client.post("/operator", data=_publish_form(csrf, navarea_text)).status_code == 303
    assert store.count_events() == 1


def _cookie(client: FlaskClient, token: str, **kw: object) -> str:
    page = client.get("/operator", **kw)  # type: ignore[arg-type]
    return page.headers.get("Set-Cookie", "")


def test_session_cookie_flags(app: Flask, client: FlaskClient, token: str) -> None:
    plain = _cookie(client, token)
    assert "SameSite=Lax" in plain and "HttpOnly" in plain and "Secure" not in plain
    https = _cookie(app.test_client(), token, base_url="https://localhost")
    assert "SameSite=Lax" in https and "Secure" in https


def test_secure_cookie_behind_a_trusted_tls_proxy(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": None, "TRUSTED_PROXIES": "1"})
    try:
        c = app.test_client()
        proxied = c.get("/operator", headers={"X-Forwarded-Proto": "https"}).headers.get("Set-Cookie", "")
        assert "Secure" in proxied and "SameSite=Lax" in proxied
        assert "Secure" not in app.test_client().get("/operator").headers.get("Set-Cookie", "")
    finally:
        close_app(app)
    untrusted = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": None})
    try:  # without GEOWARN_TRUSTED_PROXIES the header is a client's claim: ignored
        got = untrusted.test_client().get("/operator", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" not in got.headers.get("Set-Cookie", "")
    finally:
        close_app(untrusted)
