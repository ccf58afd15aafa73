"""The CAP lifecycle of each (event, subscription): Alert → Update… → Cancel or all-clear → expiry.

:func:`decide` is the pure state machine; :func:`process_event` runs it for every subscription
inside the caller's store transaction and writes the resulting CAP messages and their outbox rows
in that same transaction (so a crash can neither lose nor invent a message).

Rules (for one event and one subscription, given the zones that concern the subscription):

* first match → ``Alert`` — at once, even when the window is days ahead (launches come early);
* a relevant change — a new or vanished corridor/region pair, a moved window, the area changed by
  more than 5 %, the zone's extent moved, a severity up or down → ``Update`` referencing every
  message since the Alert;
* the event cancelled, or no zone concerns the subscription any more → ``Cancel``;
* every window has passed, or the event was marked ended → ``Update`` with response ``AllClear``
  (urgency Past), then, one hour later, the state expires silently;
* nothing relevant changed → no message (re-running is idempotent).

MQTT region topics (issue 16, ``region_topics=`` prefix, ``GEOWARN_MQTT_REGION_TOPICS``): every
region an event's zones intersect is also a virtual subscription ``region:<id>`` (no margin,
every severity, both languages) whose one channel is the retained topic ``<prefix>/<id>`` on
``GEOWARN_MQTT_URL``; it runs the same lifecycle and goes through the same outbox (never lost,
in order per topic). The broker keeps the last message, so a device that connects later gets
the current warning at once; a Cancel or all-clear replaces it. When another event still warns
the same region, the all-clear of one event is published without retain and that other event's
latest message is queued again, retained, so the topic never keeps an all-clear (or a cancelled
warning) while a warning stands.

>>> from datetime import datetime, UTC, timedelta
>>> from geowarn.model import Severity, TimeWindow, EventStatus
>>> from geowarn.alerts.rules import Match
>>> t0 = datetime(2016, 2, 6, 12, tzinfo=UTC)
>>> w = (TimeWindow(t0 + timedelta(hours=10), t0 + timedelta(hours=15)),)
>>> m = [Match("c1|JP-47", "c1", "JP-47", Severity.SEVERE, 100.0, w)]
>>> d = decide(None, m, EventStatus.ACTIVE, t0)
>>> d.msg_type, d.status
('Alert', 'active')
>>> decide(State("active", d.summary, d.window_end, None), m, EventStatus.ACTIVE, t0) is None
True
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geowarn.alerts.rules import (
    Channel,
    Match,
    Subscription,
    list_subscriptions,
    matches_for,
    polygon_zones,
    relevant_zones,
)
from geowarn.model import (
    AlertZone,
    Event,
    EventStatus,
    ResponseType,
    Urgency,
    format_time,
    parse_time,
    utc,
)
from geowarn.settings import CapIdentity
from geowarn.store import alerts as repo

log = logging.getLogger(__name__)

#: Relative area change that counts as relevant.
AREA_TOLERANCE = 0.05
#: How long after the last window an all-clear state expires.
EXPIRY_GRACE = timedelta(hours=1)
#: PostgreSQL channel the worker LISTENs on.
NOTIFY_CHANNEL = repo.NOTIFY_CHANNEL

ACTIVE, ALLCLEAR, CANCELLED, EXPIRED = "active", "allclear", "cancelled", "expired"
#: Subscription id prefix of the virtual subscriptions behind the MQTT region topics.
REGION_TOPIC = "region:"


@dataclass(frozen=True)
class State:
    """What is remembered for one (event, subscription) between runs."""

    status: str
    summary: dict[str, Any]
    window_end: datetime | None
    expires: datetime | None


@dataclass(frozen=True)
class Decision:
    """The outcome of :func:`decide`: a message to emit (``msg_type`` may be ``None``) and the next state."""

    msg_type: str | None  # "Alert" | "Update" | "Cancel" | None (state change only)
    status: str
    summary: dict[str, Any]
    window_end: datetime | None
    expires: datetime | None
    all_clear: bool = False
    reason: str = ""


def summarize(matches: Sequence[Match]) -> dict[str, Any]:
    """Return the relevant facts of ``matches`` (what a change is measured against), JSON-ready.

    >>> from geowarn.model import Severity
    >>> summarize([Match("c|R", "c", "R", Severity.MINOR, 12.3456, ())])
    {'c|R': {'severity': 'Minor', 'area': 12.346, 'windows': [], 'extent': []}}
    """
    return {
        m.key: {
            "severity": str(m.severity),
            "area": round(m.area_km2, 3),
            "windows": [[format_time(w.start), format_time(w.end)] for w in m.windows],
            "extent": list(m.extent),
        }
        for m in matches
    }


def changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human-readable relevant differences between two summaries (``[]`` when none).

    >>> a = {"c|R": {"severity": "Severe", "area": 100.0, "windows": [], "extent": []}}
    >>> b = {"c|R": {"severity": "Extreme", "area": 103.0, "windows": [], "extent": []}}
    >>> changes(a, b)
    ['severity of c|R Severe → Extreme']
    """
    out = []
    for k in sorted(set(new) - set(old)):
        out.append(f"new {k}")
    for k in sorted(set(old) - set(new)):
        out.append(f"gone {k}")
    for k in sorted(set(old) & set(new)):
        a, b = old[k], new[k]
        if a["severity"] != b["severity"]:
            out.append(f"severity of {k} {a['severity']} → {b['severity']}")
        if a["windows"] != b["windows"]:
            out.append(f"window of {k} moved")
        big = max(abs(a["area"]), abs(b["area"]))
        if big > 0 and abs(a["area"] - b["area"]) / big > AREA_TOLERANCE:
            out.append(f"area of {k} {a['area']:.0f} → {b['area']:.0f} km²")
        if a.get("extent") != b.get("extent"):
            out.append(f"extent of {k} moved")
    return out


def decide(prev: State | None, matches: Sequence[Match], event_status: EventStatus, now: datetime) -> Decision | None:
    """Take the pure lifecycle step: previous state + current matches → a message and the next state.

    Returns ``None`` when nothing is to be written.
    """
    now = utc(now)
    live = prev is not None and prev.status == ACTIVE
    summary = summarize(matches)
    ends = [m.window_end for m in matches]
    window_end = max((e for e in ends if e is not None), default=None) if matches else None
    if event_status == EventStatus.CANCELLED or (event_status != EventStatus.DRAFT and not matches):
        return _decide_gone(prev, bool(matches), event_status)
    if event_status == EventStatus.ENDED:
        if live:
            return Decision(
                "Update", ALLCLEAR, summary, window_end, now + EXPIRY_GRACE, all_clear=True, reason="event ended"
            )
        return _expired(prev, now)
    if event_status == EventStatus.DRAFT:
        return None
    passed = all(e is not None for e in ends) and window_end is not None and window_end < now
    if passed:
        assert window_end is not None
        expires = window_end + EXPIRY_GRACE
        if live:
            return Decision("Update", ALLCLEAR, summary, window_end, expires, all_clear=True, reason="window passed")
        return _expired(prev, now)
    if prev is None or prev.status in (CANCELLED, EXPIRED):
        return Decision("Alert", ACTIVE, summary, window_end, None, reason="first match")
    diff = changes(prev.summary, summary)
    if prev.status == ALLCLEAR:
        return Decision("Update", ACTIVE, summary, window_end, None, reason="a new window: " + "; ".join(diff))
    if diff:
        return Decision("Update", ACTIVE, summary, window_end, None, reason="; ".join(diff))
    return None


def _decide_gone(prev: State | None, matched: bool, event_status: EventStatus) -> Decision | None:
    """Return the step for a cancelled event or a region no longer matched: a Cancel, a closed state or nothing."""
    if prev is not None and prev.status == ACTIVE:
        why = "event cancelled" if event_status == EventStatus.CANCELLED else "region no longer affected"
        return Decision("Cancel", CANCELLED, prev.summary if matched else {}, prev.window_end, None, reason=why)
    if prev is not None and prev.status == ALLCLEAR:  # already told it is over: just close the state
        return Decision(None, EXPIRED, prev.summary, prev.window_end, prev.expires, reason="closed")
    return None


def _expired(prev: State | None, now: datetime) -> Decision | None:
    """Return the silent expiry of an all-clear state whose grace period is over at ``now``, else ``None``."""
    if prev is not None and prev.status == ALLCLEAR and prev.expires is not None and now >= prev.expires:
        return Decision(None, EXPIRED, prev.summary, prev.window_end, prev.expires, reason="expired")
    return None


# --------------------------------------------------------------------------- CAP payload


def cap_sender(cap: CapIdentity | None = None) -> str:
    """Return the CAP sender used in identifiers and references (``cap``, else ``GEOWARN_CAP_SENDER``)."""
    from geowarn.publish.cap import cap_identity

    return (cap if cap is not None else cap_identity()).sender


def build_message(
    event: Event,
    zones: Sequence[AlertZone],
    sub: Subscription,
    *,
    msg_type: str,
    references: Sequence[str],
    identifier: str,
    sent: datetime,
    all_clear: bool = False,
    note: str | None = None,
    cap: CapIdentity | None = None,
) -> bytes:
    """Build the CAP 1.2 XML of one message to ``sub`` (only its zones; only its languages; ``cap``: the sender)."""
    from geowarn.publish.cap import build_cap

    chosen = list(zones)
    if all_clear:
        chosen = [dataclasses.replace(z, response=ResponseType.ALL_CLEAR, urgency=Urgency.PAST) for z in chosen]
    xml = build_cap(
        event,
        chosen,
        msg_type=msg_type,
        references=list(references),
        identifier=identifier,
        sent=sent,
        sender=cap_sender(cap),
        note=note,
        identity=cap,
    )
    return filter_languages(xml, sub.languages)


def filter_languages(xml: bytes, languages: Sequence[str]) -> bytes:
    """Drop the ``<info>`` blocks in languages the subscriber did not ask for (keeps at least one)."""
    from lxml import etree

    from geowarn.publish.cap import CAP_NS, parse_cap

    wanted = {lang.lower() for lang in languages} | {lang.split("-")[0].lower() for lang in languages}
    root = parse_cap(xml)
    infos = root.findall(f"{{{CAP_NS}}}info")
    keep = [i for i in infos if (i.findtext(f"{{{CAP_NS}}}language") or "en-US").lower() in wanted]
    keep = keep or [
        i for i in infos if (i.findtext(f"{{{CAP_NS}}}language") or "en-US").split("-")[0].lower() in wanted
    ]
    if not keep or len(keep) == len(infos):
        return xml
    for i in infos:
        if i not in keep:
            root.remove(i)
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return out


# --------------------------------------------------------------------------- the store side


def _state_of(row: dict[str, Any] | None) -> State | None:
    """Return the :class:`State` of an ``alert_state`` row (``None``: no state yet)."""
    if row is None:
        return None
    return State(row["status"], json.loads(row["summary"]), parse_time(row["window_end"]), parse_time(row["expires"]))


def _references(rows: Sequence[dict[str, Any]]) -> list[str]:
    """``sender,identifier,sent`` of every message since (and including) the latest Alert (``rows`` in sequence)."""
    refs: list[str] = []
    for r in rows:
        if r["msg_type"] == "Alert":
            refs = []
        refs.append(r["reference"])
    return refs


def _reference(xml: bytes) -> str:
    from geowarn.publish.cap import reference_of

    return reference_of(xml) or ""


#: Stands for the subscription id in a CAP rendering shared by many subscribers (see :class:`Renderings`).
_PLACEHOLDER = repo.SUBSCRIBER_MARK
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_.:-]+$")


class Renderings:
    """What one event version renders the same way for many subscribers (issue 16: one event, 100,000 of them).

    Subscribers shown the same engine zones, in the same languages, at the same point of their
    lifecycle get the same CAP but for their subscription id in the identifier and references:
    it is built once with a placeholder id and the id is put in per subscriber (byte-identical to
    building it for each; ``tests/alerts/test_fanout.py`` checks). That shared rendering is stored
    once (``alert_texts``, migration 0420) and each message keeps its digest, not the bytes; the
    zones' JSON kept in each state is shared likewise. Only zones of the event version itself are
    keyed (by position).

    So are the selection (matches and zones shown) of the subscriptions with the same filters
    and no polygon, and the lifecycle step of those whose stored state is the same.
    """

    def __init__(self, zones: Sequence[AlertZone]) -> None:
        self._zones = list(zones)  # kept alive: their ids key the renderings
        self._index = {id(z): i for i, z in enumerate(self._zones)}
        self.caps: dict[tuple[Any, ...], Rendered] = {}
        self.zone_json: dict[tuple[int, ...], tuple[str, str]] = {}
        self.selections: dict[tuple[Any, ...], tuple[list[Match], list[AlertZone]]] = {}
        self.decisions: dict[tuple[Any, ...], tuple[Decision | None, str]] = {}

    def key(self, zones: Sequence[AlertZone]) -> tuple[int, ...] | None:
        """Positions of ``zones`` in the event version's zones; ``None`` when one is not among them."""
        out = []
        for z in zones:
            i = self._index.get(id(z))
            if i is None:
                return None
            out.append(i)
        return tuple(out)


@dataclass(frozen=True)
class Rendered:
    """The CAP of one message: its own ``body``, or (``shared``) the digest and bytes of a rendering stored once.

    A shared rendering has :data:`~geowarn.store.alerts.SUBSCRIBER_MARK` for the subscription id;
    the message's body is that text with the mark replaced (:func:`~geowarn.store.alerts.resolve_bodies`).
    """

    body: bytes
    reference: str
    shared: tuple[str, bytes] | None = None

    def bytes_for(self, sub_id: str) -> bytes:
        """Return the CAP bytes the subscriber ``sub_id`` receives."""
        if self.shared is None:
            return self.body
        return self.shared[1].replace(_PLACEHOLDER.encode(), sub_id.encode())


def _render(
    memo: Renderings | None,
    event: Event,
    shown: Sequence[AlertZone],
    sub: Subscription,
    decision: Decision,
    seq: int,
    refs: Sequence[str],
    sent: datetime,
    cap: CapIdentity | None,
) -> Rendered:
    """Return the CAP XML of message ``seq`` to ``sub`` with its ``sender,identifier,sent`` reference."""
    assert decision.msg_type is not None

    def build(identifier: str, references: Sequence[str]) -> tuple[bytes, str]:
        body = build_message(
            event,
            shown,
            sub,
            msg_type=str(decision.msg_type),
            references=references,
            identifier=identifier,
            sent=sent,
            all_clear=decision.all_clear,
            note=decision.reason or None,
            cap=cap,
        )
        return body, _reference(body)

    own = f"geowarn-{event.id}-{sub.id}-"
    zkey = memo.key(shown) if memo is not None and _PLAIN_ID.match(sub.id) else None
    generic = []
    for r in refs:
        parts = r.split(",")
        if len(parts) != 3 or not parts[1].startswith(own):
            zkey = None
            break
        generic.append(f"{parts[0]},geowarn-{event.id}-{_PLACEHOLDER}-{parts[1][len(own) :]},{parts[2]}")
    if memo is None or zkey is None:
        return Rendered(*build(f"{own}{seq}", refs))
    key: tuple[Any, ...] = (zkey, decision.msg_type, seq, tuple(generic), tuple(sub.languages))
    key += (decision.all_clear, decision.reason, sent)
    hit = memo.caps.get(key)
    if hit is None:
        body, ref = build(f"geowarn-{event.id}-{_PLACEHOLDER}-{seq}", generic)
        hit = memo.caps[key] = Rendered(b"", ref, (repo.text_digest(body), body))
    return dataclasses.replace(hit, reference=hit.reference.replace(_PLACEHOLDER, sub.id))


def _zone_json(memo: Renderings | None, mine: Sequence[AlertZone]) -> tuple[str, str]:
    """Return the digest and the JSON text of the zones ``mine`` (shared through ``memo``)."""
    key = memo.key(mine) if memo is not None else None
    if memo is not None and key is not None and key in memo.zone_json:
        return memo.zone_json[key]
    text = json.dumps([z.to_feature() for z in mine])
    out = (repo.text_digest(text.encode("utf-8")), text)
    if memo is not None and key is not None:
        memo.zone_json[key] = out
    return out


def _selection(
    memo: Renderings | None, event: Event, zones: Sequence[AlertZone], sub: Subscription, now: datetime
) -> tuple[tuple[Any, ...] | None, list[Match], list[AlertZone]]:
    """Return what concerns ``sub`` (its filters' key when shared through ``memo``, its matches, the zones shown)."""
    key = None
    if memo is not None and sub.polygon is None:
        key = (sub.regions, sub.layers, sub.margin_km, sub.min_severity, sub.phases)
        hit = memo.selections.get(key)
        if hit is not None:
            return key, *hit
    own = polygon_zones(sub, event.corridors, event_id=event.id, now=now)
    matches = matches_for(sub, zones, own)
    mine = relevant_zones(sub, zones, own)
    if key is not None and memo is not None:
        memo.selections[key] = (matches, mine)
    return key, matches, mine


def _decision(
    memo: Renderings | None,
    key: tuple[Any, ...] | None,
    row: dict[str, Any] | None,
    matches: Sequence[Match],
    event_status: EventStatus,
    now: datetime,
) -> tuple[Decision | None, str]:
    """Return :func:`decide` for the stored state ``row`` and the JSON of its summary (shared through ``memo``)."""
    mkey = None
    if memo is not None and key is not None:
        mkey = (key, None if row is None else (row["status"], row["summary"], row["window_end"], row["expires"]))
        hit = memo.decisions.get(mkey)
        if hit is not None:
            return hit
    decision = decide(_state_of(row), matches, event_status, now)
    out = (decision, json.dumps(decision.summary, sort_keys=True) if decision is not None else "")
    if mkey is not None and memo is not None:
        memo.decisions[mkey] = out
    return out


@dataclass(frozen=True)
class Writes:
    """What the lifecycle step of one (event, subscription) writes (see :func:`write`)."""

    message: repo.MessageRow | None
    outbox: tuple[repo.OutboxRow, ...]
    state: repo.StateRow
    insert: bool  # the first state of (event, subscription)
    texts: tuple[tuple[str, bytes], ...] = ()  # (digest, content) of the shared texts its rows refer to


def write(tx: Any, writes: Sequence[Writes]) -> None:
    """Write the steps of many subscribers in five statements (texts and messages first: rows refer to them)."""
    repo.insert_texts(tx, dict(t for w in writes for t in w.texts))
    repo.insert_messages(tx, [w.message for w in writes if w.message is not None])
    repo.insert_outbox_rows(tx, [r for w in writes for r in w.outbox])
    repo.insert_states(tx, [w.state for w in writes if w.insert])
    repo.update_states(tx, [w.state for w in writes if not w.insert])


def _step(
    tx: Any,
    event: Event,
    zones: Sequence[AlertZone],
    sub: Subscription,
    now: datetime,
    cap: CapIdentity | None,
    memo: Renderings | None,
    row: dict[str, Any] | None,
    history: Sequence[dict[str, Any]],
) -> Writes | None:
    """Return what the lifecycle of (``event``, ``sub``) writes, given its state ``row`` and its messages' ``history``.

    ``history``: ``msg_type, reference`` of the earlier messages, in sequence. Reads nothing but
    (for a region topic ending) the standing warning of another event.
    """
    now = utc(now)
    key, matches, mine = _selection(memo, event, zones, sub, now)
    decision, summary = _decision(memo, key, row, matches, event.status, now)
    if decision is None:
        return None
    seq = int(row["seq"]) if row is not None else 0
    stored_zones = (row["zones"] if row is not None else None) or "[]"
    shared: dict[str, bytes] = {}
    message = None
    queued: list[repo.OutboxRow] = []
    if decision.msg_type is not None:
        seq += 1
        message_id = f"geowarn-{event.id}-{sub.id}-{seq}"
        shown = mine
        if decision.msg_type == "Cancel" and not shown:
            shown = [AlertZone.from_feature(f, index=i) for i, f in enumerate(json.loads(stored_zones))]
        refs = [] if decision.msg_type == "Alert" else _references(history)
        sent = now.replace(microsecond=0)
        rendered = _render(memo, event, shown, sub, decision, seq, refs, sent, cap)
        if rendered.shared is not None:
            shared[rendered.shared[0]] = rendered.shared[1]
        response = "AllClear" if decision.all_clear else None
        message = repo.MessageRow(
            message_id,
            event.id,
            sub.id,
            seq,
            event.version,
            decision.msg_type,
            response,
            rendered.reference,
            decision.reason,
            rendered.body,
            rendered.shared[0] if rendered.shared is not None else None,
            now,
        )
        queued = _queue(tx, message_id, sub, event.id, decision, now)
    zones_text: str | None
    if mine:
        zones_ref, text = _zone_json(memo, mine)
        zones_text = None
        shared[zones_ref] = text.encode("utf-8")
    elif row is not None and row.get("zones_ref"):  # unchanged, already stored once
        zones_text, zones_ref = None, row["zones_ref"]
    else:  # a state written before migration 0420 keeps its own text
        zones_text, zones_ref = stored_zones, None
    state = repo.StateRow(
        decision.status,
        seq,
        summary,
        decision.window_end,
        decision.expires,
        zones_text,
        zones_ref,
        now,
        event.id,
        sub.id,
    )
    return Writes(message, tuple(queued), state, insert=row is None, texts=tuple(shared.items()))


def process_subscription(
    tx: Any,
    event: Event,
    zones: Sequence[AlertZone],
    sub: Subscription,
    now: datetime,
    cap: CapIdentity | None = None,
    memo: Renderings | None = None,
) -> str | None:
    """Run the lifecycle of (``event``, ``sub``); write the message, its outbox rows and the state.

    Returns the message id written, or ``None``. ``memo``: renderings shared with the other
    subscribers of this event version.
    """
    row = repo.alert_state(tx, event.id, sub.id)
    history = repo.message_references(tx, event.id, [sub.id]).get(sub.id, []) if row is not None else []
    w = _step(tx, event, zones, sub, now, cap, memo, row, history)
    if w is None:
        return None
    write(tx, [w])
    return w.message.id if w.message is not None else None


def _queue(
    tx: Any, message_id: str, sub: Subscription, event_id: str, decision: Decision, now: datetime
) -> list[repo.OutboxRow]:
    """Return the outbox rows of ``message_id`` to ``sub`` (a region topic keeps the standing warning retained)."""
    from geowarn.alerts.outbox import rows_for

    over = decision.msg_type == "Cancel" or decision.all_clear
    standing = repo.latest_active_message(tx, sub.id, event_id) if sub.id.startswith(REGION_TOPIC) and over else None
    if standing is None:
        return rows_for(message_id, sub, now, tx)
    live = dataclasses.replace(sub, channels=tuple(dataclasses.replace(c, retain=False) for c in sub.channels))
    # the other event's warning, retained again
    return rows_for(message_id, live, now, tx) + rows_for(standing, sub, now, tx, suffix=f"@{message_id}")


def region_subscription(region_id: str, prefix: str) -> Subscription:
    """Return the virtual subscription of the retained MQTT topic ``<prefix>/<region_id>``.

    >>> s = region_subscription("JP-47", "geowarn/alerts")
    >>> s.id, s.channels[0].target, s.channels[0].retain, s.margin_km
    ('region:JP-47', 'geowarn/alerts/JP-47', True, 0.0)
    """
    return Subscription(
        id=f"{REGION_TOPIC}{region_id}",
        name=f"MQTT region topic {region_id}",
        regions=(region_id,),
        channels=(Channel("mqtt", f"{prefix.rstrip('/')}/{region_id}", retain=True),),
    )


def region_subscriptions(tx: Any, event: Event, zones: Sequence[AlertZone], prefix: str) -> list[Subscription]:
    """Return the region topics of an event version: the regions its zones intersect and those it warned before."""
    ids = {z.region_id for z in zones if z.distance_km <= 0}
    ids |= {sid[len(REGION_TOPIC) :] for sid in repo.open_states_with_prefix(tx, event.id, REGION_TOPIC)}
    return [region_subscription(r, prefix) for r in sorted(ids)]


def _guarded(
    tx: Any,
    event: Event,
    zones: Sequence[AlertZone],
    sub: Subscription,
    now: datetime,
    cap: CapIdentity | None = None,
    memo: Renderings | None = None,
) -> str | None:
    """Run :func:`process_subscription` inside a savepoint.

    One subscriber's failure (say, a CAP that cannot be built) is logged and rolled back without
    blocking the event or the other subscribers; its state is unchanged, so the next change of the
    event tries again.
    """
    try:
        with repo.savepoint(tx, "geowarn_alert"):
            mid = process_subscription(tx, event, zones, sub, now, cap, memo)
    except Exception:
        log.exception("alert lifecycle of event %s for subscription %s failed", event.id, sub.id)
        return None
    return mid


def process_event(
    tx: Any,
    event: Event,
    zones: Sequence[AlertZone],
    now: datetime,
    *,
    cap: CapIdentity | None = None,
    region_topics: str | None = None,
) -> list[str]:
    """Run the lifecycle of ``event`` for every subscription in the caller's transaction.

    ``region_topics``: the prefix of the retained MQTT region topics (``None``: none).

    Returns the ids of the CAP messages written to the outbox (each delivered on every channel of
    its subscription). On PostgreSQL a ``NOTIFY geowarn_outbox`` wakes the workers at commit.

    The subscriptions go by batches of :data:`BATCH` (issue 16: one event, 100,000 subscribers):
    the event's states and message histories are read first, in two statements, each step is taken in
    memory, and the batch is written in four statements inside a savepoint. A subscriber whose
    step fails is logged and left out (its state unchanged: the next change tries again); a
    batch whose writes fail is rolled back and written one subscriber at a time, each in its
    own savepoint, as the region topics are. Webhook secrets stay sealed from the subscription
    rows to the outbox rows (the commit never needs them in clear).
    """
    ids: list[str] = []
    # tx=None: the stored webhook secrets are not opened; the outbox snapshot keeps them sealed
    subs = [Subscription.from_row(r) for r in repo.active_subscriptions(tx)]
    regions = region_subscriptions(tx, event, zones, region_topics) if region_topics else []
    memo = Renderings(zones)
    states = repo.alert_states(tx, event.id) if subs else {}  # every state of the event, one scan
    histories = repo.message_references(tx, event.id) if states else {}
    for i in range(0, len(subs), BATCH):
        ids += _process_batch(tx, event, zones, subs[i : i + BATCH], now, cap, memo, states, histories)
    for sub in regions:
        mid = _guarded(tx, event, zones, sub, now, cap, memo)
        if mid is not None:
            ids.append(mid)
    if ids:
        repo.notify_outbox(tx)
        log.info("event %s v%s: %d alert message(s) queued", event.id, event.version, len(ids))
    return ids


#: Subscriptions whose steps :func:`process_event` writes together.
BATCH = 1000


def _process_batch(
    tx: Any,
    event: Event,
    zones: Sequence[AlertZone],
    subs: Sequence[Subscription],
    now: datetime,
    cap: CapIdentity | None,
    memo: Renderings,
    states: dict[str, dict[str, Any]],
    histories: dict[str, list[dict[str, Any]]],
) -> list[str]:
    """Take the steps of ``subs`` in memory and write them together; return the message ids written.

    ``states`` and ``histories``: the event's states and message references, by subscription id.
    """
    steps: list[tuple[Subscription, Writes]] = []
    for sub in subs:
        try:
            w = _step(tx, event, zones, sub, now, cap, memo, states.get(sub.id), histories.get(sub.id, []))
        except Exception:
            log.exception("alert lifecycle of event %s for subscription %s failed", event.id, sub.id)
            continue
        if w is not None:
            steps.append((sub, w))
    try:
        with repo.savepoint(tx, "geowarn_alert_batch"):
            write(tx, [w for _, w in steps])
    except Exception:
        log.exception("writing %d alert step(s) of event %s together failed; one at a time", len(steps), event.id)
        done = (_guarded(tx, event, zones, sub, now, cap, memo) for sub, _ in steps)
        return [mid for mid in done if mid is not None]
    return [w.message.id for _, w in steps if w.message is not None]


def catch_up(store: Any, tx: Any, sub: Subscription, now: datetime, *, cap: CapIdentity | None = None) -> list[str]:
    """Run the lifecycle of a new subscription for the events that already concern it (issue 14 #12).

    A subscriber who signs up while a warning is out gets its current ``Alert`` at once instead of
    waiting for the next change of the event. Only active events whose last window has not ended
    count (no alerts about the past). Returns the message ids written.
    """
    now = utc(now)
    ids = []
    for summary in store.list_events(status=[EventStatus.ACTIVE.value], limit=1000, tx=tx):
        event = store.get_event(summary.id, tx=tx)
        ends = [c.window_end for c in event.corridors if c.window_end is not None]
        if ends and max(ends) <= now:
            continue
        mid = _guarded(tx, event, store.zones(event.id, tx=tx), sub, now, cap)
        if mid is not None:
            ids.append(mid)
    if ids:
        repo.notify_outbox(tx)
        log.info("subscription %s: %d current alert message(s) queued", sub.id, len(ids))
    return ids


@dataclass(frozen=True)
class Planned:
    """A message :func:`process_event` would write for one subscription (a dry run)."""

    subscription_id: str
    name: str
    msg_type: str  # Alert | Update | Cancel
    reason: str
    regions: tuple[str, ...]
    channels: tuple[str, ...]  # "webhook https://…", "email ops@…", "mqtt topic"
    all_clear: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the JSON of the API's ``recipients`` items."""
        return {
            "subscription": self.subscription_id,
            "name": self.name,
            "msg_type": self.msg_type,
            "reason": self.reason,
            "regions": list(self.regions),
            "channels": list(self.channels),
            "all_clear": self.all_clear,
        }


def plan_event(tx: Any, event: Event, zones: Sequence[AlertZone], now: datetime) -> list[Planned]:
    """Plan what :func:`process_event` would send for this event version, without writing anything.

    Runs the same selection (:func:`~geowarn.alerts.rules.matches_for`) and the same lifecycle
    step (:func:`decide`) against each subscription's stored state; the operator's confirmation
    step shows the result ("who receives Alert / Update / Cancel").
    """
    now = utc(now)
    out = []
    for sub in list_subscriptions(tx):
        own = polygon_zones(sub, event.corridors, event_id=event.id, now=now)
        matches = matches_for(sub, zones, own)
        prev = _state_of(repo.alert_state(tx, event.id, sub.id))
        decision = decide(prev, matches, event.status, now)
        if decision is None or decision.msg_type is None:
            continue
        keys = [m.region_id for m in matches] or [k.split("|", 1)[-1] for k in (prev.summary if prev else {})]
        out.append(
            Planned(
                sub.id,
                sub.name,
                decision.msg_type,
                decision.reason,
                tuple(sorted(set(keys))),
                tuple(f"{c.kind} {c.target}" for c in sub.channels),
                decision.all_clear,
            )
        )
    return out


def due_states(tx: Any, now: datetime) -> list[tuple[str, str]]:
    """(event, subscription) pairs whose window has passed or whose all-clear has expired."""
    return repo.due_alert_states(tx, now)


def tick(
    store: Any, now: datetime | None = None, *, cap: CapIdentity | None = None, region_topics: str | None = None
) -> list[str]:
    """Time-driven transitions (all-clear after the window, then expiry), one transaction.

    The worker calls this periodically; events that did not change still get their all-clear
    (region topics too, given their ``region_topics`` prefix; without it their states expire silently).
    """
    from geowarn.alerts.rules import get_subscription
    from geowarn.errors import NotFound

    now = utc(now or datetime.now(UTC))
    with store.snapshot() as tx:
        due = due_states(tx, now)
    if not due:
        return []
    ids = []
    with store.transaction() as tx:
        for event_id, sub_id in due_states(tx, now):
            try:
                event = store.get_event(event_id, tx=tx)
                if sub_id.startswith(REGION_TOPIC):
                    if not region_topics:
                        raise NotFound(f"region topics are off ({sub_id})")
                    sub = region_subscription(sub_id[len(REGION_TOPIC) :], region_topics)
                else:
                    sub = get_subscription(tx, sub_id)
            except NotFound:
                repo.expire_alert_state(tx, event_id, sub_id, now)
                continue
            zones = store.zones(event_id, tx=tx)
            mid = _guarded(tx, event, zones, sub, now, cap)
            if mid:
                ids.append(mid)
        if ids:
            repo.notify_outbox(tx)
    return ids
