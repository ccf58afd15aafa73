"""The demo events that ``geowarn demo`` (and ``make run``) load into the store.

1. ``kwangmyongsong-4-2016``: the 7 February 2016 launch from Sohae, version 1
   from the NAVAREA XI 0123/16 text (three drop areas), version 2 adding an
   overflight corridor along the southbound track past the Sakishima Islands
   (Okinawa), so the event page shows a history of updates.
2. ``chollima-1-2023``: the 2023 Chollima-1 launch profile (geowarn's profile
   format: SSW leg, dog-leg to SSE between Okinawa Main Island and Miyako).

Loading is idempotent: events that already exist are left alone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources

from shapely.geometry import LineString

from geowarn.geodesy import densify, geodesic_buffer
from geowarn.model import Corridor, Phase, RawInput, TimeWindow
from geowarn.service import EventResult, Options, event_from_input, submit_event, update_event
from geowarn.store import Store

KMS4_ID = "kwangmyongsong-4-2016"
CHOLLIMA_ID = "chollima-1-2023"


def demo_text(name: str) -> str:
    """Return a demo input shipped in ``geowarn/data/demo``."""
    return resources.files("geowarn").joinpath("data", "demo", name).read_text(encoding="utf-8")


def kms4_windows() -> tuple[TimeWindow, ...]:
    """Return the notified window 06 Feb 22:30Z – 07 Feb 03:30Z and its daily alternates through 13 Feb.

    >>> w = kms4_windows()
    >>> len(w), w[0].start.isoformat(), w[-1].end.isoformat()
    (8, '2016-02-06T22:30:00+00:00', '2016-02-14T03:30:00+00:00')
    """
    first = datetime(2016, 2, 6, 22, 30, tzinfo=UTC)
    return tuple(TimeWindow(first + timedelta(days=d), first + timedelta(days=d, hours=5)) for d in range(8))


def sakishima_overflight(half_width_km: float = 50.0) -> Corridor:
    """Return the overflight corridor of the 2016 track from the fairing area to the stage-2 area.

    The ground track ran due south (≈180°) from Sohae; between the fairing box
    (≈32.8 N 124.7 E) and the stage-2 box (≈18.4 N 124.3 E) it crossed the
    Sakishima Islands. The corridor is a geodesic buffer of that track segment.

    >>> c = sakishima_overflight()
    >>> c.phase, c.geometry.contains(LineString([(124.6, 24.5), (124.5, 24.0)]))
    (<Phase.OVERFLIGHT: 'overflight'>, True)
    """
    track = densify(LineString([(124.67, 32.3), (124.35, 19.75)]), 20_000.0)
    geom = geodesic_buffer(track, half_width_km * 1000.0)
    return Corridor(
        id="kms4-overflight-sakishima",
        geometry=geom,
        phase=Phase.OVERFLIGHT,
        label=f"Overflight corridor (±{half_width_km:g} km of the ground track), Sakishima Islands",
        windows=kms4_windows(),
        source="geowarn demo: ground track between NAVAREA XI 0123/16 areas B and C",
        raw="track 32.3N 124.67E – 19.75N 124.35E, half-width 50 km",
    )


def load_demo(store: Store, *, options: Options | None = None) -> list[EventResult]:
    """Load the demo events that are missing; return what was written."""
    results: list[EventResult] = []
    if not store.event_exists(KMS4_ID):
        text = demo_text("navarea-xi-2016-kms4.txt")
        event = event_from_input(
            text,
            format="auto",
            filename="navarea-xi-2016-kms4.txt",
            name="Kwangmyongsong-4 satellite launch, February 2016",
            event_id=KMS4_ID,
        )
        results.append(submit_event(store, event, options=options, note="NAVAREA XI 0123/16"))
        overflight = sakishima_overflight()
        results.append(
            update_event(
                store,
                KMS4_ID,
                add_corridors=[overflight],
                inputs=[RawInput(format="demo", text=overflight.raw, name="overflight corridor")],
                note="overflight corridor over the Sakishima Islands added",
                options=options,
            )
        )
    if not store.event_exists(CHOLLIMA_ID):
        event = event_from_input(
            demo_text("profile-2023-chollima.toml"),
            format="profile",
            filename="profile-2023-chollima.toml",
            name="Chollima-1 satellite launch, November 2023 (profile)",
            event_id=CHOLLIMA_ID,
        )
        results.append(submit_event(store, event, options=options, note="launch profile"))
    return results
