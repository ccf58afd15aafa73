"""The store's SQL, written once for both backends (SQLite and PostGIS).

A backend subclass supplies connections (:meth:`SQLStore._open_tx`), the SQL
expression that turns GeoJSON text into its geometry column, and the spatial
filter. Everything else — events and their versions, corridors, zones, raw
inputs, artifacts, tokens — is plain SQL with ``?`` placeholders.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geowarn.errors import Conflict, InvalidParameter, NotFound, StoreError
from geowarn.model import (
    AlertZone,
    Corridor,
    Event,
    EventKind,
    EventStatus,
    RawInput,
    parse_time,
)
from geowarn.publish.geojson import dumps, feature
from geowarn.store import changes, schema
from geowarn.store.connections import ConnectionRegistry
from geowarn.store.tx import Tx

#: The feature collections the store can query spatially.
COLLECTIONS = ("corridors", "alert-zones")
TOKEN_PREFIX = "gw"


@dataclass(frozen=True)
class Artifact:
    """A published file: immutable bytes of one event version, with a sha256 ETag."""

    event_id: str
    version: int
    kind: str
    media_type: str
    body: bytes
    etag: str
    created: datetime


@dataclass(frozen=True)
class TokenInfo:
    """An API token as listed (the secret itself is never stored)."""

    id: str
    name: str
    created: datetime
    last_used: datetime | None
    revoked: datetime | None


@dataclass(frozen=True)
class FeaturePage:
    """One page of a feature query: RFC 7946 feature JSON strings and the total match count."""

    features: list[str]
    number_matched: int


def _t(value: Any) -> datetime | None:
    return parse_time(value) if value is not None else None


def _now() -> datetime:
    return datetime.now(UTC)


def _bounds(feat: dict[str, Any]) -> tuple[float | None, float | None, float | None, float | None]:
    b = feat.get("bbox")
    if not b:
        return (None, None, None, None)
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


class SQLStore(abc.ABC):
    """The store contract (``geowarn.store.Store``), implemented once in portable SQL.

    What the service, the web app and the alerts module may rely on is the public methods here.
    A backend subclass sets :attr:`dialect` and :attr:`geom_param`, fills :attr:`_connections`
    and implements the three hooks below.
    """

    dialect: str = "?"
    #: SQL expression for a geometry parameter given as GeoJSON text (or NULL).
    geom_param: str = "?"
    #: This store's connections (one per thread and process).
    _connections: ConnectionRegistry[Any]

    # ------------------------------------------------------------------ backend hooks

    @abc.abstractmethod
    def _open_tx(self, write: bool) -> contextlib.AbstractContextManager[Tx]:
        """Open a transaction on this thread's connection (``write``: a write transaction, else a snapshot)."""

    @abc.abstractmethod
    def _lock_migrations(self, tx: Tx) -> None:
        """Serialise migrations across processes for the rest of ``tx``."""

    @abc.abstractmethod
    def _spatial_filter(self, bbox: tuple[float, float, float, float]) -> tuple[str, list[Any]]:
        """Build the SQL (on table alias ``t``) and parameters of "geometry intersects ``bbox``" (west <= east)."""

    def close(self) -> None:
        """Close every connection this store opened (any thread)."""
        self._connections.close()

    # ------------------------------------------------------------------ transactions

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Tx]:
        """Open one write transaction: commit on exit, rollback on an exception."""
        with self._open_tx(True) as tx:
            tx.store = self
            yield tx

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Tx]:
        """Open a read-only transaction giving a consistent view."""
        with self._open_tx(False) as tx:
            tx.store = self
            yield tx

    # ------------------------------------------------------------------ secrets at rest

    #: The key of sealed webhook secrets: ``GEOWARN_SECRET_KEY`` and the directory of the key file
    #: (set by :func:`geowarn.store.open_store` from the settings; else the environment's).
    secret_key_setting: str | None = None
    secret_key_dir: Path | None = None
    _box: Any = None

    def _default_key_dir(self) -> Path | None:
        """Return where a library caller's key file lives when no settings say (SQLite: next to the database)."""
        return None

    @property
    def secrets(self) -> Any:
        """Return the :class:`~geowarn.secretbox.SecretBox` sealing webhook secrets (issue 14 #12)."""
        if self._box is None:
            from geowarn.secretbox import SecretBox, secret_key

            explicit, key_dir = self.secret_key_setting, self.secret_key_dir
            if explicit is None and key_dir is None:
                from geowarn.settings import library_fallback

                env = library_fallback("secrets")
                explicit, key_dir = env.secret_key, self._default_key_dir() or env.data_dir
            self._box = SecretBox(secret_key(explicit, key_dir or "instance"))
        return self._box

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """One row of one statement, outside an explicit transaction (a single statement is atomic)."""
        with self.snapshot() as tx:
            return tx.fetchone(sql, params)

    @contextlib.contextmanager
    def _reading(self, tx: Tx | None) -> Iterator[Tx]:
        if tx is not None:
            yield tx
        else:
            with self.snapshot() as t:
                yield t

    # ------------------------------------------------------------------ migrations

    def migrate(self) -> list[str]:
        """Apply the pending migrations in order (each in its own transaction); return their names.

        Raises :class:`StoreError` when an applied migration's file has changed since (checksum).
        """
        known = schema.migrations()
        with self.transaction() as tx:
            self._lock_migrations(tx)
            schema.prepare_ledger(tx, known)
            schema.check_ledger(tx, known)
        applied: list[str] = []
        for migration in known:
            with self.transaction() as tx:
                self._lock_migrations(tx)
                if schema.is_applied(tx, migration):
                    continue
                for stmt in migration.statements(self.dialect):
                    tx.execute(stmt)
                schema.record(tx, migration)
                applied.append(migration.name)
        return applied

    def schema_versions(self) -> list[int]:
        """Return the applied migration numbers."""
        with self.snapshot() as tx:
            return [r["version"] for r in tx.fetchall("SELECT version FROM schema_migrations ORDER BY version")]

    # ------------------------------------------------------------------ generation (cache key)

    def generation(self, tx: Tx | None = None) -> int:
        """Return a counter bumped by every write: cache keys of computed responses include it."""
        with self._reading(tx) as t:
            return int(t.scalar("SELECT value FROM store_meta WHERE key = 'generation'") or 0)

    def changes_since(self, seq: int, *, limit: int = 500, tx: Tx | None = None) -> list[dict[str, Any]]:
        """Read the logged event changes after generation ``seq``, oldest first (``geowarn.store.changes``)."""
        with self._reading(tx) as t:
            return changes.since(t, seq, limit=limit)

    def _bump(self, tx: Tx) -> None:
        tx.execute("UPDATE store_meta SET value = value + 1 WHERE key = 'generation'")

    # ------------------------------------------------------------------ events

    def _event_from_row(self, row: dict[str, Any]) -> Event:
        return Event(
            id=row["id"],
            name=row["name"],
            kind=EventKind(row["kind"]),
            status=EventStatus(row["status"]),
            created=_t(row["created"]) or _now(),
            updated=_t(row["updated"]) or _now(),
            version=int(row["version"]),
        )

    def event_exists(self, event_id: str, tx: Tx | None = None) -> bool:
        """Return whether an event with id ``event_id`` is stored."""
        with self._reading(tx) as t:
            return t.fetchone("SELECT id FROM events WHERE id = ?", [event_id]) is not None

    def get_event(self, event_id: str, *, version: int | None = None, tx: Tx | None = None) -> Event:
        """Return the event with the corridors and raw inputs of its current (or given) version."""
        with self._reading(tx) as t:
            row = t.fetchone("SELECT * FROM events WHERE id = ?", [event_id])
            if row is None:
                raise NotFound.of("error.no_event", id=repr(event_id))
            event = self._event_from_row(row)
            if version is not None and version != event.version:
                vrow = t.fetchone(
                    "SELECT * FROM event_versions WHERE event_id = ? AND version = ?", [event_id, version]
                )
                if vrow is None:
                    raise NotFound.of("error.no_version", id=repr(event_id), version=version)
                event = event.replace(
                    version=version,
                    name=vrow["name"],
                    status=EventStatus(vrow["status"]),
                    updated=_t(vrow["updated"]) or event.updated,
                )
            rows = t.fetchall(
                "SELECT feature FROM corridors WHERE event_id = ? AND version = ? ORDER BY seq, id",
                [event_id, event.version],
            )
            event.corridors = [Corridor.from_feature(json.loads(r["feature"]), index=i) for i, r in enumerate(rows)]
            event.inputs = self.raw_inputs(event_id, up_to_version=event.version, tx=t)
            return event

    def list_events(
        self,
        *,
        status: Sequence[str] | None = None,
        limit: int = 100,
        offset: int = 0,
        tx: Tx | None = None,
    ) -> list[Event]:
        """Events (without corridors), most recently updated first."""
        sql = "SELECT * FROM events"
        params: list[Any] = []
        if status:
            sql += " WHERE status IN (" + ", ".join("?" for _ in status) + ")"
            params.extend(status)
        sql += " ORDER BY updated DESC, id LIMIT ? OFFSET ?"
        params += [limit, offset]
        with self._reading(tx) as t:
            return [self._event_from_row(r) for r in t.fetchall(sql, params)]

    def count_events(self, tx: Tx | None = None) -> int:
        """Return the number of stored events."""
        with self._reading(tx) as t:
            return int(t.scalar("SELECT COUNT(*) AS n FROM events") or 0)

    def lock_event(self, tx: Tx, event_id: str) -> Event | None:
        """Read the event row inside a write transaction, locking it against concurrent updates."""
        lock = " FOR UPDATE" if self.dialect == "postgis" else ""
        row = tx.fetchone("SELECT * FROM events WHERE id = ?" + lock, [event_id])
        return None if row is None else self._event_from_row(row)

    def write_event_version(
        self,
        tx: Tx,
        event: Event,
        zones: Sequence[AlertZone],
        *,
        note: str = "",
        new_inputs: Sequence[RawInput] = (),
        operator: str = "",
    ) -> None:
        """Record ``event`` (at ``event.version``) with its corridors and zones in ``tx``.

        ``operator`` is who wrote the version (an API token's name; empty for the CLI).

        Version 1 inserts the event; a later version must be exactly one more
        than the stored one (else :class:`Conflict`).
        """
        current = self.lock_event(tx, event.id)
        starts = [c.window_start for c in event.corridors if c.window_start]
        ends = [c.window_end for c in event.corridors if c.window_end]
        wstart, wend = (min(starts) if starts else None), (max(ends) if ends else None)
        if current is None:
            if event.version != 1:
                raise NotFound.of("error.no_event", id=repr(event.id))
            tx.execute(
                "INSERT INTO events (id, name, kind, status, created, updated, version, window_start, window_end) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    event.id,
                    event.name,
                    str(event.kind),
                    str(event.status),
                    event.created,
                    event.updated,
                    1,
                    wstart,
                    wend,
                ],
            )
        else:
            if event.version != current.version + 1:
                raise Conflict(
                    f"event {event.id!r} is at version {current.version}; cannot write version {event.version}"
                )
            tx.execute(
                "UPDATE events SET name = ?, kind = ?, status = ?, updated = ?, version = ?, "
                "window_start = ?, window_end = ? WHERE id = ?",
                [event.name, str(event.kind), str(event.status), event.updated, event.version, wstart, wend, event.id],
            )
        tx.execute(
            "INSERT INTO event_versions (event_id, version, name, status, updated, note, corridor_count, zone_count, "
            "operator) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                event.id,
                event.version,
                event.name,
                str(event.status),
                event.updated,
                note,
                len(event.corridors),
                len(zones),
                operator,
            ],
        )
        for seq, c in enumerate(event.corridors):
            c.event_id = event.id
            feat = feature(c.to_feature())
            tx.execute(
                "INSERT INTO corridors (event_id, version, id, phase, window_start, window_end, geom, "
                f"minx, miny, maxx, maxy, feature, seq) VALUES (?, ?, ?, ?, ?, ?, {self.geom_param}, ?, ?, ?, ?, ?, ?)",
                [
                    event.id,
                    event.version,
                    c.id,
                    str(c.phase),
                    c.window_start,
                    c.window_end,
                    json.dumps(feat["geometry"]) if feat.get("geometry") else None,
                    *_bounds(feat),
                    dumps(feat),
                    seq,
                ],
            )
        for seq, z in enumerate(zones):
            feat = feature(z.to_feature())
            tx.execute(
                "INSERT INTO zones (event_id, version, id, corridor_id, layer, region_id, severity, severity_rank, "
                "window_start, window_end, geom, minx, miny, maxx, maxy, feature, seq) "
                f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {self.geom_param}, ?, ?, ?, ?, ?, ?)",
                [
                    event.id,
                    event.version,
                    z.id,
                    z.corridor_id,
                    z.layer,
                    z.region_id,
                    str(z.severity),
                    z.severity.rank,
                    z.window_start,
                    z.window_end,
                    json.dumps(feat["geometry"]) if feat.get("geometry") else None,
                    *_bounds(feat),
                    dumps(feat),
                    seq,
                ],
            )
        for raw in new_inputs:
            tx.execute(
                "INSERT INTO raw_inputs (event_id, version, format, name, text, received) VALUES (?, ?, ?, ?, ?, ?)",
                [event.id, event.version, raw.format, raw.name, raw.text, raw.received],
            )
        self._bump(tx)
        changes.record(
            tx,
            event_id=event.id,
            version=event.version,
            status=str(event.status),
            regions=(z.region_id for z in zones),
            changed=event.updated,
        )

    def history(self, event_id: str, tx: Tx | None = None) -> list[dict[str, Any]]:
        """Return the versions of an event, oldest first: version, name, status, updated, note, counts, operator."""
        with self._reading(tx) as t:
            rows = t.fetchall(
                "SELECT version, name, status, updated, note, corridor_count, zone_count, operator FROM event_versions "
                "WHERE event_id = ? ORDER BY version",
                [event_id],
            )
        for r in rows:
            r["updated"] = _t(r["updated"])
        return rows

    def raw_inputs(self, event_id: str, *, up_to_version: int | None = None, tx: Tx | None = None) -> list[RawInput]:
        """Return the raw inputs of an event (up to ``up_to_version``), in the order received."""
        sql = "SELECT format, name, text, received FROM raw_inputs WHERE event_id = ?"
        params: list[Any] = [event_id]
        if up_to_version is not None:
            sql += " AND version <= ?"
            params.append(up_to_version)
        with self._reading(tx) as t:
            rows = t.fetchall(sql + " ORDER BY id", params)
        return [
            RawInput(format=r["format"], text=r["text"], name=r["name"], received=_t(r["received"]) or _now())
            for r in rows
        ]

    def zones(self, event_id: str, *, version: int | None = None, tx: Tx | None = None) -> list[AlertZone]:
        """Return the alert zones of an event's current (or given) version, most severe first."""
        with self._reading(tx) as t:
            if version is None:
                v = t.scalar("SELECT version FROM events WHERE id = ?", [event_id])
                if v is None:
                    raise NotFound.of("error.no_event", id=repr(event_id))
                version = int(v)
            rows = t.fetchall(
                "SELECT feature FROM zones WHERE event_id = ? AND version = ? ORDER BY seq, id",
                [event_id, version],
            )
        return [AlertZone.from_feature(json.loads(r["feature"]), index=i) for i, r in enumerate(rows)]

    def region_zones(self, region_id: str, *, tx: Tx | None = None) -> list[tuple[Event, AlertZone]]:
        """Return the current zones of every event touching ``region_id`` (or its ``TS-``/``EEZ-`` belts)."""
        ids = [region_id, f"TS-{region_id}", f"EEZ-{region_id}"]
        with self._reading(tx) as t:
            rows = t.fetchall(
                "SELECT e.id AS eid, e.name AS ename, e.kind AS ekind, e.status AS estatus, e.created AS ecreated, "
                "e.updated AS eupdated, e.version AS eversion, z.feature AS feature FROM zones z "
                "JOIN events e ON e.id = z.event_id AND e.version = z.version "
                "WHERE z.region_id IN (?, ?, ?) ORDER BY e.updated DESC, z.seq, z.id",
                ids,
            )
        out = []
        for i, r in enumerate(rows):
            ev = self._event_from_row(
                {
                    "id": r["eid"],
                    "name": r["ename"],
                    "kind": r["ekind"],
                    "status": r["estatus"],
                    "created": r["ecreated"],
                    "updated": r["eupdated"],
                    "version": r["eversion"],
                }
            )
            out.append((ev, AlertZone.from_feature(json.loads(r["feature"]), index=i)))
        return out

    # ------------------------------------------------------------------ feature queries (OGC API)

    def query_features(
        self,
        collection: str,
        *,
        bbox: tuple[float, float, float, float] | None = None,
        interval: tuple[datetime | None, datetime | None] | None = None,
        filters: dict[str, str] | None = None,
        limit: int = 10,
        offset: int = 0,
        tx: Tx | None = None,
    ) -> FeaturePage:
        """Return a page of the current corridors or alert zones matching the filters.

        The filters are a bbox (west may exceed east), a time interval (overlap with the feature's
        window; features without a window always match) and equality filters on ``event_id``,
        ``phase``, ``region_id``, ``layer``, ``severity``.
        """
        table = {"corridors": "corridors", "alert-zones": "zones"}.get(collection)
        if table is None:
            raise NotFound(f"no collection {collection!r}")
        allowed = {"event_id", "phase"} if table == "corridors" else {"event_id", "region_id", "layer", "severity"}
        where = ["t.version = e.version"]
        params: list[Any] = []
        for key, value in (filters or {}).items():
            if key not in allowed:
                raise InvalidParameter(f"collection {collection!r} has no queryable {key!r}")
            where.append(f"t.{key} = ?")
            params.append(value)
        if interval is not None:
            start, end = interval
            if end is not None:
                where.append("(t.window_start IS NULL OR t.window_start <= ?)")
                params.append(end)
            if start is not None:
                where.append("(t.window_end IS NULL OR t.window_end >= ?)")
                params.append(start)
        if bbox is not None:
            west, south, east, north = bbox
            boxes = (
                [(west, south, east, north)]
                if west <= east
                else [(west, south, 180.0, north), (-180.0, south, east, north)]
            )
            parts = []
            for b in boxes:
                sql, p = self._spatial_filter(b)
                parts.append(sql)
                params.extend(p)
            where.append("(" + " OR ".join(parts) + ")")
        order = "t.event_id, t.seq, t.id"
        base = f"FROM {table} t JOIN events e ON e.id = t.event_id WHERE " + " AND ".join(where)
        with self._reading(tx) as t:
            total = int(t.scalar(f"SELECT COUNT(*) AS n {base}", params) or 0)
            rows = t.fetchall(
                f"SELECT t.feature AS feature {base} ORDER BY {order} LIMIT ? OFFSET ?", [*params, limit, offset]
            )
        return FeaturePage([r["feature"] for r in rows], total)

    def get_feature(self, collection: str, fid: str, tx: Tx | None = None) -> str:
        """One current corridor (fid ``event~corridor``) or alert zone (its id) as RFC 7946 JSON text."""
        with self._reading(tx) as t:
            if collection == "corridors":
                event_id, sep, cid = fid.partition("~")
                row = (
                    t.fetchone(
                        "SELECT t.feature AS feature FROM corridors t JOIN events e ON e.id = t.event_id "
                        "AND e.version = t.version WHERE t.event_id = ? AND t.id = ?",
                        [event_id, cid],
                    )
                    if sep
                    else None
                )
            elif collection == "alert-zones":
                row = t.fetchone(
                    "SELECT t.feature AS feature FROM zones t JOIN events e ON e.id = t.event_id "
                    "AND e.version = t.version WHERE t.id = ?",
                    [fid],
                )
            else:
                raise NotFound(f"no collection {collection!r}")
        if row is None:
            raise NotFound(f"collection {collection!r} has no feature {fid!r}")
        return str(row["feature"])

    # ------------------------------------------------------------------ artifacts

    def put_artifact(self, tx: Tx, event_id: str, version: int, kind: str, media_type: str, body: bytes) -> Artifact:
        """Store an immutable published file (a second write of the same key is a Conflict)."""
        etag = hashlib.sha256(body).hexdigest()
        created = _now()
        existing = tx.fetchone(
            "SELECT etag FROM artifacts WHERE event_id = ? AND version = ? AND kind = ?", [event_id, version, kind]
        )
        if existing is not None:
            if existing["etag"] != etag:
                raise Conflict(f"artifact {kind} of {event_id} v{version} is immutable")
        else:
            tx.execute(
                "INSERT INTO artifacts (event_id, version, kind, media_type, body, etag, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [event_id, version, kind, media_type, body, etag, created],
            )
        return Artifact(event_id, version, kind, media_type, body, etag, created)

    def get_artifact(self, event_id: str, kind: str, *, version: int | None = None, tx: Tx | None = None) -> Artifact:
        """Return a published file of the event's current (or given) version."""
        with self._reading(tx) as t:
            if version is None:
                row = t.fetchone(
                    "SELECT a.* FROM artifacts a JOIN events e ON e.id = a.event_id AND e.version = a.version "
                    "WHERE a.event_id = ? AND a.kind = ?",
                    [event_id, kind],
                )
            else:
                row = t.fetchone(
                    "SELECT * FROM artifacts WHERE event_id = ? AND version = ? AND kind = ?", [event_id, version, kind]
                )
        if row is None:
            raise NotFound.of("error.no_published", id=repr(event_id), kind=kind)
        return Artifact(
            row["event_id"],
            int(row["version"]),
            row["kind"],
            row["media_type"],
            bytes(row["body"]),
            row["etag"],
            _t(row["created"]) or _now(),
        )

    def artifact_etags(self, kind: str, tx: Tx | None = None) -> list[tuple[str, int, str]]:
        """``(event_id, version, etag)`` of the current ``kind`` artifact of every event."""
        with self._reading(tx) as t:
            rows = t.fetchall(
                "SELECT a.event_id, a.version, a.etag FROM artifacts a JOIN events e ON e.id = a.event_id "
                "AND e.version = a.version WHERE a.kind = ? ORDER BY e.updated DESC",
                [kind],
            )
        return [(r["event_id"], int(r["version"]), r["etag"]) for r in rows]

    # ------------------------------------------------------------------ tokens

    @staticmethod
    def _hash_token(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    def create_token(self, name: str) -> tuple[str, str]:
        """Create an API token; return ``(id, token)``. Only the sha256 of the token is stored."""
        token_id = secrets.token_hex(4)
        token = f"{TOKEN_PREFIX}_{token_id}_{secrets.token_urlsafe(32)}"
        with self.transaction() as tx:
            tx.execute(
                "INSERT INTO api_tokens (id, name, hash, created) VALUES (?, ?, ?, ?)",
                [token_id, name, self._hash_token(token), _now()],
            )
        return token_id, token

    def verify_token(self, token: str) -> str | None:
        """Return the token id if ``token`` is valid and not revoked, else ``None``."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            return None
        with self.snapshot() as tx:
            row = tx.fetchone("SELECT id, hash, revoked FROM api_tokens WHERE id = ?", [parts[1]])
        if row is None or row["revoked"] is not None:
            return None
        if not hmac.compare_digest(row["hash"], self._hash_token(token)):
            return None
        return str(row["id"])

    def token_active(self, token_id: str) -> bool:
        """Tell whether the token ``token_id`` exists and is not revoked (operator sessions check it on every write)."""
        row = self.read_one("SELECT revoked FROM api_tokens WHERE id = ?", [token_id])
        return row is not None and row["revoked"] is None

    def list_tokens(self) -> list[TokenInfo]:
        """Return every API token (without its secret), oldest first."""
        with self.snapshot() as tx:
            rows = tx.fetchall("SELECT id, name, created, last_used, revoked FROM api_tokens ORDER BY created")
        return [
            TokenInfo(r["id"], r["name"], _t(r["created"]) or _now(), _t(r["last_used"]), _t(r["revoked"]))
            for r in rows
        ]

    def revoke_token(self, token_id: str) -> None:
        """Revoke the API token ``token_id``; raises :class:`NotFound` when unknown."""
        with self.transaction() as tx:
            cur = tx.execute("UPDATE api_tokens SET revoked = ? WHERE id = ? AND revoked IS NULL", [_now(), token_id])
            if cur.rowcount == 0 and tx.fetchone("SELECT id FROM api_tokens WHERE id = ?", [token_id]) is None:
                raise NotFound(f"no token {token_id!r}")

    # ------------------------------------------------------------------ health

    def check(self) -> None:
        """Raise :class:`StoreError` unless the store answers."""
        try:
            self.generation()
        except Exception as exc:
            raise StoreError(f"store unavailable: {exc}") from None
