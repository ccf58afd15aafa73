"""Background renders of the web process (issue 16): bounded, never blocking the write, never losing a render.

Real stores (SQLite and PostGIS) and real renderers; one renderer is held on a
:class:`threading.Event` so the queue's state can be looked at while it is busy.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from geowarn import rendering, service
from geowarn.background import BackgroundRenders
from geowarn.publish import kinds
from geowarn.service import Options
from tests.store.test_service import NOW, okinawa_event


class Held:
    """Wraps the GeoJSON renderer: each call waits until ``release`` is set."""

    def __init__(self, kind: kinds.ArtifactKind) -> None:
        self.kind = kind
        self.release = threading.Event()
        self.started = threading.Event()

    def __call__(self, inp: kinds.RenderInput) -> bytes:
        self.started.set()
        assert self.release.wait(120), "never released"
        return self.kind.render(inp)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    table, out = [], None
    for k in kinds.KINDS:
        if k.kind == "geojson":
            out = Held(k)
            k = dataclasses.replace(k, render=out)
        table.append(k)
    monkeypatch.setattr(kinds, "KINDS", tuple(table))
    assert out is not None
    yield out
    out.release.set()


def _statuses(store: Any, event_id: str) -> dict[str, str]:
    return {r["kind"]: r["status"] for r in rendering.status(store, event_id, 1)}


def test_a_write_answers_before_its_render_and_a_full_queue_leaves_it_to_the_retries(store: Any, held: Held) -> None:
    renders = BackgroundRenders(threads=1, queue_size=1)
    opts = Options(layer_ids=["jp-prefectures", "eez-like"], renders=renders)
    first = service.submit_event(store, okinawa_event("bg-1"), now=NOW, options=opts)
    assert first.deferred and first.artifacts == {}
    assert set(first.to_json()["renders"].values()) == {"pending"}
    assert held.started.wait(60)  # the thread is rendering bg-1 (held), the answer came back already
    assert store.get_event("bg-1").version == 1 and _statuses(store, "bg-1")["geojson"] == "pending"
    second = service.submit_event(store, okinawa_event("bg-2"), now=NOW, options=opts)  # queued (1 place)
    third = service.submit_event(store, okinawa_event("bg-3"), now=NOW, options=opts)  # queue full
    assert second.deferred and third.deferred and renders.pending() == 2
    held.release.set()
    assert renders.wait_idle(120)
    for event_id in ("bg-1", "bg-2"):
        assert set(_statuses(store, event_id).values()) == {"ok"}, event_id
    # the one the full queue refused stays pending, committed, until the worker's tick renders it
    assert set(_statuses(store, "bg-3").values()) == {"pending"}
    later = datetime.now(UTC) + rendering.STALE_PENDING + timedelta(seconds=1)
    done = rendering.retry_due(store, now=later)
    assert sorted(done) == sorted(f"bg-3 v1 {k}" for k in rendering.kind_names())
    assert set(_statuses(store, "bg-3").values()) == {"ok"}


def test_without_background_renders_the_service_renders_before_returning(store: Any) -> None:
    r = service.submit_event(store, okinawa_event("inline"), now=NOW, options=Options(layer_ids=["jp-prefectures"]))
    assert not r.deferred and sorted(r.artifacts) == sorted(rendering.kind_names())
    assert set(r.to_json()["renders"].values()) == {"ok"}
