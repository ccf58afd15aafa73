"""Place search over the shipped region and municipality names (en and ja): ``宮古島市`` / ``Miyakojima``.

The index is built once per layers directory from the admin layers
(:data:`PLACE_LAYERS`): every region's names in every language it has, its
layer, the page that judges it (a municipality's prefecture: zones are computed
on the alert layers, not on municipalities) and a point inside it
(:func:`shapely.point_on_surface`) for the point query.

>>> [p.id for p in search("宮古島")][:1], [p.id for p in search("miyakojima")][:1]
(['JPM-4721400'], ['JPM-4721400'])
>>> search("Okinawa")[0].id, search("Okinawa")[0].page
('JP-47', 'JP-47')
"""

from __future__ import annotations

import dataclasses
import unicodedata
from dataclasses import dataclass
from functools import cache

import shapely

from geowarn.errors import GeowarnError, InvalidParameter

#: Layers whose names are searched, in the order their hits are listed on a tie.
PLACE_LAYERS: tuple[str, ...] = ("jp-prefectures", "jp-municipalities", "admin1")
#: Words dropped from English names when matching (``Miyakojima City`` is found as ``Miyakojima``).
_SUFFIXES = (" city", " town", " village", " prefecture", " district", " ward")
MAX_QUERY = 100


@dataclass(frozen=True)
class Place:
    """One searchable place."""

    id: str
    name: str
    name_ja: str
    layer: str
    page: str  # the region id whose page (and zones) judge this place
    lon: float
    lat: float
    keys: tuple[str, ...]
    page_name: str = ""
    page_name_ja: str = ""


def fold(text: str) -> str:
    """Normalise text for matching: NFKC (full-width → half-width), case-folded, spaces squeezed.

    >>> fold("  Ｍｉｙａｋｏｊｉｍａ  City "), fold("宮古島市")
    ('miyakojima city', '宮古島市')
    """
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _keys(names: list[str]) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for n in names:
        k = fold(n)
        if not k:
            continue
        out[k] = None
        for suffix in _SUFFIXES:
            if k.endswith(suffix):
                out[k.removesuffix(suffix)] = None
    return tuple(out)


@cache
def index(layers_dir: str | None = None) -> tuple[Place, ...]:
    """Build the index of every place of :data:`PLACE_LAYERS` in ``layers_dir`` (missing layers are skipped)."""
    from geowarn.layers import load_layer

    places: list[Place] = []
    for layer_id in PLACE_LAYERS:
        try:
            layer = load_layer(layer_id, layers_dir)
        except GeowarnError:
            continue
        points = shapely.point_on_surface(layer.geometries)
        for region, point in zip(layer.regions, points, strict=True):
            names = [region.name, region.name_ja or "", *(region.names or {}).values()]
            page = region.parent if layer_id == "jp-municipalities" and region.parent else region.id
            places.append(
                Place(
                    region.id,
                    region.name,
                    region.name_ja or "",
                    layer_id,
                    page,
                    round(float(point.x), 5),
                    round(float(point.y), 5),
                    _keys(names),
                )
            )
    page_names = {p.id: (p.name, p.name_ja) for p in places}
    return tuple(
        dataclasses.replace(
            p, page_name=page_names.get(p.page, ("", ""))[0], page_name_ja=page_names.get(p.page, ("", ""))[1]
        )
        for p in places
    )


def search(query: str, limit: int = 10, layers_dir: str | None = None) -> list[Place]:
    """Find the places whose names match ``query``: exact names first, then prefixes, then substrings.

    Parameters
    ----------
    query
        A name in any language the layers have (``宮古島市``, ``Miyakojima``); width and case are ignored.
    limit
        At most this many places.
    layers_dir
        The layers directory (``None``: the shipped layers).

    Returns
    -------
    list of Place
        Best first; an empty or over-long query raises :class:`InvalidParameter`.
    """
    q = fold(query)
    if not q:
        raise InvalidParameter("q: give a place name (at least one character)", field="q")
    if len(q) > MAX_QUERY:
        raise InvalidParameter(f"q: at most {MAX_QUERY} characters", field="q")
    ranked: list[tuple[int, int, Place]] = []
    for order, place in enumerate(index(layers_dir)):
        rank = min(
            (0 if k == q else 1 if k.startswith(q) else 2 for k in place.keys if q in k),
            default=None,
        )
        if rank is not None:
            ranked.append((rank, order, place))
    ranked.sort(key=lambda t: (t[0], t[1]))
    return [p for _, _, p in ranked[:limit]]
