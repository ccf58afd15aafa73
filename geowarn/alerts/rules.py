"""Subscriptions: who wants to hear about which regions, and how; matching them against alert zones.

A subscription selects regions by id (``JP-47``, ``TS-JP-47``, ``EEZ-JP-47``), by whole layer
(``layer:jp-prefectures``) or by its own polygon, widens them by a margin in km, filters zones by
a minimum CAP severity and by corridor phase, and names the languages and channels of its messages.

The margin of a region selector filters the engine's proximity zones (``distance_km``), so it is
effective up to the margin the zones were computed with (25 km by default); a polygon selector
is widened geodesically by any margin (up to 500 km).

>>> hook = Channel("webhook", "http://127.0.0.1:9/h", "s3cret-key")
>>> sub = Subscription.create(regions=["JP-47", "TS-JP-47"], channels=[hook])
>>> sub.id.startswith("sub-"), sub.min_severity
(True, <Severity.MINOR: 'Minor'>)
>>> parse_channel("mqtt:geowarn/okinawa").kind
'mqtt'
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import shapely
from shapely.geometry.base import BaseGeometry

from geowarn.errors import InvalidGeometry, InvalidParameter, NotFound
from geowarn.geodesy import geodesic_area_km2, geodesic_buffer
from geowarn.model import AlertZone, Corridor, Phase, RegionKind, Severity, TimeWindow, format_time, parse_time
from geowarn.store import alerts as repo

CHANNEL_KINDS = ("webhook", "email", "mqtt")
REGION_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
LAYER_PREFIX = "layer:"
EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
MQTT_TOPIC_RE = re.compile(r"^[^#+\x00]{1,200}$")
DEFAULT_LANGUAGES = ("ja-JP", "en-US")
MAX_MARGIN_KM = 500.0


@dataclass(frozen=True)
class Channel:
    """One way to reach a subscriber.

    ``kind`` is ``webhook`` (``target`` = http(s) URL, ``secret`` = HMAC key), ``email``
    (``target`` = address) or ``mqtt`` (``target`` = topic, or ``mqtt://host:port/topic``).
    ``retain``: an MQTT message the broker keeps for later subscribers (the region topics of
    :mod:`geowarn.alerts.lifecycle`, issue 16; subscribers' own channels never retain).
    """

    kind: str
    target: str
    secret: str | None = None
    retain: bool = field(default=False, repr=False)

    def to_json(self, *, reveal: bool = True) -> dict[str, Any]:
        """Return the channel as API JSON; the webhook secret is masked unless ``reveal``."""
        out: dict[str, Any] = {"kind": self.kind, "target": self.target}
        if self.kind == "webhook":
            out["secret"] = self.secret if reveal else ("***" if self.secret else None)
        if self.retain:
            out["retain"] = True
        return out

    @classmethod
    def from_json(cls, obj: Any, *, where: str = "channel", allow: Sequence[str] | None = None) -> Channel:
        """Read a channel from API JSON: a ``kind:target`` string or an object (``where`` names it in errors)."""
        if isinstance(obj, str):
            return parse_channel(obj, allow=allow)
        if not isinstance(obj, dict):
            raise InvalidParameter(f"{where} must be an object with kind and target")
        ch = cls(str(obj.get("kind", "")), str(obj.get("target", "")), obj.get("secret"))
        return check_channel(ch, where, allow=allow)


def allowed_private_targets(allow: Sequence[str] | None = None) -> Sequence[str]:
    """``allow``, else ``GEOWARN_ALLOW_PRIVATE_TARGETS`` of the environment (library callers)."""
    if allow is not None:
        return allow
    from geowarn.settings import library_fallback

    return library_fallback("targets").allow_private_targets


def check_channel(
    ch: Channel, where: str = "channel", *, allow: Sequence[str] | None = None, check_hosts: bool = True
) -> Channel:
    """Validate a channel; raise :class:`InvalidParameter` naming the field.

    A webhook or ``mqtt://`` host that is (or resolves to) a private, loopback, link-local,
    multicast or reserved address is refused unless ``allow`` (default:
    ``GEOWARN_ALLOW_PRIVATE_TARGETS``) lists it (:mod:`geowarn.alerts.targets`); ``check_hosts=False``
    checks only the form (a later :meth:`Subscription.validate` checks the hosts).
    """
    from geowarn.alerts.targets import check_host

    if ch.kind not in CHANNEL_KINDS:
        raise InvalidParameter(f"{where}.kind must be one of {', '.join(CHANNEL_KINDS)}, got {ch.kind!r}")
    if ch.kind == "webhook":
        parts = urlsplit(ch.target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidParameter(f"{where}.target must be an http(s) URL, got {ch.target!r}")
        if not ch.secret or len(ch.secret) < 8:
            raise InvalidParameter(f"{where}.secret: a webhook needs a secret of at least 8 characters")
        if check_hosts:
            check_host(parts.hostname, allowed_private_targets(allow), where=f"{where}.target")
    elif ch.kind == "email":
        if not EMAIL_RE.match(ch.target):
            raise InvalidParameter(f"{where}.target is not an e-mail address: {ch.target!r}")
    else:
        topic = ch.target
        if topic.startswith("mqtt://"):
            parts = urlsplit(topic)
            topic = parts.path.lstrip("/")
            if not parts.hostname:
                raise InvalidParameter(f"{where}.target lacks the broker host: {ch.target!r}")
            if check_hosts:
                check_host(parts.hostname, allowed_private_targets(allow), where=f"{where}.target")
        if not MQTT_TOPIC_RE.match(topic):
            raise InvalidParameter(f"{where}.target is not an MQTT topic to publish to (no + or #): {ch.target!r}")
    return ch


def parse_channel(
    text: str, secret: str | None = None, *, allow: Sequence[str] | None = None, check_hosts: bool = True
) -> Channel:
    """Parse a channel from ``webhook:URL`` / an http(s) URL, ``mailto:ADDR`` / an address, ``mqtt:TOPIC``.

    >>> parse_channel("mailto:ops@example.org")
    Channel(kind='email', target='ops@example.org', secret=None)
    >>> parse_channel("https://example.org/hook", "0123456789").kind
    'webhook'
    """
    text = text.strip()
    if text.startswith("webhook:"):
        return check_channel(Channel("webhook", text[len("webhook:") :], secret), allow=allow, check_hosts=check_hosts)
    if text.startswith(("http://", "https://")):
        return check_channel(Channel("webhook", text, secret), allow=allow, check_hosts=check_hosts)
    if text.startswith("mailto:"):
        return check_channel(Channel("email", text[len("mailto:") :]))
    if text.startswith("mqtt://"):
        return check_channel(Channel("mqtt", text), allow=allow, check_hosts=check_hosts)
    if text.startswith("mqtt:"):
        return check_channel(Channel("mqtt", text[len("mqtt:") :]))
    if EMAIL_RE.match(text):
        return check_channel(Channel("email", text))
    raise InvalidParameter(f"channel {text!r}: use an http(s) URL, mailto:ADDRESS or mqtt:TOPIC")


@dataclass
class Subscription:
    """A standing request for alerts about some regions."""

    id: str
    name: str = ""
    regions: tuple[str, ...] = ()
    layers: tuple[str, ...] = ()
    polygon: BaseGeometry | None = None
    margin_km: float = 0.0
    min_severity: Severity = Severity.MINOR
    phases: tuple[Phase, ...] = ()
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    channels: tuple[Channel, ...] = ()
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def create(
        cls,
        *,
        regions: Iterable[str] = (),
        layers: Iterable[str] = (),
        polygon: BaseGeometry | None = None,
        margin_km: float = 0.0,
        min_severity: Severity | str = Severity.MINOR,
        phases: Iterable[Phase | str] = (),
        languages: Iterable[str] = DEFAULT_LANGUAGES,
        channels: Iterable[Channel] = (),
        name: str = "",
        id: str | None = None,
        allow_private: Sequence[str] | None = None,
    ) -> Subscription:
        """Build and validate a new subscription (a random id unless given).

        ``allow_private``: the private targets allowed (see :func:`check_channel`).
        """
        try:
            severity = Severity(min_severity)
        except ValueError:
            raise InvalidParameter(
                f"min_severity must be one of {', '.join(s.value for s in Severity)}, got {min_severity!r}"
            ) from None
        try:
            phase_list = tuple(sorted({Phase(p) for p in phases}))
        except ValueError as exc:
            raise InvalidParameter(f"phases: {exc}; use {', '.join(p.value for p in Phase)}") from None
        sub = cls(
            id=id or f"sub-{secrets.token_hex(6)}",
            name=name,
            regions=tuple(dict.fromkeys(r.strip() for r in regions if r.strip())),
            layers=tuple(dict.fromkeys(x.strip() for x in layers if x.strip())),
            polygon=polygon,
            margin_km=float(margin_km),
            min_severity=severity,
            phases=phase_list,
            languages=tuple(dict.fromkeys(languages)) or DEFAULT_LANGUAGES,
            channels=tuple(channels),
        )
        sub.validate(allow_private)
        return sub

    def validate(self, allow_private: Sequence[str] | None = None) -> None:
        """Raise :class:`InvalidParameter` when the subscription cannot work."""
        if not (self.regions or self.layers or self.polygon is not None):
            raise InvalidParameter("a subscription needs at least one region, layer or polygon")
        for r in self.regions:
            if not REGION_ID_RE.match(r):
                raise InvalidParameter(f"region id {r!r} is malformed")
        if not 0.0 <= self.margin_km <= MAX_MARGIN_KM:
            raise InvalidParameter(f"margin_km must be between 0 and {MAX_MARGIN_KM:g}, got {self.margin_km:g}")
        if self.polygon is not None:
            if self.polygon.geom_type not in ("Polygon", "MultiPolygon") or self.polygon.is_empty:
                raise InvalidGeometry("the subscription polygon must be a non-empty Polygon or MultiPolygon")
            if not self.polygon.is_valid:
                raise InvalidGeometry(f"the subscription polygon is invalid: {shapely.is_valid_reason(self.polygon)}")
        if not self.channels:
            raise InvalidParameter("a subscription needs at least one channel (webhook, email or mqtt)")
        allow = allowed_private_targets(allow_private)
        for i, ch in enumerate(self.channels):
            check_channel(ch, f"channels[{i}]", allow=allow)
        for lang in self.languages:
            if not re.match(r"^[a-z]{2,3}(-[A-Z]{2})?$", lang):
                raise InvalidParameter(f"language {lang!r} must look like 'ja-JP' or 'en'")

    def check_regions(self, layers_dir: str | None = None) -> None:
        """Check that the region and layer ids exist (when the reference layers are installed)."""
        try:
            from geowarn import layers as layers_mod
        except ImportError:
            return
        for r in self.regions:
            try:
                layers_mod.find_region(r, layers_dir)
            except NotFound:
                raise InvalidParameter(f"unknown region id {r!r} (see geowarn layers list)") from None
        if self.layers:
            known = {str(e.get("id")) for e in layers_mod.catalog(layers_dir)}
            for lid in self.layers:
                if lid not in known:
                    raise InvalidParameter(f"unknown layer {lid!r}; known: {', '.join(sorted(known))}")

    # ------------------------------------------------------------------ serialisation

    def selector_json(self) -> dict[str, Any]:
        """Return what the subscription selects (regions, layers, polygon) as the JSON stored in its row."""
        return {
            "regions": list(self.regions),
            "layers": list(self.layers),
            "polygon": shapely.geometry.mapping(self.polygon) if self.polygon is not None else None,
        }

    def to_json(self, *, reveal: bool = False) -> dict[str, Any]:
        """JSON of the subscription; webhook secrets are masked unless ``reveal``."""
        return {
            "id": self.id,
            "name": self.name,
            **self.selector_json(),
            "margin_km": self.margin_km,
            "min_severity": str(self.min_severity),
            "phases": [str(p) for p in self.phases],
            "languages": list(self.languages),
            "channels": [c.to_json(reveal=reveal) for c in self.channels],
            "created": format_time(self.created),
        }

    @classmethod
    def from_json(cls, obj: Any, *, allow_private: Sequence[str] | None = None) -> Subscription:
        """Build a new subscription from API JSON (the ``id`` and ``created`` fields are ignored)."""
        if not isinstance(obj, dict):
            raise InvalidParameter("the subscription must be a JSON object")
        allowed = {
            "name",
            "regions",
            "layers",
            "polygon",
            "margin_km",
            "min_severity",
            "phases",
            "languages",
            "channels",
            "id",
            "created",
        }
        extra = sorted(set(obj) - allowed)
        if extra:
            raise InvalidParameter(f"unknown subscription field(s): {', '.join(extra)}")

        def _list(key: str) -> list[Any]:
            v = obj.get(key) or []
            if isinstance(v, str):
                v = [v]
            if not isinstance(v, list):
                raise InvalidParameter(f"{key} must be a list")
            return v

        polygon = polygon_from_geojson(obj["polygon"]) if obj.get("polygon") is not None else None
        try:
            margin = float(obj.get("margin_km", 0.0))
        except (TypeError, ValueError):
            raise InvalidParameter("margin_km must be a number") from None
        return cls.create(
            name=str(obj.get("name") or ""),
            regions=[str(r) for r in _list("regions")],
            layers=[str(x) for x in _list("layers")],
            polygon=polygon,
            margin_km=margin,
            min_severity=str(obj.get("min_severity") or "Minor"),
            phases=[str(p) for p in _list("phases")],
            languages=[str(x) for x in _list("languages")] or DEFAULT_LANGUAGES,
            channels=[
                Channel.from_json(c, where=f"channels[{i}]", allow=allow_private)
                for i, c in enumerate(_list("channels"))
            ],
            allow_private=allow_private,
        )

    @classmethod
    def from_row(cls, row: dict[str, Any], tx: Any = None) -> Subscription:
        """Rebuild a subscription from its database row (``tx``, the transaction it was read in, opens the secrets)."""
        sel = json.loads(row["selector"])
        poly = shapely.geometry.shape(sel["polygon"]) if sel.get("polygon") else None
        return cls(
            id=row["id"],
            name=row["name"],
            regions=tuple(sel.get("regions") or ()),
            layers=tuple(sel.get("layers") or ()),
            polygon=poly,
            margin_km=float(row["margin_km"]),
            min_severity=Severity(row["min_severity"]),
            phases=tuple(Phase(p) for p in json.loads(row["phases"])),
            languages=tuple(json.loads(row["languages"])),
            channels=tuple(_read_channel(c, tx) for c in json.loads(row["channels"])),
            created=parse_time(row["created"]) or datetime.now(UTC),
        )


# --------------------------------------------------------------------------- matching


@dataclass(frozen=True)
class Match:
    """One reason a subscription is concerned: a zone (or, for a polygon subscription, a corridor)."""

    key: str  # corridor_id|region_id
    corridor_id: str
    region_id: str
    severity: Severity
    area_km2: float
    windows: tuple[TimeWindow, ...]
    extent: tuple[float, ...] = ()  # bounds rounded to 0.01° (a moved corridor changes it)

    @property
    def window_end(self) -> datetime | None:
        """Return the end of the last window, or ``None`` without windows."""
        return max((w.end for w in self.windows), default=None)

    @property
    def window_start(self) -> datetime | None:
        """Return the start of the first window, or ``None`` without windows."""
        return min((w.start for w in self.windows), default=None)


def _extent(geom: BaseGeometry | None) -> tuple[float, ...]:
    """Bounds rounded to 0.01° (≈1 km): what counts as the zone having moved.

    >>> _extent(shapely.box(124.123, 24.456, 125.0, 25.0))
    (124.12, 24.46, 125.0, 25.0)
    """
    if geom is None or geom.is_empty:
        return ()
    return tuple(round(float(v), 2) for v in geom.bounds)


def zone_matches(sub: Subscription, zone: AlertZone) -> bool:
    """Whether ``zone`` concerns ``sub`` (selector, margin, severity and phase filters)."""
    if sub.phases and zone.phase not in sub.phases:
        return False
    if zone.severity.rank > sub.min_severity.rank:
        return False
    if zone.distance_km > sub.margin_km + 1e-9:
        return False
    return zone.region_id in sub.regions or zone.layer in sub.layers


def polygon_zones(
    sub: Subscription, corridors: Sequence[Corridor], *, event_id: str | None, now: datetime
) -> list[AlertZone]:
    """Alert zones of a polygon subscription: each corridor ∩ (the polygon widened by the margin).

    Severity and response follow the engine's rule table for a region of kind ``user`` (treated
    like land): intersecting the polygon itself, or only its margin (proximity).
    """
    if sub.polygon is None:
        return []
    from geowarn.severity import assess_phase, certainty_for, urgency_for

    area = geodesic_buffer(sub.polygon, sub.margin_km * 1000.0) if sub.margin_km > 0 else sub.polygon
    out = []
    for c in corridors:
        if c.geometry is None or c.geometry.is_empty or not shapely.intersects(area, c.geometry):
            continue
        touching = bool(shapely.intersects(sub.polygon, c.geometry))
        severity, response = assess_phase(c.phase, RegionKind.USER, intersecting=touching)
        inter = shapely.intersection(area, c.geometry)
        out.append(
            AlertZone(
                id=f"{event_id}-{c.id}-{sub.id}",
                event_id=event_id,
                corridor_id=c.id,
                phase=c.phase,
                layer="subscription",
                region_id=sub.id,
                region_name=sub.name or "subscribed area",
                region_kind=RegionKind.USER,
                geometry=inter,
                area_km2=geodesic_area_km2(inter),
                region_fraction=0.0,
                corridor_fraction=0.0,
                distance_km=0.0 if touching else sub.margin_km,
                severity=severity,
                urgency=urgency_for(c.windows, now),
                certainty=certainty_for(c.probability, c.confidence_level),
                response=response,
                windows=c.windows,
            )
        )
    return out


def _match(z: AlertZone) -> Match:
    return Match(
        f"{z.corridor_id}|{z.region_id}",
        z.corridor_id,
        z.region_id,
        z.severity,
        z.area_km2,
        z.windows,
        _extent(z.geometry),
    )


def matches_for(sub: Subscription, zones: Sequence[AlertZone], user_zones: Sequence[AlertZone] = ()) -> list[Match]:
    """Everything in an event version that concerns ``sub``, sorted by key.

    ``zones`` are the engine's zones (filtered by the selector, margin, severity and phases);
    ``user_zones`` those of :func:`polygon_zones` (filtered by severity and phases).
    """
    out = [_match(z) for z in zones if zone_matches(sub, z)]
    out += [
        _match(z)
        for z in user_zones
        if z.severity.rank <= sub.min_severity.rank and (not sub.phases or z.phase in sub.phases)
    ]
    merged: dict[str, Match] = {}
    for m in out:  # a corridor may give several zones per region (e.g. multipolygons): keep the worst
        prev = merged.get(m.key)
        if prev is None or m.severity.rank < prev.severity.rank:
            merged[m.key] = m
    return [merged[k] for k in sorted(merged)]


def relevant_zones(
    sub: Subscription, zones: Sequence[AlertZone], user_zones: Sequence[AlertZone] = ()
) -> list[AlertZone]:
    """Return the zones a message to ``sub`` shows."""
    keys = {m.key for m in matches_for(sub, zones, user_zones)}
    return [z for z in [*zones, *user_zones] if f"{z.corridor_id}|{z.region_id}" in keys]


# --------------------------------------------------------------------------- persistence (through a Tx)


def save_subscription(tx: Any, sub: Subscription) -> Subscription:
    """Insert ``sub`` (raises :class:`geowarn.errors.Conflict` when the id exists)."""
    from geowarn.errors import Conflict

    if repo.subscription_exists(tx, sub.id):
        raise Conflict(f"subscription {sub.id!r} already exists")
    repo.insert_subscription(
        tx,
        id=sub.id,
        name=sub.name,
        selector=json.dumps(sub.selector_json()),
        margin_km=sub.margin_km,
        min_severity=str(sub.min_severity),
        phases=json.dumps([str(p) for p in sub.phases]),
        languages=json.dumps(list(sub.languages)),
        channels=json.dumps([stored_channel(c, tx) for c in sub.channels]),
        created=sub.created,
    )
    return sub


def _read_channel(obj: dict[str, Any], tx: Any) -> Channel:
    """Read a stored channel; a secret that cannot be opened is left out (its delivery parks)."""
    from geowarn.errors import StoreError

    try:
        return channel_from_storage(obj, tx)
    except StoreError:
        return Channel(obj["kind"], obj["target"], None, bool(obj.get("retain", False)))


def stored_channel(ch: Channel, tx: Any) -> dict[str, Any]:
    """Return the JSON a channel is stored as: its webhook secret sealed with the store's key (issue 14 #12)."""
    obj = ch.to_json()
    box = tx.secret_box() if hasattr(tx, "secret_box") else None
    if obj.get("secret") and box is not None:
        obj["secret"] = box.seal(str(obj["secret"]))
    return obj


def channel_from_storage(obj: dict[str, Any], tx: Any) -> Channel:
    """Return a stored channel with its webhook secret opened (a clear secret of older rows as it is).

    Raises :class:`~geowarn.errors.StoreError` when the secret was sealed with another key.
    """
    secret = obj.get("secret")
    box = tx.secret_box() if hasattr(tx, "secret_box") else None
    if secret and box is not None:
        secret = box.open(str(secret))
    return Channel(obj["kind"], obj["target"], secret, bool(obj.get("retain", False)))


def list_subscriptions(tx: Any) -> list[Subscription]:
    """Every active subscription, oldest first."""
    return [Subscription.from_row(r, tx) for r in repo.active_subscriptions(tx)]


def get_subscription(tx: Any, sub_id: str) -> Subscription:
    """Return the active subscription ``sub_id``; raises :class:`NotFound` when unknown or removed."""
    row = repo.active_subscription(tx, sub_id)
    if row is None:
        raise NotFound(f"no subscription {sub_id!r}")
    return Subscription.from_row(row, tx)


def remove_subscription(tx: Any, sub_id: str) -> None:
    """Deactivate a subscription: no new messages; messages already in the outbox are still delivered."""
    if not repo.deactivate_subscription(tx, sub_id):
        raise NotFound(f"no subscription {sub_id!r}")


def polygon_from_geojson(obj: Any) -> BaseGeometry:
    """Read a (Multi)Polygon from a GeoJSON geometry, Feature or one-feature FeatureCollection.

    >>> polygon_from_geojson({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}).geom_type
    'Polygon'
    """
    if isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        feats = obj.get("features") or []
        if len(feats) != 1:
            raise InvalidGeometry(f"the polygon file must hold exactly one feature, not {len(feats)}")
        obj = feats[0]
    if isinstance(obj, dict) and obj.get("type") == "Feature":
        obj = obj.get("geometry")
    try:
        geom = shapely.geometry.shape(obj)
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
        raise InvalidGeometry(f"not a GeoJSON geometry: {exc}") from None
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise InvalidGeometry(f"the subscription area must be a Polygon or MultiPolygon, not {geom.geom_type}")
    return geom
