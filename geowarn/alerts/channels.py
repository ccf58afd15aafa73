"""Delivery channels: webhook (HTTP POST, HMAC-SHA256 signed), e-mail (SMTP) and MQTT (paho-mqtt, QoS 1).

Each sender takes the CAP XML and the stable message id and either returns (delivered) or raises
:class:`geowarn.errors.DeliveryError`; ``permanent=True`` means retrying cannot help (HTTP 4xx
other than 408/429, SMTP 5xx) and the outbox row is parked with the reason.

Webhook receivers verify ``X-Geowarn-Signature: sha256=<hex>``, the HMAC-SHA256 of the raw body
with the subscription's secret, and drop duplicates by ``X-Geowarn-Message-Id``:

>>> sign(b"<alert/>", "s3cret-key")
'sha256=817cead7b548b6eed39cdeb7df91b821648fa49cd490db6017e606584bb03af6'
>>> verify(b"<alert/>", "s3cret-key", sign(b"<alert/>", "s3cret-key"))
True

Settings: the ``smtp_*``, ``mqtt_url`` and ``delivery_timeout_s`` fields of
:class:`geowarn.settings.Settings` (``settings=``, the worker's); without them the
``GEOWARN_SMTP_*``, ``GEOWARN_MQTT_URL`` and ``GEOWARN_DELIVERY_TIMEOUT_S`` variables.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from geowarn.alerts.rules import Channel
from geowarn.errors import DeliveryError, InvalidParameter
from geowarn.settings import Settings, library_fallback

CAP_MEDIA_TYPE = "application/cap+xml"
USER_AGENT = "geowarn-alerts/1"
#: HTTP statuses that are worth retrying although they are 4xx.
RETRYABLE_4XX = frozenset({408, 425, 429})


def sign(body: bytes, secret: str) -> str:
    """Compute the ``X-Geowarn-Signature`` value: ``sha256=`` + hex HMAC-SHA256 of ``body`` keyed by ``secret``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    """Constant-time check of a received signature (for receivers and tests)."""
    return hmac.compare_digest(sign(body, secret), signature.strip())


def timeout_s(settings: Settings | None = None) -> float:
    """Return the delivery timeout (``GEOWARN_DELIVERY_TIMEOUT_S``; its default when the variable is bad)."""
    try:
        return library_fallback("delivery", settings).delivery_timeout_s
    except InvalidParameter:
        return Settings.delivery_timeout_s


@dataclass(frozen=True)
class Outgoing:
    """What a channel sends: the CAP bytes, the stable id and a few facts for subjects/headers."""

    message_id: str
    body: bytes
    msg_type: str
    event_id: str


# --------------------------------------------------------------------------- webhook


def webhook_headers(msg: Outgoing, secret: str | None, now: float | None = None) -> dict[str, str]:
    """Return the headers of a webhook delivery: media type, message ids, timestamp and (with ``secret``) signature."""
    headers = {
        "Content-Type": f"{CAP_MEDIA_TYPE}; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Geowarn-Message-Id": msg.message_id,
        "X-Geowarn-Message-Type": msg.msg_type,
        "X-Geowarn-Event-Id": msg.event_id,
        "X-Geowarn-Timestamp": str(int(now if now is not None else time.time())),
    }
    if secret:
        headers["X-Geowarn-Signature"] = sign(msg.body, secret)
    return headers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.ProxyHandler({}))


def send_webhook(
    channel: Channel, msg: Outgoing, *, timeout: float | None = None, settings: Settings | None = None
) -> int:
    """POST the CAP XML; return the HTTP status (2xx). Redirects are not followed (a 3xx is an error)."""
    req = urllib.request.Request(
        channel.target, data=msg.body, method="POST", headers=webhook_headers(msg, channel.secret)
    )
    try:
        with _OPENER.open(req, timeout=timeout or timeout_s(settings)) as resp:
            resp.read(65536)
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        code = exc.code
        exc.close()
        permanent = 400 <= code < 500 and code not in RETRYABLE_4XX
        raise DeliveryError(f"webhook answered HTTP {code} {exc.reason}", permanent=permanent) from None
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"webhook unreachable: {reason}") from None


# --------------------------------------------------------------------------- e-mail


def smtp_settings(env: Mapping[str, str] | None = None, *, settings: Settings | None = None) -> dict[str, Any]:
    """Return the SMTP server of e-mail channels: of ``settings``, else of ``env`` (default: the environment)."""
    s = library_fallback("smtp", settings, environ=env)
    return {
        "host": s.smtp_host,
        "port": s.smtp_port,
        "from": s.smtp_from,
        "user": s.smtp_user,
        "password": s.smtp_password,
        "starttls": s.smtp_starttls,
    }


def email_message(channel: Channel, msg: Outgoing, sender: str) -> EmailMessage:
    """Build a text e-mail with the CAP headline and description, the CAP XML attached."""
    from geowarn.publish.cap import CAP_NS, parse_cap

    root = parse_cap(msg.body)
    info = root.find(f"{{{CAP_NS}}}info")
    headline = info.findtext(f"{{{CAP_NS}}}headline") if info is not None else None
    desc = info.findtext(f"{{{CAP_NS}}}description") if info is not None else None
    instruction = info.findtext(f"{{{CAP_NS}}}instruction") if info is not None else None
    em = EmailMessage()
    em["Subject"] = f"[geowarn {msg.msg_type}] {headline or msg.event_id}"
    em["From"] = sender
    em["To"] = channel.target
    em["Date"] = formatdate(usegmt=True)
    em["Message-ID"] = f"<{msg.message_id}@geowarn>"
    em["X-Geowarn-Message-Id"] = msg.message_id
    em.set_content("\n\n".join(x for x in (headline, desc, instruction, f"CAP identifier: {msg.message_id}") if x))
    em.add_attachment(msg.body, maintype="application", subtype="cap+xml", filename=f"{msg.message_id}.cap.xml")
    return em


def send_email(
    channel: Channel, msg: Outgoing, *, timeout: float | None = None, settings: Settings | None = None
) -> int:
    """Send through the configured SMTP server; return the SMTP reply code (250)."""
    cfg = smtp_settings(settings=settings)
    em = email_message(channel, msg, cfg["from"])
    try:
        with smtplib.SMTP(cfg["host"], cfg["port"], timeout=timeout or timeout_s(settings)) as smtp:
            if cfg["starttls"]:
                smtp.starttls(context=ssl.create_default_context())
            if cfg["user"]:
                smtp.login(cfg["user"], cfg["password"] or "")
            refused = smtp.send_message(em)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [c for c, _ in exc.recipients.values()]
        raise DeliveryError(f"SMTP refused {channel.target}: {codes}", permanent=all(c >= 500 for c in codes)) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP error {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP server unreachable: {exc}") from None
    if refused:
        raise DeliveryError(f"SMTP refused {channel.target}: {refused}", permanent=True)
    return 250


# --------------------------------------------------------------------------- MQTT


def mqtt_target(
    channel: Channel, env: Mapping[str, str] | None = None, *, settings: Settings | None = None
) -> tuple[str, int, str]:
    """(host, port, topic) of an MQTT channel (``topic`` alone uses ``GEOWARN_MQTT_URL``).

    >>> mqtt_target(Channel("mqtt", "geowarn/jp-47"), {})
    ('127.0.0.1', 1883, 'geowarn/jp-47')
    >>> mqtt_target(Channel("mqtt", "mqtt://broker:1884/a/b"), {})
    ('broker', 1884, 'a/b')
    """
    if channel.target.startswith("mqtt://"):
        parts = urlsplit(channel.target)
        return parts.hostname or "127.0.0.1", parts.port or 1883, parts.path.lstrip("/")
    s = library_fallback("mqtt", settings, environ=env)
    base = urlsplit(s.mqtt_url)
    return base.hostname or "127.0.0.1", base.port or 1883, channel.target


def send_mqtt(
    channel: Channel, msg: Outgoing, *, timeout: float | None = None, settings: Settings | None = None
) -> int:
    """Publish the CAP XML with QoS 1 (MQTT 5, the message id as a user property); wait for PUBACK."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    host, port, topic = mqtt_target(channel, settings=settings)
    limit = timeout or timeout_s(settings)
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"geowarn-{os.getpid()}-{time.monotonic_ns() % 10**9}",
        protocol=mqtt.MQTTv5,
    )
    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = [("message-id", msg.message_id), ("msg-type", msg.msg_type)]
    props.ContentType = CAP_MEDIA_TYPE
    try:
        client.connect(host, port, keepalive=30)
    except OSError as exc:
        raise DeliveryError(f"MQTT broker {host}:{port} unreachable: {exc}") from None
    client.loop_start()
    try:
        info = client.publish(topic, msg.body, qos=1, properties=props)
        info.wait_for_publish(timeout=limit)
        if not info.is_published():
            raise DeliveryError(f"MQTT broker {host}:{port} did not acknowledge within {limit:g} s")
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise DeliveryError(f"MQTT publish failed: {mqtt.error_string(info.rc)}")
    except (RuntimeError, ValueError) as exc:
        raise DeliveryError(f"MQTT publish failed: {exc}") from None
    finally:
        client.disconnect()
        client.loop_stop()
    return 0


SENDERS = {"webhook": send_webhook, "email": send_email, "mqtt": send_mqtt}


def send(
    channel: Channel, msg: Outgoing, *, timeout: float | None = None, settings: Settings | None = None
) -> int | None:
    """Deliver ``msg`` on ``channel``; return a status code; raise :class:`DeliveryError` on failure.

    ``settings`` (the worker's) gives the SMTP server, MQTT broker and default timeout;
    without it they come from the ``GEOWARN_*`` variables.
    """
    sender = SENDERS.get(channel.kind)
    if sender is None:
        raise DeliveryError(f"unknown channel kind {channel.kind!r}", permanent=True)
    return sender(channel, msg, timeout=timeout, settings=settings)
