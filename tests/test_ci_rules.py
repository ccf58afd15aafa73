"""The CI rule itself: under GEOWARN_REQUIRE_ALL=1 a skipped test fails the run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def _run(tmp_path: Path, require_all: str) -> subprocess.CompletedProcess[str]:
    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "test_skip.py").write_text(
        "import pytest\n\ndef test_needs_tool():\n    pytest.skip('chromium not installed')\n"
    )
    env = {**os.environ, "GEOWARN_REQUIRE_ALL": require_all}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_skip_fails_under_require_all(tmp_path: Path) -> None:
    r = _run(tmp_path, "1")
    assert r.returncode == 1, r.stdout
    assert "1 failed" in r.stdout and "GEOWARN_REQUIRE_ALL" in r.stdout


def test_skip_is_a_skip_otherwise(tmp_path: Path) -> None:
    r = _run(tmp_path, "")
    assert r.returncode == 0, r.stdout
    assert "1 skipped" in r.stdout
