"""The delivery worker (``geowarn worker``): claim due outbox rows, send them, record every attempt.

Several workers (threads, processes or hosts) may share one store: rows are leased, so each is
sent by one worker at a time, and a worker that dies mid-delivery only delays its rows until the
lease runs out. The worker also runs the time-driven lifecycle steps (all-clear after the window,
then expiry) and retries failed renders of published files every ``tick_interval`` seconds.

Throughput (issue 16): each worker keeps up to ``concurrency`` deliveries in flight on its threads,
claims due rows ``batch`` at a time in one transaction (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so
several ``geowarn worker`` processes never claim the same row), keeps webhook connections alive
(:class:`geowarn.alerts.channels.Pool`) and records the outcomes that finished together in one
transaction, which also claims the next rows while the last claim came back full (one commit per
round, no probe; :func:`geowarn.alerts.outbox.settle`).

Wake-up: on PostgreSQL the worker ``LISTEN``s on ``geowarn_outbox`` (the lifecycle ``NOTIFY``s at
commit); on SQLite it polls (a cheap indexed query) every ``poll_interval`` seconds.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from geowarn.alerts import channels, lifecycle, outbox
from geowarn.errors import DeliveryError, StoreError
from geowarn.settings import Settings
from geowarn.store.notify import Listener

log = logging.getLogger(__name__)


@dataclass
class WorkerOptions:
    """The delivery policy."""

    poll_interval: float = 0.1
    batch: int = 32
    concurrency: int = 8
    lease_s: float = outbox.LEASE_S
    retry_base: float = outbox.RETRY_BASE_S
    retry_cap: float = outbox.RETRY_CAP_S
    max_attempts: int = outbox.MAX_ATTEMPTS
    timeout: float = 10.0
    tick_interval: float = 15.0
    #: SMTP server, MQTT broker and CAP identity (``None``: the ``GEOWARN_*`` variables when used).
    settings: Settings | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> WorkerOptions:
        """Read ``worker_*`` / ``delivery_timeout_s`` fields of ``settings``, then ``overrides`` (``None``: skip)."""
        opts = cls(
            poll_interval=settings.worker_poll_s,
            lease_s=settings.worker_lease_s,
            retry_base=settings.worker_retry_base_s,
            retry_cap=settings.worker_retry_cap_s,
            max_attempts=settings.worker_max_attempts,
            timeout=settings.delivery_timeout_s,
            concurrency=settings.worker_concurrency,
            batch=settings.worker_batch,
            settings=settings,
        )
        for k, v in overrides.items():
            if v is not None:
                setattr(opts, k, v)
        return opts


class Worker:
    """One delivery worker over ``store``."""

    def __init__(self, store: Any, options: WorkerOptions | None = None, *, worker_id: str | None = None) -> None:
        self.store = store
        self.options = options or WorkerOptions()
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.stop_event = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=max(1, self.options.concurrency), thread_name_prefix="deliver")
        self.connections = channels.Pool()
        self._listener: Listener | None = None
        self._last_tick = 0.0
        self._more = False  # the last claim was full: claim again without probing first
        self.delivered = 0
        self.failed = 0

    # ------------------------------------------------------------------ one delivery

    def deliver(self, d: outbox.Delivery) -> str:
        """Send one claimed row and record the outcome; returns ``delivered``, ``pending`` or ``parked``."""
        return self._record_all([self._send(d)])[0]

    def _send(self, d: outbox.Delivery) -> outbox.Outcome:
        """Send one claimed row (no store access); return its outcome."""
        started = datetime.now(UTC)
        if d.error:  # e.g. its webhook secret was sealed with another key: retrying cannot help
            log.warning("delivery %s cannot be sent: %s", d.id, d.error)
            return outbox.Outcome(d, started, datetime.now(UTC), False, None, d.error, True)
        msg = channels.Outgoing(d.message_id, d.body, d.msg_type, d.event_id)
        try:
            code = channels.send(
                d.channel, msg, timeout=self.options.timeout, settings=self.options.settings, pool=self.connections
            )
        except DeliveryError as exc:
            log.warning("delivery %s attempt %d failed: %s", d.id, d.attempt, exc)
            return outbox.Outcome(d, started, datetime.now(UTC), False, None, str(exc), exc.permanent)
        except Exception as exc:  # a bug in a channel must not kill the worker; retry later
            log.exception("delivery %s attempt %d crashed", d.id, d.attempt)
            return outbox.Outcome(d, started, datetime.now(UTC), False, None, f"internal error: {exc!r}", False)
        log.debug("delivered %s (%s) attempt %d", d.id, d.channel.kind, d.attempt)
        return outbox.Outcome(d, started, datetime.now(UTC), True, code, "", False)

    def _record_all(self, outcomes: list[outbox.Outcome]) -> list[str]:
        """Write ``outcomes`` in one transaction (retried while the store is down); return the new statuses."""
        return self._settle(outcomes)[0]

    def _settle(self, outcomes: list[outbox.Outcome], claim: int = 0) -> tuple[list[str], list[outbox.Delivery]]:
        """Write ``outcomes`` and claim up to ``claim`` rows in one transaction (retried while the store is down)."""
        result: list[str] = []
        claimed: list[outbox.Delivery] = []

        def _do() -> None:
            statuses, rows = outbox.settle(
                self.store,
                self.id,
                outcomes,
                claim=claim,
                lease_s=self.options.lease_s,
                base=self.options.retry_base,
                cap=self.options.retry_cap,
                max_attempts=self.options.max_attempts,
            )
            result[:], claimed[:] = statuses, rows

        self._record(_do)
        for o in outcomes:
            if o.ok:
                self.delivered += 1
            else:
                self.failed += 1
        return result or ["pending"] * len(outcomes), claimed

    def _record(self, fn: Callable[[], None]) -> None:
        """Write an outcome, retrying while the database is unavailable (the lease covers a short outage)."""
        delay = 0.05
        while True:
            try:
                fn()
                return
            except StoreError as exc:
                if self.stop_event.is_set():
                    raise
                log.warning("cannot record a delivery outcome (%s); retrying", exc)
                time.sleep(delay)
                delay = min(delay * 2, 2.0)

    # ------------------------------------------------------------------ loops

    def run_once(self, now: datetime | None = None) -> int:
        """Tick the lifecycle, then claim and deliver until nothing is due; returns rows handled."""
        self.tick(now, force=True)
        handled = 0
        in_flight: set[Future[outbox.Outcome]] = set()
        while not self.stop_event.is_set():
            claimed = self._claim_more(in_flight, now=now)
            handled += claimed
            if not in_flight:
                break
            self._collect(in_flight, timeout=None)
        self._drain(in_flight)
        return handled

    def _capacity(self) -> int:
        """Rows a worker holds at most (in flight plus queued for a free thread)."""
        return max(1, self.options.concurrency) + max(1, self.options.batch)

    def _room(self, in_flight: set[Future[outbox.Outcome]]) -> int:
        """Rows the next claim may take: a batch, at most the capacity left."""
        return min(max(1, self.options.batch), self._capacity() - len(in_flight))

    def _start(self, in_flight: set[Future[outbox.Outcome]], batch: list[outbox.Delivery], room: int) -> None:
        """Start sending claimed rows; a full claim means more rows are probably due (no probe before the next)."""
        for d in batch:
            in_flight.add(self._pool.submit(self._send, d))
        self._more = room > 0 and len(batch) >= room

    def _claim_more(self, in_flight: set[Future[outbox.Outcome]], *, now: datetime | None = None) -> int:
        """Claim due rows up to the capacity left and start sending them; return how many."""
        room = self._room(in_flight)
        if room <= 0:
            return 0
        batch = outbox.claim(self.store, self.id, limit=room, lease_s=self.options.lease_s, now=now)
        self._start(in_flight, batch, room)
        return len(batch)

    def _collect(self, in_flight: set[Future[outbox.Outcome]], *, timeout: float | None, claim: bool = False) -> int:
        """Wait for some deliveries in flight to finish and record them together; return how many.

        ``claim``: after a full claim, claim the next rows in the same transaction (one commit per round).
        """
        done, _ = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
        if not done:
            return 0
        in_flight.difference_update(done)
        room = max(0, self._room(in_flight)) if claim and self._more else 0
        _, batch = self._settle([f.result() for f in done], room)
        if room:
            self._start(in_flight, batch, room)
        return len(done)

    def _drain(self, in_flight: set[Future[outbox.Outcome]]) -> None:
        """Record every delivery still in flight (at stop)."""
        while in_flight:
            self._collect(in_flight, timeout=None)

    def tick(self, now: datetime | None = None, *, force: bool = False) -> list[str]:
        """Run one lifecycle tick (at most every ``tick_interval`` unless ``force``); return the queued message ids."""
        if not force and time.monotonic() - self._last_tick < self.options.tick_interval:
            return []
        self._last_tick = time.monotonic()
        s = self.options.settings
        done = lifecycle.tick(
            self.store, now, cap=s.cap if s is not None else None, region_topics=s.mqtt_region_topics if s else None
        )
        self._retry_renders()
        return done

    def _retry_renders(self) -> None:
        """Retry the published files whose render failed (or whose process died before rendering)."""
        from geowarn import rendering
        from geowarn.service import Options

        s = self.options.settings
        try:
            for done in rendering.retry_due(self.store, options=Options.from_settings(s) if s else None):
                log.info("rendered %s on retry", done)
        except StoreError:
            raise
        except Exception:  # a renderer bug must not stop deliveries
            log.exception("retrying renders failed")

    def run(self) -> None:
        """Deliver until :meth:`stop` (or SIGTERM via the CLI). Survives database outages."""
        try:
            self.tick(force=True)  # the first tick loads the lifecycle and renderers: "started" means ready
        except StoreError as exc:
            log.warning("store unavailable: %s", exc)
        log.info("worker %s started", self.id)
        delay = self.options.poll_interval
        in_flight: set[Future[outbox.Outcome]] = set()
        while not self.stop_event.is_set():
            claimed = 0
            try:
                self.tick()
                # a read-only probe first: idle polling never takes SQLite's write lock
                if len(in_flight) < self._capacity() and (self._more or outbox.has_due(self.store)):
                    claimed = self._claim_more(in_flight)
                delay = self.options.poll_interval
            except StoreError as exc:
                log.warning("store unavailable: %s", exc)
                delay = min(max(delay * 2, 0.1), 5.0)
            if in_flight:
                # wake when a delivery finishes, or soon to claim rows that became due meanwhile
                self._collect(in_flight, timeout=delay, claim=True)
                continue
            if claimed:
                continue
            self._wait(delay)
        self._drain(in_flight)
        log.info("worker %s stopped (%d delivered, %d failed attempts)", self.id, self.delivered, self.failed)

    def _wait(self, seconds: float) -> None:
        if self.store.dialect == "postgis":
            try:
                self._listen_wait(seconds)
                return
            except Exception as exc:  # the listener connection broke: poll, reconnect next time
                log.debug("LISTEN failed: %s", exc)
                self._close_listener()
        self.stop_event.wait(seconds)

    def _listen_wait(self, seconds: float) -> None:
        if self._listener is None:
            self._listener = Listener(self.store.url, lifecycle.NOTIFY_CHANNEL, stop=self.stop_event.is_set)
        self._listener.wait(max(seconds, 0.5))

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

    def stop(self) -> None:
        """Ask the delivery loop to stop after the current round."""
        self.stop_event.set()

    def close(self) -> None:
        """Stop the worker, wait for deliveries in flight and close the notification listener."""
        self.stop()
        self._pool.shutdown(wait=True)
        self.connections.close()
        self._close_listener()
