"""Verdicts per region and per point, and the event lifecycle (issue 13's real cases)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon

from geowarn import service
from geowarn.demo import KMS4_ID, load_demo
from geowarn.errors import InvalidParameter
from geowarn.i18n import CATALOGUE, LANGUAGES, message, pick_language
from geowarn.layers import load_layers
from geowarn.model import (
    AlertZone,
    Certainty,
    Corridor,
    Event,
    EventStatus,
    Phase,
    Region,
    RegionKind,
    ResponseType,
    Severity,
    TimeWindow,
    Urgency,
)
from geowarn.service import Options
from geowarn.store import Store, open_store
from geowarn.verdict import (
    Lifecycle,
    State,
    effective_status,
    event_lifecycle,
    headline,
    notice_cancel_at,
    point_region_ids,
    point_verdict,
    region_verdict,
    schedule,
)
from geowarn.zones import SimpleLayer, compute_zones

JST = "Asia/Tokyo"
#: 05:12 JST on 3 December 2026, and the Miyako window 07:00–10:00 JST the same morning
NOW = datetime(2026, 12, 2, 20, 12, tzinfo=UTC)
MIYAKO_WINDOW = TimeWindow(datetime(2026, 12, 2, 22, 0, tzinfo=UTC), datetime(2026, 12, 3, 1, 0, tzinfo=UTC))
MIYAKO_BOX = shapely.box(125.1, 24.6, 125.6, 25.0)  # the Miyako Islands, inside Okinawa (JP-47)
MIYAKOJIMA_CITY = (125.281, 24.805)
NAHA = (127.68, 26.21)
OPTIONS = Options(layer_ids=["jp-prefectures", "eez-like"])


def miyako_corridor(window: TimeWindow = MIYAKO_WINDOW, phase: Phase = Phase.STAGE1) -> Corridor:
    return Corridor(id="miyako", geometry=MIYAKO_BOX, phase=phase, label="Miyako", windows=(window,))


def miyako_pairs(
    event: Event | None = None, window: TimeWindow = MIYAKO_WINDOW, now: datetime = NOW
) -> list[tuple[Event, AlertZone]]:
    """The real engine's zones of a small corridor over Miyako, paired with their event."""
    event = event or Event(id="miyako-launch", name="Launch over Miyako", created=NOW, updated=NOW)
    zones = compute_zones(
        [miyako_corridor(window)], load_layers(["jp-prefectures"]), margin_km=5, now=now, event_id=event.id
    )
    assert [z.region_id for z in zones] == ["JP-47"] and zones[0].severity == Severity.EXTREME
    return [(event, z) for z in zones]


def hand_zone(
    zid: str,
    *,
    event_id: str = "e1",
    windows: tuple[TimeWindow, ...] = (),
    severity: Severity = Severity.SEVERE,
    urgency: Urgency = Urgency.EXPECTED,
    geometry: shapely.Geometry | None = None,
    region_id: str = "JP-47",
) -> AlertZone:
    return AlertZone(
        id=zid,
        event_id=event_id,
        corridor_id="c",
        phase=Phase.STAGE2,
        layer="jp-prefectures",
        region_id=region_id,
        region_name="Okinawa",
        region_kind=RegionKind.ADMIN,
        geometry=geometry,
        area_km2=1.0,
        region_fraction=0.0,
        corridor_fraction=0.0,
        distance_km=0.0 if geometry is not None else 12.0,
        severity=severity,
        urgency=urgency,
        certainty=Certainty.POSSIBLE,
        response=ResponseType.PREPARE,
        windows=windows,
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(f"sqlite:///{tmp_path / 'geowarn.db'}")
    yield s
    s.close()


# --------------------------------------------------------------------------- the 05:12-before-07:00 case


def test_warning_at_0512_before_a_0700_window() -> None:
    v = region_verdict("JP-47", miyako_pairs(), NOW)
    assert v.state == State.WARNING == "warning"
    assert v.severity == Severity.EXTREME
    assert v.starts_at == MIYAKO_WINDOW.start and v.ends_at == MIYAKO_WINDOW.end
    assert v.countdown_s == 6480
    assert headline(v, "en", JST) == "Warning from 07:00 JST"
    assert headline(v, "ja", JST) == "07:00（日本時間）から警報"
    assert [e.id for e in v.events] == ["miyako-launch"] and len(v.zones) == 1
    assert v.daily is False and schedule(v, "en", JST) is None
    assert [i.state for i in v.current] == [State.WARNING] and v.history == ()


def test_window_open_now_is_affected_now() -> None:
    now = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)  # 08:30 JST
    v = region_verdict("JP-47", miyako_pairs(now=now), now)
    assert v.state == State.AFFECTED_NOW
    assert v.ends_at == MIYAKO_WINDOW.end and v.countdown_s is None
    assert headline(v, "en", JST) == "Affected now until 10:00 JST"
    assert headline(v, "ja", JST) == "10:00（日本時間）まで影響あり"


def test_window_more_than_24h_ahead_is_expected_later_and_after_it_ended() -> None:
    later = region_verdict("JP-47", miyako_pairs(), MIYAKO_WINDOW.start - timedelta(hours=24, seconds=1))
    assert later.state == State.EXPECTED_LATER
    assert headline(later, "en", JST) == "Expected from 2026-12-03 07:00 JST"
    edge = region_verdict("JP-47", miyako_pairs(), MIYAKO_WINDOW.start - timedelta(hours=24))
    assert edge.state == State.WARNING and edge.countdown_s == 86400
    after = region_verdict("JP-47", miyako_pairs(), MIYAKO_WINDOW.end + timedelta(minutes=1))
    assert after.state == State.ENDED and after.ends_at == MIYAKO_WINDOW.end
    assert headline(after, "ja", JST) == "10:00（日本時間）に終了"


# --------------------------------------------------------------------------- the demo events through the store


def test_2016_demo_event_is_ended_in_2026(store: Store) -> None:
    load_demo(store, options=OPTIONS)
    now = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
    kms4 = store.get_event(KMS4_ID)
    assert kms4.status == EventStatus.ACTIVE  # stored status: nothing ever set it
    cancel_at = notice_cancel_at(kms4)
    assert cancel_at == datetime(2016, 2, 14, 4, 30, tzinfo=UTC)
    assert effective_status(kms4, kms4.corridors, now, cancel_at) == Lifecycle.ENDED
    assert effective_status(kms4, kms4.corridors, datetime(2016, 2, 10, tzinfo=UTC), cancel_at) == Lifecycle.ACTIVE

    pairs = store.region_zones("JP-47")
    assert any(e.id == KMS4_ID for e, _ in pairs)
    v = region_verdict("JP-47", pairs, now)
    assert v.state == State.ENDED and v.current == ()
    assert v.ends_at == datetime(2023, 11, 30, 15, 0, tzinfo=UTC)
    # the 2023 Chollima-1 event ended later than the 2016 one: the most recent history item decides
    assert [e.id for e in v.events] == ["chollima-1-2023"]
    kms4_items = [i for i in v.history if i.event.id == KMS4_ID]
    assert kms4_items and all(i.state == State.ENDED for i in kms4_items)
    assert max(i.ends_at for i in kms4_items if i.ends_at) == datetime(2016, 2, 14, 3, 30, tzinfo=UTC)

    # eight daily windows 22:30Z–03:30Z, 6–13 Feb UTC = 07:30–12:30 JST, 7–14 Feb local
    only_kms4 = region_verdict("JP-47", [(e, z) for e, z in pairs if e.id == KMS4_ID], now)
    assert only_kms4.daily is True
    assert headline(only_kms4, "en", JST) == "Ended at 2016-02-14 12:30 JST"
    assert schedule(only_kms4, "en", JST) == "Daily 07:30–12:30 JST, 2016-02-07 to 2016-02-14"
    assert schedule(only_kms4, "ja", JST) == "2016-02-07から2016-02-14まで毎日07:30〜12:30（日本時間）"


def test_cancel_this_msg_time_ends_an_event_without_windows() -> None:
    text = (
        "NAVAREA XI 0200/26\n1. HAZARDOUS OPERATIONS, ROCKET LAUNCHING\n"
        "   A. 25-00N 125-00E, 25-00N 125-30E, 24-30N 125-30E, 24-30N 125-00E.\n"
        "2. CANCEL THIS MSG 030400Z DEC 26.\n"
    )
    event = service.event_from_input(text, format="navwarn", event_id="no-window", now=NOW)
    assert all(not c.windows for c in event.corridors)
    cancel_at = notice_cancel_at(event)
    assert cancel_at == datetime(2026, 12, 3, 4, 0, tzinfo=UTC)
    assert effective_status(event, event.corridors, NOW, cancel_at) == Lifecycle.ACTIVE
    assert effective_status(event, event.corridors, NOW) == Lifecycle.ACTIVE  # no window: never ends by time
    assert effective_status(event, event.corridors, cancel_at, cancel_at) == Lifecycle.ENDED


def test_notice_cancel_time_before_the_window_ends_the_zones_early() -> None:
    pairs = miyako_pairs()
    cancel_at = MIYAKO_WINDOW.start - timedelta(minutes=30)  # the notice cancels itself at 06:30 JST
    event = pairs[0][0]
    status = effective_status(event, [z for _, z in pairs], cancel_at, cancel_at)
    assert status == Lifecycle.ENDED
    v = region_verdict("JP-47", pairs, cancel_at, statuses={event.id: status})
    assert v.state == State.ENDED and v.ends_at is None and v.countdown_s is None
    assert headline(v, "en", JST) == "Ended" and headline(v, "ja", JST) == "終了"
    stored = region_verdict("JP-47", [(event.replace(status=EventStatus.ENDED), z) for _, z in pairs], NOW)
    assert stored.state == State.ENDED


def test_cancelled_event_is_cancelled_and_never_outranks_a_warning(store: Store) -> None:
    def submit(event_id: str, window: TimeWindow) -> None:
        body = json.dumps({"type": "FeatureCollection", "features": [miyako_corridor(window).to_feature()]})
        event = service.event_from_input(body, format="geojson", name=event_id, event_id=event_id, now=NOW)
        service.submit_event(store, event, now=NOW, options=OPTIONS)

    submit("will-be-cancelled", MIYAKO_WINDOW)
    cancelled_at = NOW + timedelta(minutes=3)  # 05:15 JST
    service.cancel_event(store, "will-be-cancelled", now=cancelled_at, options=OPTIONS)
    now = NOW + timedelta(minutes=10)

    v = region_verdict("JP-47", store.region_zones("JP-47"), now)
    assert v.state == State.CANCELLED and v.ends_at == cancelled_at
    assert [e.id for e in v.events] == ["will-be-cancelled"]
    assert headline(v, "en", JST) == "Cancelled at 05:15 JST"
    assert headline(v, "ja", JST) == "05:15（日本時間）に取消"
    assert v.current == () and {i.state for i in v.history} == {State.CANCELLED}

    submit("still-on", MIYAKO_WINDOW)
    v = region_verdict("JP-47", store.region_zones("JP-47"), now)
    assert v.state == State.WARNING and [e.id for e in v.events] == ["still-on"]
    assert {i.event.id for i in v.current} == {"still-on"}  # its JP-47 and EEZ-JP-47 zones
    assert {i.zone.region_id for i in v.current} == {"JP-47", "EEZ-JP-47"}
    assert {i.event.id for i in v.history} == {"will-be-cancelled"}
    # the point inside the zone says the same
    p = point_verdict(*MIYAKOJIMA_CITY, store.region_zones("JP-47"), now)
    assert p.state == State.WARNING and [e.id for e in p.events] == ["still-on"]


# --------------------------------------------------------------------------- points


def test_point_in_miyako_is_warned_naha_is_not() -> None:
    pairs = miyako_pairs()
    inside = point_verdict(*MIYAKOJIMA_CITY, pairs, NOW)
    assert inside.state == State.WARNING and inside.countdown_s == 6480
    outside = point_verdict(*NAHA, pairs, NOW)
    assert outside.state == State.NOT_AFFECTED and outside.zones == () and outside.severity is None
    assert headline(outside, "ja", JST) == "影響なし"
    # the region as a whole (Naha is in it) is warned: regions and points differ on purpose
    assert region_verdict("JP-47", pairs, NOW).state == State.WARNING
    with pytest.raises(InvalidParameter, match="latitude"):
        point_verdict(125.0, 91.0, pairs, NOW)
    with pytest.raises(InvalidParameter, match="finite"):
        point_verdict(float("nan"), 26.0, pairs, NOW)


def test_point_candidates_from_the_store(store: Store) -> None:
    body = json.dumps({"type": "FeatureCollection", "features": [miyako_corridor().to_feature()]})
    event = service.event_from_input(body, format="geojson", name="Miyako", event_id="miyako", now=NOW)
    service.submit_event(store, event, now=NOW, options=OPTIONS)
    layers = load_layers(OPTIONS.layer_ids)
    ids = point_region_ids(*MIYAKOJIMA_CITY, layers)
    assert "JP-47" in ids
    pairs = [p for rid in ids for p in store.region_zones(rid)]
    statuses = {"miyako": event_lifecycle(store.get_event("miyako"), NOW)}
    v = point_verdict(*MIYAKOJIMA_CITY, pairs, NOW, statuses=statuses)
    assert v.state == State.WARNING and v.countdown_s == 6480
    naha_ids = point_region_ids(*NAHA, layers)
    assert naha_ids and "JP-47" in naha_ids
    naha_pairs = [p for rid in naha_ids for p in store.region_zones(rid)]
    assert naha_pairs  # Okinawa's zone is a candidate, but it does not cover Naha
    assert point_verdict(*NAHA, naha_pairs, NOW, statuses=statuses).state == State.NOT_AFFECTED
    assert event_lifecycle(store.get_event("miyako"), MIYAKO_WINDOW.end + timedelta(seconds=1)) == Lifecycle.ENDED


def test_proximity_zone_counts_for_its_region_not_for_a_point() -> None:
    near = hand_zone("near", windows=(MIYAKO_WINDOW,), severity=Severity.MODERATE)  # geometry None
    pairs = [(Event("e1", "Near miss"), near)]
    assert region_verdict("JP-47", pairs, NOW).state == State.WARNING
    assert point_verdict(*NAHA, pairs, NOW).state == State.NOT_AFFECTED


def test_zone_crossing_the_antimeridian() -> None:
    # a hand-made region around 180° (cut into two parts like the shipped layers) and a corridor across it
    east, west = shapely.box(179.0, -17.0, 180.0, -16.0), shapely.box(-180.0, -17.0, -179.0, -16.0)
    layer = SimpleLayer(
        "demo", RegionKind.ADMIN, [Region("demo", "FJ-X", "Dateline", RegionKind.ADMIN, MultiPolygon([east, west]))]
    )
    corridor = Corridor(
        "c180",
        MultiPolygon([shapely.box(179.5, -16.8, 180.0, -16.2), shapely.box(-180.0, -16.8, -179.5, -16.2)]),
        Phase.STAGE2,
        windows=(MIYAKO_WINDOW,),
    )
    zones = compute_zones([corridor], [layer], margin_km=0, now=NOW, event_id="e180")
    assert [z.region_id for z in zones] == ["FJ-X"]
    pairs = [(Event("e180", "Dateline"), zones[0])]
    for lon in (179.8, -179.8, 180.0, -180.0, 180.2, -539.8):
        assert point_verdict(lon, -16.5, pairs, NOW).state == State.WARNING, lon
    for lon in (179.2, -179.2, 0.0):
        assert point_verdict(lon, -16.5, pairs, NOW).state == State.NOT_AFFECTED, lon
    assert region_verdict("FJ-X", pairs, NOW).state == State.WARNING


# --------------------------------------------------------------------------- precedence with hand-made zones


def test_precedence_and_worst_severity_with_hand_made_zones() -> None:
    box = shapely.box(125.0, 24.5, 125.5, 25.0)
    open_now = TimeWindow(NOW - timedelta(hours=1), NOW + timedelta(hours=2))
    soon = TimeWindow(NOW + timedelta(hours=1), NOW + timedelta(hours=3))
    past = TimeWindow(NOW - timedelta(days=3), NOW - timedelta(days=2))
    a, b = Event("a", "A"), Event("b", "B", status=EventStatus.CANCELLED, updated=NOW)
    pairs = [
        (a, hand_zone("soon-extreme", event_id="a", windows=(soon,), severity=Severity.EXTREME, geometry=box)),
        (a, hand_zone("open-minor", event_id="a", windows=(open_now,), severity=Severity.MINOR, geometry=box)),
        (a, hand_zone("open-severe", event_id="a", windows=(open_now,), severity=Severity.SEVERE, geometry=box)),
        (a, hand_zone("past", event_id="a", windows=(past,), geometry=box)),
        (b, hand_zone("cancelled", event_id="b", windows=(open_now,), severity=Severity.EXTREME, geometry=box)),
        (a, hand_zone("elsewhere", event_id="a", windows=(open_now,), region_id="JP-46")),
    ]
    v = region_verdict("JP-47", pairs, NOW)
    assert v.state == State.AFFECTED_NOW
    assert [z.id for z in v.zones] == ["open-severe", "open-minor"]  # the warning and history stay out
    assert v.severity == Severity.SEVERE and v.ends_at == open_now.end
    assert [i.state for i in v.items] == [
        State.AFFECTED_NOW,
        State.AFFECTED_NOW,
        State.WARNING,
        State.CANCELLED,
        State.ENDED,
    ]
    assert "elsewhere" not in {i.zone.id for i in v.items}
    # the same zone id twice (region and belt queries overlapping) counts once
    assert len(region_verdict("JP-47", pairs + pairs[:1], NOW).items) == len(v.items)
    # statuses computed with the whole event win over the region's zones
    ended = region_verdict("JP-47", pairs, NOW, statuses={"a": Lifecycle.ENDED})
    assert ended.state in (State.ENDED, State.CANCELLED) and not ended.current


def test_windowless_zone_of_an_active_event() -> None:
    e = Event("e1", "No window")
    immediate = region_verdict("JP-47", [(e, hand_zone("z", urgency=Urgency.IMMEDIATE))], NOW)
    assert immediate.state == State.AFFECTED_NOW and immediate.ends_at is None
    assert headline(immediate, "en", JST) == "Affected now"
    expected = region_verdict("JP-47", [(e, hand_zone("z"))], NOW)
    assert expected.state == State.WARNING and expected.starts_at is None and expected.countdown_s is None
    assert headline(expected, "ja", JST) == "警報（時刻未定）"
    # a belt of the region counts for the region
    belt = region_verdict("JP-47", [(e, hand_zone("z", region_id="TS-JP-47", urgency=Urgency.IMMEDIATE))], NOW)
    assert belt.state == State.AFFECTED_NOW
    assert region_verdict("JP-47", [], NOW).state == State.NOT_AFFECTED


# --------------------------------------------------------------------------- catalogue


def test_catalogue_has_every_language_and_the_same_placeholders() -> None:
    import string

    for msgid, texts in CATALOGUE.items():
        assert set(texts) == set(LANGUAGES), msgid
        fields = [{f for _, f, _, _ in string.Formatter().parse(t) if f} for t in texts.values()]
        assert all(f == fields[0] for f in fields), msgid
    assert message("verdict.warning", "ko", time="07:00 KST") == "Warning from 07:00 KST"
    assert pick_language("ja-JP", "en", None) == "ja"
    assert pick_language(None, "en;q=0, ja;q=0.1", None) == "ja"
    assert pick_language(None, "ko-KR", "KR-11") == "en"
    assert pick_language(None, "", "TS-JP-47") == "ja"
