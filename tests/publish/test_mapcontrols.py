"""The map controls render their templates into the page's script and head, values JSON-escaped."""

from __future__ import annotations

import folium
import pytest

from geowarn.publish.mapcontrols import Legend, MapReady, PageStyle, Timeline


def test_controls_render_into_the_map_script() -> None:
    data = {"title": "</script>", "rows": [{"label": "x", "w": [0, 1]}], "tmin": 0, "tmax": 1, "more": ""}
    fmap = folium.Map(location=None, tiles=None)
    layer = folium.GeoJson({"type": "FeatureCollection", "features": []}).add_to(fmap)
    fmap.add_child(Timeline(data, [layer]))
    fmap.add_child(Legend("<b>legend</b>", position="topright"))
    fmap.add_child(MapReady([[1.0, 2.0], [3.0, 4.0]]))
    fmap.add_child(PageStyle("#d5e8f5"))
    page = fmap.get_root().render()
    head, body = page.split("</head>", 1)
    assert f"var map = {fmap.get_name()}, data = " in body and f"targets = [{layer.get_name()}]" in body
    assert '</script>"' not in page and "\\u003c/script\\u003e" in body  # data JSON-escaped
    assert "'topright'" in body and "\\u003cb\\u003elegend" in body
    assert "map.fitBounds([[1.0, 2.0], [3.0, 4.0]], {animate: false})" in body
    assert ".leaflet-container { background: #d5e8f5; }" in head and "window.geowarnTimings = {leaflet" in head
    # the legend comes before the ready mark: tests wait for the mark, then read the legend
    assert body.index("gw-legend leaflet-bar") < body.index("data-geowarn-ready")


def test_page_style_takes_only_a_colour() -> None:
    with pytest.raises(ValueError, match="hex colour"):
        PageStyle("red;} body { display: none")
