"""The event map's stylesheet (legend, timeline, popups, sea colour) and its Leaflet load-time marker."""

from __future__ import annotations

import re

import branca.element

from geowarn.publish.mapcontrols.loader import load_template

_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")


class PageStyle(branca.element.MacroElement):
    """The ``<style>`` of the map's controls and ``window.geowarnTimings.leaflet``, put in the page head.

    Parameters
    ----------
    sea_color
        The map background (``#rrggbb``), seen wherever no land is drawn.
    """

    _template = load_template("page.html.j2")

    def __init__(self, sea_color: str) -> None:
        super().__init__()
        if not _COLOR.fullmatch(sea_color):
            raise ValueError(f"sea_color must be a hex colour, not {sea_color!r}")
        self._name = "GeowarnPageStyle"
        self.sea_color = sea_color
