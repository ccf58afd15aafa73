"""The ``geowarn`` command line: thin wrappers that parse arguments, call the library and print.

Data goes to stdout (or ``-o FILE``), logs to stderr. A :class:`GeowarnError`
becomes one line on stderr and exit status 1; usage errors exit 2 (click).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from geowarn.errors import GeowarnError, InvalidParameter
from geowarn.i18n import LANGUAGES
from geowarn.jsondepth import check_depth
from geowarn.settings import Settings

# --------------------------------------------------------------------------- shared helpers


class GeowarnGroup(click.Group):
    """A group whose commands turn a :class:`GeowarnError` into a one-line ``click.ClickException`` (exit 1).

    Its sub-groups are ``GeowarnGroup`` too (``group_class = type``).
    """

    group_class = type

    def invoke(self, ctx: click.Context) -> Any:
        """Invoke the command, turning a :class:`GeowarnError` into a one-line user error (exit 1)."""
        try:
            return super().invoke(ctx)
        except GeowarnError as exc:
            raise click.ClickException(str(exc)) from None


class FormatChoice(click.Choice):
    """The ``--format`` choice: ``auto`` and :data:`geowarn.sources.FORMATS`; an unknown one is a one-line error.

    The formats are read from :mod:`geowarn.sources` on first use: that package compiles its
    readers' regular expressions on import, which ``geowarn zones`` and the other commands that
    read no notices need not pay for (start-up, issue 16).
    """

    def __init__(self) -> None:
        super().__init__((), case_sensitive=True)

    @property
    def choices(self) -> tuple[str, ...]:
        """Return ``auto`` and the formats of :mod:`geowarn.sources`."""
        from geowarn.sources import FORMATS

        return ("auto", *FORMATS)

    @choices.setter
    def choices(self, _value: Any) -> None:
        """Ignore ``click.Choice.__init__``'s assignment (the formats come from :mod:`geowarn.sources`)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Return ``value`` if it is a known format; a one-line user error otherwise."""
        if value not in self.choices:
            raise click.ClickException(f"--format: unknown format {value!r} ({', '.join(map(str, self.choices))})")
        return super().convert(value, param, ctx)


def settings() -> Settings:
    """Return the settings the ``geowarn`` group built (``ctx.obj``); outside a command, the environment's."""
    ctx = click.get_current_context(silent=True)
    found = ctx.find_object(Settings) if ctx is not None else None
    return found if found is not None else Settings.from_env()


def read_text(path: str) -> str:
    """Read a UTF-8 text file, or stdin for ``-``."""
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidParameter(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InvalidParameter(f"{path}: not UTF-8 text (byte {exc.start})") from None


def read_json(path: str) -> Any:
    """Read a JSON file (or stdin), naming the line and column of a syntax error."""
    from geowarn.errors import ParseError

    text = read_text(path)
    check_depth(text)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"{path}: invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None


def write_output(text: str, output: str | None) -> None:
    """Write ``text`` to ``output`` (atomically: a failed write leaves the old file) or stdout.

    An existing target that is not a regular file (``/dev/null``, a FIFO, a terminal) is written
    in place: replacing it would put a regular file where the device was (as root, for everyone).
    """
    if output is None or output == "-":
        click.echo(text)
        return
    target = Path(output)
    body = text + ("" if text.endswith("\n") else "\n")
    if target.exists() and not target.is_file():
        try:
            with target.open("w", encoding="utf-8") as f:
                f.write(body)
        except OSError as exc:
            raise InvalidParameter(f"cannot write {output}: {exc.strerror}") from None
        return
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidParameter(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"wrote {output}", err=True)


def parse_pair(value: str, what: str) -> tuple[float, float]:
    """Parse ``"A,B"`` into two floats, naming the option on error."""
    parts = value.split(",")
    if len(parts) != 2:
        raise InvalidParameter(f"{what}: expected two comma-separated numbers, got {value!r}")
    try:
        a, b = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter(f"{what}: {value!r} is not two numbers") from None
    return a, b


# --------------------------------------------------------------------------- the group


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: print the version (looked up only here, see :mod:`geowarn`) and exit."""
    if not value or ctx.resilient_parsing:
        return
    from geowarn import __version__

    click.echo(f"geowarn, version {__version__}")
    ctx.exit()


@click.group(cls=GeowarnGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Show the version and exit.",
)
@click.pass_context
def main(ctx: click.Context) -> None:
    """geowarn: fall corridors of rockets and space debris → alert zones, maps, CAP, alerts.

    Settings come from the GEOWARN_* environment variables (README §Configuration).
    """
    if not isinstance(ctx.obj, Settings):
        ctx.obj = Settings.from_env()


@main.group()
def corridor() -> None:
    """Build corridors from parameters (ellipse, launch profile, re-entry)."""


@corridor.command("ellipse")
@click.option("--center", required=True, metavar="LAT,LON", help="Centre, decimal degrees (lat,lon).")
@click.option("--axes-km", required=True, metavar="MAJOR,MINOR", help="Full axis lengths in km.")
@click.option("--azimuth", default=0.0, show_default=True, type=float, help="Major-axis direction, degrees true.")
@click.option("--phase", default="other", show_default=True, help="stage1|fairing|stage2|stage3|reentry|…")
@click.option("--label", default="", help="A label for the corridor.")
@click.option("-o", "--output", default=None, help="Output file (default stdout).")
def corridor_ellipse(center: str, axes_km: str, azimuth: float, phase: str, label: str, output: str | None) -> None:
    """Compute a geodesic ellipse corridor (e.g. a 3-sigma drop zone) as RFC 7946 GeoJSON."""
    from geowarn.geodesy import geodesic_ellipse
    from geowarn.model import Corridor, Phase
    from geowarn.publish.geojson import dumps, feature_collection

    lat, lon = parse_pair(center, "--center")
    if not -90 <= lat <= 90:
        raise InvalidParameter(f"--center: latitude {lat} is out of range [-90, 90]")
    if not -180 <= lon <= 180:
        raise InvalidParameter(f"--center: longitude {lon} is out of range [-180, 180]")
    major, minor = parse_pair(axes_km, "--axes-km")
    if major <= 0 or minor <= 0:
        raise InvalidParameter(f"--axes-km: axes must be positive, got {axes_km!r}")
    if minor > major:
        raise InvalidParameter(f"--axes-km: the minor axis {minor} exceeds the major axis {major}")
    try:
        ph = Phase(phase.lower())
    except ValueError:
        raise InvalidParameter(f"--phase: unknown phase {phase!r} ({', '.join(p.value for p in Phase)})") from None
    geom = geodesic_ellipse((lat, lon), major * 500.0, minor * 500.0, azimuth)
    c = Corridor(
        id="ellipse-1",
        geometry=geom,
        phase=ph,
        label=label or f"ellipse {major:g}×{minor:g} km at {lat:g},{lon:g}",
        source="geowarn corridor ellipse",
        raw=f"--center {center} --axes-km {axes_km} --azimuth {azimuth:g}",
    )
    write_output(dumps(feature_collection([c.to_feature()])), output)


def _write_corridors(corridors: Any, meta: dict[str, Any], fmt: str, output: str | None) -> None:
    from geowarn.publish.geojson import dumps, feature_collection

    fc = feature_collection([c.to_feature() for c in corridors], geowarn={"format": fmt, "meta": meta})
    write_output(dumps(fc), output)


def _read_bytes(path: str) -> bytes:
    from geowarn.sources.files import MAX_FILE_BYTES

    if path == "-":
        data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    else:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError:
            raise InvalidParameter(f"{path}: no such file") from None
        except OSError as exc:
            raise InvalidParameter(f"{path}: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        from geowarn.errors import PayloadTooLarge

        raise PayloadTooLarge(f"{path}: larger than {MAX_FILE_BYTES // 1_000_000} MB")
    return data


@main.command("parse")
@click.argument("file")
@click.option(
    "--format",
    "fmt",
    type=FormatChoice(),
    default="auto",
    show_default=True,
    help="Input format (auto: detected from the content and the file name).",
)
@click.option("--issued", default=None, metavar="ISO", help="Issue date for windows written without month/year.")
@click.option("-o", "--output", default=None, help="Output file (default stdout).")
def parse_cmd(file: str, fmt: str, issued: str | None, output: str | None) -> None:
    """Read a warning, NOTAM, notice, profile or GIS file (FILE or - for stdin) into corridors."""
    from geowarn.model import parse_time
    from geowarn.sources import detect_format, parse

    data = _read_bytes(file)
    name = None if file == "-" else Path(file).name
    if fmt == "auto":
        fmt = detect_format(data, name)
        click.echo(f"detected format: {fmt}", err=True)
    out = parse(data, fmt, name=name, issued=parse_time(issued, field_name="--issued"))
    click.echo(f"{len(out.corridors)} corridor(s)", err=True)
    for w in out.warnings:  # seen in the text but used by no corridor: the operator must look
        click.echo(f"warning: {w}", err=True)
    _write_corridors(out.corridors, out.meta, out.format, output)


@corridor.command("profile")
@click.argument("profile")
@click.option("-o", "--output", default=None, help="Output file (default stdout).")
def corridor_profile(profile: str, output: str | None) -> None:
    """Drop-zone ellipses and the overflight swath of a launch profile (TOML, see README)."""
    from geowarn.sources.profile import parse_profile

    out = parse_profile(read_text(profile))
    _write_corridors(out.corridors, out.meta, out.format, output)


@corridor.command("reentry")
@click.option("--tle", "tle_file", required=True, help="TLE (2 or 3 lines) or OMM (JSON/XML) file, or -.")
@click.option("--epoch", default=None, metavar="ISO", help="Predicted decay epoch (UTC); or from --tip.")
@click.option("--window-min", default=None, type=float, help="± window around the epoch, minutes; or from --tip.")
@click.option("--swath-km", default=100.0, show_default=True, type=float, help="Half-width of the debris swath.")
@click.option("--tip", "tip_file", default=None, help="TIP-style JSON with DECAY_EPOCH and WINDOW.")
@click.option("-o", "--output", default=None, help="Output file (default stdout).")
def corridor_reentry(
    tle_file: str,
    epoch: str | None,
    window_min: float | None,
    swath_km: float,
    tip_file: str | None,
    output: str | None,
) -> None:
    """Compute the ground-track swath swept during a re-entry window (SGP4 from a TLE)."""
    from geowarn.model import parse_time
    from geowarn.sources.reentry import reentry_corridor

    tip = read_json(tip_file) if tip_file else None
    out = reentry_corridor(
        read_text(tle_file),
        epoch=parse_time(epoch, field_name="--epoch"),
        window_min=window_min,
        swath_km=swath_km,
        tip=tip,
    )
    _write_corridors(out.corridors, out.meta, out.format, output)


@main.command("zones")
@click.argument("corridors_file", metavar="CORRIDORS.geojson")
@click.option("--layer", "layer_ids", multiple=True, metavar="ID", help="Reference layer (repeatable; default: all).")
@click.option("--margin-km", default=25.0, show_default=True, type=float, help="Proximity zones within this distance.")
@click.option("--now", default=None, metavar="ISO", help="Judge urgency at this UTC time (default: now).")
@click.option("--event-id", default=None, help="Event id for the zone ids (default: each corridor's).")
@click.option("-o", "--output", default=None, help="Output file (default stdout).")
def zones_cmd(
    corridors_file: str,
    layer_ids: tuple[str, ...],
    margin_km: float,
    now: str | None,
    event_id: str | None,
    output: str | None,
) -> None:
    """Alert zones of corridors over the reference layers, as RFC 7946 GeoJSON (most severe first)."""
    from concurrent.futures import ThreadPoolExecutor

    from geowarn.layers import load_layers

    if not margin_km >= 0:
        raise InvalidParameter(f"--margin-km: expected a non-negative number of km, got {margin_km:g}")
    # the layers are read (gzip and shapely release the GIL) while the engine's modules are imported
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="geowarn-load") as pool:
        pending = pool.submit(load_layers, list(layer_ids) or None, layers_dir=settings().layers_dir)
        from geowarn.model import corridors_from_collection, parse_time
        from geowarn.publish.geojson import dumps, feature_collection
        from geowarn.zones import compute_zones

        when = parse_time(now, field_name="--now")
        corridors = corridors_from_collection(read_json(corridors_file))
        layers = pending.result()
    zones = compute_zones(corridors, layers, margin_km=margin_km, now=when, event_id=event_id)
    click.echo(f"{len(zones)} zone(s) from {len(corridors)} corridor(s) × {len(layers)} layer(s)", err=True)
    write_output(dumps(feature_collection([z.to_feature() for z in zones])), output)


@main.command()
@click.option("--host", default=None, show_default="GEOWARN_HOST or 127.0.0.1", help="Address to listen on.")
@click.option("--port", default=None, type=int, show_default="GEOWARN_PORT or 8000", help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str | None, port: int | None, threads: int) -> None:
    """Serve the web app with waitress (production: gunicorn 'webapp:create_app()')."""
    from waitress import serve as waitress_serve

    from webapp import create_app

    s = settings()
    host = host or s.host
    port = port if port is not None else s.port
    # each open page's live stream takes a waitress thread: keep half of them for everything else
    s = s.replace(live_max_streams=min(s.live_max_streams, max(1, threads // 2)))
    app = create_app({"SETTINGS": s})
    from geowarn import __version__

    click.echo(f"geowarn {__version__} serving on http://{host}:{port}/", err=True)
    # channel_request_lookahead > 0 keeps reading a connection while its request runs: only then does
    # waitress notice a client that hung up (``waitress.client_disconnected``), so that a closed page's
    # live stream frees its thread within geowarn.live.PROBE_S instead of at its next heartbeat
    waitress_serve(app, host=host, port=port, threads=threads, ident="geowarn", channel_request_lookahead=1)


@main.command("nginx-conf")
@click.option("--listen", default="80", show_default=True, help="nginx `listen` (port or address:port).")
@click.option("--upstream", default="127.0.0.1:8000", show_default=True, help="gunicorn's address:port.")
@click.option(
    "--write-upstream",
    default="127.0.0.1:8001",
    show_default=True,
    help="The gunicorn pool for writes (POST, PUT, PATCH, DELETE); the same as --upstream for one pool.",
)
@click.option("--cache-dir", default="/var/cache/nginx/geowarn", show_default=True, help="nginx proxy cache.")
@click.option(
    "--static-dir",
    default="/var/lib/geowarn/static",
    show_default=True,
    help="The app's GEOWARN_STATIC_DIR: published GeoJSON/CAP files served from there ('' = all proxied).",
)
def nginx_conf_command(listen: str, upstream: str, write_upstream: str, cache_dir: str, static_dir: str) -> None:
    """Print an nginx.conf: a caching reverse proxy in front of gunicorn (see deploy/nginx.conf)."""
    from geowarn.deploy import NginxSite, nginx_conf

    static = static_dir or None
    site = NginxSite(listen, upstream, write_upstream, cache_dir, static_dir=static)
    click.echo(nginx_conf(site), nl=False)


# --------------------------------------------------------------------------- store commands


def _store() -> Any:
    from geowarn.store import open_store

    return open_store(settings=settings())


def _service_options() -> Any:
    from geowarn.service import Options

    return Options.from_settings(settings())


@main.command()
def demo() -> None:
    """Load the demo events (2016 Kwangmyongsong-4, its Okinawa overflight, 2023 Chollima-1) into the store."""
    from geowarn.demo import load_demo

    store = _store()
    results = load_demo(store, options=_service_options())
    for r in results:
        click.echo(
            f"{r.event.id} v{r.event.version}: {len(r.event.corridors)} corridors, {len(r.zones)} zones", err=True
        )
    if not results:
        click.echo("demo events already loaded", err=True)


@main.group()
def tokens() -> None:
    """Manage API tokens for writes (``Authorization: Bearer <token>``); only their hashes are stored."""


@tokens.command("create")
@click.option("--name", required=True, help="Who or what uses the token.")
def tokens_create(name: str) -> None:
    """Create a token and print it (shown once)."""
    token_id, token = _store().create_token(name)
    click.echo(f"created token {token_id} ({name}); it is shown only now:", err=True)
    click.echo(token)


@tokens.command("list")
def tokens_list() -> None:
    """List tokens: id, name, created, revoked."""
    from geowarn.model import format_time

    for t in _store().list_tokens():
        state = f"revoked {format_time(t.revoked)}" if t.revoked else "active"
        click.echo(f"{t.id}\t{t.name}\t{format_time(t.created)}\t{state}")


@tokens.command("revoke")
@click.argument("token_id")
def tokens_revoke(token_id: str) -> None:
    """Revoke a token by its id."""
    _store().revoke_token(token_id)
    click.echo(f"revoked {token_id}", err=True)


@main.group()
def events() -> None:
    """Events in the store."""


@events.command("list")
@click.option("--status", multiple=True, help="draft|active|cancelled|ended (repeatable).")
def events_list(status: tuple[str, ...]) -> None:
    """List events: id, version, status, updated, name."""
    from geowarn.model import format_time

    for e in _store().list_events(status=list(status) or None, limit=10_000):
        click.echo(f"{e.id}\tv{e.version}\t{e.status}\t{format_time(e.updated)}\t{e.name}")


@events.command("show")
@click.argument("event_id")
@click.option("-o", "--output", default=None, help="Output file (default stdout).")
def events_show(event_id: str, output: str | None) -> None:
    """Print an event's published GeoJSON (corridors and alert zones)."""
    from geowarn.rendering import published_file

    art = published_file(_store(), event_id, "geojson", options=_service_options())
    write_output(art.body.decode("utf-8"), output)


@events.command("cancel")
@click.argument("event_id")
def events_cancel(event_id: str) -> None:
    """Cancel an event (a new version; CAP Cancel and alert cancellations follow)."""
    from geowarn.service import cancel_event

    r = cancel_event(_store(), event_id, options=_service_options())
    click.echo(f"{r.event.id} cancelled (v{r.event.version})", err=True)


@main.command("map")
@click.argument("corridors_file", metavar="CORRIDORS.geojson")
@click.option("--zones", "zones_file", default=None, metavar="ZONES.geojson", help="Alert zones (default: computed).")
@click.option("--layer", "layer_ids", multiple=True, metavar="ID", help="Reference layer to draw (repeatable).")
@click.option("--event-id", default=None, help="Event id (default: from the data).")
@click.option("--name", default=None, help="Event name shown on the map.")
@click.option("--asset-base", default=None, help="Link assets under this path (default: inline, works offline).")
@click.option("--tz", default="Asia/Tokyo", show_default=True, help="Time zone for windows.")
@click.option("-o", "--output", default=None, help="Output HTML file (default stdout).")
def map_cmd(
    corridors_file: str,
    zones_file: str | None,
    layer_ids: tuple[str, ...],
    event_id: str | None,
    name: str | None,
    asset_base: str | None,
    tz: str,
    output: str | None,
) -> None:
    """Draw an interactive offline Leaflet map (one HTML file) of corridors and alert zones."""
    from geowarn.publish.commands import render_map

    corridors = read_json(corridors_file)
    zones = read_json(zones_file) if zones_file else None
    s = settings()
    page = render_map(
        corridors,
        zones,
        layer_ids=layer_ids,
        event_id=event_id,
        name=name,
        asset_base=asset_base,
        tz=tz,
        tile_url=s.tile_url,
        tile_attribution=s.tile_attribution,
    )
    write_output(page, output)


@main.command("export")
@click.argument("fmt", metavar="{geojson|cap|kml|atom}", type=click.Choice(["geojson", "cap", "kml", "atom"]))
@click.argument("zones_file", metavar="ZONES.geojson")
@click.option("--region", "region_ids", multiple=True, metavar="ID", help="Only these regions (repeatable).")
@click.option("--msg-type", default="Alert", show_default=True, type=click.Choice(["Alert", "Update", "Cancel"]))
@click.option("--references", "references", multiple=True, metavar="SENDER,ID,SENT", help="CAP references.")
@click.option("--identifier", default=None, help="CAP identifier (default: derived from event, zones, time).")
@click.option("--sent", default=None, metavar="ISO8601", help="CAP sent time (default: now).")
@click.option("--corridors", "corridors_file", default=None, help="Corridors GeoJSON (KML: draw them too).")
@click.option("--event-id", default=None, help="Event id (default: from the zones).")
@click.option("--name", default=None, help="Event name.")
@click.option("--base-url", default=".", show_default=True, help="Atom: URL prefix of the CAP files.")
@click.option("--cap-dir", default=None, help="Atom: also write the CAP files into this directory.")
@click.option(
    "--lang",
    default=None,
    type=click.Choice(LANGUAGES),
    help="Atom: the feed's language (titles, summaries), like the web feed's ?lang= (default en). "
    "KML: the balloons' language (default: the region's, ja for Japan).",
)
@click.option("-o", "--output", default=None, help="Output file (default stdout).")
def export_cmd(
    fmt: str,
    zones_file: str,
    region_ids: tuple[str, ...],
    msg_type: str,
    references: tuple[str, ...],
    identifier: str | None,
    sent: str | None,
    corridors_file: str | None,
    event_id: str | None,
    name: str | None,
    base_url: str,
    cap_dir: str | None,
    lang: str | None,
    output: str | None,
) -> None:
    """Alert zones as RFC 7946 GeoJSON, CAP 1.2, KML or an Atom feed of CAP messages."""
    from geowarn.model import parse_time
    from geowarn.publish.commands import export

    text = export(
        fmt,
        read_json(zones_file),
        region_ids=region_ids,
        msg_type=msg_type,
        references=references,
        identifier=identifier,
        sent=parse_time(sent, field_name="--sent"),
        corridors_obj=read_json(corridors_file) if corridors_file else None,
        event_id=event_id,
        name=name,
        base_url=base_url,
        cap_dir=cap_dir,
        identity=settings().cap,
        lang=lang,
    )
    write_output(text, output)


# --------------------------------------------------------------------------- alerts


@main.group()
def subscriptions() -> None:
    """Alert subscriptions: regions to watch and channels (webhook, e-mail, MQTT) to tell."""


@subscriptions.command("add")
@click.option("--region", "regions", multiple=True, help="Region id, e.g. JP-47, TS-JP-47, EEZ-JP-47 (repeatable).")
@click.option("--layer", "layers", multiple=True, help="A whole layer, e.g. jp-prefectures (repeatable).")
@click.option("--polygon", default=None, help="GeoJSON file with the subscriber's own (Multi)Polygon.")
@click.option("--margin-km", default=0.0, show_default=True, type=float, help="Also alert on zones this close.")
@click.option("--min-severity", default="Minor", show_default=True, help="Extreme|Severe|Moderate|Minor|Unknown.")
@click.option("--phase", "phases", multiple=True, help="Only these corridor phases (repeatable; default all).")
@click.option("--language", "languages", multiple=True, help="CAP languages, e.g. ja-JP, en-US (default both).")
@click.option("--webhook", "webhooks", multiple=True, help="Webhook URL (POST of the signed CAP XML).")
@click.option("--secret", default=None, help="HMAC secret of the webhooks (generated and printed if omitted).")
@click.option("--email", "emails", multiple=True, help="E-mail address (SMTP: GEOWARN_SMTP_*).")
@click.option("--mqtt", "topics", multiple=True, help="MQTT topic (GEOWARN_MQTT_URL) or mqtt://host:port/topic.")
@click.option("--name", default="", help="A label for the subscription.")
def subscriptions_add(
    regions: tuple[str, ...],
    layers: tuple[str, ...],
    polygon: str | None,
    margin_km: float,
    min_severity: str,
    phases: tuple[str, ...],
    languages: tuple[str, ...],
    webhooks: tuple[str, ...],
    secret: str | None,
    emails: tuple[str, ...],
    topics: tuple[str, ...],
    name: str,
) -> None:
    """Add a subscription; prints its id (and a generated webhook secret on stderr)."""
    import secrets as _secrets

    from geowarn.alerts.rules import Channel, Subscription, polygon_from_geojson, save_subscription

    if webhooks and not secret:
        secret = _secrets.token_urlsafe(24)
        click.echo(f"webhook secret (shown once): {secret}", err=True)
    chans = [Channel("webhook", u, secret) for u in webhooks]
    chans += [Channel("email", e) for e in emails] + [Channel("mqtt", t) for t in topics]
    sub = Subscription.create(
        regions=regions,
        layers=layers,
        polygon=polygon_from_geojson(read_json(polygon)) if polygon else None,
        margin_km=margin_km,
        min_severity=min_severity,
        phases=phases,
        languages=languages or ("ja-JP", "en-US"),
        channels=chans,
        name=name,
        allow_private=settings().allow_private_targets,
    )
    sub.check_regions()
    from datetime import UTC, datetime

    from geowarn.alerts.lifecycle import catch_up

    store = _store()
    with store.transaction() as tx:
        save_subscription(tx, sub)
        current = catch_up(store, tx, sub, datetime.now(UTC), cap=settings().cap)
    click.echo(sub.id)
    if current:
        click.echo(f"{len(current)} current alert(s) queued for events already concerning it", err=True)


@subscriptions.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON (secrets masked) instead of a table.")
def subscriptions_list(as_json: bool) -> None:
    """List the subscriptions: id, name, regions, minimum severity, channels."""
    from geowarn.alerts.rules import list_subscriptions

    with _store().snapshot() as tx:
        subs = list_subscriptions(tx)
    if as_json:
        click.echo(json.dumps([s.to_json() for s in subs], ensure_ascii=False, indent=2))
        return
    for s in subs:
        where = ",".join([*s.regions, *(f"layer:{x}" for x in s.layers), *(["polygon"] if s.polygon else [])])
        chans = ",".join(f"{c.kind}:{c.target}" for c in s.channels)
        click.echo(f"{s.id}\t{s.name}\t{where}\t>={s.min_severity}\t{chans}")


@subscriptions.command("remove")
@click.argument("subscription_id")
def subscriptions_remove(subscription_id: str) -> None:
    """Remove a subscription (messages already queued are still delivered)."""
    from geowarn.alerts.rules import remove_subscription

    with _store().transaction() as tx:
        remove_subscription(tx, subscription_id)
    click.echo(f"{subscription_id} removed", err=True)


@main.group()
def outbox() -> None:
    """Inspect the alert outbox: list messages and their delivery state, requeue parked ones."""


@outbox.command("list")
@click.option("--status", type=click.Choice(["pending", "delivered", "parked"]), default=None, help="Only these.")
def outbox_list(status: str | None) -> None:
    """List outbox rows: id, status, attempts, message type, event, subscription, last error."""
    from geowarn.alerts import outbox as ob

    for r in ob.rows(_store()):
        if status is None or r["status"] == status:
            error = (r["last_error"] or "").replace("\t", " ").replace("\n", " ")
            click.echo(
                f"{r['id']}\t{r['status']}\t{r['attempts']}\t{r['msg_type']}\t{r['event_id']}\t"
                f"{r['subscription_id']}\t{error}"
            )


@outbox.command("requeue")
@click.argument("outbox_ids", nargs=-1)
@click.option("--all-parked", is_flag=True, help="Requeue every parked row.")
def outbox_requeue(outbox_ids: tuple[str, ...], all_parked: bool) -> None:
    """Put parked messages back in the queue (after the subscriber fixed the endpoint); due at once."""
    from geowarn.alerts import outbox as ob

    store = _store()
    ids = list(outbox_ids)
    if all_parked:
        ids += [r["id"] for r in ob.rows(store) if r["status"] == "parked" and r["id"] not in ids]
    if not ids:
        raise InvalidParameter(
            "name the outbox rows to requeue (see geowarn outbox list --status parked) or --all-parked"
        )
    for oid in ids:
        ob.requeue(store, oid)
    click.echo(f"{len(ids)} requeued", err=True)


@main.command()
@click.option("--once", is_flag=True, help="Deliver what is due, then exit.")
@click.option("--poll-interval", default=None, type=float, help="Seconds between polls (default 0.1).")
@click.option("--lease", default=None, type=float, help="Seconds a claimed message stays leased (default 60).")
@click.option("--retry-base", default=None, type=float, help="First retry delay in seconds (default 2).")
@click.option("--concurrency", default=None, type=int, help="Parallel deliveries (default 4).")
def worker(
    once: bool, poll_interval: float | None, lease: float | None, retry_base: float | None, concurrency: int | None
) -> None:
    """Deliver alert messages from the outbox (webhook, e-mail, MQTT) with retries; run several if you like."""
    import logging
    import signal

    from geowarn.alerts.worker import Worker, WorkerOptions

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    opts = WorkerOptions.from_settings(
        settings(), poll_interval=poll_interval, lease_s=lease, retry_base=retry_base, concurrency=concurrency
    )
    w = Worker(_store(), opts)
    if once:
        n = w.run_once()
        w.close()
        click.echo(f"{n} deliveries attempted", err=True)
        return
    signal.signal(signal.SIGTERM, lambda *_: w.stop())
    signal.signal(signal.SIGINT, lambda *_: w.stop())
    click.echo(f"geowarn worker {w.id} running", err=True)
    w.run()
    w.close()


# --------------------------------------------------------------------------- reference layers


@main.group()
def layers() -> None:
    """Manage reference layers (prefectures, admin-1, seas, 12 NM / 200 NM zones, user layers)."""


@layers.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the catalog entries as JSON.")
def layers_list(as_json: bool) -> None:
    """List the layers: id, kind, feature count, licence, title."""
    from geowarn.layers import catalog

    entries = catalog(settings().layers_dir)
    if as_json:
        click.echo(json.dumps(entries, ensure_ascii=False, indent=1))
        return
    click.echo(f"{'ID':<18} {'KIND':<16} {'FEATURES':>8}  {'LICENCE':<40} TITLE")
    for e in entries:
        lic = str(e.get("licence", ""))
        lic = lic if len(lic) <= 40 else lic[:39] + "…"
        click.echo(f"{e['id']:<18} {e.get('kind', ''):<16} {e.get('features', 0):>8}  {lic:<40} {e.get('title', '')}")


@layers.command("show")
@click.argument("layer_id")
@click.option("--regions/--no-regions", default=True, show_default=True, help="List the regions (id, name).")
def layers_show(layer_id: str, regions: bool) -> None:
    """Show a layer's catalog entry (sources, licence, build options) and its regions."""
    from geowarn.layers import load_layer

    layer = load_layer(layer_id, settings().layers_dir)
    meta = {k: v for k, v in layer.meta.items() if k != "dir"}
    click.echo(json.dumps(meta, ensure_ascii=False, indent=1))
    if regions:
        for r in layer.regions:
            click.echo(f"{r.id}\t{r.name}\t{r.name_ja or ''}")


@layers.command("add")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--id", "layer_id", required=True, help="New layer id (lower-case letters, digits, '-').")
@click.option("--name-field", required=True, help="Field holding each region's name.")
@click.option("--id-field", default=None, help="Field holding unique region ids (default: <ID>-1, <ID>-2 …).")
@click.option("--kind", default="user", show_default=True, help="admin|sea|territorial-sea|eez-like|land|user")
@click.option("--title", default=None, help="Layer title.")
@click.option("--replace", is_flag=True, help="Replace an existing user layer with this id.")
@click.option("--layer", "source_layer", default=None, help="Layer of FILE to read when it has several.")
def layers_add(
    file: str,
    layer_id: str,
    name_field: str,
    id_field: str | None,
    kind: str,
    title: str | None,
    replace: bool,
    source_layer: str | None,
) -> None:
    """Validate FILE (GeoJSON, Shapefile, GeoPackage …; any CRS) and register it as a user layer.

    Written to $GEOWARN_LAYERS_DIR if set, else $GEOWARN_DATA/layers.
    """
    from geowarn.layers import add_layer

    entry = add_layer(
        file,
        layer_id,
        name_field=name_field,
        id_field=id_field,
        kind=kind,
        title=title,
        replace=replace,
        target_dir=settings().user_layers_dir,
        source_layer=source_layer,
    )
    click.echo(f"added layer {entry['id']}: {entry['features']} regions → {entry['dir']}")


if __name__ == "__main__":  # pragma: no cover
    main()
