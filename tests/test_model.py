"""The data model round-trips through GeoJSON Features with docs/DESIGN.md §3 property names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import shapely

from geowarn.errors import InvalidGeometry, ParseError
from geowarn.model import (
    AlertZone,
    Certainty,
    Corridor,
    Phase,
    RegionKind,
    ResponseType,
    Severity,
    TimeWindow,
    Urgency,
    corridors_from_collection,
    corridors_to_collection,
    parse_time,
)

CORRIDOR_PROPS = {"id", "event_id", "phase", "label", "window_start", "window_end", "source", "raw"}
ZONE_PROPS = {
    "id", "event_id", "corridor_id", "phase", "layer", "region_id", "region_name", "region_name_ja",
    "region_kind", "area_km2", "region_fraction", "distance_km", "window_start", "window_end",
    "severity", "urgency", "certainty",
}  # fmt: skip


def _corridor() -> Corridor:
    return Corridor(
        id="navarea-xi-0123-16-a",
        geometry=shapely.box(124.5, 35.32, 124.9, 36.07),
        phase=Phase.STAGE1,
        label="A",
        windows=(
            TimeWindow(datetime(2016, 2, 6, 22, 30, tzinfo=UTC), datetime(2016, 2, 7, 3, 30, tzinfo=UTC)),
            TimeWindow(datetime(2016, 2, 7, 22, 30, tzinfo=UTC), datetime(2016, 2, 8, 3, 30, tzinfo=UTC)),
        ),
        source="NAVAREA XI 0123/16",
        raw="A. 36-04N 124-30E, 36-04N 124-54E,",
        event_id="kms4-2016",
        confidence_level=0.997,
    )


def test_corridor_round_trip() -> None:
    c = _corridor()
    f = c.to_feature()
    assert set(f["properties"]) >= CORRIDOR_PROPS
    assert f["properties"]["window_start"] == "2016-02-06T22:30:00Z"
    assert f["properties"]["window_end"] == "2016-02-08T03:30:00Z"
    back = Corridor.from_feature(f)
    assert back.windows == c.windows
    assert back.geometry.equals(c.geometry)
    assert (back.phase, back.label, back.source, back.raw, back.event_id) == (
        c.phase, c.label, c.source, c.raw, c.event_id,
    )  # fmt: skip
    assert back.confidence_level == 0.997


def test_collection_round_trip() -> None:
    fc = corridors_to_collection([_corridor(), _corridor()])
    assert [c.id for c in corridors_from_collection(fc)] == ["navarea-xi-0123-16-a"] * 2


@pytest.mark.parametrize(
    ("feature", "error", "text"),
    [
        ({"type": "Feature", "geometry": None, "properties": {}}, InvalidGeometry, r"features\[0\]"),
        (
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {}},
            InvalidGeometry,
            "Point",
        ),
        (
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
                "properties": {"phase": "stage9"},
            },
            ParseError,
            "stage9",
        ),
    ],
)
def test_corridor_from_bad_feature(feature: dict, error: type[Exception], text: str) -> None:
    with pytest.raises(error, match=text):
        Corridor.from_feature(feature)


def test_not_a_collection() -> None:
    with pytest.raises(ParseError, match="FeatureCollection"):
        corridors_from_collection({"type": "Topology"})


def test_alert_zone_round_trip() -> None:
    z = AlertZone(
        id="z1", event_id="e", corridor_id="c", phase=Phase.OVERFLIGHT, layer="jp-prefectures",
        region_id="JP-47", region_name="Okinawa", region_name_ja="沖縄県", region_kind=RegionKind.ADMIN,
        geometry=shapely.box(125, 24, 126, 25), area_km2=1234.5678, region_fraction=0.25,
        corridor_fraction=0.01, distance_km=0.0, severity=Severity.SEVERE, urgency=Urgency.IMMEDIATE,
        certainty=Certainty.LIKELY, response=ResponseType.SHELTER,
    )  # fmt: skip
    f = z.to_feature()
    assert set(f["properties"]) >= ZONE_PROPS
    back = AlertZone.from_feature(f)
    assert back.region_name_ja == "沖縄県" and back.severity is Severity.SEVERE
    assert back.area_km2 == pytest.approx(1234.568)


def test_severity_rank_orders_most_severe_first() -> None:
    assert sorted(Severity, key=lambda s: s.rank)[0] is Severity.EXTREME
    assert Severity.SEVERE.rank < Severity.MODERATE.rank


def test_time_parsing() -> None:
    assert parse_time("2023-11-21T22:46:00+09:00") == datetime(2023, 11, 21, 13, 46, tzinfo=UTC)
    with pytest.raises(ParseError, match="window_start"):
        parse_time("21 Nov", field_name="window_start")
    with pytest.raises(ParseError, match="before it starts"):
        TimeWindow(datetime(2016, 2, 7, tzinfo=UTC), datetime(2016, 2, 6, tzinfo=UTC))
