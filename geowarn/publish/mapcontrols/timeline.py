"""The timeline control: the event's windows as bars; clicking one dims the features it does not cover."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import branca.element

from geowarn.publish.mapcontrols.loader import js_json, load_template


class Timeline(branca.element.MacroElement):
    """A Leaflet control listing windows; a click highlights the features of ``targets`` whose windows overlap.

    Parameters
    ----------
    data
        ``{"title", "rows": [{"label", "w": [start_ms, end_ms]}], "tmin", "tmax", "more"}`` (``title``,
        ``more`` and row labels are HTML, already escaped, in every language as ``<span class="gw-t" lang>``;
        a row's tooltip is its label in the language the page shows).
    targets
        folium ``GeoJson`` layers whose features carry ``properties.windows`` (``[[start_ms, end_ms], ...]``)
        and ``properties.style`` (the opacities to restore).
    position
        A Leaflet control corner.
    """

    _template = load_template("timeline.js.j2")

    def __init__(
        self, data: dict[str, Any], targets: Sequence[branca.element.Element], position: str = "bottomleft"
    ) -> None:
        super().__init__()
        self._name = "GeowarnTimeline"
        self.data_json = js_json(data)
        self.target_names = ", ".join(t.get_name() for t in targets)
        self.position = position
