"""The Atom feed of the current CAP messages (one entry per event), cached per store generation."""

from __future__ import annotations

import hashlib
import importlib

from flask import Response, request

from geowarn.errors import NotFound
from webapp.core import cache, store


def atom_feed() -> Response:
    gen = store().generation()
    base = request.host_url.rstrip("/")
    body = cache().get_or_set(("atom", gen, base), lambda: _build(base))
    resp = Response(body, mimetype="application/atom+xml")
    resp.set_etag(hashlib.sha256(body).hexdigest()[:32])
    resp.cache_control.no_cache = True
    resp.make_conditional(request)
    return resp


def _build(base: str) -> bytes:
    try:
        atom = importlib.import_module("geowarn.publish.atom")
    except ImportError:
        raise NotFound("the Atom feed is not available in this installation") from None
    entries = []
    for event_id, version, _etag in store().artifact_etags("cap"):
        art = store().get_artifact(event_id, "cap", version=version)
        event = store().get_event(event_id)
        entries.append(atom.entry_from_cap(art.body, link=f"{base}/alerts/{event_id}.cap", title=event.name))
    body: bytes = atom.build_atom(
        entries, feed_id=f"{base}/alerts.atom", title="geowarn alerts", self_url=f"{base}/alerts.atom"
    )
    return body
