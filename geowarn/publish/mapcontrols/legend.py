"""The legend box of the event map: severities, phases, notes and sources (HTML built by the caller)."""

from __future__ import annotations

import branca.element

from geowarn.publish.mapcontrols.loader import js_json, load_template


class Legend(branca.element.MacroElement):
    """A Leaflet control showing ``html`` (already escaped) at ``position``; add it to a ``folium.Map``.

    Parameters
    ----------
    html
        The legend's inner HTML; every value in it must already be HTML-escaped.
    position
        A Leaflet control corner (``"bottomright"``, ``"topleft"``, ...).
    """

    _template = load_template("legend.js.j2")

    def __init__(self, html: str, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "GeowarnLegend"
        self.html_json = js_json(html)
        self.position = position
