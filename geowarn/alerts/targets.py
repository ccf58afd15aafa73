"""Where deliveries may go: refuse private, loopback, link-local, multicast and reserved addresses (SSRF).

A subscription's webhook URL or ``mqtt://`` broker is checked when the subscription is created
(:func:`check_host`: a literal address in any spelling, ``localhost``, or a name that resolves to
such an address is refused) and again at every delivery, after DNS resolution
(:func:`resolve`): the channel then connects to the checked address itself, so a name that
re-binds to 127.0.0.1 between the two checks cannot reach it. A checked address is reused for
:data:`RESOLVE_TTL_S` (issue 16: resolving and checking per delivery cost ~0.5 ms of 100,000
deliveries to a handful of hosts); a refusal or a failed lookup is never cached. ``GEOWARN_ALLOW_PRIVATE_TARGETS``
lists networks (CIDR) and host names that are allowed anyway (a receiver on the same host).

>>> str(literal_address("2130706433")), str(literal_address("0x7f.1")), str(literal_address("::ffff:10.0.0.1"))
('127.0.0.1', '127.0.0.1', '10.0.0.1')
>>> literal_address("example.org") is None
True
>>> [refusal(literal_address(a)) for a in ("127.0.0.1", "169.254.169.254", "0.0.0.0", "224.0.0.1", "93.184.215.14")]
['loopback', 'link-local', 'unspecified', 'multicast', None]
>>> is_allowed(literal_address("127.0.0.1"), "127.0.0.1", ("127.0.0.0/8",))
True
>>> is_allowed(None, "Hook.Local", ("hook.local",)), is_allowed(None, "10.0.0.1", ("hook.local",))
(True, False)
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass

from geowarn.errors import DeliveryError, InvalidParameter

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def literal_address(host: str) -> IPAddress | None:
    """Return the address a host string denotes literally, else ``None`` (a name).

    Decimal, hex and short IPv4 forms count; an IPv4-mapped IPv6 address is its IPv4 address.
    """
    text = host.strip().strip("[]")
    try:
        ip: IPAddress = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        if not text or not all(c in "0123456789abcdefxABCDEFX." for c in text):
            return None
        try:  # what the C library (and so the socket layer) accepts: 2130706433, 0x7f.1, 127.1, 0177.0.0.1
            ip = ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    if isinstance(ip, ipaddress.IPv6Address):
        mapped = ip.ipv4_mapped or ip.sixtofour
        if mapped is not None:
            return mapped
    return ip


def refusal(ip: IPAddress) -> str | None:
    """Say why ``ip`` is no place to deliver to (``loopback``, ``private`` …), or ``None`` for a public address."""
    for name in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if not ip.is_global:
        return "non-global"
    return None


def is_allowed(ip: IPAddress | None, host: str, allow: Sequence[str]) -> bool:
    """Tell whether ``GEOWARN_ALLOW_PRIVATE_TARGETS`` (``allow``) lets ``host`` / ``ip`` through."""
    name = host.strip().strip("[]").rstrip(".").lower()
    for entry in allow:
        e = entry.strip().lower()
        if not e:
            continue
        if e == name:
            return True
        if ip is not None:
            try:
                if ip in ipaddress.ip_network(e, strict=False):
                    return True
            except ValueError:
                continue
    return False


def _why(ip: IPAddress, host: str, allow: Sequence[str]) -> str | None:
    reason = refusal(ip)
    if reason is None or is_allowed(ip, host, allow):
        return None
    return f"{host} is a {reason} address ({ip})" if str(ip) != host.strip("[]") else f"{ip} is a {reason} address"


def check_host(host: str, allow: Sequence[str], *, where: str = "target") -> None:
    """Refuse (:class:`InvalidParameter`) a delivery host that is or resolves to a non-public address.

    A name that does not resolve now is accepted: it is checked again at every delivery.
    """
    ip = literal_address(host)
    name = host.strip().strip("[]").rstrip(".").lower()
    hint = " (GEOWARN_ALLOW_PRIVATE_TARGETS lists the allowed ones)"
    if ip is not None:
        why = _why(ip, host, allow)
        if why:
            raise InvalidParameter(f"{where}: {why}; deliveries to it are refused{hint}", field=where)
        return
    if (name in LOCAL_NAMES or name.endswith(".localhost")) and not is_allowed(None, name, allow):
        raise InvalidParameter(f"{where}: {host} is a loopback name; deliveries to it are refused{hint}", field=where)
    try:
        infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return
    for info in infos:
        addr = literal_address(str(info[4][0]))
        why = _why(addr, host, allow) if addr is not None else None
        if why:
            raise InvalidParameter(f"{where}: {why}; deliveries to it are refused{hint}", field=where)


@dataclass(frozen=True)
class Resolved:
    """A checked address to connect to for ``host``."""

    host: str
    address: str
    port: int
    family: int


#: How long a resolved and checked address is reused for the same host, port and allow list.
RESOLVE_TTL_S = 10.0
_RESOLVED: dict[tuple[str, int, tuple[str, ...]], tuple[float, Resolved]] = {}
_RESOLVED_MAX = 4096


def resolve(host: str, port: int, allow: Sequence[str]) -> Resolved:
    """Return the checked address to connect to for ``host`` (:func:`lookup`, reused for :data:`RESOLVE_TTL_S`).

    Raises :class:`DeliveryError` (permanent when the host is refused, transient when it does not resolve).
    """
    key = (host, port, tuple(allow))
    now = time.monotonic()
    hit = _RESOLVED.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    out = lookup(host, port, allow)
    if RESOLVE_TTL_S > 0:
        if len(_RESOLVED) >= _RESOLVED_MAX:
            _RESOLVED.clear()
        _RESOLVED[key] = (now + RESOLVE_TTL_S, out)
    return out


def lookup(host: str, port: int, allow: Sequence[str]) -> Resolved:
    """Resolve ``host`` now, check every address and return the first one to connect to.

    Raises :class:`DeliveryError` (permanent when the host is refused, transient when it does not resolve).
    """
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DeliveryError(f"cannot resolve {host}: {exc}") from None
    for info in infos:
        addr = literal_address(str(info[4][0]))
        if addr is None:
            continue
        why = _why(addr, host, allow)
        if why:
            raise DeliveryError(f"refused: {why} (GEOWARN_ALLOW_PRIVATE_TARGETS)", permanent=True)
    family, _, _, _, sockaddr = infos[0]
    return Resolved(host, str(sockaddr[0]), port, int(family))
