"""The pinned build environment of ``make layers`` (``layers/requirements.lock``).

The shipped layer files are byte-reproducible only with the library versions that built them: GEOS
(inside the shapely wheel), Qhull (scipy), PROJ (pyproj), GDAL (pyogrio) and numpy each move a few
vertices between releases. ``layers/build.py`` therefore checks the installed versions against the
lock before building and refuses to run with others (unless ``--unpinned``), and records the
environment it ran in (:func:`environment_record`) in ``catalog.json``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import platform
import re
import sys
from pathlib import Path
from typing import Any

LOCK = Path(__file__).resolve().parent / "requirements.lock"
PYTHON = "3.11"


class LockError(ValueError):
    """``layers/requirements.lock`` has a line that is not ``name==version``."""


def read_lock(path: Path | None = None) -> dict[str, str]:
    r"""Return the pinned ``{distribution: version}`` of a lock file (``name==version`` lines, ``#`` comments).

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "r.lock"
    >>> _ = p.write_text("# pins\nshapely==2.2.0\nnumpy==2.4.6  # arrays\n")
    >>> read_lock(p)
    {'shapely': '2.2.0', 'numpy': '2.4.6'}
    """
    path = LOCK if path is None else path
    pins: dict[str, str] = {}
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)", line)
        if not m:
            raise LockError(f"{path}:{n}: expected name==version, got {raw!r}")
        pins[m.group(1).lower()] = m.group(2)
    return pins


def installed_version(name: str) -> str | None:
    """Return the installed version of distribution ``name``, or None when it is not installed."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def lock_mismatches(pins: dict[str, str]) -> list[str]:
    """Return one line per pinned distribution whose installed version differs (empty: environment ok).

    Examples
    --------
    >>> lock_mismatches({"no-such-distribution-here": "1.0"})
    ['no-such-distribution-here: not installed, lock 1.0']
    """
    out = []
    if f"{sys.version_info.major}.{sys.version_info.minor}" != PYTHON:
        out.append(f"python: {sys.version_info.major}.{sys.version_info.minor}, lock {PYTHON}")
    for name, want in sorted(pins.items()):
        have = installed_version(name)
        if have != want:
            out.append(f"{name}: {'not installed' if have is None else have}, lock {want}")
    return out


def environment_record(pins: dict[str, str], unpinned: bool = False) -> dict[str, Any]:
    """Return the build environment recorded in ``catalog.json``: versions, native libraries, lock digest."""
    import pyogrio
    import pyproj
    import shapely

    return {
        "lock": "layers/requirements.lock",
        "lock_sha256": hashlib.sha256(LOCK.read_bytes()).hexdigest(),
        "packages": {name: installed_version(name) for name in sorted(pins)},
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
        "machine": platform.machine(),
        "geos": shapely.geos_version_string,
        "proj": pyproj.proj_version_str,
        "gdal": pyogrio.__gdal_version_string__,
        "pinned": not unpinned,
    }
