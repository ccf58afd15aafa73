"""Data of the operator pages (framework-free).

The preview, publishing, the event page's operator block, the cancel confirmation and the
approvals list. The templates escape every string.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geowarn import drawn, views
from geowarn.alerts.lifecycle import Planned
from geowarn.desk import actions, approvals
from geowarn.desk.approvals import Actor, Approval
from geowarn.desk.form import OperatorForm
from geowarn.desk.recipients import cancel_recipients
from geowarn.desk.submission import Submission, read
from geowarn.desk.submission import preview as preview_submission
from geowarn.desk.templates import TEMPLATES
from geowarn.errors import GeowarnError, InvalidParameter
from geowarn.i18n import DEFAULT_LANGUAGE, pick_language, with_zone, zone_label
from geowarn.model import Corridor, EventStatus, format_time
from geowarn.publish.localtime import format_span, to_local
from geowarn.service import EventResult, Options
from geowarn.sources.common import ParseWarning, warning_reason
from geowarn.store import Store

#: The zone of the operator pages' times (as the dashboard's and the event page's: :data:`geowarn.views.TZ`).
TZ = views.TZ


def _window(start: datetime | None, end: datetime | None, lang: str) -> str:
    """Format a window in Japan's time with the zone named in ``lang``: ``2099-01-01 10:00–12:00（日本時間）``."""
    if start is None or end is None:
        return "—"
    return with_zone(format_span(start, end, TZ), TZ, lang, to_local(start, TZ).tzname() or TZ)


def corridor_rows(corridors: list[Corridor], lang: str = DEFAULT_LANGUAGE) -> list[dict[str, Any]]:
    """Make the rows of the preview's corridor table (with where each corridor came from), windows in ``lang``."""
    return [
        {
            "id": c.id,
            "phase": str(c.phase),
            "label": c.label,
            "window": _window(c.window_start, c.window_end, lang),
            "origin": str(c.properties.get("origin") or "parsed"),
        }
        for c in corridors
    ]


def warning_rows(warnings: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Make the rows of the parser's warnings with their reasons in ``lang`` (the JSON keeps the English)."""
    return [{**w, "reason": warning_reason(w, lang)} for w in warnings]


def recipient_rows(planned: list[Planned]) -> list[dict[str, Any]]:
    """Make the rows of "what will be sent to whom"."""
    return [
        {
            "subscription": p.subscription_id,
            "name": p.name or p.subscription_id,
            "msg_type": p.msg_type + (" (all clear)" if p.all_clear else ""),
            "regions": ", ".join(p.regions) or "—",
            "channels": ", ".join(p.channels),
            "reason": p.reason,
        }
        for p in planned
    ]


def templates() -> list[dict[str, str]]:
    """List the notice templates the operator page offers."""
    return [{"key": t.key, "title": t.title} for t in TEMPLATES]


def preview_page(store: Store, form: OperatorForm, options: Options, lang: str | None = None) -> dict[str, Any]:
    """Compute the preview: map, corridors, zones, warnings, duplicates, recipients and the correction editor.

    Parameters
    ----------
    store
        The store (read only).
    form
        The operator's form.
    options
        The publishing options.
    lang
        The reader's language; ``None``: the language of the zones' region (ja for JP).

    Returns
    -------
    dict
        What ``preview.html`` renders (``lang`` included).
    """
    from geowarn.publish.commands import reference_layers
    from geowarn.publish.maps import render_event_map

    pv = preview_submission(store, form.submission(), options)
    result = pv.result
    lang = lang or pick_language(None, None, result.zones[0].region_id if result.zones else None)
    map_html = render_event_map(
        result.event,
        result.zones,
        layers=reference_layers([], result.zones),  # land and the layers hit, as on the published map
        asset_base=options.asset_base,
        tile_url=options.tile_url,
        tile_attribution=options.tile_attribution,
        lang=lang,
    )
    correction = form.drawn if form.mode == "draw" else drawn.corridors_text(result.event.corridors)
    return {
        "map_html": map_html,
        "lang": lang,
        "zone_name": zone_label("Asia/Tokyo", lang, "JST"),
        "event": views.event_card(result.event, result.zones, lang=lang),
        "exists": pv.exists,
        "zones": views.zone_rows(result.zones, lang=lang),
        "corridors": corridor_rows(result.event.corridors, lang),
        "format": result.event.inputs[0].format if result.event.inputs else form.format,
        "warnings": warning_rows(pv.warnings, lang),
        "duplicates": [d.to_json() for d in pv.duplicates],
        "recipients": recipient_rows(pv.recipients),
        "needs_ack": bool(pv.warnings or pv.duplicates),
        "approval": options.approval,
        "correction": correction,
        "drawn": form.mode == "draw",
    }


def publish(store: Store, form: OperatorForm, options: Options, actor: Actor) -> EventResult | Approval:
    """Publish (or, with the two-person rule, request) the form's event.

    Parameters
    ----------
    store
        The store.
    form
        The operator's form; parser warnings or a notice already published need its ``ack``.
    options
        The publishing options (``approval``).
    actor
        The logged-in operator.

    Returns
    -------
    EventResult or Approval
        The written version, or the pending request.
    """
    sub = form.submission()
    _event, warnings = read(sub, store=store)
    if not form.ack:
        from geowarn.desk.duplicates import find_duplicates

        dups = find_duplicates(store, sub.source_text(), exclude_event=_event.id if sub.update else None)
        if warnings or dups:
            what = f"{len(warnings)} parser warning(s)" if warnings else "a notice already published"
            raise InvalidParameter(
                f"the preview showed {what}: tick 'I have read the warnings' before publishing", field="ack_warnings"
            )
    action = "update" if sub.update else "publish"
    return actions.perform(store, action, {"submission": sub.to_json()}, actor=actor, options=options)


def _approval_warnings(store: Store, a: Approval) -> list[dict[str, Any]]:
    """Read a publish/update request again for the parser's warnings the approver must see too."""
    if a.action not in ("publish", "update"):
        return []
    try:
        return read(Submission.from_json(a.payload["submission"]), store=store)[1]
    except GeowarnError as exc:
        return [ParseWarning.of(1, 1, "", "request_unreadable", detail=str(exc)).to_dict()]


def _approval_row(store: Store, a: Approval, lang: str) -> dict[str, Any]:
    """Make one row of the approvals list (the parser's warnings in ``lang``)."""
    return {
        "warnings": warning_rows(_approval_warnings(store, a), lang),
        "id": a.id,
        "event_id": a.event_id,
        "action": a.action,
        "summary": a.summary,
        "requested_by": a.requested_name,
        "requested_by_id": a.requested_by,
        "requested": format_time(a.requested) or "",
        "text": str(a.payload.get("submission", {}).get("text", ""))[:4000],
    }


def approval_rows(store: Store, event_id: str | None = None, lang: str = DEFAULT_LANGUAGE) -> list[dict[str, Any]]:
    """List the pending requests (newest first) for the approvals list and the event page."""
    return [_approval_row(store, a, lang) for a in approvals.pending(store, event_id)]


def event_block(store: Store, event_id: str, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """Collect the event page's operator block: actions, pending requests and who wrote each version.

    Each version's note is read in ``lang`` (:func:`geowarn.views.note_text`).
    """
    event = store.get_event(event_id)
    return {
        "event_id": event_id,
        "cancellable": event.status != EventStatus.CANCELLED,
        "pending": approval_rows(store, event_id, lang),
        "log": [
            {
                "version": h["version"],
                "updated": format_time(h["updated"]) or "",
                "status": h["status"],
                "note": views.note_text(h["note"] or "", lang),
                "operator": h.get("operator") or "—",
            }
            for h in reversed(store.history(event_id))
        ],
    }


def cancel_page(store: Store, event_id: str, options: Options, lang: str | None = None) -> dict[str, Any]:
    """Collect the confirmation step of a cancel: the event and who would receive the Cancel.

    ``lang`` ``None``: the language of the event's region (ja for JP); the result says which (``lang``).
    """
    event = store.get_event(event_id)
    zones = store.zones(event_id)
    lang = lang or pick_language(None, None, zones[0].region_id if zones else None)
    return {
        "lang": lang,
        "event": views.event_card(event, zones, lang=lang),
        "recipients": recipient_rows(cancel_recipients(store, event_id)),
        "approval": options.approval,
        "cancelled": event.status == EventStatus.CANCELLED,
    }
