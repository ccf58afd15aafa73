"""Shared fixtures and the CI rule that a skip for a missing dependency is a failure.

``GEOWARN_REQUIRE_ALL=1`` (set by ``.ci/run``) turns every skipped test into a
failure, so a missing apt package or service cannot hide in CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from geowarn.demo import demo_text

DATA = Path(__file__).parent / "data"
#: The tests' webhook receivers and brokers listen on loopback: allow it (issue 14 refuses private
#: targets otherwise). Set in the environment so the servers and workers the tests start inherit it.
os.environ.setdefault("GEOWARN_ALLOW_PRIVATE_TARGETS", "127.0.0.1")
#: One secret key for every store, server and worker a test opens (webhook secrets are sealed with it).
os.environ.setdefault("GEOWARN_SECRET_KEY", "geowarn-tests-" + "0" * 32)
REQUIRE_ALL = os.environ.get("GEOWARN_REQUIRE_ALL", "") not in ("", "0", "false")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped under GEOWARN_REQUIRE_ALL=1 (a dependency is missing in CI): {reason}"


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL of a fresh, empty store on each backend (PostGIS: a fresh schema, ``tests/pg.py``)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'geowarn.sqlite3'}"
    else:
        from tests.pg import pg_schema_url

        yield from pg_schema_url()


@pytest.fixture
def store(store_url: str) -> Iterator[Any]:
    """An open store at ``store_url`` (closed afterwards)."""
    from geowarn.store import open_store

    s = open_store(store_url)
    yield s
    s.close()


@pytest.fixture
def shipped_layers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Read the layers shipped in the package, never a ``GEOWARN_LAYERS_DIR`` or a data dir's cache."""
    monkeypatch.delenv("GEOWARN_LAYERS_DIR", raising=False)
    monkeypatch.setenv("GEOWARN_DATA", str(tmp_path / "data"))


@pytest.fixture
def data_dir() -> Path:
    """``tests/data``: small inputs and goldens owned by the test suite."""
    return DATA


@pytest.fixture
def navarea_text() -> str:
    """The 2016 NAVAREA XI 0123/16 text (KMS-4 launch), the package's demo copy."""
    return demo_text("navarea-xi-2016-kms4.txt")


# Shared test geometries (lon/lat), parametrised by the geometry tests.
SHARED_GEOMETRIES: dict[str, shapely.Geometry] = {
    "empty": Polygon(),
    "square": shapely.box(124.5, 35.3, 124.9, 36.1),
    "with_hole": Polygon(
        [(124.0, 33.0), (126.0, 33.0), (126.0, 35.0), (124.0, 35.0)],
        [[(124.5, 33.5), (124.5, 34.5), (125.5, 34.5), (125.5, 33.5)]],
    ),
    "antimeridian": MultiPolygon([shapely.box(175.0, 20.0, 180.0, 25.0), shapely.box(-180.0, 20.0, -170.0, 25.0)]),
    "bowtie": Polygon([(124.5, 36.07), (124.9, 36.07), (124.5, 35.32), (124.9, 35.32)]),
    "touching_only": shapely.box(125.0, 35.3, 125.4, 36.1),  # shares the x=125 edge with touching_neighbour
    "touching_neighbour": shapely.box(124.6, 35.3, 125.0, 36.1),
    "multi_islands": MultiPolygon([shapely.box(123 + i * 0.1, 24.0, 123.05 + i * 0.1, 24.05) for i in range(30)]),
}


@pytest.fixture(params=sorted(SHARED_GEOMETRIES))
def shared_geometry(request: pytest.FixtureRequest) -> tuple[str, shapely.Geometry]:
    """Each shared test geometry in turn, as ``(name, geometry)``."""
    return request.param, SHARED_GEOMETRIES[request.param]


@pytest.fixture
def geoms() -> dict[str, shapely.Geometry]:
    """All shared test geometries by name."""
    return dict(SHARED_GEOMETRIES)
