"""The Atom feed of the current CAP message of every event, cached per store generation."""

from __future__ import annotations

import hashlib

from flask import Response, request

from geowarn.publish.atom import MEDIA_TYPE, build_atom, entry_for_cap
from webapp.core import cache, store


def atom_feed() -> Response:
    gen = store().generation()
    base = request.host_url.rstrip("/")
    body: bytes = cache().get_or_set(("atom", gen, base), lambda: _build(base))
    resp = Response(body, mimetype=MEDIA_TYPE)
    resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
    resp.cache_control.no_cache = True
    resp.make_conditional(request)
    return resp


def _build(base: str) -> bytes:
    entries = []
    for event_id, version, _etag in store().artifact_etags("cap"):
        art = store().get_artifact(event_id, "cap", version=version)
        entries.append(
            entry_for_cap(art.body, f"{base}/events/{event_id}/v{version}.cap", html_url=f"{base}/events/{event_id}")
        )
    return build_atom(entries, feed_id=f"{base}/alerts.atom", title="geowarn alerts", self_url=f"{base}/alerts.atom")
