"""The vendored JavaScript/CSS that maps use, referenced or inlined; never a CDN.

The files live in ``geowarn/publish/vendor/`` (package data: pinned npm packages with
their licences; see ``VERSIONS.md`` there). A page either links them under an
``asset_base`` URL (the web app serves this directory as ``/static/vendor``) or inlines them, with the
images the CSS refers to turned into ``data:`` URIs, so a standalone HTML file
works offline from ``file://``.

>>> [a.name for a in ASSETS]
['leaflet_css', 'leaflet', 'fullscreen_css', 'fullscreen']
>>> links("/static/vendor")[0]
'<link rel="stylesheet" href="/static/vendor/leaflet-1.9.4/leaflet.css"/>'
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from geowarn.errors import GeowarnError

#: Where the vendored files are: package data next to this module.
VENDOR_DIR = Path(__file__).resolve().parent / "vendor"


@dataclass(frozen=True)
class Asset:
    """One vendored file: ``kind`` is ``"js"`` or ``"css"``; ``path`` is relative to :data:`VENDOR_DIR`."""

    name: str
    kind: str
    path: str
    package: str


#: In load order (CSS first, then Leaflet, then plugins).
ASSETS: tuple[Asset, ...] = (
    Asset("leaflet_css", "css", "leaflet-1.9.4/leaflet.css", "leaflet@1.9.4"),
    Asset("leaflet", "js", "leaflet-1.9.4/leaflet.js", "leaflet@1.9.4"),
    Asset("fullscreen_css", "css", "leaflet.fullscreen-3.0.0/Control.FullScreen.css", "leaflet.fullscreen@3.0.0"),
    Asset("fullscreen", "js", "leaflet.fullscreen-3.0.0/Control.FullScreen.js", "leaflet.fullscreen@3.0.0"),
)

_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}
_URL = re.compile(r"url\(\s*(['\"]?)([^)'\"]+)\1\s*\)")
_SOURCEMAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)


def _read(path: str) -> str:
    file = VENDOR_DIR / path
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GeowarnError(f"vendored asset {path} is missing from {VENDOR_DIR}") from None


def _data_uris(css: str, base: Path) -> str:
    """Replace relative ``url(...)`` references with ``data:`` URIs of the vendored files."""

    def repl(match: re.Match[str]) -> str:
        ref = match.group(2)
        if ref.startswith(("data:", "#")):
            return match.group(0)
        file = (base / ref).resolve()
        mime = _MIME.get(file.suffix.lower())
        if mime is None or not file.is_file() or VENDOR_DIR not in file.parents:
            return "url(data:,)"
        return f"url(data:{mime};base64,{base64.b64encode(file.read_bytes()).decode('ascii')})"

    return _URL.sub(repl, css)


@cache
def inline_tag(asset: Asset) -> str:
    """Render the asset as an inline ``<style>`` or ``<script>`` element."""
    text = _SOURCEMAP.sub("", _read(asset.path))
    if "</script" in text.lower() or "</style" in text.lower():  # pragma: no cover - vendored files are checked
        raise GeowarnError(f"vendored asset {asset.path} cannot be inlined safely")
    if asset.kind == "css":
        return f"<style>{_data_uris(text, (VENDOR_DIR / asset.path).parent)}</style>"
    return f"<script>{text}</script>"


def link_tag(asset: Asset, asset_base: str) -> str:
    """Render the asset as a ``<link>`` or ``<script src>`` element under ``asset_base``."""
    url = html.escape(f"{asset_base.rstrip('/')}/{asset.path}", quote=True)
    if asset.kind == "css":
        return f'<link rel="stylesheet" href="{url}"/>'
    return f'<script src="{url}"></script>'


def links(asset_base: str | None) -> list[str]:
    """Every asset's tag: linked under ``asset_base``, or inlined when it is ``None``."""
    if asset_base is None:
        return [inline_tag(a) for a in ASSETS]
    if re.match(r"^[a-z][a-z0-9+.-]*:", asset_base, re.IGNORECASE) or asset_base.startswith("//"):
        raise GeowarnError(f"asset_base must be a path on this server, not {asset_base!r}")
    return [link_tag(a, asset_base) for a in ASSETS]
