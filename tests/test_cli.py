"""The CLI contract: data on stdout or -o, one-line user errors with exit 1, usage errors exit 2."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

from geowarn import __version__
from geowarn.cli import main
from geowarn.geodesy import geodesic_area_km2


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_version_and_help(runner: CliRunner) -> None:
    r = runner.invoke(main, ["--version"])
    assert r.exit_code == 0 and __version__ in r.output
    r = runner.invoke(main, ["--help"])
    assert r.exit_code == 0 and "corridor" in r.output


def test_ellipse_done_when(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "e.geojson"
    r = runner.invoke(
        main,
        ["corridor", "ellipse", "--center", "35.69,124.70", "--axes-km", "83,36", "--azimuth", "0", "-o", str(out)],
    )
    assert r.exit_code == 0, r.output
    fc = json.loads(out.read_text())
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    (feat,) = fc["features"]
    assert {"id", "event_id", "phase", "label", "window_start", "window_end", "source", "raw"} <= set(
        feat["properties"]
    )
    geom = shapely.geometry.shape(feat["geometry"])
    assert geom.geom_type == "Polygon" and geom.is_valid and geom.exterior.is_ccw
    assert geodesic_area_km2(geom) == pytest.approx(math.pi * 41.5 * 18, rel=0.005)
    lon_span = fc["bbox"][2] - fc["bbox"][0]
    assert 0.3 < lon_span < 0.5  # 36 km east-west at 35.7°N


def test_ellipse_across_antimeridian(runner: CliRunner) -> None:
    r = runner.invoke(main, ["corridor", "ellipse", "--center", "24.0,179.9", "--axes-km", "83,36"])
    assert r.exit_code == 0, r.output
    fc = json.loads(r.stdout)
    geom = fc["features"][0]["geometry"]
    assert geom["type"] == "MultiPolygon"
    lons = [pt[0] for poly in geom["coordinates"] for ring in poly for pt in ring]
    assert min(lons) >= -180 and max(lons) <= 180
    assert fc["bbox"][0] > fc["bbox"][2]  # RFC 7946 §5.2: west > east across 180°


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--center", "95,124", "--axes-km", "83,36"], "latitude 95.0 is out of range"),
        (["--center", "abc", "--axes-km", "83,36"], "--center"),
        (["--center", "35,124", "--axes-km", "-83,36"], "axes must be positive"),
        (["--center", "35,124", "--axes-km", "83,36", "--phase", "stage9"], "unknown phase"),
    ],
)
def test_ellipse_user_errors_are_one_line(runner: CliRunner, args: list[str], message: str) -> None:
    r = runner.invoke(main, ["corridor", "ellipse", *args])
    assert r.exit_code == 1
    assert message in r.output
    assert "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_usage_error_exits_2(runner: CliRunner) -> None:
    r = runner.invoke(main, ["corridor", "ellipse", "--axes-km", "83,36"])
    assert r.exit_code == 2


def test_zones_process_leaves_the_readers_unimported(tmp_path: Path) -> None:
    """``geowarn zones`` in a fresh process imports neither the notice readers nor the web stack (#16)."""
    import subprocess
    import sys

    corridors = tmp_path / "c.geojson"
    box = [[[124.5, 35.3], [124.9, 35.3], [124.9, 36.1], [124.5, 36.1], [124.5, 35.3]]]
    geometry = {"type": "Polygon", "coordinates": box}
    corridors.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "id": "a", "properties": {"id": "a"}, "geometry": geometry}],
            }
        ),
        encoding="utf-8",
    )
    code = (
        "import sys\n"
        "from geowarn.cli import main\n"
        "try:\n"
        f"    main(['zones', {str(corridors)!r}, '-o', {str(tmp_path / 'z.geojson')!r}])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "heavy = ('geowarn.sources', 'flask', 'folium', 'pydantic', 'jinja2', 'webapp')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stderr
    loaded = json.loads(r.stdout.strip().replace("'", '"'))
    assert loaded == []
    zones = json.loads((tmp_path / "z.geojson").read_text(encoding="utf-8"))["features"]
    assert any(z["properties"]["region_id"] == "SEA-yellow-sea" for z in zones)


def test_format_choices_are_the_readers(runner: CliRunner) -> None:
    """``parse --format`` offers ``auto`` and every format of :data:`geowarn.sources.FORMATS`, read on first use."""
    from geowarn.sources import FORMATS

    r = runner.invoke(main, ["parse", "--help"])
    assert r.exit_code == 0
    listed = r.output.replace("\n", " ").replace(" ", "")
    assert "[" + "|".join(("auto", *FORMATS)) + "]" in listed


def test_output_to_a_fifo_writes_into_it_and_leaves_it_a_fifo(runner: CliRunner, tmp_path: Path) -> None:
    # `-o /dev/null` (bench/start.py) once replaced the device with a regular file when run as root:
    # an output that exists and is not a regular file is written in place, never renamed over
    import os
    import stat
    import threading

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text(encoding="utf-8")), daemon=True)
    reader.start()
    r = runner.invoke(main, ["corridor", "ellipse", "--center", "24.0,125.0", "--axes-km", "83,36", "-o", str(fifo)])
    reader.join(timeout=30)
    assert r.exit_code == 0, r.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert json.loads(got[0])["type"] == "FeatureCollection"
    assert [p.name for p in tmp_path.iterdir()] == ["out.fifo"]


def test_output_to_a_directory_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    args = ["corridor", "ellipse", "--center", "24.0,125.0", "--axes-km", "83,36", "-o", str(tmp_path)]
    r = runner.invoke(main, args)
    assert r.exit_code != 0
    assert "cannot write" in r.output and "Traceback" not in r.output
