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

Connections (issue 16): a worker passes a :class:`Pool`, which keeps one keep-alive HTTP(S)
connection per checked target address and one MQTT session per broker, per delivery thread; a
kept connection the server has meanwhile closed is reopened once. Without a pool every
delivery opens and closes its own connection.

Settings: the ``smtp_*``, ``mqtt_url`` and ``delivery_timeout_s`` fields of
:class:`geowarn.settings.Settings` (``settings=``, the worker's); without them the
``GEOWARN_SMTP_*``, ``GEOWARN_MQTT_URL`` and ``GEOWARN_DELIVERY_TIMEOUT_S`` variables.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import os
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from geowarn.alerts import targets
from geowarn.alerts.rules import Channel
from geowarn.errors import DeliveryError, InvalidParameter
from geowarn.settings import Settings, library_fallback

if TYPE_CHECKING:
    import paho.mqtt.client as mqtt_client

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


def _allow(settings: Settings | None) -> tuple[str, ...]:
    """``GEOWARN_ALLOW_PRIVATE_TARGETS`` of ``settings`` (else of the environment)."""
    return library_fallback("targets", settings).allow_private_targets


def _nodelay(sock: socket.socket) -> socket.socket:
    """Disable Nagle: on a kept-alive connection the next request must not wait for a delayed ACK (~40 ms)."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to an address checked beforehand (the ``Host`` header keeps the name)."""

    def __init__(self, resolved: targets.Resolved, timeout: float) -> None:
        super().__init__(resolved.host, resolved.port, timeout=timeout)
        self._address = resolved.address

    def connect(self) -> None:
        self.sock = _nodelay(socket.create_connection((self._address, self.port), self.timeout))


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address; the certificate is verified for the host name."""

    def __init__(self, resolved: targets.Resolved, timeout: float) -> None:
        super().__init__(resolved.host, resolved.port, timeout=timeout, context=ssl.create_default_context())
        self._address = resolved.address

    def connect(self) -> None:
        sock = _nodelay(socket.create_connection((self._address, self.port), self.timeout))
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


#: Errors of a kept-alive connection the server closed while it was idle (worth one fresh try).
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError, http.client.CannotSendRequest)


class Pool:
    """Connections kept between deliveries: per thread, keep-alive HTTP(S) by target address and MQTT by broker.

    ``max_per_thread`` bounds the HTTP connections one thread keeps (the least recently used is closed).
    Thread-safe by construction: each delivery thread only touches its own connections;
    :meth:`close` (after the threads are done) closes them all.
    """

    def __init__(self, max_per_thread: int = 32) -> None:
        self.max_per_thread = max(1, max_per_thread)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[dict[Any, Any]] = []
        #: Connections opened and requests sent over a kept connection (for benches and tests).
        self.opened = 0
        self.reused = 0

    def _mine(self, name: str) -> dict[Any, Any]:
        d: dict[Any, Any] | None = getattr(self._local, name, None)
        if d is None:
            d = {}
            setattr(self._local, name, d)
            with self._lock:
                self._all.append(d)
        return d

    def http_conn(
        self, scheme: str, resolved: targets.Resolved, timeout: float
    ) -> tuple[tuple[Any, ...], http.client.HTTPConnection, bool]:
        """Take a connection to ``resolved`` out of this thread's pool (or open one); ``(key, conn, reused)``."""
        key = (scheme, resolved.host, resolved.port, resolved.address)
        conn = self._mine("http").pop(key, None)
        if conn is not None:
            if conn.sock is not None:
                conn.sock.settimeout(timeout)
            conn.timeout = timeout
            return key, conn, True
        cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        with self._lock:
            self.opened += 1
        return key, cls(resolved, timeout), False

    def give_back(self, key: tuple[Any, ...], conn: http.client.HTTPConnection) -> None:
        """Keep ``conn`` for the next delivery to the same address (closing the oldest beyond the bound)."""
        mine = self._mine("http")
        mine[key] = conn
        while len(mine) > self.max_per_thread:
            oldest = next(iter(mine))
            mine.pop(oldest).close()

    def mqtt(self, host: str, port: int) -> mqtt_client.Client | None:
        """Return this thread's connected MQTT session to ``host:port``, or ``None``."""
        client = self._mine("mqtt").get((host, port))
        if client is not None and client.is_connected():
            return client
        if client is not None:
            self.drop_mqtt(host, port)
        return None

    def keep_mqtt(self, host: str, port: int, client: mqtt_client.Client) -> None:
        """Keep a connected MQTT session for this thread's next publish to ``host:port``."""
        self._mine("mqtt")[(host, port)] = client

    def drop_mqtt(self, host: str, port: int) -> None:
        """Forget (and disconnect) this thread's MQTT session to ``host:port``."""
        client = self._mine("mqtt").pop((host, port), None)
        if client is not None:
            _mqtt_close(client)

    def take_smtp(self, key: tuple[Any, ...]) -> smtplib.SMTP | None:
        """Take this thread's kept SMTP session for ``key`` (server, port, user, STARTTLS), or ``None``."""
        smtp: smtplib.SMTP | None = self._mine("smtp").pop(key, None)
        return smtp

    def keep_smtp(self, key: tuple[Any, ...], smtp: smtplib.SMTP) -> None:
        """Keep an SMTP session for this thread's next e-mail through the same server."""
        old = self._mine("smtp").pop(key, None)
        if old is not None:
            _smtp_close(old)
        self._mine("smtp")[key] = smtp

    def close(self) -> None:
        """Close every kept connection of every thread."""
        with self._lock:
            kept, self._all = self._all, []
        for d in kept:
            for conn in list(d.values()):
                if isinstance(conn, http.client.HTTPConnection):
                    conn.close()
                elif isinstance(conn, smtplib.SMTP):
                    _smtp_close(conn)
                else:
                    _mqtt_close(conn)
            d.clear()


def _post(conn: http.client.HTTPConnection, path: str, msg: Outgoing, secret: str | None) -> tuple[int, str, bool]:
    """POST once; return (status, reason, whether the connection can carry the next request)."""
    conn.request("POST", path, body=msg.body, headers=webhook_headers(msg, secret))
    resp = conn.getresponse()
    resp.read(65536)
    reusable = resp.isclosed() and not resp.will_close  # the whole (short) body was read, no Connection: close
    if not resp.isclosed():
        resp.close()
    return int(resp.status), resp.reason, reusable


def send_webhook(
    channel: Channel,
    msg: Outgoing,
    *,
    timeout: float | None = None,
    settings: Settings | None = None,
    pool: Pool | None = None,
) -> int:
    """POST the CAP XML; return the HTTP status (2xx). Redirects are not followed (a 3xx is an error).

    The host is resolved and checked now (:func:`geowarn.alerts.targets.resolve`) and the
    connection goes to that checked address: a private, loopback or link-local target is
    refused (permanently) unless ``GEOWARN_ALLOW_PRIVATE_TARGETS`` allows it. With a ``pool``
    the connection is kept alive for the next delivery to that address.
    """
    parts = urlsplit(channel.target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(f"not an http(s) URL: {channel.target!r}", permanent=True)
    limit = timeout or timeout_s(settings)
    resolved = targets.resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), _allow(settings))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if pool is None:
        conn_cls = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        conn = conn_cls(resolved, limit)
        try:
            code, reason, _ = _post(conn, path, msg, channel.secret)
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise DeliveryError(f"webhook unreachable: {exc}") from None
        finally:
            conn.close()
    else:
        key, conn, reused = pool.http_conn(parts.scheme, resolved, limit)
        try:
            try:
                code, reason, reusable = _post(conn, path, msg, channel.secret)
            except _STALE:
                if not reused:
                    raise
                conn.close()  # the receiver closed the idle connection: one fresh try
                key, conn, reused = pool.http_conn(parts.scheme, resolved, limit)
                code, reason, reusable = _post(conn, path, msg, channel.secret)
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            conn.close()
            raise DeliveryError(f"webhook unreachable: {exc}") from None
        if reused:
            with pool._lock:
                pool.reused += 1
        if reusable:
            pool.give_back(key, conn)
        else:
            conn.close()
    if 200 <= code < 300:
        return code
    permanent = 400 <= code < 500 and code not in RETRYABLE_4XX
    raise DeliveryError(f"webhook answered HTTP {code} {reason}", permanent=permanent)


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


def _smtp_open(cfg: dict[str, Any], timeout: float) -> smtplib.SMTP:
    """Connect (STARTTLS, login as configured) to the SMTP server of ``cfg``."""
    smtp = smtplib.SMTP(cfg["host"], cfg["port"], timeout=timeout)
    try:
        if smtp.sock is not None:  # a kept session's next e-mail must not wait for a delayed ACK
            _nodelay(smtp.sock)
        if cfg["starttls"]:
            smtp.starttls(context=ssl.create_default_context())
        if cfg["user"]:
            smtp.login(cfg["user"], cfg["password"] or "")
    except BaseException:
        _smtp_close(smtp)
        raise
    return smtp


def _smtp_error(exc: smtplib.SMTPException | OSError, target: str) -> DeliveryError:
    """Return the :class:`DeliveryError` of an SMTP failure (permanent on a 5xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [c for c, _ in exc.recipients.values()]
        return DeliveryError(f"SMTP refused {target}: {codes}", permanent=all(c >= 500 for c in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryError(f"SMTP error {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500)
    return DeliveryError(f"SMTP server unreachable: {exc}")


def _smtp_close(smtp: smtplib.SMTP) -> None:
    """End an SMTP session politely, or just drop it."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def send_email(
    channel: Channel,
    msg: Outgoing,
    *,
    timeout: float | None = None,
    settings: Settings | None = None,
    pool: Pool | None = None,
) -> int:
    """Send through the configured SMTP server; return the SMTP reply code (250).

    With a ``pool`` the session is kept for the thread's next e-mail through the same server
    (issue 16: one connection per e-mail); a kept session the server has closed meanwhile gets
    one fresh try, and a session that saw an error is not kept.
    """
    cfg = smtp_settings(settings=settings)
    em = email_message(channel, msg, cfg["from"])
    limit = timeout or timeout_s(settings)
    key = (cfg["host"], cfg["port"], cfg["user"], cfg["starttls"])
    smtp = pool.take_smtp(key) if pool is not None else None
    reused = smtp is not None
    keep = False
    try:
        if smtp is not None:
            smtp.timeout = limit
            if smtp.sock is not None:
                smtp.sock.settimeout(limit)
            try:
                refused = smtp.send_message(em)
            except (smtplib.SMTPServerDisconnected, ConnectionError):  # closed while idle: one fresh try
                smtp.close()
                smtp = None
        if smtp is None:
            smtp, reused = _smtp_open(cfg, limit), False
            if pool is not None:
                with pool._lock:
                    pool.opened += 1
            refused = smtp.send_message(em)
        keep = pool is not None
    except (smtplib.SMTPException, OSError) as exc:
        # a refused recipient leaves the session fine (smtplib reset it); any other error drops it
        keep = pool is not None and isinstance(exc, smtplib.SMTPRecipientsRefused)
        raise _smtp_error(exc, channel.target) from None
    finally:
        if smtp is not None:
            if keep and pool is not None:
                pool.keep_smtp(key, smtp)
                if reused:
                    with pool._lock:
                        pool.reused += 1
            else:
                _smtp_close(smtp)
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


def _mqtt_close(client: mqtt_client.Client) -> None:
    try:
        client.disconnect()
    finally:
        client.loop_stop()


def _mqtt_connect(host: str, port: int) -> mqtt_client.Client:
    import paho.mqtt.client as mqtt

    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"geowarn-{os.getpid()}-{threading.get_ident() % 10**6}-{time.monotonic_ns() % 10**9}",
        protocol=mqtt.MQTTv5,
    )
    try:
        client.connect(host, port, keepalive=30)
    except OSError as exc:
        raise DeliveryError(f"MQTT broker {host}:{port} unreachable: {exc}") from None
    client.loop_start()
    return client


def send_mqtt(
    channel: Channel,
    msg: Outgoing,
    *,
    timeout: float | None = None,
    settings: Settings | None = None,
    pool: Pool | None = None,
) -> int:
    """Publish the CAP XML with QoS 1 (MQTT 5, the message id as a user property); wait for PUBACK.

    ``channel.retain`` asks the broker to keep the message as the topic's last one (region topics).
    With a ``pool`` the MQTT session is kept for the next publish to the same broker.
    """
    import paho.mqtt.client as mqtt
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    host, port, topic = mqtt_target(channel, settings=settings)
    limit = timeout or timeout_s(settings)
    if channel.target.startswith("mqtt://"):  # a subscriber's broker: connect to its checked address
        host = targets.resolve(host, port, _allow(settings)).address
    props = Properties(PacketTypes.PUBLISH)
    props.UserProperty = [("message-id", msg.message_id), ("msg-type", msg.msg_type)]
    props.ContentType = CAP_MEDIA_TYPE
    client = pool.mqtt(host, port) if pool is not None else None
    if client is None:
        client = _mqtt_connect(host, port)
    ok = False
    try:
        info = client.publish(topic, msg.body, qos=1, retain=channel.retain, properties=props)
        info.wait_for_publish(timeout=limit)
        if not info.is_published():
            raise DeliveryError(f"MQTT broker {host}:{port} did not acknowledge within {limit:g} s")
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            raise DeliveryError(f"MQTT publish failed: {mqtt.error_string(info.rc)}")
        ok = True
    except (RuntimeError, ValueError) as exc:
        raise DeliveryError(f"MQTT publish failed: {exc}") from None
    finally:
        if pool is not None and ok:
            pool.keep_mqtt(host, port, client)
        else:
            if pool is not None:
                pool.drop_mqtt(host, port)
            _mqtt_close(client)
    return 0


SENDERS = {"webhook": send_webhook, "email": send_email, "mqtt": send_mqtt}


def send(
    channel: Channel,
    msg: Outgoing,
    *,
    timeout: float | None = None,
    settings: Settings | None = None,
    pool: Pool | None = None,
) -> int | None:
    """Deliver ``msg`` on ``channel``; return a status code; raise :class:`DeliveryError` on failure.

    ``settings`` (the worker's) gives the SMTP server, MQTT broker and default timeout;
    without it they come from the ``GEOWARN_*`` variables. ``pool`` (the worker's) keeps
    webhook, SMTP and MQTT connections between deliveries.
    """
    if channel.kind == "webhook":
        return send_webhook(channel, msg, timeout=timeout, settings=settings, pool=pool)
    if channel.kind == "mqtt":
        return send_mqtt(channel, msg, timeout=timeout, settings=settings, pool=pool)
    if channel.kind == "email":
        return send_email(channel, msg, timeout=timeout, settings=settings, pool=pool)
    raise DeliveryError(f"unknown channel kind {channel.kind!r}", permanent=True)
