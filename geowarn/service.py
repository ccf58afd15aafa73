"""The framework-free core the web app and the CLI call: submit, update and cancel events.

Each state change computes the alert zones (``geowarn.zones.compute_zones`` over
the reference layers) and then, in ONE store transaction, writes the event
version, its corridors, zones and raw inputs, a pending render row per published
kind, and calls the alert lifecycle hook
``geowarn.alerts.lifecycle.process_event(tx, event, zones, now)`` so alert
messages enter the outbox atomically with the data they are about. The published
files (GeoJSON, CAP, KML, map HTML) are rendered after the commit
(:mod:`geowarn.rendering`, issue 14): a failing renderer is recorded and retried
and never refuses the warning. Zones are computed before the transaction (they
are pure); the transaction re-checks the event version (optimistic concurrency:
a concurrent update makes the slower writer retry or fail with :class:`Conflict`).
"""

from __future__ import annotations

import importlib
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from geowarn import rendering
from geowarn.background import BackgroundRenders
from geowarn.errors import Conflict, InvalidParameter, ParseError
from geowarn.ids import EVENT_ID_RE, RESERVED_EVENT_IDS
from geowarn.jsondepth import check_depth
from geowarn.model import (
    AlertZone,
    Corridor,
    Event,
    EventKind,
    EventStatus,
    RawInput,
    corridors_from_collection,
    format_time,
    utc,
)
from geowarn.publish import kinds
from geowarn.publish import static as static_files
from geowarn.publish.geojson import feature_collection
from geowarn.settings import CapIdentity, Settings
from geowarn.store import Artifact, Store, Tx
from geowarn.store import renders as render_repo

log = logging.getLogger(__name__)

MAX_RETRIES = 5


@dataclass
class Options:
    """Settings of the publishing side (from the web app's config or the CLI)."""

    layers_dir: str | None = None
    tile_url: str | None = None
    tile_attribution: str = ""
    asset_base: str | None = "/static/vendor"
    layer_ids: Sequence[str] | None = None
    #: CAP sender/status of the published files (``None``: the ``GEOWARN_CAP_*`` variables).
    cap: CapIdentity | None = None
    #: How many different tokens every write of an event needs (``GEOWARN_APPROVAL``: 1 or 2).
    approval: int = 1
    #: Prefix of the retained per-region MQTT topics (``GEOWARN_MQTT_REGION_TOPICS``; ``None``: none).
    region_topics: str | None = None
    #: Where the published files of a committed version are rendered: ``None`` inline after the commit
    #: (CLI, demo), else this background executor of the web process answers at once (issue 16).
    renders: BackgroundRenders | None = None
    #: Where rendered GeoJSON/CAP files are also written for nginx (``GEOWARN_STATIC_DIR``; ``None``: nowhere).
    static_dir: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Options:
        """Read the publishing options of ``settings`` (alert layers, layers directory, tiles, CAP identity)."""
        return cls(
            layers_dir=str(settings.layers_dir) if settings.layers_dir is not None else None,
            tile_url=settings.tile_url,
            tile_attribution=settings.tile_attribution,
            layer_ids=list(settings.alert_layers) if settings.alert_layers else None,
            cap=settings.cap,
            approval=settings.approval,
            region_topics=settings.mqtt_region_topics,
            static_dir=str(settings.static_dir) if settings.static_dir is not None else None,
        )


def parse_layer_ids(text: str | None) -> list[str] | None:
    """Split a layer list: ``"a, b"`` → ``["a", "b"]``; empty → ``None`` (every alert layer).

    >>> parse_layer_ids("jp-prefectures, eez-like"), parse_layer_ids("")
    (['jp-prefectures', 'eez-like'], None)
    """
    ids = [p.strip() for p in (text or "").split(",") if p.strip()]
    return ids or None


@dataclass
class EventResult:
    """What a state change produced."""

    event: Event
    zones: list[AlertZone]
    messages: list[str] = field(default_factory=list)
    artifacts: dict[str, Artifact] = field(default_factory=dict)
    created: bool = False
    #: What the parser saw but no corridor used (``ParseWarning.to_dict()`` items; issue 12).
    warnings: list[dict[str, Any]] = field(default_factory=list)
    #: The files were handed to a background render (issue 16): those not in ``artifacts`` are ``pending``.
    deferred: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the result as API JSON: the event, its corridors and zones, the messages and file ETags."""
        body = self.event.to_json()
        body["corridors"] = feature_collection([c.to_feature() for c in self.event.corridors])
        body["zones"] = feature_collection([z.to_feature() for z in self.zones])
        body["messages"] = list(self.messages)
        body["artifacts"] = {k: a.etag for k, a in sorted(self.artifacts.items())}
        # the published files are rendered after the commit: "failed" ones are retried (issue 14),
        # "pending" ones are being rendered in the background (issue 16)
        missing = "pending" if self.deferred else "failed"
        body["renders"] = {k: ("ok" if k in self.artifacts else missing) for k in rendering.kind_names()}
        body["warnings"] = list(self.warnings)
        return body


# --------------------------------------------------------------------------- ids and inputs


def slugify(text: str, *, max_len: int = 60) -> str:
    """Make a lower-case ASCII slug usable as an event id.

    >>> slugify("Kwangmyongsong-4 launch (2016)")
    'kwangmyongsong-4-launch-2016'
    >>> slugify("光明星")
    'event'
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_len].strip("-")
    return slug or "event"


def check_event_id(event_id: str) -> str:
    """Validate an event id (lower-case letters, digits and dashes, ≤ 80 characters)."""
    if not EVENT_ID_RE.match(event_id):
        raise InvalidParameter(f"event id {event_id!r} must be 1–80 lower-case letters, digits or dashes")
    if event_id in RESERVED_EVENT_IDS:
        raise InvalidParameter(f"event id {event_id!r} is reserved (/events/{event_id} is not an event page)")
    return event_id


MAX_NAME = 200


def check_name(name: str) -> str:
    """Validate an event name: 1–200 characters, no control characters (they cannot go into XML).

    >>> check_name("  Chollima-1  ")
    'Chollima-1'
    """
    text = name.strip()
    if not text or len(text) > MAX_NAME:
        raise InvalidParameter(f"an event name needs 1–{MAX_NAME} characters")
    bad = [c for c in text if unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn")]
    if bad:
        raise InvalidParameter(f"the event name contains a control character (U+{ord(bad[0]):04X})")
    return text


def parse_input(
    data: str | bytes, *, format: str = "auto", name: str | None = None
) -> tuple[list[Corridor], dict[str, Any], str]:
    """Corridors, source metadata and the detected format of one input (via ``geowarn.sources``)."""
    try:
        from geowarn.sources import parse
    except ImportError:  # the sources package has not landed: GeoJSON only
        import json

        text = data.decode("utf-8") if isinstance(data, bytes) else data
        check_depth(text)
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(f"invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
        return corridors_from_collection(obj), {}, "geojson"
    parsed = parse(data, format, name=name)
    return list(parsed.corridors), dict(parsed.meta), parsed.format


def parse_warnings(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the parser's ``warnings`` of a parse result's ``meta`` (line, column, token, reason).

    >>> parse_warnings({"warnings": [{"line": 2, "column": 5, "token": "W66", "reason": "not read"}]})
    [{'line': 2, 'column': 5, 'token': 'W66', 'reason': 'not read'}]
    >>> parse_warnings({})
    []
    """
    return [dict(w) for w in meta.get("warnings") or [] if isinstance(w, dict)]


def event_from_input(
    data: str | bytes,
    *,
    format: str = "auto",
    filename: str | None = None,
    name: str | None = None,
    event_id: str | None = None,
    kind: EventKind | str | None = None,
    now: datetime | None = None,
) -> Event:
    """Build a new (unsaved) event from a notice, a file or a profile."""
    return read_event(data, format=format, filename=filename, name=name, event_id=event_id, kind=kind, now=now)[0]


def read_event(
    data: str | bytes,
    *,
    format: str = "auto",
    filename: str | None = None,
    name: str | None = None,
    event_id: str | None = None,
    kind: EventKind | str | None = None,
    now: datetime | None = None,
) -> tuple[Event, list[dict[str, Any]]]:
    """Build a new (unsaved) event from an input, with the parser's warnings (:func:`parse_warnings`)."""
    corridors, meta, fmt = parse_input(data, format=format, name=filename)
    if not corridors:
        raise ParseError("the input holds no corridor")
    title = name or meta.get("title") or meta.get("name") or meta.get("message_id") or filename or "event"
    if name is None:  # a title from the source: drop what XML cannot carry
        title = "".join(c for c in str(title) if unicodedata.category(c) not in ("Cc", "Cs", "Co", "Cn"))
        title = title.strip()[:MAX_NAME] or "event"
    else:
        title = check_name(name)
    now = utc(now or datetime.now(UTC))
    eid = check_event_id(event_id) if event_id else slugify(str(title))
    if kind is None:
        kind = EventKind.REENTRY if fmt == "reentry" else EventKind.LAUNCH
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    event = Event(
        id=eid,
        name=str(title),
        kind=EventKind(kind),
        status=EventStatus.ACTIVE,
        created=now,
        updated=now,
        corridors=corridors,
        inputs=[RawInput(format=fmt, text=text, name=filename or "", received=now)],
    )
    return event, parse_warnings(meta)


# --------------------------------------------------------------------------- computing and publishing


def compute(
    corridors: Sequence[Corridor], *, event_id: str, now: datetime, options: Options | None = None
) -> list[AlertZone]:
    """Alert zones of ``corridors`` over the alert layers (``[]`` while the engine is missing)."""
    options = options or Options()
    try:
        from geowarn.layers import load_layers
        from geowarn.zones import compute_zones
    except ModuleNotFoundError as exc:
        if exc.name not in ("geowarn.layers", "geowarn.zones"):
            raise
        log.warning("alert-zone engine not available (%s): no zones computed", exc.name)
        return []
    layers = load_layers(options.layer_ids, layers_dir=options.layers_dir)
    return list(compute_zones(corridors, layers, now=now, event_id=event_id))


def preview(
    data: str | bytes,
    *,
    format: str = "auto",
    filename: str | None = None,
    name: str | None = None,
    event_id: str | None = None,
    now: datetime | None = None,
    options: Options | None = None,
) -> EventResult:
    """Parse and compute without saving (the operator's preview)."""
    event, warnings = read_event(data, format=format, filename=filename, name=name, event_id=event_id, now=now)
    zones = compute(event.corridors, event_id=event.id, now=event.updated, options=options)
    return EventResult(event=event, zones=zones, warnings=warnings)


def event_geojson(event: Event, zones: Sequence[AlertZone]) -> bytes:
    """Build the published GeoJSON of an event version: its corridors then its alert zones."""
    return kinds.event_geojson(event, zones)


def _alert_hook(
    tx: Tx,
    event: Event,
    zones: Sequence[AlertZone],
    now: datetime,
    cap: CapIdentity | None = None,
    region_topics: str | None = None,
) -> list[str]:
    """Call ``geowarn.alerts.lifecycle.process_event`` in the same transaction (if installed)."""
    try:
        lifecycle = importlib.import_module("geowarn.alerts.lifecycle")
    except ImportError as exc:
        if getattr(exc, "name", None) not in ("geowarn.alerts.lifecycle", None):
            raise
        return []
    return list(lifecycle.process_event(tx, event, zones, now, cap=cap, region_topics=region_topics))


# --------------------------------------------------------------------------- state changes


def _save(
    store: Store,
    event: Event,
    zones: list[AlertZone],
    *,
    note: str,
    new_inputs: Sequence[RawInput],
    expected_version: int,
    now: datetime,
    options: Options | None,
    operator: str = "",
) -> EventResult:
    """Commit the event version, its zones and its alert messages, then render its files.

    The published files are rendered after the commit (:mod:`geowarn.rendering`): a renderer
    that fails is recorded and retried, and never refuses or rolls back the warning. With
    ``options.renders`` (the web process) they are queued there and the call returns at once
    with the renders ``pending`` (issue 16).
    """
    with store.transaction() as tx:
        current = store.lock_event(tx, event.id)
        if expected_version == 0 and current is not None:
            raise Conflict(f"event {event.id!r} already exists (version {current.version})")
        if expected_version and (current is None or current.version != expected_version):
            raise _Retry()
        store.write_event_version(tx, event, zones, note=note, new_inputs=new_inputs, operator=operator)
        render_repo.add_pending(tx, event.id, event.version, rendering.kind_names(), now)
        messages = _alert_hook(
            tx, event, zones, now, options.cap if options else None, options.region_topics if options else None
        )
        # also those of processes with the setting, when this one has none
        if options is not None and options.static_dir:
            static_dirs = static_files.register(tx, options.static_dir)
        else:
            static_dirs = static_files.registered(tx)
    static_files.drop_after_commit(static_dirs, event.id)  # committed: nginx must not answer the old version any more
    if options is not None and options.renders is not None:
        # queued, or left pending for the worker's retries and on-demand rendering when the queue is full
        options.renders.submit(store, event, zones, options)
        return EventResult(event=event, zones=zones, messages=messages, created=event.version == 1, deferred=True)
    try:
        artifacts = rendering.render_version(store, event, zones, options=options)
    except Exception:  # the store failed after the commit: the renders stay pending, the worker retries
        log.exception("rendering %s v%d after the commit failed; left to the retries", event.id, event.version)
        artifacts = {}
    return EventResult(event=event, zones=zones, messages=messages, artifacts=artifacts, created=event.version == 1)


class _Retry(Exception):
    """The event changed between reading it and writing: recompute."""


def submit_event(
    store: Store,
    event: Event,
    *,
    now: datetime | None = None,
    options: Options | None = None,
    note: str = "created",
    operator: str = "",
) -> EventResult:
    """Save a new event (version 1) with its zones and alert messages in one transaction, then render its files.

    ``operator`` (a token's name) is recorded in the event's history.
    """
    now = utc(now or datetime.now(UTC))
    check_event_id(event.id)
    if not event.corridors:
        raise InvalidParameter("an event needs at least one corridor")
    event = event.replace(version=1, updated=now, created=event.created or now)
    for c in event.corridors:
        c.event_id = event.id
    if store.event_exists(event.id):
        raise Conflict(f"event {event.id!r} already exists")
    zones = compute(event.corridors, event_id=event.id, now=now, options=options)
    return _save(
        store,
        event,
        zones,
        note=note,
        new_inputs=event.inputs,
        expected_version=0,
        now=now,
        options=options,
        operator=operator,
    )


def update_event(
    store: Store,
    event_id: str,
    *,
    corridors: Sequence[Corridor] | None = None,
    add_corridors: Sequence[Corridor] = (),
    inputs: Sequence[RawInput] = (),
    name: str | None = None,
    status: EventStatus | str | None = None,
    if_version: int | None = None,
    note: str = "updated",
    now: datetime | None = None,
    options: Options | None = None,
    operator: str = "",
) -> EventResult:
    """Write a new version of an event.

    The version replaces (``corridors``) or extends (``add_corridors``) its corridors, renames it
    or changes its status. ``if_version`` makes it conditional (409 otherwise).
    """
    for _ in range(MAX_RETRIES):
        current = store.get_event(event_id)
        if if_version is not None and current.version != if_version:
            raise Conflict(f"event {event_id!r} is at version {current.version}, not {if_version}")
        if current.status == EventStatus.CANCELLED and status is None:
            raise Conflict(f"event {event_id!r} is cancelled")
        stamp = utc(now or datetime.now(UTC))
        new_corridors = list(corridors) if corridors is not None else list(current.corridors)
        known = {c.id for c in new_corridors}
        for c in add_corridors:
            if c.id in known:
                raise Conflict(f"event {event_id!r} already has corridor {c.id!r}")
            new_corridors.append(c)
        if not new_corridors:
            raise InvalidParameter("an event needs at least one corridor")
        for c in new_corridors:
            c.event_id = event_id
        event = current.replace(
            version=current.version + 1,
            updated=max(stamp, current.updated),
            name=check_name(name) if name is not None else current.name,
            status=EventStatus(status) if status is not None else current.status,
            corridors=new_corridors,
            inputs=[*current.inputs, *inputs],
        )
        zones = (
            store.zones(event_id)
            if corridors is None and not add_corridors and event.status == EventStatus.CANCELLED
            else compute(new_corridors, event_id=event_id, now=stamp, options=options)
        )
        try:
            return _save(
                store,
                event,
                zones,
                note=note,
                new_inputs=inputs,
                expected_version=current.version,
                now=stamp,
                options=options,
                operator=operator,
            )
        except _Retry:
            if if_version is not None:
                raise Conflict(f"event {event_id!r} changed concurrently") from None
            continue
    raise Conflict(f"event {event_id!r} keeps changing concurrently; try again")


def cancel_event(
    store: Store,
    event_id: str,
    *,
    now: datetime | None = None,
    note: str = "cancelled",
    options: Options | None = None,
    name: str | None = None,
    if_version: int | None = None,
    operator: str = "",
) -> EventResult:
    """Cancel an event (a new version with status ``cancelled``; its zones are kept for the record).

    ``name`` renames it in the same version; ``if_version`` makes it conditional (409 otherwise).
    """
    current = store.get_event(event_id)
    if if_version is not None and current.version != if_version:
        raise Conflict(f"event {event_id!r} is at version {current.version}, not {if_version}")
    if current.status == EventStatus.CANCELLED:
        raise Conflict(f"event {event_id!r} is already cancelled")
    return update_event(
        store,
        event_id,
        status=EventStatus.CANCELLED,
        name=name,
        if_version=if_version,
        note=note,
        now=now,
        options=options,
        operator=operator,
    )


def event_summary(event: Event) -> dict[str, Any]:
    """JSON of an event for lists (with windows spanning its corridors)."""
    body = event.to_json()
    starts = [c.window_start for c in event.corridors if c.window_start]
    ends = [c.window_end for c in event.corridors if c.window_end]
    body["window_start"] = format_time(min(starts)) if starts else None
    body["window_end"] = format_time(max(ends)) if ends else None
    return body
