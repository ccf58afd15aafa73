"""The legend box of the event map (collapsible) and the banner of a cancelled or ended event."""

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
    summary_html
        The toggle that opens and folds the legend (HTML, already escaped).
    fold_below
        The legend starts folded when the map is at most this many CSS pixels wide (a phone).
    """

    _template = load_template("legend.js.j2")

    def __init__(
        self, html: str, position: str = "bottomright", summary_html: str = "Legend", fold_below: int = 600
    ) -> None:
        super().__init__()
        self._name = "GeowarnLegend"
        self.html_json = js_json(html)
        self.summary_json = js_json(summary_html)
        self.fold_below = int(fold_below)
        self.position = position


class Banner(branca.element.MacroElement):
    """A banner across the top right of the map (``Cancelled at 05:00 JST``), announced as a status.

    Parameters
    ----------
    html
        The banner's inner HTML; every value in it must already be HTML-escaped.
    state
        ``cancelled`` or ``ended`` (the CSS class ``gw-banner-<state>``).
    """

    _template = load_template("banner.js.j2")

    def __init__(self, html: str, state: str) -> None:
        super().__init__()
        if state not in ("cancelled", "ended"):
            raise ValueError(f"banner state must be cancelled or ended, not {state!r}")
        self._name = "GeowarnBanner"
        self.html_json = js_json(html)
        self.state = state
