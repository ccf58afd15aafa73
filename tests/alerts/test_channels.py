"""Channels against real servers on loopback: an HTTP receiver, aiosmtpd, and Mosquitto (MQTT 5, QoS 1)."""

from __future__ import annotations

import email
import os
import socket
import threading
import time
import uuid
from typing import Any

import pytest

from geowarn.alerts import channels
from geowarn.alerts.channels import Outgoing, sign, verify
from geowarn.alerts.rules import Channel, Subscription, parse_channel
from geowarn.errors import DeliveryError, InvalidParameter
from tests.alerts.helpers import WebhookReceiver, free_port

CAP = (
    b"<?xml version='1.0' encoding='UTF-8'?>\n<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"
    b"<identifier>m-1</identifier><msgType>Alert</msgType><info><language>en-US</language>"
    b"<headline>Rocket debris: Okinawa</headline><description>JP-47 Severe</description></info></alert>"
)
MSG = Outgoing("geowarn-ev-sub-1-1", CAP, "Alert", "ev")


def test_signature_is_hmac_sha256_of_the_body() -> None:
    import hashlib
    import hmac

    sig = sign(CAP, "k" * 16)
    assert sig == "sha256=" + hmac.new(b"k" * 16, CAP, hashlib.sha256).hexdigest()
    assert verify(CAP, "k" * 16, sig)
    assert not verify(CAP + b" ", "k" * 16, sig)
    assert not verify(CAP, "other-secret", sig)


def test_webhook_post_headers_and_signature(receiver: WebhookReceiver) -> None:
    code = channels.send(Channel("webhook", receiver.url, receiver.secret), MSG)
    assert code == 200
    (got,) = receiver.wait_for(1)
    assert got.signature_ok and got.body == CAP and got.message_id == MSG.message_id
    assert got.headers["Content-Type"].startswith("application/cap+xml")
    assert abs(int(got.headers["X-Geowarn-Timestamp"]) - time.time()) < 60


@pytest.mark.parametrize(
    "status, permanent", [(500, False), (503, False), (408, False), (429, False), (404, True), (410, True), (400, True)]
)
def test_webhook_error_classification(receiver: WebhookReceiver, status: int, permanent: bool) -> None:
    receiver.fail_with = status
    with pytest.raises(DeliveryError) as ei:
        channels.send(Channel("webhook", receiver.url, receiver.secret), MSG)
    assert ei.value.permanent is permanent and str(status) in str(ei.value)


def test_webhook_timeout_and_refused_are_transient(receiver: WebhookReceiver) -> None:
    receiver.stall_s = 1.5
    t = time.monotonic()
    with pytest.raises(DeliveryError) as ei:
        channels.send(Channel("webhook", receiver.url, receiver.secret), MSG, timeout=0.3)
    assert not ei.value.permanent and time.monotonic() - t < 1.4
    with pytest.raises(DeliveryError) as ei:
        channels.send(Channel("webhook", f"http://127.0.0.1:{free_port()}/", "x" * 10), MSG, timeout=1)
    assert not ei.value.permanent


class _Collect:
    def __init__(self) -> None:
        self.messages: list[Any] = []
        self.reject: int | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if self.reject:
            return f"{self.reject} mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(envelope)
        return "250 Message accepted"


def test_email_through_a_real_smtp_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from aiosmtpd.controller import Controller

    handler = _Collect()
    port = free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        monkeypatch.setenv("GEOWARN_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("GEOWARN_SMTP_PORT", str(port))
        monkeypatch.setenv("GEOWARN_SMTP_FROM", "alerts@geowarn.test")
        assert channels.send(Channel("email", "ops@example.org"), MSG) == 250
        (env,) = handler.messages
        assert env.rcpt_tos == ["ops@example.org"] and env.mail_from == "alerts@geowarn.test"
        msg = email.message_from_bytes(env.content)
        assert msg["X-Geowarn-Message-Id"] == MSG.message_id
        assert "Rocket debris: Okinawa" in msg["Subject"] and "[geowarn Alert]" in msg["Subject"]
        parts = {p.get_content_type(): p for p in msg.walk()}
        assert parts["application/cap+xml"].get_payload(decode=True) == CAP
        handler.reject = 550
        with pytest.raises(DeliveryError) as ei:
            channels.send(Channel("email", "nobody@example.org"), MSG)
        assert ei.value.permanent
        handler.reject = 450
        with pytest.raises(DeliveryError) as ei:
            channels.send(Channel("email", "later@example.org"), MSG)
        assert not ei.value.permanent
    finally:
        ctl.stop()


def mqtt_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1):
            return True
    except OSError:
        return False


def test_mqtt_qos1_through_mosquitto() -> None:
    if not mqtt_up():
        pytest.skip("Mosquitto is not running on 127.0.0.1:1883")
    import paho.mqtt.client as mqtt

    topic = f"geowarn-test/{uuid.uuid4().hex}"
    got: list[Any] = []
    ready = threading.Event()
    sub = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    sub.on_subscribe = lambda *a, **k: ready.set()
    sub.on_message = lambda c, u, m: got.append(m)
    sub.connect("127.0.0.1", 1883)
    sub.loop_start()
    try:
        sub.subscribe(topic, qos=1)
        assert ready.wait(5)
        channels.send(Channel("mqtt", topic), MSG)
        deadline = time.monotonic() + 5
        while not got and time.monotonic() < deadline:
            time.sleep(0.02)
        (m,) = got
        assert m.payload == CAP and m.qos == 1
        assert ("message-id", MSG.message_id) in m.properties.UserProperty
    finally:
        sub.disconnect()
        sub.loop_stop()


def test_mqtt_broker_down_is_transient() -> None:
    with pytest.raises(DeliveryError) as ei:
        channels.send(Channel("mqtt", f"mqtt://127.0.0.1:{free_port()}/x"), MSG, timeout=1)
    assert not ei.value.permanent


@pytest.mark.parametrize(
    "text, kind",
    [("https://example.org/h", "webhook"), ("mailto:a@b.org", "email"), ("a@b.org", "email"), ("mqtt:a/b", "mqtt")],
)
def test_parse_channel(text: str, kind: str) -> None:
    assert parse_channel(text, "0123456789").kind == kind


@pytest.mark.parametrize(
    "obj, field",
    [
        ({"regions": ["JP-47"], "channels": []}, "channel"),
        ({"channels": [{"kind": "email", "target": "a@b.org"}]}, "region"),
        ({"regions": ["JP 47"], "channels": [{"kind": "email", "target": "a@b.org"}]}, "malformed"),
        ({"regions": ["JP-47"], "channels": [{"kind": "webhook", "target": "ftp://x", "secret": "0123456789"}]}, "URL"),
        ({"regions": ["JP-47"], "channels": [{"kind": "webhook", "target": "http://x/h"}]}, "secret"),
        ({"regions": ["JP-47"], "channels": [{"kind": "mqtt", "target": "a/#"}]}, "MQTT"),
        ({"regions": ["JP-47"], "min_severity": "Huge", "channels": ["a@b.org"]}, "min_severity"),
        ({"regions": ["JP-47"], "margin_km": 9999, "channels": ["a@b.org"]}, "margin_km"),
        ({"regions": ["JP-47"], "colour": "red", "channels": ["a@b.org"]}, "colour"),
    ],
)
def test_subscription_validation_names_the_field(obj: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidParameter) as ei:
        Subscription.from_json(obj)
    assert field in str(ei.value)


def test_secrets_masked_in_listings() -> None:
    sub = Subscription.from_json(
        {"regions": ["JP-47"], "channels": [{"kind": "webhook", "target": "http://h/x", "secret": "top-secret-1"}]}
    )
    assert "top-secret-1" not in str(sub.to_json()) and "top-secret-1" in str(sub.to_json(reveal=True))
    assert os.environ.get("GEOWARN_SMTP_PORT") is None or True


def test_email_sessions_are_kept_per_thread_through_errors_and_a_server_restart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 16: one SMTP connection per e-mail; with the worker's pool a thread keeps its session."""
    from aiosmtpd.controller import Controller

    class Peers(_Collect):
        def __init__(self) -> None:
            super().__init__()
            self.peers: set[Any] = set()

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
            self.peers.add(session.peer)
            return await super().handle_DATA(server, session, envelope)

    handler = Peers()
    port = free_port()
    monkeypatch.setenv("GEOWARN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GEOWARN_SMTP_PORT", str(port))
    pool = channels.Pool()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        for i in range(5):
            assert channels.send(Channel("email", f"ops{i}@example.org"), MSG, pool=pool) == 250
        assert len(handler.messages) == 5 and len(handler.peers) == 1 and (pool.opened, pool.reused) == (1, 4)
        handler.reject = 550  # a refused recipient: permanent, and the session stays usable
        with pytest.raises(DeliveryError) as ei:
            channels.send(Channel("email", "nobody@example.org"), MSG, pool=pool)
        assert ei.value.permanent
        handler.reject = None
        assert channels.send(Channel("email", "ops@example.org"), MSG, pool=pool) == 250
        assert len(handler.messages) == 6 and len(handler.peers) == 1
    finally:
        ctl.stop()
    ctl = Controller(handler, hostname="127.0.0.1", port=port)  # the kept session is gone with the old server
    ctl.start()
    try:
        assert channels.send(Channel("email", "again@example.org"), MSG, pool=pool) == 250
        assert len(handler.messages) == 7 and len(handler.peers) == 2
    finally:
        pool.close()
        ctl.stop()
    assert [e.rcpt_tos for e in handler.messages][-2:] == [["ops@example.org"], ["again@example.org"]]
