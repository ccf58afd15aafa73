"""Webhook secrets are stored encrypted with the secret key (issue 14 #12), on both backends; deliveries
still carry valid signatures; a secret sealed with another key parks its messages with the reason."""

from __future__ import annotations

from typing import Any

from geowarn.alerts import outbox
from geowarn.alerts.rules import get_subscription, list_subscriptions
from geowarn.alerts.worker import Worker, WorkerOptions
from geowarn.secretbox import PREFIX, SecretBox
from geowarn.store import Store, open_store
from tests.alerts.helpers import WebhookReceiver, queue_messages, tally, wait_delivered


def _raw(store: Store) -> str:
    with store.snapshot() as tx:
        subs = tx.fetchall("SELECT channels FROM subscriptions")
        rows = tx.fetchall("SELECT channel FROM outbox")
    return " ".join([*(r["channels"] for r in subs), *(r["channel"] for r in rows)])


def test_secrets_sealed_in_subscriptions_and_outbox(store: Store, receiver: WebhookReceiver) -> None:
    sent = queue_messages(store, receiver.url, receiver.secret, 2)
    raw = _raw(store)
    assert receiver.secret not in raw and raw.count(PREFIX) == 4  # 2 subscriptions + 2 outbox rows
    with store.snapshot() as tx:
        assert {c.secret for s in list_subscriptions(tx) for c in s.channels} == {receiver.secret}
    w = Worker(store, WorkerOptions(poll_interval=0.02, retry_base=0.05, timeout=3.0))
    assert w.run_once() == 2
    w.close()
    got = tally(receiver, sent)
    assert got["unique"] == 2 and got["bad_signatures"] == 0


def test_clear_secrets_of_older_rows_still_work(store: Store, receiver: WebhookReceiver) -> None:
    sent = queue_messages(store, receiver.url, receiver.secret, 1)
    with store.transaction() as tx:  # as geowarn before issue 14 wrote them
        for table, col in (("subscriptions", "channels"), ("outbox", "channel")):
            for r in tx.fetchall(f"SELECT {col} AS v FROM {table}"):
                clear = r["v"].replace(_sealed(r["v"]), receiver.secret)
                tx.execute(f"UPDATE {table} SET {col} = ? WHERE {col} = ?", [clear, r["v"]])
    assert receiver.secret in _raw(store)
    with store.snapshot() as tx:
        assert get_subscription(tx, "sub-000").channels[0].secret == receiver.secret
    w = Worker(store, WorkerOptions(poll_interval=0.02, retry_base=0.05, timeout=3.0))
    w.run_once()
    w.close()
    assert tally(receiver, sent)["bad_signatures"] == 0 and len(receiver.received) == 1


def _sealed(text: str) -> str:
    start = text.index(PREFIX)
    return text[start : text.index('"', start)]


def test_another_key_parks_with_the_reason(store_url: str, receiver: WebhookReceiver) -> None:
    store: Any = open_store(store_url)
    queue_messages(store, receiver.url, receiver.secret, 1)
    other: Any = open_store(store_url)
    other._box = SecretBox("another key entirely, 32 chars!")
    w = Worker(other, WorkerOptions(poll_interval=0.02, retry_base=0.05, timeout=3.0))
    w.run_once()
    w.close()
    st = wait_delivered(store, 1, timeout=5)
    (row,) = outbox.rows(store)
    assert st == {"parked": 1} and "cannot be decrypted" in row["last_error"] and receiver.requests == 0
    other.close()
    store.close()
