"""Hostile and odd GIS files (issue 14 #3, #7): zip bombs stop at the limit before GDAL, a KML whose
``<Document>`` has no name reads, archive entries cannot leave their directory."""

from __future__ import annotations

import io
import zipfile

import pytest
import shapely
from click.testing import CliRunner

from geowarn.cli import main
from geowarn.errors import ParseError, PayloadTooLarge
from geowarn.sources import parse

#: One square corridor, 124–125°E 24–25°N, in a KML whose Document (and Folder) carry no name.
UNNAMED_KML = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Sakishima box</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>124,24 125,24 125,25 124,25 124,24</coordinates>
</LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>
"""


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in entries.items():
            z.writestr(name, body)
    return buf.getvalue()


def _bomb(inflated_mb: int) -> bytes:
    """A KMZ whose doc.kml is a valid head followed by ``inflated_mb`` MB of blanks (compresses ~1000:1)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z, z.open("doc.kml", "w", force_zip64=True) as f:
        f.write(UNNAMED_KML[:-7])
        block = b" " * (1 << 20)
        for _ in range(inflated_mb):
            f.write(block)
        f.write(b"</kml>\n")
    return buf.getvalue()


def test_kml_with_unnamed_document_reads() -> None:
    out = parse(UNNAMED_KML)
    (c,) = out.corridors
    assert c.label == "Sakishima box"
    # the edges are densified along the geodesic, which bulges poleward by ~0.002° at 25°N
    assert c.geometry.bounds == pytest.approx((124.0, 24.0, 125.0, 25.0), abs=0.01)
    assert shapely.box(124, 24, 125, 25).symmetric_difference(c.geometry).area < 0.01


def test_kmz_reads_and_names_its_layer() -> None:
    out = parse(_zip({"doc.kml": UNNAMED_KML, "files/icon.png": b"\x89PNG"}), name="box.kmz")
    assert [c.label for c in out.corridors] == ["Sakishima box"]


def test_zip_bomb_stops_at_the_limit() -> None:
    data = _bomb(150)  # inflates to 150 MB > the 100 MB default
    assert len(data) < 1_000_000
    with pytest.raises(PayloadTooLarge) as ei:
        parse(data, name="bomb.kmz")
    assert "GEOWARN_MAX_UNZIPPED_MB" in str(ei.value) and ei.value.status == 413


def test_zip_limits_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOWARN_MAX_UNZIPPED_MB", "1")
    with pytest.raises(PayloadTooLarge):
        parse(_bomb(2), name="bomb.kmz")
    monkeypatch.setenv("GEOWARN_MAX_ZIP_ENTRIES", "10")
    many = _zip({"doc.kml": UNNAMED_KML, **{f"f{i}.txt": b"x" for i in range(10)}})
    with pytest.raises(PayloadTooLarge, match="11 entries"):
        parse(many, name="many.kmz")


@pytest.mark.parametrize("name", ["../evil.kml", "/etc/evil.kml", "a/../../evil.kml"])
def test_entries_cannot_leave_the_archive(name: str) -> None:
    with pytest.raises(ParseError, match="leaves the archive"):
        parse(_zip({name: UNNAMED_KML}), name="evil.kmz")


def test_cli_names_the_limit_in_one_line(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOWARN_MAX_UNZIPPED_MB", "1")
    path = f"{tmp_path}/bomb.kmz"
    with open(path, "wb") as f:
        f.write(_bomb(2))
    r = CliRunner().invoke(main, ["parse", path])
    assert r.exit_code != 0 and "Traceback" not in r.output
    errors = [line for line in r.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "GEOWARN_MAX_UNZIPPED_MB" in errors[0], r.output


def test_shapefile_zip_bomb_refused() -> None:
    data = _zip({"zones.shp": b"\0" * (101 << 20)})
    assert len(data) < 1_000_000
    with pytest.raises(PayloadTooLarge):
        parse(data, name="zones.zip")
