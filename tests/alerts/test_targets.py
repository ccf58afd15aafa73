"""SSRF (issue 14 #2): webhook and MQTT targets at private, loopback, link-local, multicast or reserved
addresses are refused at subscription time and again at delivery, after DNS resolution, unless
``GEOWARN_ALLOW_PRIVATE_TARGETS`` lists them. Real HTTP on loopback, the real resolver."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from geowarn.alerts import channels, rules
from geowarn.alerts.rules import Channel, Subscription
from geowarn.errors import DeliveryError, InvalidParameter
from geowarn.settings import Settings
from tests.alerts.helpers import WebhookReceiver
from webapp import create_app
from webapp.core import close_app

SECRET = "0123456789ab"
#: What the hostile review used; every one must be refused at creation.
PRIVATE_TARGETS = [
    "http://127.0.0.1/h",
    "http://127.0.0.1:8080/h",
    "http://localhost/h",
    "http://LOCALHOST./h",
    "http://[::1]/h",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.1.2.3/h",
    "http://192.168.1.1/h",
    "http://172.16.0.1/h",
    "http://0.0.0.0/h",
    "http://2130706433/h",
    "http://0x7f.1/h",
    "http://0177.0.0.1/h",
    "http://[::ffff:127.0.0.1]/h",
    "http://[::ffff:a9fe:a9fe]/h",
    "http://[fe80::1]/h",
    "http://224.0.0.1/h",
    "http://240.0.0.1/h",
    "https://100.64.0.1/h",
    "mqtt://127.0.0.1:1883/alerts",
    "mqtt://localhost/alerts",
]


def _channel(target: str) -> dict[str, str]:
    if target.startswith("mqtt://"):
        return {"kind": "mqtt", "target": target}
    return {"kind": "webhook", "target": target, "secret": SECRET}


def _app(tmp_path: Path, allow: str) -> Flask:
    config = {"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": None, "ALLOW_PRIVATE_TARGETS": allow}
    return create_app(config)


@pytest.fixture
def strict_app(tmp_path: Path) -> Iterator[Flask]:
    """An app that allows no private target (the production default)."""
    app = _app(tmp_path, "")
    yield app
    close_app(app)


def _auth(app: Flask) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.extensions['geowarn.store'].create_token('t')[1]}"}


@pytest.mark.parametrize("target", PRIVATE_TARGETS)
def test_private_targets_refused_at_creation(strict_app: Flask, target: str) -> None:
    r = strict_app.test_client().post(
        "/api/subscriptions", json={"regions": ["JP-47"], "channels": [_channel(target)]}, headers=_auth(strict_app)
    )
    assert r.status_code == 400, (target, r.get_json())
    problem = r.get_json()
    assert r.headers["Content-Type"].startswith("application/problem+json")
    assert problem["field"] == "channels[0].target" and "refused" in problem["detail"]


def test_string_channel_and_cli_library_path_refused() -> None:
    with pytest.raises(InvalidParameter, match="loopback"):
        Subscription.from_json({"regions": ["JP-47"], "channels": ["mqtt://127.0.0.1/t"]}, allow_private=())
    with pytest.raises(InvalidParameter, match="link-local"):
        rules.parse_channel("http://169.254.169.254/", SECRET, allow=())


def test_allow_list_lets_only_its_entries_through(tmp_path: Path) -> None:
    app = _app(tmp_path, "127.0.0.1, hooks.internal")
    try:
        c, auth = app.test_client(), _auth(app)
        body = {"regions": ["JP-47"], "channels": [_channel(PRIVATE_TARGETS[1])]}
        ok = c.post("/api/subscriptions", json=body, headers=auth)
        assert ok.status_code == 201, ok.get_json()
        for target in ("http://10.1.2.3/h", "http://[::1]/h", "http://localhost/h"):
            r = c.post("/api/subscriptions", json={"regions": ["JP-47"], "channels": [_channel(target)]}, headers=auth)
            assert r.status_code == 400, target
    finally:
        close_app(app)


def test_public_and_unresolvable_names_accepted() -> None:
    for target in ("https://93.184.215.14/h", "https://hooks.example.org/geowarn"):
        assert Subscription.from_json({"regions": ["JP-47"], "channels": [_channel(target)]}, allow_private=())


MSG = channels.Outgoing("geowarn-ev1-sub-x-1", b"<alert/>", "Alert", "ev1")


def test_delivery_checks_the_resolved_address(receiver: WebhookReceiver) -> None:
    """A name accepted earlier that now resolves to loopback (DNS rebinding) is refused at delivery."""
    port = receiver.url.rsplit(":", 1)[1].split("/")[0]
    rebound = Channel("webhook", f"http://localhost:{port}/hook", receiver.secret)  # stored as if it were public
    with pytest.raises(DeliveryError) as ei:
        channels.send(rebound, MSG, timeout=2, settings=Settings(allow_private_targets=()))
    assert ei.value.permanent and "loopback" in str(ei.value)
    assert receiver.requests == 0
    # allowed: the connection goes to the checked address and the Host header keeps the name
    assert channels.send(rebound, MSG, timeout=2, settings=Settings(allow_private_targets=("127.0.0.0/8",))) == 200
    (got,) = receiver.wait_for(1)
    assert got.headers["Host"] == f"localhost:{port}" and got.signature_ok


def test_mqtt_broker_target_checked_at_delivery() -> None:
    with pytest.raises(DeliveryError) as ei:
        channels.send(Channel("mqtt", "mqtt://127.0.0.1:1883/x"), MSG, timeout=1, settings=Settings())
    assert ei.value.permanent and "127.0.0.1" in str(ei.value)


def test_redirects_are_not_followed(receiver: WebhookReceiver) -> None:
    receiver.fail_with = 302
    with pytest.raises(DeliveryError, match="HTTP 302"):
        channels.send(Channel("webhook", receiver.url, receiver.secret), MSG, timeout=2)
    assert receiver.requests == 1 and receiver.received == []


def test_a_checked_address_is_reused_for_a_short_while(
    receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: one lookup per host and TTL, not per delivery; a refusal is never kept."""
    import socket

    from geowarn.alerts import targets

    calls: list[str] = []
    real = socket.getaddrinfo

    def counting(host: str, *a: object, **k: object) -> object:
        if host == "localhost":  # (connecting to the checked address resolves "127.0.0.1" too)
            calls.append(host)
        return real(host, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    targets._RESOLVED.clear()
    port = receiver.url.rsplit(":", 1)[1].split("/")[0]
    hook = Channel("webhook", f"http://localhost:{port}/hook", receiver.secret)
    for allow in ((), ()):  # refused twice: looked up twice
        with pytest.raises(DeliveryError):
            channels.send(hook, MSG, timeout=2, settings=Settings(allow_private_targets=allow))
    assert calls == ["localhost", "localhost"]
    ok = Settings(allow_private_targets=("127.0.0.0/8",))
    assert [channels.send(hook, MSG, timeout=2, settings=ok) for _ in range(3)] == [200] * 3
    assert calls == ["localhost"] * 3
    monkeypatch.setattr(targets, "RESOLVE_TTL_S", 0.0)  # expired: looked up at each delivery again
    targets._RESOLVED.clear()
    assert [channels.send(hook, MSG, timeout=2, settings=ok) for _ in range(2)] == [200] * 2
    assert calls == ["localhost"] * 5
    assert len(receiver.wait_for(5)) == 5
