"""``/api/subscriptions``, framework-free: list, create, get, delete; functions return ``(headers, status, body)``.

Subscriptions hold webhook secrets and e-mail addresses, so every operation
needs a token (declared in :mod:`geowarn.api.operations`); secrets are
returned only once, in the answer to the request that created them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from geowarn.alerts import lifecycle, outbox
from geowarn.alerts.rules import (
    Subscription,
    get_subscription,
    list_subscriptions,
    remove_subscription,
    save_subscription,
)
from geowarn.ogcapi import JSON
from geowarn.settings import CapIdentity
from geowarn.store import Store

Response = tuple[dict[str, str], int, Any]


def list_all(store: Store) -> Response:
    """Every subscription, secrets masked."""
    with store.snapshot() as tx:
        subs = list_subscriptions(tx)
    return {"Content-Type": JSON}, 200, {"subscriptions": [s.to_json() for s in subs]}


def create(
    store: Store,
    obj: dict[str, Any],
    *,
    layers_dir: str | None = None,
    allow_private: Sequence[str] | None = None,
    cap: CapIdentity | None = None,
) -> Response:
    """Save a new subscription from its (validated) JSON; the answer reveals its secrets once.

    ``allow_private``: ``GEOWARN_ALLOW_PRIVATE_TARGETS`` (webhook / MQTT hosts are checked, issue 14).
    Events that already concern the subscription send their current Alert at once
    (:func:`geowarn.alerts.lifecycle.catch_up`, with the CAP identity ``cap``).
    """
    sub = Subscription.from_json(obj, allow_private=allow_private)
    sub.check_regions(layers_dir)
    with store.transaction() as tx:
        save_subscription(tx, sub)
        lifecycle.catch_up(store, tx, sub, datetime.now(UTC), cap=cap)
    return {"Content-Type": JSON, "Location": f"/api/subscriptions/{sub.id}"}, 201, sub.to_json(reveal=True)


def get_one(store: Store, sub_id: str) -> Response:
    """One subscription with its deliveries (404 when unknown)."""
    with store.snapshot() as tx:
        sub = get_subscription(tx, sub_id)
    body = sub.to_json()
    body["deliveries"] = [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
        for r in outbox.rows(store, subscription_id=sub_id)
    ]
    return {"Content-Type": JSON}, 200, body


def delete(store: Store, sub_id: str) -> Response:
    """Remove a subscription (404 when unknown); 204 without a body."""
    with store.transaction() as tx:
        remove_subscription(tx, sub_id)
    return {}, 204, ""
