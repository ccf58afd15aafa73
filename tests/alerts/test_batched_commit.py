"""The batched commit of one event's fan-out (issue 16): ``process_event`` writes its subscribers by
batches, and what it writes must be exactly what writing each subscriber alone writes, on both
backends, through Alert, Update and Cancel; a batch that cannot be written falls back to one
subscriber at a time without losing the others."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
import shapely

from geowarn.alerts import lifecycle, rules
from geowarn.alerts.rules import Channel, Subscription, channel_from_storage, list_subscriptions
from geowarn.model import AlertZone, Event, Severity
from geowarn.store import Store
from geowarn.store import alerts as repo
from tests.alerts.helpers import T0, make_event, make_zone


class _Rollback(Exception):
    """Raised to roll a transaction back once its rows are read."""


def _written(tx: Any) -> dict[str, Any]:
    """Every message, outbox row (in queue order, secrets opened) and state of the store."""
    msgs = tx.fetchall("SELECT * FROM alert_messages ORDER BY id")
    repo.resolve_bodies(tx, msgs)  # a body stored once for many (batched) or its own (alone): the same bytes
    for m in msgs:
        del m["body_ref"]
    rows = tx.fetchall(
        "SELECT id, message_id, subscription_id, channel_key, channel, status, attempts, next_attempt, created "
        "FROM outbox ORDER BY num"
    )
    for r in rows:  # a sealed secret differs from one sealing to the next: compare what it opens to
        r["channel"] = channel_from_storage(json.loads(r["channel"]), tx)
    states = tx.fetchall("SELECT * FROM alert_state ORDER BY event_id, subscription_id")
    return {"messages": msgs, "outbox": rows, "states": states}


def _subscribers() -> list[Subscription]:
    box = shapely.box(124.5, 24.5, 124.8, 24.8)  # inside corridor c1 (124-125 E, 23-26 N)
    return [
        Subscription.create(id="sub-a", regions=["JP-47"], channels=[Channel("email", "a@example.org")]),
        Subscription.create(
            id="sub-b",
            regions=["JP-47"],
            languages=["en-US"],
            channels=[Channel("webhook", "https://hooks.example.org/b", "b-secret-123456")],
        ),
        Subscription.create(id="sub-c", layers=["jp-prefectures"], channels=[Channel("mqtt", "t/c")]),
        Subscription.create(id="sub-d", polygon=box, channels=[Channel("email", "d@example.org")]),
        Subscription.create(
            id="sub-e", regions=["JP-47"], min_severity="Extreme", channels=[Channel("email", "e@example.org")]
        ),
        Subscription.create(
            id="sub-f",
            regions=["JP-47"],
            channels=[Channel("email", "f@example.org"), Channel("webhook", "https://hooks.example.org/f", "f-s3cr3t")],
        ),
    ]


def _same_as_alone(store: Store, event: Event, zones: list[AlertZone]) -> list[str]:
    """Run ``process_event``; assert it wrote what each subscriber written alone writes; return its ids."""
    with pytest.raises(_Rollback), store.transaction() as tx:
        alone = [lifecycle.process_subscription(tx, event, zones, s, T0) for s in list_subscriptions(tx)]
        want = _written(tx)
        raise _Rollback
    with store.transaction() as tx:
        ids = lifecycle.process_event(tx, event, zones, T0)
        got = _written(tx)
    assert ids == [m for m in alone if m is not None]
    for table in ("messages", "outbox", "states"):
        assert got[table] == want[table], table
    return ids


def test_batches_write_what_each_subscriber_alone_writes(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lifecycle, "BATCH", 4)  # two batches, the second one short
    with store.transaction() as tx:
        for sub in _subscribers():
            rules.save_subscription(tx, sub)
    z = make_zone("JP-47")
    ids = _same_as_alone(store, make_event(), [z])
    assert ids == [f"geowarn-ev1-sub-{x}-1" for x in "abcdf"]  # sub-e asked for Extreme only
    ids = _same_as_alone(store, make_event(version=2), [dataclasses.replace(z, area_km2=2000.0)])
    assert ids == [f"geowarn-ev1-sub-{x}-2" for x in "abcf"]  # the polygon of sub-d did not change
    assert _same_as_alone(store, make_event(version=3), [dataclasses.replace(z, area_km2=2000.0)]) == []
    ids = _same_as_alone(store, make_event(version=4, corridors=[]), [])  # the corridor is gone
    assert ids == [f"geowarn-ev1-sub-{x}" for x in ("a-3", "b-3", "c-3", "d-2", "f-3")]
    with store.snapshot() as tx:
        cancels = tx.fetchall(
            "SELECT id, subscription_id, body, body_ref FROM alert_messages WHERE msg_type = 'Cancel' ORDER BY id"
        )
        repo.resolve_bodies(tx, cancels)
    assert [c["id"] for c in cancels] == sorted(ids) and all(b"<polygon>" in bytes(c["body"]) for c in cancels)


def test_a_batch_that_cannot_be_written_goes_one_subscriber_at_a_time(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lifecycle, "BATCH", 3)
    with store.transaction() as tx:
        for sub in _subscribers():
            rules.save_subscription(tx, sub)
        # a message left without its state: the id sub-b's Alert would get is taken
        tx.execute(
            "INSERT INTO alert_messages (id, event_id, subscription_id, seq, event_version, msg_type, reference, "
            "reason, body, created) VALUES ('geowarn-ev1-sub-b-1', 'ev1', 'sub-b', 1, 1, 'Alert', 'x', '', ?, ?)",
            [b"<alert/>", T0],
        )
    with store.transaction() as tx:
        ids = lifecycle.process_event(tx, make_event(), [make_zone("JP-47")], T0)
    assert ids == [f"geowarn-ev1-sub-{x}-1" for x in "acdf"]
    with store.snapshot() as tx:
        states = [r["subscription_id"] for r in tx.fetchall("SELECT subscription_id FROM alert_state ORDER BY 1")]
        queued = [r["message_id"] for r in tx.fetchall("SELECT message_id FROM outbox ORDER BY num")]
    assert states == ["sub-a", "sub-c", "sub-d", "sub-f"]  # sub-b unchanged: the next change tries again
    assert queued == ["geowarn-ev1-sub-a-1", "geowarn-ev1-sub-c-1", "geowarn-ev1-sub-d-1"] + 2 * [ids[-1]]


def test_many_subscribers_share_their_selection_and_step(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """2,500 subscribers of the same filters (three batches): one selection and one step computed,
    every message its own identifier, every outbox row its own channel."""
    with store.transaction() as tx:
        for i in range(2500):
            rules.save_subscription(
                tx, Subscription.create(id=f"sub-{i:04d}", regions=["JP-47"], channels=[Channel("mqtt", f"t/{i}")])
            )
    memos: list[lifecycle.Renderings] = []
    real = lifecycle.Renderings

    def keep(zones: Any) -> lifecycle.Renderings:
        memos.append(real(zones))
        return memos[-1]

    monkeypatch.setattr(lifecycle, "Renderings", keep)
    with store.transaction() as tx:
        ids = lifecycle.process_event(tx, make_event(), [make_zone("JP-47", severity=Severity.EXTREME)], T0)
    assert len(ids) == 2500 and len(set(ids)) == 2500
    assert len(memos[0].selections) == 1 and len(memos[0].decisions) == 1 and len(memos[0].caps) == 1
    with store.snapshot() as tx:
        rows = tx.fetchall("SELECT message_id, channel FROM outbox ORDER BY num")
        body = repo.message_bodies(tx, ["geowarn-ev1-sub-1234-1"])["geowarn-ev1-sub-1234-1"]["body"]
    assert [r["message_id"] for r in rows] == ids
    assert {json.loads(r["channel"])["target"] for r in rows} == {f"t/{i}" for i in range(2500)}
    assert b"<identifier>geowarn-ev1-sub-1234-1</identifier>" in body and b"Extreme" in body


def test_the_states_and_histories_of_an_event_are_read_once(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16: reading states by batches of ``IN (…1,000 ids)`` was quadratic on PostgreSQL at 100,000
    subscribers (a generic plan compared every state of the event with every id); one scan per event."""
    monkeypatch.setattr(lifecycle, "BATCH", 4)
    with store.transaction() as tx:
        for sub in _subscribers():
            rules.save_subscription(tx, sub)
    z = make_zone("JP-47")
    with store.transaction() as tx:
        lifecycle.process_event(tx, make_event(), [z], T0)
    seen: list[str] = []
    real = type(tx).fetchall

    def counting(self: Any, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        seen.append(sql)
        return real(self, sql, params)

    monkeypatch.setattr(type(tx), "fetchall", counting)
    with store.transaction() as tx:
        ids = lifecycle.process_event(tx, make_event(version=2), [dataclasses.replace(z, area_km2=2000.0)], T0)
    assert len(ids) == 4  # two batches of updates, with their references
    assert len([q for q in seen if "FROM alert_state " in q]) == 1
    assert len([q for q in seen if "FROM alert_messages " in q and "reference" in q]) == 1
