"""Published files as static files for nginx (``GEOWARN_STATIC_DIR``, issue 16).

Each rendered GeoJSON and CAP file of an event version is written under the directory at its
URL paths: the immutable per-version copy (``events/<id>/v<n>.geojson``, ``events/<id>/v<n>.cap``)
and, while that version is the current one, a hard link at the current-version URL
(``events/<id>.geojson``, ``alerts/<id>.cap``). nginx (``geowarn nginx-conf --static-dir``) serves
them with ``try_files`` and passes anything missing on to gunicorn, which answers from the store.

Safety of a warning service: the warning commits first. Right after a publish, update or cancel
commits, :func:`drop_current` removes the event's current-version files, so nginx falls back to
the app (which answers the new version) until the new files are written after their render. Every
write is atomic (a temporary name, then ``rename``); a failed write is logged, its file unlinked and
never raised into the alert path. A file written for a version that is no longer current (a render
finishing after a newer version committed) is unlinked again by :func:`StaticFiles.write`'s check
after its rename, so a current-version URL never keeps an older version than the store.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from geowarn.deploy import FIRST_LANGUAGE_BODY, REGION_ID_BODY
from geowarn.ids import EVENT_ID_BODY
from geowarn.publish.kinds import BY_KIND
from geowarn.store import Artifact, Store, Tx

log = logging.getLogger(__name__)

#: The kinds written to the static directory: not localised and served with fixed headers.
STATIC_KINDS = ("geojson", "cap")
_EVENT_ID = re.compile(EVENT_ID_BODY)
#: Seconds of one region-page file: nginx picks ``regions/<id>/<lang>/<epoch // 10>.html`` by its clock.
REGION_BUCKET_S = 10
#: Windows after the current one a region page is written ahead for (a minute: nginx asks the app about once a minute).
REGION_AHEAD = 6
#: Region ids whose page may be written (the nginx location's pattern, geowarn.deploy).
REGION_ID = re.compile(REGION_ID_BODY)
#: The first ``Accept-Language`` tag without a q-value, when it is a language of the pages (nginx's map too).
FIRST_LANGUAGE = re.compile(FIRST_LANGUAGE_BODY)


class StaticFiles:
    """The static directory of published files.

    Parameters
    ----------
    root
        The directory (created on first write; nginx's workers need to read it).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def version_path(self, event_id: str, kind: str, version: int) -> Path:
        """Return the file of the immutable per-version URL (``<root>/events/<id>/v<n>.<suffix>``)."""
        return self.root / BY_KIND[kind].version_url(event_id, version).lstrip("/")

    def current_path(self, event_id: str, kind: str) -> Path:
        """Return the file of the current-version URL (``<root>/events/<id>.geojson``, ``<root>/alerts/<id>.cap``)."""
        return self.root / BY_KIND[kind].url(event_id).lstrip("/")

    def write(self, store: Store, art: Artifact) -> bool:
        """Write ``art``'s per-version file and, while its version is current, its current-version link.

        Never raises: a failure is logged and the current-version file unlinked (nginx then asks the app).

        Returns
        -------
        bool
            Whether the current-version file now holds ``art``.
        """
        if art.kind not in STATIC_KINDS or not _EVENT_ID.fullmatch(art.event_id):
            return False
        current = self.current_path(art.event_id, art.kind)
        try:
            vpath = self.ensure_version(art)
            if current_version(store, art.event_id) != art.version:
                return False
            _atomic_link(vpath, current)
        except OSError:
            log.exception("writing the static %s of %s v%d failed", art.kind, art.event_id, art.version)
            _unlink(current)
            return False
        # A newer version may have committed (and dropped the current files) between the check and the rename.
        try:
            if current_version(store, art.event_id) != art.version:
                if _same_file(current, vpath):
                    _unlink(current)
                return False
        except Exception:
            log.exception("checking the static %s of %s failed; unlinked", art.kind, art.event_id)
            _unlink(current)
            return False
        return True

    def ensure_version(self, art: Artifact) -> Path:
        """Write the immutable per-version file of ``art`` unless it exists; return its path (``OSError`` raised)."""
        if art.kind not in STATIC_KINDS or not _EVENT_ID.fullmatch(art.event_id):
            raise OSError(f"no static file for {art.kind} of {art.event_id!r}")
        vpath = self.version_path(art.event_id, art.kind, art.version)
        if not vpath.exists():
            _atomic_write(vpath, art.body, art.created.timestamp())
        return vpath

    def write_version(self, art: Artifact) -> None:
        """Write the immutable per-version file of ``art`` unless it exists; never raises (logged)."""
        try:
            self.ensure_version(art)
        except OSError:
            log.exception("writing the static %s of %s v%d failed", art.kind, art.event_id, art.version)

    def open_version(self, event_id: str, kind: str, version: int) -> BinaryIO | None:
        """Open the per-version file for reading, ``None`` when it is not there."""
        try:
            return self.version_path(event_id, kind, version).open("rb")
        except OSError:
            return None

    def drop_current(self, event_id: str) -> None:
        """Remove the event's current-version files (right after a new version committed); never raises."""
        if not _EVENT_ID.fullmatch(event_id):
            return
        for kind in STATIC_KINDS:
            _unlink(self.current_path(event_id, kind))

    # ------------------------------------------------------------------ region pages

    def region_path(self, region_id: str, key: str, bucket: int) -> Path:
        """Return the file of a region page for one :data:`REGION_BUCKET_S` window (``key``: :func:`region_key`)."""
        return self.root / "regions" / region_id / key / f"{bucket}.html"

    def write_region(
        self, store: Store, region_id: str, key: str, bucket: int, body: bytes, generation: int, *, keep_from: int
    ) -> bool:
        """Write a region page valid for the whole window ``bucket``, rendered at store ``generation``.

        Unlinked again when the store moved on meanwhile (a commit's :meth:`drop_regions` may have run
        before the rename); the page's files of windows before ``keep_from`` are removed. Never raises.
        """
        if not REGION_ID.fullmatch(region_id) or key not in ("default", "ja", "en"):
            return False
        path = self.region_path(region_id, key, bucket)
        try:
            if not path.exists():
                _atomic_write(path, body, bucket * REGION_BUCKET_S)
            for old in path.parent.glob("*.html"):
                if old.stem.isdigit() and int(old.stem) < keep_from:
                    _unlink(old)
        except OSError:
            log.exception("writing the static region page %s failed", region_id)
            _unlink(path)
            return False
        try:
            if store.generation() == generation:
                return True
        except Exception:
            log.exception("checking the static region page %s failed; unlinked", region_id)
        _unlink(path)
        return False

    def drop_regions(self) -> None:
        """Remove every region page (right after a new event version committed); never raises."""
        regions = self.root / "regions"
        trash = self.root / f".regions-{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
        try:
            regions.rename(trash)  # at once for nginx, whatever the rmtree takes
        except FileNotFoundError:
            return
        except OSError:
            log.exception("could not remove %s: nginx may serve its pages for up to %d s", regions, REGION_BUCKET_S)
            return
        shutil.rmtree(trash, ignore_errors=True)


def region_key(accept_language: str | None) -> str | None:
    """Return the region-page file's language key for an ``Accept-Language`` (``None``: ask the app).

    >>> region_key(None), region_key("ja,en;q=0.8"), region_key("en-US,en"), region_key("fr,en"), region_key("ja;q=0.5")
    ('default', 'ja', 'en', None, None)
    """
    if not accept_language:
        return "default"
    m = FIRST_LANGUAGE.match(accept_language)
    return m.group(1) if m else None


def bucket_of(now: datetime) -> int:
    """Return the region-page window of ``now`` (nginx: ``$msec`` without its last digit).

    >>> from datetime import UTC
    >>> bucket_of(datetime(2026, 12, 7, 23, 40, 19, tzinfo=UTC))
    179668681
    """
    return int(now.timestamp()) // REGION_BUCKET_S


def register(tx: Tx, root: str | os.PathLike[str]) -> list[str]:
    """Record ``root`` (absolute) in the store's ``static_dirs`` unless it is there already; return them all."""
    path = str(Path(root).resolve())
    dirs = registered(tx)
    if path not in dirs:
        tx.execute("INSERT INTO static_dirs (path) VALUES (?) ON CONFLICT (path) DO NOTHING", [path])
        dirs = sorted([*dirs, path])
    return dirs


def registered(tx: Tx) -> list[str]:
    """Return the static directories recorded in the store (every process drops stale files there)."""
    return [str(r["path"]) for r in tx.fetchall("SELECT path FROM static_dirs ORDER BY path")]


def drop_after_commit(roots: list[str], event_id: str) -> None:
    """Remove ``event_id``'s current-version files and every region page below each of ``roots``; never raises."""
    for root in roots:
        static = StaticFiles(root)
        static.drop_current(event_id)
        static.drop_regions()  # any region's verdict may have changed


def current_version(store: Store, event_id: str) -> int | None:
    """Return the event's current version in the store (``None``: unknown)."""
    row = store.read_one("SELECT version FROM events WHERE id = ?", [event_id])
    return None if row is None else int(row["version"])


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def _atomic_write(path: Path, body: bytes, mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    try:
        with tmp.open("wb") as f:
            f.write(body)
        tmp.chmod(0o644)
        os.utime(tmp, (mtime, mtime))  # nginx's Last-Modified is the artifact's, as the app's
        os.replace(tmp, path)
    except OSError:
        _unlink(tmp)
        raise


def _atomic_link(source: Path, path: Path) -> None:
    if _same_file(source, path):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    _unlink(tmp)
    try:
        os.link(source, tmp)
        os.replace(tmp, path)
    finally:
        _unlink(tmp)  # rename(2) leaves both names when they already were links to one file


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.exception("could not remove %s: nginx may serve it until it is replaced", path)
