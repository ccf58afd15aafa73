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
