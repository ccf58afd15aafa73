"""`geowarn parse`, `geowarn corridor profile`, `geowarn corridor reentry`: RFC 7946 out, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from geowarn.cli import main
from tests.examples import NAVAREA_XI_2016, PROFILE_2023, example_path

DATA = Path(__file__).parent.parent / "data"


def _run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("name", "fmt", "count"),
    [
        ("navarea-xi-2016-kms4.txt", "navwarn", 3),
        ("hydropac-2016-kms4.json", "nga-json", 3),
        ("imo-notice-2016-kms4-dms.txt", "dms-notice", 3),
        ("notam-2016-kms4-stage2.txt", "notam", 1),
        ("ocd-advisory-2016-kms4.txt", "advisory", 3),
        ("profile-2023-chollima.toml", "profile", 4),
    ],
)
def test_parse_detects_and_writes_rfc7946(name: str, fmt: str, count: int) -> None:
    code, out, err = _run("parse", str(example_path(name)))
    assert code == 0, err
    assert f"detected format: {fmt}" in err
    fc = json.loads(out)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == count
    assert "crs" not in fc and len(fc["bbox"]) == 4
    for f in fc["features"]:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert f["properties"]["raw"]


def test_parse_stdin_and_output_file(tmp_path: Path) -> None:
    text = NAVAREA_XI_2016.read_text()
    out = tmp_path / "c.geojson"
    code, _, err = _run("parse", "-", "--format", "navwarn", "-o", str(out), stdin=text)
    assert code == 0, err
    assert "detected format" not in err
    assert json.loads(out.read_text())["features"][0]["id"] == "navarea-xi-0123-16-a"


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        (
            ("parse", "-"),
            "NAVAREA XI 0123/16\nA. 95-10N 124-30E, 36-04N 124-54E, 35-19N 124-54E.",
            "area A: latitude 95-10N",
        ),
        (("parse", "/nonexistent/file.txt"), None, "no such file"),
        (("parse", "-", "--format", "bogus"), "x", "unknown format 'bogus'"),
        (("parse", str(DATA / "reentry-window.json")), None, "geowarn corridor reentry"),
        (
            (
                "corridor",
                "reentry",
                "--tle",
                str(DATA / "iss-2019-12-09.tle"),
                "--tip",
                str(DATA / "reentry-window.json"),
            ),
            None,
            "48275",
        ),
        (("corridor", "profile", "-"), 'name = "x"\n[site]\nlat = 100\nlon = 0\n', "site.lat"),
    ],
)
def test_errors_are_one_line_exit_1(args: tuple[str, ...], stdin: str | None, needle: str) -> None:
    code, out, err = _run(*args, stdin=stdin)
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) in (1, 2) and lines[-1].startswith("Error: ") and needle in lines[-1]
    assert "Traceback" not in err


def test_corridor_profile_and_reentry(tmp_path: Path) -> None:
    code, out, err = _run("corridor", "profile", str(PROFILE_2023))
    assert code == 0, err
    assert [f["properties"]["phase"] for f in json.loads(out)["features"]] == [
        "stage1",
        "fairing",
        "stage2",
        "overflight",
    ]
    code, out, err = _run(
        "corridor",
        "reentry",
        "--tle",
        str(DATA / "cz5b-synthetic.tle"),
        "--tip",
        str(DATA / "reentry-window.json"),
        "--swath-km",
        "80",
    )
    assert code == 0, err
    f = json.loads(out)["features"][0]
    assert f["properties"]["phase"] == "reentry" and f["properties"]["swath_km"] == 80
    assert f["properties"]["window_start"] == "2021-05-09T00:11:00Z"
    code, out, err = _run(
        "corridor",
        "reentry",
        "--tle",
        str(DATA / "iss-2019-12-09.tle"),
        "--epoch",
        "2019-12-09T18:00:00Z",
        "--window-min",
        "10",
    )
    assert code == 0, err
    assert json.loads(out)["features"][0]["properties"]["window_end"] == "2019-12-09T18:10:00Z"


def test_parse_prints_warnings_on_stderr_and_in_meta() -> None:
    text = (
        "A0419/16 - N194400E1235300-N194300E1245100-N170000E1244800-N170100E1235200 BACK TO START.\n"
        "ROUTE W66 CLOSED. SFC-UNL, 06 FEB 22:30 2016 UNTIL 14 FEB 03:30 2016\n"
    )
    code, out, err = _run("parse", "-", stdin=text)
    assert code == 0, err
    assert "warning: line 2, column 7: 'W66' looks like a route or label" in err
    fc = json.loads(out)
    assert fc["geowarn"]["meta"]["warnings"] == [
        {
            "line": 2,
            "column": 7,
            "token": "W66",
            "reason": "looks like a route or label, not a coordinate; not read",
            "code": "weak_coordinate",  # the reason's stable code (#13): pages show it in the reader's language
        }
    ]
