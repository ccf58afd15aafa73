"""The event map's stylesheet (legend, timeline, popups, sea colour) and its Leaflet load-time marker."""

from __future__ import annotations

import re

import branca.element

from geowarn.i18n import DEFAULT_LANGUAGE, LANGUAGES
from geowarn.publish.mapcontrols.loader import js_json, load_template

_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")


class PageStyle(branca.element.MacroElement):
    """The ``<style>`` of the map's controls and ``window.geowarnTimings.leaflet``, put in the page head.

    Parameters
    ----------
    sea_color
        The map background (``#rrggbb``), seen wherever no land is drawn.
    lang
        The language shown when neither the page's ``?lang=`` nor the browser's languages name one of
        :data:`geowarn.i18n.LANGUAGES`. Texts carry every language as ``<span class="gw-t" lang>``; a
        script in the head sets ``<html data-gw-lang>`` and the stylesheet shows only that language.
    """

    _template = load_template("page.html.j2")

    def __init__(self, sea_color: str, lang: str = DEFAULT_LANGUAGE) -> None:
        super().__init__()
        if not _COLOR.fullmatch(sea_color):
            raise ValueError(f"sea_color must be a hex colour, not {sea_color!r}")
        if lang not in LANGUAGES:
            raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
        self._name = "GeowarnPageStyle"
        self.sea_color = sea_color
        self.lang_json = js_json(lang)
        self.languages_json = js_json(list(LANGUAGES))
        self.languages = LANGUAGES
