"""How the event's GeoJSON features get their popups and tooltips (``properties.popup`` / ``tip``, escaped HTML)."""

from __future__ import annotations

import folium

from geowarn.publish.mapcontrols.loader import load_template


def bind_popups(max_width: int = 340) -> folium.JsCode:
    """Return the ``onEachFeature`` function for ``folium.GeoJson``: popup from ``popup``, sticky tooltip from ``tip``.

    >>> "bindPopup(p.popup, {maxWidth: 340})" in bind_popups().js_code
    True
    """
    return folium.JsCode(load_template("bind_popups.js.j2").render(max_width=int(max_width)).strip())
