"""The layer build's pinned environment (issue 15): ``make layers`` reproduces the shipped files only
with the library versions of ``layers/requirements.lock``; the build refuses others and the shipped
catalog records the environment that built it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from geowarn import layers as L
from layers import build, buildenv

ROOT = Path(__file__).resolve().parent.parent


def test_shipped_catalog_records_the_locked_environment() -> None:
    env = json.loads((L.shipped_layers_dir() / "catalog.json").read_text(encoding="utf-8"))["build_environment"]
    pins = buildenv.read_lock()
    assert env["pinned"] is True and env["packages"] == pins
    assert env["lock_sha256"] == hashlib.sha256((ROOT / "layers" / "requirements.lock").read_bytes()).hexdigest()
    # the native libraries come inside the locked wheels: the ones recorded are the ones installed here
    assert {"numpy", "scipy", "shapely", "pyproj", "pyogrio"} <= set(pins)


def test_lock_pins_every_library_the_build_imports() -> None:
    """Every third-party distribution layers/build.py runs (in a fresh interpreter) is pinned, else a
    new release of it could move vertices unnoticed."""
    code = (
        "import importlib.metadata as md, sys; sys.path.insert(0, '.'); import layers.build, scipy.spatial; "
        "d = md.packages_distributions(); "
        "print(' '.join(sorted({x.lower() for m in list(sys.modules) for x in d.get(m.split('.')[0], [])})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    # charset-normalizer: an optional import taken only where it is installed (.venv-layers has none)
    used = set(out.stdout.split()) - {"geowarn", "setuptools", "pip", "charset-normalizer"}
    assert {"numpy", "scipy", "shapely", "pyproj", "pyogrio", "pandas"} <= used
    assert used <= set(buildenv.read_lock()), sorted(used - set(buildenv.read_lock()))


def test_build_refuses_other_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("# a lock from another day\nshapely==0.0.1\nnumpy==" + buildenv.read_lock()["numpy"] + "\n")
    monkeypatch.setattr(buildenv, "LOCK", lock)
    with pytest.raises(SystemExit, match=r"shapely: [0-9.]+, lock 0\.0\.1") as err:
        build.check_pins(unpinned=False)
    assert "numpy" not in str(err.value) and "make layers" in str(err.value)
    assert build.check_pins(unpinned=True) == {"shapely": "0.0.1", "numpy": buildenv.read_lock()["numpy"]}


def test_lock_lines_are_checked(tmp_path: Path) -> None:
    lock = tmp_path / "bad.lock"
    lock.write_text("numpy==2.4.6\nshapely>=2.1\n")
    with pytest.raises(buildenv.LockError, match=r"bad\.lock:2: expected name==version"):
        buildenv.read_lock(lock)
