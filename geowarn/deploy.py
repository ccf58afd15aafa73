"""Deployment files: the nginx reverse-proxy configuration in front of gunicorn.

``geowarn nginx-conf`` prints it for given ports and paths; ``deploy/nginx.conf`` is the copy
with the defaults (a test keeps it equal to :func:`nginx_conf`).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

_TEMPLATE = "data/deploy/nginx.conf.in"
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

    @classmethod
    def scratch(cls, root: Path, port: int, upstream: int, write_upstream: int | None = None) -> NginxSite:
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
    >>> "listen 127.0.0.1:8080;" in conf and "server 127.0.0.1:9000;" in conf and "@" not in conf
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
    }.items():
        text = text.replace(marker, value)
    return text
