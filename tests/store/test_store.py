"""The Store protocol on both backends: events and versions, features with bbox/datetime, artifacts, tokens."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
import shapely
from shapely.geometry import MultiPolygon

from geowarn.errors import Conflict, InvalidParameter, NotFound
from geowarn.model import (
    AlertZone,
    Certainty,
    Corridor,
    Event,
    Phase,
    RawInput,
    RegionKind,
    ResponseType,
    Severity,
    TimeWindow,
    Urgency,
)
from geowarn.store import open_store

T0 = datetime(2016, 2, 6, 22, 30, tzinfo=UTC)
ANTIMERIDIAN = MultiPolygon([shapely.box(175.0, 20.0, 180.0, 25.0), shapely.box(-180.0, 20.0, -170.0, 25.0)])


def make_event(event_id: str, geoms: dict[str, shapely.Geometry], *, hours: int = 5, version: int = 1) -> Event:
    corridors = [
        Corridor(
            id=cid,
            geometry=g,
            phase=Phase.STAGE1,
            label=cid,
            windows=(TimeWindow(T0, T0 + timedelta(hours=hours)),),
            source="test",
            raw=f"raw {cid}",
        )
        for cid, g in geoms.items()
    ]
    return Event(id=event_id, name=f"Event {event_id}", created=T0, updated=T0, corridors=corridors, version=version)


def make_zone(event: Event, corridor: Corridor, region_id: str, severity: Severity = Severity.EXTREME) -> AlertZone:
    return AlertZone(
        id=hashlib.sha256(f"{event.id}/{corridor.id}/{region_id}".encode()).hexdigest()[:16],
        event_id=event.id,
        corridor_id=corridor.id,
        phase=corridor.phase,
        layer="test-layer",
        region_id=region_id,
        region_name=f"Region {region_id}",
        region_kind=RegionKind.SEA,
        geometry=corridor.geometry,
        area_km2=float(shapely.area(corridor.geometry)),
        region_fraction=0.5,
        corridor_fraction=1.0,
        distance_km=0.0,
        severity=severity,
        urgency=Urgency.IMMEDIATE,
        certainty=Certainty.LIKELY,
        response=ResponseType.AVOID,
        windows=corridor.windows,
    )


def save(store, event: Event, zones=None, note: str = "") -> None:  # type: ignore[no-untyped-def]
    zones = [make_zone(event, c, f"R-{c.id}") for c in event.corridors] if zones is None else zones
    with store.transaction() as tx:
        store.write_event_version(tx, event, zones, note=note, new_inputs=event.inputs)


def test_migrations_are_recorded_and_idempotent(store, store_url) -> None:  # type: ignore[no-untyped-def]
    assert store.schema_versions()[0] == 1
    again = open_store(store_url)
    assert again.schema_versions() == store.schema_versions()
    assert again.migrate() == []
    again.close()


def test_event_round_trip(store, geoms) -> None:  # type: ignore[no-untyped-def]
    ev = make_event("ev-1", {"a": geoms["square"], "b": geoms["with_hole"]})
    ev.inputs = [RawInput(format="navwarn", text="NAVAREA XI 0123/16\nline 2", name="n.txt", received=T0)]
    save(ev_store := store, ev, note="first")
    got = ev_store.get_event("ev-1")
    assert (got.name, got.version, len(got.corridors)) == ("Event ev-1", 1, 2)
    by_id = {c.id: c for c in got.corridors}
    assert by_id["b"].geometry.equals_exact(geoms["with_hole"].normalize(), 1e-6) or shapely.equals(
        by_id["b"].geometry, geoms["with_hole"]
    )
    assert by_id["a"].window_start == T0 and by_id["a"].window_end == T0 + timedelta(hours=5)
    assert got.inputs[0].text == "NAVAREA XI 0123/16\nline 2"
    zones = store.zones("ev-1")
    assert sorted(z.region_id for z in zones) == ["R-a", "R-b"]
    with pytest.raises(NotFound):
        store.get_event("nope")


def test_versions_keep_history_and_zones(store, geoms) -> None:  # type: ignore[no-untyped-def]
    ev = make_event("ev-2", {"a": geoms["square"]})
    save(store, ev, note="v1")
    gen1 = store.generation()
    v2 = make_event("ev-2", {"a": geoms["square"], "c": geoms["touching_only"]}, version=2)
    save(store, v2, note="v2")
    assert store.generation() > gen1
    assert [h["version"] for h in store.history("ev-2")] == [1, 2]
    assert [h["note"] for h in store.history("ev-2")] == ["v1", "v2"]
    assert len(store.zones("ev-2")) == 2 and len(store.zones("ev-2", version=1)) == 1
    assert len(store.get_event("ev-2", version=1).corridors) == 1
    with pytest.raises(Conflict):  # skipping a version is refused
        save(store, make_event("ev-2", {"a": geoms["square"]}, version=4))


def test_failed_transaction_writes_nothing(store, geoms) -> None:  # type: ignore[no-untyped-def]
    ev = make_event("ev-3", {"a": geoms["square"]})
    with pytest.raises(RuntimeError), store.transaction() as tx:
        store.write_event_version(tx, ev, [])
        raise RuntimeError("boom")
    assert not store.event_exists("ev-3")
    assert store.count_events() == 0


def _ids(page) -> set[str]:  # type: ignore[no-untyped-def]
    return {json.loads(f)["properties"]["corridor_id"] for f in page.features}


def test_bbox_filter_incl_antimeridian(store, geoms) -> None:  # type: ignore[no-untyped-def]
    shapes = {"square": geoms["square"], "anti": ANTIMERIDIAN, "islands": geoms["multi_islands"]}
    save(store, make_event("ev-4", shapes))
    boxes = [
        (120.0, 30.0, 130.0, 40.0),
        (170.0, 15.0, -175.0, 30.0),  # crosses 180°
        (179.0, 21.0, -179.5, 22.0),  # crosses 180°, narrow
        (-175.0, 0.0, -160.0, 10.0),  # misses everything
        (123.06, 24.0, 123.09, 24.05),  # inside the bbox of multi_islands but between two islands
    ]
    for b in boxes:
        west, south, east, north = b
        query = (
            shapely.box(west, south, east, north)
            if west <= east
            else shapely.union(shapely.box(west, south, 180, north), shapely.box(-180, south, east, north))
        )
        expected = {cid for cid, g in shapes.items() if shapely.intersects(g, query)}
        page = store.query_features("alert-zones", bbox=b, limit=100)
        assert _ids(page) == expected, b
        assert page.number_matched == len(expected)


def test_datetime_filter_and_paging(store, geoms) -> None:  # type: ignore[no-untyped-def]
    save(store, make_event("ev-5", {f"c{i}": shapely.box(120 + i, 30, 120.5 + i, 31) for i in range(7)}, hours=5))
    page = store.query_features("corridors", limit=3, offset=0)
    assert page.number_matched == 7 and len(page.features) == 3
    seen = []
    for off in range(0, 7, 3):
        seen += [json.loads(f)["id"] for f in store.query_features("corridors", limit=3, offset=off).features]
    assert sorted(seen) == sorted(f"c{i}" for i in range(7))
    inside = store.query_features("corridors", interval=(T0 + timedelta(hours=1), None), limit=100)
    assert inside.number_matched == 7
    after = store.query_features("corridors", interval=(T0 + timedelta(hours=6), None), limit=100)
    assert after.number_matched == 0
    before = store.query_features("corridors", interval=(None, T0 - timedelta(seconds=1)), limit=100)
    assert before.number_matched == 0
    assert store.query_features("corridors", filters={"event_id": "other"}).number_matched == 0
    with pytest.raises(InvalidParameter):
        store.query_features("corridors", filters={"colour": "red"})
    fid = "ev-5~c3"
    assert json.loads(store.get_feature("corridors", fid))["id"] == "c3"
    with pytest.raises(NotFound):
        store.get_feature("corridors", "ev-5~zzz")


def test_only_current_version_is_served(store, geoms) -> None:  # type: ignore[no-untyped-def]
    save(store, make_event("ev-6", {"a": geoms["square"]}))
    save(store, make_event("ev-6", {"b": geoms["touching_only"]}, version=2))
    ids = {json.loads(f)["id"] for f in store.query_features("corridors", limit=100).features}
    assert ids == {"b"}


def test_artifacts_are_immutable_with_sha256_etag(store, geoms) -> None:  # type: ignore[no-untyped-def]
    save(store, make_event("ev-7", {"a": geoms["square"]}))
    body = b'{"type":"FeatureCollection","features":[]}'
    with store.transaction() as tx:
        art = store.put_artifact(tx, "ev-7", 1, "geojson", "application/geo+json", body)
    assert art.etag == hashlib.sha256(body).hexdigest()
    got = store.get_artifact("ev-7", "geojson")
    assert got.body == body and got.etag == art.etag and got.media_type == "application/geo+json"
    with pytest.raises(Conflict), store.transaction() as tx:
        store.put_artifact(tx, "ev-7", 1, "geojson", "application/geo+json", body + b" ")
    assert store.get_artifact("ev-7", "geojson").body == body
    with pytest.raises(NotFound):
        store.get_artifact("ev-7", "cap")


def test_tokens_are_stored_hashed(store) -> None:  # type: ignore[no-untyped-def]
    token_id, token = store.create_token("ci")
    assert token.startswith(f"gw_{token_id}_")
    assert store.verify_token(token) == token_id
    assert store.verify_token(token + "x") is None
    assert store.verify_token("garbage") is None
    with store.snapshot() as tx:
        rows = tx.fetchall("SELECT * FROM api_tokens")
    assert token not in json.dumps(rows, default=str)
    assert rows[0]["hash"] == hashlib.sha256(token.encode()).hexdigest()
    store.revoke_token(token_id)
    assert store.verify_token(token) is None
    assert store.list_tokens()[0].revoked is not None
    with pytest.raises(NotFound):
        store.revoke_token("nope")


def test_tx_execute_with_question_marks(store) -> None:  # type: ignore[no-untyped-def]
    with store.transaction() as tx:
        tx.execute("CREATE TABLE t_probe (k TEXT PRIMARY KEY, v INTEGER)")
        tx.execute("INSERT INTO t_probe (k, v) VALUES (?, ?)", ["a%b", 1])
        tx.execute("INSERT INTO t_probe (k, v) VALUES (:k, :v)", {"k": "c", "v": 2})
    with store.snapshot() as tx:
        assert tx.fetchall("SELECT k, v FROM t_probe WHERE k LIKE 'a%' ORDER BY k") == [{"k": "a%b", "v": 1}]
        assert tx.scalar("SELECT v FROM t_probe WHERE k = ?", ["c"]) == 2


def test_tx_executemany_binds_every_row_in_order_and_refuses_nul(store) -> None:  # type: ignore[no-untyped-def]
    when = datetime(2016, 2, 6, 12, tzinfo=UTC)
    with store.transaction() as tx:
        blob, time = _types(store)
        tx.execute(f"CREATE TABLE t_many (k TEXT PRIMARY KEY, b {blob}, at {time})")
        tx.executemany("INSERT INTO t_many (k, b, at) VALUES (?, ?, ?)", [("a%", b"\x00\x01", when), ("b", b"", when)])
        tx.executemany("INSERT INTO t_many (k, b, at) VALUES (?, ?, ?)", [])
    with store.snapshot() as tx:
        rows = tx.fetchall("SELECT k, b, at FROM t_many ORDER BY k")
    assert [(r["k"], bytes(r["b"])) for r in rows] == [("a%", b"\x00\x01"), ("b", b"")]
    assert {str(r["at"])[:10] for r in rows} == {"2016-02-06"}
    with pytest.raises(InvalidParameter), store.transaction() as tx:
        tx.executemany("INSERT INTO t_many (k, b, at) VALUES (?, ?, ?)", [("c", b"", when), ("d\x00", b"", when)])
    with store.snapshot() as tx:
        assert tx.scalar("SELECT COUNT(*) AS n FROM t_many") == 2


def _types(store) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return ("BYTEA", "TIMESTAMPTZ") if store.dialect == "postgis" else ("BLOB", "TEXT")
