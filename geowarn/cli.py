"""The ``geowarn`` command line: thin wrappers that parse arguments, call the library and print.

Data goes to stdout (or ``-o FILE``), logs to stderr. A :class:`GeowarnError`
becomes one line on stderr and exit status 1; usage errors exit 2 (click).
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from geowarn import __version__
from geowarn.errors import GeowarnError, InvalidParameter

F = TypeVar("F", bound=Callable[..., Any])


# --------------------------------------------------------------------------- shared helpers


def user_errors(fn: F) -> F:
    """Turn a :class:`GeowarnError` into a one-line ``click.ClickException`` (exit 1)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except GeowarnError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper  # type: ignore[return-value]


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
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"{path}: invalid JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None


def write_output(text: str, output: str | None) -> None:
    """Write ``text`` to ``output`` (atomically: a failed write leaves the old file) or stdout."""
    if output is None or output == "-":
        click.echo(text)
        return
    target = Path(output)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        tmp.write_text(text + ("" if text.endswith("\n") else "\n"), encoding="utf-8")
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="geowarn")
def main() -> None:
    """geowarn: fall corridors of rockets and space debris → alert zones, maps, CAP, alerts."""


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
@user_errors
def corridor_ellipse(center: str, axes_km: str, azimuth: float, phase: str, label: str, output: str | None) -> None:
    """A geodesic ellipse corridor (e.g. a 3-sigma drop zone) as RFC 7946 GeoJSON."""
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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="GEOWARN_HOST")
@click.option("--port", default=8000, show_default=True, type=int, envvar="GEOWARN_PORT")
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web app with waitress (production: gunicorn 'webapp:create_app()')."""
    from waitress import serve as waitress_serve

    from webapp import create_app

    app = create_app()
    click.echo(f"geowarn {__version__} serving on http://{host}:{port}/", err=True)
    waitress_serve(app, host=host, port=port, threads=threads, ident="geowarn")


if __name__ == "__main__":  # pragma: no cover
    main()
