"""desk.actions.perform reads a submission once (issue 16: less work before the commit of a warning)."""

from __future__ import annotations

from typing import Any

import pytest

from geowarn import service
from geowarn.desk import actions
from geowarn.desk.approvals import Actor
from geowarn.desk.submission import Submission
from geowarn.service import EventResult


def test_publish_parses_the_notice_once_and_stores_what_it_read(
    store: Any, navarea_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = service.read_event

    def counting(data: Any, **kw: Any) -> Any:
        calls.append(str(kw.get("event_id")))
        return real(data, **kw)

    monkeypatch.setattr(service, "read_event", counting)
    sub = Submission(text=navarea_text, event_id="once-read", name="parsed once")
    result = actions.perform(store, "publish", {"submission": sub.to_json()}, actor=Actor("t1", "alice"), options=None)
    assert isinstance(result, EventResult)
    assert calls == ["once-read"]
    stored = store.get_event("once-read")
    assert stored.name == "parsed once" and stored.version == 1
    assert [c.id for c in stored.corridors] == [c.id for c in result.event.corridors] and stored.corridors
    assert store.history("once-read")[0]["operator"] == "alice"


def test_an_update_is_read_once_too(store: Any, navarea_text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Submission(text=navarea_text, event_id="upd-once")
    actions.perform(store, "publish", {"submission": first.to_json()}, actor=Actor("t1", "alice"), options=None)
    calls: list[str] = []
    real = service.read_event
    monkeypatch.setattr(service, "read_event", lambda data, **kw: calls.append("read") or real(data, **kw))
    again = Submission(text=navarea_text, event_id="upd-once", update=True)
    result = actions.perform(store, "update", {"submission": again.to_json()}, actor=Actor("t2", "bob"), options=None)
    assert isinstance(result, EventResult) and result.event.version == 2
    assert calls == ["read"]
