"""One operator submission — a notice, a file, or a drawing with its source text — previewed or published.

The operator page and the write API build a :class:`Submission`; :func:`preview` reads it
(corridors, zones, the parser's warnings, notices already published, who would be told) without
writing, and :func:`publish` writes it (a new event, or a new version when ``update``). A
submission is JSON (:meth:`Submission.to_json`) so a two-person approval can keep it until a
second token approves it.

>>> s = Submission(text="A0001/26 - N300000E1250000-N300000E1260000-N290000E1260000 BACK TO START")
>>> Submission.from_json(s.to_json()) == s
True
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from geowarn import drawn, service
from geowarn.alerts.lifecycle import Planned
from geowarn.desk.duplicates import Duplicate, find_duplicates
from geowarn.desk.recipients import recipients
from geowarn.errors import Conflict, InvalidParameter, ParseError
from geowarn.model import Corridor, Event, EventKind, EventStatus, RawInput, TimeWindow, parse_time, utc
from geowarn.service import EventResult, Options
from geowarn.sources.common import ParseWarning
from geowarn.store import Store


@dataclass(frozen=True)
class Submission:
    """What the operator submitted.

    ``text`` is a notice (or the source text kept with a drawing); ``file_b64`` an uploaded
    file (base64, with ``filename``); ``drawn`` a drawing — the vertex text of the operator page
    (``drawn_format="text"``) or GeoJSON (``"geojson"``, see :mod:`geowarn.drawn`) — which then
    makes the corridors, the text being kept as the source. ``window_start``/``window_end`` (ISO
    8601) are the windows of drawn shapes that have none. ``update`` replaces an existing event's
    corridors.
    """

    text: str = ""
    file_b64: str = ""
    filename: str = ""
    format: str = "auto"
    name: str = ""
    event_id: str = ""
    kind: str = ""
    drawn: str = ""
    drawn_format: str = "text"
    window_start: str = ""
    window_end: str = ""
    update: bool = False
    if_version: int | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the submission as JSON (kept by a pending approval)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> Submission:
        """Read a submission written by :meth:`to_json`."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in obj.items() if k in names})

    def data(self) -> str | bytes:
        """Return the input to parse: the file's bytes or the text."""
        if self.file_b64:
            try:
                return base64.b64decode(self.file_b64, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidParameter("the uploaded file was damaged; upload it again") from None
        return self.text

    def source_text(self) -> str:
        """Return the notice text, as kept with the event (an uploaded binary file is not text)."""
        return self.text


@dataclass
class Preview:
    """What publishing a submission would do."""

    result: EventResult
    exists: bool
    duplicates: list[Duplicate]
    recipients: list[Planned]

    @property
    def warnings(self) -> list[dict[str, Any]]:
        """Return the parser's warnings."""
        return self.result.warnings

    def to_json(self) -> dict[str, Any]:
        """Return the dry run's answer (the event result plus ``dry_run``, duplicates, recipients)."""
        body = self.result.to_json()
        body["dry_run"] = True
        body["exists"] = self.exists
        body["duplicates"] = [d.to_json() for d in self.duplicates]
        body["recipients"] = [r.to_json() for r in self.recipients]
        return body


def _windows(sub: Submission) -> tuple[TimeWindow, ...]:
    if not sub.window_start and not sub.window_end:
        return ()
    try:
        start = parse_time(sub.window_start or None, field_name="window_start")
        end = parse_time(sub.window_end or None, field_name="window_end")
    except ParseError as exc:
        raise InvalidParameter(str(exc)) from None
    if start is None or end is None:
        raise InvalidParameter("give both window_start and window_end (UTC) for the drawn corridors, or neither")
    return (TimeWindow(start, end),)


def _drawn_event(sub: Submission, now: datetime, current: list[Corridor]) -> tuple[Event, list[dict[str, Any]]]:
    """Build the event of a drawing: corridors from the shapes, the notice text kept as its source.

    A shape may correct a corridor of the notice text or, in an update, one of ``current`` (the
    event's corridors now).
    """
    if sub.drawn_format == "geojson":
        try:
            obj = json.loads(sub.drawn)
        except json.JSONDecodeError as exc:
            raise ParseError(f"the drawing is not JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
        shapes = drawn.shapes_from_geojson(obj)
    else:
        shapes = drawn.shapes_from_text(sub.drawn)
    warnings: list[dict[str, Any]] = []
    parsed: dict[str, Corridor] = {c.id: c for c in current}
    fmt, title = "text", ""
    if sub.text.strip():
        try:
            corridors, meta, fmt = service.parse_input(sub.text, format=sub.format)
            parsed.update({c.id: c for c in corridors})
            warnings = service.parse_warnings(meta)
            title = str(meta.get("title") or meta.get("message_id") or "")
        except ParseError as exc:  # the reason the operator draws: say so, never hide it
            why = ParseWarning.of(exc.line or 1, exc.column or 1, "", "parser_failed", detail=exc.detail)
            warnings = [why.to_dict()]
    corridors = drawn.build_corridors(shapes, parsed=parsed, windows=_windows(sub))
    missing = [c.id for c in corridors if not c.windows]
    if missing:
        raise InvalidParameter(
            f"drawn corridor {missing[0]!r} has no window: fill in the window start and end (UTC)", field="window_start"
        )
    name = service.check_name(sub.name) if sub.name else (title or "Drawn corridors")
    eid = service.check_event_id(sub.event_id) if sub.event_id else service.slugify(name)
    inputs = [RawInput(format="drawn", text=drawn.drawing_json(shapes), name="drawing", received=now)]
    if sub.text.strip():
        inputs.insert(0, RawInput(format=fmt, text=sub.text, name=sub.filename, received=now))
    event = Event(
        id=eid,
        name=name,
        kind=EventKind(sub.kind) if sub.kind else EventKind.LAUNCH,
        status=EventStatus.ACTIVE,
        created=now,
        updated=now,
        corridors=corridors,
        inputs=inputs,
    )
    return event, warnings


def read(
    sub: Submission, *, now: datetime | None = None, store: Store | None = None
) -> tuple[Event, list[dict[str, Any]]]:
    """Build the (unsaved) event of a submission, with the parser's warnings.

    Parameters
    ----------
    sub
        The submission.
    now
        Its time (default: now).
    store
        With it, the drawing of an update may correct the event's current corridors.

    Returns
    -------
    tuple of Event and list of dict
        The event and the warnings (line, column, token, reason).
    """
    now = utc(now or datetime.now(UTC))
    if sub.drawn.strip():
        current = []
        if store is not None and sub.update and sub.event_id and store.event_exists(sub.event_id):
            current = store.get_event(sub.event_id).corridors
        return _drawn_event(sub, now, current)
    data = sub.data()
    if isinstance(data, str) and not data.strip():
        raise InvalidParameter("paste the notice text, upload a file or draw the corridors")
    return service.read_event(
        data,
        format=sub.format,
        filename=sub.filename or None,
        name=sub.name or None,
        event_id=sub.event_id or None,
        kind=sub.kind or None,
        now=now,
    )


def preview(store: Store, sub: Submission, options: Options | None = None) -> Preview:
    """Read and compute without writing: zones, warnings, duplicates and the dry-run recipients.

    Parameters
    ----------
    store
        The store (read only).
    sub
        The submission.
    options
        The publishing options (alert layers).

    Returns
    -------
    Preview
        What publishing would do.
    """
    now = datetime.now(UTC)
    event, warnings = read(sub, now=now, store=store)
    exists = store.event_exists(event.id)
    planned = event
    if exists:
        current = store.get_event(event.id)
        planned = current.replace(version=current.version + 1, corridors=event.corridors, name=sub.name or current.name)
    zones = service.compute(event.corridors, event_id=event.id, now=now, options=options)
    for c in event.corridors:
        c.event_id = event.id
    text = sub.source_text()
    return Preview(
        EventResult(event=event, zones=zones, warnings=warnings),
        exists,
        find_duplicates(store, text, exclude_event=event.id if sub.update else None) if text else [],
        recipients(store, planned, zones, now=now),
    )


def publish(
    store: Store,
    sub: Submission,
    options: Options | None = None,
    *,
    operator: str = "",
    read_as: tuple[Event, list[dict[str, Any]]] | None = None,
) -> EventResult:
    """Write the submission: a new event, or (``update``) a new version of the existing one.

    Parameters
    ----------
    store
        The store.
    sub
        The submission.
    options
        The publishing options.
    operator
        Who publishes (recorded in the history).
    read_as
        ``read(sub)`` done already by the caller: the notice is not parsed a second time.

    Returns
    -------
    EventResult
        The written version, with the parser's warnings.
    """
    event, warnings = read_as if read_as is not None else read(sub, store=store)
    how = f" from {event.inputs[0].format}" if event.inputs else ""
    drawn_note = " (corridors drawn on the map)" if sub.drawn.strip() else ""
    if store.event_exists(event.id):
        if not sub.update:
            raise Conflict(f"event {event.id!r} exists: tick 'update the existing event' or choose another id")
        result = service.update_event(
            store,
            event.id,
            corridors=event.corridors,
            inputs=event.inputs,
            name=sub.name or None,
            if_version=sub.if_version,
            note=f"corridors replaced{how}{drawn_note}",
            options=options,
            operator=operator,
        )
    else:
        if sub.update:
            raise InvalidParameter(f"there is no event {event.id!r} to update")
        result = service.submit_event(
            store, event, options=options, note=f"published{how}{drawn_note}", operator=operator
        )
    result.warnings = warnings
    return result
