"""Every ``GEOWARN_*`` setting, declared once: environment variable, default, parser and meaning.

:class:`Settings` is a frozen dataclass; each field's metadata names its
environment variable, its documentation and how its text is parsed and
checked. The entry points (``geowarn`` and ``webapp.create_app``) build it once
with :meth:`Settings.from_env` and pass the parts down; library functions take
explicit parameters. README §Configuration is generated from the declarations
(``python -m geowarn.settings --markdown``).

The one place a library function reads the environment is :func:`library_fallback`:
called without settings (public library API, e.g. ``geowarn.layers.catalog()``,
``build_cap(event, zones)`` or ``channels.send(channel, msg)``), it reads only the
fields its part names in :data:`LIBRARY_FALLBACKS`.

>>> s = Settings.from_env({"GEOWARN_SMTP_PORT": "2525", "GEOWARN_ALERT_LAYERS": "jp-prefectures, eez-like"})
>>> s.smtp_port, s.alert_layers, s.cap.sender
(2525, ('jp-prefectures', 'eez-like'), 'geowarn@localhost')
>>> Settings.from_env({"GEOWARN_SMTP_PORT": "smtp"})
Traceback (most recent call last):
...
geowarn.errors.InvalidParameter: GEOWARN_SMTP_PORT: expected an integer, got 'smtp'
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geowarn.errors import InvalidParameter

#: CAP ``<status>`` values an operator may configure (``System`` and ``Draft`` are not for the public).
CAP_STATUSES = ("Actual", "Exercise", "Test")
_BAD_TOKEN = re.compile(r"[\s,<&]")

# --------------------------------------------------------------------------- parsers


def _text(value: str) -> str:
    return value


def _optional_text(value: str) -> str | None:
    return value or None


def _path(value: str) -> Path:
    return Path(value).expanduser()


def _optional_path(value: str) -> Path | None:
    return Path(value).expanduser() if value else None


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"expected an integer, got {value!r}") from None


def _positive_int(value: str) -> int:
    n = _int(value)
    if n < 1:
        raise ValueError(f"expected a positive integer, got {value!r}")
    return n


def _non_negative_int(value: str) -> int:
    n = _int(value)
    if n < 0:
        raise ValueError(f"expected 0 or a positive integer, got {value!r}")
    return n


def _port(value: str) -> int:
    n = _int(value)
    if not 0 < n < 65536:
        raise ValueError(f"expected a port number 1-65535, got {value!r}")
    return n


def _seconds(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise ValueError(f"expected a number of seconds, got {value!r}") from None
    if not x > 0:
        raise ValueError(f"expected a positive number of seconds, got {value!r}")
    return x


def _megabytes(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise ValueError(f"expected a number of MB, got {value!r}") from None
    if not x > 0:
        raise ValueError(f"expected a positive number of MB, got {value!r}")
    return x


def _topic_prefix(value: str) -> str | None:
    """Read an MQTT topic prefix to publish under (no wildcards); empty → ``None``.

    >>> _topic_prefix("geowarn/alerts/"), _topic_prefix("")
    ('geowarn/alerts', None)
    """
    text = value.strip().rstrip("/")
    if not text:
        return None
    if "+" in text or "#" in text or "\x00" in text:
        raise ValueError(f"an MQTT topic prefix to publish under has no + or # wildcard, got {value!r}")
    return text


def _bool(value: str) -> bool:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(f"expected 1/true/yes or 0/false/no, got {value!r}")


def _layer_ids(value: str) -> tuple[str, ...] | None:
    ids = tuple(p.strip() for p in value.split(",") if p.strip())
    return ids or None


def _hosts_or_networks(value: str) -> tuple[str, ...]:
    """Comma-separated CIDR networks, addresses or host names.

    >>> _hosts_or_networks("127.0.0.1, 10.0.0.0/8, hooks.internal")
    ('127.0.0.1', '10.0.0.0/8', 'hooks.internal')
    """
    import ipaddress

    out = []
    for part in value.split(","):
        entry = part.strip()
        if not entry:
            continue
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if not all(c.isalnum() or c in "-._" for c in entry):
                raise ValueError(f"expected CIDR networks or host names, got {entry!r}") from None
        out.append(entry)
    return tuple(out)


def _token(value: str) -> str:
    if not value or _BAD_TOKEN.search(value):
        raise ValueError(f"must be non-empty without spaces, commas, '<' or '&': {value!r}")
    return value


def _cap_status(value: str) -> str:
    if value not in CAP_STATUSES:
        raise ValueError(f"must be one of {', '.join(CAP_STATUSES)}, not {value!r}")
    return value


def _approval(value: str) -> int:
    n = _int(value)
    if n not in (1, 2):
        raise ValueError(f"expected 1 (one operator) or 2 (two-person approval), got {value!r}")
    return n


def _url(schemes: Sequence[str]) -> Callable[[str], str | None]:
    def parse(value: str) -> str | None:
        if not value:
            return None
        if not value.startswith(tuple(f"{s}://" for s in schemes)):
            raise ValueError(f"expected a {' or '.join(s + '://' for s in schemes)} URL, got {value!r}")
        return value

    return parse


def setting(env: str, default: Any, doc: str, parse: Callable[[str], Any] = _text, *, shown: str | None = None) -> Any:
    """Declare a :class:`Settings` field: its variable ``env``, ``default``, ``doc`` and text parser.

    ``shown`` is the default as written in README (when the value itself says little).
    An empty variable counts as unset.
    """
    return field(default=default, metadata={"env": env, "doc": doc, "parse": parse, "shown": shown})


# --------------------------------------------------------------------------- the settings


@dataclass(frozen=True)
class CapIdentity:
    """Who publishes CAP messages: ``<sender>``, ``<senderName>`` and ``<status>``."""

    sender: str = "geowarn@localhost"
    sender_name: str = "geowarn"
    status: str = "Actual"


@dataclass(frozen=True)
class Settings:
    """The ``GEOWARN_*`` settings of one process (see README §Configuration)."""

    data_dir: Path = setting(
        "GEOWARN_DATA",
        Path("instance"),
        "Data directory of the embedded SQLite store and published files.",
        _path,
        shown="`./instance`",
    )
    database_url: str | None = setting(
        "GEOWARN_DATABASE_URL",
        None,
        "`postgresql://…` to use PostgreSQL + PostGIS instead of SQLite.",
        _url(("postgresql", "postgres", "sqlite")),
    )
    layers_dir: Path | None = setting(
        "GEOWARN_LAYERS_DIR",
        None,
        "Directory of the reference layers; `geowarn layers add` writes there too (else to `GEOWARN_DATA/layers`).",
        _optional_path,
        shown="shipped layers",
    )
    secret_key: str | None = setting(
        "GEOWARN_SECRET_KEY",
        None,
        "Secret key of sessions, CSRF and the webhook secrets encrypted at rest; set the same one on every "
        "host (server and worker) that shares a PostGIS database.",
        _optional_text,
        shown="random, kept in `GEOWARN_DATA/secret_key`",
    )
    tile_url: str | None = setting(
        "GEOWARN_TILE_URL",
        None,
        "Optional XYZ tile URL; without it maps draw an offline base map from the layers.",
        _optional_text,
    )
    tile_attribution: str = setting("GEOWARN_TILE_ATTRIBUTION", "", "Attribution shown with `GEOWARN_TILE_URL`.")
    cap_sender: str = setting(
        "GEOWARN_CAP_SENDER",
        CapIdentity.sender,
        "CAP `<sender>` of published alerts (no spaces or commas).",
        _token,
    )
    cap_sender_name: str = setting(
        "GEOWARN_CAP_SENDER_NAME", CapIdentity.sender_name, "CAP `<senderName>`, the human-readable issuer."
    )
    cap_status: str = setting(
        "GEOWARN_CAP_STATUS", CapIdentity.status, "CAP `<status>`: `Actual`, `Exercise` or `Test`.", _cap_status
    )
    alert_layers: tuple[str, ...] | None = setting(
        "GEOWARN_ALERT_LAYERS",
        None,
        "Comma-separated layer ids the alert zones are computed over (e.g. `jp-prefectures,eez-like`).",
        _layer_ids,
        shown="all alert layers",
    )
    max_upload_mb: float = setting(
        "GEOWARN_MAX_UPLOAD_MB",
        5.0,
        "Largest accepted request body or upload in MB; larger requests get 413.",
        _megabytes,
    )
    approval: int = setting(
        "GEOWARN_APPROVAL",
        1,
        "`2`: every write of an event (publish, update, rename or status change, cancel) waits until a second, "
        "different token approves it (two-person rule).",
        _approval,
    )
    host: str = setting("GEOWARN_HOST", "127.0.0.1", "Address `geowarn serve` listens on.")
    port: int = setting("GEOWARN_PORT", 8000, "Port `geowarn serve` listens on.", _port)
    smtp_host: str = setting("GEOWARN_SMTP_HOST", "127.0.0.1", "SMTP server of e-mail alerts (`geowarn worker`).")
    smtp_port: int = setting("GEOWARN_SMTP_PORT", 25, "SMTP port of e-mail alerts.", _port)
    smtp_from: str = setting("GEOWARN_SMTP_FROM", "geowarn@localhost", "From address of e-mail alerts.")
    smtp_user: str | None = setting("GEOWARN_SMTP_USER", None, "SMTP login user (none: no login).", _optional_text)
    smtp_password: str | None = setting("GEOWARN_SMTP_PASSWORD", None, "SMTP login password.", _optional_text)
    smtp_starttls: bool = setting("GEOWARN_SMTP_STARTTLS", False, "`1` to use STARTTLS.", _bool, shown="unset")
    mqtt_url: str = setting(
        "GEOWARN_MQTT_URL", "mqtt://127.0.0.1:1883", "Broker of MQTT channels given as a bare topic.", _text
    )
    delivery_timeout_s: float = setting(
        "GEOWARN_DELIVERY_TIMEOUT_S", 10.0, "Timeout of one delivery attempt (webhook, SMTP, MQTT).", _seconds
    )
    worker_poll_s: float = setting(
        "GEOWARN_WORKER_POLL_S", 0.1, "Worker poll interval (SQLite; PostgreSQL is woken by `NOTIFY`).", _seconds
    )
    worker_lease_s: float = setting(
        "GEOWARN_WORKER_LEASE_S", 60.0, "How long a claimed message stays leased to one worker.", _seconds
    )
    worker_retry_base_s: float = setting(
        "GEOWARN_WORKER_RETRY_BASE_S", 2.0, "First retry delay (exponential, jittered backoff).", _seconds
    )
    worker_retry_cap_s: float = setting("GEOWARN_WORKER_RETRY_CAP_S", 600.0, "Longest retry delay.", _seconds)
    worker_max_attempts: int = setting(
        "GEOWARN_WORKER_MAX_ATTEMPTS", 50, "Attempts after which a failing message is parked.", _positive_int
    )
    worker_concurrency: int = setting(
        "GEOWARN_WORKER_CONCURRENCY",
        8,
        "Deliveries one worker process keeps in flight (threads; webhook connections are kept alive per thread).",
        _positive_int,
    )
    worker_batch: int = setting(
        "GEOWARN_WORKER_BATCH", 32, "Outbox rows a worker claims in one transaction.", _positive_int
    )
    render_threads: int = setting(
        "GEOWARN_RENDER_THREADS",
        1,
        "Threads of a web process rendering the published files (map, GeoJSON, CAP, KML) after a write "
        "commits, so the POST/PUT/cancel answers at once with the renders `pending` (0: render before answering; "
        "issue 16). Renders a killed process leaves are done by the worker's retries or on demand.",
        _non_negative_int,
    )
    static_dir: Path | None = setting(
        "GEOWARN_STATIC_DIR",
        None,
        "Directory where each rendered GeoJSON and CAP file is also written (its per-version and current-version "
        "URLs, atomically, right after the commit) for nginx to serve as static files (`geowarn nginx-conf "
        "--static-dir`), falling back to the app for anything missing (unset: none; issue 16).",
        _optional_path,
        shown="none",
    )
    mqtt_region_topics: str | None = setting(
        "GEOWARN_MQTT_REGION_TOPICS",
        None,
        "Topic prefix of the per-region MQTT topics (e.g. `geowarn/alerts`): every Alert, Update and Cancel "
        "about a region is also published, retained, on `<prefix>/<region id>` at `GEOWARN_MQTT_URL` "
        "(unset: no region topics).",
        _topic_prefix,
    )
    # ---- issue 14: limits and guards against hostile input
    allow_private_targets: tuple[str, ...] = setting(
        "GEOWARN_ALLOW_PRIVATE_TARGETS",
        (),
        "Comma-separated networks (CIDR) and host names webhook / `mqtt://` targets may use although they are "
        "private, loopback or link-local (refused otherwise, at subscription and at delivery).",
        _hosts_or_networks,
        shown="none",
    )
    max_unzipped_mb: float = setting(
        "GEOWARN_MAX_UNZIPPED_MB",
        100.0,
        "Largest decompressed size of a KMZ or zipped Shapefile in MB (counted while unpacking, before GDAL); "
        "larger archives get 413.",
        _megabytes,
    )
    trusted_proxies: int = setting(
        "GEOWARN_TRUSTED_PROXIES",
        0,
        "Reverse proxies in front of `geowarn serve` whose `X-Forwarded-Proto/-Host/-For` are trusted (e.g. `1` "
        "behind nginx with TLS): the session cookie is then `Secure` over HTTPS.",
        _non_negative_int,
    )
    max_zip_entries: int = setting(
        "GEOWARN_MAX_ZIP_ENTRIES", 1000, "Most entries of a KMZ or zipped Shapefile; more get 413.", _positive_int
    )
    # ---- issue 13: live updates of open pages
    live_poll_s: float = setting(
        "GEOWARN_LIVE_POLL_S",
        0.2,
        "How often each server process looks for changes to push to open pages (SQLite; PostgreSQL is woken by "
        "`NOTIFY`).",
        _seconds,
    )
    live_heartbeat_s: float = setting(
        "GEOWARN_LIVE_HEARTBEAT_S", 15.0, "Heartbeat comment interval of an idle `/events/stream`.", _seconds
    )
    live_max_s: float = setting(
        "GEOWARN_LIVE_MAX_S",
        300.0,
        "Longest `/events/stream` response; the browser then reconnects with `Last-Event-ID` and misses nothing.",
        _seconds,
    )
    live_retry_s: float = setting(
        "GEOWARN_LIVE_RETRY_S", 2.0, "Reconnection delay the stream asks browsers for (SSE `retry:`).", _seconds
    )
    live_max_streams: int = setting(
        "GEOWARN_LIVE_MAX_STREAMS",
        32,
        "Open `/events/stream` responses per server process (each takes a thread: keep it below gunicorn's "
        "`--threads`); more get 503 with `Retry-After`.",
        _positive_int,
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, only: Iterable[str] | None = None) -> Settings:
        """Parse and check the ``GEOWARN_*`` variables of ``environ`` (default: the process environment).

        ``only`` limits the parsing to these field names (the others keep their defaults).
        A bad value raises :class:`InvalidParameter` naming the variable.
        """
        env = os.environ if environ is None else environ
        fields = _settings_fields()
        chosen = fields.values() if only is None else [fields[name] for name in only]
        values: dict[str, Any] = {}
        for f in chosen:
            text = env.get(f.metadata["env"])
            if not text:
                continue
            try:
                values[f.name] = f.metadata["parse"](text)
            except ValueError as exc:
                raise InvalidParameter(f"{f.metadata['env']}: {exc}") from None
        return cls(**values)

    def replace(self, **overrides: Any) -> Settings:
        """Return a copy with some fields changed (unknown names raise :class:`InvalidParameter`)."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise InvalidParameter(f"unknown setting(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **overrides)

    @property
    def cap(self) -> CapIdentity:
        """The CAP identity (sender, sender name, status)."""
        return CapIdentity(self.cap_sender, self.cap_sender_name, self.cap_status)

    @property
    def user_layers_dir(self) -> Path:
        """Where ``geowarn layers add`` writes: ``layers_dir``, else ``data_dir/layers``."""
        return self.layers_dir if self.layers_dir is not None else self.data_dir / "layers"


@functools.cache
def _settings_fields() -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(Settings)}


#: The fields each part of the library reads from the environment when it is called without
#: settings (see :func:`library_fallback`); the entry points always pass their settings.
LIBRARY_FALLBACKS: dict[str, tuple[str, ...]] = {
    # geowarn.layers: layers_dir(), user_layers_dir(), catalog() / load_layer() without a directory
    "layers": ("layers_dir", "data_dir"),
    # geowarn.publish.cap: build_cap() without an identity, cap_identity()
    "cap": ("cap_sender", "cap_sender_name", "cap_status"),
    # geowarn.alerts.channels: send() and the senders without settings
    "delivery": ("delivery_timeout_s",),
    "smtp": ("smtp_host", "smtp_port", "smtp_from", "smtp_user", "smtp_password", "smtp_starttls"),
    "mqtt": ("mqtt_url",),
    # issue 14 — geowarn.alerts (subscriptions and deliveries): which private targets are allowed
    "targets": ("allow_private_targets",),
    # geowarn.sources.files: KMZ / zipped Shapefile limits
    "archives": ("max_unzipped_mb", "max_zip_entries"),
    # geowarn.store: the key of the webhook secrets sealed at rest (geowarn.secretbox)
    "secrets": ("secret_key", "data_dir"),
}


def library_fallback(
    part: str, settings: Settings | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Return ``settings``, else those of a library call without settings: the fields of ``part`` from the environment.

    Only the fields :data:`LIBRARY_FALLBACKS` lists for ``part`` are read (a bad value of another
    variable does not matter); ``environ`` defaults to ``os.environ``.

    >>> library_fallback("smtp", environ={"GEOWARN_SMTP_PORT": "587", "GEOWARN_PORT": "x"}).smtp_port
    587
    >>> library_fallback("smtp", Settings(smtp_port=2525)).smtp_port
    2525
    """
    if settings is not None:
        return settings
    return Settings.from_env(environ, only=LIBRARY_FALLBACKS[part])


def env_var(name: str) -> str:
    """Return the environment variable of the field ``name``.

    >>> env_var("cap_status")
    'GEOWARN_CAP_STATUS'
    """
    for f in dataclasses.fields(Settings):
        if f.name == name:
            return str(f.metadata["env"])
    raise KeyError(name)


# --------------------------------------------------------------------------- documentation


def _shown_default(f: dataclasses.Field[Any]) -> str:
    if f.metadata["shown"]:
        return str(f.metadata["shown"])
    value = f.default
    if value is None:
        return "unset"
    if value == "":
        return "empty"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def settings_table_markdown() -> str:
    """Generate the README §Configuration table, one row per variable, from :class:`Settings`."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for f in dataclasses.fields(Settings):
        rows.append(f"| `{f.metadata['env']}` | {_shown_default(f)} | {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"


START_MARKER = "<!-- settings:start (generated by python -m geowarn.settings --markdown) -->"
END_MARKER = "<!-- settings:end -->"


def update_readme(text: str) -> str:
    """``text`` with the part between the settings markers replaced by :func:`settings_table_markdown`."""
    start = text.find(START_MARKER)
    end = text.find(END_MARKER)
    if start < 0 or end < start:
        raise InvalidParameter("README.md lacks the settings markers")
    return text[: start + len(START_MARKER)] + "\n" + settings_table_markdown() + text[end:]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m geowarn.settings --markdown [README.md]``: print the table or rewrite README in place."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "--markdown":
        print("usage: python -m geowarn.settings --markdown [README.md]", file=sys.stderr)
        return 2
    if len(args) == 1:
        sys.stdout.write(settings_table_markdown())
        return 0
    path = Path(args[1])
    path.write_text(update_readme(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
