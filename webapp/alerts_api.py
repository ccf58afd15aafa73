"""``/api/subscriptions``: manage alert subscriptions (every route needs ``Authorization: Bearer``).

Subscriptions hold webhook secrets and e-mail addresses, so even reading them needs a token;
secrets are returned only once, in the response to the POST that created them.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, request

from geowarn.alerts import outbox
from geowarn.alerts.rules import (
    Subscription,
    get_subscription,
    list_subscriptions,
    remove_subscription,
    save_subscription,
)
from geowarn.errors import InvalidParameter
from webapp.core import options, require_token, store

bp = Blueprint("alerts_api", __name__)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype="application/json", headers=headers or {}
    )


@bp.before_request
def _auth() -> None:
    require_token()


@bp.get("/api/subscriptions")
def list_all() -> Response:
    with store().snapshot() as tx:
        subs = list_subscriptions(tx)
    return _json({"subscriptions": [s.to_json() for s in subs]})


@bp.post("/api/subscriptions")
def create() -> Response:
    try:
        obj = json.loads(request.get_data() or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidParameter(f"the body must be JSON: {exc}") from None
    sub = Subscription.from_json(obj)
    sub.check_regions(options().layers_dir)
    with store().transaction() as tx:
        save_subscription(tx, sub)
    return _json(sub.to_json(reveal=True), 201, {"Location": f"/api/subscriptions/{sub.id}"})


@bp.get("/api/subscriptions/<sub_id>")
def get_one(sub_id: str) -> Response:
    with store().snapshot() as tx:
        sub = get_subscription(tx, sub_id)
    body = sub.to_json()
    body["deliveries"] = [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()}
        for r in outbox.rows(store(), subscription_id=sub_id)
    ]
    return _json(body)


@bp.delete("/api/subscriptions/<sub_id>")
def delete(sub_id: str) -> Response:
    with store().transaction() as tx:
        remove_subscription(tx, sub_id)
    return Response(status=204)
