"""Helpers shared by the web tests."""

from __future__ import annotations

from typing import Any


def corridor_fc(
    boxes: dict[str, tuple[float, float, float, float]],
    start: str = "2016-02-06T22:30:00Z",
    end: str = "2016-02-07T03:30:00Z",
) -> dict[str, Any]:
    """A corridor FeatureCollection of lon/lat boxes (an antimeridian box may have west > east)."""
    feats = []
    for cid, (w, s, e, n) in boxes.items():
        if w <= e:
            geom = {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}
        else:
            geom = {
                "type": "MultiPolygon",
                "coordinates": [
                    [[[w, s], [180, s], [180, n], [w, n], [w, s]]],
                    [[[-180, s], [e, s], [e, n], [-180, n], [-180, s]]],
                ],
            }
        feats.append(
            {
                "type": "Feature",
                "geometry": geom,
                "properties": {"id": cid, "phase": "stage1", "window_start": start, "window_end": end},
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def wait_rendered(client: Any, *, deadline_s: float = 120.0) -> dict[str, Any]:
    """Poll ``/healthz`` until no render of a current version is ``pending`` (issue 16); return its ``renders``.

    The web process renders the published files in the background after a write answers; this
    waits for them the way an operator's client would. ``deadline_s`` only bounds a hang.
    """
    import time

    end = time.monotonic() + deadline_s
    while True:
        renders: dict[str, Any] = client.get("/healthz").get_json()["renders"]
        if renders["pending"] == 0:
            return renders
        if time.monotonic() > end:
            raise AssertionError(f"renders still pending after {deadline_s:g} s: {renders}")
        time.sleep(0.02)
