"""Render the published files of an event version after it has committed (issue 14).

The warning comes first: :mod:`geowarn.service` commits the event version, its zones and its
alert messages (outbox) in one transaction with a ``pending`` render row per published kind
(:data:`geowarn.publish.kinds.KINDS`), and only then calls :func:`render_version`. A renderer
that raises never blocks or rolls back the alert: its row turns ``failed`` with the error and a
next-attempt time, shown on the event page and in ``/healthz``. Failed (and stale pending)
renders are retried with a backoff by the worker's tick (:func:`retry_due`), and a file asked
for before it exists is rendered on demand (:func:`published_file`); when that fails too the
request gets 503 with ``Retry-After`` (:class:`geowarn.errors.NotRendered`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from geowarn.errors import Conflict, NotFound, NotRendered
from geowarn.model import AlertZone, Event
from geowarn.publish import kinds
from geowarn.publish.cap import reference_of
from geowarn.publish.static import STATIC_KINDS, StaticFiles
from geowarn.store import Artifact, Store
from geowarn.store import renders as repo

if TYPE_CHECKING:
    from geowarn.service import Options

log = logging.getLogger(__name__)

#: Attempts of one render (inline after the commit, on demand and by the worker) before it stays failed.
MAX_ATTEMPTS = 8
#: First retry delay; doubled per attempt, capped at :data:`RETRY_CAP`.
RETRY_BASE = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=10)
#: A pending render older than this has lost its process (killed between commit and render).
STALE_PENDING = timedelta(seconds=30)
#: ``Retry-After`` of a file that could not be rendered on demand.
RETRY_AFTER_S = 5


def _now() -> datetime:
    return datetime.now(UTC)


def backoff(attempts: int) -> timedelta:
    """Return the delay before the next attempt after ``attempts`` failures.

    >>> backoff(1), backoff(4), backoff(30)
    (datetime.timedelta(seconds=5), datetime.timedelta(seconds=40), datetime.timedelta(seconds=600))
    """
    return min(RETRY_BASE * (2 ** max(0, min(attempts, 20) - 1)), RETRY_CAP)


def kind_names() -> list[str]:
    """Return the kinds every event version publishes (looked up now: the table may be extended)."""
    return [k.kind for k in kinds.KINDS]


def _previous_caps(store: Store, event: Event, options: Options | None) -> list[bytes]:
    """Return the CAP messages of the earlier versions (rendered on demand when missing; skipped when that fails)."""
    out = []
    for v in range(1, event.version):
        try:
            out.append(published_file(store, event.id, "cap", version=v, options=options).body)
        except (NotFound, NotRendered):
            continue
    return out


def render_input(store: Store, event: Event, zones: Sequence[AlertZone], options: Options | None) -> kinds.RenderInput:
    """Return what the renderers of ``event`` (one stored version) get."""
    from geowarn.service import Options

    opts = options or Options()
    previous = _previous_caps(store, event, options) if event.version > 1 else []
    return kinds.RenderInput(
        event,
        zones,
        references=[r for r in (reference_of(x) for x in previous) if r],
        asset_base=opts.asset_base,
        tile_url=opts.tile_url,
        tile_attribution=opts.tile_attribution,
        cap=opts.cap,
    )


def _static_dir(options: Options | None) -> str | None:
    return options.static_dir if options is not None else None


def _kind(name: str) -> kinds.ArtifactKind:
    for k in kinds.KINDS:
        if k.kind == name:
            return k
    raise NotFound(f"no published kind {name!r}")


def render_one(store: Store, inp: kinds.RenderInput, kind: str, *, static_dir: str | None = None) -> Artifact | None:
    """Render and store one file of a committed version; record the outcome. ``None`` when it failed.

    With ``static_dir`` (``GEOWARN_STATIC_DIR``) the stored file is also written there for nginx, after
    its commit (:mod:`geowarn.publish.static`; a failed write is logged, never raised).
    """
    event = inp.event
    k = _kind(kind)
    try:
        body = k.render(inp)
    except Exception as exc:  # any renderer bug: recorded, never raised into the alert path
        log.exception("rendering %s of %s v%d failed", kind, event.id, event.version)
        now = _now()
        error = f"{type(exc).__name__}: {exc}"
        with store.transaction() as tx:
            attempts = repo.attempts(tx, event.id, event.version, kind) + 1
            repo.mark_failed(tx, event.id, event.version, kind, error, now=now, next_attempt=now + backoff(attempts))
        return None
    with store.transaction() as tx:
        try:
            art = store.put_artifact(tx, event.id, event.version, kind, k.media_type, body)
        except Conflict:  # another process rendered it first (a map embeds random ids): keep that one
            art = store.get_artifact(event.id, kind, version=event.version, tx=tx)
        repo.mark_ok(tx, event.id, event.version, kind, _now())
    if static_dir:
        StaticFiles(static_dir).write(store, art)
    return art


def render_version(
    store: Store,
    event: Event,
    zones: Sequence[AlertZone],
    *,
    options: Options | None = None,
    only: Sequence[str] | None = None,
) -> dict[str, Artifact]:
    """Render every published file of a committed event version (or those ``only``); kind → artifact.

    Failures are recorded (see :func:`render_one`) and left out of the result.
    """
    inp = render_input(store, event, zones, options)
    out = {}
    for kind in only if only is not None else kind_names():
        art = render_one(store, inp, kind, static_dir=_static_dir(options))
        if art is not None:
            out[kind] = art
    return out


def published_file(
    store: Store, event_id: str, kind: str, *, version: int | None = None, options: Options | None = None
) -> Artifact:
    """Return a published file of the current (or given) version, rendered now when it is missing.

    Raises :class:`NotFound` for an unknown event, version or kind, :class:`NotRendered`
    (503, ``Retry-After``) when the file cannot be rendered at the moment.
    """
    try:
        found = store.get_artifact(event_id, kind, version=version)
    except NotFound:
        pass
    else:
        static_dir = _static_dir(options)
        if static_dir and version is not None and kind in STATIC_KINDS:  # nginx asked us: it was not on disk
            StaticFiles(static_dir).write_version(found)
        return found
    _kind(kind)
    event = store.get_event(event_id, version=version)  # NotFound for an unknown event or version
    zones = store.zones(event_id, version=event.version)
    art = render_one(store, render_input(store, event, zones, options), kind, static_dir=_static_dir(options))
    if art is None:
        with store.snapshot() as tx:
            rows = {r["kind"]: r for r in repo.statuses(tx, event_id, event.version)}
        error = (rows.get(kind) or {}).get("last_error") or "the renderer failed"
        raise NotRendered.of(
            "error.not_rendered",
            init={"retry_after": RETRY_AFTER_S},
            kind=kind,
            id=event_id,
            version=event.version,
            error=error,
        )
    return art


def event_map(store: Store, event_id: str, *, now: datetime | None = None, options: Options | None = None) -> Artifact:
    """Return the map of an event's current version as it should look at ``now`` (default: the clock).

    The published map file is rendered when its version is written. A cancel writes a new version, so
    a cancelled map is grey from its own render; an event *ends* with no new version (its last window
    is over, or its notice's ``CANCEL THIS MSG`` time passed, :mod:`geowarn.current`), so when it is
    read after that the same renderer draws it again from the stored version with
    :attr:`~geowarn.publish.kinds.RenderInput.ended_at` set: grey, with an all-clear banner. That copy
    is not stored (the version's file stays as published); its ETag is the stored one's plus
    ``-ended``, so callers cache it by that.
    """
    from dataclasses import replace

    from geowarn.current import statuses
    from geowarn.verdict import Lifecycle, ended_at

    art = published_file(store, event_id, "map", options=options)
    now = now or _now()
    if statuses(store, now, [event_id]).get(event_id) != Lifecycle.ENDED:
        return art
    event = store.get_event(event_id, version=art.version)
    end = ended_at(event) or event.updated
    inp = replace(render_input(store, event, store.zones(event_id, version=art.version), options), ended_at=end)
    body = _kind("map").render(inp)
    return Artifact(event_id, art.version, "map", art.media_type, body, f"{art.etag}-ended", art.created)


def localised_file(store: Store, art: Artifact, lang: str, *, options: Options | None = None) -> Artifact:
    """Return the published file ``art`` of a localised kind (KML) in the reader's language ``lang``.

    The stored file is in its region's language (:func:`geowarn.publish.kml.default_language`);
    another language is rendered from the same stored version and not stored (like
    :func:`event_map`'s ended copy); its ETag is the stored one's plus ``-LANG``.
    """
    from dataclasses import replace

    from geowarn.publish.kml import default_language

    zones = store.zones(art.event_id, version=art.version)
    if lang == default_language(zones):
        return art
    event = store.get_event(art.event_id, version=art.version)
    body = _kind(art.kind).render(replace(render_input(store, event, zones, options), lang=lang))
    return Artifact(art.event_id, art.version, art.kind, art.media_type, body, f"{art.etag}-{lang}", art.created)


def retry_due(store: Store, *, options: Options | None = None, now: datetime | None = None) -> list[str]:
    """Retry failed renders whose time has come and pending ones their process left behind.

    Returns ``event_id vN kind`` of each render that now succeeded (the worker's tick calls this).
    """
    now = now or _now()
    with store.snapshot() as tx:
        rows = repo.due(tx, now, stale_before=now - STALE_PENDING, max_attempts=MAX_ATTEMPTS)
    done = []
    for row in rows:
        event_id, version, kind = row["event_id"], int(row["version"]), row["kind"]
        try:
            event = store.get_event(event_id, version=version)
            zones = store.zones(event_id, version=version)
        except NotFound:
            continue
        inp = render_input(store, event, zones, options)
        if render_one(store, inp, kind, static_dir=_static_dir(options)) is not None:
            done.append(f"{event_id} v{version} {kind}")
    return done


def status(store: Store, event_id: str, version: int) -> list[dict[str, Any]]:
    """Return the render rows of one event version (kind, status, attempts, last_error, …)."""
    with store.snapshot() as tx:
        return repo.statuses(tx, event_id, version)


def health(store: Store) -> dict[str, Any]:
    """Return ``/healthz``'s view of rendering: counts of the current versions by status and the failures."""
    with store.snapshot() as tx:
        counts = repo.counts(tx)
        failed = repo.failures(tx)
    return {
        "pending": counts.get(repo.PENDING, 0),
        "failed": counts.get(repo.FAILED, 0),
        "failures": [
            {
                "event_id": r["event_id"],
                "version": int(r["version"]),
                "kind": r["kind"],
                "attempts": int(r["attempts"]),
                "error": r["last_error"],
            }
            for r in failed
        ],
    }
