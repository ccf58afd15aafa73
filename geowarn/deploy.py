"""Deployment files: the nginx reverse-proxy configuration in front of gunicorn.

``geowarn nginx-conf`` prints it for given ports and paths; ``deploy/nginx.conf`` is the copy
with the defaults (a test keeps it equal to :func:`nginx_conf`).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from geowarn.ids import EVENT_ID_BODY

_TEMPLATE = "data/deploy/nginx.conf.in"

#: Cache-Control of a public answer about the current state (``webapp.caching``).
CURRENT = "public, max-age=1, stale-while-revalidate=2"
#: Cache-Control of an immutable per-version file.
IMMUTABLE = "public, max-age=31536000, immutable"
#: CSP of our pages: only our own origin; inline styles allowed (Leaflet and folium set them).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'"
)
#: Headers of every answer of the app (``webapp.core``) and of the files nginx serves from the static directory.
SECURITY_HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "SAMEORIGIN"),
]
_ID = EVENT_ID_BODY
#: Region ids whose page may come from the static directory (nginx's location; geowarn.publish.static's check).
REGION_ID_BODY = "[A-Za-z0-9-]{1,40}"
#: The first ``Accept-Language`` tag without a q-value, if a language of the pages (nginx's map; the app's key).
FIRST_LANGUAGE_BODY = "(ja|en)(-[A-Za-z0-9]+)*(,|$)"
#: Published files served from the static directory: URL regex, Content-Type, Cache-Control, download name.
_STATIC_LOCATIONS = (
    (
        rf"^/events/(?<gw_id>{_ID})/v(?<gw_v>[0-9]+)\.geojson$",
        "application/geo+json",
        "immutable",
        "$gw_id-v$gw_v.geojson",
    ),
    (rf"^/events/(?<gw_id>{_ID})/v(?<gw_v>[0-9]+)\.cap$", "application/cap+xml", "immutable", "$gw_id-v$gw_v.cap"),
    (rf"^/events/(?<gw_id>{_ID})\.geojson$", "application/geo+json", "current", "$gw_id.geojson"),
    (rf"^/alerts/(?<gw_id>{_ID})\.cap$", "application/cap+xml", "current", "$gw_id.cap.xml"),
)
_TEMP_KINDS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


@dataclass(frozen=True)
class NginxSite:
    """Where nginx listens, what it proxies to, and where it keeps its files.

    ``write_upstream`` is the gunicorn pool for writes (every method but ``GET``/``HEAD``), with
    ``upstream`` as its backup; equal to ``upstream``, writes share the one pool.
    ``temp_dir`` (default: nginx's compiled-in paths) is needed when nginx runs unprivileged.
    """

    listen: str = "80"
    upstream: str = "127.0.0.1:8000"
    write_upstream: str = "127.0.0.1:8001"
    cache_dir: str = "/var/cache/nginx/geowarn"
    pid: str = "/run/nginx-geowarn.pid"
    error_log: str = "/var/log/nginx/geowarn-error.log"
    workers: str = "auto"
    temp_dir: str | None = None
    #: ``GEOWARN_STATIC_DIR`` of the app: its GeoJSON/CAP files are served from there (``None``: all proxied).
    static_dir: str | None = "/var/lib/geowarn/static"

    @classmethod
    def scratch(
        cls, root: Path, port: int, upstream: int, write_upstream: int | None = None, static_dir: Path | None = None
    ) -> NginxSite:
        """Return a loopback site keeping all its files under ``root`` (tests and benches).

        Makes ``root/cache`` and ``root/temp`` writable by nginx's unprivileged workers; writes go to
        ``write_upstream`` (default: the one ``upstream`` pool).
        """
        for name in ("cache", "temp"):
            (root / name).mkdir(parents=True, exist_ok=True)
            (root / name).chmod(0o777)  # nginx workers may run unprivileged
        return cls(
            listen=f"127.0.0.1:{port}",
            upstream=f"127.0.0.1:{upstream}",
            write_upstream=f"127.0.0.1:{write_upstream or upstream}",
            cache_dir=str(root / "cache"),
            pid=str(root / "nginx.pid"),
            error_log=str(root / "nginx-error.log"),
            workers="2",
            temp_dir=str(root / "temp"),
            static_dir=str(static_dir) if static_dir is not None else None,
        )


def nginx_conf(site: NginxSite | None = None) -> str:
    """Render the nginx configuration for ``site``.

    Parameters
    ----------
    site
        Ports and paths (default: :class:`NginxSite` defaults, as in ``deploy/nginx.conf``).

    Returns
    -------
    str
        A complete ``nginx.conf``.

    Examples
    --------
    >>> conf = nginx_conf(NginxSite(listen="127.0.0.1:8080", upstream="127.0.0.1:9000"))
    >>> import re
    >>> "listen 127.0.0.1:8080;" in conf and "server 127.0.0.1:9000;" in conf and not re.search("@[A-Z_]+@", conf)
    True
    >>> "server 127.0.0.1:9000 backup;" in conf and "server 127.0.0.1:8001;" in conf
    True
    >>> one = nginx_conf(NginxSite(upstream="127.0.0.1:9000", write_upstream="127.0.0.1:9000"))
    >>> " backup;" in one, one.count("server 127.0.0.1:9000;")
    (False, 2)
    """
    site = site or NginxSite()
    if site.write_upstream == site.upstream:
        write_servers = f"        server {site.upstream};\n"
    else:
        write_servers = f"        server {site.write_upstream};\n        server {site.upstream} backup;\n"
    temp = "".join(f"    {k}_temp_path {site.temp_dir}/{k};\n" for k in _TEMP_KINDS) if site.temp_dir else ""
    text = files("geowarn").joinpath(_TEMPLATE).read_text(encoding="utf-8")
    for marker, value in {
        "@WORKERS@": site.workers,
        "@PID@": site.pid,
        "@ERROR_LOG@": site.error_log,
        "@TEMP_PATHS@": temp,
        "@CACHE_DIR@": site.cache_dir,
        "@WRITE_SERVERS@": write_servers,
        "@UPSTREAM@": site.upstream,
        "@LISTEN@": site.listen,
        "@STATIC_MAP@": _STATIC_MAP.replace("@FIRST_LANGUAGE@", _named_language()) if site.static_dir else "",
        "@STATIC_LOCATIONS@": _static_locations(site.static_dir) if site.static_dir else "",
    }.items():
        text = text.replace(marker, value)
    return text


_STATIC_MAP = """
    # GET/HEAD without a query string, token or session: the published file may come from the static directory.
    map "$request_method:$args$http_authorization$cookie_session" $geowarn_static {
        "GET:" 1;
        "HEAD:" 1;
        default 0;
    }
    # Region pages: one file per 10 s window (epoch // 10, geowarn.publish.static.bucket_of) and language key.
    map $msec $gw_bucket {
        "~^(?<b>[0-9]+)[0-9]\\." $b;
    }
    map $http_accept_language $gw_lang {
        "" default;
        "~^@FIRST_LANGUAGE@" $l;
        default "";
    }
    map "$geowarn_static:$gw_lang" $gw_region_static {
        "~^1:." 1;
        default 0;
    }
"""


def _named_language() -> str:
    """Return :data:`FIRST_LANGUAGE_BODY` with its language group named ``l`` (nginx's ``$l``)."""
    return FIRST_LANGUAGE_BODY.replace("(", "(?<l>", 1)


def _static_locations(static_dir: str) -> str:
    """Return the ``location`` blocks serving the published files of ``static_dir`` (the app when one is missing)."""
    control = {"immutable": IMMUTABLE, "current": CURRENT}
    out = [
        "        # Published GeoJSON/CAP files written by the app into GEOWARN_STATIC_DIR after their commit",
        "        # (geowarn.publish.static); anything missing, unusual or personal goes to gunicorn.",
    ]
    for regex, media_type, cache, name in _STATIC_LOCATIONS:
        out += [
            f'        location ~ "{regex}" {{',
            "            error_page 418 = @geowarn;",
            "            if ($geowarn_static = 0) { return 418; }",
            f"            root {static_dir};",
            "            try_files $uri @geowarn;",
            "            types { }",
            f"            default_type {media_type};",
            "            etag on;",
            f'            add_header Cache-Control "{control[cache]}";',
            f"            add_header Content-Disposition 'inline; filename=\"{name}\"';",
            *(f'            add_header {k} "{v}";' for k, v in SECURITY_HEADERS),
            "            add_header X-Cache-Status STATIC;",
            "        }",
        ]
    out += [
        "        # Region pages written by the app for a 10 s window whose page does not change within it",
        "        # (webapp.pages); a new event version removes them all right after its commit.",
        f'        location ~ "^/regions/(?<gw_region>{REGION_ID_BODY})$" {{',
        "            error_page 418 = @geowarn_cached;",
        "            if ($gw_region_static = 0) { return 418; }",
        f"            root {static_dir};",
        "            try_files /regions/$gw_region/$gw_lang/$gw_bucket.html @geowarn_cached;",
        "            types { }",
        '            default_type "text/html; charset=utf-8";',
        "            etag on;",
        f'            add_header Cache-Control "{CURRENT}";',
        '            add_header Vary "Accept-Language, Cookie";',
        *(f'            add_header {k} "{v}";' for k, v in SECURITY_HEADERS),
        "            add_header X-Cache-Status STATIC;",
        "        }",
        "        # A window the app keeps (its page changes within it): cached one second (nginx counts it in whole",
        "        # seconds: at most 2 s), never stale after, so a publish or a cancel shows within 2 s.",
        "        location @geowarn_cached {",
        "            proxy_pass http://$geowarn_pool;",
        "            proxy_ignore_headers Cache-Control Expires;",
        "            proxy_cache_valid 200 1s;",
        "            add_header X-Cache-Status $upstream_cache_status always;",
        "        }",
    ]
    return "\n".join(out) + "\n\n"
