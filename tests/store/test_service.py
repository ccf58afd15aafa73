"""The service core on both backends: submit / update / cancel with zones, files and alerts in one transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import shapely
from lxml import etree

from geowarn import service
from geowarn.errors import Conflict, NotFound
from geowarn.model import Corridor, EventStatus, Phase, TimeWindow
from geowarn.service import Options

OPTIONS = Options(layer_ids=["jp-prefectures", "eez-like"])
NOW = datetime(2016, 2, 7, 0, 0, tzinfo=UTC)
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def okinawa_event(event_id: str = "okinawa-test"):  # type: ignore[no-untyped-def]
    # a box over Ishigaki (24.34 N 124.16 E), inside Okinawa prefecture
    corridor = Corridor(
        id="c1",
        geometry=shapely.box(123.9, 24.2, 124.4, 24.6),
        phase=Phase.STAGE1,
        windows=(TimeWindow(datetime(2016, 2, 6, 22, 30, tzinfo=UTC), datetime(2016, 2, 7, 3, 30, tzinfo=UTC)),),
    )
    return service.event_from_input(
        json.dumps({"type": "FeatureCollection", "features": [corridor.to_feature()]}),
        format="geojson",
        name="Okinawa test",
        event_id=event_id,
        now=NOW,
    )


def test_submit_update_cancel(store) -> None:  # type: ignore[no-untyped-def]
    r1 = service.submit_event(store, okinawa_event(), now=NOW, options=OPTIONS)
    assert r1.created and r1.event.version == 1
    regions = {z.region_id for z in r1.zones}
    assert "JP-47" in regions  # the engine found Okinawa
    assert {"geojson", "cap", "kml", "map"} <= set(r1.artifacts)
    assert [z.id for z in store.zones("okinawa-test")] == [z.id for z in r1.zones]
    with pytest.raises(Conflict):
        service.submit_event(store, okinawa_event(), now=NOW, options=OPTIONS)

    extra = Corridor(id="c2", geometry=shapely.box(125.1, 24.6, 125.5, 24.9), phase=Phase.FAIRING)
    r2 = service.update_event(store, "okinawa-test", add_corridors=[extra], now=NOW, options=OPTIONS)
    assert r2.event.version == 2 and len(store.get_event("okinawa-test").corridors) == 2
    cap2 = etree.fromstring(store.get_artifact("okinawa-test", "cap").body)
    assert cap2.findtext(f"{CAP}msgType") == "Update"
    cap1 = etree.fromstring(store.get_artifact("okinawa-test", "cap", version=1).body)
    assert cap1.findtext(f"{CAP}identifier") in (cap2.findtext(f"{CAP}references") or "")

    r3 = service.cancel_event(store, "okinawa-test", now=NOW, options=OPTIONS)
    assert r3.event.status == EventStatus.CANCELLED and r3.event.version == 3
    cap3 = etree.fromstring(store.get_artifact("okinawa-test", "cap").body)
    assert cap3.findtext(f"{CAP}msgType") == "Cancel"
    with pytest.raises(Conflict):
        service.cancel_event(store, "okinawa-test", now=NOW, options=OPTIONS)
    assert [h["version"] for h in store.history("okinawa-test")] == [1, 2, 3]
    with pytest.raises(NotFound):
        service.update_event(store, "nope", name="x", options=OPTIONS)
    with pytest.raises(Conflict):
        service.update_event(store, "okinawa-test", name="x", if_version=1, options=OPTIONS)


def test_a_failing_alert_hook_rolls_everything_back(store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken_hook(tx, event, zones, now, cap=None, region_topics=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(service, "_alert_hook", broken_hook)
    with pytest.raises(RuntimeError):
        service.submit_event(store, okinawa_event("rolled-back"), now=NOW, options=OPTIONS)
    assert not store.event_exists("rolled-back")
    with store.snapshot() as tx:
        for table in ("corridors", "zones", "artifacts", "raw_inputs", "event_versions"):
            assert tx.scalar(f"SELECT COUNT(*) AS n FROM {table} WHERE event_id = ?", ["rolled-back"]) == 0


def test_demo_loads_once(store) -> None:  # type: ignore[no-untyped-def]
    from geowarn.demo import CHOLLIMA_ID, KMS4_ID, load_demo

    first = load_demo(store, options=OPTIONS)
    assert [(r.event.id, r.event.version) for r in first] == [(KMS4_ID, 1), (KMS4_ID, 2), (CHOLLIMA_ID, 1)]
    assert load_demo(store, options=OPTIONS) == []
    kms4 = store.get_event(KMS4_ID)
    assert len(kms4.corridors) == 4 and kms4.inputs[0].text.startswith("NAVAREA XI 0123/16")
    # the overflight corridor added in version 2 crosses the Sakishima Islands (Okinawa)
    assert any(z.region_id in ("JP-47", "EEZ-JP-47") and z.phase == Phase.OVERFLIGHT for z in store.zones(KMS4_ID))
