"""Render the published files of a committed version off the request path (issue 16).

The warning commits first (:mod:`geowarn.rendering`): the event version, its zones, its alert
messages and one ``pending`` render row per kind are in the store before anything is rendered.
In the web process the POST/PUT/cancel then answers at once and hands the version to a
:class:`BackgroundRenders`: a bounded queue served by one or two daemon threads
(``GEOWARN_RENDER_THREADS``). Nothing is lost when the process dies or the queue is full: the
rows stay ``pending``, the worker's tick (:func:`geowarn.rendering.retry_due`) renders those
older than :data:`geowarn.rendering.STALE_PENDING`, and a file asked for before it exists is
rendered on demand (:func:`geowarn.rendering.published_file`).

Threads start on the first :meth:`BackgroundRenders.submit`, in the process that submits: a
gunicorn worker forked from a preloaded app gets its own threads.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from geowarn.model import AlertZone, Event

if TYPE_CHECKING:
    from geowarn.service import Options
    from geowarn.store import Store

log = logging.getLogger(__name__)

#: Versions waiting to be rendered beyond which a submit leaves its rows to the worker's retries.
QUEUE_SIZE = 64
#: Longest a render waits for the process's writes in flight before it renders anyway.
YIELD_S = 5.0


@dataclass(frozen=True)
class Job:
    """One committed event version to render."""

    store: Store
    event: Event
    zones: Sequence[AlertZone]
    options: Options | None


class BackgroundRenders:
    """A small bounded executor rendering committed versions in the web process.

    Parameters
    ----------
    threads
        Daemon threads serving the queue (1 or 2: rendering is CPU work competing with requests).
    queue_size
        Versions that may wait; a submit beyond that returns ``False`` and the rows stay ``pending``.

    >>> r = BackgroundRenders(threads=1, queue_size=1)
    >>> r.pending(), r.threads
    (0, 1)
    """

    def __init__(self, threads: int = 1, queue_size: int = QUEUE_SIZE) -> None:
        if threads < 1:
            raise ValueError("BackgroundRenders needs at least one thread")
        self.threads = threads
        self._queue: queue.Queue[Job] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._workers: list[threading.Thread] = []
        #: versions submitted and not yet rendered (queued or rendering now)
        self._busy = 0
        self._idle = threading.Condition(self._lock)
        #: writes (POST/PUT/PATCH/DELETE) being answered now: renders wait for them (one GIL, see :meth:`write_started`)
        self._writes = 0
        self._no_writes = threading.Condition(self._lock)

    def write_started(self) -> None:
        """Note that the process answers a write: renders start their next file after it (at most :data:`YIELD_S`).

        The renders share the process's GIL with the request threads; a write's own work (parsing,
        zones, the commit) goes first, so the alert is committed as fast as without renders.
        """
        with self._lock:
            self._writes += 1

    def write_ended(self) -> None:
        """Note that a write started with :meth:`write_started` has answered."""
        with self._lock:
            self._writes = max(0, self._writes - 1)
            if self._writes == 0:
                self._no_writes.notify_all()

    def _yield_to_writes(self) -> None:
        with self._no_writes:
            self._no_writes.wait_for(lambda: self._writes == 0, YIELD_S)

    def _start(self) -> None:
        """Start the threads once per process (after a fork the parent's threads do not exist)."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._queue = queue.Queue(maxsize=self._queue.maxsize)
            self._busy = 0
            self._workers = [
                threading.Thread(target=self._serve, name=f"geowarn-render-{i}", daemon=True)
                for i in range(self.threads)
            ]
            for t in self._workers:
                t.start()

    def submit(self, store: Store, event: Event, zones: Sequence[AlertZone], options: Options | None) -> bool:
        """Queue the rendering of a committed version; ``False`` when the queue is full (left to the retries)."""
        self._start()
        try:
            with self._lock:
                self._queue.put_nowait(Job(store, event, list(zones), options))
                self._busy += 1
        except queue.Full:
            log.warning(
                "render queue full (%d versions): %s v%d stays pending for the worker's retries",
                self._queue.maxsize,
                event.id,
                event.version,
            )
            return False
        return True

    def pending(self) -> int:
        """Return how many versions are queued or being rendered now."""
        with self._lock:
            return self._busy

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is queued or rendering (``False`` on timeout); for shutdown and benchmarks."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    def _serve(self) -> None:
        from geowarn import rendering

        q = self._queue
        while True:
            job = q.get()
            try:
                self._yield_to_writes()
                inp = rendering.render_input(job.store, job.event, job.zones, job.options)
                static_dir = job.options.static_dir if job.options else None
                for kind in rendering.kind_names():  # failures are recorded by render_one
                    self._yield_to_writes()
                    rendering.render_one(job.store, inp, kind, static_dir=static_dir)
            except Exception:  # the store failed: the rows stay pending, the worker retries
                log.exception("background rendering of %s v%d failed", job.event.id, job.event.version)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()
                q.task_done()
