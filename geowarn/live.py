r"""Live updates of open pages: the change log as a Server-Sent Events stream (framework-free).

Every event version the store writes is logged in ``event_changes`` under the
store generation of its transaction (:mod:`geowarn.store.changes`), which is
also the SSE ``id`` of the message announcing it. Each server process has one
:class:`Hub`: a thread that waits for the next change — woken by PostgreSQL
``NOTIFY geowarn_events`` on PostGIS (with a slow poll as a safety net), by
polling the store generation on SQLite — reads the new changes once and wakes
the streams of its process. Nothing is shared between processes but the store,
so any number of gunicorn workers or hosts each listen independently.

A :class:`Stream` (one per client) sends ``retry:``, then the changes the client
missed since its ``Last-Event-ID`` (from the store), a ``ready`` message, then
new changes as they commit and a heartbeat comment when idle; it ends after
``max_s`` so that a connection never holds a server thread for long (the client
reconnects with ``Last-Event-ID`` and loses nothing).

>>> c = Change(7, "kms4-2016", 2, "cancelled", "cancelled", ("TS-JP-47", "SEA-east-china-sea"))
>>> sorted(c.topics())
['event:kms4-2016', 'region:JP-47', 'region:SEA-east-china-sea', 'region:TS-JP-47']
>>> c.concerns(("region:JP-47",)), c.concerns(("event:other",)), c.concerns(("*",))
(True, False, True)
>>> frame('{"seq": 7}', event="change", id=7).decode()
'id: 7\nevent: change\ndata: {"seq": 7}\n\n'
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geowarn.errors import InvalidParameter
from geowarn.ids import EVENT_ID_BODY
from geowarn.model import format_time, parse_time
from geowarn.store import Store
from geowarn.store.changes import CHANNEL

log = logging.getLogger(__name__)

#: The media type of the stream.
MEDIA_TYPE = "text/event-stream"
#: At most this many missed changes are replayed on resume; beyond, the client gets ``reset`` (reload).
BACKLOG_LIMIT = 500
#: How many recent changes each hub keeps in memory for its streams.
RECENT = 1000
#: On PostGIS the hub waits for ``NOTIFY`` and still checks the store at least this often (seconds).
PG_SAFETY_POLL_S = 2.0
#: How often a waiting stream checks that its client is still connected (seconds).
PROBE_S = 1.0
#: Region ids of the per-region belts whose changes concern the region's own page.
_BELT = re.compile(r"^(?:TS|EEZ)-(.+)$")
#: A ``topic`` of :func:`parse_topics` (JSON Schema pattern of the stream's query parameter).
TOPIC_PATTERN = rf"^(?:\*|event:{EVENT_ID_BODY}|region:[A-Za-z0-9][A-Za-z0-9_-]{{0,79}})$"
_TOPIC = re.compile(TOPIC_PATTERN)


# --------------------------------------------------------------------------- changes and topics


@dataclass(frozen=True)
class Change:
    """One logged event version: ``seq`` (the store generation it committed), what happened, where."""

    seq: int
    event_id: str
    version: int
    action: str
    status: str
    regions: tuple[str, ...] = ()
    changed: datetime | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Change:
        """Build a change from a row of :func:`geowarn.store.changes.since`."""
        changed = row.get("changed")
        return cls(
            int(row["seq"]),
            str(row["event_id"]),
            int(row["version"]),
            str(row["action"]),
            str(row["status"]),
            tuple(row.get("regions") or ()),
            parse_time(changed) if changed is not None else None,
        )

    def topics(self) -> frozenset[str]:
        """``event:<id>``, ``region:<id>`` of every region touched, and of the region of a ``TS-``/``EEZ-`` belt."""
        out = {f"event:{self.event_id}"}
        for r in self.regions:
            out.add(f"region:{r}")
            belt = _BELT.match(r)
            if belt:
                out.add(f"region:{belt.group(1)}")
        return frozenset(out)

    def concerns(self, topics: Sequence[str]) -> bool:
        """Whether a page subscribed to ``topics`` must update (no topic or ``*``: every change)."""
        return not topics or "*" in topics or not self.topics().isdisjoint(topics)

    def to_json(self) -> dict[str, Any]:
        """Return the ``data`` of the change's SSE message."""
        return {
            "seq": self.seq,
            "event_id": self.event_id,
            "version": self.version,
            "action": self.action,
            "status": self.status,
            "regions": list(self.regions),
            "topics": sorted(self.topics()),
            "changed": format_time(self.changed) if self.changed else None,
        }


def parse_topics(values: Sequence[str]) -> tuple[str, ...]:
    """Check the ``topic`` query values (``*``, ``event:<id>``, ``region:<id>``; several allowed).

    >>> parse_topics(["region:JP-47", "event:kms4-2016"])
    ('region:JP-47', 'event:kms4-2016')
    >>> parse_topics(["region:"])
    Traceback (most recent call last):
    ...
    geowarn.errors.InvalidParameter: topic: expected '*', 'event:<event id>' or 'region:<region id>', got 'region:'
    """
    for v in values:
        if not _TOPIC.fullmatch(v):
            raise InvalidParameter.of("error.topic_value", init={"field": "topic"}, value=repr(v[:100]))
    return tuple(values)


def parse_last_event_id(header: str | None, query: str | None) -> int | None:
    """Return where a client resumes: the ``Last-Event-ID`` header, else ``?last_event_id=``.

    The header wins: a browser that reconnects sends the stream's original URL (with the page's
    ``last_event_id``) and the newer header.

    >>> parse_last_event_id("42", "7"), parse_last_event_id(None, "7"), parse_last_event_id("", None)
    (42, 7, None)
    >>> parse_last_event_id("x1", None)
    Traceback (most recent call last):
    ...
    geowarn.errors.InvalidParameter: Last-Event-ID: expected a non-negative integer (an id of this stream), got 'x1'
    """
    for name, value in (("Last-Event-ID", header), ("last_event_id", query)):
        if value is None or not value.strip():
            continue
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 18:
            raise InvalidParameter(
                f"{name}: expected a non-negative integer (an id of this stream), got {text[:40]!r}", field=name
            )
        return int(text)
    return None


# --------------------------------------------------------------------------- SSE framing


def frame(data: str, *, event: str | None = None, id: int | None = None) -> bytes:
    """One SSE message (``data`` must not contain a newline: JSON from :func:`json.dumps` does not)."""
    parts = []
    if id is not None:
        parts.append(f"id: {id}\n")
    if event:
        parts.append(f"event: {event}\n")
    parts.append(f"data: {data}\n\n")
    return "".join(parts).encode("utf-8")


def comment(text: str) -> bytes:
    r"""Frame an SSE comment line (a heartbeat: browsers ignore it, proxies see traffic).

    >>> comment("keepalive")
    b': keepalive\n\n'
    """
    return f": {text}\n\n".encode()


def id_only(seq: int) -> bytes:
    """Frame a message with only an ``id``: it moves the client's ``Last-Event-ID`` without an event."""
    return f"id: {seq}\n\n".encode()


# --------------------------------------------------------------------------- the per-process hub


class Hub:
    """One per server process: follows the store's change log and wakes this process's streams.

    Parameters
    ----------
    store
        The store whose changes are followed.
    poll_s
        SQLite: how often the store generation is read. PostGIS: the hub is woken by ``NOTIFY``
        and reads the store at least every ``max(poll_s, PG_SAFETY_POLL_S)`` seconds.
    max_streams
        Streams this process serves at once (:meth:`acquire` refuses more).
    """

    def __init__(self, store: Store, *, poll_s: float = 0.2, max_streams: int = 32) -> None:
        self.store = store
        self.poll_s = poll_s
        self.max_streams = max_streams
        self._cond = threading.Condition()
        self._latest = 0
        self._recent: deque[Change] = deque(maxlen=RECENT)
        self._floor = 0  # every change after _floor up to _latest is in _recent
        self._streams = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        _HUBS.add(self)

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> None:
        """Start the watcher thread (again after a fork: gunicorn workers each get their own)."""
        with self._cond:
            if self._thread is not None and self._pid == os.getpid() and self._thread.is_alive():
                return
            self._stop.clear()
            self._latest = self._floor = self.store.generation()
            self._recent.clear()
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="geowarn-live", daemon=True)
            self._thread.start()

    def stop(self, *, wait: bool = True) -> None:
        """Stop the watcher thread and wake every stream (they end; their clients reconnect elsewhere).

        ``wait=False`` (from a signal handler) does not join the watcher thread.
        """
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10)

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stop.is_set()

    def acquire(self) -> bool:
        """Take a stream slot; ``False`` when ``max_streams`` are open in this process."""
        with self._cond:
            if self._streams >= self.max_streams:
                return False
            self._streams += 1
            return True

    def release(self) -> None:
        """Give a stream slot back."""
        with self._cond:
            self._streams = max(0, self._streams - 1)

    @property
    def open_streams(self) -> int:
        """Streams open in this process."""
        return self._streams

    # ---------------------------------------------------------------- reading

    def latest(self) -> int:
        """Return the highest generation this hub has seen."""
        with self._cond:
            return self._latest

    def wait_after(self, seq: int, timeout: float) -> tuple[list[Change], int] | None:
        """Return the changes after ``seq`` and the generation they run up to, waiting up to ``timeout`` s.

        Returns ``([], seq)`` on timeout, ``None`` when ``seq`` is older than what the hub keeps
        (the caller reads :meth:`Store.changes_since`).
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._latest <= seq and not self._stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    return [], seq
                self._cond.wait(left)
            if seq < self._floor:
                return None
            return [c for c in self._recent if c.seq > seq], max(seq, self._latest)

    # ---------------------------------------------------------------- the watcher

    def refresh(self) -> int:
        """Read the changes committed since the last look; return how many were new.

        The generation is read first: every change up to it has committed, and the change log
        read afterwards holds them all (``seq`` grows in commit order).
        """
        total = 0
        while True:
            with self._cond:
                after = self._latest
            generation = self.store.generation()
            rows = self.store.changes_since(after, limit=RECENT)
            new = [Change.from_row(r) for r in rows]
            more = len(new) == RECENT
            top = new[-1].seq if more else max([generation, after, *(c.seq for c in new)])
            with self._cond:
                if self._latest != after:  # stop() or a concurrent refresh moved on
                    return total
                evicted = len(self._recent) + len(new) > RECENT
                self._recent.extend(new)
                if evicted:
                    self._floor = self._recent[0].seq - 1
                self._latest = top
                if top != after:
                    self._cond.notify_all()
            total += len(new)
            if not more:
                return total

    def _run(self) -> None:
        listener = None
        if self.store.dialect == "postgis":
            from geowarn.store.notify import Listener

            listener = Listener(getattr(self.store, "url", ""), CHANNEL, stop=self._stop.is_set)
        delay = self.poll_s
        try:
            while not self._stop.is_set():
                if listener is not None:
                    try:
                        listener.wait(max(self.poll_s, PG_SAFETY_POLL_S), slice_s=0.25)
                    except Exception as exc:  # the LISTEN connection broke: poll, reconnect next time
                        log.warning("live: LISTEN %s failed (%s); polling", CHANNEL, exc)
                        self._stop.wait(delay)
                else:
                    self._stop.wait(delay)
                if self._stop.is_set():
                    break
                try:
                    if self.store.dialect == "sqlite" and self.store.generation() == self.latest():
                        continue
                    self.refresh()
                    delay = self.poll_s
                except Exception as exc:  # the store is unavailable: back off, streams keep their heartbeat
                    log.warning("live: cannot read the change log: %s", exc)
                    delay = min(max(delay * 2, self.poll_s), 5.0)
        finally:
            if listener is not None:
                listener.close()


#: Every hub of this process (for :func:`stop_all`).
_HUBS: weakref.WeakSet[Hub] = weakref.WeakSet()


def stop_all() -> None:
    """Stop every hub of this process without waiting: a server shutting down ends its streams at once."""
    for hub in list(_HUBS):
        hub.stop(wait=False)


# --------------------------------------------------------------------------- one client's stream


@dataclass(frozen=True)
class StreamOptions:
    """Timing of a stream (from :class:`geowarn.settings.Settings`: ``live_*``)."""

    max_s: float = 300.0
    heartbeat_s: float = 15.0
    retry_ms: int = 2000


class _Gone(Exception):
    """The stream's client hung up."""


class Stream:
    """The bytes of one client's event stream; :meth:`close` (the WSGI server calls it) frees its slot.

    Parameters
    ----------
    hub
        This process's hub (started); the caller has taken a slot with :meth:`Hub.acquire`.
    last_id
        Where the client resumes (:func:`parse_last_event_id`), ``None`` for "from now".
    topics
        What the page shows (:func:`parse_topics`); changes concerning none of them are skipped.
    options
        Heartbeat, retry and the longest duration.
    clock
        Monotonic seconds (tests pass their own).
    disconnected
        Optional probe of the server's connection: when it answers true the stream ends, so a
        page that went away frees its thread within :data:`PROBE_S` instead of at the next heartbeat.
    """

    def __init__(
        self,
        hub: Hub,
        *,
        last_id: int | None,
        topics: Sequence[str] = (),
        options: StreamOptions | None = None,
        clock: Callable[[], float] = time.monotonic,
        disconnected: Callable[[], bool] | None = None,
    ) -> None:
        self.hub = hub
        self.last_id = last_id
        self.topics = tuple(topics)
        self.options = options or StreamOptions()
        self.clock = clock
        self.disconnected = disconnected
        self._closed = False
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[bytes]:
        """Iterate over the stream's messages (bytes, one SSE block each)."""
        return self._messages()

    def close(self) -> None:
        """Release the stream slot (once)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.hub.release()

    def _send(self, changes: Sequence[Change], pos: int) -> tuple[list[bytes], int]:
        out: list[bytes] = []
        skipped = False
        for c in changes:
            if c.seq <= pos:
                continue
            pos = c.seq
            if c.concerns(self.topics):
                out.append(frame(json.dumps(c.to_json(), ensure_ascii=False), event="change", id=c.seq))
                skipped = False
            else:
                skipped = True
        if skipped:
            out.append(id_only(pos))
        return out, pos

    def _backlog(self, pos: int) -> tuple[list[bytes], int]:
        rows = self.hub.store.changes_since(pos, limit=BACKLOG_LIMIT)
        if len(rows) >= BACKLOG_LIMIT:  # too much missed: the page reloads once
            latest = max(self.hub.latest(), int(rows[-1]["seq"]))
            return [frame(json.dumps({"seq": latest}), event="reset", id=latest)], latest
        return self._send([Change.from_row(r) for r in rows], pos)

    def _wait(self, pos: int, seconds: float) -> tuple[list[Change], int] | None:
        """Wait for changes after ``pos`` like :meth:`Hub.wait_after`; raise :class:`_Gone` when the client is."""
        if self.disconnected is None:
            return self.hub.wait_after(pos, seconds)
        deadline = self.clock() + seconds
        while True:
            got = self.hub.wait_after(pos, max(0.0, min(PROBE_S, deadline - self.clock())))
            if got is None or got[0] or got[1] > pos or self.clock() >= deadline or self.hub.stopped:
                return got
            if self.disconnected():
                raise _Gone

    def _messages(self) -> Iterator[bytes]:
        opts = self.options
        try:
            start = self.clock()
            yield f"retry: {int(opts.retry_ms)}\n\n".encode()
            latest = self.hub.latest()
            if self.last_id is None:
                pos = latest
            elif self.last_id > max(latest, self.hub.store.generation()):  # an id of another store
                yield frame(json.dumps({"seq": latest}), event="reset", id=latest)
                pos = latest
            else:
                out, pos = self._backlog(self.last_id)
                yield from out
            # ready repeats the retry: for scripts (EventSource does not expose it): their back-off's base
            yield frame(json.dumps({"seq": pos, "retry_ms": int(opts.retry_ms)}), event="ready", id=pos)
            while not self.hub.stopped:
                left = start + opts.max_s - self.clock()
                if left <= 0:
                    break
                try:
                    got = self._wait(pos, min(opts.heartbeat_s, left))
                except _Gone:
                    return  # the page went away: free the thread now
                if got is None:
                    out, pos = self._backlog(pos)
                else:
                    changes, upto = got
                    out, pos = self._send(changes, pos)
                    pos = max(pos, upto)  # generations without a logged change
                    if not changes:
                        out = out or [comment("keepalive")]
                yield from out
            yield comment("reconnect")  # max duration reached: the client comes back with Last-Event-ID
        finally:
            self.close()
