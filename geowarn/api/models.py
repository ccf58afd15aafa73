"""Request and response models of the HTTP API (pydantic v2); their JSON Schemas go into ``/openapi.json``.

Request models check what the core used to check by hand; checks whose
messages users rely on run first, in ``mode="before"`` validators that raise
``ValueError`` with the old text (see :func:`geowarn.api.dispatch.invalid`).

>>> EventPatch.model_validate({"name": "Long March"}).name
'Long March'
>>> SubscriptionCreate.model_validate({"regions": "JP-47"}).regions
['JP-47']
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from geojson_pydantic import Feature as GeoFeature
from geojson_pydantic import FeatureCollection as GeoFeatureCollection
from geojson_pydantic import MultiPolygon, Polygon
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from geowarn.ids import EVENT_ID_PATTERN
from geowarn.model import EventKind, EventStatus, Phase, Severity

INPUT_FIELDS = (
    "text",
    "geojson",
    "drawn",
    "window_start",
    "window_end",
    "format",
    "name",
    "id",
    "kind",
    "filename",
    "if_version",
)
PATCH_FIELDS = ("name", "status", "if_version")


class Open(BaseModel):
    """A response object: the listed fields are promised, more may follow."""

    model_config = ConfigDict(extra="allow")


class Link(Open):
    """A link of an OGC API document (``href``, ``rel``, optional ``type`` and ``title``)."""

    href: str
    rel: str
    type: str | SkipJsonSchema[None] = None
    title: str | SkipJsonSchema[None] = None


class Problem(Open):
    """An RFC 9457 problem."""

    type: str
    title: str
    status: int
    detail: str
    line: int | SkipJsonSchema[None] = None
    column: int | SkipJsonSchema[None] = None


class Landing(Open):
    """The OGC API landing page."""

    title: str | SkipJsonSchema[None] = None
    links: list[Link]


class Conformance(Open):
    """The OGC API conformance classes."""

    conformsTo: list[str]


class Collection(Open):
    """One OGC API collection: corridors, alert zones or a reference layer."""

    id: str
    title: str | SkipJsonSchema[None] = None
    description: str | SkipJsonSchema[None] = None
    links: list[Link]


class Collections(Open):
    """The list of OGC API collections."""

    collections: list[Collection]
    links: list[Link]


class GeoJSONFeature(Open):
    """A GeoJSON Feature as served (permissive: geometry and properties are not re-validated)."""

    type: Literal["Feature"]
    id: str | int | SkipJsonSchema[None] = None
    geometry: dict[str, Any] | None
    properties: dict[str, Any] | None
    bbox: list[float] | SkipJsonSchema[None] = None


class GeoJSONFeatureCollection(Open):
    """A GeoJSON FeatureCollection as served, with the OGC API paging members."""

    type: Literal["FeatureCollection"]
    features: list[GeoJSONFeature]
    numberMatched: Annotated[int, Field(ge=0)] | SkipJsonSchema[None] = None
    numberReturned: Annotated[int, Field(ge=0)] | SkipJsonSchema[None] = None
    links: list[Link] | SkipJsonSchema[None] = None


class Event(Open):
    """An event summary."""

    id: str
    name: str
    kind: EventKind
    status: EventStatus
    version: Annotated[int, Field(ge=1)]
    created: str | SkipJsonSchema[None] = Field(default=None, json_schema_extra={"format": "date-time"})
    updated: str | SkipJsonSchema[None] = Field(default=None, json_schema_extra={"format": "date-time"})


class EventList(Open):
    """A page of event summaries."""

    events: list[Event]
    numberReturned: int | SkipJsonSchema[None] = None
    links: list[Link] | SkipJsonSchema[None] = None


class ParseWarningItem(Open):
    """Something in the input that looks like a coordinate or a window but no corridor used (issue 12)."""

    line: int
    column: int
    token: str
    reason: str


class EventResult(Event):
    """An event version with its corridors and computed alert zones, and the parser's warnings."""

    zones: GeoJSONFeatureCollection
    corridors: GeoJSONFeatureCollection
    warnings: list[ParseWarningItem] = Field(default_factory=list)


class Recipient(Open):
    """A message the alert rules would send (a dry run): to which subscription, of which type, why."""

    subscription: str
    name: str
    msg_type: Literal["Alert", "Update", "Cancel"]
    reason: str
    regions: list[str]
    channels: list[str]


class Duplicate(Open):
    """A published event whose notice equals the submitted one."""

    event_id: str
    name: str
    status: str
    version: int
    why: str


class EventPreview(EventResult):
    """``?dry_run=true``: what publishing would do, nothing written."""

    dry_run: Literal[True]
    exists: bool
    duplicates: list[Duplicate]
    recipients: list[Recipient]


class CancelPreview(Open):
    """``POST …/cancel?dry_run=true``: who would receive a Cancel."""

    dry_run: Literal[True]
    event_id: str
    recipients: list[Recipient]


class Approval(Open):
    """A request awaiting a second token (``GEOWARN_APPROVAL=2``)."""

    id: str
    event_id: str
    action: Literal["publish", "update", "cancel", "patch"]
    summary: str
    status: Literal["pending", "approved", "rejected", "failed"]
    requested_by: str
    requested: str = Field(json_schema_extra={"format": "date-time"})


class ApprovalList(Open):
    """``GET /api/approvals``: the pending requests."""

    approvals: list[Approval]


class Pending(Open):
    """202: the write waits for a second token's approval."""

    status: Literal["pending"]
    approval: Approval


class EventInputBody(BaseModel):
    """``POST``/``PUT /api/events``: a notice text or GeoJSON corridors, and optional metadata."""

    model_config = ConfigDict(extra="forbid")

    text: str | SkipJsonSchema[None] = Field(default=None, description="A notice (NAVAREA, NOTAM, profile …).")
    geojson: dict[str, Any] | SkipJsonSchema[None] = Field(
        default=None, description="Corridors as a GeoJSON FeatureCollection."
    )
    drawn: dict[str, Any] | SkipJsonSchema[None] = Field(
        default=None,
        description="Corridors drawn by the operator: a FeatureCollection of Polygons, Points with "
        "properties.radius_m (circles) and LineStrings with properties.width_m (swaths); 'text' is then "
        "kept as the source (and shapes with properties.corrects replace its parsed corridors).",
    )
    window_start: str | SkipJsonSchema[None] = Field(
        default=None,
        description="Window of drawn shapes that have none (UTC).",
        json_schema_extra={"format": "date-time"},
    )
    window_end: str | SkipJsonSchema[None] = Field(
        default=None, description="End of that window (UTC).", json_schema_extra={"format": "date-time"}
    )
    format: str | SkipJsonSchema[None] = None
    name: str | SkipJsonSchema[None] = None
    id: Annotated[str, Field(pattern=EVENT_ID_PATTERN)] | SkipJsonSchema[None] = None
    kind: EventKind | SkipJsonSchema[None] = None
    filename: str | SkipJsonSchema[None] = None
    if_version: Annotated[StrictInt, Field(ge=1)] | SkipJsonSchema[None] = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_checks(cls, obj: Any) -> Any:
        if not isinstance(obj, dict):
            return obj
        if obj.get("type") in ("FeatureCollection", "Feature"):
            obj = {"geojson": obj}
        bad = set(obj) - set(INPUT_FIELDS)
        if bad:
            raise ValueError(f"unknown field(s): {', '.join(sorted(bad))}")
        if "drawn" in obj:
            if "geojson" in obj:
                raise ValueError("give 'drawn' (drawn corridors, with an optional source 'text') or 'geojson'")
            if not isinstance(obj["drawn"], dict):
                raise ValueError("'drawn' must be a GeoJSON FeatureCollection")
        elif ("text" in obj) == ("geojson" in obj):
            raise ValueError("give exactly one of 'text' (a notice) or 'geojson' (corridors)")
        if "text" in obj and not isinstance(obj["text"], str):
            raise ValueError("'text' must be a string")
        if "geojson" in obj and not isinstance(obj["geojson"], dict):
            raise ValueError("'geojson' must be a GeoJSON object")
        nulls = sorted(k for k, v in obj.items() if v is None)
        if nulls:
            raise ValueError(f"field(s) {', '.join(nulls)} must not be null")
        return obj


class EventPatch(BaseModel):
    """``PATCH /api/events/{eventId}``: rename and/or change the status."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1)] | SkipJsonSchema[None] = None
    status: EventStatus | SkipJsonSchema[None] = None
    if_version: Annotated[StrictInt, Field(ge=1)] | SkipJsonSchema[None] = None

    @model_validator(mode="before")
    @classmethod
    def _legacy_checks(cls, obj: Any) -> Any:
        if not isinstance(obj, dict):
            return obj
        bad = set(obj) - set(PATCH_FIELDS)
        if bad:
            raise ValueError(f"unknown field(s): {', '.join(sorted(bad))} (name, status, if_version)")
        if not obj.keys() & {"name", "status"}:
            raise ValueError("nothing to change: give 'name' and/or 'status'")
        name = obj.get("name")
        if "name" in obj and (not isinstance(name, str) or not name.strip()):
            raise ValueError("'name' must be a non-empty string")
        status = obj.get("status")
        if "status" in obj and (not isinstance(status, str) or status not in {s.value for s in EventStatus}):
            raise ValueError(f"status must be one of {', '.join(s.value for s in EventStatus)}")
        v = obj.get("if_version")
        if "if_version" in obj and (not isinstance(v, int) or isinstance(v, bool) or v < 1):
            raise ValueError("'if_version' must be a positive integer")
        return obj


class ChannelBody(BaseModel):
    """A way to reach the subscriber (a string ``URL`` / ``mailto:`` / ``mqtt:`` is accepted too)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["webhook", "email", "mqtt"]
    target: str
    secret: str | SkipJsonSchema[None] = None

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, obj: Any) -> Any:
        if isinstance(obj, str):
            from geowarn.alerts.rules import parse_channel

            return parse_channel(obj, check_hosts=False).to_json()  # hosts: checked on create
        return obj


def _listify(v: Any) -> Any:
    return [v] if isinstance(v, str) else v


class SubscriptionCreate(BaseModel):
    """``POST /api/subscriptions``: what to watch and whom to tell (``id``/``created`` are ignored)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Okinawa ops",
                    "regions": ["JP-47"],
                    "min_severity": "Moderate",
                    "channels": [{"kind": "webhook", "target": "https://ops.example.org/hook", "secret": "s3cret-key"}],
                }
            ]
        },
    )

    name: str = ""
    regions: list[str] = Field(default_factory=list, description="Region ids (see geowarn layers list).")
    layers: list[str] = Field(default_factory=list, description="Whole layers to watch.")
    polygon: (
        Annotated[Polygon | MultiPolygon | GeoFeature | GeoFeatureCollection, Field(discriminator="type")] | None
    ) = None
    margin_km: Annotated[float, Field(ge=0, le=500, strict=True)] = 0.0
    min_severity: Severity = Severity.MINOR
    phases: list[Phase] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    channels: list[ChannelBody] = Field(default_factory=list)
    id: str | None = None
    created: str | None = None

    @field_validator("regions", "layers", "phases", "languages", mode="before")
    @classmethod
    def _one_or_many(cls, v: Any) -> Any:
        return _listify(v)


class Subscription(Open):
    """A subscription as served (webhook secrets masked)."""

    id: str
    name: str
    margin_km: float
    min_severity: Severity
    phases: list[str]
    languages: list[str]
    channels: list[dict[str, Any]]
    created: str = Field(json_schema_extra={"format": "date-time"})


class SubscriptionList(Open):
    """The active subscriptions."""

    subscriptions: list[Subscription]


class SubscriptionDetail(Subscription):
    """A subscription with its recent deliveries from the outbox."""

    deliveries: list[dict[str, Any]]


class Health(Open):
    """The health check answer."""

    status: str


class Window(Open):
    """A time window (UTC, RFC 3339)."""

    start: str | None = Field(json_schema_extra={"format": "date-time"})
    end: str | None = Field(json_schema_extra={"format": "date-time"})


class AffectedZone(Open):
    """One alert zone covering the point (or area), with its own state."""

    zone_id: str
    event_id: str
    event_name: str
    event_status: Literal["active", "ended", "cancelled"]
    state: Literal["affected_now", "warning", "expected_later", "ended", "cancelled"]
    region_id: str
    region_name: str
    severity: Severity
    windows: list[Window]
    window_text: str = Field(
        description="The zone's windows in its region's local time with the zone named "
        "(``07:00–10:00 JST``; a daily schedule as daily), in the reader's language"
    )


class Affected(Open):
    """``GET /api/affected``: the verdict for a point or a place (see :mod:`geowarn.verdict`)."""

    state: Literal["affected_now", "warning", "expected_later", "ended", "cancelled", "not_affected"]
    affected: bool
    headline: str
    schedule: str | None
    severity: Severity | None
    starts_at: str | None = Field(json_schema_extra={"format": "date-time"})
    ends_at: str | None = Field(json_schema_extra={"format": "date-time"})
    countdown_s: int | None
    daily: bool
    at: str = Field(json_schema_extra={"format": "date-time"})
    lang: str
    timezone: str
    regions: list[str]
    windows: list[Window]
    window_text: str | None = Field(
        description="The deciding windows in local time with the zone named (``07:00–10:00 JST``, "
        "``2026-12-03 07:00–10:00 日本時間``; a daily schedule as daily), ``null`` without a window"
    )
    zones: list[AffectedZone]


class PlaceHit(Open):
    """One place found: its names, the region page that judges it and a point inside it."""

    id: str
    name: str
    name_ja: str | None
    layer: str
    page: str
    page_name: str
    page_name_ja: str | None
    municipality: bool
    lat: float
    lon: float


class PlaceList(Open):
    """``GET /api/places``: places whose names match the query, best first."""

    query: str
    places: list[PlaceHit]
