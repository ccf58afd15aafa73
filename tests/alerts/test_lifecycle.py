"""The CAP lifecycle: the pure state machine, then process_event on a real store (both backends)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from lxml import etree

from geowarn.alerts import lifecycle, rules
from geowarn.alerts.lifecycle import State, decide
from geowarn.alerts.rules import Channel, Match, Subscription
from geowarn.model import EventStatus, Severity, TimeWindow
from geowarn.publish.cap import CAP_NS, validate_cap
from geowarn.store import alerts as repo
from tests.alerts.helpers import T0, WINDOW, make_event, make_zone, moved

NS = {"c": CAP_NS}


def match(**kw):  # type: ignore[no-untyped-def]
    base = dict(key="c1|JP-47", corridor_id="c1", region_id="JP-47", severity=Severity.SEVERE, area_km2=100.0)
    base.update(kw)
    windows = base.pop("windows", WINDOW)
    return Match(windows=windows, **base)  # type: ignore[arg-type]


def active(ms):  # type: ignore[no-untyped-def]
    d = decide(None, ms, EventStatus.ACTIVE, T0)
    assert d is not None
    return State(d.status, d.summary, d.window_end, d.expires)


def test_first_match_alerts_even_days_before_the_window() -> None:
    early = T0 - timedelta(days=5)
    d = decide(None, [match()], EventStatus.ACTIVE, early)
    assert d is not None and (d.msg_type, d.status) == ("Alert", "active")


@pytest.mark.parametrize(
    "change, reason",
    [
        (dict(severity=Severity.EXTREME), "severity"),
        (dict(severity=Severity.MODERATE), "severity"),
        (dict(area_km2=120.0), "area"),
        (dict(windows=(TimeWindow(WINDOW[0].start + timedelta(hours=1), WINDOW[0].end),)), "window"),
        (dict(extent=(124.5, 24.0, 125.5, 25.0)), "extent"),
    ],
)
def test_relevant_changes_update(change, reason) -> None:  # type: ignore[no-untyped-def]
    prev = active([match()])
    d = decide(prev, [match(**change)], EventStatus.ACTIVE, T0)
    assert d is not None and d.msg_type == "Update" and reason in d.reason


def test_new_corridor_updates_and_small_area_noise_does_not() -> None:
    prev = active([match()])
    assert decide(prev, [match(area_km2=102.0)], EventStatus.ACTIVE, T0) is None
    d = decide(prev, [match(), match(key="c2|JP-47", corridor_id="c2")], EventStatus.ACTIVE, T0)
    assert d is not None and d.msg_type == "Update" and "new c2|JP-47" in d.reason


def test_cancel_when_event_cancelled_or_region_left() -> None:
    prev = active([match()])
    d = decide(prev, [match()], EventStatus.CANCELLED, T0)
    assert d is not None and (d.msg_type, d.status) == ("Cancel", "cancelled")
    d = decide(prev, [], EventStatus.ACTIVE, T0)
    assert d is not None and d.msg_type == "Cancel" and "no longer" in d.reason
    # nothing to cancel for a subscriber who never got an alert
    assert decide(None, [], EventStatus.CANCELLED, T0) is None
    assert decide(None, [match()], EventStatus.CANCELLED, T0) is None


def test_window_passed_all_clear_then_expiry() -> None:
    prev = active([match()])
    after = WINDOW[0].end + timedelta(minutes=1)
    d = decide(prev, [match()], EventStatus.ACTIVE, after)
    assert d is not None and (d.msg_type, d.status, d.all_clear) == ("Update", "allclear", True)
    cleared = State(d.status, d.summary, d.window_end, d.expires)
    assert decide(cleared, [match()], EventStatus.ACTIVE, after) is None
    d2 = decide(cleared, [match()], EventStatus.ACTIVE, WINDOW[0].end + lifecycle.EXPIRY_GRACE)
    assert d2 is not None and (d2.msg_type, d2.status) == (None, "expired")
    # a notice for a window that already passed alerts nobody
    assert decide(None, [match()], EventStatus.ACTIVE, after) is None


def sub_for(*regions: str, **kw) -> Subscription:  # type: ignore[no-untyped-def]
    return Subscription.create(
        regions=regions, channels=[Channel("webhook", "http://127.0.0.1:9/hook", "okinawa-secret-123")], **kw
    )


def run(store, event, zones, now=T0):  # type: ignore[no-untyped-def]
    with store.transaction() as tx:
        return lifecycle.process_event(tx, event, zones, now)


def messages(store):  # type: ignore[no-untyped-def]
    with store.snapshot() as tx:
        rows = tx.fetchall(
            "SELECT id, subscription_id, msg_type, response, body, body_ref FROM alert_messages ORDER BY created, seq"
        )
        repo.resolve_bodies(tx, rows)
    return rows


def test_process_event_full_lifecycle(store) -> None:  # type: ignore[no-untyped-def]
    okinawa, waters, tokyo = sub_for("JP-47"), sub_for("TS-JP-47"), sub_for("JP-13")
    with store.transaction() as tx:
        for s in (okinawa, waters, tokyo):
            rules.save_subscription(tx, s)
    ev = make_event()
    zones = [make_zone("JP-47"), make_zone("TS-JP-47", layer="territorial-seas")]
    ids = run(store, ev, zones)
    assert len(ids) == 2
    assert run(store, ev, zones) == []  # idempotent
    # the corridor moves east: one Update per subscription, referencing the Alert
    ev2 = ev.replace(version=2)
    ids2 = run(store, ev2, [moved(z, 0.5) for z in zones], T0 + timedelta(minutes=5))
    assert len(ids2) == 2
    ev3 = ev.replace(version=3, status=EventStatus.CANCELLED)
    ids3 = run(store, ev3, [moved(z, 0.5) for z in zones], T0 + timedelta(minutes=9))
    assert len(ids3) == 2
    msgs = messages(store)
    assert {m["subscription_id"] for m in msgs} == {okinawa.id, waters.id}
    for sub in (okinawa, waters):
        mine = [m for m in msgs if m["subscription_id"] == sub.id]
        assert [m["msg_type"] for m in mine] == ["Alert", "Update", "Cancel"]
        roots = [etree.fromstring(m["body"]) for m in mine]
        refs = [r.findtext("c:references", namespaces=NS) for r in roots]
        alert_ref = ",".join(roots[0].findtext(f"c:{k}", namespaces=NS) for k in ("sender", "identifier", "sent"))
        update_ref = ",".join(roots[1].findtext(f"c:{k}", namespaces=NS) for k in ("sender", "identifier", "sent"))
        assert refs[0] is None
        assert refs[1] == alert_ref
        assert refs[2].split() == [alert_ref, update_ref]
        for m in mine:
            assert validate_cap(m["body"]) == [], m["id"]
    with store.snapshot() as tx:
        n = tx.scalar("SELECT COUNT(*) AS n FROM outbox")
    assert n == 6


def test_all_clear_via_tick_and_language_filter(store) -> None:  # type: ignore[no-untyped-def]
    sub = sub_for("JP-47", languages=["en-US"])
    with store.transaction() as tx:
        rules.save_subscription(tx, sub)
    from geowarn.service import submit_event

    ev = make_event("ev-tick")
    # the store's own save path, with our zones, so the worker's tick can find event and zones later
    zones = [make_zone("JP-47", event_id="ev-tick")]
    import geowarn.service as service

    orig = service.compute
    service.compute = lambda *a, **k: zones  # type: ignore[assignment]
    try:
        res = submit_event(store, ev, now=T0)
    finally:
        service.compute = orig  # type: ignore[assignment]
    assert len(res.messages) == 1
    assert lifecycle.tick(store, T0 + timedelta(hours=1)) == []
    ids = lifecycle.tick(store, WINDOW[0].end + timedelta(minutes=2))
    assert len(ids) == 1
    msgs = messages(store)
    last = etree.fromstring(msgs[-1]["body"])
    assert msgs[-1]["response"] == "AllClear" and msgs[-1]["msg_type"] == "Update"
    assert [i.findtext("c:language", namespaces=NS) for i in last.findall("c:info", NS)] == ["en-US"]
    assert last.findtext("c:info/c:responseType", namespaces=NS) == "AllClear"
    assert validate_cap(msgs[-1]["body"]) == []
    assert lifecycle.tick(store, WINDOW[0].end + timedelta(minutes=3)) == []
    lifecycle.tick(store, WINDOW[0].end + timedelta(hours=2))
    with store.snapshot() as tx:
        assert tx.scalar("SELECT status FROM alert_state") == "expired"


def test_thresholds_and_phases_filter(store) -> None:  # type: ignore[no-untyped-def]
    strict = sub_for("JP-47", min_severity="Extreme")
    fairing_only = sub_for("JP-47", phases=["fairing"])
    near = sub_for("JP-47", margin_km=30)
    with store.transaction() as tx:
        for s in (strict, fairing_only, near):
            rules.save_subscription(tx, s)
    zone = dataclasses.replace(make_zone("JP-47"), distance_km=20.0, geometry=None)
    ids = run(store, make_event(), [zone])
    assert [i.split("-sub-")[1] for i in ids] == [near.id.removeprefix("sub-") + "-1"]


def test_event_ended_gives_all_clear_and_closed_states_stay_quiet() -> None:
    prev = active([match()])
    d = decide(prev, [match()], EventStatus.ENDED, T0)
    assert d is not None and (d.msg_type, d.status, d.all_clear) == ("Update", "allclear", True)
    cleared = State(d.status, d.summary, d.window_end, d.expires)
    assert decide(cleared, [match()], EventStatus.ENDED, T0) is None
    later = decide(cleared, [match()], EventStatus.ENDED, T0 + lifecycle.EXPIRY_GRACE)
    assert later is not None and (later.msg_type, later.status) == (None, "expired")
    # cancelled after the all-clear: nothing more to say, the state is closed without a message
    closed = decide(cleared, [match()], EventStatus.CANCELLED, T0)
    assert closed is not None and (closed.msg_type, closed.status) == (None, "expired")
    # a new window after the all-clear re-activates with an Update
    new_window = (TimeWindow(T0 + timedelta(days=1), T0 + timedelta(days=1, hours=5)),)
    again = decide(cleared, [match(windows=new_window)], EventStatus.ACTIVE, T0)
    assert again is not None and (again.msg_type, again.status) == ("Update", "active")
