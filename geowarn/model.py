"""The data model of docs/DESIGN.md §1: Event, Corridor, Region, AlertZone.

Geometries are shapely objects in lon/lat (EPSG:4326). Times are
timezone-aware UTC datetimes. Each object converts to and from a GeoJSON
Feature dict with the property names of docs/DESIGN.md §3.

>>> from shapely import box
>>> c = Corridor(id="c1", geometry=box(124.5, 35.3, 124.9, 36.1), phase=Phase.STAGE1,
...              label="A", source="NAVAREA XI 0123/16")
>>> f = c.to_feature()
>>> f["properties"]["phase"], f["geometry"]["type"]
('stage1', 'Polygon')
>>> Corridor.from_feature(f).phase
<Phase.STAGE1: 'stage1'>
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from geowarn.errors import InvalidGeometry, ParseError


class Phase(StrEnum):
    """The flight phase a corridor belongs to (which stage or part falls there)."""

    STAGE1 = "stage1"
    FAIRING = "fairing"
    STAGE2 = "stage2"
    STAGE3 = "stage3"
    REENTRY = "reentry"
    OVERFLIGHT = "overflight"
    DEBRIS = "debris"
    OTHER = "other"


class Severity(StrEnum):
    """CAP 1.2 severity, most severe first."""

    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"

    @property
    def rank(self) -> int:
        """0 for Extreme … 4 for Unknown (lower is more severe)."""
        return list(Severity).index(self)


class Urgency(StrEnum):
    """CAP 1.2 ``urgency`` values."""

    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class Certainty(StrEnum):
    """CAP 1.2 ``certainty`` values."""

    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


class ResponseType(StrEnum):
    """CAP 1.2 ``responseType`` values."""

    SHELTER = "Shelter"
    EVACUATE = "Evacuate"
    PREPARE = "Prepare"
    EXECUTE = "Execute"
    AVOID = "Avoid"
    MONITOR = "Monitor"
    ASSESS = "Assess"
    ALL_CLEAR = "AllClear"
    NONE = "None"


class EventKind(StrEnum):
    """What kind of event: a launch, a re-entry or something else."""

    LAUNCH = "launch"
    REENTRY = "reentry"
    OTHER = "other"


class EventStatus(StrEnum):
    """The stored status of an event (the verdict adds the time-based lifecycle)."""

    DRAFT = "draft"
    ACTIVE = "active"
    CANCELLED = "cancelled"
    ENDED = "ended"


class RegionKind(StrEnum):
    """The kind of a reference layer and its regions."""

    ADMIN = "admin"
    SEA = "sea"
    TERRITORIAL_SEA = "territorial-sea"
    EEZ_LIKE = "eez-like"
    LAND = "land"
    USER = "user"


# --------------------------------------------------------------------------- time


def utc(value: datetime) -> datetime:
    """Return ``value`` as an aware UTC datetime (naive values are taken as UTC).

    >>> utc(datetime(2016, 2, 6, 22, 30)).isoformat()
    '2016-02-06T22:30:00+00:00'
    """
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_time(value: str | datetime | None, *, field_name: str = "time") -> datetime | None:
    """Parse an ISO 8601 time (``Z`` allowed) into aware UTC; ``None`` stays ``None``.

    >>> parse_time("2016-02-06T22:30:00Z").isoformat()
    '2016-02-06T22:30:00+00:00'
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return utc(value)
    try:
        return utc(datetime.fromisoformat(str(value).replace("Z", "+00:00")))
    except ValueError:
        raise ParseError(f"{value!r} is not an ISO 8601 time", path=field_name) from None


def format_time(value: datetime | None) -> str | None:
    """Format an aware time as ISO 8601 UTC with a ``Z`` (GeoJSON/JSON output)."""
    if value is None:
        return None
    return utc(value).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class TimeWindow:
    """A UTC time window; ``start <= end``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        """Normalise both ends to UTC; raises :class:`ParseError` when the window ends before it starts."""
        object.__setattr__(self, "start", utc(self.start))
        object.__setattr__(self, "end", utc(self.end))
        if self.end < self.start:
            raise ParseError(
                f"window ends ({self.end:%Y-%m-%d %H:%M}Z) before it starts ({self.start:%Y-%m-%d %H:%M}Z)"
            )

    def contains(self, t: datetime) -> bool:
        """Return whether ``t`` falls within the window (ends included)."""
        return self.start <= utc(t) <= self.end

    def to_json(self) -> dict[str, str | None]:
        """Return the window as ``{"start": …, "end": …}`` ISO 8601 UTC strings."""
        return {"start": format_time(self.start), "end": format_time(self.end)}


def _geometry_from_json(obj: Any, where: str) -> BaseGeometry | None:
    if obj is None:
        return None
    try:
        import json

        geom = shapely.from_geojson(json.dumps(obj))
    except Exception as exc:  # shapely raises GEOSException / ValueError
        raise InvalidGeometry(f"{where}: geometry is not valid GeoJSON ({exc})") from None
    return geom


def _geometry_to_json(geom: BaseGeometry | None) -> dict[str, Any] | None:
    if geom is None or geom.is_empty:
        return None
    mapping: dict[str, Any] = shapely.geometry.mapping(geom)
    return mapping


def _windows_from_props(props: dict[str, Any]) -> tuple[TimeWindow, ...]:
    wins = props.get("windows")
    if wins:
        return tuple(
            TimeWindow(
                parse_time(w["start"], field_name=f"windows[{i}].start") or datetime.min.replace(tzinfo=UTC),
                parse_time(w["end"], field_name=f"windows[{i}].end") or datetime.max.replace(tzinfo=UTC),
            )
            for i, w in enumerate(wins)
        )
    start = parse_time(props.get("window_start"), field_name="window_start")
    end = parse_time(props.get("window_end"), field_name="window_end")
    if start is not None and end is not None:
        return (TimeWindow(start, end),)
    return ()


# --------------------------------------------------------------------------- corridor


@dataclass
class Corridor:
    """A predicted fall or overflight area (docs/DESIGN.md §1).

    ``windows`` holds the notified window and its alternates; ``window_start``
    / ``window_end`` span them all. ``raw`` is the exact source text.
    """

    id: str
    geometry: BaseGeometry
    phase: Phase = Phase.OTHER
    label: str = ""
    windows: tuple[TimeWindow, ...] = ()
    source: str = ""
    raw: str = ""
    event_id: str | None = None
    probability: float | None = None
    confidence_level: float | None = None
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def window_start(self) -> datetime | None:
        """Return the start of the first window, or ``None`` without windows."""
        return min((w.start for w in self.windows), default=None)

    @property
    def window_end(self) -> datetime | None:
        """Return the end of the last window, or ``None`` without windows."""
        return max((w.end for w in self.windows), default=None)

    def to_feature(self) -> dict[str, Any]:
        """Return the corridor as an RFC 7946 Feature (its properties plus id, phase, label and windows)."""
        props: dict[str, Any] = dict(self.properties)
        props.update(
            id=self.id,
            event_id=self.event_id,
            phase=str(self.phase),
            label=self.label,
            window_start=format_time(self.window_start),
            window_end=format_time(self.window_end),
            windows=[w.to_json() for w in self.windows],
            source=self.source,
            raw=self.raw,
        )
        if self.probability is not None:
            props["probability"] = self.probability
        if self.confidence_level is not None:
            props["confidence_level"] = self.confidence_level
        return {"type": "Feature", "id": self.id, "geometry": _geometry_to_json(self.geometry), "properties": props}

    @classmethod
    def from_feature(cls, feature: dict[str, Any], *, index: int = 0) -> Corridor:
        """Read a corridor from a GeoJSON Feature; errors name ``features[index]``."""
        where = f"features[{index}]"
        props = dict(feature.get("properties") or {})
        geom = _geometry_from_json(feature.get("geometry"), where)
        if geom is None or geom.is_empty:
            raise InvalidGeometry(f"{where}: a corridor needs a Polygon or MultiPolygon geometry")
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InvalidGeometry(f"{where}: a corridor must be a Polygon or MultiPolygon, not {geom.geom_type}")
        phase_text = str(props.pop("phase", "other") or "other").lower()
        try:
            phase = Phase(phase_text)
        except ValueError:
            raise ParseError(
                f"unknown phase {phase_text!r} (expected one of {', '.join(p.value for p in Phase)})",
                path=f"{where}.properties.phase",
            ) from None
        windows = _windows_from_props(props)
        for key in ("windows", "window_start", "window_end"):
            props.pop(key, None)
        cid = str(props.pop("id", None) or feature.get("id") or f"corridor-{index + 1}")
        return cls(
            id=cid,
            geometry=geom,
            phase=phase,
            label=str(props.pop("label", "") or ""),
            windows=windows,
            source=str(props.pop("source", "") or ""),
            raw=str(props.pop("raw", "") or ""),
            event_id=props.pop("event_id", None),
            probability=props.pop("probability", None),
            confidence_level=props.pop("confidence_level", None),
            properties=props,
        )


# --------------------------------------------------------------------------- region


@dataclass
class Region:
    """A feature of a reference layer (a prefecture, a sea, a 12 NM belt …)."""

    layer: str
    id: str
    name: str
    kind: RegionKind
    geometry: BaseGeometry
    name_ja: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    country: str | None = None
    parent: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)

    def to_feature(self) -> dict[str, Any]:
        """Return the region as an RFC 7946 Feature (its properties plus id, layer, names and kind)."""
        props: dict[str, Any] = dict(self.properties)
        props.update(
            id=self.id,
            layer=self.layer,
            name=self.name,
            name_ja=self.name_ja,
            kind=str(self.kind),
            country=self.country,
            parent=self.parent,
        )
        for lang, text in self.names.items():
            props.setdefault(f"name_{lang}", text)
        return {"type": "Feature", "id": self.id, "geometry": _geometry_to_json(self.geometry), "properties": props}


# --------------------------------------------------------------------------- alert zone


@dataclass
class AlertZone:
    """Corridor ∩ region (or a proximity zone with ``geometry=None``)."""

    id: str
    event_id: str | None
    corridor_id: str
    phase: Phase
    layer: str
    region_id: str
    region_name: str
    region_kind: RegionKind
    geometry: BaseGeometry | None
    area_km2: float
    region_fraction: float
    corridor_fraction: float
    distance_km: float
    severity: Severity
    urgency: Urgency
    certainty: Certainty
    response: ResponseType
    region_name_ja: str | None = None
    windows: tuple[TimeWindow, ...] = ()

    @property
    def window_start(self) -> datetime | None:
        """Return the start of the first window, or ``None`` without windows."""
        return min((w.start for w in self.windows), default=None)

    @property
    def window_end(self) -> datetime | None:
        """Return the end of the last window, or ``None`` without windows."""
        return max((w.end for w in self.windows), default=None)

    def to_feature(self) -> dict[str, Any]:
        """Return the alert zone as an RFC 7946 Feature with its region, severity and CAP fields."""
        props = {
            "id": self.id,
            "event_id": self.event_id,
            "corridor_id": self.corridor_id,
            "phase": str(self.phase),
            "layer": self.layer,
            "region_id": self.region_id,
            "region_name": self.region_name,
            "region_name_ja": self.region_name_ja,
            "region_kind": str(self.region_kind),
            "area_km2": round(self.area_km2, 3),
            "region_fraction": round(self.region_fraction, 6),
            "corridor_fraction": round(self.corridor_fraction, 6),
            "distance_km": round(self.distance_km, 3),
            "window_start": format_time(self.window_start),
            "window_end": format_time(self.window_end),
            "windows": [w.to_json() for w in self.windows],
            "severity": str(self.severity),
            "urgency": str(self.urgency),
            "certainty": str(self.certainty),
            "response": str(self.response),
        }
        return {"type": "Feature", "id": self.id, "geometry": _geometry_to_json(self.geometry), "properties": props}

    @classmethod
    def from_feature(cls, feature: dict[str, Any], *, index: int = 0) -> AlertZone:
        """Read an alert zone back from the Feature :meth:`to_feature` wrote; errors name ``features[index]``."""
        where = f"features[{index}]"
        p = feature.get("properties") or {}
        try:
            return cls(
                id=str(p["id"]),
                event_id=p.get("event_id"),
                corridor_id=str(p["corridor_id"]),
                phase=Phase(p.get("phase", "other")),
                layer=str(p["layer"]),
                region_id=str(p["region_id"]),
                region_name=str(p.get("region_name") or p["region_id"]),
                region_name_ja=p.get("region_name_ja"),
                region_kind=RegionKind(p.get("region_kind", "admin")),
                geometry=_geometry_from_json(feature.get("geometry"), where),
                area_km2=float(p.get("area_km2") or 0.0),
                region_fraction=float(p.get("region_fraction") or 0.0),
                corridor_fraction=float(p.get("corridor_fraction") or 0.0),
                distance_km=float(p.get("distance_km") or 0.0),
                severity=Severity(p.get("severity", "Unknown")),
                urgency=Urgency(p.get("urgency", "Unknown")),
                certainty=Certainty(p.get("certainty", "Unknown")),
                response=ResponseType(p.get("response", "None")),
                windows=_windows_from_props(dict(p)),
            )
        except KeyError as exc:
            raise ParseError(f"alert zone lacks property {exc.args[0]!r}", path=f"{where}.properties") from None
        except ValueError as exc:
            raise ParseError(f"alert zone has a bad value: {exc}", path=f"{where}.properties") from None


# --------------------------------------------------------------------------- event


@dataclass
class RawInput:
    """One input an event was built from, kept verbatim."""

    format: str
    text: str
    name: str = ""
    received: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Event:
    """One launch or re-entry with its corridors and the raw inputs it came from."""

    id: str
    name: str
    kind: EventKind = EventKind.LAUNCH
    status: EventStatus = EventStatus.ACTIVE
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    corridors: list[Corridor] = field(default_factory=list)
    inputs: list[RawInput] = field(default_factory=list)
    version: int = 1

    def replace(self, **changes: Any) -> Event:
        """Return a copy of the event with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """Return the event summary as JSON (id, name, kind, status, times, version)."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": str(self.kind),
            "status": str(self.status),
            "created": format_time(self.created),
            "updated": format_time(self.updated),
            "version": self.version,
        }


def corridors_to_collection(corridors: list[Corridor]) -> dict[str, Any]:
    """Corridors as a plain FeatureCollection dict (not yet RFC 7946-normalised)."""
    return {"type": "FeatureCollection", "features": [c.to_feature() for c in corridors]}


def corridors_from_collection(obj: Any) -> list[Corridor]:
    """Read corridors from a FeatureCollection (or a single Feature) dict."""
    if not isinstance(obj, dict):
        raise ParseError("expected a GeoJSON object", path="$")
    if obj.get("type") == "Feature":
        return [Corridor.from_feature(obj)]
    if obj.get("type") != "FeatureCollection" or not isinstance(obj.get("features"), list):
        raise ParseError("expected a GeoJSON FeatureCollection", path="$.type")
    return [Corridor.from_feature(f, index=i) for i, f in enumerate(obj["features"])]
