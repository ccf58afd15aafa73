"""Map controls of the event map, folium-plugin style: ``MacroElement`` subclasses with jinja2 templates.

Each control lives in its own module and renders one template from ``templates/`` (package data):

- :class:`~geowarn.publish.mapcontrols.page.PageStyle`: the page's CSS and the load-time marker (header);
- :class:`~geowarn.publish.mapcontrols.legend.Legend`: the legend box (bottom right, folded on a phone);
- :class:`~geowarn.publish.mapcontrols.legend.Banner`: the banner of a cancelled or ended event;
- :class:`~geowarn.publish.mapcontrols.timeline.Timeline`: the windows, click one to highlight what it covers;
- :class:`~geowarn.publish.mapcontrols.ready.MapReady`: km scale, initial view and the ``data-geowarn-ready`` mark;
- :func:`~geowarn.publish.mapcontrols.features.bind_popups`: the GeoJSON ``onEachFeature`` that binds popups.

Values reach the templates already escaped: HTML through :func:`html.escape`, data through
:func:`~geowarn.publish.mapcontrols.loader.js_json`.
"""

from __future__ import annotations

from geowarn.publish.mapcontrols.features import bind_popups
from geowarn.publish.mapcontrols.legend import Banner, Legend
from geowarn.publish.mapcontrols.loader import js_json, load_template
from geowarn.publish.mapcontrols.page import PageStyle
from geowarn.publish.mapcontrols.ready import MapReady
from geowarn.publish.mapcontrols.timeline import Timeline

__all__ = ["Banner", "Legend", "MapReady", "PageStyle", "Timeline", "bind_popups", "js_json", "load_template"]
