"""The last step of the event map: km scale, initial view, and the marks tests and benchmarks wait for."""

from __future__ import annotations

import branca.element

from geowarn.publish.mapcontrols.loader import js_json, load_template


class MapReady(branca.element.MacroElement):
    """Add a metric scale, fit ``bounds`` and mark the map ready; add it to a ``folium.Map`` after every layer.

    The map container gets ``data-geowarn-ready="1"``; ``window.geowarnTimings`` gets ``layersAdded``
    and, one frame later, ``drawn`` (``performance.now()`` values).

    Parameters
    ----------
    bounds
        ``[[south, west], [north, east]]`` in degrees (Leaflet order).
    """

    _template = load_template("ready.js.j2")

    def __init__(self, bounds: list[list[float]]) -> None:
        super().__init__()
        self._name = "GeowarnMapReady"
        self.bounds_json = js_json(bounds)
