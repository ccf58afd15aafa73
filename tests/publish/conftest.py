"""Fixtures for the publishers: the 2016 demo event (docs/DESIGN.md §4) and hand-built alert zones.

The zones are built here from the published boxes and rough Sakishima island
outlines (not from the engine), so publishing is tested on known geometry.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon

from geowarn.geodesy import NM, densify, geodesic_area_km2, geodesic_buffer
from geowarn.model import (
    AlertZone,
    Certainty,
    Corridor,
    Event,
    Phase,
    RegionKind,
    ResponseType,
    Severity,
    TimeWindow,
    Urgency,
)

XSS = "<img src=x onerror=alert(1)>"


def dm(deg: int, minutes: int) -> float:
    return deg + minutes / 60.0


def box_from_corners(corners: list[tuple[float, float]]) -> Polygon:
    """(lat, lon) corners as published (NW, NE, SW, SE) → a valid polygon (convex hull)."""
    hull = shapely.MultiPoint([(lon, lat) for lat, lon in corners]).convex_hull
    assert isinstance(hull, Polygon)
    return shapely.orient_polygons(hull)


def kms4_windows() -> tuple[TimeWindow, ...]:
    first = datetime(2016, 2, 6, 22, 30, tzinfo=UTC)
    return tuple(TimeWindow(first + timedelta(days=d), first + timedelta(days=d, hours=5)) for d in range(8))


STAGE1 = box_from_corners(
    [(dm(36, 4), dm(124, 30)), (dm(36, 4), dm(124, 54)), (dm(35, 19), dm(124, 30)), (dm(35, 19), dm(124, 54))]
)
FAIRING = box_from_corners(
    [(dm(33, 16), dm(124, 11)), (dm(33, 16), dm(125, 9)), (dm(32, 22), dm(124, 11)), (dm(32, 21), dm(125, 8))]
)
STAGE2 = box_from_corners(
    [(dm(19, 44), dm(123, 53)), (dm(19, 43), dm(124, 51)), (dm(17, 1), dm(123, 52)), (dm(17, 0), dm(124, 48))]
)

#: Rough outlines of Sakishima islands (lon/lat): Ishigaki, Tarama, Miyako, Iriomote.
ISLANDS = MultiPolygon(
    [
        Polygon([(124.08, 24.33), (124.33, 24.36), (124.32, 24.60), (124.12, 24.52)]),
        Polygon([(124.68, 24.64), (124.73, 24.64), (124.73, 24.68), (124.68, 24.68)]),
        Polygon([(125.24, 24.72), (125.47, 24.70), (125.45, 24.94), (125.26, 24.90)]),
        Polygon([(123.67, 24.25), (123.95, 24.20), (123.94, 24.43), (123.70, 24.42)]),
    ]
)


def overflight_geometry() -> Polygon:
    track = densify(LineString([(124.67, 32.3), (124.35, 19.75)]), 20_000.0)
    geom = geodesic_buffer(track, 50_000.0)
    assert isinstance(geom, Polygon)
    return geom


def demo_corridors(label1: str = "Area A: first stage") -> list[Corridor]:
    w = kms4_windows()
    src = "NAVAREA XI 0123/16"
    return [
        Corridor("kms4-a", STAGE1, Phase.STAGE1, label1, w, src, "A. 36-04N 124-30E ...", "kms4"),
        Corridor("kms4-b", FAIRING, Phase.FAIRING, "Area B: fairing", w, src, "B. 33-16N 124-11E ...", "kms4"),
        Corridor("kms4-c", STAGE2, Phase.STAGE2, "Area C: second stage", w, src, "C. 19-44N 123-53E ...", "kms4"),
        Corridor(
            "kms4-overflight", overflight_geometry(), Phase.OVERFLIGHT, "Overflight: Sakishima", w, "track", "", "kms4"
        ),
    ]


def _zone(zid, corridor, layer, region_id, name, name_ja, kind, geom, sev, urg, resp, distance=0.0) -> AlertZone:
    area = geodesic_area_km2(geom) if geom is not None else 0.0
    return AlertZone(
        id=zid,
        event_id="kms4",
        corridor_id=corridor.id,
        phase=corridor.phase,
        layer=layer,
        region_id=region_id,
        region_name=name,
        region_name_ja=name_ja,
        region_kind=kind,
        geometry=geom,
        area_km2=area,
        region_fraction=0.01,
        corridor_fraction=area / geodesic_area_km2(corridor.geometry),
        distance_km=distance,
        severity=sev,
        urgency=urg,
        certainty=Certainty.LIKELY,
        response=resp,
        windows=corridor.windows,
    )


def demo_zones(corridors: list[Corridor]) -> list[AlertZone]:
    a, b, c, ov = corridors
    okinawa = ov.geometry.intersection(ISLANDS)
    ts = geodesic_buffer(ISLANDS, 12 * NM).intersection(ov.geometry).difference(ISLANDS)
    return [
        _zone(
            "z-ok",
            ov,
            "jp-prefectures",
            "JP-47",
            "Okinawa",
            "沖縄県",
            RegionKind.ADMIN,
            okinawa,
            Severity.SEVERE,
            Urgency.EXPECTED,
            ResponseType.SHELTER,
        ),
        _zone(
            "z-ts",
            ov,
            "territorial-seas",
            "TS-JP-47",
            "Okinawa territorial sea",
            "沖縄県の領海",
            RegionKind.TERRITORIAL_SEA,
            ts,
            Severity.SEVERE,
            Urgency.EXPECTED,
            ResponseType.AVOID,
        ),
        _zone(
            "z-ys",
            a,
            "seas",
            "SEA-yellow-sea",
            "Yellow Sea",
            "黄海",
            RegionKind.SEA,
            STAGE1,
            Severity.SEVERE,
            Urgency.EXPECTED,
            ResponseType.AVOID,
        ),
        _zone(
            "z-ecs",
            b,
            "seas",
            "SEA-east-china-sea",
            "East China Sea",
            "東シナ海",
            RegionKind.SEA,
            FAIRING,
            Severity.MODERATE,
            Urgency.EXPECTED,
            ResponseType.AVOID,
        ),
        _zone(
            "z-ps",
            c,
            "seas",
            "SEA-philippine-sea",
            "Philippine Sea",
            "フィリピン海",
            RegionKind.SEA,
            STAGE2,
            Severity.MODERATE,
            Urgency.EXPECTED,
            ResponseType.AVOID,
        ),
        _zone(
            "z-jeju",
            b,
            "admin1",
            "KR-49",
            "Jeju",
            "済州特別自治道",
            RegionKind.ADMIN,
            None,
            Severity.MINOR,
            Urgency.EXPECTED,
            ResponseType.MONITOR,
            distance=20.0,
        ),
    ]


def demo_event(label1: str = "Area A: first stage") -> tuple[Event, list[AlertZone]]:
    corridors = demo_corridors(label1)
    t = datetime(2016, 2, 2, 12, 0, tzinfo=UTC)
    event = Event(id="kms4", name="Kwangmyongsong-4 launch, February 2016", created=t, updated=t, corridors=corridors)
    return event, demo_zones(corridors)


@pytest.fixture(scope="session")
def demo() -> tuple[Event, list[AlertZone]]:
    return demo_event()


@pytest.fixture(scope="session")
def xss_demo() -> tuple[Event, list[AlertZone]]:
    return demo_event(label1=XSS)


@pytest.fixture(scope="session")
def real_demo() -> tuple[Event, list[AlertZone]]:
    """The 2016 demo corridors through the real engine and the shipped layers (skipped until they exist)."""
    layers_mod = pytest.importorskip("geowarn.layers")
    zones_mod = pytest.importorskip("geowarn.zones")
    event, _ = demo_event(label1=XSS)
    zones = zones_mod.compute_zones(event.corridors, layers_mod.load_layers(), event_id=event.id)
    return event, zones
