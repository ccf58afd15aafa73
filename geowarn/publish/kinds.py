"""The kinds of published files of an event version: one table used by the service, the routes and the OpenAPI.

Each :class:`ArtifactKind` says how a kind is rendered, its media type, the URL
of the current version (``path``, ``{id}`` = event id), the download name and
whether immutable per-version copies are served at ``/events/{id}/v{n}.{suffix}``.

>>> [k.kind for k in KINDS]
['geojson', 'cap', 'kml', 'map']
>>> BY_KIND["cap"].url("ev-1"), BY_KIND["cap"].download_name("ev-1"), BY_KIND["cap"].version_url("ev-1", 2)
('/alerts/ev-1.cap', 'ev-1.cap.xml', '/events/ev-1/v2.cap')
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from geowarn.model import AlertZone, Event, EventStatus
from geowarn.publish import cap, kml, maps
from geowarn.publish.geojson import MEDIA_TYPE as GEOJSON_MEDIA_TYPE
from geowarn.publish.geojson import dumps, feature_collection
from geowarn.settings import CapIdentity


@dataclass(frozen=True)
class RenderInput:
    """What a renderer gets: the event version, its zones and the publishing settings."""

    event: Event
    zones: Sequence[AlertZone]
    references: Sequence[str] = ()
    asset_base: str | None = "/static/vendor"
    tile_url: str | None = None
    tile_attribution: str = ""
    cap: CapIdentity | None = None
    #: When the event is over (not cancelled) at the time of reading: the map is drawn as ended (#13).
    ended_at: datetime | None = None
    #: The reader's language of a :attr:`ArtifactKind.localised` kind (``None``: the region's, as stored).
    lang: str | None = None


Renderer = Callable[[RenderInput], bytes]


@dataclass(frozen=True)
class ArtifactKind:
    """One kind of published file."""

    kind: str
    media_type: str
    path: str  # URL of the current version, "{id}" = the event id
    download: str  # download name, "{id}" = the event id
    summary: str
    render: Renderer
    suffix: str = ""  # suffix of the immutable per-version URL; "" = no per-version URL
    file_route: bool = True  # served by the published-file routes (else by an HTML page route)
    #: One language per file: stored in the region's, rendered in the reader's on request (``?lang=``, #13).
    localised: bool = False

    def url(self, event_id: str) -> str:
        """Return the path of the current version of this file."""
        return self.path.format(id=event_id)

    def download_name(self, event_id: str, version: int | None = None) -> str:
        """Return the ``Content-Disposition`` file name (``ID-vN.SUFFIX`` for a per-version copy)."""
        if version is not None:
            return f"{event_id}-v{version}.{self.suffix}"
        return self.download.format(id=event_id)

    def version_url(self, event_id: str, version: int) -> str:
        """Return the path of the immutable copy of version ``version``."""
        return f"/events/{event_id}/v{version}.{self.suffix}"


def event_geojson(event: Event, zones: Sequence[AlertZone]) -> bytes:
    """Build the published GeoJSON of an event version: its corridors then its alert zones."""
    feats = []
    for c in event.corridors:
        f = c.to_feature()
        f["properties"]["feature_type"] = "corridor"
        feats.append(f)
    for z in zones:
        f = z.to_feature()
        f["properties"]["feature_type"] = "alert-zone"
        feats.append(f)
    fc = feature_collection(feats, event=event.to_json())
    return dumps(fc).encode("utf-8")


def _geojson(inp: RenderInput) -> bytes:
    return event_geojson(inp.event, inp.zones)


def _cap(inp: RenderInput) -> bytes:
    event = inp.event
    msg_type = "Cancel" if event.status == EventStatus.CANCELLED else ("Alert" if event.version == 1 else "Update")
    return cap.build_cap(
        event,
        inp.zones,
        msg_type=msg_type if inp.references else "Alert",
        references=list(inp.references),
        identifier=f"geowarn-{event.id}-v{event.version}",
        sent=event.updated,
        identity=inp.cap,
    )


def _kml(inp: RenderInput) -> bytes:
    return kml.build_kml(inp.event.corridors, inp.zones, name=inp.event.name, lang=inp.lang)


def _map(inp: RenderInput) -> bytes:
    """Render the map page: every language in the file, the event region's shown unless the reader asks (#13)."""
    from geowarn.publish.commands import reference_layers

    html = maps.render_event_map(
        inp.event,
        inp.zones,
        layers=reference_layers([], inp.zones),  # land as the offline base map, the layers hit outlined
        asset_base=inp.asset_base,
        tile_url=inp.tile_url,
        tile_attribution=inp.tile_attribution,
        lang=kml.default_language(inp.zones),
        ended_at=inp.ended_at,
    )
    return html.encode("utf-8")


KINDS: tuple[ArtifactKind, ...] = (
    ArtifactKind(
        "geojson",
        GEOJSON_MEDIA_TYPE,
        "/events/{id}.geojson",
        "{id}.geojson",
        "Published GeoJSON (corridors + zones)",
        _geojson,
        suffix="geojson",
    ),
    ArtifactKind(
        "cap",
        "application/cap+xml",
        "/alerts/{id}.cap",
        "{id}.cap.xml",
        "CAP 1.2 message of the current version",
        _cap,
        suffix="cap",
    ),
    ArtifactKind(
        "kml",
        "application/vnd.google-earth.kml+xml",
        "/events/{id}.kml",
        "{id}.kml",
        "Published KML (in the reader's language: lang, then Accept-Language, else the region's)",
        _kml,
        suffix="kml",
        localised=True,
    ),
    ArtifactKind(
        "map",
        "text/html; charset=utf-8",
        "/events/{id}/map",
        "{id}.html",
        "Map of the event (HTML)",
        _map,
        file_route=False,
    ),
)
BY_KIND = {k.kind: k for k in KINDS}
#: The kinds served by the published-file routes (current and per-version).
FILE_KINDS = tuple(k for k in KINDS if k.file_route)
