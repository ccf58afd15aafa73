"""What one event version sends alike to many subscribers is stored once (issue 16, migration 0420):
one ``alert_texts`` row for the CAP rendering and one for the zones JSON, whatever the number of
subscribers; what a receiver gets, and its signature, are byte for byte what building the message
for that subscriber alone gives, on the first attempt and on every retry; rows written before the
migration (their own body and zones) still read back and still drive the lifecycle."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

from geowarn.alerts import channels, lifecycle, outbox, rules
from geowarn.alerts.rules import Channel, Subscription
from geowarn.alerts.worker import Worker, WorkerOptions
from geowarn.settings import Settings
from geowarn.store import Store
from geowarn.store import alerts as repo
from tests.alerts.helpers import T0, WebhookReceiver, make_event, make_zone

SECRET = "shared-texts-secret-1"


def _subscribe(store: Store, n: int, url: str) -> list[Subscription]:
    subs = [
        Subscription.create(id=f"sub-{i:03d}", regions=["JP-47"], channels=[Channel("webhook", f"{url}?s={i}", SECRET)])
        for i in range(n)
    ]
    with store.transaction() as tx:
        for sub in subs:
            rules.save_subscription(tx, sub)
    return subs


def _alone(sub: Subscription, row: dict[str, object], version: int, zone: object, refs: list[str]) -> bytes:
    """The CAP of ``row`` built the old way: for this one subscriber, its own id in it."""
    return lifecycle.build_message(
        make_event(version=version),
        [zone],  # type: ignore[list-item]
        sub,
        msg_type=str(row["msg_type"]),
        references=refs,
        identifier=str(row["id"]),
        sent=T0,
        note=str(row["reason"]) or None,
    )


def test_one_shared_row_for_many_subscribers(store: Store) -> None:
    _subscribe(store, 40, "http://127.0.0.1:9/hook")
    z = make_zone("JP-47")
    with store.transaction() as tx:
        assert len(lifecycle.process_event(tx, make_event(), [z], T0)) == 40
    with store.snapshot() as tx:
        texts = tx.fetchall("SELECT digest, content FROM alert_texts")
        msgs = tx.fetchall("SELECT body, body_ref FROM alert_messages")
        states = tx.fetchall("SELECT zones, zones_ref FROM alert_state")
    assert len(texts) == 2  # one CAP rendering, one zones JSON
    assert {bytes(m["body"]) for m in msgs} == {b""} and len({m["body_ref"] for m in msgs}) == 1
    assert {s["zones"] for s in states} == {None} and len({s["zones_ref"] for s in states}) == 1
    stored = {t["digest"]: bytes(t["content"]) for t in texts}
    assert all(repo.text_digest(c) == d for d, c in stored.items())  # content-addressed
    assert repo.SUBSCRIBER_MARK.encode() in stored[msgs[0]["body_ref"]]
    assert json.loads(stored[states[0]["zones_ref"]])[0]["properties"]["region_id"] == "JP-47"
    # a second version that changes the area: one more rendering and one more zones JSON, not 40 of each
    with store.transaction() as tx:
        assert len(lifecycle.process_event(tx, make_event(version=2), [dataclasses.replace(z, area_km2=2e3)], T0)) == 40
    with store.snapshot() as tx:
        assert tx.scalar("SELECT COUNT(*) AS n FROM alert_texts") == 4


def test_delivered_bytes_and_signature_are_the_old_ones_on_every_retry(store: Store) -> None:
    receiver = WebhookReceiver(SECRET)
    try:
        subs = {s.id: s for s in _subscribe(store, 5, receiver.url)}
        z = make_zone("JP-47")
        z2 = dataclasses.replace(z, area_km2=2000.0)
        with store.transaction() as tx:
            lifecycle.process_event(tx, make_event(), [z], T0)
        with store.transaction() as tx:
            lifecycle.process_event(tx, make_event(version=2), [z2], T0)
        with store.snapshot() as tx:
            rows = tx.fetchall("SELECT * FROM alert_messages ORDER BY subscription_id, seq")
        assert len(rows) == 10 and all(r["body_ref"] for r in rows)
        want = {}
        for r in rows:
            sub = subs[r["subscription_id"]]
            refs = [] if r["seq"] == 1 else [next(x["reference"] for x in rows if x["id"] == f"geowarn-ev1-{sub.id}-1")]
            want[r["id"]] = _alone(sub, r, int(r["seq"]), z if r["seq"] == 1 else z2, refs)
        # two claims of the same rows (the first attempt failed): the same bytes, the same signature
        first = outbox.claim(store, "w1", limit=50, now=T0)
        for d in first:
            outbox.fail(store, d, "w1", T0, "boom", permanent=False, base=0.001, cap=0.001)
        later = datetime.now(UTC) + timedelta(minutes=1)  # past the backoff
        second = outbox.claim(store, "w2", limit=50, lease_s=1.0, now=later)
        assert sorted(d.id for d in first) == sorted(d.id for d in second) and len(first) == 5  # one per channel
        for a, b in zip(sorted(first, key=lambda d: d.id), sorted(second, key=lambda d: d.id), strict=True):
            assert a.body == b.body == want[a.message_id], a.message_id
            out = channels.Outgoing(a.message_id, a.body, a.msg_type, a.event_id)
            again = channels.Outgoing(b.message_id, b.body, b.msg_type, b.event_id)
            old = channels.Outgoing(a.message_id, want[a.message_id], a.msg_type, a.event_id)
            assert channels.webhook_headers(out, SECRET, 1.0) == channels.webhook_headers(again, SECRET, 1.0)
            assert channels.webhook_headers(out, SECRET, 1.0) == channels.webhook_headers(old, SECRET, 1.0)
        # and through a real worker and receiver: every message, signature verified, bytes as built alone
        s = Settings(allow_private_targets=("127.0.0.1",))
        w = Worker(store, WorkerOptions(poll_interval=0.02, lease_s=5.0, timeout=3.0, settings=s))
        try:
            w.run_once(later + timedelta(minutes=1))  # past w2's lease
        finally:
            w.close()
        got = receiver.wait_for(10)
    finally:
        receiver.close()
    assert sorted(g.message_id for g in got) == sorted(want)
    assert all(g.signature_ok for g in got)
    assert all(g.body == want[g.message_id] for g in got)


def test_rows_written_before_the_migration_still_read_and_cancel(store: Store) -> None:
    """A message and a state with their own body and zones (as the old code wrote them)."""
    (sub,) = _subscribe(store, 1, "http://127.0.0.1:9/hook")
    z = make_zone("JP-47")
    with store.transaction() as tx:
        lifecycle.process_event(tx, make_event(), [z], T0)
        row = tx.fetchone("SELECT * FROM alert_messages")
        repo.resolve_bodies(tx, [row])
        zones = repo.alert_state(tx, "ev1", sub.id)["zones"]  # type: ignore[index]
        # make them the old kind of row: inline text, no refs, and no shared texts left
        tx.execute("UPDATE alert_messages SET body = ?, body_ref = NULL", [row["body"]])
        tx.execute("UPDATE alert_state SET zones = ?, zones_ref = NULL", [zones])
        tx.execute("DELETE FROM alert_texts")
    repo._TEXTS.clear()  # this process's cache of texts
    with store.snapshot() as tx:
        assert repo.message_bodies(tx, [row["id"]])[row["id"]]["body"] == row["body"]
        assert repo.alert_state(tx, "ev1", sub.id)["zones"] == zones  # type: ignore[index]
    # the corridor is gone: the Cancel shows the zones stored in the old state
    with store.transaction() as tx:
        (mid,) = lifecycle.process_event(tx, make_event(version=2, corridors=[]), [], T0)
    with store.snapshot() as tx:
        cancel = repo.message_bodies(tx, [mid])[mid]
        state = tx.fetchone("SELECT zones, zones_ref FROM alert_state")
    assert cancel["msg_type"] == "Cancel" and b"<polygon>" in cancel["body"]
    assert state == {"zones": zones, "zones_ref": None}  # kept as it was
